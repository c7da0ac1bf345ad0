"""Count-regression speed and memory: aigeo's PPML and NB2 engine beside statsmodels (and pyfixest).

Runs, on synthetic data of the papers' sizes drawn from known data-generating processes:
  (a) AlShebli et al. 2022's Table 1, specification 4: PPML of city-pair-year citation counts on 9 regressors and
      a constant, 6.1 million observations (1,105 cities, every ordered pair i -> j including i = j,
      5 years). Ours: ``poisson(y, X, cov_type="HC1")``; peer: statsmodels
      ``GLM(y, add_constant(X), family=Poisson()).fit(cov_type="HC0")``. The coefficients must agree
      to rtol 1e-6. Goal: ours under 60 s and 6 GiB.
  (b) Schmallenbach et al. 2024's size: NB2 of article citations on 5 region and 20 year dummies with ~9,000 absorbed
      outlet effects, 400,000 articles (skewed outlet sizes; ~4% of outlets never cited, so their
      all-zero groups are dropped). Ours: ``negative_binomial(y, X, absorb=outlets, cov_type="HC1")``
      on the full data (goal: under 120 s and 4 GiB) and on a subsample of whole outlets, where
      statsmodels ``NegativeBinomial(y, X_with_outlet_dummies, loglike_method="nb2")`` runs on the
      same rows (those ours keeps) and the coefficients must agree to rtol 1e-5. The subsample's size
      is chosen against an 8 GiB budget for statsmodels' dense design and a 10-minute limit (see
      ``nb_memory_bound`` and the output).
  (d) the demo world's ``out_gravity_citations`` (every fit of that asset on the warehouse's
      ``out_gravity_citation_pairs`` of the complete years; ``--warehouse``), CPU seconds (user and
      system) per fit, in this process; the structural model (two absorbed effects) beside the former
      path, alternating projections only (``demean_direct=False``), coefficients equal to rtol 1e-8;
      and the same pair on a synthetic structural design of the paper's size (``--d-cities`` cities,
      every ordered pair, 30 years, city-year effects on both ends).
  (c) if pyfixest imports (an optional peer: ``uv pip install -c requirements.lock pyfixest``):
      PPML with two absorbed effects (1 million rows, 2,000 and 500 levels), ours beside
      ``pyfixest.fepois("y ~ x1 + x2 | fe1 + fe2", data, vcov="hetero")``; otherwise recorded as
      skipped, with the reason.

Every fit runs in a fresh child process (this script with ``--_child``) that first builds its input
from the seed (not timed), then times one fit (part c: two, the first includes one-off costs) and
reads its memory: the peak RSS during the fit (VmHWM, reset through /proc/self/clear_refs once the
input is built, so the peak is the fit's own and includes the resident input), its growth over the
RSS before the fit, and the growth of ``ru_maxrss`` (which cannot be reset: it stays 0 when building
the input peaked higher than the fit). Goals are judged on the peak RSS during the fit, input
included. Runs are sequential. ``--profile a|b|c`` prints cProfile's top entries of ours instead.
Writes benchmarks/results/models.json (parts not run keep their previous figures).

``--memory --warehouse DIR`` instead measures the two largest steps of the paper-scale run,
``out_gravity_citations`` (every fit of the asset) and ``core_author_years``, on that warehouse
(``python benchmarks/full_run.py --scale paper`` leaves one): peak RSS (VmHWM) and CPU seconds,
each in a fresh process (``model_memory_child.py``), with this tree's code and with ``--old-rev``'s
(a ``git archive`` in a temporary folder), results asserted equal (fits to rtol 1e-9, the table row
for row). Writes benchmarks/results/model_memory.json; ``--memory-name model_memory_demo`` writes the
same comparison on the demo warehouse elsewhere (``--memory-steps gravity --old-rev <commit>``);
``--memory-copies N`` repeats the gravity step's pooled pairs N times, each copy with its own city
ids (a larger study of the same shape). ``--memory-steps`` also takes ``disruption`` (``out_disruption``'s
2005-2018 range), ``lifesci_citations`` (``core_lifesci_citations``) and ``lifesci_candidates`` (the
candidates of ``core_lifesci_articles`` 2015-2018); ``--memory-name post_ingest_paper``
holds the paper-scale comparison of the post-ingest steps (``core_author_years``, ``core_lifesci_citations``).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import RESULTS, maxrss_mb as _maxrss_mb, repo_path, reset_peak_rss as _reset_peak_rss, status_mb as _status_mb, write_results  # noqa: E402

from aigeo_assets.models import negative_binomial, poisson  # noqa: E402

GIB = 2**30

# ---------------------------------------------------------------- (a) gravity PPML, AlShebli et al. 2022 Table 1 spec. 4

A_CITIES = 1_105  # 1,105^2 ordered pairs (i = j included: the same-city dummy) x 5 years = 6,105,125
A_YEARS = 5
A_ALPHA = 1.5  # gamma heterogeneity: Var(y | x) = mu + 1.5 mu^2
A_MEAN = 0.5  # mean count: most pairs never cite each other
A_BETA = {
    "ln_papers_j": 0.70,
    "ln_citations_made_i": 0.60,
    "ln_ai_scientists_i": 0.15,
    "ln_ai_scientists_j": 0.20,
    "ln_distance": -0.40,
    "same_city": 1.20,
    "same_country": 0.90,
    "same_subregion": 0.35,
    "same_language": 0.25,
    "same_bloc": 0.30,
}
A_GOAL = {"seconds": 60.0, "peak_rss_gib": 6.0}


def gravity_data(cities: int = A_CITIES, years: int = A_YEARS, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame, dict]:
    """City-pair-year citation counts from a gravity model with known elasticities.

    Cities sit in 110 countries (Zipf-sized) of 17 UN-like sub-regions on the sphere, each country
    with one of 12 languages (mostly its sub-region's) and one of 3 blocs (its sub-region's). City
    sizes are Pareto; per year a city's papers, citations made and AI scientists are noisy functions
    of its size and a growth trend (all >= 1, so their logs are finite). Distance is great-circle
    kilometres, 10 km within a city. The outcome is Poisson with a gamma-distributed multiplicative
    error of mean 1 (overdispersion), so PPML is consistent for ``A_BETA`` and most counts are 0."""
    rng = np.random.default_rng(seed)
    n_sub, n_countries, n_lang = 17, 110, 12
    sub_lat, sub_lon = rng.uniform(-35, 60, n_sub), rng.uniform(-170, 170, n_sub)
    sub_bloc = rng.integers(0, 3, n_sub)
    c_sub = rng.integers(0, n_sub, n_countries)
    c_lang = np.where(rng.random(n_countries) < 0.7, c_sub % n_lang, rng.integers(0, n_lang, n_countries))
    c_lat = sub_lat[c_sub] + rng.normal(0, 5, n_countries)
    c_lon = sub_lon[c_sub] + rng.normal(0, 7, n_countries)
    zipf = 1.0 / np.arange(1, n_countries + 1) ** 0.9
    country = rng.choice(n_countries, cities, p=zipf / zipf.sum())
    lat = np.radians(np.clip(c_lat[country] + rng.normal(0, 1.5, cities), -89, 89))
    lon = np.radians(c_lon[country] + rng.normal(0, 2.0, cities))
    size = rng.pareto(1.1, cities) + 1.0

    # pair attributes (C x C, the same every year)
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    dist = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    np.fill_diagonal(dist, 10.0)
    dist = np.maximum(dist, 10.0)
    pair = {
        "ln_distance": np.log(dist).ravel(),
        "same_city": np.eye(cities).ravel(),
        "same_country": (country[:, None] == country[None, :]).ravel().astype(float),
        "same_subregion": (c_sub[country][:, None] == c_sub[country][None, :]).ravel().astype(float),
        "same_language": (c_lang[country][:, None] == c_lang[country][None, :]).ravel().astype(float),
        "same_bloc": (sub_bloc[c_sub[country]][:, None] == sub_bloc[c_sub[country]][None, :]).ravel().astype(float),
    }
    del dlat, dlon, h, dist

    n = cities * cities * years
    cols = {name: np.empty(n) for name in A_BETA}
    growth = rng.uniform(0.0, 0.25, cities)  # some cities grow fast
    for t in range(years):
        papers = np.floor(size * 20 * np.exp(growth * t) * rng.lognormal(0, 0.3, cities)) + 1
        cited = np.floor(papers * 15 * rng.lognormal(0, 0.4, cities)) + 1
        scientists = np.floor(papers**0.8 * rng.lognormal(0, 0.4, cities)) + 1
        block = slice(t * cities * cities, (t + 1) * cities * cities)
        cols["ln_papers_j"][block] = np.tile(np.log(papers), cities)
        cols["ln_citations_made_i"][block] = np.repeat(np.log(cited), cities)
        cols["ln_ai_scientists_i"][block] = np.repeat(np.log(scientists), cities)
        cols["ln_ai_scientists_j"][block] = np.tile(np.log(scientists), cities)
        for name, v in pair.items():
            cols[name][block] = v
    del pair
    eta = np.zeros(n)
    for name, b in A_BETA.items():
        eta += b * cols[name]
    const = math.log(A_MEAN) - math.log(float(np.mean(np.exp(eta))))
    eta += const
    mu = np.exp(eta)
    del eta
    mu *= rng.gamma(1 / A_ALPHA, A_ALPHA, n)
    y = rng.poisson(mu).astype(float)
    del mu
    X = pd.DataFrame(cols, copy=False)
    del cols
    truth = {"const": round(const, 6), **A_BETA}
    info = {"cities": cities, "years": years, "n": n, "share_zero": round(float((y == 0).mean()), 4),
            "mean_y": round(float(y.mean()), 4), "max_y": int(y.max()), "overdispersion_alpha": A_ALPHA,
            "true_coefficients": truth}
    return y, X, info


# ---------------------------------------------------------------- (b) NB2 with outlet effects, Schmallenbach et al. 2024

B_ARTICLES = 400_000
B_OUTLETS = 9_000
B_DEAD_SHARE = 0.04  # outlets whose articles are never cited: all-zero groups, dropped
B_ALPHA = 1.2
B_REGIONS = ["Northern America", "Europe", "Eastern Asia", "Southern Asia", "Latin America", "Africa"]
B_REGION_P = np.array([0.30, 0.30, 0.22, 0.09, 0.06, 0.03])
B_REGION_BETA = np.array([0.0, -0.25, -0.50, -0.70, -0.60, -0.85])  # vs Northern America
B_YEARS = list(range(2000, 2021))
B_YEAR_BETA = np.array([-0.12 * t for t in range(len(B_YEARS))])  # younger articles, fewer citations
B_GOAL = {"seconds": 120.0, "peak_rss_gib": 4.0}
B_STATSMODELS_BUDGET_GIB = 8.0
B_STATSMODELS_TIMEOUT = 600.0  # 10 minutes; past that the subsample is halved
B_SUB_OUTLETS = 1_000  # default subsample for statsmodels: ~4-5 min here (see the output and README for why)


def articles_data(articles: int = B_ARTICLES, outlets: int = B_OUTLETS, seed: int = 4) -> pd.DataFrame:
    """Articles with citations, outlet, lead region and year. Outlet sizes are lognormal (a few
    outlets with thousands of articles, many with a handful); each outlet has a home region that 60%
    of its articles share (so region effects are identified within outlets, as in the paper); outlet
    effects are normal; ``B_DEAD_SHARE`` of the outlets are never cited. Citations are NB2 with
    dispersion ``B_ALPHA`` (Poisson with a gamma multiplier)."""
    rng = np.random.default_rng(seed)
    weight = rng.lognormal(0.0, 1.5, outlets)
    sizes = 1 + rng.multinomial(articles - outlets, weight / weight.sum())
    outlet = rng.permutation(np.repeat(np.arange(outlets), sizes))
    effect = rng.normal(0.0, 0.8, outlets)
    dead = rng.random(outlets) < B_DEAD_SHARE
    home = rng.choice(len(B_REGIONS), outlets, p=B_REGION_P)
    region = np.where(rng.random(articles) < 0.6, home[outlet], rng.choice(len(B_REGIONS), articles, p=B_REGION_P))
    year_p = np.exp(0.08 * np.arange(len(B_YEARS)))
    year = rng.choice(len(B_YEARS), articles, p=year_p / year_p.sum())
    mu = np.exp(math.log(8.0) + effect[outlet] + B_REGION_BETA[region] + B_YEAR_BETA[year])
    mu[dead[outlet]] = 0.0
    y = rng.poisson(mu * rng.gamma(1 / B_ALPHA, B_ALPHA, articles)).astype(float)
    return pd.DataFrame({"citations": y, "outlet": outlet.astype(np.int64), "region": region, "year": year})


def nb_design(df: pd.DataFrame) -> pd.DataFrame:
    """The 25 regressors: region dummies (base Northern America) and year dummies (base 2000)."""
    cols = {f"region_{r.replace(' ', '_')}": (df["region"].to_numpy() == k).astype(float) for k, r in enumerate(B_REGIONS) if k}
    cols.update({f"year_{y}": (df["year"].to_numpy() == k).astype(float) for k, y in enumerate(B_YEARS) if k})
    return pd.DataFrame(cols, index=df.index)


def outlet_subsample(df: pd.DataFrame, outlets: int, seed: int = 40) -> pd.DataFrame:
    """Every article of ``outlets`` outlets drawn uniformly: the same skew of outlet sizes and the
    same share of never-cited outlets as the full data."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(np.unique(df["outlet"].to_numpy()), outlets, replace=False)
    return df[np.isin(df["outlet"].to_numpy(), chosen)].reset_index(drop=True)


def drop_uncited_outlets(df: pd.DataFrame) -> pd.DataFrame:
    """The rows ours keeps: outlets with at least one citation (an all-zero outlet's dummy would
    go to minus infinity and statsmodels would not converge)."""
    cited = df.groupby("outlet")["citations"].transform("sum").to_numpy() > 0
    return df[cited].reset_index(drop=True)


def statsmodels_nb_bytes(n: int, p: int) -> float:
    """Working memory of statsmodels' NB2 on a dense design of n rows and p columns: the design plus
    up to three n x p temporaries alive at once (``exog * weights`` terms in its score and in the
    alpha row of its Hessian; the start values' Poisson Hessian ``(L * X.T) @ X``), plus the
    (p+1)^2 Hessian and its inverse."""
    return 4.0 * n * p * 8 + 2.0 * (p + 1) ** 2 * 8


def nb_memory_bound(full_rows: int, full_outlets: int, budget_bytes: float) -> dict:
    """The largest subsample of whole outlets (a share f of the outlets, so about f of the rows)
    whose statsmodels design fits the budget: solve statsmodels_nb_bytes(f n, 25 + f k) = budget."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        f = (lo + hi) / 2
        if statsmodels_nb_bytes(f * full_rows, 25 + f * full_outlets) <= budget_bytes:
            lo = f
        else:
            hi = f
    out = {"share_of_outlets": round(lo, 4), "outlets": int(lo * full_outlets), "rows": int(lo * full_rows)}
    all_n = budget_bytes / (4 * 8 * (25 + full_outlets))  # keeping every outlet: rows that fit
    out["rows_if_every_outlet_kept"] = int(all_n)
    return out


# ---------------------------------------------------------------- (c) two absorbed effects, pyfixest

C_ROWS = 1_000_000
C_LEVELS = (2_000, 500)


def two_way_data(rows: int = C_ROWS, levels: tuple[int, int] = C_LEVELS, seed: int = 2) -> pd.DataFrame:
    """Poisson counts with two crossed effects (e.g. exporter and importer-year) and two regressors
    correlated with them."""
    rng = np.random.default_rng(seed)
    fe1 = rng.integers(0, levels[0], rows)
    fe2 = rng.integers(0, levels[1], rows)
    a1 = rng.normal(0, 0.7, levels[0])
    a2 = rng.normal(0, 0.5, levels[1])
    x1 = 0.5 * a1[fe1] + rng.normal(0, 1, rows)
    x2 = -0.4 * a2[fe2] + rng.normal(0, 1, rows)
    mu = np.exp(-0.5 + 0.30 * x1 - 0.20 * x2 + a1[fe1] + a2[fe2])
    y = rng.poisson(mu).astype(float)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "fe1": fe1, "fe2": fe2})


# ---------------------------------------------------------------- the fits (run in the child)


def _versions() -> dict:
    import scipy
    import statsmodels

    out = {"numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__}
    try:
        import pyfixest

        out["pyfixest"] = pyfixest.__version__
    except Exception:  # noqa: BLE001 - optional peer
        out["pyfixest"] = None
    return out


def _ours_summary(res) -> dict:
    return {"params": res.params.to_dict(), "bse": res.bse.to_dict(), "nobs": int(res.nobs),
            "iterations": int(res.iterations), "converged": bool(res.converged), "dropped": res.dropped,
            "alpha": res.alpha, "absorbed": res.absorbed}


def prepare(spec: dict):
    """Build the child's input (not timed) and return (fit function, description of the input)."""
    part, impl = spec["part"], spec["impl"]
    if part == "a":
        y, X, info = gravity_data(spec.get("cities", A_CITIES))
        if impl == "ours":
            return (lambda: _ours_summary(poisson(y, X, cov_type="HC1"))), info
        import statsmodels.api as sm

        def fit_sm():
            res = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit(cov_type="HC0")
            return {"params": res.params.to_dict(), "bse": res.bse.to_dict(), "nobs": int(res.nobs),
                    "iterations": int(res.fit_history["iteration"]), "converged": bool(res.converged)}

        return fit_sm, info

    if part == "b":
        df = articles_data(spec.get("articles", B_ARTICLES), spec.get("outlets", B_OUTLETS))
        if spec.get("sub_outlets"):
            df = outlet_subsample(df, spec["sub_outlets"])
        if impl == "statsmodels":
            df = drop_uncited_outlets(df)
        X = nb_design(df)
        info = {"n": len(df), "outlets": int(df["outlet"].nunique()), "share_zero": round(float((df["citations"] == 0).mean()), 4),
                "mean_y": round(float(df["citations"].mean()), 3), "max_y": int(df["citations"].max()),
                "regressors": X.shape[1]}
        if impl == "ours":
            y, absorb = df["citations"], df[["outlet"]]
            return (lambda: _ours_summary(negative_binomial(y, X, absorb=absorb, cov_type="HC1"))), info
        import statsmodels.api as sm

        codes, _ = pd.factorize(df["outlet"], sort=True)
        # constant + regressors + one dummy per outlet but the first: statsmodels then starts its
        # Poisson start-value fit at log(mean y) (without a constant its Newton steps from zero
        # overflow on these data and every estimate is NaN). Column-major, as np.asarray gives for a
        # DataFrame of dummies: its NB2 Hessian reads column pairs, ~8x slower on a row-major array.
        dummies = np.zeros((len(df), codes.max() + 1))
        dummies[np.arange(len(df)), codes] = 1.0
        design = np.asfortranarray(np.column_stack([np.ones(len(df)), X.to_numpy(), dummies[:, 1:]]))
        del dummies
        names = ["const", *X.columns]
        y = df["citations"].to_numpy()
        info["design_columns"] = design.shape[1]
        info["design_gib"] = round(design.nbytes / GIB, 3)
        info["model_gib"] = round(statsmodels_nb_bytes(*design.shape) / GIB, 3)

        def fit_sm():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = sm.NegativeBinomial(y, design, loglike_method="nb2").fit(method="newton", maxiter=100, disp=0)
            k = len(names)
            return {"params": dict(zip(names[1:], res.params[1:k].tolist())), "alpha": float(res.params[-1]),
                    "nobs": int(res.nobs), "iterations": int(res.mle_retvals.get("iterations", -1)),
                    "converged": bool(res.mle_retvals.get("converged"))}

        return fit_sm, info

    if part == "c":
        df = two_way_data(spec.get("rows", C_ROWS))
        info = {"n": len(df), "levels": list(C_LEVELS), "share_zero": round(float((df["y"] == 0).mean()), 4)}
        if impl == "ours":
            y, X, absorb = df["y"], df[["x1", "x2"]], df[["fe1", "fe2"]]
            return (lambda: _ours_summary(poisson(y, X, absorb=absorb, cov_type="HC1"))), info
        import pyfixest as pf

        def fit_pf():
            res = pf.fepois("y ~ x1 + x2 | fe1 + fe2", data=df, vcov="hetero")
            return {"params": res.coef().to_dict(), "bse": res.se().to_dict(), "nobs": int(res._N)}

        return fit_pf, info
    raise ValueError(part)




def child(spec: dict) -> None:
    """In a fresh process: build the input, then time the fit(s) and read the memory; one JSON line."""
    t0 = time.perf_counter()
    fit, info = prepare(spec)
    build_secs = time.perf_counter() - t0
    runs = []
    for _ in range(spec.get("repeat", 1)):
        gc.collect()
        maxrss0 = _maxrss_mb()
        reset = _reset_peak_rss()
        rss0 = _status_mb("VmRSS")
        t0 = time.perf_counter()
        out = fit()
        secs = time.perf_counter() - t0
        hwm = _status_mb("VmHWM")
        runs.append({
            "seconds": round(secs, 3),
            "rss_before_fit_mb": round(rss0, 1),
            "peak_rss_mb": round(hwm, 1) if reset else None,
            "peak_rss_growth_mb": round(hwm - rss0, 1) if reset else None,
            "ru_maxrss_growth_mb": round(_maxrss_mb() - maxrss0, 1),
        })
    print(json.dumps({"input": info, "input_build_seconds": round(build_secs, 2), "runs": runs, "fit": out}))


def run_child(spec: dict, timeout: float | None = None) -> dict:
    cmd = [sys.executable, __file__, "--_child", json.dumps(spec)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-5:] if done.stderr.strip() else [f"exit {done.returncode}"]
        return {"error": " | ".join(tail)}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- comparing and reporting


def max_rel_diff(a: dict, b: dict, names: list[str]) -> float:
    x = np.array([a[k] for k in names])
    z = np.array([b[k] for k in names])
    return float(np.max(np.abs(x - z) / np.maximum(np.abs(z), 1e-300)))


def _mem(run: dict) -> str:
    return (f"peak RSS {run['peak_rss_mb'] / 1024:.2f} GiB (input before fit {run['rss_before_fit_mb'] / 1024:.2f} GiB, "
            f"growth {run['peak_rss_growth_mb'] / 1024:.2f} GiB, ru_maxrss growth {run['ru_maxrss_growth_mb'] / 1024:.2f} GiB)")


def _line(label: str, r: dict) -> None:
    if "error" in r:
        print(f"  {label:<34} FAILED: {r['error']}", flush=True)
        return
    run = r["runs"][0]
    fit = r["fit"]
    extra = f", {fit['iterations']} iterations" if "iterations" in fit else ""
    extra += f", converged {fit['converged']}" if "converged" in fit else ""
    print(f"  {label:<34} {run['seconds']:>8.2f} s  {_mem(run)}; n = {fit['nobs']:,}{extra}", flush=True)


def _compact(r: dict) -> dict:
    """What the results file keeps of a child's answer."""
    if "error" in r:
        return r
    out = {"seconds": r["runs"][0]["seconds"], "memory": r["runs"][0], "nobs": r["fit"]["nobs"],
           "input_build_seconds": r["input_build_seconds"]}
    for k in ("iterations", "converged", "dropped", "alpha", "absorbed", "params", "bse"):
        if k in r["fit"] and r["fit"][k] is not None:
            out[k] = r["fit"][k]
    if len(r["runs"]) > 1:
        out["seconds_each_run"] = [x["seconds"] for x in r["runs"]]
    return out


def _goal(r: dict, goal: dict) -> dict:
    if "error" in r:
        return {"goal": goal, "met": False, "why": r["error"]}
    run = r["runs"][0]
    t_ok = run["seconds"] < goal["seconds"]
    m_ok = run["peak_rss_mb"] is not None and run["peak_rss_mb"] / 1024 < goal["peak_rss_gib"]
    return {"goal": goal, "seconds_met": t_ok, "memory_met": m_ok, "met": t_ok and m_ok,
            "judged_on": "wall seconds of the fit; peak RSS of the child during the fit, input included"}


def part_a(args) -> dict:
    n = args.a_cities**2 * A_YEARS
    print(f"\n(a) AlShebli et al. 2022 Table 1 spec. 4: PPML, {n:,} city-pair-years ({args.a_cities:,} cities, every ordered pair "
          f"incl. i = j, {A_YEARS} years), 9 regressors + constant", flush=True)
    ours = run_child({"part": "a", "impl": "ours", "cities": args.a_cities})
    if "error" not in ours:
        info = ours["input"]
        print(f"  input: share of zeros {info['share_zero']:.1%}, mean {info['mean_y']}, max {info['max_y']:,} "
              f"(built in {ours['input_build_seconds']} s, not timed)")
    _line("ours poisson(HC1)", ours)
    peer = run_child({"part": "a", "impl": "statsmodels", "cities": args.a_cities})
    _line("statsmodels GLM Poisson (HC0)", peer)
    row = {"n": n, "input": ours.get("input"), "ours": _compact(ours), "statsmodels_glm": _compact(peer),
           "goal_ours": _goal(ours, A_GOAL)}
    if "error" not in ours and "error" not in peer:
        names = list(peer["fit"]["params"])
        diff = max_rel_diff(ours["fit"]["params"], peer["fit"]["params"], names)
        np.testing.assert_allclose([ours["fit"]["params"][k] for k in names], [peer["fit"]["params"][k] for k in names],
                                   rtol=1e-6, err_msg="(a) coefficients: ours vs statsmodels")
        k = len(names)
        n_obs = ours["fit"]["nobs"]
        hc0 = {name: v * math.sqrt((n_obs - k) / n_obs) for name, v in ours["fit"]["bse"].items()}
        se_diff = max_rel_diff(hc0, peer["fit"]["bse"], names)
        truth = ours["input"]["true_coefficients"]
        est_err = max(abs(ours["fit"]["params"][k_] - truth[k_]) / ours["fit"]["bse"][k_] for k_ in names)
        row.update({"coefficients_max_rel_diff": diff, "coefficients_agree_rtol_1e-6": True,
                    "hc0_bse_max_rel_diff": se_diff, "max_abs_error_vs_true_coefficients_in_standard_errors": round(est_err, 2),
                    "speed_ratio_statsmodels_over_ours": round(peer["runs"][0]["seconds"] / ours["runs"][0]["seconds"], 2)})
        print(f"  coefficients agree: max relative difference {diff:.1e} (rtol 1e-6); HC0 standard errors (ours HC1 "
              f"x sqrt((n-k)/n)) differ by at most {se_diff:.1e}; ours is {row['speed_ratio_statsmodels_over_ours']}x "
              f"statsmodels' speed; every estimate within {est_err:.1f} (HC1) standard errors of the true coefficient")
    g = row["goal_ours"]
    print(f"  goal (ours < {A_GOAL['seconds']:.0f} s and < {A_GOAL['peak_rss_gib']:.0f} GiB): "
          f"{'met' if g['met'] else 'NOT met'} (time {g.get('seconds_met')}, memory {g.get('memory_met')})", flush=True)
    return row


def part_b(args) -> dict:
    print(f"\n(b) Schmallenbach et al. 2024: NB2, {args.b_articles:,} articles, {args.b_outlets:,} absorbed outlet effects, "
          f"5 region + 20 year dummies", flush=True)
    full = run_child({"part": "b", "impl": "ours", "articles": args.b_articles, "outlets": args.b_outlets})
    if "error" not in full:
        fi = full["fit"]
        print(f"  input: share of zeros {full['input']['share_zero']:.1%}, mean {full['input']['mean_y']}; ours drops "
              f"{fi['dropped']['all_zero_groups']:,} articles of all-zero outlets and keeps {fi['absorbed'].get('outlet', 0):,} outlets")
    _line("ours negative_binomial (full)", full)
    row = {"n": args.b_articles, "outlets": args.b_outlets, "ours_full": _compact(full), "goal_ours_full": _goal(full, B_GOAL)}
    g = row["goal_ours_full"]
    print(f"  goal (ours on the full data < {B_GOAL['seconds']:.0f} s and < {B_GOAL['peak_rss_gib']:.0f} GiB): "
          f"{'met' if g['met'] else 'NOT met'} (time {g.get('seconds_met')}, memory {g.get('memory_met')})", flush=True)

    # statsmodels needs one dense column per outlet: what fits 8 GiB?
    kept_rows = full["fit"]["nobs"] if "error" not in full else args.b_articles
    kept_outlets = full["fit"]["absorbed"].get("outlet", args.b_outlets) if "error" not in full else args.b_outlets
    bound = nb_memory_bound(kept_rows, kept_outlets, B_STATSMODELS_BUDGET_GIB * GIB)
    full_gib = statsmodels_nb_bytes(kept_rows, 25 + kept_outlets) / GIB
    print(f"  statsmodels with dense outlet dummies: the full data would need ~{full_gib:,.0f} GiB "
          f"(4 n x p doubles + 2 (p+1)^2, n = {kept_rows:,}, p = {25 + kept_outlets:,}); within "
          f"{B_STATSMODELS_BUDGET_GIB:.0f} GiB: every outlet kept allows {bound['rows_if_every_outlet_kept']:,} rows "
          f"(~{bound['rows_if_every_outlet_kept'] / kept_outlets:.1f} per outlet, not the same structure), or a uniform "
          f"{bound['share_of_outlets']:.0%} of the outlets with all their articles: ~{bound['outlets']:,} outlets, "
          f"~{bound['rows']:,} rows", flush=True)
    sub_outlets = args.b_sub_outlets
    attempts = []
    while True:
        print(f"  subsample: {sub_outlets:,} outlets drawn uniformly, all their articles (same skew, same share "
              f"of never-cited outlets)", flush=True)
        peer = run_child({"part": "b", "impl": "statsmodels", "articles": args.b_articles, "outlets": args.b_outlets,
                          "sub_outlets": sub_outlets}, timeout=B_STATSMODELS_TIMEOUT)
        attempts.append({"sub_outlets": sub_outlets, "result": "ok" if "error" not in peer else peer["error"]})
        if "error" in peer and "timed out" in peer["error"] and sub_outlets > 50:
            print(f"  statsmodels took over {B_STATSMODELS_TIMEOUT / 60:.0f} min on {sub_outlets:,} outlets: halving the "
                  f"subsample", flush=True)
            sub_outlets //= 2
            continue
        break
    ours_sub = run_child({"part": "b", "impl": "ours", "articles": args.b_articles, "outlets": args.b_outlets,
                          "sub_outlets": sub_outlets})
    _line("ours negative_binomial (subsample)", ours_sub)
    _line("statsmodels NegativeBinomial nb2", peer)
    sub = {"outlets_drawn": sub_outlets, "attempts": attempts, "memory_bound_8gib": bound,
           "statsmodels_full_data_gib_estimate": round(full_gib, 1),
           "ours": _compact(ours_sub), "statsmodels_nb2_newton": _compact(peer)}
    if "error" not in peer:
        sub["statsmodels_design"] = {k: peer["input"][k] for k in ("n", "outlets", "design_columns", "design_gib", "model_gib")}
        print(f"  statsmodels design: {peer['input']['n']:,} rows x {peer['input']['design_columns']:,} columns "
              f"({peer['input']['design_gib']:.2f} GiB, column-major; model estimate {peer['input']['model_gib']:.2f} GiB); "
              f"fit(method='newton', maxiter=100): the default bfgs with maxiter=35 stops short of convergence with "
              f"hundreds of dummies", flush=True)
    if "error" not in peer and "error" not in ours_sub:
        names = list(peer["fit"]["params"])
        diff = max_rel_diff(ours_sub["fit"]["params"], peer["fit"]["params"], names)
        np.testing.assert_allclose([ours_sub["fit"]["params"][k] for k in names], [peer["fit"]["params"][k] for k in names],
                                   rtol=1e-5, err_msg="(b) coefficients: ours vs statsmodels")
        assert ours_sub["fit"]["nobs"] == peer["fit"]["nobs"], "(b) ours and statsmodels fit different rows"
        a_diff = abs(ours_sub["fit"]["alpha"] - peer["fit"]["alpha"]) / peer["fit"]["alpha"]
        t_sm, t_ours = peer["runs"][0]["seconds"], ours_sub["runs"][0]["seconds"]
        sub.update({"coefficients_max_rel_diff": diff, "coefficients_agree_rtol_1e-5": True, "alpha_rel_diff": a_diff,
                    "speed_ratio_statsmodels_over_ours": round(t_sm / t_ours, 1)})
        # statsmodels' NB2 Hessian is a Python double loop over column pairs, each a pass over the rows
        work = lambda n, p: n * p * p  # noqa: E731
        n_sub, p_sub = peer["input"]["n"], peer["input"]["design_columns"]
        est = t_sm * work(bound["rows"], 25 + bound["outlets"]) / work(n_sub, p_sub)
        sub["statsmodels_seconds_extrapolated_to_memory_bound"] = round(est)
        print(f"  coefficients agree: max relative difference {diff:.1e} (rtol 1e-5), alpha differs by {a_diff:.1e}; "
              f"ours is {t_sm / t_ours:,.0f}x statsmodels' speed on the same {n_sub:,} rows", flush=True)
        verdict = "past the 10-minute limit" if est > B_STATSMODELS_TIMEOUT else "within the 10-minute limit"
        print(f"  statsmodels' time grows as n p^2 (its NB2 Hessian loops over column pairs in Python): extrapolated "
              f"from this run, the 8 GiB bound ({bound['outlets']:,} outlets, {bound['rows']:,} rows) would take "
              f"~{est / 60:,.0f} min, {verdict}", flush=True)
    row["subsample"] = sub
    return row


def part_c(args) -> dict:
    print(f"\n(c) PPML with two absorbed effects: {args.c_rows:,} rows, {C_LEVELS[0]:,} and {C_LEVELS[1]:,} levels, "
          f"ours beside pyfixest.fepois", flush=True)
    try:
        import pyfixest  # noqa: F401 - optional peer
    except Exception as e:  # noqa: BLE001
        why = f"pyfixest is not importable ({type(e).__name__}: {e}); it is an optional peer: " \
              "`.venv/bin/uv pip install --python .venv/bin/python -c requirements.lock pyfixest`"
        print(f"  skipped: {why}")
        return {"skipped": True, "why": why}
    ours = run_child({"part": "c", "impl": "ours", "rows": args.c_rows, "repeat": 2})
    peer = run_child({"part": "c", "impl": "pyfixest", "rows": args.c_rows, "repeat": 2})
    for label, r in (("ours poisson(HC1)", ours), ("pyfixest fepois (hetero)", peer)):
        _line(label, r)
        if "error" not in r:
            print(f"  {'':<34} second run {r['runs'][1]['seconds']:.2f} s")
    row = {"n": args.c_rows, "levels": list(C_LEVELS), "skipped": False, "ours": _compact(ours), "pyfixest_fepois": _compact(peer)}
    if "error" not in ours and "error" not in peer:
        names = ["x1", "x2"]
        diff = max_rel_diff(ours["fit"]["params"], peer["fit"]["params"], names)
        se_diff = max_rel_diff(ours["fit"]["bse"], peer["fit"]["bse"], names)
        np.testing.assert_allclose([ours["fit"]["params"][k] for k in names], [peer["fit"]["params"][k] for k in names],
                                   rtol=1e-5, err_msg="(c) coefficients: ours vs pyfixest")
        best = lambda r: min(x["seconds"] for x in r["runs"])  # noqa: E731
        row.update({"coefficients_max_rel_diff": diff, "coefficients_agree_rtol_1e-5": True, "bse_max_rel_diff": se_diff,
                    "speed_ratio_pyfixest_over_ours_best_of_2": round(best(peer) / best(ours), 2)})
        print(f"  coefficients agree: max relative difference {diff:.1e} (rtol 1e-5; pyfixest's default tolerances "
              f"are 1e-8); standard errors (ours HC1, pyfixest hetero) differ by {se_diff:.1e}; best of 2: ours "
              f"{best(ours):.2f} s, pyfixest {best(peer):.2f} s", flush=True)
    return row


# ---------------------------------------------------------------- (d) out_gravity_citations on the demo world

D_CITIES = 300
D_YEARS = 30


def _cpu(fn):
    t0 = os.times()
    out = fn()
    t1 = os.times()
    return out, {"user": round(t1.user - t0.user, 2), "system": round(t1.system - t0.system, 2),
                 "cpu_seconds": round(t1.user - t0.user + t1.system - t0.system, 2)}


def structural_design(cities: int = D_CITIES, years: int = D_YEARS, seed: int = 3) -> pd.DataFrame:
    """Every ordered pair of ``cities`` cities in each of ``years`` years, citations drawn from a
    structural gravity model (city-year sizes on both ends, distance and same-country frictions)."""
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(-50, 60, cities), rng.uniform(-120, 140, cities)
    country = rng.integers(0, 40, cities)
    i, j = np.repeat(np.arange(cities), cities), np.tile(np.arange(cities), cities)
    from aigeo_assets.metrics.centres import haversine_km

    ln_d = np.where(i == j, 0.0, np.log(np.maximum(haversine_km(lat[i], lon[i], lat[j], lon[j]), 1.0)))
    frames = []
    for t in range(years):
        size_o, size_d = rng.normal(0, 1.2, cities), rng.normal(0, 1.2, cities)
        eta = -1.0 + size_o[i] + size_d[j] - 0.5 * (ln_d - 7) + 1.0 * (i == j) + 0.6 * (country[i] == country[j])
        frames.append(pd.DataFrame({"year": 1990 + t, "citing_city_geonames_id": i + 1, "cited_city_geonames_id": j + 1,
                                    "citations": rng.poisson(np.exp(eta) * rng.gamma(1.0, 1.0, len(i))),
                                    "ln_distance": ln_d, "same_city": (i == j).astype(float),
                                    "same_country": (country[i] == country[j]).astype(float)}))
    return pd.concat(frames, ignore_index=True)


def _structural_pair(frame: pd.DataFrame, terms: list[str], label: str) -> dict:
    from aigeo_assets.models.gravity import city_year_effects

    def fit(direct: bool):
        return poisson(frame["citations"].astype(float).rename("citations"), frame[terms].astype(float),
                       absorb=city_year_effects(frame), cov_type="HC1", missing="drop", collinear="drop", demean_direct=direct)

    ours, t_ours = _cpu(lambda: fit(True))
    peer, t_peer = _cpu(lambda: fit(False))
    diff = max_rel_diff(ours.params.to_dict(), peer.params.to_dict(), list(peer.params.index))
    se_diff = max_rel_diff(ours.bse.to_dict(), peer.bse.to_dict(), list(peer.bse.index))
    np.testing.assert_allclose(ours.params.to_numpy(), peer.params.to_numpy(), rtol=1e-8, err_msg=f"(d) {label}: direct vs sweeps")
    print(f"  {label}: n = {ours.nobs:,}, effects {ours.absorbed}; ours (exact two-way solve) {t_ours['cpu_seconds']:.2f} "
          f"CPU-s ({ours.iterations} iterations), former alternating projections {t_peer['cpu_seconds']:.2f} CPU-s "
          f"({peer.iterations}); coefficients differ by {diff:.1e}, standard errors by {se_diff:.1e}", flush=True)
    return {"nobs": ours.nobs, "absorbed": ours.absorbed, "ours_direct": {**t_ours, "iterations": ours.iterations},
            "peer_alternating_projections": {**t_peer, "iterations": peer.iterations},
            "coefficients_max_rel_diff": diff, "bse_max_rel_diff": se_diff,
            "cpu_ratio_peer_over_ours": round(t_peer["cpu_seconds"] / max(t_ours["cpu_seconds"], 1e-9), 1)}


def part_d(args) -> dict:
    from aigeo_assets.models.gravity import CITATION_SPECS, STRUCTURAL_TERMS, fit_citation_gravity, fit_loglinear_gravity, fit_structural_gravity
    from aigeo_assets.models.results import estimate

    pairs_dir, totals_dir = Path(args.warehouse) / "out_gravity_citation_pairs", Path(args.warehouse) / "out_world_year_totals"
    row: dict = {"warehouse": repo_path(args.warehouse)}
    print(f"\n(d) out_gravity_citations on the demo world's warehouse ({repo_path(args.warehouse)}); CPU seconds, user + system, "
          f"in this process", flush=True)
    if not pairs_dir.is_dir():
        print(f"  skipped: no {pairs_dir.name} in the warehouse (run `aigeo run` on the demo world first)")
        row["demo"] = {"skipped": True, "why": f"no {pairs_dir.name} in the warehouse"}
    else:
        read = lambda d: pd.concat([pd.read_parquet(f) for f in sorted(d.glob("*.parquet"))], ignore_index=True)  # noqa: E731
        totals = read(totals_dir)
        years = sorted(int(y) for y in totals.loc[totals["impact_window_complete"].fillna(False).to_numpy(bool), "year"])
        frame = read(pairs_dir)
        frame = frame[frame["year"].isin(years).to_numpy(bool)].reset_index(drop=True)
        fits = {}
        for spec in CITATION_SPECS:
            fit, t = _cpu(lambda: estimate(fit_citation_gravity, frame, spec, "HC1"))
            fits[spec] = {**t, "iterations": fit.iterations}
        fit, fits["structural"] = _cpu(lambda: estimate(fit_structural_gravity, frame, "HC1"))
        fits["structural"]["iterations"] = fit.iterations
        _, fits["loglinear"] = _cpu(lambda: estimate(fit_loglinear_gravity, frame))
        total = round(sum(f["cpu_seconds"] for f in fits.values()), 2)
        for k, f in fits.items():
            print(f"  {k:<12} {f['cpu_seconds']:>7.2f} CPU-s (user {f['user']:.2f}, system {f['system']:.2f})", flush=True)
        print(f"  every fit of out_gravity_citations: {total:.2f} CPU-s on {len(frame):,} pair-years ({years[0]}-{years[-1]})")
        row["demo"] = {"pair_years": len(frame), "years": [years[0], years[-1]], "fits": fits, "total_cpu_seconds": total,
                       "structural_direct_vs_sweeps": _structural_pair(frame, list(STRUCTURAL_TERMS), "demo structural")}
    design = structural_design(args.d_cities)
    row["paper_size_structural"] = {"cities": args.d_cities, "years": D_YEARS,
                                    **_structural_pair(design, ["ln_distance", "same_city", "same_country"], "paper-size structural")}
    return row


def profile(part: str, args) -> None:
    import cProfile
    import pstats

    spec = {"a": {"part": "a", "impl": "ours", "cities": args.a_cities},
            "b": {"part": "b", "impl": "ours", "articles": args.b_articles, "outlets": args.b_outlets},
            "c": {"part": "c", "impl": "ours", "rows": args.c_rows}}[part]
    fit, _ = prepare(spec)
    prof = cProfile.Profile()
    prof.enable()
    fit()
    prof.disable()
    stats = pstats.Stats(prof).strip_dirs()
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(25)


# ---------------------------------------------------------------- --memory: the paper-scale run's two largest steps

MEMORY_OLD_REV = "1c31d4a"
"""The last commit before issue 13's memory cuts of the gravity fits and ``core_author_years``."""


def _same_fits(old: dict, new: dict, rtol: float = 1e-9) -> dict:
    """Per fit: the largest relative difference of params and bse, and the fit statistics that differ."""
    out = {}
    for name, a in old.items():
        b = new[name]
        if not getattr(a, "estimable", True) or not getattr(b, "estimable", True):
            out[name] = {"same": str(a) == str(b), "not_estimable": [str(a), str(b)]}
            continue
        worst = 0.0
        for attr in ("params", "bse"):
            x, y = getattr(a, attr), getattr(b, attr)
            if list(x.index) != list(y.index):
                out[name] = {"same": False, "terms": [list(x.index), list(y.index)]}
                break
            scale = np.maximum(np.abs(x.to_numpy()), 1e-300)
            worst = max(worst, float(np.max(np.abs(x.to_numpy() - y.to_numpy()) / scale)))
        else:
            stats = {}
            for attr in ("nobs", "df_resid", "dropped", "omitted", "converged", "llf", "llnull", "deviance", "corr_squared", "rsquared", "alpha"):
                if not hasattr(a, attr):
                    continue
                va, vb = getattr(a, attr), getattr(b, attr)
                if isinstance(va, float) and va is not None and vb is not None:
                    if not math.isclose(va, vb, rel_tol=rtol, abs_tol=0.0) and not (math.isnan(va) and math.isnan(vb)):
                        stats[attr] = [va, vb]
                elif va != vb:
                    stats[attr] = [va, vb]
            out[name] = {"same": worst <= rtol and not stats, "max_rel_diff_params_bse": worst, "stats_differing": stats}
    return out


def memory(args) -> None:
    """Peak RSS and CPU seconds of ``out_gravity_citations`` (every fit of the asset) and of
    ``core_author_years`` on a paper-scale warehouse, each in a fresh process
    (``benchmarks/model_memory_child.py``), with this tree's code and with ``--old-rev``'s (a
    ``git archive`` in a temporary folder); the results of old and new must agree (fits to rtol
    1e-9, the author-years table row for row) before any figure is kept."""
    import pickle
    import tempfile

    warehouse = Path(args.warehouse)
    need = ["out_gravity_citation_pairs", "out_world_year_totals", "core_papers", "core_affiliations",
            *(["out_city_year_metrics", "out_impact_pairs", "raw_references"] if "yearly" in args.memory_steps else []),
            *(["core_citations"] if "disruption" in args.memory_steps else []),
            *(["raw_pubmed_articles", "raw_works", "raw_work_concepts", "raw_venues"] if "lifesci_candidates" in args.memory_steps else []),
            *(["core_lifesci_articles", "raw_pubmed_articles", "raw_pubmed_references", "raw_works", "raw_references"]
              if "lifesci_citations" in args.memory_steps else [])]
    missing = [n for n in need if not (warehouse / n).is_dir()]
    if missing:
        sys.exit(f"{warehouse} lacks {missing}: --memory needs a paper-scale warehouse; "
                 "`python benchmarks/full_run.py --scale paper` leaves one (its data/warehouse)")
    steps = [s for s in args.memory_steps.split(",") if s]
    payload = {"warehouse": repo_path(warehouse), "old_rev": args.old_rev, "cores": os.cpu_count(), "gravity_pair_copies": args.memory_copies,
               "measured": "per step and code version, a fresh process: VmHWM (peak RSS of the whole process since it started the step's "
                           "program, imports and input included; not ru_maxrss, which keeps the forking benchmark's RSS), "
                           "and CPU seconds (user + system); stages give both so far",
               "steps": {}}
    with tempfile.TemporaryDirectory(prefix="aigeo-old-") as tmp:
        # the package and its reference tables (the life-science filters read theirs beside the package)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.old_rev, "aigeo_assets", "data/reference"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for step in steps:
            row, results = {}, {}
            for version, code in (("old", Path(tmp)), ("new", REPO)):
                out = Path(tmp) / f"{step}-{version}.pkl"
                proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "model_memory_child.py"), "--code", str(code),
                                       "--warehouse", str(warehouse), "--step", step, "--out", str(out),
                                       "--copies", str(args.memory_copies)],
                                      capture_output=True, text=True)
                if proc.returncode:
                    sys.exit(f"{step} ({version}) failed:\n{proc.stderr[-3000:]}")
                row[version] = json.loads(proc.stdout.strip().splitlines()[-1])
                with open(out, "rb") as fh:
                    results[version] = pickle.load(fh)
                print(f"{step} {version}: peak {row[version]['peak_rss_mb']:,.0f} MB, {row[version]['cpu_s']} CPU-s; "
                      f"{ {k: v['cpu_s_so_far'] for k, v in row[version]['stages'].items()} }", flush=True)
            if step == "gravity":
                row["comparison"] = _same_fits(results["old"], results["new"])
                same = all(v["same"] for v in row["comparison"].values())
            elif step == "yearly":
                fits = _same_fits(results["old"]["fits"], results["new"]["fits"])
                for table in ("centres", "pairs", "citations"):
                    for year, df in results["old"][table].items():
                        pd.testing.assert_frame_equal(df, results["new"][table][year], check_exact=True)
                worst = max((v.get("max_rel_diff_params_bse", 0.0) for v in fits.values()), default=0.0)
                row["comparison"] = {"tables": "centres, pull, gravity pairs, core_citations: equal (assert_frame_equal, exact) every year",
                                     "fits_by_year": f"{len(fits)} fits, params and bse within rtol 1e-9: largest relative difference {worst:.2g}",
                                     "fits_differing": {k: v for k, v in fits.items() if not v["same"]}}
                same = not row["comparison"]["fits_differing"]
            elif step in ("disruption", "lifesci_candidates"):
                assert results["old"].keys() == results["new"].keys()
                for year, df in results["old"].items():
                    pd.testing.assert_frame_equal(df, results["new"][year], check_exact=True)
                row["comparison"] = f"every table equal (assert_frame_equal, exact): {', '.join(map(str, results['old']))}"
                same = True
            else:
                pd.testing.assert_frame_equal(results["old"], results["new"], check_exact=True)
                row["comparison"] = "equal row for row (pandas.testing.assert_frame_equal, exact)"
                same = True
            if not same:
                print(json.dumps(row["comparison"], indent=1, default=str))
                sys.exit(f"{step}: old and new results differ; nothing written")
            row["peak_ratio_old_over_new"] = round(row["old"]["peak_rss_mb"] / row["new"]["peak_rss_mb"], 2)
            payload["steps"][step] = row
    write_results(args.memory_name, json.loads(json.dumps(payload, default=str)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", default="a,b,c,d", help="comma-separated among a, b, c, d")
    ap.add_argument("--warehouse", default=str(REPO / "data" / "warehouse"), help="(d): the demo world's warehouse, read only")
    ap.add_argument("--d-cities", type=int, default=D_CITIES)
    ap.add_argument("--a-cities", type=int, default=A_CITIES)
    ap.add_argument("--b-articles", type=int, default=B_ARTICLES)
    ap.add_argument("--b-outlets", type=int, default=B_OUTLETS)
    ap.add_argument("--b-sub-outlets", type=int, default=B_SUB_OUTLETS, help="outlets in statsmodels' subsample")
    ap.add_argument("--c-rows", type=int, default=C_ROWS)
    ap.add_argument("--profile", choices=["a", "b", "c"], help="cProfile ours on that part instead of benchmarking")
    ap.add_argument("--memory", action="store_true",
                    help="instead: peak memory of out_gravity_citations and core_author_years on --warehouse (paper scale), old vs new")
    ap.add_argument("--memory-steps", default="gravity,authors",
                    help="--memory: among gravity, authors, yearly (the per-year centres, gravity pairs, by-year fits and core_citations), "
                         "disruption (out_disruption 2005-2018), lifesci_citations (core_lifesci_citations), "
                         "lifesci_candidates (core_lifesci_articles' candidates 2015-2018)")
    ap.add_argument("--old-rev", default=MEMORY_OLD_REV, help="--memory: the git revision of the old path")
    ap.add_argument("--memory-copies", type=int, default=1,
                    help="--memory: the gravity step's pooled pairs repeated this many times, each copy with its own city ids")
    ap.add_argument("--memory-name", default="model_memory",
                    help="--memory: the results file's name (model_memory_demo for the demo warehouse: "
                         "model_memory holds the paper-scale figures)")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory:
        memory(args)
        return
    if args._child:
        child(json.loads(args._child))
        return
    if args.profile:
        profile(args.profile, args)
        return
    parts = [p for p in args.parts.split(",") if p]
    print(f"versions: {_versions()}; {os.cpu_count()} cores. Each fit runs in a fresh child process; memory: "
          f"peak RSS during the fit (VmHWM reset after building the input), input included", flush=True)
    payload = {"versions": _versions(), "cores": os.cpu_count(),
               "memory_measured": "per fit, in a fresh child process: peak RSS during the fit (VmHWM after a reset "
                                  "through /proc/self/clear_refs once the input is built; the input stays resident and "
                                  "is included), its growth over the RSS before the fit, and the ru_maxrss growth "
                                  "(cannot be reset: 0 when building the input peaked higher)",
               "timing": "wall seconds of one fit in the child (part c: two fits, both recorded)"}
    runners = {"a": ("a_ppml_gravity_alshebli2022_table1_spec4", part_a), "b": ("b_nb2_outlets_schmallenbach2024", part_b),
               "c": ("c_ppml_two_effects_pyfixest", part_c), "d": ("d_out_gravity_citations_demo_and_paper_size", part_d)}
    previous = RESULTS / "models.json"
    if previous.exists():  # the parts not run keep their figures
        kept = json.loads(previous.read_text())
        payload.update({key: kept[key] for p, (key, _) in runners.items() if p not in parts and key in kept})
    for p in parts:
        key, fn = runners[p]
        payload[key] = fn(args)
    summary = dict(json.loads(previous.read_text()).get("summary", {})) if previous.exists() else {}
    if "a" in parts:
        summary["a_ours_under_60s_and_6gib"] = payload[runners["a"][0]]["goal_ours"]["met"]
    if "b" in parts:
        summary["b_ours_full_under_120s_and_4gib"] = payload[runners["b"][0]]["goal_ours_full"]["met"]
    if "c" in parts:
        summary["c_pyfixest_compared"] = not payload[runners["c"][0]].get("skipped", True)
    if "d" in parts:
        d = payload[runners["d"][0]]
        summary["d_structural_cpu_ratio_sweeps_over_direct"] = {
            k: d[k]["cpu_ratio_peer_over_ours"] if k == "paper_size_structural" else d[k].get("structural_direct_vs_sweeps", {}).get("cpu_ratio_peer_over_ours")
            for k in ("demo", "paper_size_structural")}
    payload["summary"] = summary
    print("\n" + json.dumps(summary))
    write_results("models", payload)


if __name__ == "__main__":
    main()
