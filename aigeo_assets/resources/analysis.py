"""The analysis choices as a Dagster resource (``AnalysisSettings``): apart from ``settings``, so
that reading the deployment settings (the CLI's ``--help``, its errors) does not import Dagster."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


class AnalysisSettings(dg.ConfigurableResource):
    """The choices where the papers leave room (docs/methods.md); each default is the paper's reading."""

    ai_rule: str = "concept"
    """concept (AI concept C154945302 at score >= ai_min_score), subfield (primary topic 1702) or either."""
    ai_min_score: float = 0.3
    bloc_definition: str = "paper"
    """paper: U.S. and Europe are West (AlShebli et al. 2022); wider: also Canada, Australia, New Zealand."""
    ai_scientist_min_papers: int = 3
    ai_scientist_min_ai_share: float = 0.5
    impact_citing: str = "any"
    """any: every citing work of the snapshot counts toward impact (MAG's citations); corpus: only AI papers."""
    focal_city_geonames_id: int = 1816670
    """The city whose pull on the centre of mass is measured (AlShebli et al. 2022: Beijing, GeoNames 1816670)."""
    over_impact_universe: str = "world"
    """world: n = all AI papers of the year, m_i = all of i's citations (AlShebli et al. 2022's words);
    top: the baseline restricted to the top cities (rows then sum to zero)."""
    lifesci_keywords_csv: str = ""
    """AI keyword list of the life-science atlas (default: data/reference/ai_keywords.csv; the
    official Baruffaldi et al. 2020 list can be supplied in the same format)."""
    lifesci_weak_keywords: str = "context"
    """context: the list's weak keywords (acronyms such as NLP, CNN, AI; phrases such as "neural
    network", "data mining") count only in AI context (docs/methods.md); alone: every keyword counts
    on its own (the behaviour before weak keywords)."""
    lifesci_clinical_filter: str = "treatment"
    """The shipped clinical filter (AIGEO_LIFESCI_CLINICAL_FILTER): treatment (Schmallenbach et al. 2024: Haynes et
    al. 2005's treatment query on title and abstract), treatment_no_random_forest or broad
    (PubMed Clinical Queries therapy and diagnosis, broad); see ``lifesci.keywords``."""
    lifesci_clinical_csv: str = ""
    """Clinical filter terms of your own (same columns as data/reference/clinical_treatment.csv);
    when given it replaces ``lifesci_clinical_filter``."""
    lifesci_core_rank: str = "A*"
    """The lowest CORE rank of a high-ranked conference (AIGEO_LIFESCI_CORE_RANK): A* (Schmallenbach et al. 2024's
    Methods: "A*-rated conference proceedings") or A (its Results: 'ranked "A"', read as A or A*)."""
    lifesci_citing: str = "any"
    """Which OpenAlex works count as citing an atlas article (AIGEO_LIFESCI_CITING): any (Schmallenbach et al. 2024's
    Methods: citations "accruing from any type of publication") or life_science (works with a level-0
    concept Biology, Chemistry, Medicine or Psychology: its Results' "general life science research")."""
    min_located_share: float = 0.6
    """The geocoding coverage check of core_papers: the share of a year's corpus papers placed in a
    city below which the year is held back (a blocking check; default from AIGEO_MIN_LOCATED_SHARE)."""
    thin_year_papers: int = 50
    """A year whose corpus holds fewer papers is thin: its coverage checks (geocoding of core_papers,
    lead countries of the life-science corpus) warn instead of blocking (AIGEO_THIN_YEAR_PAPERS)."""
    gravity_cov_type: str = "HC1"
    """Standard errors of the gravity models: HC1 (robust, the default), HC0, nonrobust, or
    cluster (one-way, by ordered city pair across years)."""

    def lifesci_keywords_path(self) -> Path:
        from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH

        return Path(self.lifesci_keywords_csv) if self.lifesci_keywords_csv else Path(AI_KEYWORDS_PATH)

    def lifesci_clinical_path(self) -> Path:
        from aigeo_assets.lifesci.keywords import clinical_filter_path

        return Path(self.lifesci_clinical_csv) if self.lifesci_clinical_csv else clinical_filter_path(self.lifesci_clinical_filter)
