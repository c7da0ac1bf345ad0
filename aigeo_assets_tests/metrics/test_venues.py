"""AlShebli et al. 2022 Supplementary Fig. 4 (the venue divide): hand-worked counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aigeo_assets.metrics.cities import CORPUS_PAPER_ROWS
from aigeo_assets.metrics.venues import VENUE_INPUT_COLUMNS, venue_east_west
from aigeo_assets.reports.city_figures import fig_venue_east_west
from aigeo_assets.schemas import conform
from aigeo_assets_tests.support.input_reads import read_as_input


def _papers(rows):
    return pd.DataFrame(rows, columns=["work_id", "publication_year", "in_corpus", "venue_id", "bloc"])


PAPERS = _papers([
    ("W1", 2018, True, "S1", "East"), ("W2", 2018, True, "S1", "East"), ("W3", 2018, True, "S1", "West"),
    ("W4", 2019, True, "S1", None),  # no city: in neither bloc
    ("W5", 2019, True, "S2", "West"), ("W6", 2019, True, "S2", "West"),
    ("W7", 2019, False, "S3", "East"), ("W8", 2019, False, "S3", "East"), ("W9", 2019, False, "S3", "East"),  # not AI corpus
    ("W10", 2017, True, "S3", "East"),
    ("W11", 2019, True, None, "East"),  # no venue
])
NAMES = pd.DataFrame({"venue_id": ["S1", "S2", "S3", "S1"], "display_name": ["AAAI", "NeurIPS", "CVPR", "AAAI"]})


def test_top_venues_by_corpus_papers_and_yearly_east_west_counts():
    got = venue_east_west(PAPERS, NAMES, top_n=2)
    assert got["venue_id"].drop_duplicates().tolist() == ["S1", "S2"]  # 4 and 2 corpus papers; S3 has 1
    s1 = got[got["venue_id"] == "S1"].set_index("year")
    assert s1["east_papers"].to_dict() == {2017: 0, 2018: 2, 2019: 0}
    assert s1["west_papers"].to_dict() == {2017: 0, 2018: 1, 2019: 0}
    assert s1.loc[2018, "east_share"] == 2 / 3 and np.isnan(s1.loc[2019, "east_share"])
    assert got.loc[got["venue_id"] == "S2", "venue_name"].iloc[0] == "NeurIPS"
    conform(got, "out_venue_east_west")


def test_only_corpus_papers_count_so_the_asset_reads_only_those(tmp_path):
    """The years run from the first to the last corpus paper: a year with only other papers adds
    none, so the asset reads only the corpus's rows (``CORPUS_PAPER_ROWS``) for the same table."""
    want = venue_east_west(PAPERS, NAMES, top_n=2)
    other = _papers([("W12", 2015, False, "S1", "East"), ("W13", 2021, None, "S2", "West")])
    pd.testing.assert_frame_equal(venue_east_west(pd.concat([PAPERS, other], ignore_index=True), NAMES, top_n=2), want)
    corpus = read_as_input(PAPERS, tmp_path, VENUE_INPUT_COLUMNS, CORPUS_PAPER_ROWS)
    assert len(corpus) < len(PAPERS)
    pd.testing.assert_frame_equal(venue_east_west(corpus, NAMES, top_n=2), want)


def test_a_users_venue_list_replaces_the_rule_in_its_order():
    got = venue_east_west(PAPERS, NAMES, venues=["S3", "S1"])
    assert got.drop_duplicates("venue_id")[["venue_rank", "venue_id"]].values.tolist() == [[1, "S3"], [2, "S1"]]
    s3 = got[got["venue_id"] == "S3"].set_index("year")
    assert s3["east_papers"].to_dict() == {2017: 1, 2018: 0, 2019: 0}  # W7-W9 are not in the corpus


def test_the_figure_has_a_panel_per_venue_and_an_empty_input_is_empty():
    fig = fig_venue_east_west(venue_east_west(PAPERS, NAMES, top_n=2))
    assert len(fig.data) == 4 and [a.text for a in fig.layout.annotations] == ["AAAI", "NeurIPS"]
    assert venue_east_west(PAPERS.iloc[:0], NAMES).empty
