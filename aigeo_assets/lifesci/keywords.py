r"""AI keywords in titles and abstracts, and the clinical filter of Haynes et al. (Schmallenbach et al. 2024, Methods).

Schmallenbach et al. 2024 finds AI life-science articles with "an encompassing keyword search for articles
containing AI terms in their title or abstract" (the 214 keywords of Baruffaldi et al. 2020,
OECD) and a subset of clinical research with "a search strategy proposed by Haynes and
colleagues". Neither list ships with the paper in a usable form here, so both are reference
tables the user can replace (see ``data/reference/README.md``):

* ``data/reference/ai_keywords.csv`` -- our own list of AI terms (not Baruffaldi's), read by
  :meth:`KeywordMatcher.from_csv`;
* the clinical filters, read by :meth:`ClinicalFilter.from_csv` and chosen by name
  (``CLINICAL_FILTERS``; setting ``AIGEO_LIFESCI_CLINICAL_FILTER``):

  - ``treatment`` (default), ``data/reference/clinical_treatment.csv``: the paper's filter to the
    letter. Schmallenbach et al. 2024 cites Haynes et al. 2005, *Optimal search strategies for retrieving
    scientifically strong studies of treatment from Medline* (BMJ 330:1179), and searches
    "clinical keywords in the title or abstract" (Methods). Haynes et al.'s most sensitive
    treatment strategy (99 % sensitive, 70 % specific; Ovid ``clinical trial.mp. OR clinical
    trial.pt. OR random:.mp. OR tu.xs.``) is PubMed Clinical Queries' Therapy/Broad filter::

        (clinical[Title/Abstract] AND trial[Title/Abstract]) OR clinical trials as topic[MeSH Terms]
        OR clinical trial[Publication Type] OR random*[Title/Abstract]
        OR random allocation[MeSH Terms] OR therapeutic use[MeSH Subheading]

    and on title and abstract it is ``(clinical[tiab] AND trial[tiab]) OR random*[tiab]``.
    **Choice:** the sensitive strategy, not the specific one (``randomized controlled
    trial[pt] OR (randomized AND controlled AND trial)[tiab]``, 93 % / 97 %): the paper finds
    "about 20 %" of its corpus clinical, which a filter asking for "randomized controlled trial"
    cannot reach (4 % of the demo world's AI articles, against 15 % for the sensitive one).
    ``random*`` matches "random forest" as the query is written: a paper whose only "random" is
    the machine-learning method is clinical under the default.
  - ``treatment_no_random_forest``, ``data/reference/clinical_treatment_no_random_forest.csv``:
    the same, except that "random forest(s)" does not count as ``random*`` (our variant).
  - ``broad``, ``data/reference/clinical_queries.csv``: the filter before issue 14, PubMed
    Clinical Queries therapy/broad *and* diagnosis/broad on title, abstract, publication types
    and MeSH (``sensitiv*`` and ``diagnos*`` make most diagnostic-accuracy ML papers clinical).

  Measured shares (``benchmarks/clinical_share.py``, ``benchmarks/results/clinical_share.json``):

  ================================================  ==========  ==================  ======
  records                                           treatment   no random forest    broad
  ================================================  ==========  ==================  ======
  demo world, 12,000 AI articles (20.6 % planted)   14.8 %      6.4 %               27.7 %
  real PubMed samples, 792 records (mostly not AI)  7.8 %       7.8 %               23.4 %
  real OpenAlex works, 148 AI of 195                2.0 %       2.0 %               6.1 %
  Schmallenbach et al. 2024, 397,967 AI life-science articles        about 20 %
  ================================================  ==========  ==================  ======

  The demo world plants its clinical articles with the broad filter's markers (trials and
  diagnostic-accuracy studies), so the treatment query finds its trials and not its diagnostic
  studies; the real samples hold too few AI life-science records (4 flagged) to measure the
  paper's share on: that awaits a real PubMed year.

Keyword matching
    Whole word (no word character ``\w`` directly before or after), case-insensitive except for
    the keywords flagged case-sensitive (acronyms such as ``AI``, ``CNN``, ``SVM``). Inside a
    keyword, a hyphen and a space are the same separator and may repeat (``machine-learning``,
    ``machine learning``, ``machine - learning``; the Unicode hyphens U+2010-U+2013 as well).
    The last word also matches its plural (``neural networks``, ``random forests``,
    ``support vector machines``, ``CNNs``; ``-y`` -> ``-ies``, ``-s/-x/-z/-ch/-sh`` -> ``-es``,
    ``-sis`` -> ``-ses``). All keywords are compiled into ONE regular expression (a character trie,
    so a text is scanned once whatever the number of keywords); :func:`naive_matches` is the
    reference loop with one regex per keyword, and both give identical results. Before it, one
    pass of Arrow's RE2 over the whole column (:func:`_ascii_prefilter`, the same trie without the
    word boundaries, each character the ASCII characters ``re`` takes for it) rules out the ASCII
    texts that hold no keyword, at ~1/30 of ``re``'s cost; texts beyond ASCII always go to ``re``.

Clinical filter
    Title/abstract terms are words (``word``) or word prefixes (``prefix``, PubMed's ``term*``),
    matched case-insensitively on the ``\w+`` tokens of title and abstract (a phrase never spans
    from the title into the abstract). An optional ``not_in`` column lists ('|'-separated)
    phrases inside which a title/abstract term does not count (``random`` not in
    ``random forest``): those phrases are blanked before that term is looked for. Publication
    types and MeSH descriptors are the ``'|'``-joined names of the record; a term matches one name exactly (``exact``,
    case-insensitive) or a name's beginning (``prefix``). Rows sharing a ``group`` of a category
    must all match (AND); the groups of a category are OR-ed; an article is clinical when any
    category matches. Limitation: our MeSH input has descriptor names only, without
    qualifiers, so the subheadings of the official filters (``therapeutic use[MeSH
    Subheading]``, ``diagnosis[Subheading:noexp]``) cannot be matched; and PubMed's explosion of
    ``[MeSH Terms]`` / ``[Publication Type]`` is approximated by the children listed in the CSV.

No Dagster here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
AI_KEYWORDS_PATH = REFERENCE_DIR / "ai_keywords.csv"
CLINICAL_QUERIES_PATH = REFERENCE_DIR / "clinical_queries.csv"
"""The broad filter (PubMed Clinical Queries therapy/broad and diagnosis/broad; ``broad``)."""
CLINICAL_TREATMENT_PATH = REFERENCE_DIR / "clinical_treatment.csv"
"""The paper's filter: Haynes et al. 2005's treatment strategy on title and abstract (``treatment``)."""
CLINICAL_FILTERS: dict[str, Path] = {
    "treatment": CLINICAL_TREATMENT_PATH,
    "treatment_no_random_forest": REFERENCE_DIR / "clinical_treatment_no_random_forest.csv",
    "broad": CLINICAL_QUERIES_PATH,
}
"""The shipped clinical filters by name (``AIGEO_LIFESCI_CLINICAL_FILTER``); see the module docstring."""
DEFAULT_CLINICAL_FILTER = "treatment"


def clinical_filter_path(name: str) -> Path:
    """The CSV of a shipped clinical filter (``CLINICAL_FILTERS``); ValueError naming the choices."""
    try:
        return CLINICAL_FILTERS[name]
    except KeyError:
        raise ValueError(f"unknown clinical filter {name!r}: one of {', '.join(CLINICAL_FILTERS)}") from None


# ---- helpers ------------------------------------------------------------------------------------


def _text_or_none(value: Any) -> str | None:
    """A text cell: None for None/NaN/<NA>, else the string."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # lists and arrays have no scalar isna
        pass
    return str(value)


def _texts(values: Sequence[Any] | None, n: int | None = None, name: str = "texts") -> list[str | None]:
    if values is None:
        if n is None:
            raise ValueError(f"{name} is required")
        return [None] * n
    if isinstance(values, str):
        raise TypeError(f"{name} must be a sequence of texts, not one string")
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        # the strings and None for the nulls, as _text_or_none gives them, converted at once (iterating an
        # Arrow-backed Series makes one Python call per cell: issue 13)
        out = values.to_numpy(dtype=object, na_value=None).tolist()
    else:
        out = [_text_or_none(v) for v in values]
    if n is not None and len(out) != n:
        raise ValueError(f"{name} has {len(out)} values, expected {n}")
    return out


def _arrow_texts(values: Sequence[Any] | None, n: int | None = None, name: str = "texts") -> pa.Array:
    """:func:`_texts` as one Arrow string array (nulls for None): a ``string`` Series is taken as
    stored, without a Python object per cell (issue 13: the clinical filter reads millions of
    citing works' texts and tokenizes only the few that may hold a term)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        out = pa.array(values.array, type=pa.large_string())
        if isinstance(out, pa.ChunkedArray):
            out = out.combine_chunks()
        if n is not None and len(out) != n:
            raise ValueError(f"{name} has {len(out)} values, expected {n}")
        return out
    return pa.array(_texts(values, n, name), type=pa.large_string())


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _parse_bool(value: Any, where: str) -> bool:
    text = "" if _text_or_none(value) is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{where}: expected true/false, got {value!r}")


def _read_csv(path: str | Path, required: Iterable[str], what: str) -> pd.DataFrame:
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{what} {path}: missing column(s) {missing}; found {list(df.columns)}")
    return df


# ---- AI keywords --------------------------------------------------------------------------------

SEPARATOR = r"[\s\-\u2010-\u2013]+"
"""Between the words of a keyword: one or more spaces or hyphens (ASCII and U+2010-U+2013)."""

_SPLIT = re.compile(r"[\s\-\u2010-\u2013]+")
_BEFORE = r"(?<!\w)"
_AFTER = r"(?!\w)"


def _plural_forms(word: str, case_sensitive: bool) -> list[str]:
    """``word`` and its regular English plural (none when it does not end in a letter)."""
    if not word or not word[-1].isalpha():
        return [word]
    if case_sensitive and word[-1].isupper():  # acronyms: CNN -> CNNs
        return [word, word + "s"]
    low = word.lower()
    if low.endswith("sis"):
        return [word, word[:-2] + "es"]
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return [word, word[:-1] + "ies"]
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return [word, word + "es"]
    return [word, word + "s"]


def _variants(keyword: str, case_sensitive: bool) -> list[list[str]]:
    """The keyword as regex atom sequences: one escaped character or :data:`SEPARATOR` per atom;
    one sequence for the singular and one for the plural of the last word."""
    words = [w for w in _SPLIT.split(keyword.strip()) if w]
    if not words:
        raise ValueError(f"empty keyword {keyword!r}")
    if not case_sensitive:
        words = [w.lower() for w in words]
    out = []
    for last in _plural_forms(words[-1], case_sensitive):
        atoms: list[str] = []
        for i, w in enumerate([*words[:-1], last]):
            if i:
                atoms.append(SEPARATOR)
            atoms.extend(re.escape(c) for c in w)
        out.append(atoms)
    return out


def _keyword_body(keyword: str, case_sensitive: bool) -> str:
    """The regex of one keyword without the word boundaries (used by the naive oracle)."""
    body = "|".join("".join(v) for v in _variants(keyword, case_sensitive))
    return f"(?:{body})" if case_sensitive else f"(?i:{body})"


def _trie_regex(sequences: Iterable[list[str]]) -> str:
    """One regex matching exactly the union of the atom sequences, as a trie of alternations
    (Python's ``re`` then tests one branch per character instead of every keyword)."""
    root: dict = {}
    end = object()
    for seq in sequences:
        node = root
        for atom in seq:
            node = node.setdefault(atom, {})
        node[end] = True

    def emit(node: dict) -> str:
        branches = [atom + emit(child) for atom, child in node.items() if atom is not end]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end in node else body

    return emit(root)


def _normalise_keywords(keywords: Iterable[str], case_sensitive: Iterable[str]) -> list[tuple[str, bool]]:
    """``(keyword, case_sensitive)`` pairs, deduplicated, ordered longest first (stable), which is
    the order :meth:`KeywordMatcher.first_match` reports ties in."""
    cs = [str(k).strip() for k in case_sensitive]
    cs_set = set(cs)
    pairs: list[tuple[str, bool]] = []
    seen: set[tuple[str, bool]] = set()
    for k in [*(str(k).strip() for k in keywords), *cs]:
        if not k:
            raise ValueError("empty keyword")
        pair = (k, k in cs_set)
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
    order = sorted(range(len(pairs)), key=lambda i: (-len(pairs[i][0]), i))
    return [pairs[i] for i in order]


RULES = ("strong", "weak", "context")
"""The ``rule`` of a keyword row: ``strong`` counts on its own; ``weak`` (an acronym or a phrase
with a common non-AI sense) counts only in AI context; ``context`` never counts on its own, it only
makes a weak keyword count."""

WEAK_RULES = ("context", "alone")
"""``context``: a weak keyword counts only in AI context (the default); ``alone``: every AI keyword
counts on its own, weak ones included, and context terms are unused (the behaviour before weak
keywords existed)."""

ADJACENT_WORDS = ("model", "classifier", "algorithm", "architecture", "based", "assisted", "aided", "driven", "powered", "enabled")
"""A weak keyword directly followed by one of these (``CNN model``, ``neural network classifier``,
``NLP-based``, ``AI-assisted``; plurals too) is AI use, and counts like a strong keyword."""


def _adjacent_variants(keyword: str, case_sensitive: bool) -> list[str]:
    """The strong forms of a weak keyword: it followed by each of :data:`ADJACENT_WORDS` (for a
    case-sensitive acronym also capitalised, as in titles: ``CNN Model``)."""
    out = []
    for w in ADJACENT_WORDS:
        out.append(f"{keyword} {w}")
        if case_sensitive:
            out.append(f"{keyword} {w.capitalize()}")
    return out


class KeywordMatcher:
    """Whole-word AI keyword search, one compiled pass per text (see the module docstring).

    ``keywords`` are matched case-insensitively; those also in ``case_sensitive`` (or only
    there) are matched case-sensitively. ``weak``: the keywords (among ``keywords`` and
    ``case_sensitive``) that count only in AI context; ``context``: terms that never count on
    their own and make a weak keyword count (case-insensitive unless in ``case_sensitive``).
    ``weak_rule``: ``"context"`` (default) or ``"alone"`` (every keyword counts on its own).

    AI context of a text, or of an article's fields taken together (:meth:`matches_any`,
    :meth:`article_keywords`): a strong keyword anywhere; or a second, different weak keyword; or
    a context term; a weak keyword directly followed by a word of :data:`ADJACENT_WORDS` is itself
    strong (``CNN model``).
    """

    def __init__(
        self,
        keywords: Sequence[str],
        case_sensitive: Sequence[str] = (),
        *,
        weak: Sequence[str] = (),
        context: Sequence[str] = (),
        weak_rule: str = "context",
    ):
        if weak_rule not in WEAK_RULES:
            raise ValueError(f"weak_rule {weak_rule!r}: use one of {list(WEAK_RULES)}")
        self.weak_rule = weak_rule
        cs_set = {str(k).strip() for k in case_sensitive}
        context_set = {str(k).strip() for k in context}
        # the AI keywords (context terms listed as case-sensitive are not among them)
        self.keywords: list[tuple[str, bool]] = _normalise_keywords(
            [k for k in keywords if str(k).strip() not in context_set], [k for k in cs_set if k not in context_set]
        )
        if not self.keywords:
            raise ValueError("no keywords")
        listed = {k for k, _ in self.keywords}
        unknown = [w for w in weak if str(w).strip() not in listed]
        if unknown:
            raise ValueError(f"weak keyword(s) {unknown} are not among the keywords")
        self.weak: set[str] = {str(w).strip() for w in weak} if weak_rule == "context" else set()
        self.context: list[tuple[str, bool]] = [(k, k in cs_set) for k in dict.fromkeys(str(c).strip() for c in context) if k]
        # every form that counts as found: the keywords, and the adjacent forms of weak ones
        # (reported as their weak keyword)
        self._report: dict[str, str] = {}
        forms: list[tuple[str, bool]] = list(self.keywords)
        for k, cs in self.keywords:
            if k in self.weak:
                for v in _adjacent_variants(k, cs):
                    self._report[v] = k
                    forms.append((v, cs))
        forms = _normalise_keywords([k for k, cs in forms if not cs], [k for k, cs in forms if cs])
        self.pattern: re.Pattern[str] = _one_pattern(forms)
        """Every AI keyword (strong and weak) in one compiled pass: the first test of every text."""
        self._ascii_pattern = _ascii_prefilter(forms)
        strong_forms = [(k, cs) for k, cs in forms if k not in self.weak]
        self._strong = _one_pattern(strong_forms) if self.weak and strong_forms else None
        self._context = _one_pattern(self.context) if self.weak and self.context else None
        # per form, in report order: which keyword the one-pass match found (auditing), and each
        # weak keyword on its own (which different weak keywords a text holds)
        self._each = [(k, re.compile(_BEFORE + _keyword_body(k, cs) + _AFTER)) for k, cs in forms]
        self._each_weak = [(k, p) for k, p in self._each if k in self.weak]
        # the forms by the first character of their variants (one pattern per character and case rule):
        # a form can match only where its first character does, so _name tries those forms only
        firsts: dict[tuple[str, bool], set[int]] = {}
        for i, (k, cs) in enumerate(forms):
            for variant in _variants(k, cs):
                firsts.setdefault((variant[0], cs), set()).add(i)
        self._by_first = [(re.compile(f"(?:{atom})" if cs else f"(?i:{atom})"), frozenset(ix)) for (atom, cs), ix in firsts.items()]

    @classmethod
    def from_csv(cls, path: str | Path = AI_KEYWORDS_PATH, *, weak_rule: str = "context") -> KeywordMatcher:
        """Keywords from a CSV with a ``keyword`` column, an optional ``case_sensitive`` column
        (true/false, 1/0, yes/no; empty is false) and an optional ``rule`` column (``strong``,
        ``weak`` or ``context``; empty is strong). Other columns (``category``, ``note``) are
        documentation."""
        df = _read_csv(path, ["keyword"], "keyword list")
        keywords, sensitive, weak, context = [], [], [], []
        for i, row in df.iterrows():
            where = f"{path} row {i + 2}"
            k = row["keyword"].strip()
            if not k or not _SPLIT.sub("", k):
                raise ValueError(f"{where}: empty keyword")
            cs = _parse_bool(row["case_sensitive"], f"{where} case_sensitive") if "case_sensitive" in df.columns else False
            rule = (row["rule"].strip().lower() or "strong") if "rule" in df.columns else "strong"
            if rule not in RULES:
                raise ValueError(f"{where}: rule {row['rule']!r}: use one of {list(RULES)} (empty is strong)")
            (sensitive if cs else keywords).append(k)
            if rule == "weak":
                weak.append(k)
            elif rule == "context":
                context.append(k)
        return cls(keywords, sensitive, weak=weak, context=context, weak_rule=weak_rule)

    @property
    def case_sensitive(self) -> list[str]:
        return [k for k, cs in self.keywords if cs]

    def __len__(self) -> int:
        return len(self.keywords)

    def __repr__(self) -> str:
        return (f"KeywordMatcher({len(self.keywords)} keywords, {len(self.case_sensitive)} case-sensitive, "
                f"{len(self.weak)} weak, {len(self.context)} context terms, weak_rule={self.weak_rule!r})")

    # -- the decision for one text or one article ------------------------------------------------

    def _in_context(self, fields: list[str]) -> bool:
        """Do the fields (of one article) hold a found weak keyword in AI context? (Called once a
        keyword was found; ``fields`` are the non-empty texts.)"""
        if self._strong is None:
            return True
        if any(self._strong.search(f) for f in fields):
            return True
        found = 0
        for _, p in self._each_weak:
            if any(p.search(f) for f in fields):
                found += 1
                if found > 1:
                    return True
        return self._context is not None and any(self._context.search(f) for f in fields)

    def _decide(self, fields: Sequence[str | None]) -> str | None:
        """The reported keyword of an article (its fields in order: title first), None when it is
        not an AI article."""
        texts = [f for f in fields if f]
        search = self.pattern.search
        hits = [search(f) for f in texts]
        if not any(hits):
            return None
        if self.weak and not self._in_context(texts):
            return None
        for f, m in zip(texts, hits):
            if m is not None:
                return self._name(f, m.start())
        return None  # pragma: no cover

    def _name(self, text: str, start: int) -> str:
        """The first form (in report order) matching at ``start``, tried among the forms whose first
        character is there (on the paper world's corpus years, ~240 of the 669 forms were tried per
        AI article before)."""
        candidates: set[int] = set()
        for first, forms in self._by_first:
            if first.match(text, start):
                candidates |= forms
        for i in sorted(candidates):
            form, pat = self._each[i]
            if pat.match(text, start):
                return self._report.get(form, form)
        raise AssertionError(f"one-pass match at {start} not found per keyword")  # pragma: no cover

    def _may_match(self, *columns: Sequence[Any]) -> tuple[int, np.ndarray, list[list[str | None]]]:
        """``(n, rows, texts)``: the rows (of ``n``) in which some column may hold a keyword, and the
        columns' texts at those rows. Every other row holds none: its texts are ASCII and Arrow's
        RE2 search of :func:`_ascii_prefilter` finds nothing in them. Rows with a character beyond
        ASCII are always kept (``re`` and RE2 fold case and classify spaces differently there), as
        in :meth:`ClinicalFilter._may_hit`. Issue 13: ``re`` searched every PubMed record of a year
        (17 % of the paper world's hold a keyword, a few % of real PubMed); RE2 rules out the others
        at ~1/30 of the cost."""
        arrays = [_arrow_texts(columns[0], name="texts")]
        arrays += [_arrow_texts(c, len(arrays[0]), "texts") for c in columns[1:]]
        keep = np.zeros(len(arrays[0]), dtype=bool)
        for a in arrays:
            keep |= pc.fill_null(pc.match_substring_regex(a, self._ascii_pattern), False).to_numpy(zero_copy_only=False)
        keep |= ~_ascii_rows(*arrays)
        rows = np.flatnonzero(keep)
        return len(keep), rows, [a.take(rows).to_pylist() for a in arrays]

    # -- public API ---------------------------------------------------------------------------------

    def matches(self, texts: Sequence[str | None]) -> np.ndarray:
        """Boolean array: is each text, on its own, an AI text (a keyword, weak ones in AI
        context)? None/NaN/empty -> False."""
        n, rows, (values,) = self._may_match(texts)
        out = np.zeros(n, dtype=bool)
        if not self.weak:
            search = self.pattern.search
            out[rows] = [t is not None and search(t) is not None for t in values]
        else:
            out[rows] = [t is not None and self._decide([t]) is not None for t in values]
        return out

    def article_keywords(self, *columns: Sequence[str | None]) -> list[str | None]:
        """Per article (row of the columns, e.g. titles and abstracts): the keyword reported for
        it (the leftmost in the first column that has one, the longest at that position), None
        when the article is not AI. Each column is searched on its own, so that no phrase spans
        two fields; AI context is the article's (any column)."""
        if not columns:
            raise ValueError("no columns")
        if any(len(c) != len(columns[0]) for c in columns):
            raise ValueError("columns differ in length")
        n, rows, cols = self._may_match(*columns)
        out: list[str | None] = [None] * n
        for i, row in zip(rows.tolist(), zip(*cols)):
            out[i] = self._decide(row)
        return out

    def matches_any(self, *columns: Sequence[str | None]) -> np.ndarray:
        """Is each article (row of the columns) an AI article? See :meth:`article_keywords`."""
        keywords = self.article_keywords(*columns)
        return np.fromiter((k is not None for k in keywords), dtype=bool, count=len(keywords))

    def first_match(self, texts: Sequence[str | None]) -> list[str | None]:
        """The keyword (as listed) of the leftmost match in each text, None when none (or when
        the text, on its own, is not AI: a weak keyword out of context). When several keywords
        match at that position the longest keyword is reported."""
        n, rows, (values,) = self._may_match(texts)
        out: list[str | None] = [None] * n
        for i, t in zip(rows.tolist(), values):
            out[i] = self._decide([t]) if t else None
        return out


def _one_pattern(pairs: Sequence[tuple[str, bool]]) -> re.Pattern[str]:
    """One compiled regex (character tries) for ``(keyword, case_sensitive)`` pairs."""
    insensitive = [v for k, cs in pairs if not cs for v in _variants(k, False)]
    sensitive = [v for k, cs in pairs if cs for v in _variants(k, True)]
    parts = []
    if insensitive:
        parts.append(f"(?i:{_trie_regex(insensitive)})")
    if sensitive:
        parts.append(f"(?:{_trie_regex(sensitive)})")
    return re.compile(_BEFORE + "(?:" + "|".join(parts) + ")" + _AFTER)


_ASCII_CHARS = [chr(c) for c in range(128)]


@lru_cache(maxsize=None)
def _ascii_atom(atom: str, case_sensitive: bool) -> str | None:
    """An atom of :func:`_variants` (one escaped character, or :data:`SEPARATOR`) as a class of the
    ASCII characters Python's ``re`` lets it match at one position (found by trying each of the
    128), for RE2; None when it matches none."""
    one = re.compile(atom if case_sensitive else f"(?i:{atom})")
    chars = [c for c in _ASCII_CHARS if one.fullmatch(c)]
    if not chars:
        return None
    return "[" + "".join(f"\\x{ord(c):02x}" for c in chars) + "]" + ("+" if atom == SEPARATOR else "")


def _ascii_prefilter(pairs: Sequence[tuple[str, bool]]) -> str:
    """An RE2 pattern (Arrow's ``match_substring_regex``) that matches every ASCII text in which
    :func:`_one_pattern` of ``pairs`` finds a keyword: the same character trie, each atom the class of
    the ASCII characters ``re`` matches there, without the word boundaries (so it may match more,
    never less). A variant with an atom no ASCII character matches cannot occur in an ASCII text and
    is left out; with none left the pattern matches nothing."""
    sequences = []
    for k, cs in pairs:
        for variant in _variants(k, cs):
            atoms = [_ascii_atom(a, cs) for a in variant]
            if None not in atoms:
                sequences.append(atoms)
    return f"(?:{_trie_regex(sequences)})" if sequences else "[^\\x00-\\x{10ffff}]"


def _naive_rules(keywords, case_sensitive, weak, context, weak_rule):
    """The per-form regexes of the naive oracles: ``[(form, reported keyword, is_weak, regex)]``
    in report order, and the context regexes."""
    if weak_rule not in WEAK_RULES:
        raise ValueError(f"weak_rule {weak_rule!r}")
    context_set = {str(c).strip() for c in context}
    pairs = _normalise_keywords([k for k in keywords if str(k).strip() not in context_set],
                                [k for k in case_sensitive if str(k).strip() not in context_set])
    weak_set = {str(w).strip() for w in weak} if weak_rule == "context" else set()
    report = {}
    forms = list(pairs)
    for k, cs in pairs:
        if k in weak_set:
            for v in _adjacent_variants(k, cs):
                report[v] = k
                forms.append((v, cs))
    forms = _normalise_keywords([k for k, cs in forms if not cs], [k for k, cs in forms if cs])
    pats = [(k, report.get(k, k), k in weak_set, re.compile(_BEFORE + _keyword_body(k, cs) + _AFTER)) for k, cs in forms]
    cs_set = {str(k).strip() for k in case_sensitive}
    ctx = [re.compile(_BEFORE + _keyword_body(c, c in cs_set) + _AFTER) for c in dict.fromkeys(context_set) if c] if weak_set else []
    return pats, ctx


def _naive_decide(fields, pats, ctx) -> str | None:
    texts = [f for f in fields if f]
    found = [(k, rep, w) for k, rep, w, p in pats if any(p.search(t) for t in texts)]
    if not found:
        return None
    strong = any(not w for _, _, w in found)
    weak_kinds = {k for k, _, w in found if w}
    if not (strong or len(weak_kinds) > 1 or any(c.search(t) for c in ctx for t in texts)):
        return None
    for t in texts:
        best: tuple[int, str] | None = None
        for k, rep, _, p in pats:
            m = p.search(t)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), rep)
        if best is not None:
            return best[1]
    return None  # pragma: no cover


def naive_matches(
    texts: Sequence[str | None], keywords: Sequence[str], case_sensitive: Sequence[str] = (), *,
    weak: Sequence[str] = (), context: Sequence[str] = (), weak_rule: str = "context",
) -> np.ndarray:
    """The reference loop: one regex per keyword, tried on each text in turn, and the weak-keyword
    rule applied from the list of keywords found (the oracle of :meth:`KeywordMatcher.matches`,
    and the baseline of its benchmark)."""
    pats, ctx = _naive_rules(keywords, case_sensitive, weak, context, weak_rule)
    out = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(_texts(texts)):
        if not t:
            continue
        if not any(w for *_, w, _ in pats):  # no weak keyword: the first hit decides
            out[i] = any(p.search(t) for *_, p in pats)
        else:
            out[i] = _naive_decide([t], pats, ctx) is not None
    return out


def naive_first_match(
    texts: Sequence[str | None], keywords: Sequence[str], case_sensitive: Sequence[str] = (), *,
    weak: Sequence[str] = (), context: Sequence[str] = (), weak_rule: str = "context",
) -> list[str | None]:
    """Reference for :meth:`KeywordMatcher.first_match`: per text, the keyword whose match starts
    first; ties go to the longer keyword (then the earlier listed)."""
    pats, ctx = _naive_rules(keywords, case_sensitive, weak, context, weak_rule)
    return [_naive_decide([t], pats, ctx) if t else None for t in _texts(texts)]


def naive_article_keywords(
    columns: Sequence[Sequence[str | None]], keywords: Sequence[str], case_sensitive: Sequence[str] = (), *,
    weak: Sequence[str] = (), context: Sequence[str] = (), weak_rule: str = "context",
) -> list[str | None]:
    """Reference for :meth:`KeywordMatcher.article_keywords`."""
    pats, ctx = _naive_rules(keywords, case_sensitive, weak, context, weak_rule)
    return [_naive_decide(list(row), pats, ctx) for row in zip(*[_texts(c) for c in columns])]


# ---- measuring the matcher against hand labels --------------------------------------------------

LABEL_COLUMNS = ("file", "pmid", "is_ai", "note")


def read_keyword_labels(path: str | Path) -> pd.DataFrame:
    """A hand-labelled set (``benchmarks/labels/pubmed_keywords.csv``: ``file, pmid, is_ai,
    note``; ``file`` relative to the samples folder): ``is_ai`` as booleans, ``pmid`` as text."""
    df = _read_csv(path, LABEL_COLUMNS, "keyword labels")
    df["is_ai"] = [_parse_bool(v, f"{path} row {i + 2} is_ai") for i, v in enumerate(df["is_ai"])]
    if df.duplicated(["file", "pmid"]).any():
        raise ValueError(f"keyword labels {path}: (file, pmid) repeated: {df.loc[df.duplicated(['file', 'pmid']), 'pmid'].tolist()}")
    return df


def keyword_precision_recall(labels: pd.DataFrame, flags: pd.DataFrame, *, keys: Sequence[str] = ("file", "pmid"),
                             label: str = "is_ai", flag: str = "flag") -> dict:
    """Precision and recall of the matcher's ``flag`` against the hand labels ``label``, joined on
    ``keys`` (every labelled record must have a flag). Returns counts (``tp, fp, fn, tn, n``),
    ``precision`` (tp / flagged; NaN when nothing is flagged), ``recall`` (tp / labelled AI; NaN
    when none), and the keys of the false positives and false negatives."""
    keys = list(keys)
    merged = labels[[*keys, label]].merge(flags[[*keys, flag]], on=keys, how="left", validate="one_to_one")
    missing = merged[flag].isna()
    if missing.any():
        raise ValueError(f"{int(missing.sum())} labelled records have no flag, e.g. {merged.loc[missing, keys].head(3).to_dict('records')}")
    truth = merged[label].astype(bool).to_numpy()
    pred = merged[flag].astype(bool).to_numpy()
    tp, fp = int((truth & pred).sum()), int((~truth & pred).sum())
    fn, tn = int((truth & ~pred).sum()), int((~truth & ~pred).sum())
    return {
        "n": len(merged), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "false_positives": merged.loc[~truth & pred, keys].to_dict("records"),
        "false_negatives": merged.loc[truth & ~pred, keys].to_dict("records"),
    }


# ---- clinical filter ----------------------------------------------------------------------------

FIELDS = ("title_abstract", "publication_type", "mesh")
MATCHES = {"title_abstract": ("word", "prefix"), "publication_type": ("exact", "prefix"), "mesh": ("exact", "prefix")}
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class ClinicalTerm:
    category: str
    field: str
    term: str  # normalised: lower-case tokens joined by one space (title_abstract), casefolded name otherwise
    match: str
    group: str
    not_in: tuple[str, ...] = ()  # title_abstract only: normalised phrases inside which the term does not count


_ASCII_NOT_WORD = str.maketrans({chr(c): " " for c in range(128) if not re.fullmatch(r"\w", chr(c))})


def _tokens(text: str | None) -> str:
    r"""The ``\w+`` words of the lower-cased text, joined by one space. An ASCII text (nearly every
    title and abstract) is cut by ``str.translate`` and ``split``, the same words at half the cost
    of the regular expression (on the ASCII range ``\w`` is ``[a-z0-9_]`` after lower-casing)."""
    if not text:
        return ""
    text = text.lower()
    if text.isascii():
        return " ".join(text.translate(_ASCII_NOT_WORD).split())
    return " ".join(_TOKEN.findall(text))


def _ascii_rows(*fields: pa.Array) -> np.ndarray:
    """The rows whose fields are all ASCII (a null field counts as ASCII)."""
    out = np.ones(len(fields[0]), dtype=bool)
    for f in fields:
        out &= pc.fill_null(pc.string_is_ascii(f), True).to_numpy(zero_copy_only=False)
    return out


def _ascii_term_hits(titles: pa.Array, abstracts: pa.Array, term: ClinicalTerm) -> np.ndarray:
    r"""Does the title or the abstract hold ``term`` (a ``title_abstract`` term without ``not_in``)?
    Exact for ASCII texts only (the caller tokenizes the others): there the tokens of :func:`_tokens`
    are the maximal runs of ``[a-z0-9_]`` after lower-casing, so the term's tokens in a row are its
    words at a run's start, apart by runs of other characters, the last word ending a run
    (``word``) or not (``prefix``), which one pass of Arrow's RE2 finds in each field."""
    gap = "[^a-z0-9_]"
    pattern = f"(?:^|{gap})" + f"{gap}+".join(term.term.split()) + (f"(?:{gap}|$)" if term.match == "word" else "")
    found = np.zeros(len(titles), dtype=bool)
    for field in (titles, abstracts):
        found |= pc.fill_null(pc.match_substring_regex(field, pattern, ignore_case=True), False).to_numpy(zero_copy_only=False)
    return found


def _blank(text: str, phrases: tuple[str, ...]) -> str:
    """``text`` (space-delimited tokens) with every whole-token occurrence of the phrases replaced
    by a space."""
    for phrase in phrases:
        needle = f" {phrase} "
        while needle in text:
            text = text.replace(needle, "  ")
    return text


def _names(value: Any) -> list[str]:
    """MeSH descriptors or publication types: a '|'-joined string (or a list) -> casefolded names."""
    if value is None:
        return []
    if isinstance(value, str):
        items = value.split("|")
    elif isinstance(value, (list, tuple, np.ndarray)):
        items = [str(v) for v in value]
    else:
        text = _text_or_none(value)
        items = [] if text is None else text.split("|")
    return [s.strip().casefold() for s in items if s and s.strip()]


def _coded_names(values: Sequence[Any] | None, n: int) -> tuple[np.ndarray, list[list[str]]]:
    """``(codes, names)``: each row's names (:func:`_names`) are ``names[codes[row]]``. A ``string``
    Series (PubMed's '|'-joined publication types and MeSH descriptors, which repeat: 81 distinct
    publication-type lists among 120,000 records of 2015) is split once per distinct value; None (a
    source without the field) gives every row no names; other sequences one entry per row."""
    if values is None:
        return np.zeros(n, dtype=np.intp), [[]]
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        codes, distinct = pd.factorize(values)  # nulls: -1, the last entry (no names, as _names gives a null)
        return codes.astype(np.intp), [*(_names(v) for v in distinct), []]
    names = [_names(v) for v in values]
    return np.arange(len(names), dtype=np.intp), names


class ClinicalFilter:
    """Keyword-based clinical research filter (Haynes et al.; ``CLINICAL_FILTERS``).

    Build it from rows ``category, field, term, match, group`` (see the module docstring), usually
    with :meth:`from_csv`.
    """

    def __init__(self, terms: Sequence[ClinicalTerm]):
        if not terms:
            raise ValueError("no clinical query terms")
        self.terms = list(terms)
        self.category_names: list[str] = list(dict.fromkeys(t.category for t in self.terms))
        # group key -> term indices; category -> group keys
        groups: dict[tuple[str, str], list[int]] = {}
        for j, t in enumerate(self.terms):
            groups.setdefault((t.category, t.group), []).append(j)
        self._groups = groups

    @classmethod
    def from_rows(cls, rows: pd.DataFrame, source: str = "clinical queries") -> ClinicalFilter:
        required = ["category", "field", "term", "match", "group"]
        missing = [c for c in required if c not in rows.columns]
        if missing:
            raise ValueError(f"{source}: missing column(s) {missing}; found {list(rows.columns)}")
        terms = []
        for n, (_, row) in enumerate(rows.iterrows()):
            where = f"{source} row {n + 2}"
            category = str(row["category"]).strip()
            field = str(row["field"]).strip()
            match = str(row["match"]).strip()
            raw = str(row["term"]).strip()
            group = str(row["group"]).strip() or f"__row{n}"
            if not category:
                raise ValueError(f"{where}: empty category")
            if field not in MATCHES:
                raise ValueError(f"{where}: unknown field {field!r}; expected one of {list(FIELDS)}")
            if match not in MATCHES[field]:
                raise ValueError(f"{where}: match {match!r} is not valid for field {field!r}; expected one of {list(MATCHES[field])}")
            if "*" in raw:
                raise ValueError(f"{where}: write {raw!r} without '*' and set match=prefix")
            term = _tokens(raw) if field == "title_abstract" else raw.casefold()
            if not term:
                raise ValueError(f"{where}: empty term")
            not_in = tuple(_tokens(p) for p in str(row.get("not_in", "") or "").split("|") if _tokens(p))
            if not_in and field != "title_abstract":
                raise ValueError(f"{where}: not_in applies to title_abstract terms only")
            for phrase in not_in:
                if (f" {term} " if match == "word" else f" {term}") not in f" {phrase} ":
                    raise ValueError(f"{where}: not_in phrase {phrase!r} does not contain the term {term!r}")
            terms.append(ClinicalTerm(category, field, term, match, group, not_in))
        return cls(terms)

    @classmethod
    def from_csv(cls, path: str | Path = CLINICAL_TREATMENT_PATH) -> ClinicalFilter:
        """The filter of a CSV with columns ``category, field, term, match, group`` (``not_in`` and
        ``note`` optional). ``field``: title_abstract | publication_type | mesh; ``match``: word | prefix
        for title_abstract, exact | prefix for the other two. An empty group is a group of its
        own row."""
        df = _read_csv(path, ["category", "field", "term", "match", "group"], "clinical queries")
        return cls.from_rows(df, source=str(path))

    def __repr__(self) -> str:
        return f"ClinicalFilter({len(self.terms)} terms, categories {self.category_names})"

    def _may_hit(self, titles: pa.Array, abstracts: pa.Array) -> np.ndarray:
        """The rows whose title or abstract may hold a title/abstract term: every row with a character
        beyond ASCII, and the ASCII rows in whose title or abstract every word of some term occurs,
        in any case (as any substring). Every token of :func:`_tokens` is a run of the lower-cased
        text, so an ASCII row where each term misses a word cannot hit; only the others are
        searched further (issue 13: cutting every citing work's text into tokens took 17 of
        ``core_lifesci_citations``' 49 CPU-s at the paper's scale), the ASCII ones by RE2
        (:func:`_ascii_term_hits`) unless a term has ``not_in`` phrases, the others tokenized. Arrow's case-insensitive search
        folds ASCII letters exactly as ``str.lower``; beyond ASCII the two differ (``str.lower`` makes
        "İ" two characters), so those rows are always tokenized."""
        words = [tuple(dict.fromkeys(t.term.split())) for t in self.terms if t.field == "title_abstract"]
        if not words:
            return np.empty(0, dtype=np.intp)
        texts = (titles, abstracts)
        found = {}
        for w in dict.fromkeys(w for term in words for w in term):
            hit = [pc.fill_null(pc.match_substring(t, w, ignore_case=True), False).to_numpy(zero_copy_only=False) for t in texts]
            found[w] = hit[0] | hit[1]
        keep = np.zeros(len(titles), dtype=bool)
        for term in words:
            keep |= np.logical_and.reduce([found[w] for w in term])
        keep |= ~_ascii_rows(*texts)
        return np.flatnonzero(keep)

    def _term_hits(self, titles, abstracts, publication_types, mesh_terms) -> np.ndarray:
        ti = _arrow_texts(titles, name="titles")
        n = len(ti)
        ab = _arrow_texts(abstracts, n, "abstracts")
        pt, mh = _coded_names(publication_types, n), _coded_names(mesh_terms, n)
        if len(pt[0]) != n or len(mh[0]) != n:
            raise ValueError(f"publication_types and mesh_terms must have {n} values")
        rows = self._may_hit(ti, ab)
        ti, ab = ti.take(rows), ab.take(rows)
        # the rows cut into tokens: every row when a term has phrases to leave out, else those beyond
        # ASCII (the ASCII rows are searched by RE2: _ascii_term_hits)
        by_tokens = any(t.not_in for t in self.terms)
        tokenized = np.arange(len(rows)) if by_tokens else np.flatnonzero(~_ascii_rows(ti, ab))
        # title and abstract tokens, space-delimited; '\0' keeps phrases from spanning the two
        text = [f" {_tokens(t)} \0 {_tokens(a)} " for t, a in zip(ti.take(tokenized).to_pylist(), ab.take(tokenized).to_pylist())]
        hits = np.zeros((n, len(self.terms)), dtype=bool)
        for j, term in enumerate(self.terms):
            if term.field == "title_abstract":
                needle = f" {term.term} " if term.match == "word" else f" {term.term}"
                if not by_tokens:
                    hits[rows, j] = _ascii_term_hits(ti, ab, term)
                hits[rows[tokenized], j] = [needle in (_blank(s, term.not_in) if term.not_in else s) for s in text]
            else:
                codes, names = pt if term.field == "publication_type" else mh
                if term.match == "exact":  # decided once per distinct list of names, then taken for each row
                    hit = [term.term in v for v in names]
                else:
                    hit = [any(x.startswith(term.term) for x in v) for v in names]
                hits[:, j] = np.asarray(hit, dtype=bool)[codes]
        return hits

    def categories(
        self,
        titles: Sequence[str | None],
        abstracts: Sequence[str | None],
        publication_types: Sequence[Any] | None = None,
        mesh_terms: Sequence[Any] | None = None,
    ) -> pd.DataFrame:
        """One boolean column per category (``therapy``, ``diagnosis`` for the shipped CSV): did
        the article match it? Index: that of ``titles`` when it is a Series, else 0..n-1.
        ``publication_types``/``mesh_terms`` may be None (sources without them, e.g. OpenAlex)."""
        hits = self._term_hits(titles, abstracts, publication_types, mesh_terms)
        index = titles.index if isinstance(titles, pd.Series) else None
        out = {c: np.zeros(hits.shape[0], dtype=bool) for c in self.category_names}
        for (category, _), cols in self._groups.items():
            out[category] |= hits[:, cols].all(axis=1)
        return pd.DataFrame(out, index=index)

    def is_clinical(
        self,
        titles: Sequence[str | None],
        abstracts: Sequence[str | None],
        publication_types: Sequence[Any] | None = None,
        mesh_terms: Sequence[Any] | None = None,
    ) -> np.ndarray:
        """Boolean array: does the article pass any category of the filter?"""
        return self.categories(titles, abstracts, publication_types, mesh_terms).to_numpy().any(axis=1)

    def labels(
        self,
        titles: Sequence[str | None],
        abstracts: Sequence[str | None],
        publication_types: Sequence[Any] | None = None,
        mesh_terms: Sequence[Any] | None = None,
    ) -> list[str | None]:
        """The matched categories of each article joined by '|' (e.g. ``therapy|diagnosis``), None
        when none."""
        cats = self.categories(titles, abstracts, publication_types, mesh_terms)
        names = np.array(cats.columns, dtype=object)
        return ["|".join(names[row]) or None for row in cats.to_numpy()]


# ---- both, built once per process -------------------------------------------------------------


def _file_version(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


@lru_cache(maxsize=4)
def _filters_of(keywords: tuple[str, int, int], clinical: tuple[str, int, int], weak_rule: str) -> tuple[KeywordMatcher, ClinicalFilter]:
    return KeywordMatcher.from_csv(keywords[0], weak_rule=weak_rule), ClinicalFilter.from_csv(clinical[0])


def load_filters(keywords_csv: str | Path, clinical_csv: str | Path, *, weak_rule: str = "context") -> tuple[KeywordMatcher, ClinicalFilter]:
    """The keyword matcher and the clinical filter of two CSV files, built once per process for
    each version of the files (path, size and modification time): compiling the keyword trie and
    reading the filter take 0.3-0.7 CPU-s, which every yearly run of the life-science corpus paid
    again. The two objects are shared: do not modify them."""
    return _filters_of(_file_version(Path(keywords_csv)), _file_version(Path(clinical_csv)), weak_rule)
