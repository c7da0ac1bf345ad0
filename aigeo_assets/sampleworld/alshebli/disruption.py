"""AlShebli et al. 2022 Supplementary Fig. 3's plant in the sample world: the largest Western city is made
disruptive (its papers cite mostly outside the corpus, its citers leave out its papers' references) and
the largest Eastern city besides the bridge and the fast capital developmental (a work citing one of
its papers also cites one or two of that paper's references); its own random stream, so every
other draw of the world stays."""

from __future__ import annotations

import numpy as np

from aigeo_assets.sampleworld.alshebli.common import (
    DEVELOPMENTAL_FOLLOW,
    DISRUPTIVE_OWN_OUT,
)


class Disruption:
    """The plant's methods of a ``World`` (``plant_rng``, ``plant_refs``, ``plant_counts``)."""

    def disruption_truth(self) -> dict:
        """What Supplementary Fig. 3's plant did: the two cities, the mechanism and the references it moved."""
        def city(i: int) -> dict:
            c = self.geo.cities[i]
            return {"geonames_id": c.geonames_id, "name": c.name, "country_code": c.country_code, "bloc": c.bloc,
                    "papers": int(sum(len(p) for p in self.plant_refs[i][0]))}

        return {"planted": self.plant_disruption,
                "disruptive_city": {**city(self.disruptive_city), "own_references_sent_out_share": DISRUPTIVE_OWN_OUT,
                                    "mechanism": "its citers leave out its papers' references; its papers cite mostly outside the corpus"},
                "developmental_city": {**city(self.developmental_city), "citer_follows_references_probability": DEVELOPMENTAL_FOLLOW,
                                       "mechanism": "a work citing one of its papers also cites one or two of that paper's references"},
                "choice": "the largest Western city and the largest Eastern city besides the bridge and the fast capital, by share in the last year",
                "references": dict(self.plant_counts),
                "intent": "the disruptive city with the largest share of its AI papers among the 10 % most disruptive "
                          "(CD_5) and the developmental city with the most among the 10 % most developmental; a plant, "
                          "not a claim: the generator does not compute the CD index (truth['claims'] holds what it checks), "
                          "test_disruption checks it on seeds 7 and 20221121"}

    def _planted_refs(self, city: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The planted city's papers of earlier years (global indices, ascending), the offsets of their
        in-corpus references and those references."""
        papers, refs = self.plant_refs[city]
        ids = np.concatenate(papers) if papers else np.zeros(0, dtype=np.int64)
        counts = np.concatenate([np.array([len(r) for r in rr], dtype=np.int64) for rr in refs]) if refs else np.zeros(0, dtype=np.int64)
        flat = np.concatenate([np.concatenate(rr) if rr else np.zeros(0, dtype=np.int64) for rr in refs]) if refs else np.zeros(0, dtype=np.int64)
        off = np.zeros(len(ids) + 1, dtype=np.int64)
        off[1:] = np.cumsum(counts)
        return ids, off, flat

    def plant_disruption_refs(self, lead_city: np.ndarray, base: int, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """AlShebli et al. 2022 Supplementary Fig. 3's planted cities, on the year's in-corpus references ``pairs``
        (local citing index, global cited index):

        * disruptive city: its papers send ``DISRUPTIVE_OWN_OUT`` of their in-corpus references outside
          the corpus, and a work citing one of its papers leaves out that paper's references: its
          citers ignore what it built on (CD near 1);
        * developmental city: a work citing one of its papers also cites one or two of that paper's
          references, with probability ``DEVELOPMENTAL_FOLLOW`` (CD below 0).

        Returns the new pairs and the citing (local) index of each reference sent outside the corpus
        (it stays a reference, to an out-of-corpus work). Then records the year's papers of both
        cities with their references."""
        n_pairs = len(pairs)
        moved = np.zeros(0, dtype=np.int64)
        if self.plant_disruption and n_pairs:
            rng, D, V = self.plant_rng, self.disruptive_city, self.developmental_city
            c, cited = pairs[:, 0], pairs[:, 1]
            big = np.int64(1) << 32
            out = (lead_city[c] == D) & (rng.random(n_pairs) < DISRUPTIVE_OWN_OUT)
            ids, off, flat = self._planted_refs(D)
            at = np.searchsorted(ids, cited)
            hit = (at < len(ids)) & (ids[np.minimum(at, max(len(ids) - 1, 0))] == cited) if len(ids) else np.zeros(n_pairs, dtype=bool)
            rows = np.flatnonzero(hit)
            k = off[at[rows] + 1] - off[at[rows]]
            row = np.repeat(rows, k)
            offs = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
            left_out = np.isin(c * big + cited, c[row] * big + flat[off[at[row]] + offs]) & ~out
            self.plant_counts["own_references_sent_out"] += int(out.sum())
            self.plant_counts["citer_references_left_out"] += int(left_out.sum())
            moved = c[out | left_out]
            kept = pairs[~(out | left_out)]
            ids, off, flat = self._planted_refs(V)
            cited = kept[:, 1]
            at = np.searchsorted(ids, cited)
            hit = (at < len(ids)) & (ids[np.minimum(at, max(len(ids) - 1, 0))] == cited) if len(ids) else np.zeros(len(kept), dtype=bool)
            rows = np.flatnonzero(hit)
            k = off[at[rows] + 1] - off[at[rows]]
            rows, k = rows[k > 0], k[k > 0]
            follow = rng.random(len(rows)) < DEVELOPMENTAL_FOLLOW
            rows, k = rows[follow], k[follow]
            two = rng.random(len(rows)) < 0.5
            picks = [np.floor(rng.random(len(rows)) * k).astype(np.int64), np.floor(rng.random(len(rows)) * k).astype(np.int64)]
            start = off[at[rows]]
            added = np.concatenate([np.stack([kept[rows, 0], flat[start + picks[0]]], axis=1),
                                    np.stack([kept[rows[two], 0], flat[start[two] + picks[1][two]]], axis=1)])
            merged = np.unique(np.concatenate([kept, added]), axis=0)
            self.plant_counts["citer_references_added"] += len(merged) - len(kept)
            pairs = merged
        for city in (self.disruptive_city, self.developmental_city):
            mine = np.flatnonzero(lead_city == city)
            papers, refs = self.plant_refs[city]
            at = np.searchsorted(pairs[:, 0], mine), np.searchsorted(pairs[:, 0], mine, side="right")
            papers.append(mine.astype(np.int64) + base)
            refs.append([pairs[a:b, 1].astype(np.int64) for a, b in zip(*at)])
        return pairs, moved
