"""AI keyword matcher and clinical filter (Schmallenbach et al. 2024, Methods): aigeo_assets.lifesci.keywords."""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pytest

from aigeo_assets.ingest.records_folder import shared_samples_dir
from aigeo_assets.lifesci.keywords import (
    AI_KEYWORDS_PATH,
    CLINICAL_QUERIES_PATH,
    ClinicalFilter,
    KeywordMatcher,
    _tokens,
    keyword_precision_recall,
    naive_article_keywords,
    naive_first_match,
    naive_matches,
    read_keyword_labels,
)
from aigeo_assets.lifesci.pubmed import parse_pubmed_file
from aigeo_assets.resources.settings import REPO_ROOT

KEYWORDS = [
    "machine learning",
    "deep learning",
    "neural network",
    "convolutional neural network",
    "support vector machine",
    "random forest",
    "artificial intelligence",
    "k-nearest neighbor",
    "XGBoost",
    "ontology",
]
ACRONYMS = ["AI", "CNN", "SVM", "NLP", "LSTM"]


@pytest.fixture(scope="module")
def small() -> KeywordMatcher:
    return KeywordMatcher(KEYWORDS, ACRONYMS)


@pytest.fixture(scope="module")
def shipped() -> KeywordMatcher:
    return KeywordMatcher.from_csv(AI_KEYWORDS_PATH)


@pytest.fixture(scope="module")
def clinical() -> ClinicalFilter:
    return ClinicalFilter.from_csv(CLINICAL_QUERIES_PATH)


def one(m: KeywordMatcher, text):
    return bool(m.matches([text])[0])


# ---- keyword matcher: behaviour -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "AIDS in sub-Saharan Africa",  # AI + letters
        "we maintain the cohort",  # ai inside a word
        "Thai patients",
        "an ai in lower case",  # acronym is case-sensitive
        "Ai Weiwei",
        "AIS score",  # the acronym's plural takes a lower-case s
    ],
)
def test_acronym_whole_word_and_case_sensitive_negatives(small, text):
    assert not one(small, text)
    assert small.first_match([text]) == [None]


@pytest.mark.parametrize(
    "text, keyword",
    [
        ("AI-based triage", "AI"),
        ("(AI)", "AI"),
        ("use of AI.", "AI"),
        ("AI", "AI"),
        ("AIs outperform", "AI"),
        ("deep learning-based segmentation", "deep learning"),
        ("Machine-Learning models", "machine learning"),
        ("MACHINE LEARNING", "machine learning"),
        ("machine  -  learning", "machine learning"),
        ("machine\u2010learning", "machine learning"),  # Unicode hyphen
        ("machine\nlearning", "machine learning"),
        ("neural networks", "neural network"),
        ("Random Forests were trained", "random forest"),
        ("support vector machines", "support vector machine"),
        ("two ontologies", "ontology"),
        ("CNNs", "CNN"),
        ("k nearest neighbors", "k-nearest neighbor"),
        ("xgboost", "XGBoost"),
        ('"deep learning"', "deep learning"),
        ("[SVM],", "SVM"),
    ],
)
def test_positive_matches_and_reported_keyword(small, text, keyword):
    assert one(small, text)
    assert small.first_match([text]) == [keyword]


@pytest.mark.parametrize(
    "text",
    [
        "machinelearning",  # no separator
        "machine_learning",  # underscore is a word character
        "deeplearning",
        "neural networking",  # longer word
        "random forestry",
        "SVMlight",
        "cnn",  # acronyms are case-sensitive
        "nlp",
        "Lstm",
        "AI2",  # digits are word characters
        "xAI",
        "the machine, learning",  # a comma is not a separator
        "random_forest",
    ],
)
def test_negative_matches(small, text):
    assert not one(small, text), text


def test_plural_of_last_word_only(small):
    assert one(small, "machine learnings")  # harmless over-generation of the plural rule
    assert not one(small, "neurals network")
    assert not one(small, "deeps learning")


def test_longest_keyword_reported_at_the_same_position(small):
    text = "a convolutional neural network (CNN) and a plain neural network"
    assert small.first_match([text]) == ["convolutional neural network"]
    # leftmost match wins over keyword length
    assert small.first_match(["SVM versus deep learning"]) == ["SVM"]
    # two keywords starting at the same place: the longer one, whatever the listed order
    m = KeywordMatcher(["neural network", "deep learning", "neural network ensemble", "deep learning model"])
    assert m.first_match(["a neural network ensemble", "deep learning models", "neural networks"]) == [
        "neural network ensemble",
        "deep learning model",
        "neural network",
    ]


def test_none_nan_and_empty(small):
    texts = [None, "", float("nan"), pd.NA, "   ", "deep learning"]
    assert small.matches(texts).tolist() == [False, False, False, False, False, True]
    assert small.first_match(texts) == [None, None, None, None, None, "deep learning"]
    assert small.matches([]).dtype == bool and small.matches([]).shape == (0,)
    series = pd.Series(["x", None, "random forest"], index=[10, 11, 12])
    assert small.matches(series).tolist() == [False, False, True]


def test_matches_any_keeps_fields_apart(small):
    titles = ["Learning from machine", "A study", None]
    abstracts = ["learning ...", "We used deep learning.", "random forest"]
    assert small.matches_any(titles, abstracts).tolist() == [False, True, True]
    # joining the fields would create a phrase across them
    assert one(small, "Learning from machine learning ...")


def test_case_sensitive_list_overrides_case_insensitive():
    m = KeywordMatcher(["AI", "deep learning"], case_sensitive=["AI"])
    assert m.case_sensitive == ["AI"]
    assert not one(m, "ai")
    assert one(m, "AI")
    only_cs = KeywordMatcher([], case_sensitive=["NLP"])
    assert one(only_cs, "NLP") and not one(only_cs, "nlp")


def test_empty_keyword_rejected(tmp_path):
    with pytest.raises(ValueError):
        KeywordMatcher(["deep learning", " "])
    with pytest.raises(ValueError):
        KeywordMatcher([])
    bad = tmp_path / "kw.csv"
    bad.write_text("keyword,case_sensitive\nAI,maybe\n")
    with pytest.raises(ValueError, match="true/false"):
        KeywordMatcher.from_csv(bad)
    bad.write_text("term\nAI\n")
    with pytest.raises(ValueError, match="missing column"):
        KeywordMatcher.from_csv(bad)
    bad.write_text("keyword\n-\n")
    with pytest.raises(ValueError, match="empty keyword"):
        KeywordMatcher.from_csv(bad)


# ---- keyword matcher: the one-pass regex equals the naive loop ----------------------------------

VOCAB = (
    "the of patients model results using data method study analysis cells clinical protein gene "
    "learning machine deep network neural networks random forest support vector machines forests "
    "AIDS Thai maintain ai Ai AI aI CNN cnn SVMs NLP LSTM ontology ontologies convolutional k "
    "nearest neighbor neighbors XGBoost intelligence artificial 2 AI2 x_AI"
).split()
SEPARATORS = [" ", " ", " ", "-", "--", " - ", "\u2010", "\n", ", ", ". ", "(", ")", "/", "_", ""]


def _random_texts(n: int, seed: int = 0) -> list[str | None]:
    rng = random.Random(seed)
    keyword_words = [w for k in KEYWORDS + ACRONYMS for w in k.replace("-", " ").split()]
    out: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.02:
            out.append(rng.choice([None, ""]))
            continue
        parts = []
        for _ in range(rng.randint(1, 25)):
            r = rng.random()
            if r < 0.15:  # a whole keyword with a random separator, case and plural
                k = rng.choice(KEYWORDS + ACRONYMS)
                sep = rng.choice(["-", " ", "  ", "\u2011", " -"])
                w = k.replace("-", " ").replace(" ", sep)
                if rng.random() < 0.3:
                    w += rng.choice(["s", "es", "S", "ies", "ing"])
                case = rng.random()
                w = w.upper() if case < 0.1 else w.title() if case < 0.2 else w.lower() if case < 0.3 else w
                parts.append(w)
            elif r < 0.45:
                parts.append(rng.choice(keyword_words))
            else:
                parts.append(rng.choice(VOCAB))
            parts.append(rng.choice(SEPARATORS))
        out.append("".join(parts))
    return out


def test_one_pass_equals_naive_on_generated_texts(small):
    texts = _random_texts(4000)
    fast = small.matches(texts)
    slow = naive_matches(texts, KEYWORDS, ACRONYMS)
    assert fast.dtype == bool and slow.dtype == bool
    # the generator must exercise both outcomes, or the comparison proves little
    assert 0.2 < fast.mean() < 0.9
    np.testing.assert_array_equal(fast, slow)
    assert small.first_match(texts) == naive_first_match(texts, KEYWORDS, ACRONYMS)


def test_shipped_list_one_pass_equals_naive(shipped):
    df = pd.read_csv(AI_KEYWORDS_PATH, dtype=str, keep_default_na=False)
    cs = df["case_sensitive"].str.lower() == "true"
    keywords, acronyms = df.loc[~cs, "keyword"].tolist(), df.loc[cs, "keyword"].tolist()
    rules = {"weak": df.loc[df["rule"] == "weak", "keyword"].tolist(), "context": df.loc[df["rule"] == "context", "keyword"].tolist()}
    rng = random.Random(1)
    pool = [w for k in df["keyword"] for w in k.replace("-", " ").split()] + VOCAB
    texts = []
    for i in range(1500):
        words = [rng.choice(pool) for _ in range(rng.randint(1, 12))]
        if i % 5 == 0:
            k = rng.choice(df["keyword"].tolist())
            words.insert(rng.randint(0, len(words)), k.upper() if i % 2 else k)
        texts.append(rng.choice([" ", "-", " "]).join(words))
    fast = shipped.matches(texts)
    np.testing.assert_array_equal(fast, naive_matches(texts, keywords, acronyms, **rules))
    assert shipped.first_match(texts) == naive_first_match(texts, keywords, acronyms, **rules)
    assert fast.any() and not fast.all()
    pairs = [texts[i::2][: len(texts) // 2] for i in range(2)]
    assert shipped.article_keywords(*pairs) == naive_article_keywords(pairs, keywords, acronyms, **rules)


ASCII_SPACES = [c for c in map(chr, range(128)) if re.fullmatch(r"\s", c)]


def test_ascii_prefilter_keeps_every_text_re_would_match(small, shipped):
    # ASCII texts with every character re's \s takes for a space (\v and \x1c-\x1f too, which RE2's \s is not)
    # and every casing: Arrow's RE2 pass must keep each text the compiled pattern finds a keyword in
    rng = random.Random(7)
    assert {"\v", "\x1c", "\x1f"} <= set(ASCII_SPACES)
    texts = []
    for _ in range(3000):
        k = rng.choice(KEYWORDS + ACRONYMS)
        k = "".join(c.upper() if rng.random() < 0.3 else c for c in k)
        k = re.sub(r"[ -]", lambda _: "".join(rng.choice(ASCII_SPACES + ["-"]) for _ in range(rng.randint(1, 3))), k)
        words = [rng.choice(VOCAB), k + rng.choice(["", "s", "x", "_"]), rng.choice(VOCAB)]
        texts.append(rng.choice(ASCII_SPACES).join(words if rng.random() < 0.7 else words[::2]))
    assert all(t.isascii() for t in texts)
    for m, naive in ((small, lambda t: naive_matches(t, KEYWORDS, ACRONYMS)), (shipped, None)):
        n, rows, _ = m._may_match(texts)
        found = np.flatnonzero([m.pattern.search(t) is not None for t in texts])
        assert n == len(texts) and set(found) <= set(rows.tolist())
        if naive is not None:
            np.testing.assert_array_equal(m.matches(texts), naive(texts))
            assert 0.3 < len(found) / n < 1 and len(rows) < n  # both outcomes, and some texts ruled out
    # a keyword written with a character beyond ASCII that re's case folding maps onto ASCII letters
    # ("ſ", the long s, is "s" ignoring case) still finds its ASCII spellings
    long_s = KeywordMatcher(["ſvm claſſifier"])
    assert long_s.matches(["an SVM classifier", "an svm-classifiers", "svmclassifier", None]).tolist() == [True, True, False, False]
    assert long_s.matches(["an SVM classifier"]).tolist() == naive_matches(["an SVM classifier"], ["ſvm claſſifier"]).tolist()
    # beyond ASCII every row is kept and re decides: the Kelvin sign is "k" ignoring case
    assert small.first_match(["\u212a-nearest neighbors", "k nearest neighbour"]) == ["k-nearest neighbor", None]


def test_matcher_is_one_compiled_pattern(shipped):
    # the one-pass pattern is a single compiled regex; the per-keyword ones only name the match
    assert shipped.pattern.search("we trained a random forest") is not None
    assert shipped.pattern.search("nothing to see") is None


# ---- the shipped keyword list -------------------------------------------------------------------


def test_keyword_csv_loads_and_is_clean(shipped):
    df = pd.read_csv(AI_KEYWORDS_PATH, dtype=str, keep_default_na=False)
    assert list(df.columns[:4]) == ["keyword", "category", "case_sensitive", "rule"] and "note" in df.columns
    assert set(df["rule"]) == {"strong", "weak", "context"}
    assert 100 <= len(df) <= 250
    assert (df["keyword"].str.strip() != "").all()
    assert (df["keyword"] == df["keyword"].str.strip()).all()
    folded = df["keyword"].str.casefold()
    assert not folded.duplicated().any(), df.loc[folded.duplicated(keep=False), "keyword"].tolist()
    assert (df["category"].str.strip() != "").all()
    assert set(df["case_sensitive"].str.lower()) <= {"true", "false"}
    assert len(shipped) == (df["rule"] != "context").sum()
    sensitive = set(df.loc[df["case_sensitive"] == "true", "keyword"])
    assert {"AI", "CNN", "SVM", "NLP", "LSTM"} <= sensitive
    # acronyms are case-sensitive; the multi-word terms are not
    assert all(" " not in k for k in sensitive)
    # every acronym is weak: it counts only in AI context
    assert sensitive - {"GPT-3", "GPT-4"} <= set(df.loc[df["rule"] == "weak", "keyword"])
    assert shipped.weak >= {"neural network", "data mining", "speech recognition", "AI", "NLP"}


@pytest.mark.parametrize(
    "text",
    [
        "Machine learning predicts sepsis",
        "A deep-learning approach",
        "convolutional neural networks for histology",
        "an LSTM model",
        "Transformer-based language models",
        "random forests and gradient boosting",
        "XGBoost",
        "natural language processing of notes",
        "computer vision",
        "AI-assisted diagnosis",
        "deep reinforcement learning",
        "support vector machines",
        "A CNN-based detector of polyps",
        "NLP of radiology reports with a classifier",
        "a neural network classifier of ECGs",
        "an SVM and a random forest",
        "CNN and LSTM layers",
    ],
)
def test_shipped_list_finds_ai_texts(shipped, text):
    assert one(shipped, text)


@pytest.mark.parametrize(
    "text",
    [
        "AIDS and HIV in Thailand",
        "Aromatase inhibitor therapy in ai-naive women",
        "Pattern recognition receptors in innate immunity",
        "A randomised trial of surgical gloves",
        "The transformer gene of Drosophila",
        "Serum GPT levels",
        "5 mL of blood",
        # the non-AI senses of weak keywords (they count only in AI context)
        "Speech recognition in noise of cochlear implant users",
        "Reinforcement learning deficits in schizophrenia",
        "dendritic backpropagation of action potentials",
        "the attention mechanism of the visual cortex",
        "Cortical neural networks in epilepsy",
        "GPRC5a was identified using data mining methods based on published datasets",
        "NLP eyes after combat ocular trauma",
    ],
)
def test_shipped_list_ignores_lookalikes(shipped, text):
    assert not one(shipped, text), shipped.first_match([text])


# ---- weak keywords: acronyms and ambiguous phrases count only in AI context ----------------------

WEAK = ["neural network", "AI", "CNN", "SVM", "NLP", "LSTM"]
CONTEXT = ["classifier", "training set"]


@pytest.fixture(scope="module")
def ruled() -> KeywordMatcher:
    return KeywordMatcher(KEYWORDS, ACRONYMS, weak=WEAK, context=CONTEXT)


@pytest.mark.parametrize(
    "text",
    [
        # ophthalmology: NLP = no light perception (medline16n0902, PMID 26432127)
        "The mean final visual outcome was 0.86 logMAR with 44 no light perception (NLP) eyes and 26 LP eyes.",
        # neuroscience: the brain's neural networks (medline16n0902, PMID 24997269)
        "It refers to neural network shaping and re-shaping at the global level and to synaptic contacts remodeling.",
        "Aromatase inhibitors (AI) in postmenopausal women: AI therapy and bone loss",
        "CNN reported the outbreak",
        "an LSTM",
    ],
)
def test_weak_keyword_alone_is_not_ai(ruled, text):
    assert not one(ruled, text) and ruled.first_match([text]) == [None]
    # the behaviour before weak keywords: every keyword counts on its own
    alone = KeywordMatcher(KEYWORDS, ACRONYMS, weak=WEAK, context=CONTEXT, weak_rule="alone")
    assert one(alone, text)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("A neural network trained with deep learning", "neural network"),  # a strong keyword beside it
        ("artificial intelligence (AI) for triage", "artificial intelligence"),  # its expansion beside it
        ("We compared a CNN with an LSTM", "CNN"),  # two different weak keywords
        ("a neural network classifier of ECGs", "neural network"),  # adjacent AI word
        ("A CNN-based detector", "CNN"),
        ("CNN Models for chest films", "CNN"),
        ("AI-assisted reading", "AI"),
        ("The SVM was fitted on the training set", "SVM"),  # a context term
    ],
)
def test_weak_keyword_in_ai_context(ruled, text, keyword):
    assert one(ruled, text) and ruled.first_match([text]) == [keyword]


def test_context_terms_alone_are_not_ai_and_not_keywords(ruled):
    assert not one(ruled, "the classifier of the training set")
    assert "classifier" not in {k for k, _ in ruled.keywords} and len(ruled) == len(set(KEYWORDS) | set(ACRONYMS))
    assert not one(ruled, "the same CNN and CNNs")  # one weak keyword twice is one keyword


def test_ai_context_is_the_articles(ruled):
    titles = ["A CNN for polyps", "Neural network shaping after injury", "NLP eyes", None]
    abstracts = ["We used deep learning.", "Synaptic remodeling.", "We trained a classifier on a training set.", "an SVM"]
    assert ruled.article_keywords(titles, abstracts) == ["CNN", None, "NLP", None]
    assert ruled.matches_any(titles, abstracts).tolist() == [True, False, True, False]
    assert naive_article_keywords([titles, abstracts], KEYWORDS, ACRONYMS, weak=WEAK, context=CONTEXT) == ["CNN", None, "NLP", None]
    with pytest.raises(ValueError, match="differ in length"):
        ruled.article_keywords(titles, abstracts[:2])


def test_weak_rule_one_pass_equals_naive_on_generated_texts(ruled):
    texts = _random_texts(3000, seed=3)
    texts = [t + " classifier" if t and i % 7 == 0 else t for i, t in enumerate(texts)]
    fast = ruled.matches(texts)
    slow = naive_matches(texts, KEYWORDS, ACRONYMS, weak=WEAK, context=CONTEXT)
    assert 0.1 < fast.mean() < 0.9
    np.testing.assert_array_equal(fast, slow)
    assert ruled.first_match(texts) == naive_first_match(texts, KEYWORDS, ACRONYMS, weak=WEAK, context=CONTEXT)
    # the rule changes outcomes on these texts (else the comparison proves little)
    assert (fast != KeywordMatcher(KEYWORDS, ACRONYMS).matches(texts)).any()


def test_rule_column_is_read_and_checked(tmp_path):
    path = tmp_path / "kw.csv"
    path.write_text("keyword,case_sensitive,rule\nmachine learning,false,\nNLP,true,weak\ntraining set,false,context\n")
    m = KeywordMatcher.from_csv(path)
    assert m.weak == {"NLP"} and m.context == [("training set", False)] and len(m) == 2
    assert not one(m, "NLP eyes") and one(m, "NLP with a training set") and one(m, "machine learning")
    assert one(KeywordMatcher.from_csv(path, weak_rule="alone"), "NLP eyes")
    path.write_text("keyword,rule\nAI,sometimes\n")
    with pytest.raises(ValueError, match="rule"):
        KeywordMatcher.from_csv(path)
    with pytest.raises(ValueError, match="weak_rule"):
        KeywordMatcher(["AI"], weak_rule="never")
    with pytest.raises(ValueError, match="not among the keywords"):
        KeywordMatcher(["AI"], weak=["CNN"])


# ---- the hand-labelled PubMed records ------------------------------------------------------------

SAMPLES = shared_samples_dir()
LABELS = REPO_ROOT / "benchmarks" / "labels" / "pubmed_keywords.csv"


def test_precision_recall_function():
    labels = pd.DataFrame({"file": ["f"] * 5, "pmid": list("12345"), "is_ai": [True, True, False, False, True], "note": ""})
    flags = pd.DataFrame({"file": ["f"] * 5, "pmid": list("54321"), "flag": [False, False, True, True, True]})
    r = keyword_precision_recall(labels, flags)
    assert (r["tp"], r["fp"], r["fn"], r["tn"], r["n"]) == (2, 1, 1, 1, 5)
    assert r["precision"] == pytest.approx(2 / 3) and r["recall"] == pytest.approx(2 / 3)
    assert r["false_negatives"] == [{"file": "f", "pmid": "5"}] and r["false_positives"] == [{"file": "f", "pmid": "3"}]
    with pytest.raises(ValueError, match="no flag"):
        keyword_precision_recall(labels, flags.iloc[:3])


def test_labels_file_is_well_formed():
    labels = read_keyword_labels(LABELS)
    assert list(labels.columns) == ["file", "pmid", "is_ai", "note"]
    assert len(labels) >= 150 and labels["pmid"].str.fullmatch(r"\d+").all()
    assert labels["is_ai"].sum() >= 8 and (~labels["is_ai"]).sum() >= 100
    assert labels["file"].str.startswith("pubmed/").all()


def _sample_flags(matcher: KeywordMatcher, files: list[str]) -> pd.DataFrame:
    frames = []
    for rel in files:
        t = parse_pubmed_file(SAMPLES / rel)
        frames.append(pd.DataFrame({"file": rel, "pmid": t.articles["pmid"].astype(str),
                                    "flag": matcher.matches_any(t.articles["title"], t.articles["abstract"])}))
    return pd.concat(frames, ignore_index=True)


MEASURED = {"context": (1.0, 0.5), "alone": (0.571, 0.5)}
"""Precision and recall measured on the labelled set (docs/methods.md quotes them)."""


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present: real-record test skipped")
@pytest.mark.parametrize("weak_rule", ["context", "alone"])
def test_matcher_precision_and_recall_on_hand_labelled_records(weak_rule):
    """Every record the shipped matcher flags in the samples is labelled (so precision is
    measured on all of them); precision >= 0.95 with weak keywords in AI context."""
    labels = read_keyword_labels(LABELS)
    matcher = KeywordMatcher.from_csv(AI_KEYWORDS_PATH, weak_rule=weak_rule)
    flags = _sample_flags(matcher, sorted(labels["file"].unique()))
    flagged = flags[flags["flag"]]
    unlabelled = flagged.merge(labels, on=["file", "pmid"], how="left", indicator=True)
    assert (unlabelled["_merge"] == "both").all(), unlabelled.loc[unlabelled["_merge"] != "both", ["file", "pmid"]]
    r = keyword_precision_recall(labels, flags)
    precision, recall = MEASURED[weak_rule]
    assert r["precision"] == pytest.approx(precision, abs=0.01) and r["recall"] == pytest.approx(recall, abs=0.01), r
    if weak_rule == "context":
        assert r["precision"] >= 0.95


def _real_titles_and_abstracts() -> tuple[list, list]:
    """The titles and the abstracts (None when absent) of every record of the real PubMed samples."""
    titles, abstracts = [], []
    for f in sorted((SAMPLES / "pubmed").rglob("*.xml*")):
        arts = parse_pubmed_file(f).articles
        titles += arts["title"].to_numpy(dtype=object, na_value=None).tolist()
        abstracts += arts["abstract"].to_numpy(dtype=object, na_value=None).tolist()
    return titles, abstracts


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present: real-record test skipped")
def test_ascii_prefilter_on_the_real_pubmed_records(shipped):
    """Every title and abstract of the real PubMed samples: the shipped list's keywords with the RE2
    pass are those of ``re`` on every row (the matcher before it), and the pass rules rows out."""
    titles, abstracts = _real_titles_and_abstracts()
    every_row = [shipped._decide(row) for row in zip(titles, abstracts)]
    assert len(titles) > 700 and any(every_row)
    assert shipped.article_keywords(titles, abstracts) == every_row
    assert shipped.first_match(abstracts) == [shipped._decide([t]) if t else None for t in abstracts]
    n, rows, _ = shipped._may_match(titles, abstracts)
    assert len(rows) < n


# ---- clinical filter ----------------------------------------------------------------------------


def cats(flt: ClinicalFilter, title, abstract="", pt=None, mesh=None) -> dict[str, bool]:
    row = flt.categories([title], [abstract], [pt], [mesh]).iloc[0]
    return {k: bool(v) for k, v in row.items()}


def test_clinical_csv_loads(clinical):
    df = pd.read_csv(CLINICAL_QUERIES_PATH, dtype=str, keep_default_na=False)
    assert {"category", "field", "term", "match", "group", "note"} <= set(df.columns)
    assert set(df["category"]) == {"therapy", "diagnosis"}
    assert clinical.category_names == ["therapy", "diagnosis"]
    assert len(clinical.terms) == len(df)


def test_therapy_clinical_and_trial(clinical):
    assert cats(clinical, "A clinical trial of deep learning")["therapy"]
    # AND across title and abstract, in any order
    assert cats(clinical, "Trial results", "in a clinical setting")["therapy"]
    # the AND group needs both words
    assert not cats(clinical, "A clinical study of AI")["therapy"]
    assert not cats(clinical, "A trial of AI")["therapy"]
    # whole words: "trials" and "preclinical" are other words
    assert not cats(clinical, "clinical trials")["therapy"]
    assert not cats(clinical, "preclinical trial")["therapy"]


def test_therapy_random_prefix(clinical):
    for text in ["A Randomized study", "randomised", "patients were randomly assigned", "a random forest model", "RANDOM"]:
        assert cats(clinical, text)["therapy"], text
    assert not cats(clinical, "a pseudorandom number")["therapy"]  # prefix of a word, not a substring


def test_therapy_publication_type_and_mesh(clinical):
    assert cats(clinical, "x", "y", pt="Journal Article|Clinical Trial")["therapy"]
    assert cats(clinical, "x", "y", pt="Randomized Controlled Trial")["therapy"]  # explosion child
    assert cats(clinical, "x", "y", pt=["journal article", "clinical trial"])["therapy"]  # list, any case
    assert not cats(clinical, "x", "y", pt="Clinical Trial Protocol|Journal Article")["therapy"]  # exact name
    assert cats(clinical, "x", "y", mesh="Humans|Clinical Trials as Topic")["therapy"]
    assert cats(clinical, "x", "y", mesh="Random Allocation")["therapy"]
    assert not cats(clinical, "x", "y", mesh="Clinical Trial")["therapy"]  # the publication type is not a MeSH term


def test_diagnosis_branches(clinical):
    assert cats(clinical, "x", "y", mesh="Humans|Sensitivity and Specificity")["diagnosis"]
    assert cats(clinical, "High sensitivity of the model")["diagnosis"]
    assert cats(clinical, "Insulin-sensitive cells")["diagnosis"]  # sensitiv* after a hyphen
    for w in ["diagnose", "diagnosed", "diagnoses", "diagnosing", "diagnosis", "Diagnostic"]:
        assert cats(clinical, f"Deep learning to {w} disease")["diagnosis"], w
    for w in ["diagnostics", "diagnosable", "misdiagnosis"]:
        assert not cats(clinical, f"Deep learning {w}")["diagnosis"], w
    assert cats(clinical, "x", "y", mesh="Diagnosis, Differential")["diagnosis"]
    assert cats(clinical, "x", "y", mesh="Diagnostic Imaging")["diagnosis"]  # diagnostic * [MeSH:noexp]
    assert cats(clinical, "x", "y", mesh="Diagnosis")["diagnosis"]
    assert not cats(clinical, "x", "y", mesh="Diagnosis, Computer-Assisted")["diagnosis"]  # noexp: not a child


def test_negative_and_missing_inputs(clinical):
    titles = ["Protein folding with deep learning", None, "x"]
    abstracts = [None, None, float("nan")]
    assert clinical.is_clinical(titles, abstracts).tolist() == [False, False, False]
    assert clinical.is_clinical(titles, abstracts, [None, "", pd.NA], [None, None, None]).tolist() == [False] * 3
    assert clinical.labels(["A randomized study of diagnosis", "x"], ["", ""]) == ["therapy|diagnosis", None]


def test_categories_keeps_series_index(clinical):
    titles = pd.Series(["Randomized", "nothing"], index=[7, 9])
    out = clinical.categories(titles, pd.Series([None, None], index=[7, 9]))
    assert list(out.index) == [7, 9] and list(out.columns) == ["therapy", "diagnosis"]
    assert out["therapy"].tolist() == [True, False]


@pytest.mark.parametrize("dtype", ["string", "str"])  # nulls as <NA> and as NaN
def test_string_series_give_the_categories_of_the_row_by_row_lists(clinical, dtype):
    """Arrow ``string`` Series (the tables' dtype: converted at once, publication types and MeSH split
    once per distinct value) and the same cells as Python lists (read one by one) give the same
    categories on every row: nulls, empty cells, repeated lists, hits in each field and none; and
    the planted hits are found (the comparison is not of two empty answers)."""
    rng = random.Random(13)
    titles = ["A randomized trial", "Deep learning", None, "", "High sensitivity of a test", "Clinical", "A clinical trial"]
    abstracts = ["of x", None, "patients were randomly assigned", "", "nothing", "trial of x", None]
    pts = ["Journal Article", "Journal Article|Clinical Trial", None, "", "Randomized Controlled Trial|Review", "Review"]
    mesh = ["Humans|Female", "Humans|Sensitivity and Specificity", None, "Diagnosis, Differential", "", "Random Allocation|Humans"]
    n = 400
    rows = [(rng.choice(titles), rng.choice(abstracts), rng.choice(pts), rng.choice(mesh)) for _ in range(n)]
    as_lists = [list(c) for c in zip(*rows)]
    as_series = [pd.Series(c, dtype=dtype) for c in as_lists]
    want = clinical.categories(*as_lists)
    got = clinical.categories(*as_series)
    pd.testing.assert_frame_equal(got, want)
    assert 0 < int(want["therapy"].sum()) < n and 0 < int(want["diagnosis"].sum()) < n
    # a row with a hit only in its publication types, and one only in its MeSH descriptors, as rows of the Series
    only = clinical.categories(pd.Series(["x", "x", "x"], dtype=dtype), pd.Series([None] * 3, dtype=dtype),
                               pd.Series(["Journal Article|Clinical Trial", None, "Journal Article"], dtype=dtype),
                               pd.Series([None, "Humans|Sensitivity and Specificity", "Humans"], dtype=dtype))
    assert only.to_numpy().tolist() == [[True, False], [False, True], [False, False]]


def test_phrase_does_not_span_title_and_abstract(tmp_path):
    path = tmp_path / "cq.csv"
    path.write_text("category,field,term,match,group\ntherapy,title_abstract,clinical trial,word,g1\n")
    flt = ClinicalFilter.from_csv(path)
    assert flt.is_clinical(["A clinical trial"], [""]).tolist() == [True]
    assert flt.is_clinical(["A clinical-trial"], [""]).tolist() == [True]
    assert flt.is_clinical(["Clinical"], ["trial of x"]).tolist() == [False]


def test_length_mismatch(clinical):
    with pytest.raises(ValueError):
        clinical.is_clinical(["a", "b"], ["a"])
    with pytest.raises(ValueError):
        clinical.is_clinical(["a", "b"], ["a", "b"], ["x"], None)


@pytest.mark.parametrize(
    "body, message",
    [
        ("category,field,term,match\ntherapy,mesh,x,exact\n", "missing column"),
        ("category,field,term,match,group\ntherapy,journal,x,exact,g\n", "unknown field"),
        ("category,field,term,match,group\ntherapy,mesh,x,fuzzy,g\n", "not valid"),
        ("category,field,term,match,group\ntherapy,title_abstract,x,exact,g\n", "not valid"),
        ("category,field,term,match,group\ntherapy,mesh,x,word,g\n", "not valid"),
        ("category,field,term,match,group\ntherapy,title_abstract,random*,prefix,g\n", "without"),
        ("category,field,term,match,group\ntherapy,mesh,,exact,g\n", "empty term"),
        ("category,field,term,match,group\n,mesh,x,exact,g\n", "empty category"),
        ("category,field,term,match,group\n", "no clinical"),
    ],
)
def test_malformed_clinical_csv(tmp_path, body, message):
    path = tmp_path / "cq.csv"
    path.write_text(body)
    with pytest.raises(ValueError, match=message):
        ClinicalFilter.from_csv(path)


def test_empty_group_is_its_own_group(tmp_path):
    path = tmp_path / "cq.csv"
    path.write_text("category,field,term,match,group\nt,title_abstract,clinical,word,\nt,title_abstract,trial,word,\n")
    flt = ClinicalFilter.from_csv(path)
    assert flt.is_clinical(["clinical"], [""]).tolist() == [True]  # OR, not AND


def test_the_tokenizer_gives_the_regex_words_on_ascii_and_unicode_texts():
    r"""``_tokens`` cuts ASCII texts with ``str.translate``; its oracle is ``\w+`` on the lower-cased
    text, on every ASCII character, on Unicode whose lower case turns ASCII (the Kelvin sign) or not
    (dotted capital I), and on every title and abstract of the real PubMed records."""
    oracle = re.compile(r"\w+")

    def want(text):
        return " ".join(oracle.findall(text.lower())) if text else ""

    rng = random.Random(5)
    texts = ["".join(map(chr, range(128))), "\u212a-means", "\u0130stanbul", "Stra\u00dfe \u00bd\u00b2", "e\u0301t\u00e9", "", None, "!!", "x\0y"]
    texts += ["".join(rng.choice("aZ09_ -.,;\t\n\x1c\x0b/()[]'\"") for _ in range(60)) for _ in range(300)]
    real_titles, real_abstracts = _real_titles_and_abstracts()
    texts += real_titles + real_abstracts
    assert len(texts) > 1500
    assert [_tokens(t) for t in texts] == [want(t) for t in texts]


def _title_abstract_hits_tokenizing_every_row(flt: ClinicalFilter, titles, abstracts) -> np.ndarray:
    """The oracle: each row's title and abstract tokenized and searched, as before the search that
    picks the rows to tokenize."""
    from aigeo_assets.lifesci.keywords import _blank

    text = [f" {_tokens(t)} \0 {_tokens(a)} " for t, a in zip(titles, abstracts)]
    cols = []
    for term in flt.terms:
        if term.field == "title_abstract":
            needle = f" {term.term} " if term.match == "word" else f" {term.term}"
            cols.append([needle in (_blank(s, term.not_in) if term.not_in else s) for s in text])
    return np.array(cols, dtype=bool).T.reshape(len(text), -1)


def test_only_rows_that_may_hold_a_term_are_tokenized_and_the_hits_are_those_of_every_row(tmp_path):
    """``ClinicalFilter`` tokenizes only the rows where every word of some term occurs in any case,
    and every non-ASCII row: the hits equal tokenizing every row, for each shipped filter and a filter
    of phrases, prefixes and not_in phrases, on random texts (case, punctuation, words split across
    title and abstract, nulls, empty texts), texts whose lower case turns ASCII (the Kelvin sign) or
    grows ("İ" lower-cases to "i" and a combining dot, which ends the token, so "Xİ" holds the
    word "xi" although a case-insensitive search for "xi" does not find it), and the real PubMed
    records' titles and abstracts; as lists and as ``string`` Series. Mutations (a case-sensitive
    search, non-ASCII rows not always kept) fail it."""
    from aigeo_assets.lifesci import keywords

    path = tmp_path / "cq.csv"
    path.write_text("category,field,term,match,group,not_in\n"
                    "a,title_abstract,clinical trial,word,g1,\n"
                    "a,title_abstract,random,prefix,g2,random forest|random forests\n"
                    "b,title_abstract,xi,word,g3,\n"
                    "b,title_abstract,kappa,prefix,g4,\n")
    # without not_in phrases the ASCII rows are searched by RE2 (_ascii_term_hits), not tokenized
    searched = tmp_path / "searched.csv"
    searched.write_text("\n".join(line for line in path.read_text().splitlines() if "random forest" not in line) + "\n")
    filters = [ClinicalFilter.from_csv(path), ClinicalFilter.from_csv(CLINICAL_QUERIES_PATH),
               *(ClinicalFilter.from_csv(p) for p in keywords.CLINICAL_FILTERS.values()), ClinicalFilter.from_csv(searched)]
    rng = random.Random(11)
    vocab = ["clinical", "Clinical", "TRIAL", "trials", "trial", "random", "Randomized", "RANDOM forest", "forests", "xi", "Xi",
             "X\u0130", "\u212aappa", "kappa", "diagnos", "sensitivity", "specificity", "therapy", "Diagnosis", "cli-nical", "the", "of",
             "\u00e9t\u00e9", "Stra\u00dfe", "-", ",", "(", ")", "/", "\t", "  "]
    titles, abstracts = ["X\u0130", "Clinical", None, "", "\u212aappa"], ["", "trial of x", "Randomised", None, ""]
    for _ in range(3000):
        titles.append(None if rng.random() < 0.05 else " ".join(rng.choices(vocab, k=rng.randint(0, 6))))
        abstracts.append(None if rng.random() < 0.1 else " ".join(rng.choices(vocab, k=rng.randint(0, 20))))
    real_titles, real_abstracts = _real_titles_and_abstracts()
    titles += real_titles
    abstracts += real_abstracts
    for flt in filters:
        want = _title_abstract_hits_tokenizing_every_row(flt, titles, abstracts)
        cols = [j for j, t in enumerate(flt.terms) if t.field == "title_abstract"]
        for ti, ab in ((titles, abstracts), (pd.Series(titles, dtype="string"), pd.Series(abstracts, dtype="string"))):
            np.testing.assert_array_equal(flt._term_hits(ti, ab, None, None)[:, cols], want)
        picked = flt._may_hit(keywords._arrow_texts(titles), keywords._arrow_texts(abstracts))
        assert want.any(axis=1).sum() <= len(picked) < len(titles)
    mine = filters[0]
    want = _title_abstract_hits_tokenizing_every_row(mine, titles, abstracts)
    assert want[0, 2] and want[4, 3] and want[:, 1].any() and want[:, 0].any()
    real = keywords.ClinicalFilter._may_hit

    def words_only(ignore_case: bool):
        """A mutant: the rows where every word of some term is found (in any case, or as written);
        non-ASCII rows not kept for themselves."""
        def found(x, w):
            return keywords.pc.fill_null(keywords.pc.match_substring(x, w, ignore_case=ignore_case), False).to_numpy(zero_copy_only=False)

        def may_hit(self, t, a):
            keep = np.zeros(len(t), dtype=bool)
            for term in (x.term.split() for x in self.terms if x.field == "title_abstract"):
                keep |= np.logical_and.reduce([found(t, w) | found(a, w) for w in term])
            return np.flatnonzero(keep)
        return may_hit

    try:
        for mutant in (words_only(ignore_case=False), words_only(ignore_case=True)):
            keywords.ClinicalFilter._may_hit = mutant
            assert not (mine._term_hits(titles, abstracts, None, None)[:, :4] == want).all()
    finally:
        keywords.ClinicalFilter._may_hit = real
    # the RE2 search with words apart by spaces only ("clinical, trial" is the phrase too) fails it
    flt = filters[-1]
    assert all(not t.not_in for t in flt.terms) and any(" " in t.term for t in flt.terms)
    want = _title_abstract_hits_tokenizing_every_row(flt, titles, abstracts)
    real_search = keywords._ascii_term_hits

    def spaces_only(ti, ab, term):
        pattern = "(?:^|[^a-z0-9_])" + " +".join(term.term.split()) + ("(?:[^a-z0-9_]|$)" if term.match == "word" else "")
        return np.logical_or.reduce([keywords.pc.fill_null(keywords.pc.match_substring_regex(f, pattern, ignore_case=True), False)
                                     .to_numpy(zero_copy_only=False) for f in (ti, ab)])
    try:
        keywords._ascii_term_hits = spaces_only
        assert not (flt._term_hits(titles, abstracts, None, None) == want).all()
    finally:
        keywords._ascii_term_hits = real_search
