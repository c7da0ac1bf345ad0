"""What ``truth.json`` claims about the AlShebli et al. 2022 world, taken from the world's own realized counts.

The generator plants effects (Beijing grows faster than the other Eastern capitals, the East's
share rises, the bridge city co-authors across blocs); whether a given seed realizes them is a
matter of chance, the more so in a small world (on the tiny world Jakarta or New Delhi outgrew
Beijing for five seeds of five). So every claim is stated as realized, beside what was planted:
``truth["claims"]`` holds the winners and trends computed from the realized count tables of the
truth (``lead_works_by_city_year``, ``coauthorship.cross_bloc_share_by_city``, ``mobility.moves``),
each with whether it is the planted one. :func:`check_claims` recomputes them and is run by the
generator on every world it writes; the pipeline tests compare their results with these claims.
"""

from __future__ import annotations

import math

TREND_YEARS = 5
"""Years averaged at each end of the period for the East share's trend and the capitals' growth
(fewer when the period is shorter; the two ends may then overlap)."""


def _argmax(values: dict[str, float], prefer: str | None = None) -> tuple[str, list[str]]:
    """The key with the largest value (ties: ``prefer`` if tied, else the smallest key) and every
    key tied with it."""
    best = max(values.values())
    tied = sorted(k for k, v in values.items() if v == best)
    return (prefer if prefer in tied else tied[0]), tied


def realized_claims(truth: dict) -> dict:
    """The claims of ``truth`` from its realized counts (see the module docstring)."""
    years = [int(y) for y in truth["lead_works_by_city_year"]["years"]]
    counts = {str(c): [int(n) for n in v] for c, v in truth["lead_works_by_city_year"]["counts"].items()}
    cities = {str(c["geonames_id"]): c for c in truth["cities"]}
    k = min(TREND_YEARS, len(years))

    leaders = {}
    for i, y in enumerate(years):
        winner, tied = _argmax({c: v[i] for c, v in counts.items()})
        leaders[str(y)] = {"geonames_id": int(winner), "name": cities[winner]["name"], "lead_works": counts[winner][i],
                           "tied": [int(c) for c in tied]}

    planted_fast = str(truth["fast_capital"]["planted"]["geonames_id"])
    increase = {c: sum(v[-k:]) - sum(v[:k]) for c, v in counts.items() if cities[c]["capital"] and cities[c]["bloc"] == "E"}
    fast, fast_tied = _argmax(increase, prefer=planted_fast)

    share = {str(y): v for y, v in truth["east_share_per_year"].items()}  # int keys in memory, str once in JSON
    first = sum(share[str(y)] for y in years[:k]) / k
    last = sum(share[str(y)] for y in years[-k:]) / k

    cross = {str(c): int(v["cross_bloc_works"]) for c, v in truth["coauthorship"]["cross_bloc_share_by_city"].items()}
    bridge = str(truth["bridge_city"]["geonames_id"])
    most_cross, cross_tied = _argmax(cross, prefer=bridge)

    moves = truth["mobility"]["moves"]
    common, moves_tied = _argmax(moves)
    return {
        "definitions": {
            "leading_city_by_year": "the city with the most works whose lead (last) author is there (lead_works_by_city_year)",
            "fastest_growing_eastern_capital": f"largest increase in lead-author works, first {k} vs last {k} years",
            "east_share_trend": f"mean East share of the last {k} years vs the first {k}: rising if higher",
            "most_cross_bloc_works": "the city in the most works co-authored across East and West",
            "most_common_move": "the bloc pair of most moves between cities",
        },
        "leading_city_by_year": leaders,
        "fastest_growing_eastern_capital": {"geonames_id": int(fast), "name": cities[fast]["name"], "increase": increase[fast],
                                            "tied": [int(c) for c in fast_tied], "as_planted": fast == planted_fast},
        "east_share_trend": {"first_years_mean": round(first, 4), "last_years_mean": round(last, 4),
                             "trend": "rising" if last > first else "falling" if last < first else "flat"},
        "most_cross_bloc_works": {"geonames_id": int(most_cross), "name": cities[most_cross]["name"], "works": cross[most_cross],
                                  "tied": [int(c) for c in cross_tied], "as_planted": most_cross == bridge},
        "most_common_move": {"pair": common, "moves": moves[common], "tied": moves_tied},
    }


def check_claims(truth: dict) -> None:
    """Raise ``AssertionError`` unless ``truth["claims"]`` is what the realized counts say, and the
    counts agree with each other (every year's leading city among the cities, the capitals'
    observed growth as reported)."""
    claims = truth["claims"]
    again = realized_claims(truth)
    assert claims == again, "truth.json's claims differ from its realized counts"
    fast = truth["fast_capital"]
    observed = fast["observed_increase_first_vs_last_5_years"]
    ids = {c["name"]: str(c["geonames_id"]) for c in truth["cities"] if c["capital"] and c["bloc"] == "E"}
    if min(TREND_YEARS, len(truth["lead_works_by_city_year"]["years"])) == 5:
        counts = truth["lead_works_by_city_year"]["counts"]
        assert all(observed[n] == sum(counts[i][-5:]) - sum(counts[i][:5]) for n, i in ids.items()), "capitals' growth"
        assert max(observed.values()) == claims["fastest_growing_eastern_capital"]["increase"]
    growth = fast["observed_log_growth_first_vs_last_5_years"]
    assert all(math.isfinite(v) for v in growth.values())
    total = {y: sum(v[i] for v in truth["lead_works_by_city_year"]["counts"].values())
             for i, y in enumerate(truth["lead_works_by_city_year"]["years"])}
    assert all(claims["leading_city_by_year"][str(y)]["lead_works"] <= n for y, n in total.items())
