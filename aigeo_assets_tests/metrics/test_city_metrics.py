"""City metrics and matrices on a hand-written world of a dozen papers (AlShebli et al. 2022, Figs. 1-2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aigeo_assets.metrics.cities import (
    COLLABORATION_INPUT_COLUMNS,
    CORPUS_CITATION_ROWS,
    CORPUS_PAPER_ROWS,
    METRIC_PAPER_COLUMNS,
    WINDOW_INPUT_COLUMNS,
    ImpactWindows,
    city_year_metrics,
    collaboration_pairs,
    impact_pairs,
)
from aigeo_assets.metrics.matrices import (
    collaboration_matrix,
    impact_matrix,
    migration_cells,
    migration_matrix,
    over_impact_cells,
)
from aigeo_assets.metrics.top import city_ranks, matrix_order, top_cities, top_city_shares
from aigeo_assets.schemas import SCHEMAS, conform
from aigeo_assets_tests.support.input_reads import read_as_input

A, B, C = 1, 2, 3  # A and B in the East, C in the West
BLOC = {A: "East", B: "East", C: "West"}
CITIES = pd.DataFrame(
    {"city_name": ["Alpha", "Beta", "Gamma"], "latitude": [1.0, 2.0, 3.0], "longitude": [1.0, 2.0, 3.0]},
    index=pd.Index([A, B, C], name="city_geonames_id"),
)


def frame(table, rows):
    cols = SCHEMAS[table].names
    return conform(pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols), table)


# work, year, city, in corpus
PAPERS = [
    ("P1", 2015, A, True), ("P2", 2015, A, True), ("P3", 2015, B, True), ("P4", 2015, C, True),
    ("P5", 2015, None, True), ("P6", 2015, C, False), ("P7", 2016, A, True), ("P8", 2016, C, True),
    ("P9", 2017, B, True), ("P10", 2018, C, True), ("P11", 2015, B, True), ("P12", 2016, B, True),
]
papers = frame("core_papers", [
    {"work_id": w, "publication_year": y, "city_geonames_id": c, "in_corpus": k, "is_ai": k, "doc_type": "journal",
     "bloc": BLOC.get(c), "city_country_code": {A: "CN", B: "CN", C: "US"}.get(c), "n_authors": 3, "lead_rule": "last_author"}
    for w, y, c, k in PAPERS
])
P = papers.set_index("work_id")


def cite(citing, cited):
    a, b = P.loc[citing], P.loc[cited]
    return {"citing_work_id": citing, "cited_work_id": cited, "citing_year": a.publication_year, "cited_year": b.publication_year,
            "resolution": "in_snapshot", "citing_in_corpus": a.in_corpus, "cited_in_corpus": b.in_corpus,
            "citing_city_geonames_id": a.city_geonames_id, "cited_city_geonames_id": b.city_geonames_id}


citations = frame("core_citations", [cite(*c) for c in [
    ("P7", "P1"), ("P7", "P4"), ("P8", "P1"), ("P9", "P1"), ("P10", "P1"), ("P2", "P3"), ("P6", "P3"), ("P12", "P5"), ("P8", "P6"),
]])


def ay(author, year, city, ai=True):
    return {"author_id": author, "year": year, "city_geonames_id": city, "bloc": BLOC.get(city), "is_ai_scientist": ai,
            "n_papers_year": 1, "n_ai_papers_year": 1, "n_papers_career": 3, "n_ai_papers_career": 3}


author_years = frame("core_author_years", [
    ay("S1", 2015, A), ay("S1", 2016, A), ay("S1", 2017, B), ay("S1", 2019, B),
    ay("S2", 2015, C), ay("S2", 2017, A), ay("S2", 2018, C), ay("S2", 2019, C),
    ay("S3", 2015, B), ay("S3", 2019, B),
    ay("S4", 2015, A, ai=False), ay("S4", 2016, C, ai=False),
    ay("S5", 2015, A), ay("S5", 2016, B), ay("S5", 2017, A), ay("S5", 2018, B),
])


def metrics_2015(available=(2015, 2016, 2017), windows=ImpactWindows()):
    return city_year_metrics(2015, papers, citations, author_years, CITIES, available, windows)


def test_impact_productivity_scientists_by_hand(tmp_path):
    m, world = metrics_2015()
    m = m.set_index("city_geonames_id")
    assert m.loc[[A, B, C], "productivity"].tolist() == [2, 2, 1], "P6 is not AI; P5 has no city"
    assert m.loc[[A, B, C], "impact"].tolist() == [3, 2, 1], "P10 cites P1 in y+3: outside the 2-year window"
    assert m.loc[A, "impact_long"] == 4
    assert m.loc[[A, B, C], "ai_scientists"].tolist() == [2, 1, 1], "S4 is not an AI scientist"
    w = world.iloc[0]
    assert (w["productivity"], w["productivity_located"], w["impact"], w["impact_long"], w["ai_scientists"]) == (6, 5, 7, 8, 4)
    assert m.loc[A, "share_impact"] == pytest.approx(3 / 7) and m.loc[B, "share_productivity"] == pytest.approx(2 / 6)
    assert m.loc[A, "city_name"] == "Alpha" and m.loc[C, "bloc"] == "West"
    corpus_only = city_year_metrics(2015, papers, citations, author_years, CITIES, [2015, 2016, 2017], ImpactWindows(citing="corpus"))[0]
    assert corpus_only.set_index("city_geonames_id").loc[B, "impact"] == 1, "P6 (not AI) no longer counts as a citer"
    # the asset reads only the AI scientists' rows (AI_SCIENTIST_ROWS): the same metrics
    ai_rows = author_years[author_years["is_ai_scientist"].fillna(False).to_numpy(bool)]
    assert len(ai_rows) < len(author_years)
    for got, want in zip(city_year_metrics(2015, papers, citations, ai_rows, CITIES, [2015, 2016, 2017], ImpactWindows()), metrics_2015()):
        pd.testing.assert_frame_equal(got, want)
    # and only the corpus papers' columns it uses (METRIC_PAPER_COLUMNS, CORPUS_PAPER_ROWS) and the citations
    # of corpus papers (WINDOW_INPUT_COLUMNS, CORPUS_CITATION_ROWS): the same metrics
    (tmp_path / "papers").mkdir()
    (tmp_path / "citations").mkdir()
    corpus = read_as_input(papers, tmp_path / "papers", METRIC_PAPER_COLUMNS, CORPUS_PAPER_ROWS)
    assert len(corpus) < len(papers) and corpus["in_corpus"].all()
    cited = read_as_input(citations, tmp_path / "citations", WINDOW_INPUT_COLUMNS, CORPUS_CITATION_ROWS)
    assert len(cited) < len(citations)
    for got, want in zip(city_year_metrics(2015, corpus, cited, author_years, CITIES, [2015, 2016, 2017]), metrics_2015()):
        pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(impact_pairs(2015, cited), impact_pairs(2015, citations))


def test_incomplete_windows_are_flagged_never_passed_off():
    m, world = metrics_2015(available=(2015, 2016, 2017))
    assert m["impact_window_complete"].all() and not m["impact_long_window_complete"].any()
    m, world = metrics_2015(available=(2015, 2016))
    assert not m["impact_window_complete"].any() and not world.loc[0, "impact_window_complete"]


def test_impact_pairs_and_matrix_by_hand():
    pairs = impact_pairs(2015, citations)
    got = {(r.row_city_geonames_id, None if pd.isna(r.col_city_geonames_id) else r.col_city_geonames_id): r.value for r in pairs.itertuples()}
    assert got == {(A, A): 1, (A, C): 1, (C, A): 1, (B, A): 1, (A, B): 1, (C, B): 1, (B, None): 1}
    top = top_cities(metrics_2015()[0], 2015, 3)
    assert top["city_geonames_id"].tolist() == [A, B, C]
    mat = impact_matrix(pd.concat([pairs, pairs]), top, [3])
    grid = mat.pivot(index="row_order", columns="col_order", values="value").to_numpy()
    assert grid.tolist() == [[2, 2, 2], [2, 0, 0], [2, 2, 0]], "two copies of the year sum"
    assert mat.loc[mat["row_order"] == 2, "row_city_geonames_id"].iloc[0] == C, "West last"


def test_over_impact_by_hand_and_its_invariants():
    m, world = metrics_2015()
    pairs = impact_pairs(2015, citations)
    cells = over_impact_cells(pairs, m, world, [A, B, C], "world")
    grid = cells["value"].to_numpy().reshape(3, 3)
    # n = 6 papers of 2015, n_A = n_B = 2, n_C = 1; m_A = 3, m_B = 2, m_C = 2
    np.testing.assert_allclose(grid[0], [1 - 3 * 2 / 6, 1 - 3 * 2 / 6, 1 - 3 * 1 / 6])
    np.testing.assert_allclose(grid[1], [1 - 2 * 2 / 6, 0 - 2 * 2 / 6, 0 - 2 * 1 / 6])
    # A's citations all go to top cities: its row sums to m_A (1 - n_top / n)
    assert grid[0].sum() == pytest.approx(3 * (1 - 5 / 6))
    top_universe = over_impact_cells(pairs, m, world, [A, B, C], "top")["value"].to_numpy().reshape(3, 3)
    np.testing.assert_allclose(top_universe.sum(axis=1), 0, atol=1e-12)
    # when every paper is in a top city, the paper's own reading gives zero rows as well
    located = world.assign(productivity=world["productivity_located"])
    no_null = pairs.dropna()
    only_top = over_impact_cells(no_null, m, located, [A, B, C], "world")["value"].to_numpy().reshape(3, 3)
    np.testing.assert_allclose(only_top.sum(axis=1), 0, atol=1e-12)


def test_over_impact_sums_years_computed_separately():
    m, world = metrics_2015()
    pairs = impact_pairs(2015, citations)
    one = over_impact_cells(pairs, m, world, [A, B, C])["value"].to_numpy()
    other_year_pairs = pairs.assign(year=2016)
    other_metrics = m.assign(year=2016, productivity=np.where(m["city_geonames_id"] == A, 5, m["productivity"]))
    other_world = world.assign(year=2016, productivity=9)
    two = over_impact_cells(pd.concat([pairs, other_year_pairs]), pd.concat([m, other_metrics]), pd.concat([world, other_world]), [A, B, C])
    second = over_impact_cells(other_year_pairs, other_metrics, other_world, [A, B, C])["value"].to_numpy()
    np.testing.assert_allclose(two["value"].to_numpy(), one + second)


def test_collaboration_last_author_city_to_coauthor_cities(tmp_path):
    def aff(work, seq, pos, author, city):
        return {"work_id": work, "author_seq": seq, "author_position": pos, "author_id": author, "city_geonames_id": city}
    affiliations = frame("core_affiliations", [
        aff("P1", 0, "first", "X1", B), aff("P1", 1, "middle", "X2", A), aff("P1", 2, "last", "X3", A), aff("P1", 2, "last", "X3", C),
        aff("P3", 0, "first", "X4", B), aff("P3", 0, "first", "X4", C), aff("P3", 1, "last", "X5", B),
        aff("P4", 0, "first", "X6", C),  # single author: no collaboration
        aff("P6", 0, "first", "X7", A), aff("P6", 1, "last", "X8", C),  # not AI
    ])
    pairs = collaboration_pairs(2015, papers, affiliations)
    got = {(r.row_city_geonames_id, r.col_city_geonames_id): r.value for r in pairs.itertuples()}
    assert got == {(A, B): 1, (A, A): 1, (B, B): 1, (B, C): 1}, "the last author's own second city is not a co-author"
    # the asset reads only the corpus papers and the columns it uses (COLLABORATION_INPUT_COLUMNS): the same pairs
    (tmp_path / "papers").mkdir()
    (tmp_path / "affiliations").mkdir()
    narrow = collaboration_pairs(
        2015, read_as_input(papers, tmp_path / "papers", COLLABORATION_INPUT_COLUMNS["core_papers"], CORPUS_PAPER_ROWS),
        read_as_input(affiliations, tmp_path / "affiliations", COLLABORATION_INPUT_COLUMNS["core_affiliations"]))
    pd.testing.assert_frame_equal(narrow, pairs)
    top = top_cities(metrics_2015()[0], 2015, 3)
    mat = collaboration_matrix(pairs, top, [2, 3])
    assert set(mat["top_n"]) == {2, 3} and len(mat) == 4 + 9


def test_migration_moves_and_stayers():
    cells = migration_cells(author_years, 2015, 2019)
    got = {(r.row_city_geonames_id, r.col_city_geonames_id): r.value for r in cells.itertuples()}
    # S1 A->B; S2 C->A, A->C, and C in 2015 and 2019; S3 B in both years; S5 A->B (counted once), B->A; S4 not AI
    assert got == {(A, B): 2, (B, A): 1, (C, A): 1, (A, C): 1, (C, C): 1, (B, B): 1}
    top = top_cities(metrics_2015()[0], 2015, 3)
    mat = migration_matrix(author_years, top, [3], 2015, 2019)
    assert mat["value"].sum() == 7
    # the assets read only the AI scientists' rows (AI_SCIENTIST_ROWS): the same cells
    ai_rows = author_years[author_years["is_ai_scientist"].fillna(False).to_numpy(bool)]
    assert len(ai_rows) < len(author_years)
    pd.testing.assert_frame_equal(migration_cells(ai_rows, 2015, 2019), cells)


def _migration_cells_by_pandas(author_years: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """The oracle: Fig. 2c's moves and stayers by pandas' sort, grouped shift and join (the former
    implementation, one step per sentence of ``migration_cells``' definition)."""
    ay = author_years[
        author_years["is_ai_scientist"].fillna(False).to_numpy(bool) & author_years["year"].between(start, end).to_numpy(bool)
    ].dropna(subset=["city_geonames_id", "author_id"])
    ay = ay.sort_values(["author_id", "year"])[["author_id", "year", "city_geonames_id"]]
    prev_city = ay.groupby("author_id")["city_geonames_id"].shift()
    moved = ay[prev_city.notna() & (prev_city != ay["city_geonames_id"])]
    moves = pd.DataFrame({"author_id": moved["author_id"], "row": prev_city[moved.index], "col": moved["city_geonames_id"]}).drop_duplicates()
    first = ay[ay["year"] == start].set_index("author_id")["city_geonames_id"]
    last = ay[ay["year"] == end].set_index("author_id")["city_geonames_id"]
    both = first.to_frame("row").join(last.rename("col"), how="inner")
    stayed = both[both["row"] == both["col"]].reset_index()
    cells = pd.concat([moves[["row", "col"]], stayed[["row", "col"]]], ignore_index=True)
    out = cells.groupby(["row", "col"]).size().reset_index(name="value")
    return out.rename(columns={"row": "row_city_geonames_id", "col": "col_city_geonames_id"})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_migration_cells_equal_the_pandas_oracle_on_random_careers(seed):
    """Random careers (gaps, returns, repeated moves, unlocated years, non-AI authors, a null author id,
    rows in no order) over every window, one-year windows and windows with nobody included."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(400):
        years = np.sort(rng.choice(np.arange(2008, 2021), size=rng.integers(1, 9), replace=False))
        ai = bool(rng.random() < 0.8)
        for y in years:
            city = None if rng.random() < 0.1 else int(rng.integers(1, 7))
            rows.append({"author_id": f"A{a}", "year": int(y), "city_geonames_id": city, "is_ai_scientist": ai})
    rows.append({"author_id": None, "year": 2015, "city_geonames_id": 1, "is_ai_scientist": True})
    ay = frame("core_author_years", rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    compared = 0
    for start in range(2005, 2021, 2):
        for end in (start, start + 1, start + 4):
            want = _migration_cells_by_pandas(ay, start, end)
            got = migration_cells(ay, start, end)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            assert got.dtypes.to_dict() == want.dtypes.to_dict() or want.empty
            compared += int(want["value"].sum())
    assert compared > 1000  # the windows hold moves and stayers, not only empty tables


def test_ranks_relative_values_and_top_shares():
    m15, w15 = metrics_2015()
    m16, w16 = city_year_metrics(2016, papers, citations, author_years, CITIES, [2016, 2017, 2018])
    metrics = pd.concat([m15, m16], ignore_index=True)
    ranks = city_ranks(metrics)
    r = ranks[(ranks["metric"] == "productivity") & (ranks["year"] == 2015)].set_index("city_geonames_id")
    assert r.loc[[A, B, C], "rank"].tolist() == [1, 1, 3], "ties share the best rank"
    assert r.loc[C, "relative"] == pytest.approx(0.5)
    top = top_cities(m15, 2015, 3)
    shares = top_city_shares(metrics, pd.concat([w15, w16]), top, [1, 3])
    s = shares.set_index(["year", "top_n", "metric"])["share"]
    assert s[(2015, 1, "impact")] == pytest.approx(3 / 7)
    assert s[(2015, 3, "productivity")] == pytest.approx(5 / 6)
    assert list(matrix_order(top, 3)["bloc"]) == ["East", "East", "West"]
