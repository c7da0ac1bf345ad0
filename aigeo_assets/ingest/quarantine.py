"""The quarantine: every piece of input we could not use, with where it was and why."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from aigeo_assets.schemas import conform


class Quarantine:
    """Collects (file, line, reason, detail) rows; ``frame()`` gives the ``quarantine`` table."""

    def __init__(self) -> None:
        self._rows: list[tuple[str, int, str, str]] = []

    def add(self, file: str, line: int, reason: str, detail: str = "") -> None:
        self._rows.append((file, int(line), reason, detail))

    def extend(self, other: "Quarantine") -> None:
        self._rows.extend(other._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r[2] for r in self._rows).items()))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self._rows, columns=["file", "line", "reason", "detail"])
        return conform(df, "quarantine")  # typed here: the part extracts cache it outside the IO manager
