"""The life-science atlas (Schmallenbach et al. 2024): PubMed reader, keyword and clinical filters,
affiliation countries, analyses. Pure functions, no Dagster."""
