"""Every script in ``benchmarks/`` imports: a name it takes from ``aigeo_assets`` that was renamed or
removed fails here, not months later in ``make bench``. In a subprocess, so that the scripts' own
``sys.path`` entries stay out of the test session."""

from __future__ import annotations

import subprocess
import sys

from aigeo_assets.resources.settings import REPO_ROOT

IMPORT_EVERY_SCRIPT = """
import importlib.util, pathlib, sys
sys.path.insert(0, ".")
failed = []
for path in sorted(pathlib.Path(".").glob("*.py")):
    name = "benchmark_" + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        failed.append(f"{path.name}: {exc!r}")
print("\\n".join(failed))
"""


def test_every_benchmark_script_imports():
    scripts = sorted(p.name for p in (REPO_ROOT / "benchmarks").glob("*.py"))
    assert "migration.py" in scripts and "instance_storage.py" in scripts
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERY_SCRIPT], cwd=REPO_ROOT / "benchmarks", capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"benchmark scripts that do not import:\n{done.stdout}"


def run_benchmark(script: str, out, *args: str) -> dict:
    """``benchmarks/<script>`` run with ``args`` and ``--repeat 1 --out out`` from the repository's root,
    its results file read back; each way's runs must report a peak and CPU seconds."""
    import json

    done = subprocess.run([sys.executable, f"benchmarks/{script}", *args, "--repeat", "1", "--out", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(out.read_text())
    assert all(r["peak_mb"] > 0 and r["cpu_s"] > 0 for runs in got["runs"].values() for r in runs)
    return got


def test_the_year_assembly_benchmark_finds_both_ways_write_the_same_tables(tmp_path):
    """``benchmarks/year_assembly.py`` on the tiny world: the year streamed into its files and the year
    gathered and written whole read back the same, table by table, and each way reports its own peak."""
    from aigeo_assets.sampleworld import generate_world

    root = generate_world(tmp_path / "w", scale="tiny", seed=5)
    got = run_benchmark("year_assembly.py", tmp_path / "year_assembly.json", "--snapshot", str(root), "--cache", str(tmp_path / "cache"),
                        "--years", "2017", "2018")
    assert got["tables_identical"] == 12 and got["rows"] > 1_000


def test_the_core_citations_benchmark_finds_the_three_ways_build_the_same_citations(tmp_path):
    """``benchmarks/core_citations.py`` on a small warehouse of random papers and references (ids that
    are not OpenAlex's, a work in two years, null and unknown cited ids): ours with every year held, ours
    in small batches with none held, and DuckDB build the same years, and the warehouse's own
    ``core_citations`` (written here by ``build_core_citations``) equal them."""
    import numpy as np
    import pandas as pd

    from aigeo_assets.corpus.citations import build_core_citations
    from aigeo_assets.schemas import conform, write_parquet

    rng = np.random.default_rng(3)
    warehouse = tmp_path / "warehouse"
    for table in ("core_papers", "raw_references", "core_citations"):
        (warehouse / table).mkdir(parents=True)
    years = [2015, 2016, 2017]
    papers: dict[int, pd.DataFrame] = {}
    for year in years:
        ids = [f"W{year}{i:04d}" for i in range(800)] + ["X1", f"Z{year}"] + (["W20150007"] if year == 2016 else [])
        n = len(ids)
        city = rng.choice(np.array([1816670, 4930956, None], dtype=object), n)
        papers[year] = conform(pd.DataFrame({
            "work_id": ids, "publication_year": year, "is_ai": True, "doc_type": "journal", "doc_type_rule": "venue_type",
            "in_corpus": rng.random(n) < 0.7, "venue_id": None, "n_authors": 1, "city_geonames_id": city, "city_name": None,
            "city_latitude": None, "city_longitude": None,
            "city_country_code": [None if c is None else ("CN" if c == 1816670 else "US") for c in city],
            "bloc": [None if c is None else ("East" if c == 1816670 else "West") for c in city],
            "lead_country_code": None, "lead_world_region": None, "lead_rule": "none",
        }), "core_papers")
        write_parquet(papers[year], warehouse / "core_papers" / f"{year}.parquet")
    for year in years:
        pool = np.concatenate([pd.concat([papers[y] for y in years if y <= year])["work_id"].to_numpy(dtype=object),
                               np.array(["W404", None, f"W{year + 1}0001"], dtype=object)])
        refs = conform(pd.DataFrame({"citing_work_id": rng.choice(papers[year]["work_id"].to_numpy(dtype=object), 6_000),
                                     "cited_work_id": rng.choice(pool, 6_000)}), "raw_references")
        write_parquet(refs, warehouse / "raw_references" / f"{year}.parquet")
        known = pd.concat([papers[y] for y in years if y <= year], ignore_index=True)
        write_parquet(conform(build_core_citations(refs, papers[year], known), "core_citations"),
                      warehouse / "core_citations" / f"{year}.parquet")
    got = run_benchmark("core_citations.py", tmp_path / "core_citations.json", "--warehouse", str(warehouse), "--small-batch-rows", "1000")
    assert got["years"] == years and got["identical_to_the_warehouse"] and got["rows"] == 18_000


def test_the_affiliation_batches_benchmark_finds_batches_place_what_the_whole_year_places(tmp_path):
    """``benchmarks/affiliation_batches.py`` on a small warehouse of random authorships (several
    institutions per authorship, known and unknown institutions, affiliation strings to match): the
    years placed in batches cut between works, at the asset's batch and at a small one, equal the years
    placed whole (the script compares them exactly)."""
    import numpy as np
    import pandas as pd

    from aigeo_assets.geo.geocode import geocode_institutions
    from aigeo_assets.schemas import SCHEMAS, conform, write_parquet

    rng = np.random.default_rng(4)
    warehouse = tmp_path / "warehouse"
    (warehouse / "raw_authorships").mkdir(parents=True)
    cols = SCHEMAS["raw_institutions"].names
    raw_inst = conform(pd.DataFrame([
        {"institution_id": "I27837315", "display_name": "University of Michigan", "country_code": "US", "type": "education",
         "geo_city": "Ann Arbor", "geo_geonames_city_id": 4984247, "geo_country_code": "US", "geo_latitude": 42.27756,
         "geo_longitude": -83.74088},
        {"institution_id": "I5", "display_name": "Peking University", "country_code": "CN", "type": "education"},
    ], columns=cols), "raw_institutions")
    write_parquet(geocode_institutions(raw_inst), warehouse / "core_institutions.parquet")
    strings = np.array(["School of Computing, University of Leeds, Leeds LS2 9JT, UK", "Tsinghua University, Beijing, China",
                        "Dept. of Physics, Kyoto University, Kyoto, Japan", None], dtype=object)
    for year in (2016, 2017):
        rows = []
        for w in range(900):
            for seq in range(int(rng.integers(1, 4))):
                for j in range(int(rng.integers(1, 3))):
                    inst = rng.choice(np.array(["I27837315", "I5", "I404", None], dtype=object))
                    rows.append({"work_id": f"W{year}{w:04d}", "author_seq": seq, "author_position": "first" if seq == 0 else "middle",
                                 "author_id": f"A{int(rng.integers(0, 500))}", "institution_seq": j, "institution_id": inst,
                                 "institution_name": None, "institution_country_code": None,
                                 "author_countries": rng.choice(np.array(["US", "CN|US", "", "GB"], dtype=object)),
                                 "raw_affiliation": rng.choice(strings)})
        write_parquet(conform(pd.DataFrame(rows, columns=SCHEMAS["raw_authorships"].names), "raw_authorships"),
                      warehouse / "raw_authorships" / f"{year}.parquet")
    got = run_benchmark("affiliation_batches.py", tmp_path / "affiliation_batches.json", "--warehouse", str(warehouse), "--small-batch-rows", "300")
    assert got["years"] == [2016, 2017] and got["rows"] > 3_000
