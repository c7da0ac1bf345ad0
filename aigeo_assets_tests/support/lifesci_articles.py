"""Rows of ``out_lifesci_articles`` (Schmallenbach et al. 2024's article table) built by hand
(``article_row``, ``conform_articles``), and articles whose citations are drawn from NB2 with planted
region effects (``nb2_articles``, ``PLANTED_IRRS``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aigeo_assets.geo.regions import regions_of_countries
from aigeo_assets.lifesci import analyses as an
from aigeo_assets.schemas import conform

TIGHT = {"tol": 1e-13, "demean_tol": 1e-13}  # convergence tolerances for comparing fits with an oracle


def article_row(aid, year, country, source="pubmed", kind="journal", topic=None, clin=False, intl=False, ranked=False,
                high=False, n_authors=3, lead_rule=None, cites=0, clin_cites=0, outlet="J1"):
    """One article of ``out_lifesci_articles`` as a dict (``country``: its lead country or None)."""
    return {
        "article_id": aid, "pmid": None, "doi": None, "work_id": None, "source": source, "publication_year": year,
        "title": f"title {aid}", "outlet_kind": kind, "outlet_id": outlet, "outlet_name": outlet, "ai_keyword": "deep learning",
        "is_clinical": clin, "topic": topic, "n_authors": n_authors, "lead_country_code": country,
        "lead_rule": lead_rule if lead_rule is not None else ("last_author:openalex_institution" if country else "none"),
        "n_countries": 2 if intl else (1 if country else 0), "is_international": intl, "outlet_ranked": ranked,
        "high_ranked": high, "citations": cites, "clinical_citations": clin_cites,
        "link_rule": "openalex" if source == "openalex" else "none", "topic_source": "openalex_concept" if topic else "none",
        "country_source": "openalex" if country else "none", "citation_source": "pubmed_reference_list",
    }


def conform_articles(rows) -> pd.DataFrame:
    """``article_row`` rows as ``out_lifesci_articles``, with each lead country's world region."""
    df = pd.DataFrame(rows)
    df["lead_world_region"] = regions_of_countries(df["lead_country_code"].astype("string"))["world_region"]
    return conform(df, "out_lifesci_articles")


# the incidence rate ratios planted for each region term against Asia, and a country of each region
PLANTED_IRRS = {"africa": 1.10, "europe": 1.20, "latin_america": 0.85, "northern_america": 1.40, "oceania": 1.26}


REGION_COUNTRY = {"Africa": "KE", "Asia": "CN", "Europe": "DE", "Latin America and the Caribbean": "BR",
                  "Northern America": "US", "Oceania": "AU"}


def nb2_articles(n=4000, seed=7, n_outlets=0, zero_outlets=0, alpha=0.6):
    """Articles with citations drawn from NB2: log mu = 1.2 + region + year (+ outlet)."""
    rng = np.random.default_rng(seed)
    regions = np.array(list(REGION_COUNTRY))
    region = rng.choice(regions, size=n, p=[0.08, 0.35, 0.25, 0.08, 0.16, 0.08])
    year = rng.integers(2012, 2020, size=n)
    eta = 1.2 + 0.08 * (year - 2012)
    for r, term in an.REGION_TERMS.items():
        eta = eta + np.where(region == r, np.log(PLANTED_IRRS[term]), 0.0)
    outlet = np.array(["J0"] * n, dtype=object)
    if n_outlets:
        k = rng.integers(0, n_outlets, size=n)
        eta = eta + rng.normal(0, 0.5, n_outlets)[k]
        outlet = np.array([f"J{j}" for j in k], dtype=object)
    mu = np.exp(eta)
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    clin = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * 0.3 * mu))
    for j in range(zero_outlets):  # outlets whose articles are never cited
        outlet[rng.choice(n, 15, replace=False)] = f"Z{j}"
    zero = pd.Series(outlet).str.startswith("Z").to_numpy()
    y[zero] = 0
    clin[zero] = 0
    country = np.array([REGION_COUNTRY[r] for r in region], dtype=object)
    country[:25] = None  # no lead country: unknown region
    rows = [article_row(f"g{i}", int(year[i]), country[i], cites=int(y[i]), clin_cites=int(clin[i]), outlet=outlet[i],
                     n_authors=int(rng.integers(1, 12))) for i in range(n)]
    return conform_articles(rows)
