"""Derive the compact country calibration in ``config.py`` from real OpenAlex counts.

Run by hand (not at generation time)::

    python -m aigeo_assets.sampleworld.calibrate /path/to/openalex_ai_papers_by_country_year.csv

The input (``year,total_papers,country_code,country_name,n_papers``: real OpenAlex AI paper
counts, subfields 1702/1707 of the primary topic, per country and year) is read-only reference
material and is not shipped with the project. For 1990-2019 the script fits

* the world total: ``log(total_papers) = a + b*t + c*t**2`` with ``t = (year - 2005) / 15``;
* for each of the top ``N`` countries (by papers 1990-2019) the log of its share of the
  country-attributed papers: ``log(share) = a + b*t + c*t**2`` (least squares);
* two rest-of-world terms, West (Europe, not in the top list) and East (everything else).

and prints the constants to paste into ``config.py``.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

# Europe (GeoNames continent EU) + US = West, as in AlShebli et al. 2022.
_EUROPE = set(
    "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV "
    "MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK".split()
)


def fit(path: str, top_n: int = 30) -> None:
    d = pd.read_csv(path, keep_default_na=False)
    d = d[(d.year >= 1990) & (d.year <= 2019)]
    years = np.arange(1990, 2020)
    t = (years - 2005) / 15.0
    X = np.column_stack([np.ones_like(t), t, t**2])
    tot = d.groupby("year")["total_papers"].first().reindex(years).to_numpy(float)
    print("WORLD_TOTAL_LOG_POLY =", tuple(round(float(v), 4) for v in np.linalg.lstsq(X, np.log(tot), rcond=None)[0]))
    by = d.pivot_table(index="year", columns="country_code", values="n_papers", aggfunc="sum").reindex(years).fillna(0)
    share = by.div(by.sum(axis=1), axis=0)
    top = list(by.sum().sort_values(ascending=False).index[:top_n])
    rest = [c for c in by.columns if c not in top]
    rest_w = share[[c for c in rest if c in _EUROPE]].sum(axis=1)
    rest_e = share[[c for c in rest if c not in _EUROPE]].sum(axis=1)
    print("COUNTRY_LOG_SHARE = {")
    for code, series in [(c, share[c]) for c in top] + [("_ROW_WEST", rest_w), ("_ROW_EAST", rest_e)]:
        y = np.log(np.clip(series.to_numpy(float), 1e-5, None))
        a, b, c = np.linalg.lstsq(X, y, rcond=None)[0]
        print(f'    "{code}": ({a:.3f}, {b:.3f}, {c:.3f}),')
    print("}")


if __name__ == "__main__":
    fit(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)
