"""``scripts/compare_warehouses.py``, the check that a refactor left every table as it was (issue 17):
equal warehouses pass; one changed value, a changed dtype, a missing partition or a changed model
estimate is found and named."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pandas as pd

from aigeo_assets.resources.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))

import compare_warehouses as C  # noqa: E402


class _Fit:
    def __init__(self, beta: float):
        self.params = pd.Series({"distance": beta, "const": 1.0})
        self.bse = pd.Series({"distance": 0.1, "const": 0.2})
        self.nobs = 40


def _warehouse(root: Path, *, value: float = 2.5, dtype: str = "int64", years=(2015, 2016), beta: float = -1.2) -> Path:
    (root / "core_papers").mkdir(parents=True)
    for y in years:
        pd.DataFrame({"work_id": ["W1", "W2"], "year": pd.Series([y, y], dtype=dtype)}).to_parquet(root / "core_papers" / f"{y}.parquet")
    pd.DataFrame({"city": ["Beijing", "Boston"], "impact": [value, 1.0]}).to_parquet(root / "out_city_ranks.parquet")
    (root / "out_gravity.pkl").write_bytes(pickle.dumps(_Fit(beta)))
    (root / "_part_extracts").mkdir()
    (root / "_part_extracts" / "x.parquet").write_bytes(b"cache, never compared")
    return root


def test_equal_warehouses_pass_and_every_kind_of_change_is_named(tmp_path, capsys):
    before = _warehouse(tmp_path / "a")
    assert C.main([str(before), str(_warehouse(tmp_path / "b"))]) == 0
    assert "4 tables, all equal" in capsys.readouterr().out

    changed = C.compare(before, _warehouse(tmp_path / "c", value=2.5000001))
    assert len(changed) == 1 and changed[0].startswith("out_city_ranks:")
    assert C.compare(before, _warehouse(tmp_path / "d", value=2.5000001), rtol=1e-6) == []
    assert [p.split(":")[0] for p in C.compare(before, _warehouse(tmp_path / "e", dtype="int16"))] == ["core_papers/2015", "core_papers/2016"]
    assert C.compare(before, _warehouse(tmp_path / "f", years=(2015,))) == [f"core_papers/2016: only in {before}"]
    assert [p.split(":")[0] for p in C.compare(before, _warehouse(tmp_path / "g", beta=-1.3))] == ["out_gravity"]
    assert C.main([str(before), str(_warehouse(tmp_path / "h", value=3.0))]) == 1
