"""The glossary: every abbreviation or symbol a user meets in the Dagster UI, the atlas or the
README, with its plain words, declared once.

Pure (no dagster import). A text a user reads on its own (an asset's, a check's or a job's
description in the UI, an atlas caption, a figure: its title, subtitle, axis and colour-bar titles,
legend and notes read as one text) spells a term out at its first use in that text:
``first_use("PPML")`` gives the words to write ("Poisson pseudo-maximum likelihood (PPML)"), and
``unexplained(text)`` lists the terms a text uses before (or without) their plain words, which
``aigeo_assets_tests/reports/test_glossary.py`` asserts is empty for every such text.

Each ``Term`` says how a text uses it (``used``, a case-sensitive regular expression) and what
counts as its plain words (``explained``, case-insensitive); the plain words must start no later
than just after the first use ("PPML (Poisson ...)" passes, "... PPML ... Poisson pseudo-maximum
likelihood" at the end does not). **Choice:** a handful of words every reader of this platform
knows are listed with ``known=True`` (AI, CI, CSV, U.S.; HTML, PNG, OpenAlex and PubMed are names
and not listed): the atlas's glossary ("Words and abbreviations", ``atlas.glossary_html``) shows
them, the check does not ask each description to spell them out (the README does). East and West
are a definition of AlShebli et al. 2022 (cities in the U.S. or Europe are Western, the others
Eastern), so a text naming a bloc says so somewhere in it (``BLOCS``; ``anywhere``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIRST_USE_SLACK = 6
"""How many characters after a term's first use its plain words may start: "CORE (the Computing ..."."""


@dataclass(frozen=True)
class Term:
    """One glossary entry. ``term``: how texts write it; ``expansion``: the plain words (what the
    atlas's glossary shows); ``first``: what to write at the first use in a text; ``used``: where a
    text uses it (case-sensitive); ``explained``: what counts as the plain words (case-insensitive);
    ``known``: a word every reader knows, shown in the glossary but not checked."""

    term: str
    expansion: str
    first: str
    used: str
    explained: str
    known: bool = False
    anywhere: bool = False
    """The plain words may come anywhere in the text (the blocs: "East-West ... (West: the U.S. and Europe)")."""

    def first_use_in(self, text: str) -> re.Match | None:
        return re.search(self.used, text)

    def explained_at_first_use(self, text: str) -> bool:
        """Whether ``text`` never uses the term, or spells it out no later than its first use."""
        use = self.first_use_in(text)
        if use is None:
            return True
        words = re.search(self.explained, text, flags=re.IGNORECASE)
        return words is not None and (self.anywhere or words.start() <= use.end() + FIRST_USE_SLACK)


BLOCS = "West: cities in the U.S. or Europe; East: every other city"
"""The blocs of AlShebli et al. 2022 in plain words (``analysis.bloc_definition=wider`` adds Canada,
Australia and New Zealand to the West)."""

_BLOCS_EXPLAINED = r"U\.S\.? (?:and|or) Europe"

GLOSSARY: tuple[Term, ...] = (
    Term("PPML", "Poisson pseudo-maximum likelihood: a Poisson regression of counts, zeros included, that stays "
         "consistent when the counts are not Poisson (the gravity models of AlShebli et al. 2022)",
         "Poisson pseudo-maximum likelihood (PPML)", r"\bPPML\b", r"Poisson pseudo[- ]maximum[- ]likelihood"),
    Term("NB2", "negative binomial regression whose variance is \u03bc + \u03b1\u03bc\u00b2 (the citation models of "
         "Schmallenbach et al. 2024)",
         "negative binomial (NB2) regression", r"\bNB2\b", r"negative binomial"),
    Term("OLS", "ordinary least squares", "ordinary least squares (OLS)", r"\bOLS\b", r"ordinary least squares"),
    Term("IRLS", "iteratively reweighted least squares, how the count models are fitted",
         "iteratively reweighted least squares (IRLS)", r"\bIRLS\b", r"iteratively re-?weighted least squares"),
    Term("HC1", "heteroskedasticity-robust standard errors with the small-sample factor n/(n \u2212 k) (HC0: without it)",
         "heteroskedasticity-robust (HC1)", r"\bHC[01]\b", r"heteroskedasticity[- ](?:robust|consistent)"),
    Term("IRR", "incidence-rate ratio: how many times the count (citations) of one group is that of the base group, "
         "other things equal; 1 means no difference",
         "incidence-rate ratio (IRR)", r"\bIRRs?\b", r"incidence[- ]rate ratio"),
    Term("CAGR", "compound annual growth rate: (last / first)^(1 / years) \u2212 1",
         "compound annual growth rate (CAGR)", r"\bCAGR\b", r"compound annual growth"),
    Term("CD index", "consolidation\u2013disruption index (Funk & Owen-Smith 2017): of the works citing a paper within five "
         "years (CD\u2085), the share that ignore its references minus the share that cite them too, from \u22121 "
         "(developmental) to +1 (disruptive)",
         "consolidation\u2013disruption (CD) index", r"\bCD(?:\u2085|_?\d+)?\b", r"consolidation\s*[\u2013\-/]\s*disruption"),
    Term("PMID", "PubMed identifier, the number PubMed gives each record", "PubMed identifier (PMID)",
         r"\bPMIDs?\b", r"PubMed identifier"),
    Term("DOI", "digital object identifier, a publication's permanent name (10.xxxx/...)", "digital object identifier (DOI)",
         r"\bDOIs?\b", r"digital object identifier"),
    Term("MeSH", "Medical Subject Headings, PubMed's controlled vocabulary of topics", "Medical Subject Headings (MeSH)",
         r"\bMeSH\b", r"Medical Subject Headings"),
    Term("CORE", "the conference ranking of the Computing Research and Education Association of Australasia "
         "(A*, A, B, C)",
         "CORE (the Computing Research and Education Association of Australasia's conference ranking)", r"\bCORE\b",
         r"Computing Research (?:and|&) Education"),
    Term("JCR", "Journal Citation Reports, Clarivate's journal rankings by category", "Journal Citation Reports (JCR)",
         r"\bJCR\b", r"Journal Citation Reports"),
    Term("UN M49", "the United Nations' standard codes of countries, sub-regions and regions (M49)",
         "United Nations (UN M49)", r"\bM49\b", r"United Nations"),
    Term("GEXF", "Graph Exchange XML Format, the network file Gephi opens", "Graph Exchange XML Format (GEXF)",
         r"\bGEXF\b", r"Graph Exchange XML"),
    Term("MAG", "Microsoft Academic Graph, the bibliographic database AlShebli et al. 2022 used (OpenAlex succeeds it)",
         "Microsoft Academic Graph (MAG)", r"\bMAG\b", r"Microsoft Academic Graph"),
    Term("OOM", "out of memory: the kernel kills the process", "out of memory (OOM)", r"\bOOM\b", r"out[- ]of[- ]memory"),
    Term("SIGKILL", "the signal that kills a process outright (kill -9)", "killed outright (SIGKILL, kill -9)",
         r"\bSIGKILL\b", r"kill -9|killed outright"),
    Term("ln", "natural logarithm", "natural logarithm (ln)", r"\bln\b", r"natural log"),
    Term("modified Poisson", "Poisson regression of a yes/no outcome with robust standard errors (Zou 2004): its "
         "ratios are ratios of shares",
         "modified Poisson (Poisson regression of a yes/no outcome with robust errors)", r"modified Poisson",
         r"modified Poisson \(Poisson regression|Zou"),
    Term("Definition 1", "standard betweenness (AlShebli et al. 2022's Definition 1): how often a city lies on the "
         "shortest paths between any two cities",
         "standard betweenness (Definition 1: shortest paths between any two cities)", r"Definition 1\b",
         r"shortest paths between any two"),
    Term("East\u2013West betweenness", "AlShebli et al. 2022's Definition 2: how often a city lies on the shortest paths "
         "from an Eastern to a Western city or back, counting only those paths",
         "East\u2013West betweenness (shortest paths from an Eastern to a Western city or back: Definition 2)",
         r"Definition 2\b|East[\u2013\-]West betweenness", r"shortest paths (?:from|between) an? (?:East|West)"),
    Term("East/West", "AlShebli et al. 2022's blocs: " + BLOCS, "East/West (" + BLOCS + ")",
         r"\b(?:East|West)(?:ern)?\b|\bblocs?\b", _BLOCS_EXPLAINED, anywhere=True),
    Term("m_i, n_j", "the sizes in the gravity model of citations: m_i, the citations city i made (within the "
         "citation window); n_j, the AI papers of city j", "m_i (the citations city i made) and n_j (city j's AI papers)",
         r"\bm_i\b|\bn_j\b", r"[mn]_[ij] \((?:the|city)"),
    Term("y..y+2", "the citation window: the publication year y and the two years after it",
         "the publication year y and the two years after it (y..y+2)", r"\by\s*(?:\.\.|\+\s*\d)",
         r"\byear y\b|\by \((?:the|its) "),
    Term("Supplementary S2", "Schmallenbach et al. 2024's Supplementary Information, section S2 (S7 likewise)",
         "Supplementary S2", r"(?<!Supplementary )\bS\d{1,2}\b", r"Supplementary S\d"),
    Term("AI", "artificial intelligence", "artificial intelligence (AI)", r"\bAI\b", r"artificial intelligence", known=True),
    Term("CI", "confidence interval: the range of values the data do not reject at the given level (95%)",
         "confidence interval (CI)", r"\bCI\b", r"confidence interval", known=True),
    Term("CSV", "comma-separated values, a table any spreadsheet opens", "comma-separated values (CSV)", r"\bCSV\b", r"comma-separated", known=True),
    Term("U.S.", "the United States", "the United States (U.S.)", r"\bU\.S\.", r"United States", known=True),
)

_BY_TERM = {t.term: t for t in GLOSSARY}


def term(name: str) -> Term:
    """The glossary entry named ``name`` (``KeyError`` naming the known ones otherwise)."""
    try:
        return _BY_TERM[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the glossary ({', '.join(_BY_TERM)})") from None


def first_use(name: str) -> str:
    """What to write at a term's first use in a text: ``first_use("PPML")`` ->
    "Poisson pseudo-maximum likelihood (PPML)"."""
    return term(name).first


def unexplained(text: str, *, include_known: bool = False) -> list[str]:
    """The glossary terms ``text`` uses without spelling them out at their first use (none: ``[]``)."""
    return [t.term for t in GLOSSARY if (include_known or not t.known) and not t.explained_at_first_use(text or "")]
