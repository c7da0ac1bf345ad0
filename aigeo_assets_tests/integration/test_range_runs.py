"""Runs over a range of years (single-run backfill policies) against the one-year path they replace,
on the tiny world and on the real OpenAlex records of ``../shared/samples`` (skipped without them):
``core_citations``, ``out_city_year_metrics``, ``out_world_year_totals`` and ``out_impact_pairs`` of a
range run equal, table by table and exactly, what the former one-year asset bodies computed from the
same warehouse (the oracle below is that code: each year reads its own partitions), each year has its
own materialization with its own metadata, and a one-year run of the same assets rewrites the same
tables.

The per-year assets with ``YEARLY_RANGES`` (``core_affiliations``, ``out_disruption``, the centres, the
gravity pairs and yearly fits, the yearly networks, their betweenness and files), on the tiny world:
each unit's range run is planned as one run, and one-year runs of the first, a middle and the last
year rewrite exactly the tables the range run wrote, with the same metadata per year. The same for the
life-science years (PubMed's three year tables, the corpus and its authors) on the tiny world's atlas,
whose PubMed tables also equal those the three read together give (``pubmed_year_tables``). And the
ingest (``raw_works``, its sibling tables and ``raw_quarantine``), on the tiny world and the real
records: one run for the years, each year's line accounting adding up against its own tables, one-year
runs rewriting the same tables and metadata, one check result per run, and a blocking check failing for
one year stopping what reads that year."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from aigeo_assets.corpus.citations import KNOWN_PAPER_COLUMNS, build_core_citations
from aigeo_assets.corpus.papers import city_table
from aigeo_assets.code_location import build_definitions
from aigeo_assets.lifesci.pubmed_files import pubmed_year_tables
from aigeo_assets.metrics.cities import AUTHOR_YEAR_COLUMNS, WINDOW_INPUT_COLUMNS, ImpactWindows, city_year_metrics, impact_pairs
from aigeo_assets.orchestration import PlannedRun, PlanRunner, plan_runs
from aigeo_assets.resources.io import table_path
from aigeo_assets.resources.settings import Settings
from aigeo_assets.schemas import conform

FIRST, LAST = 2012, 2018
YEARS = [str(y) for y in range(FIRST, LAST + 1)]
JOBS = ["reference_tables", "yearly_corpus", "careers", "yearly_city_metrics"]  # yearly_corpus plans its years' OpenAlex tables too (yearly_refresh)
RANGED = {"core_citations", "out_city_year_metrics", "out_impact_pairs"}
YEARLY_UNITS = [  # the units with YEARLY_RANGES, in an order the asset graph allows (every input before its reader)
    ("core_affiliations", "core_affiliations_quarantine"),
    ("out_disruption",),
    ("out_centres_of_mass", "out_focal_pull"),
    ("out_gravity_citation_pairs",),
    ("out_gravity_citations_by_year",),
    ("out_network_edges_by_year",),
    ("out_east_west_betweenness_by_year",),
    ("out_network_files_by_year",),
]
PARTS_MADE = ("parts_extracted", "extracted_lines", "extract_cpu_s", "extracted_lines_per_cpu_s")
"""``raw_works``' metadata of what a year's scan spent reading parts (``works.PartsMade``)."""
ONE_YEAR = ["2012", "2015", "2018"]  # the first year (windows clamped at the start), a middle one, the last (windows cut short)


def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir, source="sample", snapshot_dir=None, sample_scale="tiny", sample_seed=7,
        start_year=FIRST, end_year=LAST, api_base_url="", api_mailto=None, api_key=None, api_concepts=(), api_subfields=(),
    )


def _real_settings(root: Path) -> Settings:
    from aigeo_assets.ingest.records_folder import real_sample_files, shared_samples_dir, snapshot_from_records

    samples = shared_samples_dir()
    if not (samples / "openalex").is_dir():
        pytest.skip(f"the real sample records are not there ({samples}: ../shared/samples beside the repository)")
    works, institutions = real_sample_files(samples)
    snapshot_from_records(root / "snapshot", works=works, institutions=institutions)
    (root / "data").mkdir()
    return Settings.from_env({
        "AIGEO_DATA_DIR": str(root / "data"), "AIGEO_SOURCE": "snapshot", "AIGEO_SNAPSHOT_DIR": str(root / "snapshot"),
        "AIGEO_START_YEAR": str(FIRST), "AIGEO_END_YEAR": str(LAST),
    })


@pytest.fixture(scope="module", params=["tiny_world", "real_records"])
def ranged(request, tmp_path_factory, tiny_world):
    root = tmp_path_factory.mktemp(f"ranged-{request.param}")
    if request.param == "tiny_world":
        tiny_world(root, 7)
        settings = _settings(root)
    else:
        settings = _real_settings(root)
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()
    plans = {}
    for job in JOBS:
        plans[job] = plan_runs(defs, job_name=job)
        PlanRunner(workers=1, defs=defs, instance=instance, job_name=job).run(plans[job])
    return request.param, settings, defs, instance, plans


def _read(settings: Settings, asset: str, year: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(table_path(settings.warehouse_location, asset, year), columns=columns)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """What ``concat_partitions`` made of a one-year run's input: the frame itself for one partition."""
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def test_the_plan_runs_every_year_of_the_ranged_assets_in_one_run(ranged):
    *_, plans = ranged
    for job, asset in (("yearly_corpus", "core_citations"), ("yearly_city_metrics", "out_city_year_metrics"),
                       ("yearly_city_metrics", "out_impact_pairs")):
        runs = [r for r in plans[job] if asset in r.assets]
        assert len(runs) == 1 and runs[0].partition_keys == tuple(YEARS), (asset, [r.label for r in runs])
        assert set(runs[0].assets) <= RANGED | {"out_world_year_totals"}
    # the per-year assets with YEARLY_RANGES: one run for the seven years (at most YEARS_PER_RUN each)
    for asset in ("out_centres_of_mass", "out_disruption"):
        runs = [r for r in plans["yearly_city_metrics"] if asset in r.assets]
        assert [r.partition_keys for r in runs] == [tuple(YEARS)], (asset, [r.label for r in runs])
    affiliations = [r for r in plans["yearly_corpus"] if "core_affiliations" in r.assets]
    assert len(affiliations) == 1 and set(YEARS) <= set(affiliations[0].partition_keys), [r.label for r in affiliations]


def test_citations_of_a_range_run_equal_the_one_year_path(ranged):
    _, settings, *_ = ranged
    papers = {y: _read(settings, "core_papers", y, KNOWN_PAPER_COLUMNS) for y in YEARS}
    for year in YEARS:
        known = _concat([papers[y] for y in YEARS if y <= year])
        citing = known[known["publication_year"] == int(year)]
        expected = conform(build_core_citations(_read(settings, "raw_references", year), citing, known), "core_citations")  # as written
        pd.testing.assert_frame_equal(_read(settings, "core_citations", year), expected, check_exact=True)


def test_city_metrics_and_pairs_of_a_range_run_equal_the_one_year_path(ranged):
    source, settings, *_ = ranged
    citations = {y: _read(settings, "core_citations", y, WINDOW_INPUT_COLUMNS) for y in YEARS}
    author_years = _read(settings, "core_author_years", None, AUTHOR_YEAR_COLUMNS)
    cities = city_table(_read(settings, "core_institutions"))
    windows = ImpactWindows(settings.impact_window, settings.long_impact_window, "any")
    reach = max(settings.impact_window, settings.long_impact_window)
    impact_years = 0
    for year in YEARS:
        y = int(year)
        read = [k for k in YEARS if y <= int(k) <= y + reach]
        metrics, world = city_year_metrics(
            y, _read(settings, "core_papers", year), _concat([citations[k] for k in read]), author_years, cities, [int(k) for k in read], windows
        )
        metrics, world = conform(metrics, "out_city_year_metrics"), conform(world, "out_world_year_totals")  # as the IO manager writes them
        pd.testing.assert_frame_equal(_read(settings, "out_city_year_metrics", year), metrics, check_exact=True)
        pd.testing.assert_frame_equal(_read(settings, "out_world_year_totals", year), world, check_exact=True)
        short = [k for k in YEARS if y <= int(k) <= y + settings.impact_window]
        pairs = conform(impact_pairs(y, _concat([citations[k] for k in short]), windows), "out_city_pairs")
        pd.testing.assert_frame_equal(_read(settings, "out_impact_pairs", year), pairs, check_exact=True)
        impact_years += int(metrics["impact"].sum() > 0)
    assert impact_years >= (len(YEARS) - 1 if source == "tiny_world" else 1)  # the comparison is not between empty tables


def test_each_year_of_a_range_run_has_its_own_materialization_and_metadata(ranged):
    _, settings, defs, instance, _ = ranged
    for asset in ("core_citations", "out_city_year_metrics", "out_world_year_totals", "out_impact_pairs"):
        key = dg.AssetKey(asset)
        runs = set()
        for year in YEARS:
            records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=[year]), limit=1).records
            assert records, f"{asset}[{year}] has no materialization"
            meta = records[0].asset_materialization.metadata  # type: ignore[union-attr]
            assert meta["dagster/row_count"].value == len(_read(settings, asset, year)), (asset, year)
            if asset != "core_citations":
                assert meta["year"].value == int(year)
            runs.add(records[0].run_id)
        assert len(runs) == 1, f"{asset}: one run for every year"
        run = instance.get_run_by_id(runs.pop())
        assert run.tags["dagster/asset_partition_range_start"] == YEARS[0] and run.tags["dagster/asset_partition_range_end"] == YEARS[-1]
    meta = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("out_city_year_metrics"), asset_partitions=["2014"]), limit=1
    ).records[0].asset_materialization.metadata  # type: ignore[union-attr]
    assert meta["citing_years_read"].value == list(range(2014, 2019)) and meta["impact_window_complete"].value is True


def test_a_one_year_run_of_the_ranged_assets_writes_the_same_tables(ranged):
    _, settings, defs, instance, _ = ranged
    year = "2015"
    before = {a: _read(settings, a, year) for a in ("core_citations", "out_city_year_metrics", "out_world_year_totals", "out_impact_pairs")}
    runs = [
        PlannedRun(0, ("core_citations",), year, ("corpus",), 0),
        PlannedRun(1, ("out_city_year_metrics", "out_world_year_totals"), year, ("city_metrics",), 1),
        PlannedRun(2, ("out_impact_pairs",), year, ("city_metrics",), 1),
    ]
    PlanRunner(workers=1, defs=defs, instance=instance).run(runs)
    for asset, table in before.items():
        pd.testing.assert_frame_equal(_read(settings, asset, year), table, check_exact=True)
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("out_city_year_metrics"), "impact_window_complete")]
    )
    evaluation = next(iter(check.values())).event.dagster_event.event_specific_data  # type: ignore[union-attr]
    assert evaluation.passed and evaluation.metadata["window"].value == "2015-2017"
    assert evaluation.metadata["partition"].value == "2015" and "observed" in evaluation.metadata["reason"].value


def _metadata(instance: dg.DagsterInstance, asset: str, year: str) -> dict:
    """The latest materialization's metadata of ``asset[year]`` as plain values, and its run."""
    record = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[year]), limit=1).records[0]
    return {"run": record.run_id, **{k: v.value for k, v in record.asset_materialization.metadata.items()}}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def yearly_ranged(ranged):
    """The warehouse of ``ranged`` (tiny world) with every unit of ``YEARLY_UNITS`` run once over all
    the years (the plan already ran core_affiliations, out_disruption and the centres as ranges)."""
    source, settings, defs, instance, plans = ranged
    if source != "tiny_world":
        pytest.skip("the per-year range assets are compared on the tiny world")
    runner = PlanRunner(workers=1, defs=defs, instance=instance)
    runner.run([PlannedRun(0, ("out_top_cities",), None, ("city_metrics",), 0)])
    runner.run([PlannedRun(i, unit, YEARS[0], ("x",), i, range_keys=tuple(YEARS)) for i, unit in enumerate(YEARLY_UNITS[3:])])
    return settings, defs, instance


def _one_year_runs_rewrite_the_same(settings, defs, instance, units, tables, meta, tables_without_rows: int) -> None:
    """Run ``units`` one year at a time for ``ONE_YEAR`` after their range runs: every table is rewritten
    exactly (at most ``tables_without_rows`` of them empty) and every year's metadata is the same but
    for the run that wrote it and what its scan spent reading parts (``PARTS_MADE``: the range run read
    them, the one-year runs find their extracts stored)."""
    runs = [PlannedRun(i, unit, year, ("x",), i) for i, (year, unit) in enumerate((y, u) for y in ONE_YEAR for u in units)]
    PlanRunner(workers=1, defs=defs, instance=instance).run(runs)
    compared = [(asset, year, table) for (asset, year), table in tables.items() if year in ONE_YEAR]
    for asset, year, table in compared:
        pd.testing.assert_frame_equal(_read(settings, asset, year), table, check_exact=True, obj=f"{asset}[{year}]")
    assert sum(len(t) == 0 for _, _, t in compared) <= tables_without_rows  # the comparison is mostly between tables that hold rows
    for (asset, year), before in meta.items():
        if year in ONE_YEAR:
            after = _metadata(instance, asset, year)
            assert after.pop("run") != before["run"], (asset, year)
            if asset == "raw_works":
                assert after["parts_extracted"] == after["extracted_lines"] == 0, year
                after = {k: v for k, v in after.items() if k not in PARTS_MADE}
                before = {k: v for k, v in before.items() if k not in PARTS_MADE}
            before = {k: v for k, v in before.items() if k != "run"}
            assert after == before, (asset, year, {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)})


def test_one_year_runs_rewrite_what_the_range_runs_of_the_per_year_assets_wrote(yearly_ranged):
    settings, defs, instance = yearly_ranged
    assets = [a for unit in YEARLY_UNITS for a in unit if a != "out_network_files_by_year"]
    tables = {(a, y): _read(settings, a, y) for a in assets for y in YEARS}
    meta = {(a, y): _metadata(instance, a, y) for unit in YEARLY_UNITS for a in unit for y in YEARS}
    for (asset, year), m in meta.items():  # each year of a range run: its own materialization and metadata, one run for all
        assert m["run"] == meta[(asset, YEARS[0])]["run"], (asset, year)
        if "year" in m:
            assert str(m["year"]) == year, (asset, year, m["year"])
    assert meta[("out_disruption", "2014")]["citing_years_read"] == list(range(2015, 2019))
    assert meta[("out_network_edges_by_year", "2014")]["window"] == "2012-2014"
    assert meta[("out_network_edges_by_year", "2018")]["window"] == "2014-2018"
    _one_year_runs_rewrite_the_same(settings, defs, instance, YEARLY_UNITS, tables, meta, tables_without_rows=3)


def test_a_range_run_checks_every_year_and_names_the_ones_cut_short(yearly_ranged):
    _, _, instance = yearly_ranged
    runs = {r.dagster_run.run_id: r for r in instance.get_run_records()}
    for asset, check in (("out_disruption", "disruption_window_complete"), ("out_gravity_citations_by_year", "impact_window_complete")):
        key = dg.AssetCheckKey(dg.AssetKey(asset), check)
        executions = instance.event_log_storage.get_asset_check_execution_history(key, limit=50)
        ranged = [e for e in executions if runs[e.run_id].dagster_run.tags.get("dagster/asset_partition_range_start") == YEARS[0]]
        assert ranged, f"{asset}: no check result from the range run"
        evaluation = ranged[0].event.dagster_event.event_specific_data  # type: ignore[union-attr]
        assert not evaluation.passed and evaluation.metadata["partition"].value == f"{YEARS[0]}-{YEARS[-1]}"
        cut = evaluation.metadata["years_incomplete"].value
        assert "2018" in cut and "2012" not in cut, (asset, cut)


LIFESCI_UNITS = [  # the life-science years with YEARLY_RANGES: PubMed's three tables, then the corpus (reads a year's OpenAlex works around it)
    ("raw_pubmed_articles", "raw_pubmed_authors", "raw_pubmed_references"),
    ("core_lifesci_articles", "core_lifesci_authors"),
]


@pytest.fixture(scope="module")
def lifesci_ranged(tmp_path_factory, tiny_world):
    """The tiny world's life-science atlas (its years those of AlShebli et al. 2022 here) as ``aigeo run
    --job lifesci_atlas_study`` plans it: the PubMed years and the corpus years as range runs."""
    root = tmp_path_factory.mktemp("ranged-lifesci")
    tiny_world(root, 7)
    settings = dataclasses.replace(_settings(root), lifesci_start_year=FIRST, lifesci_end_year=LAST)
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()
    plan = plan_runs(defs, job_name="lifesci_atlas_study")
    PlanRunner(workers=1, defs=defs, instance=instance, job_name="lifesci_atlas_study").run(plan)
    return settings, defs, instance, plan


def test_one_year_runs_rewrite_what_the_range_runs_of_the_life_science_years_wrote(lifesci_ranged):
    settings, defs, instance, plan = lifesci_ranged
    for unit in LIFESCI_UNITS:  # each unit: one run for the seven years (at most YEARS_PER_RUN)
        runs = [r for r in plan if unit[0] in r.assets]
        assert [r.partition_keys for r in runs] == [tuple(YEARS)], (unit, [r.label for r in runs])
        assert set(runs[0].assets) == set(unit), runs[0].label
    assets = [a for unit in LIFESCI_UNITS for a in unit]
    tables = {(a, y): _read(settings, a, y) for a in assets for y in YEARS}
    meta = {(a, y): _metadata(instance, a, y) for a in assets for y in YEARS}
    for (asset, year), m in meta.items():  # each year of a range run: its own materialization and metadata, one run for all
        assert m["run"] == meta[(asset, YEARS[0])]["run"], (asset, year)
        assert m["dagster/row_count"] == len(tables[(asset, year)]), (asset, year)
        if "year" in m:
            assert str(m["year"]) == year, (asset, year, m["year"])
    assert sum(len(tables[("core_lifesci_articles", y)]) for y in YEARS) > 0
    lifesci = defs.resources["lifesci"]
    for year in YEARS:  # the oracle: the three tables of a year read together, as one-year runs read them before ranges
        together = pubmed_year_tables(lifesci.pubmed_files(), lifesci.cache_path(), int(year))
        for name in ("articles", "authors", "references"):
            pd.testing.assert_frame_equal(tables[(f"raw_pubmed_{name}", year)], conform(getattr(together, name), f"raw_pubmed_{name}"),
                                          check_exact=True, obj=f"raw_pubmed_{name}[{year}]")
        assert meta[("raw_pubmed_articles", year)]["superseded_by_later_version"] == together.n_superseded
        assert meta[("raw_pubmed_articles", year)]["deleted_by_later_file"] == together.n_deleted
    linked = [y for y in YEARS if meta[("core_lifesci_articles", y)]["links"]]
    assert len(linked) >= len(YEARS) - 1, linked  # the windows of OpenAlex works gave links in (nearly) every year
    _one_year_runs_rewrite_the_same(settings, defs, instance, LIFESCI_UNITS, tables, meta, tables_without_rows=2)


def test_a_range_run_checks_the_lead_country_coverage_of_every_year(lifesci_ranged):
    _, _, instance, _ = lifesci_ranged
    runs = {r.dagster_run.run_id: r for r in instance.get_run_records()}
    key = dg.AssetCheckKey(dg.AssetKey("core_lifesci_articles"), "lead_country_coverage")
    executions = instance.event_log_storage.get_asset_check_execution_history(key, limit=50)
    ranged = [e for e in executions if runs[e.run_id].dagster_run.tags.get("dagster/asset_partition_range_start") == YEARS[0]]
    evaluations = [e.event.dagster_event.event_specific_data  # type: ignore[union-attr]
                   for e in ranged if e.event is not None and e.event.dagster_event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert len(evaluations) == 1, "one check result for the range run, for all its years"
    evaluation = evaluations[0]
    m = {k: v.value for k, v in evaluation.metadata.items()}
    assert m["partition"] == f"{YEARS[0]}-{YEARS[-1]}" and sorted(m["share_by_year"]) == YEARS
    for year in YEARS:  # each year's share is the one its materialization reports, and the failing years are those below 80%
        assert m["share_by_year"][year] == _metadata(instance, "core_lifesci_articles", year)["lead_country_coverage"], year
    assert m["years_below"] == [y for y in YEARS if m["share_by_year"][y] < 0.8]
    assert evaluation.passed == (not m["years_below"])


INGEST_UNIT = ("raw_works", "raw_authorships", "raw_references", "raw_work_concepts", "raw_work_topics", "raw_venues", "raw_quarantine")


def test_one_year_runs_rewrite_what_the_range_run_of_the_ingest_wrote(ranged):
    """The ingest (``raw_works`` and its siblings, ``YEARLY_RANGES``) as the plan ran it: one run for the
    years, each year with its own materialization and line accounting; one-year runs of three years
    rewrite exactly its tables (the quarantine too) and metadata."""
    source, settings, defs, instance, plans = ranged
    runs = [r for r in plans["yearly_corpus"] if "raw_works" in r.assets]
    assert any(set(YEARS) <= set(r.partition_keys) for r in runs), [r.label for r in runs]
    assert set(runs[0].assets) == set(INGEST_UNIT), runs[0].label
    tables = {(a, y): _read(settings, a, y) for a in INGEST_UNIT for y in YEARS}
    meta = {(a, y): _metadata(instance, a, y) for a in INGEST_UNIT for y in YEARS}
    for (asset, year), m in meta.items():  # each year of the range run: its own materialization and metadata, one run for all
        assert m["run"] == meta[(asset, YEARS[0])]["run"], (asset, year)
        assert m["dagster/row_count"] == len(tables[(asset, year)]) and m["year"] == int(year), (asset, year)
    for year in YEARS:  # the line accounting per year adds up against that year's own tables
        m = meta[("raw_works", year)]
        parts = m["line_accounting"]
        assert m["lines"]["lines_read"] == m["lines_scanned"] == sum(p["lines_read"] for p in parts) > 0, year
        assert m["lines"]["parsed"] == sum(p["parsed"] for p in parts) == len(tables[("raw_works", year)]), year
        assert m["lines"]["other_years"] > 0, year  # every part holds works of the other years: each year's scan counts them
        line_rows = int((tables[("raw_quarantine", year)]["line"] > 0).sum())
        assert line_rows == m["lines"]["quarantined"] + m["lines"]["unattributed"], year
        assert sum(m["quarantined"].values()) == len(tables[("raw_quarantine", year)]), year
    # each part read once in the range, by the first year's scan, which read every line of every year
    made = [meta[("raw_works", y)] for y in YEARS]
    assert made[0]["extracted_lines"] == made[0]["lines_scanned"] and made[0]["parts_extracted"] == len(made[0]["line_accounting"])
    assert made[0]["extract_cpu_s"] > 0 and all(m["parts_extracted"] == m["extracted_lines"] == 0 for m in made[1:])
    assert not list((settings.warehouse_dir / "_part_extracts").glob(".ingest-range-*")), "the tables set aside are removed"
    if source == "tiny_world":  # the world's planted faults: quarantined lines in the range
        assert sum(len(tables[("raw_quarantine", y)]) for y in YEARS) > 0
    empty = sum(len(t) == 0 for (_, y), t in tables.items() if y in ONE_YEAR)
    _one_year_runs_rewrite_the_same(settings, defs, instance, [INGEST_UNIT], tables, meta, tables_without_rows=empty)
    assert empty <= (2 if source == "tiny_world" else len(INGEST_UNIT) * len(ONE_YEAR) // 2), empty


def test_the_range_run_of_the_ingest_checks_every_year_once(ranged):
    *_, instance, plans = ranged
    records = {r.dagster_run.run_id: r.dagster_run for r in instance.get_run_records()}
    ingest_run = next(r for r in plans["yearly_corpus"] if "raw_works" in r.assets and set(YEARS) <= set(r.partition_keys))
    for check in ("no_duplicate_work_ids", "lines_accounted_for"):
        key = dg.AssetCheckKey(dg.AssetKey("raw_works"), check)
        executions = instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
        evaluations = [e.event.dagster_event.event_specific_data for e in executions  # type: ignore[union-attr]
                       if records[e.run_id].tags.get("dagster/asset_partition_range_start") == ingest_run.partition_keys[0]
                       and e.event is not None and e.event.dagster_event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
        assert len(evaluations) == 1, f"{check}: one result for the range run"
        evaluation = evaluations[0]
        m = {k: v.value for k, v in evaluation.metadata.items()}
        assert evaluation.passed and m["years_failing"] == [], (check, m)
        assert m["partition"] == f"{ingest_run.partition_keys[0]}-{ingest_run.partition_keys[-1]}"
    assert sorted(m["lines_by_year"]) == sorted(ingest_run.partition_keys)
    for year in YEARS:  # each year's totals in the check are those of its materialization
        assert m["lines_by_year"][year] == _metadata(instance, "raw_works", year)["lines"], year
        assert m["outside_years_by_year"][year] == _metadata(instance, "raw_works", year)["outside_years"], year


def test_a_failing_blocking_check_in_an_ingest_range_stops_what_reads_the_failing_year(tmp_path, tiny_world, monkeypatch):
    """``lines_accounted_for`` made to fail for one year (a planted problem): the range run fails after
    writing its years, its one check result names that year alone, and nothing that reads the year
    (affiliations, papers, citations) runs."""
    import aigeo_assets.assets.ingest as ingest_assets
    from aigeo_assets.orchestration import RunFailed

    bad = 2015
    real = ingest_assets.accounting_problems
    monkeypatch.setattr(ingest_assets, "accounting_problems", lambda tables: (
        ["planted: a line lost"] if (tables.works.read(["publication_year"])["publication_year"] == bad).any() else real(tables)))
    tiny_world(tmp_path, 7)
    settings = _settings(tmp_path)
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()
    plan = plan_runs(defs, job_name="yearly_corpus")
    with pytest.raises(RunFailed) as failed:
        PlanRunner(workers=1, defs=defs, instance=instance, job_name="yearly_corpus").run(plan)
    assert [f.label.split("[")[0] for f in failed.value.failures] == ["ingest (7 assets)"], [f.label for f in failed.value.failures]
    assert failed.value.not_started > 0
    key = dg.AssetCheckKey(dg.AssetKey("raw_works"), "lines_accounted_for")
    evaluation = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key].event.dagster_event.event_specific_data  # type: ignore[union-attr]
    m = {k: v.value for k, v in evaluation.metadata.items()}
    assert not evaluation.passed and m["years_failing"] == [str(bad)] and m["problems"].startswith(f"{bad}: planted"), m
    for asset in ("core_affiliations", "core_papers", "core_citations"):
        records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[str(bad)]), limit=1)
        assert not records.records, f"{asset}[{bad}] ran after its year failed the blocking check"
