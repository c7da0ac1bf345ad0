"""The analysis choices as a Dagster resource (``AnalysisSettings``): apart from ``settings``, so
that reading the deployment settings (the CLI's ``--help``, its errors) does not import Dagster."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH, clinical_filter_path


class AnalysisSettings(dg.ConfigurableResource):
    """The choices where the papers leave room (docs/methods.md); each default is the paper's reading."""

    ai_rule: str = Field(default="concept", description=(
        "Which works are AI: concept (the OpenAlex concept Artificial intelligence, C154945302, at a score of at least "
        "ai_min_score), subfield (primary topic in subfield 1702, Artificial Intelligence) or either."))
    ai_min_score: float = Field(default=0.3, description="The lowest concept score that makes a work AI (ai_rule concept or either).")
    bloc_definition: str = Field(default="paper", description=(
        "East and West: paper (AlShebli et al. 2022: cities in the U.S. or Europe are Western, every other city Eastern) "
        "or wider (Canada, Australia and New Zealand Western too)."))
    ai_scientist_min_papers: int = Field(default=3, description=(
        "AlShebli et al. 2022's AI scientist: an author with at least this many papers ..."))
    ai_scientist_min_ai_share: float = Field(default=0.5, description="... at least this share of them AI papers.")
    impact_citing: str = Field(default="any", description=(
        "Which citing works count toward a city's impact: any work of the snapshot (as AlShebli et al. 2022's Microsoft "
        "Academic Graph (MAG) citations) or corpus (AI papers only)."))
    focal_city_geonames_id: int = Field(default=1816670, description=(
        "The city whose pull on the centre of mass is measured, by its GeoNames id (AlShebli et al. 2022: Beijing, 1816670)."))
    over_impact_universe: str = Field(default="world", description=(
        "The baseline of over-impact (Fig. 2b), expected citations from city i to city j = m_i (the citations city i made) x "
        "n_j (city j's AI papers) / n: world (AlShebli et al. 2022's words: n = every AI paper of the year, m_i = all of i's "
        "citations) or top (n and m_i among the top cities only; rows then sum to zero)."))
    lifesci_keywords_csv: str = Field(default="", description=(
        "The AI keyword list of the life-science atlas, a CSV file (empty: data/reference/ai_keywords.csv; the official "
        "Baruffaldi et al. 2020 list can be supplied in the same format)."))
    lifesci_weak_keywords: str = Field(default="context", description=(
        "context: the list's weak keywords (acronyms such as NLP, natural language processing, and CNN, convolutional "
        "neural network; phrases such as 'neural network', 'data mining') count only next to AI words (docs/methods.md); "
        "alone: every keyword counts on its own."))
    lifesci_clinical_filter: str = Field(default="treatment", description=(
        "The shipped clinical filter (AIGEO_LIFESCI_CLINICAL_FILTER): treatment (Schmallenbach et al. 2024: Haynes et al. "
        "2005's treatment query on title and abstract), treatment_no_random_forest, or broad (PubMed Clinical Queries, "
        "therapy and diagnosis, broad)."))
    lifesci_clinical_csv: str = Field(default="", description=(
        "Clinical filter terms of your own, a CSV file with the columns of data/reference/clinical_treatment.csv; when "
        "given it replaces lifesci_clinical_filter."))
    lifesci_core_rank: str = Field(default="A*", description=(
        "The lowest rank of a high-ranked conference in CORE (the Computing Research and Education Association of "
        "Australasia's conference ranking; AIGEO_LIFESCI_CORE_RANK): A* (Schmallenbach et al. 2024's Methods: "
        "'A*-rated conference proceedings') or A (its Results: 'ranked \"A\"', read as A or A*)."))
    lifesci_citing: str = Field(default="any", description=(
        "Which OpenAlex works count as citing an atlas article (AIGEO_LIFESCI_CITING): any (Schmallenbach et al. 2024's "
        "Methods: citations 'accruing from any type of publication') or life_science (works with a level-0 concept "
        "Biology, Chemistry, Medicine or Psychology: its Results' 'general life science research')."))
    min_located_share: float = Field(default=0.6, description=(
        "The geocoding coverage check of core_papers: the share of a year's corpus papers placed in a city below which the "
        "year is held back (a blocking check; default from AIGEO_MIN_LOCATED_SHARE)."))
    thin_year_papers: int = Field(default=50, description=(
        "A year whose corpus holds fewer papers (life-science articles) is thin: its coverage checks warn instead of "
        "holding it back (AIGEO_THIN_YEAR_PAPERS)."))
    gravity_cov_type: str = Field(default="HC1", description=(
        "Standard errors of the gravity models: HC1 (heteroskedasticity-robust with the small-sample factor n/(n - k), "
        "the default), HC0 (heteroskedasticity-robust without it), nonrobust, or cluster (one-way, by ordered city pair "
        "across years)."))

    def lifesci_keywords_path(self) -> Path:
        return Path(self.lifesci_keywords_csv) if self.lifesci_keywords_csv else Path(AI_KEYWORDS_PATH)

    def lifesci_clinical_path(self) -> Path:
        return Path(self.lifesci_clinical_csv) if self.lifesci_clinical_csv else clinical_filter_path(self.lifesci_clinical_filter)
