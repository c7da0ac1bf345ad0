"""The life-science atlas (seed 004): PubMed reader, keyword and clinical filters, affiliation countries, analyses. Pure functions, no Dagster."""
