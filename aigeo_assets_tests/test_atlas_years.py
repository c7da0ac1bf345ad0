"""The life-science atlas has its own years (issue 14): AIGEO_LIFESCI_START_YEAR..AIGEO_LIFESCI_END_YEAR
(Schmallenbach et al. 2024: 2000-2022), AlShebli et al. 2022 keeps AIGEO_START_YEAR..AIGEO_END_YEAR, and the OpenAlex tables both
read run on the union. Checked here: the setting, the partitions of each group, that every job
resolves on one partitions definition, that AlShebli et al. 2022's all-years careers read its years only, and the
plans of ``aigeo run``: the atlas's takes in the OpenAlex years it reads, AlShebli et al. 2022's does not."""

from __future__ import annotations

import warnings

import dagster as dg
import pytest

from aigeo_assets.cli import job_names
from aigeo_assets.ingest.snapshot import list_entity_files
from aigeo_assets.ingest.snapshot_changes import years_of_parts
from aigeo_assets.code_location import build_definitions
from aigeo_assets.orchestration import PlanRunner, plan_runs, upstream_jobs
from aigeo_assets.resources.settings import Settings, SettingsError
from aigeo_assets.resources.sources import world_keywords

FIRST, LAST = 2012, 2019  # the tiny world's AlShebli et al. 2022 years
ALSHEBLI2022_GROUPS = ("corpus", "city_metrics", "centres", "centrality", "models")


def _years(first: int, last: int) -> list[str]:
    return [str(y) for y in range(first, last + 1)]


def _settings(tmp_path, **env: str) -> Settings:
    base = {"AIGEO_DATA_DIR": str(tmp_path), "AIGEO_SAMPLE_SCALE": "tiny", "AIGEO_SAMPLE_SEED": "7",
            "AIGEO_START_YEAR": str(FIRST), "AIGEO_END_YEAR": str(LAST)}
    return Settings.from_env({**base, **env})


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_definitions(_settings(tmp_path_factory.mktemp("years")))


def _partitions_of_group(defs: dg.Definitions, group: str) -> set[tuple[str, str] | None]:
    graph = defs.resolve_asset_graph()
    out = set()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        if node.group_name == group and not isinstance(node.partitions_def, dg.DynamicPartitionsDefinition):
            p = node.partitions_def
            out.add(None if p is None else (p.get_first_partition_key(), p.get_last_partition_key()))
    return out


# ------------------------------------------------------------------------------------ the setting


def test_the_atlas_runs_to_2022_by_default_and_alshebli2022_keeps_its_years(tmp_path):
    s = Settings.from_env({"AIGEO_DATA_DIR": str(tmp_path)})
    assert (s.lifesci_start_year, s.lifesci_end_year) == (2000, 2022)
    assert s.alshebli2022_years == (1990, 2019)
    assert s.lifesci_years == (2000, 2022)
    assert s.openalex_years == (1990, 2022)
    # the atlas never starts before AIGEO_START_YEAR; a later AlShebli et al. 2022 end makes the union
    s = _settings(tmp_path, AIGEO_LIFESCI_END_YEAR="2016")
    assert (s.alshebli2022_years, s.lifesci_years, s.openalex_years) == ((2012, 2019), (2012, 2016), (2012, 2019))


@pytest.mark.parametrize("env, line", [
    ({"AIGEO_LIFESCI_START_YEAR": "2015", "AIGEO_LIFESCI_END_YEAR": "2014"},
     "AIGEO_LIFESCI_END_YEAR='2014': a year from AIGEO_LIFESCI_START_YEAR (2015) to"),
    ({"AIGEO_LIFESCI_END_YEAR": "2011"}, "AIGEO_LIFESCI_END_YEAR='2011': a year from AIGEO_START_YEAR (2012) to"),
    ({"AIGEO_LIFESCI_START_YEAR": "2024"}, "AIGEO_LIFESCI_END_YEAR='2022' (the default): a year from AIGEO_LIFESCI_START_YEAR (2024)"),
    ({"AIGEO_LIFESCI_END_YEAR": "22"}, "AIGEO_LIFESCI_END_YEAR='22': a year from 1900 to"),
])
def test_an_atlas_without_years_is_one_clear_line(tmp_path, env, line):
    with pytest.raises(SettingsError) as info:
        _settings(tmp_path, **env)
    (problem,) = info.value.problems
    assert problem.startswith(line), problem


def test_an_atlas_that_ends_before_alshebli2022_is_allowed(tmp_path):
    """AIGEO_END_YEAR no longer bounds the atlas, nor the atlas AIGEO_END_YEAR."""
    s = _settings(tmp_path, AIGEO_LIFESCI_START_YEAR="2013", AIGEO_LIFESCI_END_YEAR="2013", AIGEO_END_YEAR="2018")
    assert s.lifesci_years == (2013, 2013) and s.openalex_years == (2012, 2018)


# ------------------------------------------------------------------------------------ the partitions


def test_each_group_has_its_studys_years(defs):
    union, seed, atlas = (str(FIRST), "2022"), (str(FIRST), str(LAST)), (str(FIRST), "2022")
    for group in ("ingest", "geo"):  # the OpenAlex tables: both studies' years (and the institutions, unpartitioned)
        assert _partitions_of_group(defs, group) == {union, None}, group
    for group in ALSHEBLI2022_GROUPS:
        assert _partitions_of_group(defs, group) - {None} == {seed}, group
    assert _partitions_of_group(defs, "lifesci_corpus") - {None} == {atlas}


def test_the_atlas_starts_at_its_own_first_year(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        defs = build_definitions(_settings(tmp_path, AIGEO_LIFESCI_START_YEAR="2015", AIGEO_LIFESCI_END_YEAR="2021"))
    assert _partitions_of_group(defs, "lifesci_corpus") - {None} == {("2015", "2021")}
    assert _partitions_of_group(defs, "ingest") - {None} == {(str(FIRST), "2021")}
    assert _partitions_of_group(defs, "corpus") - {None} == {(str(FIRST), str(LAST))}


def test_every_job_resolves_on_one_partitions_definition(defs):
    graph = defs.resolve_asset_graph()
    names = job_names(defs)
    assert {"yearly_refresh", "yearly_corpus", "alshebli2022_study", "lifesci_atlas_study", "new_year"} <= set(names)
    for name in names:
        job = defs.resolve_job_def(name)
        assert job.name == name
        partitioned = {graph.get(k).partitions_def for k in job.asset_layer.executable_asset_keys} - {None}
        assert partitioned <= {job.partitions_def}, name
        for upstream in upstream_jobs(defs, name):
            assert upstream in names, (name, upstream)
    assert defs.resolve_job_def("yearly_refresh").partitions_def.get_partition_keys() == _years(FIRST, 2022)
    for name in ("yearly_corpus", "alshebli2022_study", "new_year"):
        assert defs.resolve_job_def(name).partitions_def.get_partition_keys() == _years(FIRST, LAST), name
    schedule = defs.resolve_schedule_def("yearly_refresh_schedule")
    assert schedule.job_name == "yearly_refresh"


def test_alshebli2022s_careers_read_the_affiliations_of_its_years_only(defs):
    """``core_author_years`` counts careers over ``core_author_year_places``, partitioned on AlShebli et
    al. 2022's years, each year reading that year of ``core_affiliations`` (whose partitions run on to
    2022): the atlas's extra years stay out (and out of the plan)."""
    graph = defs.resolve_asset_graph()
    places, careers = dg.AssetKey("core_author_year_places"), dg.AssetKey("core_author_years")
    assert graph.get(places).partitions_def.get_partition_keys() == _years(FIRST, LAST)
    for year in (str(FIRST), str(LAST)):
        got = graph.get_parent_partition_keys_for_child(year, dg.AssetKey("core_affiliations"), places).partitions_subset
        assert got.get_partition_keys() == [year]
    for parent in (places, dg.AssetKey("core_papers")):
        got = graph.get_parent_partition_keys_for_child(None, parent, careers).partitions_subset
        assert sorted(got.get_partition_keys()) == _years(FIRST, LAST)
    assert graph.get(careers).parent_keys == {places, dg.AssetKey("core_papers")}


# ------------------------------------------------------------------------------------ the plans


def _planned(runs, asset: str) -> list[str]:
    return sorted(k for r in runs if asset in r.assets for k in r.partition_keys)


def test_the_atlas_plan_reads_its_openalex_years_and_alshebli2022s_does_not(defs):
    atlas = plan_runs(defs, job_name="lifesci_atlas_study")
    assert _planned(atlas, "raw_works") == _years(FIRST, 2022)  # its citation counts read every year's works
    assert _planned(atlas, "core_affiliations") == _years(FIRST, 2022)
    assert _planned(atlas, "core_lifesci_articles") == _years(FIRST, 2022)
    assert not _planned(atlas, "core_papers")  # AlShebli et al. 2022's corpus is no part of it

    seed = plan_runs(defs, job_name="alshebli2022_study")
    assert _planned(seed, "raw_works") == _years(FIRST, LAST)
    assert _planned(seed, "core_affiliations") == _years(FIRST, LAST)
    assert _planned(seed, "core_papers") == _years(FIRST, LAST)
    assert not [r for r in seed if any(g.startswith("lifesci") for g in r.groups)]

    everything = plan_runs(defs)
    assert _planned(everything, "raw_works") == _years(FIRST, 2022)
    assert _planned(everything, "core_papers") == _years(FIRST, LAST)
    assert _planned(everything, "core_citations") == _years(FIRST, LAST)


def test_an_upstream_run_executes_in_its_own_job_after_what_it_feeds_waits_for_it(defs):
    graph = defs.resolve_asset_graph()
    for job in ("lifesci_atlas_study", "alshebli2022_study", "new_year"):
        runs = plan_runs(defs, job_name=job)
        for run in runs:
            held = defs.resolve_job_def(run.job or job).asset_layer.executable_asset_keys
            assert {dg.AssetKey.from_user_string(a) for a in run.assets} <= set(held), (job, run.label)
        by_asset_year = {(a, k): r.index for r in runs for a in r.assets for k in r.partition_keys}
        for run in runs:  # every partition a run reads that the plan makes is made before it, and it waits for it
            for asset in run.assets:
                key = dg.AssetKey.from_user_string(asset)
                for parent in graph.get(key).parent_keys:
                    for partition in run.partition_keys:
                        if graph.get(parent).partitions_def is None:
                            wanted = [None]
                        else:
                            wanted = graph.get_parent_partition_keys_for_child(partition, parent, key).partitions_subset.get_partition_keys()
                        for p in wanted:
                            j = by_asset_year.get((parent.to_user_string(), p))
                            if j is not None and j != run.index:
                                assert j in run.needs, (job, run.label, parent.to_user_string(), p)
        assert {r.job for r in runs} - {None} <= {"yearly_refresh", "reference_tables"}


def test_years_cut_the_upstream_runs_too(defs):
    runs = plan_runs(defs, job_name="lifesci_atlas_study", years=["2021"])
    assert _planned(runs, "raw_works") == ["2021"]
    assert _planned(runs, "core_lifesci_articles") == ["2021"]
    assert _planned(plan_runs(defs, job_name="alshebli2022_study", years=["2021"]), "raw_works") == []


def test_a_alshebli2022_plan_with_its_upstream_runs_executes(tmp_path, tiny_world):
    """``aigeo run --job yearly_corpus --years 2012`` on the tiny world: the year's OpenAlex tables and
    the institutions run in their own jobs (yearly_refresh, reference_tables), then the papers and
    citations in yearly_corpus; the works' scan counts the atlas's later years as configured ones."""
    world = tiny_world(tmp_path, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        defs = build_definitions(_settings(tmp_path))
    runs = plan_runs(defs, job_name="yearly_corpus", years=[str(FIRST)])
    assert {r.job for r in runs} == {"yearly_refresh", "reference_tables", None}
    with dg.instance_for_test() as instance:
        stats = PlanRunner(workers=1, defs=defs, instance=instance, job_name="yearly_corpus").run(runs)
        assert all(s.status == "SUCCESS" for s in stats)
        jobs = {r.job_name for r in instance.get_runs()}
        assert jobs == {"yearly_refresh", "reference_tables", "yearly_corpus"}
        for asset in ("raw_works", "core_affiliations", "core_papers", "core_citations"):
            assert instance.get_materialized_partitions(dg.AssetKey(asset)) == {str(FIRST)}, asset
        instance_meta = {"raw_works": instance.fetch_materializations(dg.AssetKey("raw_works"), limit=1).records[0].asset_materialization.metadata}
    # the scan's accounting: the atlas's later years, which the world holds (its life-science twins),
    # are configured years, not outside ones; the world's years before AIGEO_START_YEAR are outside
    assert {2020, 2021, 2022} <= years_of_parts(list_entity_files(world, "works").parts).years
    meta = instance_meta["raw_works"]
    outside, lines = meta["outside_years"].value, meta["lines"].value
    assert outside and not set(outside) & set(_years(FIRST, 2022)), outside
    assert all(int(y) < FIRST for y in outside)
    assert lines["other_years"] > 0


# ------------------------------------------------------------------------------------ the sample world


def test_the_world_gets_the_atlas_end_year_only_from_a_generator_that_takes_it():
    def with_it(root, scale="demo", seed=1, start_year=None, end_year=None, progress=None, lifesci_end_year=None):
        return root

    def without(root, scale="demo", seed=1, start_year=None, end_year=None, progress=None):
        return root

    assert world_keywords(with_it, lifesci_end_year=2022) == {"lifesci_end_year": 2022}
    assert world_keywords(with_it, lifesci_end_year=None) == {}
    assert world_keywords(without, lifesci_end_year=None) == {}
    with pytest.raises(TypeError, match="lifesci_end_year"):
        world_keywords(without, lifesci_end_year=2022)
