"""Plain words (issue 16): every text a user reads on its own in the Dagster UI (each asset's, check's,
job's, schedule's and sensor's description) and every atlas caption spells out each glossary term
(``aigeo_assets.reports.glossary``) at its first use in that text. Cheap: no run, no world."""

from __future__ import annotations

import dagster as dg
import pytest

from aigeo_assets.reports.glossary import GLOSSARY, first_use, term, unexplained

_EW = {"East\u2013West betweenness", "East/West"}
PENDING: dict[str, set[str]] = {
    # table descriptions declared in aigeo_assets/schemas.py
    "asset core_institutions": {"UN M49", "East/West"},
    "asset out_venue_east_west": {"East/West"},
    "asset out_disruption": {"CD index", "East/West"},
    "asset out_east_west_betweenness": {"Definition 1", *_EW},
    "asset out_east_west_betweenness_by_year": _EW,
    "asset raw_pubmed_references": {"PMID"},
    "asset core_lifesci_articles": {"PMID", "DOI"},
    "asset out_lifesci_link_coverage": {"PMID", "DOI", "MeSH"},
    "asset out_lifesci_outlet_sample_irrs": {"IRR"},
    "asset out_lifesci_intl_high_ranked": {"modified Poisson"},
    "asset out_lifesci_by_outlet_type": {"Supplementary S2"},
    "asset out_lifesci_irrs_by_outlet_type": {"Supplementary S2"},
    "asset out_lifesci_country_productivity": {"Supplementary S2"},
    # aigeo_assets/assets/exports.py
    "asset out_network_files": {"GEXF", *_EW},
    "asset out_network_files_by_year": {"GEXF", *_EW},
    "asset out_network_timeline": {"GEXF", *_EW},
    # aigeo_assets/run_reaper.py
    "sensor dead_run_reaper": {"OOM", "SIGKILL"},
}
"""Texts declared in files another change owns whose terms are not spelled out yet (name -> the
terms): each must still fail exactly so (a fix must remove its entry here, like an xfail that
must not pass); every other text must pass."""


def ui_texts(defs: dg.Definitions) -> dict[str, str]:
    """Every description the Dagster UI shows on its own: assets, checks, jobs, schedules, sensors."""
    out: dict[str, str] = {}
    for a in defs.assets or []:
        if isinstance(a, dg.AssetsDefinition):
            for spec in a.specs:
                out[f"asset {spec.key.to_user_string()}"] = spec.description or ""
            for c in a.check_specs:
                out[f"check {c.asset_key.to_user_string()}:{c.name}"] = c.description or ""
    for c in defs.asset_checks or []:
        for spec in c.check_specs:
            out[f"check {spec.asset_key.to_user_string()}:{spec.name}"] = spec.description or ""
    for j in defs.jobs or []:
        out[f"job {j.name}"] = j.description or ""
    for s in defs.schedules or []:
        out[f"schedule {s.name}"] = s.description or ""
    for s in defs.sensors or []:
        out[f"sensor {s.name}"] = s.description or ""
    for name, resource in (defs.resources or {}).items():  # the launchpad's and the resources page's field help
        for field, info in getattr(type(resource), "model_fields", {}).items():
            out[f"resource {name}.{field}"] = info.description or ""
    return out


def _failures(texts: dict[str, str]) -> dict[str, list[str]]:
    return {name: bad for name, text in texts.items() if (bad := unexplained(text))}


@pytest.mark.parametrize(("text", "bad"), [
    ("Table 1 fitted by PPML.", ["PPML"]),
    ("Table 1 fitted by Poisson pseudo-maximum likelihood (PPML).", []),
    ("Table 1 fitted by PPML (Poisson pseudo-maximum likelihood).", []),
    ("Fitted by PPML, the estimator of the paper; PPML means Poisson pseudo-maximum likelihood.", ["PPML"]),
    ("Citation IRRs of the NB2 models.", ["NB2", "IRR"]),
    ("Fig. 3a: East first then West.", ["East/West"]),
    ("Fig. 3a: East first then West (West: the U.S. and Europe).", []),
    ("Records linked by PMID, else DOI.", ["PMID", "DOI"]),
    ("m_i (the citations city i made) > 0 and n_j > 0", []),
    ("every citing year y..y+2 was read", []),
    ("citations over y..y+2", ["y..y+2"]),
    ("Schmallenbach et al. 2024 S7: by outlet type.", ["Supplementary S2"]),
    ("Schmallenbach et al. 2024 Supplementary S7: by outlet type.", []),
    ("The CD\u2085 of each paper.", ["CD index"]),
])
def test_unexplained_finds_a_term_used_before_its_plain_words(text, bad):
    assert unexplained(text) == bad


def test_every_terms_first_use_spells_it_out():
    """What a description is told to write (``first_use``) uses the term and passes the check."""
    for t in GLOSSARY:
        # the bare "S7" is the use; "Supplementary S7" is what it should say
        assert (t.first_use_in(t.first) is not None) != (t.term == "Supplementary S2"), t.term
        assert t.explained_at_first_use(t.first), t.term
    assert first_use("PPML") == "Poisson pseudo-maximum likelihood (PPML)"
    with pytest.raises(KeyError, match="not in the glossary"):
        term("XYZ")


def test_the_ui_spells_out_every_term_at_its_first_use():
    from aigeo_assets.definitions import defs

    texts = ui_texts(defs)
    assert len([k for k in texts if k.startswith("asset ")]) > 80 and any(k.startswith("check ") for k in texts)
    assert [k for k, v in texts.items() if k.startswith("resource ") and not v.strip()] == []  # every setting says what it is
    failures = _failures(texts)
    for name, terms in PENDING.items():
        if name in texts:  # out_network_timeline: while the exports change lands
            assert set(failures.pop(name, [])) == terms, f"{name}: spelled out now? update PENDING"
    assert failures == {}


def test_a_planted_description_fails():
    """Negative control: an asset and a job whose descriptions use PPML and East unexplained."""

    @dg.asset(description="Table 1 by PPML, East first.")
    def planted() -> None: ...

    defs = dg.Definitions(assets=[planted], jobs=[dg.define_asset_job("planted_job", selection=[planted],
                                                                      description="Fits the NB2 models.")])
    assert _failures(ui_texts(defs)) == {"asset planted": ["PPML", "East/West"], "job planted_job": ["NB2"]}


def test_every_atlas_caption_spells_out_every_term():
    from aigeo_assets.reports.atlas import atlas_catalogue

    cat = atlas_catalogue()
    assert len(cat) > 30
    # a heading is read with its caption: a term of the title may be spelled out in the caption
    failures = {e.key: bad for e in cat if (bad := unexplained(e.caption) or unexplained(e.caption + "\n" + e.title))}
    assert failures == {}
    assert unexplained("East\u2013West betweenness of the top cities") == ["East\u2013West betweenness", "East/West"]


def test_the_readme_spells_out_every_term_at_its_first_use():
    """The README is read from the top: each term (the ones every reader knows included) is spelled
    out where it first appears."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert unexplained(readme, include_known=True) == []


def test_the_atlas_ends_with_the_glossary(tmp_path):
    from aigeo_assets.reports.atlas import build_atlas

    page = build_atlas([], {}, {"source": "snapshot"}, [], tmp_path / "atlas.html").read_text(encoding="utf-8")
    words = page[page.index('<h2 id="glossary">'):page.index("</main>")]
    assert '<a href="#glossary">' in page
    for t in GLOSSARY:
        assert f"<dt>{t.term}</dt>" in words, t.term
    assert "<dd>Poisson pseudo-maximum likelihood: a Poisson regression of counts" in words
