"""The life-science part of the sample world (Schmallenbach et al. 2024): a PubMed baseline, outlet rankings, truth.

``generate_lifesci(root, scale, seed, start, end)`` writes, into the sample-world folder ``root``
(``generate_world`` passes ``start`` = 2000 and ``end`` = its ``lifesci_end_year``, by default
``LIFESCI_END_YEAR`` = 2022, the years of Schmallenbach et al. 2024, whatever AlShebli et al. 2022's years are; a scale's
``ai_articles`` are those of 2000-2022, so fewer years give fewer articles):

``pubmed/baseline/pubmed26nNNNN.xml.gz``
    multi-member gzip (mtime 0; the first member, the XML head, carries the inner name
    ``pubmed26nNNNN.xml``; then one member per render chunk of ``RENDER_CHUNK`` records that wrote
    to the file, then the tail) XML files in the shape of the NLM PubMed
    baseline / efetch output: ``<?xml version="1.0" ?>``, the PubMed DOCTYPE line, then
    ``<PubmedArticleSet>`` with one ``<PubmedArticle>`` per line. Each record has
    ``MedlineCitation[@Status="MEDLINE"][@Owner="NLM"]`` with ``PMID[@Version="1"]``,
    ``DateCompleted``, ``DateRevised``, ``Article`` (``Journal`` with one ``ISSN`` of
    ``@IssnType`` Print or Electronic, ``JournalIssue/Volume|Issue|PubDate`` where ``PubDate``
    holds ``Year`` [+ ``Month``] or, for ~3 %, a ``MedlineDate`` such as ``2015 Jan-Feb``,
    ``Title`` in NLM case, ``ISOAbbreviation``), ``ArticleTitle``, ``Pagination``,
    ``ELocationID[@EIdType="doi"]`` (when the record has a DOI), ``Abstract`` (``AbstractText``,
    structured ones with ``@Label`` [+ ``@NlmCategory``]; ~4 % of the non-AI records and ~3 % of
    the AI records have no abstract), ``AuthorList`` (persons with ``LastName``/``ForeName``/
    ``Initials``/optional ``Identifier[@Source="ORCID"]``/``AffiliationInfo/Affiliation``; ~1.5 %
    of records have a ``CollectiveName`` group author in a middle position; some authors have no
    affiliation, some two ``AffiliationInfo`` elements, some one affiliation string holding two
    addresses joined by ``"; "``), ``Language``, ``PublicationTypeList``; then
    ``MedlineJournalInfo`` (``Country``, ``MedlineTA``, ``NlmUniqueID``, ``ISSNLinking``),
    ``CitationSubset``, ``MeshHeadingList`` (``DescriptorName[@UI]``); and ``PubmedData`` with
    ``History``, ``PublicationStatus``, ``ArticleIdList`` (``pubmed``, ``doi``) and a
    ``ReferenceList`` of ``Reference/Citation`` + ``ArticleIdList/ArticleId[@IdType="pubmed"]``
    (~10 % of references to outside works carry no ``ArticleIdList``).

    Years: ``max(start, 2000) .. end``. PMIDs rise with the year (a year's PMIDs start near the
    real ones: 10.6 M in 2000, +1.1 M a year) and the world's own PMIDs are all ``≡ 3 (mod 8)``;
    references to works outside the world use other PMIDs, so no outside reference can hit a
    world record. As in the real baseline, a file holds records of any year: every record goes to
    a random file (records within a file ascend by PMID). The number of files depends only on the
    scale and the years (planned records / ``records_per_file``, so < 30,000 records a file), not
    on the seed.

    Three kinds of records:

    * AI articles (the population of Schmallenbach et al. 2024): the title or the abstract (or both) contains one
      of ``AI_TERMS`` in a natural sentence, sometimes hyphenated (``deep-learning``),
      plural (``random forests``) or with an acronym (``convolutional neural networks (CNNs)``).
      AI articles cite only works outside the world.
    * citing records: non-AI life-science articles (no AI term, nor any word of
      ``NONAI_FORBIDDEN``) whose ``ReferenceList`` cites AI articles. **All PubMed citations of
      AI articles come from these records** (the others come from OpenAlex-only citers, below); a
      citing work cites a given AI article at most once and is never older than the articles it
      cites.
    * background records: non-AI records that cite no AI article (~10 % of the citing records).

    Clinical records (AI or not) carry at least one text marker of the Haynes broad filters
    (``randomized``/``randomly``, ``clinical trial``, ``diagnostic accuracy``, ``sensitivity and
    specificity``) and, for trials, the ``PublicationType`` "Randomized Controlled Trial" or
    "Clinical Trial"; non-clinical records match none of ``CLINICAL_PATTERN`` (``random forest``
    is not a marker here) and carry no clinical publication type. Note: PubMed's therapy/broad
    query uses ``random*[tiab]``, which also matches "random forest", so an AI article whose AI
    term is "random forest" passes that filter; the truth's per-article ``clinical`` is the
    filter's answer (planted clinical or "random forest"), ``clinical_planted`` the planted flag.
    Citing records never say "random forest", so clinical citations are exactly the planted ones.

    Malformed records (at most one per file, listed in the truth): one record without a ``PMID``
    element in the first file and in every file whose 0-based index is ``≡ 3 (mod 7)``; and the
    last file is truncated (a complete gzip stream whose XML stops in the middle of its last
    record, with no closing ``</PubmedArticleSet>``). Both are sacrificial background records
    (no AI term, no citation of an AI article), so every other truth below is exact.

``data/works/updated_date=<the scale's last works date>/part_lsNNN.gz`` (one per baseline file)
    The OpenAlex twins (issue 14, linking): OpenAlex work records in the shape AlShebli et al. 2022's works
    have (``generator.py``), multi-member gzip (one member per render chunk that wrote to the
    part), listed with their record counts in ``data/works/manifest`` by ``generate_world`` (which
    merges them in after both parts of the world are written). Part ``k`` holds the twins of
    baseline file ``k``'s records, and some OpenAlex-only citers. Three kinds of work:

    * twins of AI articles: ``TWIN_PMID_SHARE`` (85 %) carry ``ids.pmid``
      (``https://pubmed.ncbi.nlm.nih.gov/<PMID>``) and the DOI when the record has one;
      ``TWIN_DOI_ONLY_SHARE`` (5 %, drawn only among records with a DOI) carry the DOI only; the
      rest (~10 %) have no twin. ``TWIN_YEAR_SHIFT_SHARE`` (3 %) of twins have ``publication_year``
      one less than the record's (epub ahead of print), so a linker must not require equal years.
    * twins of citing records: every citing record has one, with ``ids.pmid``; its
      ``referenced_works`` are the twins of the AI articles it cites (an AI article without twin
      cannot be cited through OpenAlex).
    * OpenAlex-only citers: computer-science or engineering works (journal or proceedings articles
      of AlShebli et al. 2022's "other" venues, concepts Computer science/Engineering + non-AI CS level-1
      ones, no AI term) with no PMID, no DOI and no PubMed record, citing twins of AI articles
      and OpenAlex conference papers.
    * OpenAlex conference papers (issue 14, item 7; Schmallenbach et al. 2024 took 23,466 of its 397,967 AI
      articles from OpenAlex conference proceedings, ``CONF_SHARE`` ~5.9 %): works of type
      article, ``raw_type`` proceedings-article, whose source is a life-science conference of
      ``LS_CONFERENCES`` (MICCAI "A", EMBC "B", BIBM "B", ISMB "A*"; source type conference,
      ``display_name`` = the CORE title), with an AI article's text (an ``AI_TERMS`` keyword in
      title or abstract), concepts as a twin's (a level-0 Medicine or Biology root, "Machine
      learning", the planted topic as the best non-AI level-1 concept) and authorships in the
      planted countries (lead = last author). They are drawn with the year's PubMed AI articles
      from the same model (region, country, international, team size, keyword, clinical, topic,
      NB2 citations), the outlet being the conference: choice ∝ size * exp(``QUALITY_TILT[g]`` *
      q) with q = ``CONF_RANK_QUALITY[rank]``, outlet effect ``OUTLET_QUALITY_COEF * q +
      HIGH_RANK_LOG_BONUS * (rank == "A*")``. ``CONF_BOTH_SHARE`` (10 %) of them are also PubMed
      AI records (a quota of ``P_BOTH`` of the PubMed AI articles, the remainder carried over the
      years): their work carries the record's PMID and DOI (so the atlas's dedup merges the two
      and the merged row keeps the conference outlet), the PubMed record's journal is the
      conference as PubMed abbreviates it (an ISSN no ranking lists), and they are cited like any
      PubMed AI article. The others (OpenAlex-only) have a DOI of their own
      (``conf_doi``), no PMID, no PubMed record, and are cited by OpenAlex-only citers alone
      (**choice**: their OpenAlex count is their only count; no ReferenceList names them); ids
      ``oa_only_work_id(CONF_WORK_SEQ_BASE + k)``, authors keyed ``CONF_AUTHOR_KEY_BASE + k``.
      AlShebli et al. 2022's own life-science works in MICCAI/EMBC/BIBM carry no life-science level-0
      concept (``generator.NOT_LIFESCI_ROOT_OF``), so these are the atlas's only OpenAlex
      conference papers.

    A twin's title is the record's title and its ``abstract_inverted_index`` holds the record's
    abstract words (the AbstractText elements joined by a space, split on white space), so the
    AI keywords and the clinical filter give the same answer on both. Its ``authorships`` are the
    record's persons in byline order (a CollectiveName group author is left out, as OpenAlex has no
    institution for it), each with one institution of this world in the author's city, hence in
    the author's planted country: the institution of the PubMed affiliation string, or, for an
    author whose record shows no affiliation, one drawn in the author's city. Concepts of an AI
    article's twin: its life-science root (Medicine or Biology, level 0), "Machine learning"
    (level 1) with the highest score, the planted topic (``TOPIC_CONCEPTS``: Radiology, Oncology,
    Internal medicine, Pathology, Cardiology, Ophthalmology, Surgery, Genetics, Bioinformatics,
    Neuroscience, with their real OpenAlex ids) as the highest-scoring level-1 concept that is
    not AI, 0-2 lower non-AI level-1 concepts, and for half the twins "Artificial intelligence"
    (C154945302) below 0.3. **Choice:** twins must not enter AlShebli et al. 2022's AI corpus (concept
    C154945302 at a score >= 0.3, or a primary topic in subfield 1702; ``corpus/papers.py``), so
    the AI concept that scores highest is "Machine learning" (not C154945302), C154945302 stays
    below 0.3, and twins have no topics (``primary_topic`` null): every AlShebli et al. 2022 truth holds on
    the merged snapshot. Twins of citing records carry a life-science root and 1-2 of the topic
    concepts, no AI concept.

    Ids live in ranges of their own: twins ``W`` ``TWIN_WORK_BASE`` (4.0e9) + a bijection of
    PMID // 8 (``twin_work_id``), OpenAlex-only citers ``OA_ONLY_WORK_BASE`` (4.5e9) + a bijection
    of their number (AlShebli et al. 2022's works are 2.0e9-3.0e9, its out-of-corpus references 3.0e9 on);
    authors ``A`` 6.0e9 / 7.0e9 + a bijection of (PMID // 8 or citer number, position), one id per
    authorship (AlShebli et al. 2022's: 5.0e9-5.9e9); institutions ``I`` ``INSTITUTION_BASE`` (4.4e9) + index
    (AlShebli et al. 2022 draws below 4.3e9). AlShebli et al. 2022's own life-science works with a PMID never carry one
    that is 3 mod 8 (``generator._alshebli2022_pmid``), so no PMID is in both parts of the world.

``data/institutions/updated_date=<INSTITUTIONS_DATE>/part_ls000.gz``
    Every institution of this world (the ones the twins' authorships name), in AlShebli et al. 2022's
    institution record shape with ``country_code`` and ``geo``, listed in the institutions
    manifest. Names may repeat AlShebli et al. 2022's (each part of the world builds its own institutions from
    the same cities); ids and RORs do not.

``rankings/journal_ranking.csv``
    Journal Citation Reports-like table, header row, LF line ends, sorted by category and rank.
    Columns: ``issn`` (NNNN-NNNN, the journal's ISSN-L = the records' ``ISSNLinking``),
    ``journal_title`` (upper case, JCR style; differs from the PubMed ``Title``), ``category``
    (a JCR-like subject category), ``rank_in_category`` (1 = best), ``n_in_category``. A
    journal in several categories has several rows. Besides the journals that publish AI
    articles, the table ranks "filler" journals (they may publish citing records) and the
    OpenAlex AI journals of ``vocab.VENUES`` (category "Computer Science, Artificial
    Intelligence"). About 8 % of the journals that publish AI articles are not ranked at all.
    Columns: ``JOURNAL_COLUMNS``.
    High-ranked journal = rank 1-3 in at least one of its categories.

``rankings/conference_ranking.csv``
    The CORE portal export shape (``/conf-ranks/?...&do=Export``) plus a header row (the real
    export has none; the pipeline's ranking reader needs one), LF line ends, sorted by title (a
    title with a leading space sorts first, as in the real export), nine columns
    ``id, title, acronym, source, rank, dblp, primary_for, for2, for3`` (``CONFERENCE_COLUMNS``):
    ``id`` (CORE id), ``title``, ``acronym``, ``source`` (ICORE2026, CORE2023, CORE2021,
    CORE2018 or ERA2010), ``rank`` (A*, A, B, C or Unranked), ``dblp`` (Yes/No), up to three
    ANZSRC field-of-research codes (4601 applied computing, 4602 AI, 4603 computer vision, 4611
    machine learning, ...; empty when fewer). The titles of the rows for the sample world's
    OpenAlex conference venues are exactly the OpenAlex ``display_name`` of every ``conference``
    in ``vocab.VENUES`` (life-science ones: MICCAI "A", EMBC "B", BIBM "B"; AI ones: A* except
    ICASSP "B"; IEEE ICC "B") and of ISMB ("Intelligent Systems in Molecular Biology", "A*", a
    life-science conference only this part of the world uses); the other rows are fillers.
    High-ranked conference = A*.

``truth_lifesci.json``
    The dict returned (``quirks`` counts include the malformed records) (keys: ``parameters``, ``definitions``, ``planted``, ``counts``,
    ``counts_by_region``, ``counts_by_country``, ``china_share_of_asia``,
    ``international_share``, ``high_ranked_share_by_region``, ``expected_irr_vs_asia``,
    ``expected_irr_vs_asia_all_articles``, ``citations``, ``openalex_twins``, ``files``,
    ``malformed``, ``quirks``, ``journals``, ``conferences``, ``articles``, ``conference_papers``).
    ``articles`` (and ``counts.ai_articles``, ``expected_irr_vs_asia``, ``citations``) are the
    PubMed AI articles, as before: a PubMed reader sees exactly these. ``conference_papers``:
    every OpenAlex conference paper (``papers``: ``work_id``, ``source`` "both" (also in
    ``articles``, ``outlet_kind`` conference) or "openalex", ``pmid`` (null for openalex),
    ``doi`` (openalex ones; a "both" paper's is its PubMed record's), ``year``, ``conference``,
    ``core_rank``, ``high_ranked`` (A*), ``lead_country``, ``lead_region``, ``international``,
    ``countries``, ``n_authors``, ``ai_keyword``, ``clinical``, ``clinical_planted``, ``topic``,
    ``expected_citations``, ``citations`` (OpenAlex's count), ``clinical_citations``,
    ``pubmed_citations``), the conferences with their outlet effects, the constants.
    ``counts.atlas_articles`` = PubMed AI articles + OpenAlex-only conference papers (the atlas's
    articles after dedup); ``expected_irr_vs_asia_all_articles`` the planted IRRs on them (the
    unadjusted ones mix in the conferences' outlet effects; within-outlet and international the
    same as the PubMed articles'). ``articles`` has, per AI article: ``pmid``, ``year``,
    ``lead_country`` / ``lead_region`` (planted: the last author), ``international`` (planted, all
    authors), ``countries`` (sorted distinct countries of all authors = the twin's),
    ``pubmed_lead_country`` / ``pubmed_international`` (what the PubMed strings alone show),
    ``n_authors``, ``issn``, ``high_ranked``, ``clinical``, ``clinical_planted``, ``ai_keyword``,
    ``expected_citations``, ``citations`` / ``clinical_citations`` (planted totals = the
    OpenAlex counts of a twinned article), ``pubmed_citations`` / ``pubmed_clinical_citations``
    (the ReferenceList part), ``work_id`` (twin's short id or null), ``link`` ("pmid", "doi" or
    "none"), ``openalex_year`` (or null), ``topic`` (planted level-1 concept name, or null),
    ``outlet_kind`` ("journal", or "conference" for a conference paper with a PubMed record, whose
    ``issn`` is then the conference's unranked PubMed ISSN), ``conference`` (its title or null).
    ``openalex_twins``: the parts written and their records, the institutions part, twins by link
    kind, year-shifted twins, citing-record twins, OpenAlex-only citers (per year, clinical), the
    citation totals of twinned articles (OpenAlex / PubMed, clinical), and the constants.

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

import bisect
import copy
import csv
import functools
import gzip
import io
import json
import math
import multiprocessing
import random
import re
import unicodedata
import zlib
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from aigeo_assets.geo.regions import WORLD_REGIONS, country_regions
from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.geography import Geography
from aigeo_assets.sampleworld.rng import FastRandom

LIFESCI_VERSION = "1.4.0"  # 1.4.0: OpenAlex conference papers on the planted model (OpenAlex-only, and some with a PubMed record); 1.3.0: OpenAlex twins, OpenAlex-only citers, 2000-2022, pre-2014 first-author-only affiliations; 1.2.0: records rendered in chunks from their own streams, files multi-member gzip
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
_P_ID = 499_999_993  # prime: the bijections above stay inside [base, base + _P_ID)
TWIN_AUTHOR_BASE = 6_000_000_000  # A ids of twins' authors (AlShebli et al. 2022's are 5.0e9 .. 5.9e9)
OA_ONLY_AUTHOR_BASE = 7_000_000_000
_P_AUTHOR = 999_999_937
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

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------
AI_TERMS = ("machine learning", "deep learning", "neural network", "convolutional neural network", "random forest",
            "support vector machine", "artificial intelligence", "natural language processing")
AI_TERM_WEIGHT = {"machine learning": 0.25, "deep learning": 0.22, "neural network": 0.10,
                  "convolutional neural network": 0.10, "random forest": 0.08, "support vector machine": 0.08,
                  "artificial intelligence": 0.12, "natural language processing": 0.05}
# title noun (capitalised), title lower-case noun, modifier (before "model"), abstract noun phrases
_TERM_FORMS = {
    "machine learning": (("Machine learning", "Machine-learning"), ("machine learning", "machine-learning classifiers"),
                         ("machine learning", "machine-learning"),
                         ("a machine learning model", "machine-learning algorithms", "several machine learning classifiers",
                          "a machine learning approach")),
    "deep learning": (("Deep learning", "Deep-learning"), ("deep learning", "deep-learning models"),
                      ("deep learning", "deep-learning"),
                      ("a deep learning model", "a deep-learning framework", "deep learning models")),
    # "neural network" alone is a weak keyword (also the brain's): the standalone forms say "deep"
    "neural network": (("Deep neural network", "Artificial neural network"), ("deep neural networks", "an artificial neural network"),
                       ("neural network", "neural-network"),
                       ("an artificial neural network", "artificial neural networks (ANNs)", "a feed-forward neural network")),
    "convolutional neural network": (("Convolutional neural network",), ("convolutional neural networks",
                                                                         "a convolutional neural network"),
                                     ("convolutional neural network",),
                                     ("a convolutional neural network (CNN)", "convolutional neural networks (CNNs)",
                                      "a three-dimensional convolutional neural network")),
    "random forest": (("Random forest",), ("random forests", "a random forest classifier"), ("random forest", "random-forest"),
                      ("a random forest classifier", "random forests", "a random-forest model")),
    "support vector machine": (("Support vector machine",), ("support vector machines", "a support vector machine"),
                               ("support vector machine", "support-vector machine"),
                               ("a support vector machine (SVM)", "support vector machines",
                                "a support-vector machine classifier")),
    "artificial intelligence": (("Artificial intelligence",), ("artificial intelligence",),
                                ("artificial intelligence",),
                                ("an artificial intelligence (AI) system", "artificial intelligence",
                                 "an artificial intelligence algorithm")),
    "natural language processing": (("Natural language processing",), ("natural language processing",),
                                    ("natural language processing", "natural-language processing"),
                                    ("natural language processing (NLP)", "a natural-language processing pipeline",
                                     "natural language processing")),
}
_AI_MESH = {"machine learning": ("Machine Learning", "D000069550"), "deep learning": ("Deep Learning", "D000077321"),
            "neural network": ("Neural Networks, Computer", "D016571"),
            "convolutional neural network": ("Neural Networks, Computer", "D016571"),
            "random forest": ("Machine Learning", "D000069550"),
            "support vector machine": ("Support Vector Machine", "D060388"),
            "artificial intelligence": ("Artificial Intelligence", "D001185"),
            "natural language processing": ("Natural Language Processing", "D009323")}
# Texts of non-AI records never match this (a broad AI vocabulary, case-insensitive).
NONAI_FORBIDDEN = re.compile(
    r"learning|neural|network|intelligen|machine|classif|predict|algorithm|automat|computer|random forest|"
    r"support vector|language processing|\bAI\b|\bCNNs?\b|\bSVMs?\b|\bNLP\b", re.I)
# Haynes-style clinical markers in title/abstract; non-clinical records never match.
CLINICAL_PATTERN = re.compile(r"randomi[sz]ed|randomly|placebo|\btrials?\b|sensitiv|specificity|diagnos", re.I)
CLINICAL_PUBTYPES = {"Randomized Controlled Trial": "D016449", "Clinical Trial": "D016430"}

CONDITIONS = [  # (name, MeSH descriptor, UI, data)
    ("breast cancer", "Breast Neoplasms", "D001943", "mammograms"),
    ("lung cancer", "Lung Neoplasms", "D008175", "computed tomography scans"),
    ("diabetic retinopathy", "Diabetic Retinopathy", "D003930", "fundus photographs"),
    ("Alzheimer's disease", "Alzheimer Disease", "D000544", "magnetic resonance images"),
    ("sepsis", "Sepsis", "D018805", "electronic health records"),
    ("heart failure", "Heart Failure", "D006333", "electrocardiograms"),
    ("atrial fibrillation", "Atrial Fibrillation", "D001281", "electrocardiograms"),
    ("glioblastoma", "Glioblastoma", "D005909", "histopathology slides"),
    ("skin cancer", "Skin Neoplasms", "D012878", "dermoscopic images"),
    ("prostate cancer", "Prostatic Neoplasms", "D011471", "biopsy specimens"),
    ("colorectal cancer", "Colorectal Neoplasms", "D015179", "colonoscopy videos"),
    ("stroke", "Stroke", "D020521", "brain imaging studies"),
    ("chronic kidney disease", "Renal Insufficiency, Chronic", "D051436", "laboratory records"),
    ("type 2 diabetes", "Diabetes Mellitus, Type 2", "D003924", "clinical records"),
    ("tuberculosis", "Tuberculosis", "D014376", "chest radiographs"),
    ("hepatocellular carcinoma", "Carcinoma, Hepatocellular", "D006528", "contrast-enhanced images"),
    ("major depressive disorder", "Depressive Disorder, Major", "D003865", "clinical notes"),
    ("asthma", "Asthma", "D001249", "spirometry records"),
]
AIMS = ["detection", "segmentation", "risk stratification", "outcome prediction", "subtype classification",
        "early identification", "grading", "severity assessment", "screening", "prognostication"]
POPULATIONS = ["adults", "older adults", "children", "hospitalised patients", "intensive care patients",
               "primary care patients", "a multi-ethnic cohort"]
EXPOSURES = ["smoking", "obesity", "physical activity", "air pollution", "shift work", "vitamin D deficiency",
             "hypertension", "alcohol consumption", "short sleep duration", "dietary fibre intake"]
INTERVENTIONS = ["metformin", "statin therapy", "early mobilisation", "cognitive behavioural therapy", "aspirin",
                 "high-dose vitamin D", "a structured exercise programme", "telemonitoring", "bariatric surgery",
                 "corticosteroids"]
MARKERS = ["C-reactive protein", "HbA1c", "interleukin-6", "serum albumin", "NT-proBNP", "lactate", "troponin", "eGFR"]
GENES = ["TP53", "BRCA1", "EGFR", "KRAS", "APOE", "IL6", "VEGFA", "PD-L1", "MYC", "HER2"]
DIAG_TESTS = ["point-of-care ultrasound", "high-sensitivity troponin", "low-dose computed tomography",
              "a rapid antigen test", "faecal immunochemical testing", "magnetic resonance imaging"]
DESIGNS = [("retrospective cohort", "Retrospective Studies", "D012189"), ("population-based cohort", "Cohort Studies", "D015331"),
           ("cross-sectional", "Cross-Sectional Studies", "D003430"), ("case-control", "Case-Control Studies", "D016022"),
           ("prospective cohort", "Prospective Studies", "D011446"), ("registry-based", "Registries", "D012042")]
MESH_HUMANS = ("Humans", "D006801")
MESH_DEMO = [("Female", "D005260"), ("Male", "D008297"), ("Middle Aged", "D008875"), ("Aged", "D000368"),
             ("Adult", "D000328")]
MESH_SENS = ("Sensitivity and Specificity", "D012680")
MESH_ALGO = ("Algorithms", "D000465")
MESH_ANIMAL = [("Animals", "D000818"), ("Mice", "D051379")]
PT_JOURNAL = ("Journal Article", "D016428")
PT_EXTRA = [("Research Support, Non-U.S. Gov't", "D013485", 0.30), ("Comparative Study", "D003160", 0.05),
            ("Multicenter Study", "D016448", 0.04), ("Research Support, N.I.H., Extramural", "D052061", 0.05)]
PT_REVIEW = ("Review", "D016454")
PT_VALIDATION = ("Validation Study", "D023361")

LS_DEPARTMENTS = ["Department of Radiology", "Department of Biomedical Informatics", "Department of Pathology",
                  "Department of Neurology", "School of Public Health", "Department of Ophthalmology",
                  "Department of Biostatistics", "Institute of Bioinformatics", "Department of Cardiology",
                  "Department of Computer Science", "Department of Biomedical Engineering", "Department of Oncology",
                  "Department of Internal Medicine", "Department of Epidemiology", "Division of Gastroenterology",
                  "Department of Psychiatry", "Department of Surgery", "Center for Clinical Data Science"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# Affiliation country names (weighted variants); other countries use the GeoNames name.
COUNTRY_VARIANTS: dict[str, tuple[tuple[str, float], ...]] = {
    "US": (("USA", 0.70), ("United States", 0.15), ("United States of America", 0.10), ("U.S.A.", 0.05)),
    "CN": (("China", 0.75), ("P.R. China", 0.12), ("People's Republic of China", 0.08), ("PR China", 0.05)),
    "GB": (("UK", 0.60), ("United Kingdom", 0.35), ("England", 0.05)),
    "KR": (("Republic of Korea", 0.45), ("Korea", 0.35), ("South Korea", 0.20)),
    "TW": (("Taiwan", 0.80), ("Taiwan, ROC", 0.20)),
    "HK": (("Hong Kong", 0.50), ("Hong Kong SAR, China", 0.30), ("Hong Kong, China", 0.20)),
    "NL": (("The Netherlands", 0.60), ("Netherlands", 0.40)),
    "IR": (("Iran", 0.85), ("Islamic Republic of Iran", 0.15)),
    "RU": (("Russia", 0.70), ("Russian Federation", 0.30)),
    "TR": (("Turkey", 0.80), ("Türkiye", 0.20)),
    "CZ": (("Czech Republic", 0.70), ("Czechia", 0.30)),
    "VN": (("Vietnam", 0.80), ("Viet Nam", 0.20)),
    "AE": (("United Arab Emirates", 0.80), ("UAE", 0.20)),
}
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
    "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming"}
CA_PROVINCES = {"01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON", "09": "PE",
                "10": "QC", "11": "SK"}
AU_STATES = {"01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS", "07": "VIC", "08": "WA"}
_ZIP_BEFORE_CITY = {"DE": 5, "FR": 5, "IT": 5, "ES": 5, "FI": 5, "AT": 4, "CH": 4, "BE": 4, "DK": 4, "NO": 4,
                    "HU": 4, "PT": 4, "GR": 5, "SE": 5, "PL": 5, "CZ": 5}
_ZIP_AFTER_CITY = {"CN": 6, "IN": 6, "SG": 6, "RU": 6, "KR": 5, "TR": 5, "MX": 5, "TH": 5, "MY": 5, "SA": 5, "EG": 5,
                   "IR": 10, "TW": 3, "PK": 5, "BR": 8, "AR": 4, "CL": 7, "ZA": 4, "NZ": 4, "NG": 6, "TN": 4,
                   "VN": 6, "ID": 5, "BD": 4, "IL": 7, "UA": 5, "RO": 6, "IE": 0, "CO": 6}
_EMAIL_TLD = {"US": "edu", "GB": "ac.uk", "CN": "edu.cn", "JP": "ac.jp", "KR": "ac.kr", "AU": "edu.au", "IN": "ac.in",
              "TW": "edu.tw", "HK": "edu.hk", "NZ": "ac.nz", "IL": "ac.il", "ZA": "ac.za", "BR": "usp.br"}

# Journal categories (JCR-like) and the field words of synthetic journal names in them.
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("Radiology, Nuclear Medicine & Medical Imaging", ("Radiology", "Medical Imaging", "Nuclear Medicine")),
    ("Medical Informatics", ("Medical Informatics", "Biomedical Informatics", "Digital Health")),
    ("Mathematical & Computational Biology", ("Computational Biology", "Theoretical Biology", "Biostatistics")),
    ("Multidisciplinary Sciences", ("Science", "Natural Sciences", "Research Letters")),
    ("Oncology", ("Oncology", "Cancer Research", "Clinical Oncology")),
    ("Neurosciences", ("Neuroscience", "Neuroimaging", "Brain Research")),
    ("Engineering, Biomedical", ("Biomedical Engineering", "Medical Physics", "Biomechanics")),
    ("Biochemical Research Methods", ("Biochemical Methods", "Proteomics", "Analytical Biochemistry")),
    ("Computer Science, Interdisciplinary Applications", ("Computational Medicine", "Computing in Health",
                                                          "Biomedical Computing")),
    ("Health Care Sciences & Services", ("Health Services Research", "Health Care", "Health Policy")),
    ("Genetics & Heredity", ("Genetics", "Human Genetics", "Genomics")),
    ("Cardiac & Cardiovascular Systems", ("Cardiology", "Cardiovascular Medicine", "Heart Research")),
    ("Ophthalmology", ("Ophthalmology", "Eye Research", "Retina")),
    ("Pathology", ("Pathology", "Histopathology", "Pathology Informatics")),
    ("Biotechnology & Applied Microbiology", ("Biotechnology", "Applied Microbiology", "Bioengineering")),
    ("Clinical Neurology", ("Neurology", "Clinical Neurology", "Epilepsy Research")),
    ("Psychiatry", ("Psychiatry", "Psychiatric Research", "Mental Health")),
    ("Public, Environmental & Occupational Health", ("Public Health", "Epidemiology", "Occupational Health")),
    ("Medicine, General & Internal", ("Medicine", "Internal Medicine", "General Medicine")),
    ("Surgery", ("Surgery", "Surgical Research", "Surgical Oncology")),
    ("Dermatology", ("Dermatology", "Skin Research", "Cutaneous Medicine")),
    ("Gastroenterology & Hepatology", ("Gastroenterology", "Hepatology", "Digestive Diseases")),
    ("Endocrinology & Metabolism", ("Endocrinology", "Diabetes Research", "Metabolism")),
    ("Infectious Diseases", ("Infectious Diseases", "Infection Control", "Tropical Medicine")),
    ("Respiratory System", ("Respiratory Medicine", "Pulmonology", "Chest Medicine")),
    ("Urology & Nephrology", ("Urology", "Nephrology", "Kidney Research")),
    ("Chemistry, Medicinal", ("Medicinal Chemistry", "Drug Design", "Chemical Biology")),
    ("Pharmacology & Pharmacy", ("Pharmacology", "Pharmaceutical Sciences", "Clinical Pharmacology")),
    ("Biology", ("Biology", "Life Sciences", "Biological Sciences")),
    ("Cell Biology", ("Cell Biology", "Molecular Cell Research", "Cellular Biology")),
    ("Immunology", ("Immunology", "Clinical Immunology", "Inflammation Research")),
    ("Pediatrics", ("Pediatrics", "Child Health", "Neonatology")),
    ("Obstetrics & Gynecology", ("Obstetrics and Gynecology", "Reproductive Medicine", "Maternal Health")),
    ("Orthopedics", ("Orthopaedics", "Bone and Joint Research", "Spine Research")),
    ("Dentistry, Oral Surgery & Medicine", ("Dentistry", "Oral Medicine", "Dental Research")),
    ("Psychology, Experimental", ("Experimental Psychology", "Cognitive Science", "Behavioral Research")),
    ("Emergency Medicine", ("Emergency Medicine", "Acute Care", "Prehospital Care")),
    ("Critical Care Medicine", ("Critical Care", "Intensive Care Medicine", "Anesthesia Research")),
    ("Nursing", ("Nursing", "Advanced Nursing", "Nursing Research")),
    ("Rehabilitation", ("Rehabilitation", "Physical Therapy", "Rehabilitation Research")),
]
CS_AI_CATEGORY = "Computer Science, Artificial Intelligence"
_JOURNAL_PATTERNS = ["Journal of {f}", "International Journal of {f}", "European Journal of {f}",
                     "American Journal of {f}", "Annals of {f}", "Frontiers in {f}", "BMC {f}", "{f} Reports",
                     "Advances in {f}", "Journal of Translational {f}", "Asian Journal of {f}", "Archives of {f}",
                     "{f} Open", "Current {f}", "Reviews in {f}", "Scandinavian Journal of {f}", "Journal of Clinical {f}",
                     "{f} Letters", "Research in {f}", "Seminars in {f}"]
_ABBREV = {
    "Journal": "J", "International": "Int", "European": "Eur", "American": "Am", "Annals": "Ann", "Frontiers": "Front",
    "Computational": "Comput", "Medical": "Med", "Medicine": "Med", "Biomedical": "Biomed", "Biology": "Biol",
    "Biological": "Biol", "Clinical": "Clin", "Oncology": "Oncol", "Radiology": "Radiol", "Informatics": "Inform",
    "Digital": "Digit", "Research": "Res", "Reports": "Rep", "Letters": "Lett", "Neuroscience": "Neurosci",
    "Neurology": "Neurol", "Cardiology": "Cardiol", "Genetics": "Genet", "Pathology": "Pathol",
    "Ophthalmology": "Ophthalmol", "Engineering": "Eng", "Sciences": "Sci", "Science": "Sci", "Methods": "Methods",
    "Translational": "Transl", "Molecular": "Mol", "Cellular": "Cell", "Surgery": "Surg", "Surgical": "Surg",
    "Dermatology": "Dermatol", "Gastroenterology": "Gastroenterol", "Hepatology": "Hepatol",
    "Endocrinology": "Endocrinol", "Metabolism": "Metab", "Infectious": "Infect", "Diseases": "Dis",
    "Respiratory": "Respir", "Urology": "Urol", "Nephrology": "Nephrol", "Pharmacology": "Pharmacol",
    "Pharmaceutical": "Pharm", "Chemistry": "Chem", "Chemical": "Chem", "Immunology": "Immunol",
    "Pediatrics": "Pediatr", "Obstetrics": "Obstet", "Gynecology": "Gynecol", "Orthopaedics": "Orthop",
    "Dental": "Dent", "Psychology": "Psychol", "Experimental": "Exp", "Emergency": "Emerg", "Critical": "Crit",
    "Nursing": "Nurs", "Rehabilitation": "Rehabil", "Epidemiology": "Epidemiol", "Biostatistics": "Biostat",
    "Physics": "Phys", "Nuclear": "Nucl", "Advances": "Adv", "Reviews": "Rev", "Therapy": "Ther",
    "Biotechnology": "Biotechnol", "Microbiology": "Microbiol", "Applied": "Appl", "Analytical": "Anal",
    "Biochemistry": "Biochem", "Biochemical": "Biochem", "Cognitive": "Cogn", "Behavioral": "Behav",
    "Psychiatry": "Psychiatry", "Psychiatric": "Psychiatr", "Occupational": "Occup", "Cardiovascular": "Cardiovasc",
    "Theoretical": "Theor", "Natural": "Nat", "Computing": "Comput", "Scandinavian": "Scand", "Seminars": "Semin",
    "Archives": "Arch", "Current": "Curr", "Asian": "Asian", "Intensive": "Intensive", "Anesthesia": "Anesth",
    "Reproductive": "Reprod", "Maternal": "Matern", "Neonatology": "Neonatology", "Prehospital": "Prehosp",
    "Infection": "Infect", "Tropical": "Trop", "Inflammation": "Inflamm", "Proteomics": "Proteomics",
    "Histopathology": "Histopathology", "Bioengineering": "Bioeng", "Biomechanics": "Biomech",
    "Neuroimaging": "Neuroimaging", "Cutaneous": "Cutan", "Digestive": "Dig", "Pulmonology": "Pulmonol",
    "Policy": "Policy", "Services": "Serv", "Health": "Health", "Genomics": "Genomics", "Eye": "Eye",
    "Heart": "Heart", "Brain": "Brain", "Cancer": "Cancer", "Drug": "Drug", "Design": "Des", "Kidney": "Kidney",
    "Human": "Hum", "General": "Gen", "Internal": "Intern", "Public": "Public", "Epilepsy": "Epilepsy",
    "Mental": "Ment", "Oral": "Oral", "Bone": "Bone", "Joint": "Joint", "Spine": "Spine", "Child": "Child",
    "Acute": "Acute", "Care": "Care", "Physical": "Phys", "Advanced": "Adv", "Open": "Open", "Skin": "Skin",
    "Retina": "Retina", "Imaging": "Imaging", "Life": "Life", "Cell": "Cell", "Control": "Control",
}
_STOP = {"of", "in", "and", "the", "for", "&"}
# Named life-science journals of the OpenAlex vocabulary: issn_l -> PubMed title, ISO, type, quality, size, categories
NAMED_JOURNALS = {
    "1361-8415": ("Medical image analysis", "Med Image Anal", "Print", 2.0, 1.5,
                  ("Radiology, Nuclear Medicine & Medical Imaging", "Engineering, Biomedical",
                   "Computer Science, Interdisciplinary Applications")),
    "0278-0062": ("IEEE transactions on medical imaging", "IEEE Trans Med Imaging", "Print", 1.8, 1.5,
                  ("Radiology, Nuclear Medicine & Medical Imaging", "Engineering, Biomedical")),
    "1367-4803": ("Bioinformatics (Oxford, England)", "Bioinformatics", "Print", 1.3, 2.0,
                  ("Mathematical & Computational Biology", "Biochemical Research Methods")),
    "1932-6203": ("PloS one", "PLoS One", "Electronic", -0.3, 8.0, ("Multidisciplinary Sciences",)),
    "2045-2322": ("Scientific reports", "Sci Rep", "Electronic", 0.2, 6.0, ("Multidisciplinary Sciences",)),
}
# OpenAlex conference venues -> (acronym, rank, FoR codes, source)
JOURNAL_COLUMNS = ("issn", "journal_title", "category", "rank_in_category", "n_in_category")
CONFERENCE_COLUMNS = ("id", "title", "acronym", "source", "rank", "dblp", "primary_for", "for2", "for3")
CONFERENCE_RANKS = {
    "Medical Image Computing and Computer-Assisted Intervention": ("MICCAI", "A", ("4603", "4601")),
    "Annual International Conference of the IEEE Engineering in Medicine and Biology Society": ("EMBC", "B", ("4601",)),
    "IEEE International Conference on Bioinformatics and Biomedicine": ("BIBM", "B", ("4601", "4605")),
    "Computer Vision and Pattern Recognition": ("CVPR", "A*", ("4603",)),
    "Neural Information Processing Systems": ("NeurIPS", "A*", ("4611",)),
    "International Conference on Machine Learning": ("ICML", "A*", ("4611",)),
    "Proceedings of the AAAI Conference on Artificial Intelligence": ("AAAI", "A*", ("4602",)),
    "International Joint Conference on Artificial Intelligence": ("IJCAI", "A*", ("4602",)),
    "Meeting of the Association for Computational Linguistics": ("ACL", "A*", ("4602",)),
    "International Conference on Computer Vision": ("ICCV", "A*", ("4603",)),
    "International Conference on Robotics and Automation": ("ICRA", "A*", ("4602",)),
    "Knowledge Discovery and Data Mining": ("KDD", "A*", ("4605",)),
    "International Conference on Acoustics, Speech, and Signal Processing": ("ICASSP", "B", ("4006",)),
    "IEEE International Conference on Communications": ("ICC", "B", ("4006",)),
}
_FILLER_CONFERENCES = [
    ("International Conference on Health Informatics", "HEALTHINF", "4601"),
    ("IEEE International Symposium on Biomedical Imaging", "ISBI", "4603"),
    ("Conference on Medical Imaging with Deep Learning", "MIDL", "4603"),
    ("Machine Learning for Healthcare Conference", "MLHC", "4611"),
    ("ACM Conference on Bioinformatics, Computational Biology, and Health Informatics", "ACM-BCB", "4601"),
    ("International Conference on Research in Computational Molecular Biology", "RECOMB", "4601"),
    ("Pacific Symposium on Biocomputing", "PSB", "4601"),
    ("European Conference on Computational Biology", "ECCB", "4601"),
    ("Conference on Artificial Intelligence in Medicine", "AIME", "4602"),
    ("International Conference on Pattern Recognition", "ICPR", "4603"),
    ("British Machine Vision Conference", "BMVC", "4603"),
    ("European Conference on Computer Vision", "ECCV", "4603"),
    ("International Conference on Learning Representations", "ICLR", "4611"),
    ("Conference on Uncertainty in Artificial Intelligence", "UAI", "4602"),
    ("International Conference on Artificial Intelligence and Statistics", "AISTATS", "4611"),
    ("IEEE International Conference on Data Mining", "ICDM", "4605"),
    ("SIAM International Conference on Data Mining", "SDM", "4605"),
    ("Conference on Empirical Methods in Natural Language Processing", "EMNLP", "4602"),
    ("International Conference on Computational Linguistics", "COLING", "4602"),
    ("IEEE International Conference on Healthcare Informatics", "ICHI", "4601"),
    ("International Conference on Pervasive Computing Technologies for Healthcare", "PervasiveHealth", "4608"),
    ("IEEE International Conference on Bioinformatics and Bioengineering", "BIBE", "4601"),
    ("Asia-Pacific Bioinformatics Conference", "APBC", "4601"),
    ("International Workshop on Machine Learning in Medical Imaging", "MLMI", "4603"),
    ("Conference on Information Processing in Medical Imaging", "IPMI", "4603"),
    (" International Conference on Biomedical Engineering Systems and Technologies", "BIOSTEC", "4601"),
    ("Australasian Workshop on Health Informatics and Knowledge Management", "HIKM", "4601"),
    ("International Conference on Intelligent Systems for Molecular Biology", "ISMB", "4601"),
    ("Workshop on Algorithms in Bioinformatics", "WABI", "4613"),
    ("International Symposium on Computer-Based Medical Systems", "CBMS", "4601"),
]
_AI_JOURNAL_ORDER = ["0162-8828", "1532-4435", "2162-237X", "0004-3702", "0031-3203", "0893-6080", "0885-6125",
                     "0950-7051", "0957-4174", "0925-2312", "1568-4946"]


# ---------------------------------------------------------------------------------------------
def _issn(num7: int) -> str:
    digits = f"{num7:07d}"
    s = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1)))
    c = (11 - s % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if c == 10 else c}"


def _esc(s: str) -> str:
    if "&" not in s and "<" not in s and ">" not in s:
        return s
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=4096)
def _initials(fore: str) -> str:
    return "".join(p[0] for p in fore.replace("-", " ").split())


@functools.lru_cache(maxsize=65536)
def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().replace(" ", "").replace("'", "")


def _a(s: str) -> str:
    return ("an " if s[:1].lower() in "aeiou" else "a ") + s


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _iso(name: str) -> str:
    out = []
    for w in name.replace(",", "").split():
        if w.lower() in _STOP:
            continue
        out.append(_ABBREV.get(w, w))
    return " ".join(out)


def _nlm_title(name: str) -> str:
    words = name.split()
    return " ".join([words[0]] + [w if (w.isupper() and len(w) > 1) else w.lower() for w in words[1:]])


@dataclass
class _Journal:
    idx: int
    name: str  # full name (title case)
    title: str  # PubMed Journal/Title (NLM case)
    iso: str
    issn: str  # ISSN-L = ISSNLinking = the ISSN element's value
    issn_type: str
    nlm_id: str
    country: str
    doi_prefix: str
    founded: int
    quality: float
    size: float
    categories: list[str]
    publishing: bool  # publishes AI articles
    ranked: bool
    ranks: dict[str, tuple[int, int]] = field(default_factory=dict)
    high: bool = False
    log_effect: float = 0.0


_QUIRK_KEYS = ("collective_authors", "authors_without_affiliation", "authors_with_two_affiliations",
               "joined_affiliation_strings", "electronic_address_suffixes", "bare_email_suffixes",
               "first_author_only_affiliation", "structured_abstracts", "records_without_abstract",
               "records_without_doi", "medline_dates")
_KW_NAMES = list(AI_TERM_WEIGHT)
_FILE_HEAD = "<?xml version=\"1.0\" ?>\n" + DOCTYPE + "\n<PubmedArticleSet>\n"
_AI, _CITING, _BACKGROUND, _MISSING = 0, 1, 2, 3  # kinds of record in a render job
_LINKS = ("pmid", "doi", "none")  # an AI article's OpenAlex twin: ids.pmid (+ DOI), DOI only, no twin
RENDER_CHUNK = 20_000  # records per render job (and per gzip member of each file): fixed, so the bytes are too
OA_ONLY_CHUNK = 1_000_000  # the chunk number (stream) of a year's OpenAlex-only citers


def _gzip_member(data: bytes, inner_name: str = "") -> bytes:
    """One gzip member (mtime 0, level 3) of ``data``; a baseline file is a sequence of them."""
    bio = io.BytesIO()
    with gzip.GzipFile(filename=inner_name, mode="wb", fileobj=bio, mtime=0, compresslevel=3) as gz:
        gz.write(data)
    return bio.getvalue()


def _render_seed(seed: int, year: int, chunk: int, stream: bytes = b"lifesci-render") -> np.random.SeedSequence:
    """The random stream of one chunk of a year's records: a function of (seed, year, chunk) only,
    so the files do not depend on how many processes render them."""
    return np.random.SeedSequence([abs(int(seed)) % (1 << 63), zlib.crc32(stream), int(year), int(chunk)])


_RENDER_WORLD: "_LifesciWorld | None" = None


def _init_render_world(args: tuple) -> None:
    global _RENDER_WORLD
    _RENDER_WORLD = _LifesciWorld(*args)


def _render_chunk_in_worker(job: dict) -> dict:
    return _RENDER_WORLD.render_chunk(job)


# ---------------------------------------------------------------------------------------------
class _LifesciWorld:
    def __init__(self, root: Path, scale: str, seed: int, start: int, end: int) -> None:
        self.root, self.scale, self.seed, self.start, self.end = root, scale, seed, start, end
        self.ls = LS_SCALES[scale]
        sc = cfg.SCALES[scale]
        ss = np.random.SeedSequence([abs(int(seed)) % (1 << 63), zlib.crc32(b"lifesci")])
        self.rng = np.random.default_rng(ss)
        self.r = FastRandom(int(self.rng.integers(0, 1 << 62)))
        self.years = list(range(max(start, FIRST_YEAR), end + 1))
        # the scale's AI articles are those of the default life-science years (2000-2022), whatever
        # the years asked for
        default_years = range(FIRST_YEAR, LIFESCI_END_YEAR + 1)
        norm = sum(math.exp(GROWTH * (y - FIRST_YEAR)) for y in default_years)
        self.per_year = {y: max(1, round(self.ls.ai_articles * math.exp(GROWTH * (y - FIRST_YEAR)) / norm))
                         for y in self.years}
        self.works_date = sc.works_dates[-1]  # the updated_date folder of the twins' works parts
        self._build_geography(sc)
        self._build_journals()
        self._prepare_model()
        self._prepare_twins()

    # ------------------------------------------------------------------------------------------
    def _build_geography(self, sc: cfg.Scale) -> None:
        r, rng = self.r, self.rng
        self.geo = Geography(r, rng, sc.cities_top)
        inst_scale = {"tiny": 2.0, "demo": 6.0, "paper": 9.0}.get(self.scale, 6.0)
        self.insts = self.geo.build_institutions(r, inst_scale, {"tiny": 4}.get(self.scale, 10))
        m49 = country_regions()
        region_of = dict(zip(m49["country_code"], m49["world_region"]))
        g = self.geo
        codes = sorted({c.country_code for c in g.cities})
        self.cc_region = {cc: str(region_of[cc]) for cc in codes}
        self.cc_name = {cc: g.countries[cc]["name"] for cc in codes}
        self.cc_cities: dict[str, tuple[list[int], list[float]]] = {}
        for cc in codes:
            idx = [c.idx for c in g.cities if c.country_code == cc]
            w = np.array([g.cities[i].base_weight for i in idx])
            self.cc_cities[cc] = (idx, list(np.cumsum(w) / w.sum()))
        self.regions = list(WORLD_REGIONS)
        self.region_countries: dict[str, tuple[list[str], np.ndarray]] = {}
        for reg in self.regions:
            ccs = [cc for cc in codes if self.cc_region[cc] == reg]
            w = np.array([COUNTRY_WEIGHT.get(reg, {}).get(cc, 0.003) for cc in ccs])
            self.region_countries[reg] = (ccs, w / w.sum())
        # global lead-country distribution (for partners and for the non-AI records)
        allw = {}
        for reg in self.regions:
            ccs, w = self.region_countries[reg]
            for cc, x in zip(ccs, w):
                allw[cc] = REGION_SHARE[reg] * float(x)
        self.codes = codes
        self.global_p = np.array([allw[cc] for cc in codes])
        self.global_p /= self.global_p.sum()
        pw = self.global_p ** 0.8
        self.partner_cum = list(np.cumsum(pw / pw.sum()))
        self.global_cum = list(np.cumsum(self.global_p))
        self.country_variants = {}
        for cc in codes:
            vs = COUNTRY_VARIANTS.get(cc, ((self.cc_name[cc], 1.0),))
            self.country_variants[cc] = ([v for v, _ in vs], list(np.cumsum([w for _, w in vs])))

    # ------------------------------------------------------------------------------------------
    def _build_journals(self) -> None:
        r, rng, ls = self.r, self.rng, self.ls
        cats = [c for c, _ in CATEGORIES[: ls.n_categories]]
        fields = dict(CATEGORIES)
        used_names: set[str] = set()
        used_issn: set[str] = set(NAMED_JOURNALS) | {v[2] for v in V.VENUES if v[2]}
        used_nlm: set[str] = set()
        countries = ["United States", "England", "Netherlands", "Switzerland", "Germany", "United States",
                     "England", "China", "Japan", "Australia"]
        prefixes = ["10.1016", "10.1007", "10.1038", "10.1371", "10.1109", "10.1186", "10.3389", "10.1002", "10.1093",
                    "10.1155", "10.3390", "10.1177"]
        journals: list[_Journal] = []

        def new_issn() -> str:
            while True:
                s = _issn(r.randrange(100_000, 2_999_999))
                if s not in used_issn:
                    used_issn.add(s)
                    return s

        def new_nlm() -> str:
            while True:
                s = str(r.choice([r.randrange(7_500_000, 9_999_999), r.randrange(100_888_000, 101_780_000)]))
                if s not in used_nlm:
                    used_nlm.add(s)
                    return s

        def new_name(cat: str) -> str:
            fl = fields[cat]
            for _ in range(200):
                name = r.choice(_JOURNAL_PATTERNS).format(f=r.choice(fl))
                if name not in used_names:
                    used_names.add(name)
                    return name
            k = 2
            while f"{name} {k}" in used_names:
                k += 1
            used_names.add(f"{name} {k}")
            return f"{name} {k}"

        def add(name, title, iso, issn, itype, q, size, jcats, publishing, ranked) -> _Journal:
            j = _Journal(len(journals), name, title, iso, issn, itype, new_nlm(), r.choice(countries),
                         r.choice(prefixes), r.randrange(1960, 2012), float(q), float(size), list(jcats),
                         publishing, ranked)
            journals.append(j)
            return j

        venue_name = {v[2]: v[1] for v in V.VENUES if v[2]}
        for issn, (title, iso, itype, q, size, jcats) in NAMED_JOURNALS.items():
            jc = [c for c in jcats if c in cats] or [cats[0]]
            used_names.add(venue_name[issn])
            add(venue_name[issn], title, iso, issn, itype, q, size, jc, True, True)
        n_syn = max(0, ls.n_journals - len(NAMED_JOURNALS))
        qs = rng.normal(0.0, 1.0, n_syn)
        sizes = rng.lognormal(0.0, 0.9, n_syn)
        for k in range(n_syn):
            u = r.random()
            nc = 1 if u < 0.6 else (2 if u < 0.9 else 3)
            jc = r.sample(cats, min(nc, len(cats)))
            name = new_name(jc[0])
            add(name, _nlm_title(name), _iso(name), new_issn(), "Print" if r.random() < 0.8 else "Electronic",
                qs[k], sizes[k], jc, True, r.random() >= UNRANKED_JOURNAL_SHARE)
        # fillers: ranked journals without AI articles (they may publish citing records)
        members = {c: [j for j in journals if j.ranked and c in j.categories] for c in cats}
        for c in cats:
            n_fill = int(round(len(members[c]) * r.uniform(1.0, 2.0))) + 2
            fq = rng.normal(0.0, 1.0, n_fill)
            fs = rng.lognormal(0.0, 0.9, n_fill)
            for k in range(n_fill):
                name = new_name(c)
                j = add(name, _nlm_title(name), _iso(name), new_issn(), "Print" if r.random() < 0.8 else "Electronic",
                        fq[k], fs[k], [c], False, True)
                members[c].append(j)
        for c in cats:
            ms = sorted(members[c], key=lambda j: (-j.quality, j.idx))
            for rank, j in enumerate(ms, start=1):
                j.ranks[c] = (rank, len(ms))
        for j in journals:
            j.high = j.ranked and any(rk <= 3 for rk, _ in j.ranks.values())
            j.log_effect = OUTLET_QUALITY_COEF * j.quality + HIGH_RANK_LOG_BONUS * j.high
        self.journals = journals
        self.pub_journals = [j for j in journals if j.publishing]
        # the conferences as the PubMed records of their papers show them (a journal-like outlet that
        # no ranking lists); outlet index len(pub_journals) + c
        self.conf_journals = []
        for c, (sid, title, issn, acr, rank, size, iso) in enumerate(LS_CONFERENCES):
            q = CONF_RANK_QUALITY[rank]
            cj = _Journal(100_000 + c, title, title, iso, issn or new_issn(), "Electronic", new_nlm(), "United States",
                          "10.1109", 1990, q, size, [], False, False)
            cj.log_effect = OUTLET_QUALITY_COEF * q + HIGH_RANK_LOG_BONUS * (rank == "A*")
            self.conf_journals.append(cj)
        self.outlets = self.pub_journals + self.conf_journals
        self.conf_source = [{"id": V.OA + sid, "display_name": title, "issn_l": issn, "issn": [issn] if issn else None,
                             "type": "conference"} for sid, title, issn, *_ in LS_CONFERENCES]
        self.categories = cats
        sizes_all = np.array([j.size for j in journals])
        self.citer_cum = list(np.cumsum(sizes_all / sizes_all.sum()))
        self.iso_pool = [j.iso for j in journals]
        self.iso_pool_esc = [_esc(iso) for iso in self.iso_pool]

    # ------------------------------------------------------------------------------------------
    def _prepare_model(self) -> None:
        pj = self.pub_journals
        q = np.array([j.quality for j in pj])
        size = np.array([j.size for j in pj])
        self.j_effect = np.array([j.log_effect for j in pj])
        self.j_high = np.array([j.high for j in pj])
        cq = np.array([j.quality for j in self.conf_journals])
        c_effect = np.array([j.log_effect for j in self.conf_journals])
        self.o_effect = np.concatenate([self.j_effect, c_effect])  # outlet index: journals, then conferences
        self.o_high = np.concatenate([self.j_high, np.zeros(len(c_effect), dtype=bool)])  # high-ranked journal
        self.cum_conf = {reg: np.cumsum(np.array([j.size for j in self.conf_journals]) * np.exp(QUALITY_TILT[reg] * cq))
                         for reg in self.regions}
        self.p_journal = {}
        for reg in self.regions:
            w = size * np.exp(QUALITY_TILT[reg] * q)
            self.p_journal[reg] = w / w.sum()
        self.cum_journal = {reg: np.cumsum(p) for reg, p in self.p_journal.items()}
        # E[n_authors^delta] for national / international bylines, averaged over the years
        ws = np.array([self.per_year[y] for y in self.years], dtype=float) if self.years else np.ones(1)
        a_nat, a_int = [], []
        for y in self.years or [FIRST_YEAR]:
            lam = self._team_lambda(y)
            ks = np.arange(0, 80)
            pmf = np.exp(-lam + ks * math.log(lam) - np.array([math.lgamma(k + 1) for k in ks]))
            a_nat.append(float((pmf * (1 + ks) ** N_AUTHORS_COEF).sum()))
            a_int.append(float(sum(pk * (pmf * (1 + nf + ks) ** N_AUTHORS_COEF).sum()
                                   for nf, pk in zip((1, 2, 3), N_FOREIGN_P))))
        A = float(np.average(a_nat, weights=ws))
        B = float(np.average(a_int, weights=ws))
        self.team_factor = {"national": A, "international": B}
        mix = {reg: (1 - INTL_SHARE[reg]) * A + INTL_SHARE[reg] * INTL_IRR * B for reg in self.regions}
        j_out = {reg: float((self.p_journal[reg] * np.exp(self.j_effect)).sum()) for reg in self.regions}
        self.p_conf = {reg: np.diff(np.concatenate([[0.0], cum])) / cum[-1] for reg, cum in self.cum_conf.items()}
        c_out = {reg: float((self.p_conf[reg] * np.exp(c_effect)).sum()) for reg in self.regions}
        # PubMed AI articles: journals, or a conference with probability P_BOTH; all atlas articles
        # (with the OpenAlex-only conference papers): a conference with probability CONF_SHARE
        outlet = {reg: (1 - P_BOTH) * j_out[reg] + P_BOTH * c_out[reg] for reg in self.regions}
        outlet_all = {reg: (1 - CONF_SHARE) * j_out[reg] + CONF_SHARE * c_out[reg] for reg in self.regions}
        self.expected_unadj = {reg: outlet[reg] * math.exp(REGION_LOG_IRR[reg]) * mix[reg] for reg in self.regions}
        self.expected_unadj_all = {reg: outlet_all[reg] * math.exp(REGION_LOG_IRR[reg]) * mix[reg] for reg in self.regions}
        self.expected_within = {reg: math.exp(REGION_LOG_IRR[reg]) * mix[reg] for reg in self.regions}
        z = sum(REGION_SHARE[reg] * self.expected_unadj[reg] for reg in self.regions)
        # year effects: mean of exp(year effect) over articles = citations_mean / z
        ex = {y: (self.end + 1 - y) ** YEAR_EXPOSURE_COEF for y in self.years}
        tot = sum(self.per_year[y] for y in self.years) or 1
        mean_ex = sum(self.per_year[y] * ex[y] for y in self.years) / tot if self.years else 1.0
        self.year_effect = {y: math.log(self.ls.citations_mean) - math.log(z) + math.log(ex[y] / mean_ex)
                            for y in self.years}
        # planned file layout (depends on scale and years only)
        tiers = self.ls.ai_refs_tiers
        refs_per_citing = 1.0 / sum(s / m for s, m in tiers)
        landing = {t: 0.0 for t in self.years}
        for y in self.years:
            w = np.array(LAG_WEIGHTS[: self.end - y + 1])
            w = w / w.sum()
            m = self.per_year[y] * self.ls.citations_mean * ex[y] / mean_ex
            for lag, p in enumerate(w):
                landing[y + lag] += m * p
        self.planned_records = {y: self.per_year[y] + landing[y] / refs_per_citing * (1 + BACKGROUND_SHARE)
                                for y in self.years}
        planned = sum(self.planned_records.values())
        self.n_files = max(1, math.ceil(planned / self.ls.records_per_file)) if self.years else 0

    def _prepare_twins(self) -> None:
        """The constant parts of the OpenAlex twins: institution records (ids moved to their own
        range), journal sources, concept dicts."""
        self.inst_id = [f"{V.OA}I{INSTITUTION_BASE + i.idx}" for i in self.insts]
        self.inst_embed = [{"id": self.inst_id[i.idx], "display_name": i.display_name, "ror": i.ror,
                            "country_code": i.country_code, "type": i.type, "lineage": [self.inst_id[i.idx]]}
                           for i in self.insts]
        venue_id = {v[2]: v[0] for v in V.VENUES if v[2]}
        self.j_source = [{"id": V.OA + venue_id.get(j.issn, f"S{SOURCE_BASE + j.idx}"), "display_name": j.name,
                          "issn_l": j.issn, "issn": [j.issn], "type": "journal"} for j in self.journals]
        self.oa_venues = [v for v in V.VENUES if v[5] == "other" and v[0] in ("S19017023", "S4306420401")]
        self.topic_cum = list(np.cumsum([t[4] for t in TOPIC_CONCEPTS]) / sum(t[4] for t in TOPIC_CONCEPTS))

    @staticmethod
    def _concept(c: tuple, score: float) -> dict:
        return {"id": V.OA + c[0], "wikidata": V.WD + c[1], "display_name": c[2],
                "level": c[3] if isinstance(c[3], int) else 1, "score": round(score, 6)}

    @staticmethod
    def _team_lambda(year: int) -> float:
        f = min(max((year - 2000) / 19.0, 0.0), 1.0)
        return TEAM_LAMBDA[0] + (TEAM_LAMBDA[1] - TEAM_LAMBDA[0]) * f

    # ------------------------------------------------------------------------------------------
    def _pick(self, cum: list[float]) -> int:
        return min(bisect.bisect_right(cum, self.r.random() * cum[-1]), len(cum) - 1)

    def _city(self, cc: str) -> int:
        idx, cum = self.cc_cities[cc]
        return idx[self._pick(cum)]

    def _inst(self, city: int) -> int:
        c = self.geo.cities[city]
        if len(c.institutions) == 1:
            return c.institutions[0]
        return c.institutions[min(bisect.bisect_left(c.inst_cum, self.r.random()), len(c.institutions) - 1)]

    def _country_name(self, cc: str) -> str:
        names, cum = self.country_variants[cc]
        return names[self._pick(cum)]

    def _address(self, city_i: int, inst_i: int) -> str:
        r = self.r
        city = self.geo.cities[city_i]
        cc = city.country_code
        inst = self.insts[inst_i].display_name
        rnd = r.random  # FastRandom's choice and randrange written out for the commonest branches
        dept = LS_DEPARTMENTS[int(rnd() * len(LS_DEPARTMENTS))]
        country = self._country_name(cc)
        name = city.name
        if cc == "US":
            st = city.admin1 if city.admin1 in US_STATES else None
            if st and rnd() < 0.7:
                loc = f"{name}, {st} {10000 + int(rnd() * 89999)}"
            elif st:
                loc = f"{name}, {US_STATES[st]}"
            else:
                loc = name
        elif cc == "CA":
            p = CA_PROVINCES.get(city.admin1)
            if p and r.random() < 0.5:
                z = (f"{r.choice('ABCEGHJKLMNPRSTVXY')}{r.randrange(10)}{r.choice('ABCEGHJKLMNPRSTVWXYZ')} "
                     f"{r.randrange(10)}{r.choice('ABCEGHJKLMNPRSTVWXYZ')}{r.randrange(10)}")
                loc = f"{name}, {p} {z}"
            else:
                loc = f"{name}, {p}" if p else name
        elif cc == "AU":
            st = AU_STATES.get(city.admin1)
            loc = f"{name}, {st} {r.randrange(2000, 7999)}" if st else name
        elif cc == "GB":
            loc = (f"{name} {r.choice('BCELMNOSW')}{r.choice('ABCDEHLNST')}{r.randrange(1, 20)} "
                   f"{r.randrange(10)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                   if r.random() < 0.5 else name)
        elif cc == "JP":
            loc = f"{name} {r.randrange(100, 999)}-{r.randrange(0, 9999):04d}" if r.random() < 0.7 else name
        elif cc == "NL":
            loc = f"{r.randrange(1000, 9999)} {r.choice('ABCDEGHJKLMNPRSTVWXZ')}{r.choice('ABCDEGHJKLMNPRSTVWXZ')} {name}"
        elif cc in _ZIP_BEFORE_CITY and rnd() < 0.6:
            d = _ZIP_BEFORE_CITY[cc]
            lo = 10 ** (d - 1)
            loc = f"{lo + int(rnd() * (10 * lo - lo))} {name}"
        elif _ZIP_AFTER_CITY.get(cc) and 3 <= _ZIP_AFTER_CITY[cc] <= 8 and rnd() < 0.5:
            d = _ZIP_AFTER_CITY[cc]
            lo = 10 ** (d - 1)
            loc = f"{name} {lo + int(rnd() * (10 * lo - lo))}"
        else:
            loc = name
        return f"{dept}, {inst}, {loc}, {country}"

    def _email(self, last: str, fore: str, inst_i: int, cc: str) -> str:
        word = self._email_word(inst_i)
        tld = _EMAIL_TLD.get(cc, cc.lower())
        return f"{_ascii(fore.split()[0])}.{_ascii(last)}@{_ascii(word)}.{tld}"

    def _email_word(self, inst_i: int) -> str:
        cache = self.__dict__.setdefault("_email_words", {})
        word = cache.get(inst_i)
        if word is None:
            inst = self.insts[inst_i].display_name
            word = cache[inst_i] = next((w for w in re.split(r"[\s,()]+", inst)
                                         if len(w) > 3 and w not in ("University", "Institute")), "univ")
        return word

    def _person(self, cc: str) -> tuple[str, str, str]:
        r = self.r
        reg = V.NAME_REGION.get(cc)
        if reg is None:
            reg = "eu" if self.cc_region.get(cc) == EUROPE else ("la" if self.cc_region.get(cc) == LATAM else "en")
        rnd = r.random
        first, last = V.NAMES[reg]
        fore = first[int(rnd() * len(first))]
        ln = last[int(rnd() * len(last))]
        initials = _initials(fore)
        if reg not in ("zh", "ko", "ja") and rnd() < 0.25:
            mid = "ABCDEFGHJKLMNPRSTW"[int(rnd() * 18)]
            fore = f"{fore} {mid}"
            initials += mid
        return ln, fore, initials

    def _author_xml(self, cc: str | None, city: int | None, with_affil: bool, lead: bool,
                    collective: str | None = None) -> str:
        r, Qs = self.r, self.quirks
        if collective is not None:
            Qs["collective_authors"] += 1
            return f'<Author ValidYN="Y"><CollectiveName>{_esc(collective)}</CollectiveName></Author>'
        ln, fore, ini = self._person(cc)
        parts = [f'<Author ValidYN="Y"><LastName>{_esc(ln)}</LastName><ForeName>{_esc(fore)}</ForeName>'
                 f'<Initials>{ini}</Initials>']
        rnd = r.random
        inst = None
        if rnd() < Q_ORCID:
            parts.append(f'<Identifier Source="ORCID">0000-000{1 + int(rnd() * 2)}-{1000 + int(rnd() * 8999)}-'
                         f'{100 + int(rnd() * 899)}{"0123456789X"[int(rnd() * 11)]}</Identifier>')
        if with_affil:
            inst = self._inst(city)
            addr = self._address(city, inst)
            second = None
            u = r.random()
            if u < Q_JOINED_AFFIL:
                c2 = self._city(cc)
                addr = f"{addr}; {self._address(c2, self._inst(c2))}"
                Qs["joined_affiliation_strings"] += 1
            elif u < Q_JOINED_AFFIL + Q_TWO_AFFIL:
                c2 = city if r.random() < 0.6 else self._city(cc)
                second = self._address(c2, self._inst(c2))
                Qs["authors_with_two_affiliations"] += 1
            last_addr = second if second is not None else addr
            v = r.random()
            tail = "."
            if lead and v < Q_EMAIL:
                tail = f". Electronic address: {self._email(ln, fore, inst, cc)}."
                Qs["electronic_address_suffixes"] += 1
            elif lead and v < Q_EMAIL + Q_BARE_EMAIL:
                tail = f". {self._email(ln, fore, inst, cc)}."
                Qs["bare_email_suffixes"] += 1
            if second is None:
                parts.append(f"<AffiliationInfo><Affiliation>{_esc(addr + tail)}</Affiliation></AffiliationInfo>")
            else:
                parts.append(f"<AffiliationInfo><Affiliation>{_esc(addr)}.</Affiliation></AffiliationInfo>")
                parts.append(f"<AffiliationInfo><Affiliation>{_esc(last_addr + tail)}</Affiliation></AffiliationInfo>")
        parts.append("</Author>")
        self.auth_log.append((ln, fore, cc, city, inst))  # the twin's authorship (inst None: drawn later)
        return "".join(parts)

    # ------------------------------------------------------------------------------------------
    def _ai_authors(self, lead_cc: str, n: int, foreign: list[str], first_only: bool, first_cc: str) -> str:
        """The byline: the lead (last) author in ``lead_cc``, the first in ``first_cc`` (``_year``
        decided both, and the foreign countries), every foreign country at least once."""
        r = self.r
        slots = [lead_cc] * (n - 1)
        if foreign:
            rest = list(foreign)
            if first_cc != lead_cc:
                slots[0] = first_cc
                rest.remove(first_cc)
            pos = r.sample(range(1, n - 1), len(rest))
            for p, f in zip(pos, rest):
                slots[p] = f
            for p in range(1, n - 1):
                if p not in pos and r.random() < 0.25:
                    slots[p] = r.choice(foreign)
        lead_city = self._city(lead_cc)
        self.auth_log = []
        collective_at = -1
        if n >= 3 and r.random() < Q_COLLECTIVE:
            dom = [p for p in range(1, n - 1) if slots[p] == lead_cc]
            if dom:
                collective_at = r.choice(dom)
        out = ['<AuthorList CompleteYN="Y">']
        for p, cc in enumerate(slots):
            if p == collective_at:
                group = " ".join(w[:1].upper() + w[1:] for w in r.choice(CONDITIONS)[0].split())
                out.append(self._author_xml(None, None, False, False,
                                            collective=f"{group} {r.choice(['Study Group', 'Consortium', 'Investigators'])}"))
                continue
            if cc == lead_cc:
                city = lead_city if r.random() < 0.7 else self._city(cc)
            else:
                city = self._city(cc)
            if first_only:
                affil = p == 0
            else:
                affil = not (cc == lead_cc and r.random() < Q_NO_AFFIL)
            if not affil and not first_only:
                self.quirks["authors_without_affiliation"] += 1
            out.append(self._author_xml(cc, city, affil, False))
        out.append(self._author_xml(lead_cc, lead_city, not first_only or n == 1, True))
        out.append("</AuthorList>")
        return "".join(out)

    def _plain_authors(self, n: int) -> str:
        r = self.r
        lead = self.codes[self._pick(self.global_cum)]
        other = self.codes[self._pick(self.partner_cum)] if r.random() < 0.15 else lead
        lead_city = self._city(lead)
        self.auth_log = []
        out = ['<AuthorList CompleteYN="Y">']
        for p in range(n):
            cc = lead if (p == n - 1 or other == lead or r.random() < 0.6) else other
            city = lead_city if (cc == lead and r.random() < 0.7) else self._city(cc)
            affil = r.random() >= Q_NO_AFFIL or p == n - 1
            if not affil:
                self.quirks["authors_without_affiliation"] += 1
            out.append(self._author_xml(cc, city, affil, p == n - 1))
        out.append("</AuthorList>")
        return "".join(out)

    # ------------------------------------------------------------------------------------------
    def _abstract_xml(self, sections: list[tuple[str, str]] | None) -> str:
        if not sections:
            return ""
        r = self.r
        if r.random() < Q_STRUCTURED:
            self.quirks["structured_abstracts"] += 1
            nlm = r.random() < 0.6
            parts = []
            for label, text in sections:
                cat = {"OBJECTIVE": "OBJECTIVE", "BACKGROUND": "BACKGROUND", "METHODS": "METHODS",
                       "RESULTS": "RESULTS", "CONCLUSIONS": "CONCLUSIONS"}[label]
                attr = f' Label="{label}" NlmCategory="{cat}"' if nlm else f' Label="{label}"'
                parts.append(f"<AbstractText{attr}>{_esc(text)}</AbstractText>")
            return "<Abstract>" + "".join(parts) + "</Abstract>"
        return "<Abstract><AbstractText>" + _esc(" ".join(t for _, t in sections)) + "</AbstractText></Abstract>"

    def _ai_text(self, kw: str, clinical: str | None, cond: tuple) -> tuple[str, list, list, list]:
        """Title, abstract sections, extra MeSH, extra publication types of an AI article."""
        r = self.r
        t_caps, t_lows, t_mods, phrases = _TERM_FORMS[kw]
        cname, data = cond[0], cond[3]
        aim = r.choice(AIMS)
        pop = r.choice(POPULATIONS)
        u = r.random()
        place = "title" if u < 0.25 else ("abstract" if u < 0.60 else "both")
        no_abstract = r.random() < 0.03
        if no_abstract:
            place = "title"
        T, t, m, ph = r.choice(t_caps), r.choice(t_lows), r.choice(t_mods), r.choice(phrases)
        in_title = place in ("title", "both")
        in_abs = place in ("abstract", "both")
        mesh, pts = [], []
        # title
        if clinical == "diagnostic":
            title = (f"Diagnostic accuracy of {m}-assisted {aim} of {cname}" if in_title
                     else f"Diagnostic accuracy of automated {aim} of {cname} in {pop}")
        elif clinical == "rct":
            title = (f"{T}-assisted {aim} of {cname}: a randomized controlled trial" if in_title
                     else f"Automated {aim} of {cname} in {pop}: a randomized controlled trial")
            pts.append(("Randomized Controlled Trial", "D016449"))
        elif clinical == "trial":
            title = (f"{T} for {aim} of {cname}: a prospective clinical trial" if in_title
                     else f"Automated {aim} of {cname}: results of a prospective clinical trial")
            pts.append(("Clinical Trial", "D016430"))
        elif in_title:
            title = r.choice([
                f"{T}-based {aim} of {cname} from {data}",
                f"{_cap(aim)} of {cname} using {t}",
                f"Development and validation of {_a(m)} model for {aim} of {cname}",
                f"{T} for {aim} of {cname} in {pop}",
                f"Can {t} improve {aim} of {cname}?",
            ])
        else:
            title = r.choice([f"{_cap(aim)} of {cname} from {data}: a retrospective study",
                              f"Automated {aim} of {cname} in {pop}",
                              f"Towards automated {aim} of {cname}"])
        if not title.endswith("?"):
            title += "."
        if no_abstract:
            self.quirks["records_without_abstract"] += 1
            return title, [], mesh, pts
        subj = ph if in_abs else "an automated model"
        n_pat = r.randrange(120, 25000)
        bg = r.choice([f"{_cap(cname)} is a major cause of morbidity and mortality worldwide, and timely {aim} "
                       "remains challenging.",
                       f"Accurate {aim} of {cname} is essential for treatment planning.",
                       f"Manual review of {data} is time-consuming and subject to inter-observer variability."])
        if clinical == "rct":
            meth = (f"In this randomized controlled trial, {n_pat} patients were randomly assigned to care supported by "
                    f"{subj} or to usual care.")
        elif clinical == "trial":
            meth = f"In this prospective, multicentre clinical trial, {subj} was applied to {data} of {n_pat} patients."
        else:
            meth = r.choice([f"We retrospectively collected {data} from {n_pat} patients at {r.randrange(1, 12)} hospitals "
                             f"and developed {subj}.",
                             f"{_cap(subj)} was trained on {n_pat} cases and evaluated on an independent test set of "
                             f"{r.randrange(50, 5000)} cases."])
        auc = r.randrange(70, 99)
        if clinical in ("diagnostic", "trial") and r.random() < 0.6:
            res = (f"Sensitivity and specificity were {r.randrange(70, 99)}% and {r.randrange(70, 99)}%, respectively, "
                   f"with an area under the curve of 0.{auc}.")
            mesh.append(MESH_SENS)
        elif clinical is not None:
            res = (f"The diagnostic performance reached an area under the curve of 0.{auc} "
                   f"(95% CI 0.{auc - 3}-0.{min(auc + 2, 99)}).")
        else:
            res = r.choice([f"The model achieved an area under the receiver operating characteristic curve of 0.{auc} "
                            f"(95% CI 0.{auc - 3}-0.{min(auc + 2, 99)}) in the test set.",
                            f"The Dice similarity coefficient was 0.{auc} on the held-out data (P < 0.001).",
                            f"Performance was consistent across subgroups defined by age and sex (P > 0.05)."])
        concl = r.choice([f"{_cap(subj)} can support {aim} of {cname} in routine practice.",
                          "These findings warrant prospective validation in larger cohorts.",
                          f"The approach may reduce the workload of {aim} in {pop}."])
        sections = [("BACKGROUND", bg), ("METHODS", meth), ("RESULTS", res), ("CONCLUSIONS", concl)]
        if r.random() < 0.2:
            sections.insert(1, ("OBJECTIVE", f"To evaluate {subj} for {aim} of {cname}."))
        return title, sections, mesh, pts

    def _nonai_text(self, clinical: str | None, cond: tuple) -> tuple[str, list, list, list, bool]:
        """Title, sections, extra MeSH, extra publication types, animal study flag of a non-AI record."""
        r = self.r
        cname = cond[0]
        pop = r.choice(POPULATIONS)
        expo, inter, marker, gene = r.choice(EXPOSURES), r.choice(INTERVENTIONS), r.choice(MARKERS), r.choice(GENES)
        design = r.choice(DESIGNS)
        mesh, pts, animal = [], [], False
        if clinical == "rct":
            title = f"{_cap(inter)} versus usual care in {pop} with {cname}: a randomized controlled trial."
            pts.append(("Randomized Controlled Trial", "D016449"))
            meth = f"Patients were randomly assigned to {inter} or placebo and followed for {r.randrange(3, 60)} months."
        elif clinical == "trial":
            title = f"Safety and efficacy of {inter} in {cname}: a phase {r.choice(['I', 'II', 'III'])} clinical trial."
            pts.append(("Clinical Trial", "D016430"))
            meth = f"This open-label clinical trial enrolled {r.randrange(20, 900)} {pop} with {cname}."
        elif clinical == "diagnostic":
            test = r.choice(DIAG_TESTS)
            title = f"Diagnostic accuracy of {test} for {cname} in {pop}."
            meth = f"Sensitivity and specificity of {test} were estimated against the reference standard."
            mesh.append(MESH_SENS)
        else:
            u = r.random()
            if u < 0.12:
                animal = True
                title = f"Effect of {inter} on {marker} in a mouse model of {cname}."
                meth = f"Mice were treated with {inter} for {r.randrange(2, 12)} weeks and {marker} was measured."
            else:
                title = r.choice([f"{_cap(expo)} and risk of {cname} in {pop}: a {design[0]} study.",
                                  f"Long-term outcomes of patients with {cname} treated with {inter}.",
                                  f"{gene} expression and {cname} progression.",
                                  f"Trends in incidence of {cname} among {pop}, "
                                  f"{r.randrange(1990, 2005)}-{r.randrange(2006, 2019)}.",
                                  f"Quality of life in {pop} with {cname}."])
                meth = r.choice([f"We conducted a {design[0]} study of {r.randrange(80, 90000)} {pop} with {cname}.",
                                 f"{_cap(marker)} was measured at baseline and after {r.randrange(3, 36)} months.",
                                 f"Expression of {gene} was quantified by quantitative PCR and immunohistochemistry."])
                mesh.append(design[1:])
        if r.random() < 0.04:
            self.quirks["records_without_abstract"] += 1
            return title, [], mesh, pts, animal
        bg = r.choice([f"{_cap(cname)} remains a major public health burden.",
                       f"The role of {expo} in {cname} is uncertain.",
                       f"Few studies have examined {inter} in {pop}."])
        hr = r.randrange(5, 95)
        res = r.choice([f"{_cap(expo)} was associated with {cname} (hazard ratio 1.{hr:02d}; "
                        f"95% CI 1.{max(hr - 4, 0):02d}-1.{min(hr + 4, 99):02d}).",
                        f"Median follow-up was {r.randrange(6, 120)} months.",
                        f"Mean {marker} decreased by {r.randrange(3, 40)}% (P < 0.001)."])
        concl = r.choice([f"These findings support further study of {inter} in {pop}.",
                          f"{_cap(expo)} should be considered in the management of {cname}.",
                          f"Larger studies of {marker} in {cname} are needed."])
        return title, [("BACKGROUND", bg), ("METHODS", meth), ("RESULTS", res), ("CONCLUSIONS", concl)], mesh, pts, animal

    # ------------------------------------------------------------------------------------------
    def _record_xml(self, pmid: int | None, year: int, j: _Journal, title: str, sections: list, authors: str,
                    pts: list, mesh: list, refs: list[str], truncate: bool = False, doi_ok: bool | None = None) -> str:
        """The record's XML line; its DOI (or None) is left in ``self.doi``. ``doi_ok`` (AI
        articles: decided with their twin) overrides the draw of whether it has one."""
        r = self.r
        rnd = r.random  # FastRandom's randrange(a, b) is a + int(random() * (b - a)): written out below
        month = int(rnd() * 12)
        u = rnd()
        if u < Q_MEDLINE_DATE:
            pubdate = f"<MedlineDate>{year} {MONTHS[month]}-{MONTHS[min(month + 1, 11)]}</MedlineDate>"
            self.quirks["medline_dates"] += 1
        elif u < 0.12:
            pubdate = f"<Year>{year}</Year>"
        else:
            pubdate = f"<Year>{year}</Year><Month>{MONTHS[month]}</Month>"
        elec = j.issn_type == "Electronic"
        model = "Electronic" if elec else r.choice(["Print", "Print-Electronic", "Print-Electronic"])
        vol = max(1, year - j.founded + 1)
        p1 = 1 + int(rnd() * 1999)
        pages = f"e{10000 + int(rnd() * 89999)}" if elec else f"{p1}-{p1 + 4 + int(rnd() * 11)}"
        no_doi = rnd() < Q_NO_DOI if doi_ok is None else not doi_ok
        doi = None if no_doi else f"{j.doi_prefix}/{_ascii(j.iso.split()[0])[:6]}.{year}.{10000 + int(rnd() * 89999)}"
        self.doi = doi
        if doi is None:
            self.quirks["records_without_doi"] += 1
        dc = min(year + 1, 2025)
        out = [f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">']
        if pmid is not None:
            out.append(f'<PMID Version="1">{pmid}</PMID>')
        out.append(f"<DateCompleted><Year>{dc}</Year><Month>{1 + int(rnd() * 12):02d}</Month><Day>{1 + int(rnd() * 28):02d}</Day>"
                   f"</DateCompleted><DateRevised><Year>{min(dc + int(rnd() * 4), 2025)}</Year><Month>"
                   f"{1 + int(rnd() * 12):02d}</Month><Day>{1 + int(rnd() * 28):02d}</Day></DateRevised>")
        out.append(f'<Article PubModel="{model}"><Journal><ISSN IssnType="{j.issn_type}">{j.issn}</ISSN>'
                   f'<JournalIssue CitedMedium="{"Internet" if elec else "Print"}"><Volume>{vol}</Volume>'
                   f'{"" if elec else f"<Issue>{1 + int(rnd() * 12)}</Issue>"}<PubDate>{pubdate}</PubDate></JournalIssue>'
                   f"<Title>{_esc(j.title)}</Title><ISOAbbreviation>{_esc(j.iso)}</ISOAbbreviation></Journal>"
                   f"<ArticleTitle>{_esc(title)}</ArticleTitle><Pagination><MedlinePgn>{pages}</MedlinePgn></Pagination>")
        if doi:
            out.append(f'<ELocationID EIdType="doi" ValidYN="Y">{doi}</ELocationID>')
        out.append(self._abstract_xml(sections))
        out.append(authors)
        out.append("<Language>eng</Language><PublicationTypeList>")
        for name, ui in [PT_JOURNAL] + pts:
            out.append(f'<PublicationType UI="{ui}">{name}</PublicationType>')
        out.append("</PublicationTypeList></Article>")
        out.append(f"<MedlineJournalInfo><Country>{j.country}</Country><MedlineTA>{_esc(j.iso)}</MedlineTA>"
                   f"<NlmUniqueID>{j.nlm_id}</NlmUniqueID><ISSNLinking>{j.issn}</ISSNLinking></MedlineJournalInfo>"
                   "<CitationSubset>IM</CitationSubset><MeshHeadingList>")
        for name, ui in mesh:
            out.append(f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="N">{_esc(name)}</DescriptorName></MeshHeading>')
        out.append("</MeshHeadingList></MedlineCitation><PubmedData><History>")
        for status, y_, m_ in (("entrez", year, month + 1), ("pubmed", year, month + 1), ("medline", dc, 1 + int(rnd() * 12))):
            out.append(f'<PubMedPubDate PubStatus="{status}"><Year>{y_}</Year><Month>{m_}</Month>'
                       f"<Day>{1 + int(rnd() * 28)}</Day></PubMedPubDate>")
        out.append("</History><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>")
        if pmid is not None:
            out.append(f'<ArticleId IdType="pubmed">{pmid}</ArticleId>')
        if doi:
            out.append(f'<ArticleId IdType="doi">{doi}</ArticleId>')
        out.append("</ArticleIdList>")
        if refs:
            out.append("<ReferenceList>")
            out.extend(refs)
            out.append("</ReferenceList>")
        out.append("</PubmedData></PubmedArticle>")
        xml = "".join(out)
        if truncate:
            return xml[: int(len(xml) * r.uniform(0.3, 0.7))]
        return xml

    def _ext_refs(self, n: int, pmid: int, year: int) -> list[str]:
        # FastRandom's expovariate, choice and randrange written out (the same draws, in the same order):
        # this loop makes a few million references at paper scale
        rnd = self.r.random
        pool = self.iso_pool_esc
        n_pool = len(pool)
        span = max(pmid, 100_001) - 100_000
        log = math.log
        out = []
        for _ in range(n):
            yr = year - min(int(-log(1.0 - rnd()) / 0.2), 30)
            # the journal abbreviation is the only part that may need escaping: it is escaped once
            cit = (f"{pool[int(rnd() * n_pool)]}. {yr};{1 + int(rnd() * 79)}:{1 + int(rnd() * 899)}-"
                   f"{901 + int(rnd() * 98)}.")
            if rnd() < 0.1:
                out.append(f"<Reference><Citation>{cit}</Citation></Reference>")
                continue
            x = 100_000 + int(rnd() * span)
            if x % 8 == 3:
                x += 1
            out.append(f'<Reference><Citation>{cit}</Citation><ArticleIdList><ArticleId IdType="pubmed">{x}'
                       "</ArticleId></ArticleIdList></Reference>")
        return out

    def _mesh_base(self, cond: tuple, animal: bool = False) -> list:
        r = self.r
        if animal:
            mesh = list(MESH_ANIMAL)
        else:
            mesh = [MESH_HUMANS] + r.sample(MESH_DEMO, r.randrange(0, 4))
        mesh.append((cond[1], cond[2]))
        return mesh

    def _pubtypes(self) -> list:
        r = self.r
        return [(n, ui) for n, ui, p in PT_EXTRA if r.random() < p]

    # ------------------------------------------------------------------------------------------
    def run(self, workers: int = 1, chunk_records: int = RENDER_CHUNK) -> dict:
        """Simulate the years in order here (who is cited by whom, PMIDs, which file each record
        goes to) and render the records' XML in chunks of ``chunk_records`` records, each chunk
        from its own random stream, in ``workers`` processes (here when ``workers`` <= 1). Each
        chunk adds one gzip member to every file it wrote to, in chunk order, so the bytes do not
        depend on ``workers``."""
        root = self.root
        base_dir = root / "pubmed" / "baseline"
        if base_dir.exists():
            for p in base_dir.glob(f"{BASELINE_PREFIX}*.xml.gz"):
                p.unlink()
        base_dir.mkdir(parents=True, exist_ok=True)
        self.quirks = {k: 0 for k in _QUIRK_KEYS}
        nf = self.n_files
        self.file_rel = [f"pubmed/baseline/{BASELINE_PREFIX}{k + 1:04d}.xml.gz" for k in range(nf)]
        self.malformed: list[dict] = []
        self.files: list[dict] = []
        self.file_records = [0] * nf
        self.file_years: list[set[int]] = [set() for _ in range(nf)]
        # the 1-based record position after which the file's record without PMID comes
        self.mal_at = [self.r.randint(1, 20) if (k < nf - 1 and (k == 0 or k % 7 == 3)) else None for k in range(nf)]
        # AI articles (global arrays, appended per year)
        cols = ("pmid", "year", "journal", "region", "country", "intl", "n_auth", "clinical", "kw", "cites",
                "clin_cites", "mu", "pub_cites", "pub_clin", "link", "shift", "topic", "countries", "pub_intl",
                "pub_lead", "conf", "wnum")
        self.ai = {c: [] for c in cols}
        self.cf = {c: [] for c in cols}  # the OpenAlex-only conference papers
        self.n_conf = 0
        self.both_carry = 0.0
        self.ai_wnum_all = np.zeros(0, dtype=np.int64)
        self.ai_pmid_all = np.zeros(0, dtype=np.int64)
        self.ai_year_all = np.zeros(0, dtype=np.int32)
        self.ai_journal_all = np.zeros(0, dtype=np.int32)
        self.ai_twin_all = np.zeros(0, dtype=bool)
        self.n_oa_only = 0
        self.pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {y: [] for y in self.years}
        self.counts = {"citing_records": {}, "background_records": {}, "clinical_citing_records": 0,
                       "clinical_background_records": 0, "openalex_only_citers": {},
                       "clinical_openalex_only_citers": 0}
        self.intl_per_year = {}
        self.last_pmid = 0
        self.chunk_records = int(chunk_records)
        handles = []
        pool = None
        if multiprocessing.current_process().daemon:
            workers = 1  # a daemonic process may not start processes of its own; the same bytes
        if sum(self.planned_records.values()) < 2 * self.chunk_records:
            workers = 1  # a world of a chunk or two (tiny) is rendered before a pool would have started
        if workers > 1 and self.years:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_render_world,
                                       initargs=((root, self.scale, self.seed, self.start, self.end),))
            renderer = None
        else:
            renderer = copy.copy(self)  # its own random streams and counters, the same world
        in_flight: deque = deque()
        # the OpenAlex twins' works parts: part k holds the twins of file k's records (and some
        # OpenAlex-only citers)
        works_dir = root / "data" / "works" / f"updated_date={self.works_date}"
        works_dir.mkdir(parents=True, exist_ok=True)
        for p in works_dir.glob(f"{TWINS_PART_PREFIX}*.gz"):
            p.unlink()
        self.twin_rel = [f"updated_date={self.works_date}/{TWINS_PART_PREFIX}{k:03d}.gz" for k in range(nf)]
        self.twin_lines = [0] * nf
        self.twin_handles: list = []
        try:
            for rel in self.file_rel:
                fh = open(root / rel, "wb")
                handles.append(fh)
                fh.write(_gzip_member(_FILE_HEAD.encode(), rel.rsplit("/", 1)[1][:-3]))
            for rel in self.twin_rel:
                self.twin_handles.append(open(root / "data" / "works" / rel, "wb"))
            for y in self.years:
                for job in self._year(y):
                    if pool is None:
                        self._write_chunk(renderer.render_chunk(job), handles)
                        continue
                    in_flight.append(pool.submit(_render_chunk_in_worker, job))
                    while len(in_flight) > workers + 1:  # bounded memory: a few chunks in flight
                        self._write_chunk(in_flight.popleft().result(), handles)
            while in_flight:
                self._write_chunk(in_flight.popleft().result(), handles)
            # the files' last records come from a stream of their own
            closer = copy.copy(self)
            closer.rng = np.random.default_rng(_render_seed(self.seed, self.end, 0, b"lifesci-close"))
            closer.r = FastRandom(int(closer.rng.integers(0, 1 << 62)))
            for k in range(nf):
                handles[k].write(_gzip_member(closer._file_tail(k, final=k == nf - 1).encode()))
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            for fh in handles + self.twin_handles:
                fh.close()
        for k, rel in enumerate(self.twin_rel):
            if not self.twin_lines[k]:  # a part no chunk wrote to is still a valid (empty) gzip file
                (root / "data" / "works" / rel).write_bytes(_gzip_member(b""))
        self._write_institutions(root)
        self._write_rankings(root)
        return self._truth()

    def _write_chunk(self, res: dict, handles: list) -> None:
        for k, member in res["members"]:
            handles[k].write(member)
        for k, member, lines in res["twin_members"]:
            self.twin_handles[k].write(member)
            self.twin_lines[k] += lines
        self.counts["clinical_openalex_only_citers"] += res["clinical_openalex_only_citers"]
        for key, v in res["quirks"].items():
            self.quirks[key] += v
        self.counts["clinical_citing_records"] += res["clinical_citing_records"]
        self.counts["clinical_background_records"] += res["clinical_background_records"]

    def _file_tail(self, k: int, final: bool = False) -> str:
        """The end of file ``k``: its record without PMID if the file never reached the position of
        it, then the closing tag, or, for the last file, a truncated record instead."""
        out = []
        if self.mal_at[k] is not None:
            year = max(self.file_years[k]) if self.file_years[k] else self.years[-1]
            out.append(self._background_xml(year, None) + "\n")
            self.file_records[k] += 1
            self.malformed.append({"file": self.file_rel[k], "kind": "missing_pmid", "record_index": self.file_records[k],
                                   "detail": "MedlineCitation without PMID (and no pubmed ArticleId)"})
            self.mal_at[k] = None
        if final:
            year = max(self.file_years[k]) if self.file_years[k] else self.end
            out.append(self._background_xml(year, self.last_pmid + 8, truncate=True))
            self.malformed.append({"file": self.file_rel[k], "kind": "truncated_record",
                                   "record_index": self.file_records[k] + 1,
                                   "detail": "XML stops inside the last record; no closing </PubmedArticleSet>"})
        else:
            out.append("</PubmedArticleSet>\n")
        self.files.append({"file": self.file_rel[k], "complete_records": self.file_records[k], "truncated": final,
                           "years": sorted(self.file_years[k])})
        return "".join(out)

    def _background_xml(self, year: int, pmid: int | None, truncate: bool = False, clinical: str | None = None) -> str:
        r = self.r
        cond = r.choice(CONDITIONS)
        title, sections, mesh_x, pts, animal = self._nonai_text(clinical, cond)
        j = self.journals[self._pick(self.citer_cum)]
        authors = self._plain_authors(1 + min(int(r.expovariate(0.3)), 14))
        refs = self._ext_refs(int(self.rng.poisson(self.ls.external_refs_mean)) + 1, pmid or self.last_pmid + 8, year)
        return self._record_xml(pmid, year, j, title, sections, authors, self._pubtypes() + pts,
                                self._mesh_base(cond, animal) + mesh_x, refs, truncate=truncate)

    # ------------------------------------------------------------------------------------------
    def _group(self, pool_idx: np.ndarray, pool_clin: np.ndarray) -> list[tuple[np.ndarray, bool]]:
        """Split a year's citations (cited article index, clinical flag) into citing works: each
        holds citations of one flag, of distinct articles, a tier's mean number of them."""
        rng = self.rng
        groups: list[tuple[np.ndarray, bool]] = []
        for flag in (True, False):
            pool = pool_idx[pool_clin == flag]
            if not len(pool):
                continue
            pool = pool[rng.permutation(len(pool))]
            tier = rng.choice(len(self.ls.ai_refs_tiers), size=len(pool), p=[s for s, _ in self.ls.ai_refs_tiers])
            for ti, (_, mean_refs) in enumerate(self.ls.ai_refs_tiers):
                sub = np.sort(pool[tier == ti], kind="stable")
                if not len(sub):
                    continue
                change = np.flatnonzero(np.diff(sub)) + 1
                runs = np.diff(np.concatenate([[0], change, [len(sub)]]))
                R = max(math.ceil(len(sub) / mean_refs), int(runs.max()))
                perm = rng.permutation(R)
                slot = perm[np.arange(len(sub)) % R]
                o2 = np.argsort(slot, kind="stable")
                bounds = np.searchsorted(slot[o2], np.arange(R + 1))
                for k in range(R):
                    grp = sub[o2[bounds[k]:bounds[k + 1]]]
                    if len(grp):
                        groups.append((grp, flag))
        groups.sort(key=lambda g: (int(g[0][0]), len(g[0]), g[1]))
        return groups

    def _cited(self, members: list[np.ndarray]) -> tuple[np.ndarray, dict]:
        off = np.zeros(len(members) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(m) for m in members])
        g = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
        return off, {"pmid": self.ai_pmid_all[g], "year": self.ai_year_all[g], "journal": self.ai_journal_all[g],
                     "twin": self.ai_twin_all[g], "wnum": self.ai_wnum_all[g]}

    def _year(self, y: int) -> list[dict]:
        """Simulate year ``y`` (articles, their citations, the year's records, PMIDs and files) and
        return the render jobs of its records, in order, then the job of its OpenAlex-only citers and
        the job of its OpenAlex-only conference papers. The year's PubMed AI articles (the first
        ``n``) and its OpenAlex-only conference papers (the last ``n_oa``) are drawn together, from
        the same model; a conference paper's outlet is its conference."""
        rng, r = self.rng, self.r
        n = self.per_year[y]
        n_oa = int(round(n * R_OA))
        nt = n + n_oa
        is_pub = np.arange(nt) < n
        reg_idx = rng.choice(len(self.regions), size=nt, p=[REGION_SHARE[g] for g in self.regions])
        country = np.empty(nt, dtype=object)
        journal = np.empty(nt, dtype=np.int64)
        intl = np.zeros(nt, dtype=bool)
        u_int = rng.random(nt)
        u_j = rng.random(nt)
        # conference papers: the OpenAlex-only ones, and a quota of the PubMed articles (P_BOTH of
        # them, the remainder carried to the next year, so even a tiny world has a few)
        self.both_carry += n * P_BOTH
        n_both = min(n, int(self.both_carry))
        self.both_carry -= n_both
        conf = ~is_pub
        conf[rng.choice(n, size=n_both, replace=False)] = True
        u_c = rng.random(nt)
        n_pj = len(self.pub_journals)
        for gi, reg in enumerate(self.regions):
            sel = np.nonzero(reg_idx == gi)[0]
            if not len(sel):
                continue
            ccs, p = self.region_countries[reg]
            country[sel] = np.array(ccs, dtype=object)[rng.choice(len(ccs), size=len(sel), p=p)]
            cum = self.cum_journal[reg]
            journal[sel] = np.minimum(np.searchsorted(cum, u_j[sel] * cum[-1], side="right"), len(cum) - 1)
            cc = self.cum_conf[reg]
            cj = n_pj + np.minimum(np.searchsorted(cc, u_c[sel] * cc[-1], side="right"), len(cc) - 1)
            journal[sel] = np.where(conf[sel], cj, journal[sel])
            intl[sel] = u_int[sel] < INTL_SHARE[reg]
        n_foreign = np.where(intl, 1 + rng.choice(3, size=nt, p=N_FOREIGN_P), 0)
        n_auth = 1 + n_foreign + rng.poisson(self._team_lambda(y), size=nt)
        clinical = rng.random(nt) < CLINICAL_AI_SHARE
        reg_eff = np.array([REGION_LOG_IRR[g] for g in self.regions])[reg_idx]
        mu = np.exp(self.year_effect[y] + self.o_effect[journal] + reg_eff + INTL_LOG_IRR * intl
                    + N_AUTHORS_COEF * np.log(n_auth))
        lam = rng.gamma(1.0 / NB_ALPHA, NB_ALPHA * mu)
        cites = rng.poisson(lam)
        p_clin = np.where(intl, CLINICAL_CITER_SHARE_INTL, CLINICAL_CITER_SHARE)
        clin_cites = rng.binomial(cites, p_clin)
        kw_names = list(AI_TERM_WEIGHT)
        kw_w = np.array([AI_TERM_WEIGHT[k] * (0.1 if (y < 2013 and k in ("deep learning", "convolutional neural network"))
                                              else 1.0) for k in kw_names])
        kw = rng.choice(len(kw_names), size=nt, p=kw_w / kw_w.sum())
        # the byline's countries (foreign ones drawn from the partner distribution), and whether the
        # PubMed record shows only the first author's affiliation (then the first author's country)
        first_only = is_pub & (y < PRE2014_YEAR) & (n_auth > 1) & (rng.random(nt) < PRE2014_FIRST_ONLY_SHARE)
        foreign = np.empty(nt, dtype=object)
        for i in range(nt):
            foreign[i] = ()
        first_cc = country.copy()
        u_first = rng.random(nt)
        pc = self.partner_cum
        for i in np.flatnonzero(intl).tolist():
            fs: list[str] = []
            while len(fs) < n_foreign[i]:
                f = self.codes[min(bisect.bisect_right(pc, float(rng.random()) * pc[-1]), len(pc) - 1)]
                if f != country[i] and f not in fs:
                    fs.append(f)
            foreign[i] = tuple(fs)
            if n_auth[i] - 1 == n_foreign[i] or u_first[i] < 0.5:
                first_cc[i] = fs[0]
        # the OpenAlex twin: link kind (0 pmid, 1 doi only, 2 none), DOI, year shift, planted topic; a
        # PubMed article that is a conference paper always has its twin (the conference paper, with
        # its PMID and DOI), an OpenAlex-only conference paper is its own OpenAlex record
        has_doi = rng.random(nt) >= Q_NO_DOI
        u_link = rng.random(nt)
        link = np.where(u_link < TWIN_PMID_SHARE, 0,
                        np.where((u_link < TWIN_PMID_SHARE + TWIN_DOI_ONLY_SHARE) & has_doi, 1, 2)).astype(np.int8)
        link[conf] = 0
        twin = link < 2
        shift = twin & is_pub & ~conf & (rng.random(nt) < TWIN_YEAR_SHIFT_SHARE)
        topic = np.minimum(np.searchsorted(self.topic_cum, rng.random(nt), side="right"), len(TOPIC_CONCEPTS) - 1)
        # global indices and pending citations; each citation comes from an OpenAlex-only work with
        # probability OPENALEX_ONLY_CITER_SHARE (binomial thinning: both parts stay NB2 with NB_ALPHA);
        # every citation of an OpenAlex-only conference paper comes from an OpenAlex-only work
        g0 = len(self.ai_pmid_all)
        gidx = np.arange(g0, g0 + nt)
        tot = int(cites.sum())
        oa_cites = np.zeros(nt, dtype=np.int64)
        oa_clin = np.zeros(nt, dtype=np.int64)
        if tot:
            idx = np.repeat(gidx, cites)
            starts = np.repeat(np.cumsum(cites) - cites, cites)
            within = np.arange(tot) - starts
            is_clin = within < np.repeat(clin_cites, cites)
            local = idx - g0
            is_oa = (rng.random(tot) < OPENALEX_ONLY_CITER_SHARE) | ~is_pub[local]
            oa_cites = np.bincount(local[is_oa], minlength=nt)
            oa_clin = np.bincount(local[is_oa & is_clin], minlength=nt)
            keep = ~is_oa | twin[local]  # an article without twin cannot be cited through OpenAlex
            w = np.array(LAG_WEIGHTS[: self.end - y + 1])
            lag = rng.choice(len(w), size=tot, p=w / w.sum())
            for L in np.unique(lag):
                s = (lag == L) & keep
                self.pending[y + int(L)].append((idx[s], is_clin[s], is_oa[s]))
        # this year's citing works: PubMed citing records, and OpenAlex-only citers
        pend = self.pending.pop(y)
        groups: list[tuple[np.ndarray, bool]] = []
        oa_groups: list[tuple[np.ndarray, bool]] = []
        if pend:
            all_idx = np.concatenate([a for a, _, _ in pend])
            all_clin = np.concatenate([b for _, b, _ in pend])
            all_oa = np.concatenate([c for _, _, c in pend])
            groups = self._group(all_idx[~all_oa], all_clin[~all_oa])
            oa_groups = self._group(all_idx[all_oa], all_clin[all_oa])
        n_bg = max(1, round(BACKGROUND_SHARE * len(groups)))
        # order of the year's records and their PMIDs
        order = [("ai", i) for i in range(n)] + [("cite", k) for k in range(len(groups))] + [("bg", b) for b in range(n_bg)]
        r.shuffle(order)
        N = len(order)
        nominal = 10_600_000 + 1_100_000 * (y - FIRST_YEAR)
        base = max(nominal, self.last_pmid + 8)
        avg = max(1, 125_000 // (N + 1))
        steps = rng.integers(1, 2 * avg + 1, size=N)
        pmids = base + 8 * np.cumsum(steps) + 3 - 8
        pmids = pmids - (pmids % 8) + 3
        self.last_pmid = int(pmids[-1])
        ai_pmid = np.zeros(n, dtype=np.int64)
        for pos, (kind, i) in enumerate(order):
            if kind == "ai":
                ai_pmid[i] = pmids[pos]
        # the OpenAlex-only conference papers' work numbers (sequence CONF_WORK_SEQ_BASE + k)
        c0 = self.n_conf
        self.n_conf += n_oa
        seq = CONF_WORK_SEQ_BASE + c0 + np.arange(n_oa, dtype=np.int64)
        wnum = np.concatenate([TWIN_WORK_BASE + ((ai_pmid // 8) * 48_271 + 12_345) % _P_ID,
                               OA_ONLY_WORK_BASE + (seq * 48_271 + 12_345) % _P_ID])
        self.ai_pmid_all = np.concatenate([self.ai_pmid_all, ai_pmid, np.zeros(n_oa, dtype=np.int64)])
        self.ai_year_all = np.concatenate([self.ai_year_all, np.full(nt, y, dtype=np.int32)])
        self.ai_journal_all = np.concatenate([self.ai_journal_all, journal.astype(np.int32)])
        self.ai_twin_all = np.concatenate([self.ai_twin_all, twin])
        self.ai_wnum_all = np.concatenate([self.ai_wnum_all, wnum])
        # store truth columns: PubMed AI articles in self.ai, OpenAlex-only conference papers in self.cf
        countries = np.array([";".join(sorted({country[i], *foreign[i]})) for i in range(nt)], dtype=object)
        for T, sl in ((self.ai, slice(0, n)), (self.cf, slice(n, nt))):
            T["pmid"].append(np.concatenate([ai_pmid, np.zeros(n_oa, dtype=np.int64)])[sl])
            T["year"].append(np.full(nt, y)[sl])
            T["journal"].append(journal[sl])
            T["region"].append(reg_idx[sl])
            T["country"].append(country[sl])
            T["intl"].append(intl[sl])
            T["n_auth"].append(n_auth[sl])
            T["clinical"].append(clinical[sl])
            T["kw"].append(kw[sl])
            T["cites"].append(cites[sl])
            T["clin_cites"].append(clin_cites[sl])
            T["mu"].append(mu[sl])
            T["pub_cites"].append((cites - oa_cites)[sl])
            T["pub_clin"].append((clin_cites - oa_clin)[sl])
            T["link"].append(link[sl])
            T["shift"].append(shift[sl])
            T["topic"].append(topic[sl])
            T["countries"].append(countries[sl])
            T["pub_intl"].append((intl & ~first_only)[sl])
            T["pub_lead"].append(np.where(first_only, first_cc, country)[sl])
            T["conf"].append(np.where(conf, journal - n_pj, -1)[sl])
            T["wnum"].append(wnum[sl])
        self.counts["citing_records"][y] = len(groups)
        self.counts["background_records"][y] = n_bg
        self.counts["openalex_only_citers"][y] = len(oa_groups)
        # the year's records in order: kind, PMID, file, and the records without PMID planted in them
        code = {"ai": _AI, "cite": _CITING, "bg": _BACKGROUND}
        kinds = np.array([code[kd] for kd, _ in order], dtype=np.int8)
        index = np.array([i for _, i in order], dtype=np.int64)
        pmid_arr = pmids.astype(np.int64)
        files = rng.integers(0, self.n_files, size=N)
        planted = []
        for k, at in enumerate(self.mal_at):
            if at is None:
                continue
            hits = np.flatnonzero(files == k)
            need = at - self.file_records[k]
            if need <= len(hits):
                planted.append((int(hits[need - 1]) + 1, k))
        for k, cnt in enumerate(np.bincount(files, minlength=self.n_files).tolist()):
            self.file_records[k] += cnt
            if cnt:
                self.file_years[k].add(y)
        planted.sort()
        for _, k in planted:
            self.file_records[k] += 1
            self.malformed.append({"file": self.file_rel[k], "kind": "missing_pmid", "record_index": self.mal_at[k] + 1,
                                   "detail": "MedlineCitation without PMID (and no pubmed ArticleId)"})
            self.mal_at[k] = None
        if planted:
            at = [p for p, _ in planted]
            kinds = np.insert(kinds, at, _MISSING)
            index = np.insert(index, at, -1)
            pmid_arr = np.insert(pmid_arr, at, 0)
            files = np.insert(files, at, [k for _, k in planted])
        jobs = []
        for chunk, lo in enumerate(range(0, len(kinds), self.chunk_records)):
            sl = slice(lo, lo + self.chunk_records)
            kd, ix = kinds[sl], index[sl]
            ai_i = ix[kd == _AI]
            cite_i = ix[kd == _CITING].tolist()
            off, cited = self._cited([groups[i][0] for i in cite_i])
            jobs.append({"year": y, "chunk": chunk, "last_pmid": self.last_pmid, "kind": kd, "pmid": pmid_arr[sl],
                         "file": files[sl],
                         "ai": {"country": country[ai_i], "foreign": foreign[ai_i], "first_only": first_only[ai_i],
                                "first_cc": first_cc[ai_i],
                                "n_auth": n_auth[ai_i], "clinical": clinical[ai_i], "kw": kw[ai_i],
                                "journal": journal[ai_i], "has_doi": has_doi[ai_i], "link": link[ai_i],
                                "shift": shift[ai_i], "topic": topic[ai_i], "cites": cites[ai_i]},
                         "cite_off": off, "cite_flag": np.array([groups[i][1] for i in cite_i], dtype=bool),
                         "cited": cited})
        if oa_groups:
            off, cited = self._cited([g for g, _ in oa_groups])
            seq0 = self.n_oa_only
            self.n_oa_only += len(oa_groups)
            jobs.append({"year": y, "chunk": OA_ONLY_CHUNK, "last_pmid": self.last_pmid,
                         "kind": np.zeros(0, dtype=np.int8), "pmid": np.zeros(0, dtype=np.int64),
                         "file": np.zeros(0, dtype=np.int64), "ai": None,
                         "cite_off": np.zeros(1, dtype=np.int64), "cite_flag": np.zeros(0, dtype=bool),
                         "cited": None,
                         "oa_only": {"seq0": seq0, "off": off, "flag": np.array([f for _, f in oa_groups], dtype=bool),
                                     "part": rng.integers(0, self.n_files, size=len(oa_groups)), "cited": cited}})
        if n_oa:
            sl = slice(n, nt)
            jobs.append({"year": y, "chunk": CONF_CHUNK, "last_pmid": self.last_pmid,
                         "kind": np.zeros(0, dtype=np.int8), "pmid": np.zeros(0, dtype=np.int64),
                         "file": np.zeros(0, dtype=np.int64), "ai": None,
                         "cite_off": np.zeros(1, dtype=np.int64), "cite_flag": np.zeros(0, dtype=bool),
                         "cited": None,
                         "conf": {"k0": c0, "country": country[sl], "foreign": foreign[sl], "n_auth": n_auth[sl],
                                  "clinical": clinical[sl], "kw": kw[sl], "conf": journal[sl] - n_pj,
                                  "topic": topic[sl], "cites": cites[sl],
                                  "part": rng.integers(0, self.n_files, size=n_oa)}})
        return jobs

    def _ai_xml(self, y: int, pmid: int, cc: str, foreign: list[str], first_only: bool, first_cc: str, n_auth: int,
                clinical: bool, kw: str, j: _Journal, has_doi: bool | None = None) -> str:
        r = self.r
        if first_only:
            self.quirks["first_author_only_affiliation"] += 1
        authors = self._ai_authors(cc, n_auth, foreign, first_only, first_cc)
        cond = r.choice(CONDITIONS)
        clin_kind = None
        if clinical:
            u = r.random()
            clin_kind = "diagnostic" if u < 0.7 else ("rct" if u < 0.9 else "trial")
        title, sections, mesh_x, pts = self._ai_text(kw, clin_kind, cond)
        self.text = (title, sections)
        mesh = self._mesh_base(cond) + [_AI_MESH[kw]] + ([MESH_ALGO] if r.random() < 0.3 else []) + mesh_x
        extra = self._pubtypes() + ([PT_VALIDATION] if r.random() < 0.05 else []) + pts
        refs = self._ext_refs(int(self.rng.poisson(self.ls.external_refs_mean * 2)) + 1, pmid, y)
        return self._record_xml(pmid, y, j, title, sections, authors, extra, mesh, refs, doi_ok=has_doi)

    def _citing_xml(self, y: int, pmid: int, cited_pmid: list[int], cited_year: list[int], cited_journal: list[int],
                    clin_kind: str | None, ext_mean: float) -> str:
        r = self.r
        cond = r.choice(CONDITIONS)
        title, sections, mesh_x, pts, animal = self._nonai_text(clin_kind, cond)
        self.text = (title, sections)
        j = self.journals[self._pick(self.citer_cum)]
        self.journal = j
        authors = self._plain_authors(1 + min(int(r.expovariate(0.25)), 19))
        refs = self._ext_refs(int(self.rng.poisson(ext_mean)), pmid, y)
        rnd = r.random
        for cited, cy, cji in zip(cited_pmid, cited_year, cited_journal):
            cj = self.outlets[cji]
            cit = f"{cj.iso}. {cy};{max(1, cy - cj.founded + 1)}:{1 + int(rnd() * 899)}-{901 + int(rnd() * 98)}."
            refs.append(f'<Reference><Citation>{_esc(cit)}</Citation><ArticleIdList><ArticleId IdType="pubmed">'
                        f"{cited}</ArticleId></ArticleIdList></Reference>")
        r.shuffle(refs)
        pts = pts + ([PT_REVIEW] if (clin_kind is None and r.random() < 0.08) else [])
        return self._record_xml(pmid, y, j, title, sections, authors, self._pubtypes() + pts,
                                self._mesh_base(cond, animal) + mesh_x, refs)

    # ---- OpenAlex twins ----------------------------------------------------------------------
    @staticmethod
    def twin_work_id(pmid: int) -> str:
        """The OpenAlex id (short form) of the twin of the record with PMID ``pmid``."""
        return f"W{TWIN_WORK_BASE + ((int(pmid) // 8) * 48_271 + 12_345) % _P_ID}"

    @staticmethod
    def oa_only_work_id(seq: int) -> str:
        return f"W{OA_ONLY_WORK_BASE + (int(seq) * 48_271 + 12_345) % _P_ID}"

    def _authorships(self, log: list[tuple], base: int, key: int) -> list[dict]:
        """OpenAlex authorships of the logged byline (collective names are not in the log): every
        author with an institution of the author's city (the affiliation's, else drawn now)."""
        out = []
        last = len(log) - 1
        for pos, (ln, fore, cc, city, inst) in enumerate(log):
            if inst is None:
                inst = self._inst(city)
            name = f"{fore} {ln}"
            emb = self.inst_embed[inst]
            raw = f"{self.insts[inst].display_name}, {self.geo.cities[city].name}, {self.cc_name[cc]}"
            x = key * 64 + pos
            if pos >= 64:
                raise ValueError("a byline of more than 64 authors has no author ids left")
            out.append({"author_position": "first" if pos == 0 else ("last" if pos == last else "middle"),
                        "author": {"id": f"{V.OA}A{base + (x * 7_919 + 17) % _P_AUTHOR}", "display_name": name,
                                   "orcid": None},
                        "institutions": [emb], "countries": [cc], "is_corresponding": pos == last,
                        "raw_author_name": name, "raw_affiliation_strings": [raw],
                        "affiliations": [{"raw_affiliation_string": raw, "institution_ids": [emb["id"]]}]})
        return out

    def _ai_concepts(self, topic: int) -> list[dict]:
        """Life-science root (level 0), "Machine learning" (level 1) with the highest score, the
        planted topic as the best non-AI level-1 concept, 0-2 lower non-AI level-1 concepts, and
        for half the twins "Artificial intelligence" below AlShebli et al. 2022's corpus threshold."""
        rnd = self.r.random
        t = TOPIC_CONCEPTS[topic]
        ml = 0.7 + 0.25 * rnd()
        top = 0.35 + 0.3 * rnd()
        cs = [self._concept(AI_CONCEPT_ML, ml), self._concept(t[3], 0.3 + (ml - 0.35) * rnd()),
              self._concept(t, top)]
        others = [c for c in TOPIC_CONCEPTS if c[0] != t[0]]
        for _ in range(int(rnd() * 3)):
            c = others.pop(int(rnd() * len(others)))
            cs.append(self._concept(c, 0.1 + (top - 0.15) * rnd()))
        if rnd() < 0.5:
            cs.append(self._concept(AI_CONCEPT_AI, 0.05 + (TWIN_AI_CONCEPT_MAX_SCORE - 0.05) * rnd()))
        cs.sort(key=lambda c: -c["score"])
        return cs

    def _lifesci_concepts(self) -> list[dict]:
        rnd = self.r.random
        t = TOPIC_CONCEPTS[int(rnd() * len(TOPIC_CONCEPTS))]
        cs = [self._concept(t[3], 0.4 + 0.5 * rnd()), self._concept(t, 0.2 + 0.5 * rnd())]
        if rnd() < 0.5:
            u = TOPIC_CONCEPTS[int(rnd() * len(TOPIC_CONCEPTS))]
            if u[0] != t[0]:
                cs.append(self._concept(u, 0.1 + 0.3 * rnd()))
        cs.sort(key=lambda c: -c["score"])
        return cs

    def _work_json(self, wid: str, year: int, pmid: int | None, doi: str | None, title: str,
                   sections: list | None, source: dict | None, raw_type: str, authorships: list[dict],
                   concepts: list[dict], refs: list[str], cited_by: int, with_type_crossref: bool) -> bytes:
        rnd = self.r.random
        ids = {"openalex": V.OA + wid}
        doi_url = f"https://doi.org/{doi}" if doi else None
        if doi_url:
            ids["doi"] = doi_url
        if pmid is not None:
            ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}"
        words = " ".join(t for _, t in sections).split() if sections else []
        aii = None
        if words:
            aii = {}
            for i, w in enumerate(words):
                aii.setdefault(w, []).append(i)
        month = 1 + int(rnd() * 12)
        countries = sorted({c for a in authorships for c in a["countries"]})
        rec = {
            "id": V.OA + wid, "doi": doi_url, "title": title, "display_name": title,
            "publication_year": int(year), "publication_date": f"{year}-{month:02d}-{1 + int(rnd() * 28):02d}",
            "ids": ids, "language": "en",
            "primary_location": {"is_oa": False, "landing_page_url": doi_url, "pdf_url": None, "source": source,
                                 "license": None, "version": "publishedVersion", "is_accepted": True,
                                 "is_published": True, "raw_type": raw_type,
                                 "raw_source_name": source["display_name"] if source else None},
            "type": "article", "type_crossref": raw_type, "authorships": authorships,
            "countries_distinct_count": len(countries),
            "institutions_distinct_count": len({i["id"] for a in authorships for i in a["institutions"]}),
            "cited_by_count": int(cited_by), "primary_topic": None, "topics": [], "concepts": concepts,
            "referenced_works_count": len(refs), "referenced_works": refs, "abstract_inverted_index": aii,
            "updated_date": f"{self.works_date}T{int(rnd() * 24):02d}:{int(rnd() * 60):02d}:{int(rnd() * 60):02d}."
                            f"{int(rnd() * 1_000_000):06d}",
            "created_date": f"{min(year + 1, 2025)}-{month:02d}-01",
        }
        if not with_type_crossref:
            del rec["type_crossref"]
        return orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE)

    @staticmethod
    def conf_doi(k: int, y: int, c: int) -> str:
        """The DOI of OpenAlex-only conference paper ``k`` (no PubMed record carries one like it)."""
        return f"10.{9100 + c}/{LS_CONFERENCES[c][3].lower()}.{y}.{k}"

    def _conf_json(self, k: int, y: int, cc: str, foreign: list[str], n: int, clinical: bool, kw: str, c: int,
                   topic: int, cites: int) -> bytes:
        """OpenAlex-only conference paper ``k``: an AI article's text (the AI keyword in title or
        abstract), the byline of the planted countries (the lead last, every foreign country at
        least once), a life-science root + "Machine learning" + the planted topic, its conference
        as the source, a DOI, no PMID, ``cites`` citations (all from OpenAlex-only citers)."""
        r = self.r
        clin_kind = None
        if clinical:
            u = r.random()
            clin_kind = "diagnostic" if u < 0.7 else ("rct" if u < 0.9 else "trial")
        title, sections, _, _ = self._ai_text(kw, clin_kind, r.choice(CONDITIONS))
        slots = [cc] * n
        if foreign:
            for p, f in zip(r.sample(range(n - 1), len(foreign)), foreign):
                slots[p] = f
        lead_city = self._city(cc)
        log = []
        for p, x in enumerate(slots):
            ln, fore, _ = self._person(x)
            city = lead_city if (x == cc and r.random() < 0.7) else self._city(x)
            log.append((ln, fore, x, city, None))
        return self._work_json(self.oa_only_work_id(CONF_WORK_SEQ_BASE + k), y, None, self.conf_doi(k, y, c), title,
                               sections, self.conf_source[c], "proceedings-article",
                               self._authorships(log, OA_ONLY_AUTHOR_BASE, CONF_AUTHOR_KEY_BASE + k),
                               self._ai_concepts(topic), [], cites, k % 2 == 1)

    def _oa_only_json(self, seq: int, y: int, clinical: bool, refs: list[str]) -> bytes:
        """An OpenAlex-only citer: a computer-science or engineering work without PMID (no AI term;
        clinical = a trial's words the Haynes treatment query finds, else none of its terms)."""
        r = self.r
        rnd = r.random
        cname, data = r.choice(CONDITIONS)[0::3]
        if clinical:
            inter = r.choice(INTERVENTIONS)
            title = f"A wearable sensor platform for monitoring adherence in a randomized controlled trial of {inter} in {cname}."
            first = (f"Participants of a multicentre clinical trial were randomly assigned to {inter} or usual care, "
                     "and adherence was recorded by the platform.")
        else:
            title = r.choice([f"A low-power wireless sensor platform for continuous monitoring of patients with {cname}.",
                              f"Lossless compression of {data} for low-bandwidth telemedicine links.",
                              f"A federated data warehouse for {cname} registries.",
                              f"Energy-efficient storage of {data} in hospital information systems.",
                              f"Query processing over distributed {cname} registries."])
            first = f"We present a system for handling {data} of patients with {cname}."
        sections = [("BACKGROUND", first),
                    ("RESULTS", f"The design was evaluated on {r.randrange(200, 90000)} records from "
                                f"{r.randrange(2, 40)} sites; throughput improved by {r.randrange(5, 80)}% over the baseline."),
                    ("CONCLUSIONS", "The implementation is available as open-source software.")]
        v = self.oa_venues[int(rnd() * len(self.oa_venues))]
        source = {"id": V.OA + v[0], "display_name": v[1], "issn_l": v[2], "issn": [v[2]] if v[2] else None,
                  "type": v[3]}
        raw_type = "proceedings-article" if v[3] == "conference" else "journal-article"
        n = 1 + min(int(r.expovariate(0.4)), 9)
        lead = self.codes[self._pick(self.global_cum)]
        other = self.codes[self._pick(self.partner_cum)] if rnd() < 0.2 else lead
        log = []
        for p in range(n):
            cc = lead if (p == n - 1 or rnd() < 0.6) else other
            ln, fore, _ = self._person(cc)
            log.append((ln, fore, cc, self._city(cc), None))
        l0 = OA_ONLY_L0[int(rnd() * len(OA_ONLY_L0))]
        cs = [self._concept(l0, 0.4 + 0.5 * rnd())]
        for c in r.sample(V.NONAI_CS, 1 + int(rnd() * 2)):
            cs.append(self._concept(c, 0.2 + 0.6 * rnd()))
        cs.sort(key=lambda c: -c["score"])
        return self._work_json(self.oa_only_work_id(seq), y, None, None, title, sections, source, raw_type,
                               self._authorships(log, OA_ONLY_AUTHOR_BASE, seq), cs, refs, 0, seq % 2 == 1)

    def render_chunk(self, job: dict) -> dict:
        """The XML of one chunk of a year's records (``_year`` planned them), one gzip member per
        file it writes to, the OpenAlex twins of its records (or the year's OpenAlex-only citers),
        one gzip member per twins part, and the counts its drawing made. Mutates only this
        object's streams and counters: runs on a copy of the world or in a worker's own world."""
        y = job["year"]
        self.rng = np.random.default_rng(_render_seed(self.seed, y, job["chunk"]))
        self.r = FastRandom(int(self.rng.integers(0, 1 << 62)))
        self.quirks = {k: 0 for k in _QUIRK_KEYS}
        self.last_pmid = job["last_pmid"]
        r = self.r
        ext_mean = self.ls.external_refs_mean
        n_clin_cite = n_clin_bg = 0
        per_file: dict[int, list[str]] = {}
        twins: dict[int, list[bytes]] = {}
        ai = job["ai"]
        if ai is not None:
            ai_country, ai_for, ai_fo, ai_fcc, ai_na, ai_clin, ai_kw, ai_j, ai_doi, ai_link, ai_shift, ai_topic, \
                ai_cites = (ai[c].tolist() for c in ("country", "foreign", "first_only", "first_cc", "n_auth", "clinical",
                                                     "kw", "journal", "has_doi", "link", "shift", "topic", "cites"))
        cite_off, cite_flag = job["cite_off"].tolist(), job["cite_flag"].tolist()
        cited = job["cited"]
        if cited is not None:
            cited_pmid, cited_year, cited_journal, cited_twin = (cited[c].tolist()
                                                                  for c in ("pmid", "year", "journal", "twin"))
        a = c = 0
        for kind, pmid, k in zip(job["kind"].tolist(), job["pmid"].tolist(), job["file"].tolist()):
            if kind == _AI:
                j = self.outlets[ai_j[a]]
                c_of = ai_j[a] - len(self.pub_journals)  # >= 0: a conference paper with a PubMed record
                xml = self._ai_xml(y, pmid, ai_country[a], list(ai_for[a]), ai_fo[a], ai_fcc[a], ai_na[a], ai_clin[a],
                                   _KW_NAMES[ai_kw[a]], j, ai_doi[a])
                log = self.auth_log
                if ai_link[a] < 2:
                    title, sections = self.text
                    twins.setdefault(k, []).append(self._work_json(
                        self.twin_work_id(pmid), y - ai_shift[a], pmid if ai_link[a] == 0 else None, self.doi,
                        title, sections, *((self.j_source[j.idx], "journal-article") if c_of < 0 else
                                           (self.conf_source[c_of], "proceedings-article")),
                        self._authorships(log, TWIN_AUTHOR_BASE, pmid // 8), self._ai_concepts(ai_topic[a]), [],
                        ai_cites[a], (pmid // 8) % 2 == 1))
                a += 1
            elif kind == _CITING:
                flag = cite_flag[c]
                clin_kind = r.choice(["rct", "trial"]) if flag else None
                n_clin_cite += flag
                lo, hi = cite_off[c], cite_off[c + 1]
                xml = self._citing_xml(y, pmid, cited_pmid[lo:hi], cited_year[lo:hi], cited_journal[lo:hi],
                                       clin_kind, ext_mean)
                refs = sorted(V.OA + self.twin_work_id(p) for p, t in zip(cited_pmid[lo:hi], cited_twin[lo:hi]) if t)
                title, sections = self.text
                twins.setdefault(k, []).append(self._work_json(
                    self.twin_work_id(pmid), y, pmid, self.doi, title, sections, self.j_source[self.journal.idx],
                    "journal-article", self._authorships(self.auth_log, TWIN_AUTHOR_BASE, pmid // 8),
                    self._lifesci_concepts(), refs, 0, (pmid // 8) % 2 == 1))
                c += 1
            elif kind == _BACKGROUND:
                clin_kind = None
                if r.random() < CLINICAL_BACKGROUND_SHARE:
                    clin_kind = r.choice(["rct", "trial", "diagnostic"])
                    n_clin_bg += 1
                xml = self._background_xml(y, pmid, clinical=clin_kind)
            else:  # the file's record without PMID
                xml = self._background_xml(y, None)
            per_file.setdefault(k, []).append(xml)
        oa = job.get("oa_only")
        n_oa_clin = 0
        if oa is not None:
            off, flags, parts = oa["off"].tolist(), oa["flag"].tolist(), oa["part"].tolist()
            cw = oa["cited"]["wnum"].tolist()
            for i, (flag, part) in enumerate(zip(flags, parts)):
                refs = sorted(f"{V.OA}W{x}" for x in cw[off[i]:off[i + 1]])
                twins.setdefault(part, []).append(self._oa_only_json(oa["seq0"] + i, y, flag, refs))
                n_oa_clin += flag
        cf = job.get("conf")
        if cf is not None:
            quirks = dict(self.quirks)  # the PubMed quirk counts are of the PubMed records only
            for i, (cc, fo, na, clin, kwi, c, tp, ci, part) in enumerate(zip(*(cf[x].tolist() for x in (
                    "country", "foreign", "n_auth", "clinical", "kw", "conf", "topic", "cites", "part")))):
                twins.setdefault(part, []).append(self._conf_json(cf["k0"] + i, y, cc, list(fo), na, clin,
                                                                  _KW_NAMES[kwi], c, tp, ci))
            self.quirks = quirks
        members = [(k, _gzip_member(("\n".join(xs) + "\n").encode("utf-8"))) for k, xs in sorted(per_file.items())]
        twin_members = [(k, _gzip_member(b"".join(ls)), len(ls)) for k, ls in sorted(twins.items())]
        return {"members": members, "twin_members": twin_members, "quirks": self.quirks,
                "clinical_citing_records": n_clin_cite, "clinical_background_records": n_clin_bg,
                "clinical_openalex_only_citers": n_oa_clin}

    # ------------------------------------------------------------------------------------------
    def _write_institutions(self, root: Path) -> None:
        """The institutions of the twins' authorships (every institution of this world, ids in their
        own range), as an extra part of the OpenAlex institutions entity."""
        lines = []
        for inst in self.insts:
            iid = self.inst_id[inst.idx]
            rec = {"id": iid, "ror": inst.ror, "display_name": inst.display_name, "country_code": inst.country_code,
                   "type": inst.type, "lineage": [iid], "homepage_url": None, "ids": {"openalex": iid, "ror": inst.ror},
                   "geo": inst.geo, "works_count": None, "updated_date": f"{cfg.INSTITUTIONS_DATE}T00:00:00.000000"}
            lines.append(orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE))
        self.inst_rel = f"updated_date={cfg.INSTITUTIONS_DATE}/{TWINS_PART_PREFIX}000.gz"
        d = root / "data" / "institutions" / f"updated_date={cfg.INSTITUTIONS_DATE}"
        d.mkdir(parents=True, exist_ok=True)
        (root / "data" / "institutions" / self.inst_rel).write_bytes(_gzip_member(b"".join(lines), f"{TWINS_PART_PREFIX}000"))
        self.inst_lines = len(lines)

    # ------------------------------------------------------------------------------------------
    def _write_rankings(self, root: Path) -> None:
        r = self.r
        d = root / "rankings"
        d.mkdir(parents=True, exist_ok=True)
        rows = []
        for j in self.journals:
            for c, (rank, n) in j.ranks.items():
                rows.append((c, rank, j.issn, j.name.upper(), n))
        # OpenAlex AI journals (ranking only)
        venues = {v[2]: v[1] for v in V.VENUES if v[3] == "journal" and v[5] == "ai" and v[2]}
        ai_j = [(issn, venues[issn]) for issn in _AI_JOURNAL_ORDER if issn in venues]
        for rank, (issn, name) in enumerate(ai_j, start=1):
            rows.append((CS_AI_CATEGORY, rank, issn, name.upper(), len(ai_j)))
        rows.sort(key=lambda x: (x[0], x[1]))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(JOURNAL_COLUMNS)
        for c, rank, issn, name, n in rows:
            w.writerow([issn, name, c, rank, n])
        (d / "journal_ranking.csv").write_text(buf.getvalue(), encoding="utf-8")
        # conferences (CORE export shape, no header)
        used_ids: set[int] = set()

        def new_id() -> int:
            while True:
                x = r.randrange(1, 2400)
                if x not in used_ids:
                    used_ids.add(x)
                    return x

        crow = []
        self.conferences = []
        for v in V.VENUES:
            if v[3] != "conference":
                continue
            acr, rank, fors = CONFERENCE_RANKS[v[1]]
            cid = new_id()
            crow.append([cid, v[1], acr, "ICORE2026", rank, "Yes", *(list(fors) + ["", "", ""])[:3]])
            self.conferences.append({"openalex_source_id": v[0], "title": v[1], "acronym": acr, "rank": rank,
                                     "core_id": cid, "kind": v[5], "high_ranked": rank == "A*"})
        seen = {v[1] for v in V.VENUES}
        for sid, title, _, acr, rank, _, _ in LS_CONFERENCES:
            if title in seen:
                continue
            cid = new_id()
            crow.append([cid, title, acr, "ICORE2026", rank, "Yes", "4601", "4611", ""])
            self.conferences.append({"openalex_source_id": sid, "title": title, "acronym": acr, "rank": rank,
                                     "core_id": cid, "kind": "lifesci", "high_ranked": rank == "A*"})
        sources = ["ICORE2026", "ICORE2026", "ICORE2026", "CORE2023", "CORE2021", "CORE2018", "ERA2010"]
        for title, acr, fo in _FILLER_CONFERENCES:
            rank = r.choices(["A*", "A", "B", "C", "Unranked"], weights=[0.05, 0.2, 0.35, 0.3, 0.1])[0]
            f2 = r.choice(["", "", "4601", "4611", "4605"])
            crow.append([new_id(), title, acr, r.choice(sources), rank, r.choice(["Yes", "No"]), fo,
                         "" if f2 == fo else f2, ""])
        crow.sort(key=lambda x: (x[1], x[0]))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CONFERENCE_COLUMNS)
        w.writerows(crow)
        (d / "conference_ranking.csv").write_text(buf.getvalue(), encoding="utf-8")

    # ------------------------------------------------------------------------------------------
    def _conference_truth(self, A: dict, clin_filter: np.ndarray) -> dict:
        """Every OpenAlex conference paper (all of them, not sampled): those with a PubMed record
        (``source`` both: in ``articles`` too, under their PMID) and the OpenAlex-only ones."""
        C = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in self.cf.items()}
        rf = list(AI_TERM_WEIGHT).index("random forest")
        both = np.flatnonzero(A["conf"].astype(int) >= 0) if len(A["pmid"]) else np.zeros(0, dtype=int)
        m = len(C["year"])
        cols: dict[str, list] = {k: [] for k in (
            "work_id", "source", "pmid", "doi", "year", "conference", "core_rank", "high_ranked", "lead_country",
            "lead_region", "international", "countries", "n_authors", "ai_keyword", "clinical", "clinical_planted",
            "topic", "expected_citations", "citations", "clinical_citations", "pubmed_citations")}
        kw_names = list(AI_TERM_WEIGHT)
        for T, rows, is_both in ((A, both, True), (C, np.arange(m), False)):
            for i in rows.tolist():
                c = int(T["conf"][i])
                conf = LS_CONFERENCES[c]
                y = int(T["year"][i])
                cols["work_id"].append(f"W{int(T['wnum'][i])}")
                cols["source"].append("both" if is_both else "openalex")
                cols["pmid"].append(str(int(T["pmid"][i])) if is_both else None)
                cols["doi"].append(None if is_both else self.conf_doi(i, y, c))
                cols["year"].append(y)
                cols["conference"].append(conf[1])
                cols["core_rank"].append(conf[4])
                cols["high_ranked"].append(conf[4] == "A*")
                cols["lead_country"].append(str(T["country"][i]))
                cols["lead_region"].append(self.regions[int(T["region"][i])])
                cols["international"].append(bool(T["intl"][i]))
                cols["countries"].append(str(T["countries"][i]).split(";"))
                cols["n_authors"].append(int(T["n_auth"][i]))
                cols["ai_keyword"].append(kw_names[int(T["kw"][i])])
                cols["clinical"].append(bool(clin_filter[i]) if is_both else bool(T["clinical"][i] or T["kw"][i] == rf))
                cols["clinical_planted"].append(bool(T["clinical"][i]))
                cols["topic"].append(TOPIC_CONCEPTS[int(T["topic"][i])][2])
                cols["expected_citations"].append(round(float(T["mu"][i]), 4))
                cols["citations"].append(int(T["cites"][i]))
                cols["clinical_citations"].append(int(T["clin_cites"][i]))
                cols["pubmed_citations"].append(int(T["pub_cites"][i]))
        return {"note": "OpenAlex works of venue type conference in a life-science conference of "
                        "rankings/conference_ranking.csv, a level-0 life-science concept, an AI keyword in title or "
                        "abstract; source both = also a PubMed AI article (its PMID and DOI on the work, the PubMed "
                        "record's journal is the conference's, which no ranking lists); citations = OpenAlex's "
                        "(referenced_works), pubmed_citations the ReferenceList part (0 for openalex); the OpenAlex-"
                        "only ones are cited by OpenAlex-only works alone; high_ranked = CORE A*",
                "conferences": [{"openalex_source_id": c[0], "title": c[1], "acronym": c[3], "core_rank": c[4],
                                 "log_outlet_effect": round(self.conf_journals[i].log_effect, 4),
                                 "pubmed_issn": self.conf_journals[i].issn}
                                for i, c in enumerate(LS_CONFERENCES)],
                "constants": {"CONF_SHARE": round(CONF_SHARE, 6), "CONF_BOTH_SHARE": CONF_BOTH_SHARE,
                              "P_BOTH": round(P_BOTH, 6), "R_OA": round(R_OA, 6),
                              "CONF_RANK_QUALITY": CONF_RANK_QUALITY},
                "papers": cols}

    def _truth(self) -> dict:
        A = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in self.ai.items()}
        n = len(A["pmid"])
        regions = self.regions
        reg_name = np.array(regions, dtype=object)[A["region"].astype(int)] if n else np.zeros(0, dtype=object)
        high = self.o_high[A["journal"].astype(int)] if n else np.zeros(0, dtype=bool)
        counts_by_region = {g: int((reg_name == g).sum()) for g in regions}
        counts_by_country = {}
        for cc in sorted(set(A["country"].tolist())):
            counts_by_country[cc] = int((A["country"] == cc).sum())
        asia = counts_by_region[ASIA]
        china_share = round(counts_by_country.get("CN", 0) / asia, 4) if asia else None
        intl = A["intl"].astype(bool)
        obs_intl = {g: (round(float(intl[reg_name == g].mean()), 4) if counts_by_region[g] else None) for g in regions}
        intl_year = {}
        for y in self.years:
            s = A["year"] == y
            intl_year[y] = round(float(intl[s].mean()), 4) if s.any() else None
        exp_high = {g: round(float((self.p_journal[g] * self.j_high).sum()), 4) for g in regions}
        obs_high = {g: (round(float(high[reg_name == g].mean()), 4) if counts_by_region[g] else None) for g in regions}
        cites = A["cites"].astype(np.int64)
        clin = A["clin_cites"].astype(np.int64)
        pub = A["pub_cites"].astype(np.int64)
        pub_clin = A["pub_clin"].astype(np.int64)
        link = A["link"].astype(np.int64) if n else np.zeros(0, dtype=np.int64)
        twinned = link < 2
        expected_overall_intl = sum(REGION_SHARE[g] * INTL_SHARE[g] for g in regions)
        unadj = {g: round(self.expected_unadj[g] / self.expected_unadj[ASIA], 4) for g in regions}
        within = {g: round(self.expected_within[g] / self.expected_within[ASIA], 4) for g in regions}
        rf = list(AI_TERM_WEIGHT).index("random forest")
        clin_filter = (A["clinical"].astype(bool) | (A["kw"] == rf)) if n else np.zeros(0, dtype=bool)
        # articles table
        step = max(1, math.ceil(n / ARTICLES_TRUTH_MAX)) if n else 1
        sel = np.arange(0, n, step)
        kw_names = list(AI_TERM_WEIGHT)
        jl = self.pub_journals
        pmids_sel = [int(x) for x in A["pmid"][sel]] if n else []
        links_sel = [int(x) for x in link[sel]] if n else []
        articles = {
            "sampling": "all AI articles" if step == 1 else f"every {step}-th AI article in PMID order",
            "pmid": [str(int(x)) for x in A["pmid"][sel]] if n else [],
            "year": [int(x) for x in A["year"][sel]] if n else [],
            "lead_country": [str(x) for x in A["country"][sel]] if n else [],
            "lead_region": [str(x) for x in reg_name[sel]] if n else [],
            "international": [bool(x) for x in intl[sel]] if n else [],
            "n_authors": [int(x) for x in A["n_auth"][sel]] if n else [],
            "issn": [self.outlets[int(x)].issn for x in A["journal"][sel]] if n else [],
            "outlet_kind": [("conference" if int(c) >= 0 else "journal") for c in A["conf"][sel]] if n else [],
            "conference": [(LS_CONFERENCES[int(c)][1] if int(c) >= 0 else None) for c in A["conf"][sel]] if n else [],
            "high_ranked": [bool(x) for x in high[sel]] if n else [],
            "clinical": [bool(x) for x in clin_filter[sel]] if n else [],
            "clinical_planted": [bool(x) for x in A["clinical"][sel]] if n else [],
            "ai_keyword": [kw_names[int(x)] for x in A["kw"][sel]] if n else [],
            "expected_citations": [round(float(x), 4) for x in A["mu"][sel]] if n else [],
            "citations": [int(x) for x in cites[sel]] if n else [],
            "clinical_citations": [int(x) for x in clin[sel]] if n else [],
            "pubmed_citations": [int(x) for x in pub[sel]] if n else [],
            "pubmed_clinical_citations": [int(x) for x in pub_clin[sel]] if n else [],
            "work_id": [(self.twin_work_id(int(pm)) if lk < 2 else None) for pm, lk in zip(pmids_sel, links_sel)],
            "link": [_LINKS[int(lk)] for lk in links_sel],
            "openalex_year": [(int(yy) - int(sh) if lk < 2 else None)
                              for yy, sh, lk in zip(A["year"][sel], A["shift"][sel], links_sel)] if n else [],
            "topic": [(TOPIC_CONCEPTS[int(t)][2] if lk < 2 else None) for t, lk in zip(A["topic"][sel], links_sel)]
            if n else [],
            "countries": [str(x).split(";") for x in A["countries"][sel]] if n else [],
            "pubmed_international": [bool(x) for x in A["pub_intl"][sel]] if n else [],
            "pubmed_lead_country": [str(x) for x in A["pub_lead"][sel]] if n else [],
        }
        n_art = {j.idx: 0 for j in jl}
        for x in A["journal"].astype(int).tolist() if n else []:
            if x < len(jl):
                n_art[jl[x].idx] += 1
        journals = [{"issn": j.issn, "title": j.title, "iso_abbreviation": j.iso, "ranking_title": j.name.upper(),
                     "issn_type": j.issn_type, "quality": round(j.quality, 4), "log_outlet_effect": round(j.log_effect, 4),
                     "ranked": j.ranked, "high_ranked": j.high, "publishes_ai_articles": j.publishing,
                     "categories": {c: list(v) for c, v in j.ranks.items()} if j.ranked else {},
                     "n_ai_articles": n_art.get(j.idx, 0)} for j in self.journals if j.publishing]
        by_region_cites = {g: int(cites[reg_name == g].sum()) for g in regions}
        by_year = {y: int(cites[A["year"] == y].sum()) for y in self.years}
        kw_counts = {k: int((A["kw"] == i).sum()) for i, k in enumerate(kw_names)} if n else {}
        n_citing = sum(self.counts["citing_records"].values())
        n_bg = sum(self.counts["background_records"].values())
        return {
            "parameters": {"scale": self.scale, "seed": self.seed, "start_year": self.start, "end_year": self.end,
                           "years": self.years, "lifesci_version": LIFESCI_VERSION,
                           "generator_version": cfg.GENERATOR_VERSION},
            "definitions": {
                "ai_article": "title or abstract contains one of ai_terms (hyphen/plural variants); only these records do",
                "ai_terms": list(AI_TERMS),
                "lead_author": "last author (planted, lead_country); PubMed strings alone: the last author, or the "
                               "first author when the last has no affiliation (pubmed_lead_country)",
                "lead_country": "planted country of the lead (last) author = the twin's last authorship's country",
                "international": "at least two authors in different countries (planted, all authors = the twin's "
                                 "authorships); pubmed_international: the same on the PubMed affiliation strings",
                "countries": "sorted distinct countries of all (person) authors",
                "citations": "planted total: PubMed ReferenceList citations + citations from OpenAlex-only works; for "
                             "an article with a twin (link pmid/doi) = the referenced_works pointing at its twin; "
                             "for one without, only pubmed_citations exist in the files",
                "pubmed_citations": "ReferenceList entries (ArticleId IdType=pubmed) of other records pointing to "
                                    "the article",
                "clinical_record": "PublicationType Randomized Controlled Trial / Clinical Trial, or a Haynes text marker "
                                   "(randomized/randomly, clinical trial, diagnostic accuracy, sensitivity and specificity); "
                                   "citing records and OpenAlex-only citers are clinical only as trials (randomized / "
                                   "clinical trial), which the treatment and the broad filters both find",
                "clinical_citations": "citations from clinical works (planted total); pubmed_clinical_citations: the "
                                      "ReferenceList part",
                "twin": "OpenAlex work with the record's title and abstract words; work_id, link (pmid: ids.pmid [+ DOI]; "
                        "doi: the DOI only; none: no twin), openalex_year (the record's year, or one less), topic "
                        "(the highest-scoring level-1 concept that is not AI)",
                "high_ranked_journal": "rank 1-3 in at least one category of rankings/journal_ranking.csv",
                "high_ranked_conference": "rank A* in rankings/conference_ranking.csv",
                "world_regions": list(WORLD_REGIONS),
                "country_names": {cc: [v for v, _ in COUNTRY_VARIANTS.get(cc, ((self.cc_name[cc], 1.0),))]
                                  for cc in self.codes},
                "country_region": self.cc_region,
                "pmid_rule": "all PMIDs of the world are 3 mod 8; references to outside works are not",
            },
            "planted": {
                "region_shares": REGION_SHARE,
                "country_weights_within_region": {g: dict(zip(c, [round(float(x), 5) for x in w]))
                                                  for g, (c, w) in self.region_countries.items()},
                "international_share_by_region": INTL_SHARE,
                "overall_international_share_expected": round(expected_overall_intl, 4),
                "n_foreign_countries_p": list(N_FOREIGN_P),
                "region_log_irr_within_outlet": REGION_LOG_IRR,
                "international_log_irr": round(INTL_LOG_IRR, 6),
                "international_irr": INTL_IRR,
                "international_log_irr_clinical": round(math.log(INTL_IRR_CLINICAL), 6),
                "international_irr_clinical": INTL_IRR_CLINICAL,
                "clinical_citer_share": {"national": CLINICAL_CITER_SHARE,
                                         "international": round(CLINICAL_CITER_SHARE_INTL, 6)},
                "n_authors_log_coef": N_AUTHORS_COEF,
                "nb_alpha": NB_ALPHA,
                "outlet_quality_coef": OUTLET_QUALITY_COEF,
                "high_rank_log_bonus": HIGH_RANK_LOG_BONUS,
                "journal_choice_quality_tilt": QUALITY_TILT,
                "year_log_effects": {y: round(v, 6) for y, v in self.year_effect.items()},
                "year_exposure_coef": YEAR_EXPOSURE_COEF,
                "citations_mean": self.ls.citations_mean,
                "lag_weights": list(LAG_WEIGHTS),
                "growth_log_per_year": GROWTH,
                "team_lambda": list(TEAM_LAMBDA),
                "team_factor_mean_n_authors_pow_coef": {k: round(v, 6) for k, v in self.team_factor.items()},
                "clinical_ai_share": CLINICAL_AI_SHARE,
            },
            "counts": {
                "ai_articles": n,
                "ai_articles_per_year": {y: self.per_year[y] for y in self.years},
                "clinical_ai_articles": int(clin_filter.sum()),
                "clinical_ai_articles_planted": int(A["clinical"].astype(bool).sum()) if n else 0,
                "citing_records": n_citing,
                "citing_records_per_year": self.counts["citing_records"],
                "clinical_citing_records": self.counts["clinical_citing_records"],
                "background_records": n_bg,
                "clinical_background_records": self.counts["clinical_background_records"],
                "malformed_records": len(self.malformed),
                "records_with_pmid": n + n_citing + n_bg,
                "ai_keyword_counts": kw_counts,
                "international_ai_articles": int(intl.sum()),
                "openalex_conference_papers": self.n_conf + int((A["conf"] >= 0).sum()) if n else self.n_conf,
                "openalex_conference_papers_openalex_only": self.n_conf,
                "openalex_conference_papers_with_pubmed_record": int((A["conf"] >= 0).sum()) if n else 0,
                "atlas_articles": n + self.n_conf,
                "high_ranked_ai_articles": int(high.sum()),
            },
            "counts_by_region": counts_by_region,
            "counts_by_country": counts_by_country,
            "china_share_of_asia": china_share,
            "international_share": {"planted_by_region": INTL_SHARE, "observed_by_region": obs_intl,
                                    "expected_overall": round(expected_overall_intl, 4),
                                    "observed_overall": round(float(intl.mean()), 4) if n else None,
                                    "observed_per_year": intl_year},
            "high_ranked_share_by_region": {"expected": exp_high, "observed": obs_high},
            "expected_irr_vs_asia_all_articles": {
                "unadjusted": {g: round(self.expected_unadj_all[g] / self.expected_unadj_all[ASIA], 4) for g in regions},
                "within_outlet": within,
                "within_outlet_planted": {g: round(math.exp(v), 4) for g, v in REGION_LOG_IRR.items()},
                "international_irr": INTL_IRR, "international_irr_clinical": INTL_IRR_CLINICAL,
                "note": "the atlas's articles: the PubMed AI articles and the OpenAlex-only conference papers "
                        "(counts.atlas_articles; a conference paper with a PubMed record is one article); as "
                        "expected_irr_vs_asia, with CONF_SHARE of the articles in a conference (outlet effect "
                        "from its CORE rank)",
            },
            "expected_irr_vs_asia": {
                "unadjusted": unadj,
                "within_outlet": within,
                "within_outlet_planted": {g: round(math.exp(v), 4) for g, v in REGION_LOG_IRR.items()},
                "note": "the PubMed AI articles (articles); unadjusted = year dummies only; within_outlet = outlet fixed effects, international not "
                        "controlled (its share differs by region); within_outlet_planted = also controlling "
                        "international and n_authors. Team sizes averaged over the years (approximate).",
            },
            "citations": {
                "total": int(cites.sum()), "clinical": int(clin.sum()),
                "by_lead_region": by_region_cites,
                "by_publication_year": by_year,
                "international": {"articles": int(intl.sum()), "citations": int(cites[intl].sum()),
                                  "clinical_citations": int(clin[intl].sum())},
                "national": {"articles": int((~intl).sum()), "citations": int(cites[~intl].sum()),
                             "clinical_citations": int(clin[~intl].sum())},
                "max_per_article": int(cites.max()) if n else 0,
                "zero_cited_articles": int((cites == 0).sum()),
            },
            "openalex_twins": {
                "parts": [{"file": f"data/works/{rel}", "records": self.twin_lines[k]}
                          for k, rel in enumerate(self.twin_rel)],
                "institutions_part": {"file": f"data/institutions/{self.inst_rel}", "records": self.inst_lines},
                "records": sum(self.twin_lines),
                "ai_article_twins_by_link": {kind: int((link == i).sum()) for i, kind in enumerate(_LINKS)},
                "ai_article_twins_year_shifted": int((A["shift"].astype(bool)).sum()) if n else 0,
                "citing_record_twins": n_citing,
                "openalex_only_conference_papers": self.n_conf,
                "openalex_only_citers": sum(self.counts["openalex_only_citers"].values()),
                "openalex_only_citers_per_year": self.counts["openalex_only_citers"],
                "clinical_openalex_only_citers": self.counts["clinical_openalex_only_citers"],
                "citations_of_twinned_articles": {"openalex": int(cites[twinned].sum()),
                                                  "pubmed": int(pub[twinned].sum()),
                                                  "openalex_clinical": int(clin[twinned].sum()),
                                                  "pubmed_clinical": int(pub_clin[twinned].sum())},
                "pubmed_citations_total": int(pub.sum()),
                "pubmed_clinical_citations_total": int(pub_clin.sum()),
                "pre2014_first_author_only_records": self.quirks["first_author_only_affiliation"],
                "constants": {"TWIN_PMID_SHARE": TWIN_PMID_SHARE, "TWIN_DOI_ONLY_SHARE": TWIN_DOI_ONLY_SHARE,
                              "TWIN_YEAR_SHIFT_SHARE": TWIN_YEAR_SHIFT_SHARE,
                              "OPENALEX_ONLY_CITER_SHARE": OPENALEX_ONLY_CITER_SHARE,
                              "PRE2014_FIRST_ONLY_SHARE": PRE2014_FIRST_ONLY_SHARE,
                              "TWIN_WORK_BASE": TWIN_WORK_BASE, "OA_ONLY_WORK_BASE": OA_ONLY_WORK_BASE,
                              "INSTITUTION_BASE": INSTITUTION_BASE,
                              "topic_concepts": {t[2]: V.OA + t[0] for t in TOPIC_CONCEPTS},
                              "ai_concepts": {AI_CONCEPT_ML[2]: V.OA + AI_CONCEPT_ML[0],
                                              AI_CONCEPT_AI[2]: V.OA + AI_CONCEPT_AI[0]},
                              "ai_concept_max_score": TWIN_AI_CONCEPT_MAX_SCORE},
            },
            "files": self.files,
            "malformed": {"n": len(self.malformed), "records": self.malformed},
            "quirks": self.quirks,
            "journals": journals,
            "journal_categories": self.categories,
            "conferences": self.conferences,
            "articles": articles,
            "conference_papers": self._conference_truth(A, clin_filter),
        }


def generate_lifesci(root: Path, scale: str, seed: int, start: int, end: int, workers: int = 1,
                     chunk_records: int = RENDER_CHUNK) -> dict:
    """Write the PubMed baseline, the rankings and ``truth_lifesci.json`` into ``root``; return the truth.
    ``workers`` processes render the records (here when 1); the bytes are the same for any number.
    ``chunk_records`` (records per render job) is part of the bytes: each job draws from its own
    stream and adds one gzip member to each file it writes to."""
    if scale not in LS_SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(LS_SCALES)}")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    world = _LifesciWorld(root, scale, int(seed), int(start), int(end))
    truth = world.run(workers, chunk_records)
    (root / "truth_lifesci.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return json.loads(json.dumps(truth))
