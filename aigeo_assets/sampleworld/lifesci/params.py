"""The life-science part's parameters (Schmallenbach et al. 2024): scales, the planted signal, id ranges, quirk rates.

Every constant the other modules of ``sampleworld.lifesci`` draw with; the planted ones are copied
into ``truth_lifesci.json`` (``truth``).

Planted signal (all constants below; copied into ``truth["planted"]``):

* Lead author = last author. Real PubMed recorded only the first author's affiliation until
  about 2014: before 2014, ``PRE2014_FIRST_ONLY_SHARE`` (90 %) of the AI records with more than
  one author carry only the first author's affiliation (the twin still has every author's
  institution). The first author is from the lead country, or, on half the international
  bylines (all of them when every non-last author is foreign), from a foreign country; so the
  PubMed strings alone under-state international collaboration before 2014 and misplace the
  lead of some articles (``pubmed_international``, ``pubmed_lead_country``), which linking
  repairs. The lead region of an AI article is drawn from ``REGION_SHARE`` (Asia largest)
  and the country within the region from ``COUNTRY_WEIGHT`` (China ~60 % of Asia).
* International (at least two authors affiliated with different countries) with probability
  ``INTL_SHARE[lead region]`` (Fig. 8C: Africa 36 %, Oceania 32 %, Europe 27 %, Latin America
  23 %, Northern America 18 %, Asia 16 %), constant over the years, so the overall share stays
  below 20 % (expected ~19.6 %) and flat. Team size: national ``1 + Poisson(lambda_y)``,
  international ``1 + k + Poisson(lambda_y)`` with ``k`` foreign countries (1, 2, 3 with
  probability 0.75, 0.20, 0.05), ``lambda_y`` rising 2.5 -> 5.5 over 2000-2019.
* Outlets: every journal has a latent quality ``q ~ N(0, 1)``; ranks in its categories follow
  ``q``; the outlet's log citation effect is ``OUTLET_QUALITY_COEF * q + HIGH_RANK_LOG_BONUS *
  high_ranked`` (high-ranked journals are cited more). An article of lead region ``g`` picks
  journal ``j`` with probability ∝ ``size_j * exp(QUALITY_TILT[g] * q_j)``: Northern America
  and Europe publish more in high-quality, high-ranked journals.
* Citations of AI article ``i``: ``NB2(mu_i, NB_ALPHA)`` (gamma-Poisson) with
  ``log mu_i = year_effect[y] + outlet_effect[j] + REGION_LOG_IRR[g] + INTL_LOG_IRR * intl
  + N_AUTHORS_COEF * log(n_authors)``. ``REGION_LOG_IRR`` is the within-outlet region effect vs
  Asia (0 except Africa -0.30, Latin America -0.25), so region IRRs with outlet fixed effects
  are ~1 except Africa and Latin America, while the unadjusted IRRs (year dummies only) favour
  Northern America / Europe by up to ~1.5 (``truth["expected_irr_vs_asia"]``). The year effect
  is ``log(base) + YEAR_EXPOSURE_COEF * log(end + 1 - y)`` (minus a constant that makes the
  mean over articles ``citations_mean`` of the scale). Citations reach citing records of years
  ``y .. end`` with lag weights ``LAG_WEIGHTS`` (truncated at ``end``).
* Clinical citations = citations whose citing record is clinical. Each citation of a national
  article is clinical with probability ``CLINICAL_CITER_SHARE`` (0.25), of an international
  article with ``0.25 * 1.07 / 1.21``, so the international IRR is 1.21 for all citations and
  ~1.07 for clinical ones (binomial thinning keeps NB2 with the same alpha); region effects are
  the same for clinical citations. Each planted citation (clinical or not) then comes from an
  OpenAlex-only citer with probability ``OPENALEX_ONLY_CITER_SHARE`` (0.2), else from a PubMed
  citing record: thinning again, so both the OpenAlex count (all citations, for an article with
  a twin) and the PubMed ReferenceList count are NB2 with the same alpha and the planted IRRs
  hold for both; an article without twin keeps only its PubMed part in the files. Clinical
  citers (citing records and OpenAlex-only citers) are trials ("randomized controlled trial" /
  "randomly assigned", or "clinical trial"), which the default treatment filter (Haynes 2005,
  ``(clinical AND trial) OR random*`` on title/abstract) and the broad filter both find; the
  other citers match neither, so clinical citations are the planted ones under either filter. ``CLINICAL_AI_SHARE`` (20 %) of AI articles are clinical
  (no effect on citations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aigeo_assets.geo.regions import WORLD_REGIONS
from aigeo_assets.sampleworld.lifesci.vocabulary import AI_TERM_WEIGHT

# Version history of the life-science part (newest first):
# - 1.4.0: OpenAlex conference papers on the planted model (OpenAlex-only, and some with a PubMed record)
# - 1.3.0: OpenAlex twins, OpenAlex-only citers, 2000-2022, pre-2014 first-author-only affiliations
# - 1.2.0: records rendered in chunks from their own streams, files multi-member gzip
LIFESCI_VERSION = "1.4.0"
FIRST_YEAR = 2000
LIFESCI_END_YEAR = 2022  # the life-science years are FIRST_YEAR .. LIFESCI_END_YEAR by default (Schmallenbach et al. 2024)
BASELINE_PREFIX = "pubmed26n"
DOCTYPE = ('<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
           '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">')


@dataclass(frozen=True)
class LifesciScale:
    ai_articles: int  # AI articles over the scale's default years (from 2000 on)
    n_journals: int  # journals publishing AI articles
    n_categories: int
    citations_mean: float  # mean citations per AI article
    ai_refs_tiers: tuple[tuple[float, float], ...]  # (share of citations, mean AI refs per citing record)
    external_refs_mean: float
    records_per_file: int


LS_SCALES: dict[str, LifesciScale] = {
    "tiny": LifesciScale(600, 40, 8, 10.0, ((0.25, 1.0), (0.45, 3.0), (0.30, 6.0)), 6.0, 400),
    "demo": LifesciScale(12_000, 150, 20, 8.0, ((0.25, 1.0), (0.45, 3.0), (0.30, 7.0)), 6.0, 6_000),
    # 14.5 M citations of ~400 k AI articles in the paper
    "paper": LifesciScale(400_000, 600, 40, 36.0, ((0.1, 2.0), (0.4, 6.0), (0.5, 14.0)), 4.0, 25_000),
}

# ---------------------------------------------------------------------------------------------
# Planted parameters
# ---------------------------------------------------------------------------------------------
AFRICA, ASIA, EUROPE, LATAM, NAM, OCEANIA = WORLD_REGIONS
REGION_SHARE = {ASIA: 0.48, NAM: 0.255, EUROPE: 0.19, OCEANIA: 0.035, LATAM: 0.025, AFRICA: 0.015}
COUNTRY_WEIGHT = {
    ASIA: {"CN": 0.60, "JP": 0.085, "IN": 0.075, "KR": 0.07, "TW": 0.03, "IR": 0.025, "SG": 0.02, "HK": 0.02,
           "TR": 0.02, "IL": 0.015, "SA": 0.01, "MY": 0.008, "PK": 0.006, "TH": 0.005, "VN": 0.004, "ID": 0.004,
           "AE": 0.004, "BD": 0.004},
    NAM: {"US": 0.89, "CA": 0.11},
    EUROPE: {"GB": 0.20, "DE": 0.17, "IT": 0.09, "FR": 0.08, "ES": 0.07, "NL": 0.07, "CH": 0.05, "SE": 0.03,
             "BE": 0.03, "AT": 0.02, "PL": 0.02, "DK": 0.02, "FI": 0.015, "NO": 0.015, "IE": 0.01, "PT": 0.01,
             "GR": 0.01, "RU": 0.01, "CZ": 0.01, "HU": 0.005, "RO": 0.005, "UA": 0.004},
    OCEANIA: {"AU": 0.88, "NZ": 0.12},
    LATAM: {"BR": 0.55, "MX": 0.20, "AR": 0.10, "CL": 0.08, "CO": 0.07},
    AFRICA: {"EG": 0.35, "ZA": 0.30, "TN": 0.20, "NG": 0.15},
}
INTL_SHARE = {AFRICA: 0.36, OCEANIA: 0.32, EUROPE: 0.27, LATAM: 0.23, NAM: 0.18, ASIA: 0.16}
N_FOREIGN_P = (0.75, 0.20, 0.05)  # 1, 2, 3 foreign countries on an international byline
REGION_LOG_IRR = {ASIA: 0.0, NAM: 0.0, EUROPE: 0.0, OCEANIA: 0.0, LATAM: -0.25, AFRICA: -0.30}
QUALITY_TILT = {NAM: 0.75, EUROPE: 0.65, OCEANIA: 0.45, ASIA: 0.0, LATAM: 0.1, AFRICA: 0.05}
OUTLET_QUALITY_COEF = 0.4
HIGH_RANK_LOG_BONUS = 0.25
INTL_IRR = 1.21
INTL_IRR_CLINICAL = 1.07
INTL_LOG_IRR = math.log(INTL_IRR)
CLINICAL_CITER_SHARE = 0.25
CLINICAL_CITER_SHARE_INTL = CLINICAL_CITER_SHARE * INTL_IRR_CLINICAL / INTL_IRR
N_AUTHORS_COEF = 0.05
NB_ALPHA = 1.2
YEAR_EXPOSURE_COEF = 0.9
GROWTH = 0.18  # log growth per year of AI articles (CAGR ~20 %)
TEAM_LAMBDA = (2.5, 5.5)  # Poisson mean of extra authors, 2000 -> 2019
CLINICAL_AI_SHARE = 0.20
CLINICAL_BACKGROUND_SHARE = 0.20
BACKGROUND_SHARE = 0.10  # background records per citing record
LAG_WEIGHTS = (0.10, 0.22, 0.20, 0.15, 0.11, 0.08, 0.06, 0.045, 0.035, 0.025, 0.02, 0.015, 0.01, 0.01, 0.008,
               0.007, 0.006, 0.005, 0.004, 0.004, 0.003, 0.003, 0.003)
UNRANKED_JOURNAL_SHARE = 0.08
ARTICLES_TRUTH_MAX = 20_000

# Quirk rates
PRE2014_FIRST_ONLY_SHARE = 0.9  # AI articles (n > 1 authors) before 2014 with only the first author's affiliation
PRE2014_YEAR = 2014

# OpenAlex twins (issue 14, linking)
TWIN_PMID_SHARE = 0.85  # AI articles whose OpenAlex twin carries ids.pmid (and the DOI when the record has one)
TWIN_DOI_ONLY_SHARE = 0.05  # AI articles with a DOI whose twin carries the DOI only
TWIN_YEAR_SHIFT_SHARE = 0.03  # twins whose publication_year is the record's year - 1 (epub ahead of print)
OPENALEX_ONLY_CITER_SHARE = 0.2  # planted citations that come from OpenAlex-only works (no PMID, no PubMed record)
TWIN_WORK_BASE = 4_000_000_000  # W ids of twins of PubMed records: TWIN_WORK_BASE + a bijection of PMID // 8
OA_ONLY_WORK_BASE = 4_500_000_000  # W ids of OpenAlex-only citers: OA_ONLY_WORK_BASE + a bijection of their number
P_ID = 499_999_993  # prime: the bijections above stay inside [base, base + P_ID)
TWIN_AUTHOR_BASE = 6_000_000_000  # A ids of twins' authors (AlShebli et al. 2022's are 5.0e9 .. 5.9e9)
OA_ONLY_AUTHOR_BASE = 7_000_000_000
P_AUTHOR = 999_999_937
INSTITUTION_BASE = 4_400_000_000  # I ids of the life-science world's institutions (AlShebli et al. 2022 draws below 4.3e9)
SOURCE_BASE = 4_300_000_000  # S ids of the synthetic journals (named journals keep their OpenAlex ids)
TWINS_PART_PREFIX = "part_ls"
# OpenAlex conference papers (issue 14, item 7): Schmallenbach et al. 2024 took 23,466 of its 397,967 AI articles
# from OpenAlex conference proceedings
CONF_SHARE = 23_466 / 397_967  # share of all atlas AI articles that are OpenAlex conference papers
CONF_BOTH_SHARE = 0.10  # of the conference papers, those that are also PubMed records (same PMID and DOI)
# a PubMed AI article is a conference paper with probability P_BOTH; per PubMed AI article there are
# R_OA OpenAlex-only conference papers: then CONF_SHARE and CONF_BOTH_SHARE hold in expectation
P_BOTH = CONF_BOTH_SHARE * CONF_SHARE / (1 - (1 - CONF_BOTH_SHARE) * CONF_SHARE)
R_OA = (1 - CONF_BOTH_SHARE) * CONF_SHARE / (1 - (1 - CONF_BOTH_SHARE) * CONF_SHARE)
# life-science conferences: (OpenAlex source id, display_name = CORE title, ISSN or None, acronym,
# CORE rank, size, PubMed journal abbreviation); the first three are AlShebli et al. 2022's venues
LS_CONFERENCES = (
    ("S4306419887", "Medical Image Computing and Computer-Assisted Intervention", None, "MICCAI", "A", 1.5,
     "Med Image Comput Comput Assist Interv"),
    ("S4306418880", "Annual International Conference of the IEEE Engineering in Medicine and Biology Society",
     "1557-170X", "EMBC", "B", 2.0, "Annu Int Conf IEEE Eng Med Biol Soc"),
    ("S4306420425", "IEEE International Conference on Bioinformatics and Biomedicine", None, "BIBM", "B", 1.0,
     "IEEE Int Conf Bioinform Biomed"),
    ("S4300900000", "Intelligent Systems in Molecular Biology", None, "ISMB", "A*", 0.5,
     "Proc Int Conf Intell Syst Mol Biol"),
)
CONF_RANK_QUALITY = {"A*": 1.5, "A": 0.75, "B": -0.25}  # the latent quality q of a conference of that CORE rank
CONF_WORK_SEQ_BASE = 250_000_000  # W id of conference paper k: oa_only_work_id(CONF_WORK_SEQ_BASE + k)
CONF_AUTHOR_KEY_BASE = 12_000_000  # A ids: OA_ONLY_AUTHOR_BASE + a bijection of (CONF_AUTHOR_KEY_BASE + k, position)
CONF_CHUNK = 2_000_000  # the chunk number (stream) of a year's OpenAlex-only conference papers
# Level-1 OpenAlex concepts (id, wikidata, display_name, level-0 root) that a twin's planted topic is drawn from
MEDICINE = ("C71924100", "Q11190", "Medicine", 0)
BIOLOGY = ("C86803240", "Q420", "Biology", 0)
TOPIC_CONCEPTS = (
    ("C126838900", "Q77604", "Radiology", MEDICINE, 0.20),
    ("C143998085", "Q162555", "Oncology", MEDICINE, 0.14),
    ("C126322002", "Q11180", "Internal medicine", MEDICINE, 0.14),
    ("C142724271", "Q7208", "Pathology", MEDICINE, 0.10),
    ("C164705383", "Q10379", "Cardiology", MEDICINE, 0.08),
    ("C118487528", "Q161437", "Ophthalmology", MEDICINE, 0.05),
    ("C141071460", "Q40821", "Surgery", MEDICINE, 0.05),
    ("C54355233", "Q7162", "Genetics", BIOLOGY, 0.07),
    ("C60644358", "Q128570", "Bioinformatics", BIOLOGY, 0.09),
    ("C169760540", "Q207011", "Neuroscience", BIOLOGY, 0.08),
)
AI_CONCEPT_ML = ("C119857082", "Q2539", "Machine learning", 1)
AI_CONCEPT_AI = ("C154945302", "Q11660", "Artificial intelligence", 1)
TWIN_AI_CONCEPT_MAX_SCORE = 0.29  # "Artificial intelligence" on a twin stays below AlShebli et al. 2022's corpus threshold (0.3)
OA_ONLY_L0 = (("C41008148", "Q21198", "Computer science", 0), ("C127413603", "Q11023", "Engineering", 0))
Q_NO_AFFIL = 0.03  # non-lead domestic authors without affiliation
Q_TWO_AFFIL = 0.05
Q_JOINED_AFFIL = 0.02
Q_COLLECTIVE = 0.015
Q_EMAIL = 0.25
Q_BARE_EMAIL = 0.05
Q_ORCID = 0.10
Q_MEDLINE_DATE = 0.03
Q_NO_DOI = 0.05
Q_STRUCTURED = 0.35

# Records and render jobs
QUIRK_KEYS = ("collective_authors", "authors_without_affiliation", "authors_with_two_affiliations",
               "joined_affiliation_strings", "electronic_address_suffixes", "bare_email_suffixes",
               "first_author_only_affiliation", "structured_abstracts", "records_without_abstract",
               "records_without_doi", "medline_dates")
KW_NAMES = list(AI_TERM_WEIGHT)
KIND_AI, KIND_CITING, KIND_BACKGROUND, KIND_MISSING = 0, 1, 2, 3  # kinds of record in a render job
LINKS = ("pmid", "doi", "none")  # an AI article's OpenAlex twin: ids.pmid (+ DOI), DOI only, no twin
RENDER_CHUNK = 20_000  # records per render job (and per gzip member of each file): fixed, so the bytes are too
OA_ONLY_CHUNK = 1_000_000  # the chunk number (stream) of a year's OpenAlex-only citers
