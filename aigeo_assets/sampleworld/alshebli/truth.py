"""``truth.json`` of AlShebli et al. 2022's sample world: what the world planted and counted (cities, blocs,
moves, citations, quirks, definitions)."""

from __future__ import annotations

import math

from aigeo_assets.sampleworld import config as cfg


def _moves(world) -> tuple[dict, dict]:
    """Moves by bloc pair (East/West of origin and destination), and those followed by a paper in the new city."""
    g = world.geo
    pair = {"E->E": 0, "E->W": 0, "W->E": 0, "W->W": 0}
    observed = dict(pair)
    for a, year, s, d in world.moves:
        key = f"{'E' if g.bloc[s] else 'W'}->{'E' if g.bloc[d] else 'W'}"
        pair[key] += 1
        if world.a_last[a] >= year and world.a_city[a] == d:
            observed[key] += 1
    return pair, observed


def _cross_bloc_by_city(world) -> dict:
    cross = {}
    for c in world.geo.cities:
        if world.city_inv[c.idx]:
            cross[str(c.geonames_id)] = {"works": int(world.city_inv[c.idx]), "cross_bloc_works": int(world.city_cross[c.idx]),
                                         "cross_bloc_share": round(float(world.city_cross[c.idx] / world.city_inv[c.idx]), 4)}
    return cross


def _definitions() -> dict:
    return {
        "west": cfg.WEST_RULE,
        "lead_author": "last author (authorships[-1]); the work's city is the lead author's institution city",
        "ai_work": "concept C154945302 with score >= 0.3, or primary_topic.subfield = subfields/1702",
        "corpus_types": ["article"],
        "east_share_per_year": "AI works of type article whose lead author's city is East / all such works",
        "manifest_record_count": "lines in the part file (malformed and duplicate lines included)",
        "cited_by_count": "synthetic (outside-world citations); use referenced_works for citation windows",
    }


def _bridge_city(world) -> dict:
    """The planted bridge city and its parameters."""
    bridge = world.geo.cities[world.geo.bridge]
    return {"geonames_id": bridge.geonames_id, "name": bridge.name, "country_code": bridge.country_code,
            "cross_bloc_coauthor_probability": cfg.BRIDGE_CROSS_BLOC,
            "partner_boost": cfg.BRIDGE_PARTNER_BOOST,
            "home_bias": cfg.BRIDGE_HOME_BIAS,
            "inbloc_partner_boost": cfg.BRIDGE_INBLOC_PARTNER_BOOST,
            "size_boost": cfg.BRIDGE_SIZE_BOOST,
            "extra_log_growth_per_year": cfg.BRIDGE_GROWTH,
            "citation_cross_bloc_log_boost": cfg.GRAVITY["b7_bridge_cross_bloc"],
            "citation_same_bloc_log_boost": cfg.GRAVITY["b8_bridge_same_bloc"],
            "cross_bloc_moves_via_bridge": cfg.BRIDGE_VIA,
            "destination_boost": cfg.BRIDGE_DEST_BOOST,
            "move_rate": cfg.BRIDGE_MOVE_RATE,
            "move_destination_split": cfg.BRIDGE_MOVE_DEST}


def _fast_capital(world, years: list[int]) -> dict:
    """The planted fast-growing Eastern capital, and every Eastern capital's growth (first vs last 5 years)."""
    g = world.geo
    k = min(5, len(years))
    growth, increase = {}, {}
    for c in g.cities:
        if c.is_capital and c.bloc == "E":
            first = int(sum(world.lead_counts[y][c.idx] for y in years[:k]))
            last = int(sum(world.lead_counts[y][c.idx] for y in years[-k:]))
            growth[c.name] = round(math.log((last + 1) / (first + 1)), 4)
            increase[c.name] = last - first
    fast = g.cities[g.fast]
    return {"planted": {"geonames_id": fast.geonames_id, "name": fast.name, "country_code": fast.country_code,
                        "extra_log_growth_per_year": cfg.FAST_CAPITAL_GROWTH},
            "definition": "increase in lead-author works, first vs last 5 years (claims: the realized fastest)",
            "observed_increase_first_vs_last_5_years": increase,
            "observed_log_growth_first_vs_last_5_years": growth}


def _quirks(world) -> dict:
    """The quirks planted in the records (counts, and which ids carry them)."""
    return {
        **{k: v for k, v in world.q.items() if k not in ("references_in_corpus", "references_out_of_corpus")},
        "malformed_lines": world.malformed,
        "n_malformed_lines": len(world.malformed),
        "duplicate_work_ids": world.dup_ids[:1000],
        "merged_work_ids": len(world.merged_old),
        "merged_institution_ids": len(world.inst_quirks["merged_institution"]),
        "institutions_null_country_code": len(world.inst_quirks["institution_null_country"]),
        "institutions_without_geo": len(world.inst_quirks["institution_no_geo_country_only"])
        + len(world.inst_quirks["institution_no_geo_no_country"]),
        "institutions_without_geo_country_only": len(world.inst_quirks["institution_no_geo_country_only"]),
        "institutions_funder_typed": len(world.inst_quirks["funder_typed_university"]),
        "institution_ids_by_quirk": world.inst_quirks,
    }


def world_truth(world) -> dict:
    """``truth.json`` of a ``World`` that has run (reads it, draws nothing)."""
    g = world.geo
    pair, observed = _moves(world)
    years = list(range(world.start, world.end + 1))
    lead_by_city = {str(c.geonames_id): [int(world.lead_counts[y][c.idx]) for y in years] for c in g.cities}
    return {
        "parameters": None,  # filled by caller
        "definitions": _definitions(),
        "bridge_city": _bridge_city(world),
        "fast_capital": _fast_capital(world, years),
        "east_share_per_year": world.t["east_share_per_year"],
        "works_per_year": world.t["works_per_year"],
        "ai_works_per_year": world.t["ai_works_per_year"],
        "ai_corpus_works_per_year": world.t["ai_corpus_works_per_year"],
        "lifesci_ai_works_per_year": world.t["lifesci_ai_works_per_year"],
        "n_works": world.n_works,
        "n_authors": len(world.a_city),
        "n_institutions": len(world.insts),
        "ai_definition_counts": world.ai_def,
        "ai_keyword_counts": world.kw,
        "gravity": dict(cfg.GRAVITY, dist_floor_km=cfg.DIST_FLOOR_KM, lag_weights=list(cfg.LAG_WEIGHTS),
                        refs_mean=list(cfg.REFS_MEAN), out_of_corpus_share=cfg.OUT_OF_CORPUS_SHARE),
        "disruption": world.disruption_truth(),
        "citations": {"in_corpus": world.q["references_in_corpus"], "out_of_corpus": world.q["references_out_of_corpus"],
                      "to_merged_old_ids": world.q["references_to_merged_work_ids"]},
        "mobility": {"move_rate_by_origin_bloc": cfg.MOVE_RATE, "destination_split": cfg.MOVE_DEST,
                     "move_rates_by_bloc_pair": {f"{o}->{d}": round(cfg.MOVE_RATE[o] * cfg.MOVE_DEST[o][d], 5)
                                                 for o in ("E", "W") for d in ("E", "W")},
                     "moves": pair, "moves_followed_by_a_paper": observed},
        "coauthorship": {"home_bias": cfg.HOME_BIAS, "bloc_bias": cfg.BLOC_BIAS,
                         "team_size_mean": list(cfg.TEAM_SIZE_MEAN),
                         "cross_bloc_share_by_city": _cross_bloc_by_city(world)},
        "quirks": _quirks(world),
        "cities": [{"geonames_id": c.geonames_id, "name": c.name, "country_code": c.country_code,
                    "bloc": c.bloc, "latitude": c.lat, "longitude": c.lon, "capital": c.is_capital,
                    "n_institutions": len(c.institutions)} for c in g.cities],
        "lead_works_by_city_year": {"years": years, "counts": lead_by_city},
    }
