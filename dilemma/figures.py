"""House style and the one ``save()`` every figure goes through.

``save`` stamps a title that states the finding, a subtitle that says what is
measured and a source line naming the tables and the data date, then writes
``figures/<name>.png`` (300 dpi), ``figures/<name>.svg``, a vector
``figures/<name>.pdf`` (for slides and the briefing pack), ``figures/<name>.csv``
(the numbers drawn, for a chart rebuilt in another tool) and a small
``figures/<name>.json`` sidecar (title, caption, tables, notebook) from which
the build writes figures/README.md and briefing.pdf. Bytes are deterministic:
no dates, versions or random ids in the files.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.legend import Legend
from matplotlib.legend_handler import HandlerLine2D
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from dilemma import paths

STYLE = Path(__file__).with_name("briefing.mplstyle")
REPORT = "Moscow's Dilemma"
PNG_DPI = 300
PREVIEW_DPI = 100
"""Resolution of the image a notebook shows inline: the exported 300-dpi raster reduced 3 x 3."""
TITLE_SMALLEST, SUBTITLE_SMALLEST = 12.0, 9.0
"""Points a long title or subtitle may shrink to: below them a title no longer reads as the headline on a slide."""
FIT_WIDTH = 0.95
"""Share of the figure's width a title or subtitle may span, measured on screen: text drawn at 300 dpi runs a
few per cent wider, and the stamps start at 0.015, so 0.95 keeps the right margin."""
SVG_METADATA = {"Date": None, "Creator": None}
PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None}

ACTOR_COLORS = {
    "us": "#1f4e79", "russia": "#c0392b", "venezuela": "#e0a800", "cuba": "#2a9d8f",
    "syria_government": "#8e5a2b", "syria_opposition": "#2a9d8f", "israel": "#5d7fb0",
    "turkey": "#7b4ea3", "iran": "#3d8b37", "other": "#8c8c8c",
}
ACTOR_LABELS = {"us": "United States", "russia": "Russia", "venezuela": "Venezuela", "cuba": "Cuba",
                "syria_government": "Syrian government", "syria_opposition": "Syrian opposition",
                "israel": "Israel", "turkey": "Turkey", "iran": "Iran", "other": "Other"}
THEATER_COLORS = {"caribbean": "#56b4e9", "eastern_pacific": "#b5487e", "venezuela_mainland": "#4d4d4d"}
"""Places, not actors: no theater shares a hue with ``ACTOR_COLORS`` (the land strikes in Russia's red read as Russian)."""
THEATER_LABELS = {"caribbean": "Caribbean", "eastern_pacific": "Eastern Pacific", "venezuela_mainland": "Venezuela (land)"}
CASE_COLORS = {"venezuela": "#e0a800", "syria": "#8e5a2b"}
CATEGORY_COLORS = {  # force dark, coercion orange, accords teal, words grey: kinds read apart, none an actor's colour
    "strike": "#0b2545", "regime_change": "#5a189a", "military_deployment": "#2b5fa8", "arms_support": "#7aa6d6",
    "basing": "#b7cde6", "sanctions_economic": "#e07b00", "legal_designation": "#f4b26a", "agreement": "#1b7f74",
    "military_withdrawal": "#8fd1c7", "diplomatic": "#8c8c8c", "statement": "#cfcfcf", "other": "#5c4b3b",
}
"""One colour per event category (data/README.md's vocabulary), for charts that split events by category."""
SOURCE_TYPE_COLORS = {  # copies in one accent colour, then originals in blues and greys, darkest first
    "aggregator": "#e07b00", "official": "#14213d", "wire": "#355f9c", "news": "#8fb3d9", "ngo": "#c6d7ea",
    "think_tank": "#7f7f7f", "specialist": "#a6a6a6", "dataset": "#c8c8c8",
}
"""One colour per source type (sources.csv's vocabulary), in the order a chart stacks them."""
FATE_COLORS = {"rescued": "#1a9850", "presumed_dead": "#9e0142", "killed": "#1a1a1a", "unknown": "#a0a0a0"}
"""What happened to a strike's survivors: alive in green, dead in crimson and black, not reported in grey."""
TABLE_COLORS = {"events": "#222222", "strikes": "#e07b00", "casualty_estimates": "#56b4e9", "sources": "#a0a0a0",
                "weapon_systems": "#b5487e", "arms_transfers": "#17becf", "comparison": "#bcbd22"}
"""One colour per data table, for charts that compare the tables themselves (chapter 0)."""
NEUTRAL = "#4d5b66"
"""A mark that stands for no actor, place or kind (a count of rows by certainty, a toll nobody verified)."""
WORDS_COLOR = "#c8c8c8"
"""Bars that count words (statements, calls) beside deeds: neutral grey, so a faint (reported) deed never reads as a word."""
STATUS_COLORS = {"operational": "#1a9850", "degraded": "#e07b00", "unknown": "#b0b0b0", "destroyed": "#222222",
                 "withdrawn": "#9e9ac8"}
"""A weapon type's condition, green for working to black for lost; none is an actor's colour (chapter 3 draws Venezuela's
request in its yellow beside the inventory)."""

CLAIM_STYLES = {
    "confirmed": {"filled": True, "alpha": 1.0, "hatch": None, "label": "confirmed", "bar_label": "confirmed"},
    "reported": {"filled": True, "alpha": 0.55, "hatch": None, "label": "reported, not confirmed",
                 "bar_label": "reported, not confirmed (faint)"},
    "claimed": {"filled": False, "alpha": 1.0, "hatch": "///", "label": "claimed, unverified (hollow)",
                "bar_label": "claimed, unverified (hatched)"},
    "denied": {"filled": False, "alpha": 0.5, "hatch": "xx", "label": "denied (faint hollow)",
               "bar_label": "denied (faint, cross-hatched)"},
}
"""How sure a row is, drawn the same way in every chart: ``label`` names the marker style, ``bar_label`` the bar style."""
CONFIDENCE_TO_CLAIM = {"high": "confirmed", "medium": "reported", "low": "claimed"}
SPAN_STYLE = {"linewidth": 2.5, "alpha": 0.6, "zorder": 2}
"""How a date known only to the month (or year) is drawn: a line over the period, from the point that marks its start,
to a cap (``SPAN_CAP``, a marker of the same line width) at its end: without the cap, a span ending days before the next
event's mark reads as a bar joining the two."""
SPAN_CAP = {"marker": "|", "markersize": 11, "markeredgewidth": SPAN_STYLE["linewidth"]}


class SpanHandle(Line2D):
    """The legend's sample of a period line: a line ending in a cap (the chart starts it at the row's own mark)."""


class _SpanSample(HandlerLine2D):
    def create_artists(self, *args, **kwargs):
        (line,) = super().create_artists(*args, **kwargs)
        line.set_markevery([1])  # the sample's two points are its ends: the cap on the right one only
        return [line]


Legend.update_default_handler_map({SpanHandle: _SpanSample(numpoints=2)})


def use_style() -> None:
    """Apply the house style sheet and the settings that keep output bytes stable.

    Over matplotlib's defaults, not over the current settings: a reader's own matplotlibrc (or a notebook backend's
    settings) would otherwise reach every setting the sheet leaves alone, and the files would differ from machine to
    machine."""
    plt.style.use(["default", STYLE])  # the sheet also fixes svg.hashsalt, so SVG ids are the same in every run


def figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """A 16:9 figure in the house style, with room at the top and bottom for the stamps."""
    use_style()
    fig, axes = plt.subplots(nrows, ncols, **kwargs)
    fig.subplots_adjust(top=0.80, bottom=0.14, left=0.07, right=0.97)
    return fig, axes


def legend_above(fig, handles: list, ncol: int = 2, fontsize: float = 10.5) -> None:
    """The legend between the subtitle and the plot, in ``ncol`` columns (fewer when labels made longer by the data would
    not fit the canvas's width); the plot is lowered by the legend's rows (``save`` then sets the gap below the legend
    exactly), so the legend never covers a bar, a line or a label."""
    for columns in range(max(1, min(ncol, len(handles))), 0, -1):  # no more columns than entries
        legend = fig.legend(handles=handles, loc="upper center", ncol=columns, bbox_to_anchor=(0.5, 0.875),
                            fontsize=fontsize)
        if columns == 1 or legend.get_window_extent(fig.canvas.get_renderer()).width <= FIT_WIDTH * fig.bbox.width:
            break
        legend.remove()
    fig.subplots_adjust(top=0.80 - 0.03 * -(-len(handles) // columns))


def claim_colors(color: str, status: str) -> tuple[tuple, tuple]:
    """(face, edge) as RGBA for a mark or bar of a row with this claim status. Faint statuses are faint in their colour;
    a hollow mark keeps an opaque white face, its faintness on the edge only: laid over another mark or a gridline it
    hides it, where a see-through white face would tint it into a faint (reported-looking) mark."""
    style = CLAIM_STYLES[status]
    edge = to_rgba(color, style["alpha"])
    return (edge if style["filled"] else to_rgba("white")), edge


def marker_kwargs(color: str, status: str) -> dict:
    """Scatter keyword arguments that show a row's claim status (hollow = claimed)."""
    face, edge = claim_colors(color, status)
    return {"facecolors": [face], "edgecolors": [edge], "linewidths": 1.6}


def bar_kwargs(color: str, status: str) -> dict:
    """Bar keyword arguments that show a row's claim status (hatched and hollow = claimed)."""
    face, edge = claim_colors(color, status)
    return {"facecolor": face, "edgecolor": edge, "hatch": CLAIM_STYLES[status]["hatch"], "linewidth": 1.4}


def claim_legend_handles(statuses, color: str = "#444444", kind: str = "marker", spans: bool = False) -> list:
    """Legend entries explaining the claim-status encoding for the statuses present (and the period lines of
    ``SPAN_STYLE`` when ``spans``)."""
    handles = []
    for status in CLAIM_STYLES:
        if status not in set(statuses):
            continue
        style = CLAIM_STYLES[status]
        if kind == "marker":
            face, edge = claim_colors(color, status)
            handles.append(Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=face,
                                  markeredgecolor=edge, label=style["label"]))
        else:
            handles.append(Patch(**bar_kwargs(color, status), label=style["bar_label"]))
    if spans:
        handles.append(SpanHandle([], [], color=color, linewidth=SPAN_STYLE["linewidth"], alpha=SPAN_STYLE["alpha"], **SPAN_CAP,
                                  label="date known only to the month or year: the line spans it"))
    return handles


COMPILED_FROM = {"arms_transfers": "SIPRI Arms Transfers Database"}
"""Tables that copy one outside dataset as published: the source line credits it."""


def source_line(tables: list[str], data_as_of) -> str:
    names = ", ".join(f"{t}.csv" + (f", from the {COMPILED_FROM[t]}" if t in COMPILED_FROM else "") for t in tables) \
        if len(tables) <= 4 else "all tables, see data/README.md"
    return f"Source: {REPORT} data ({names}), data as of {data_as_of:%Y-%m-%d}. Sources per row: sources.csv."


EDGE = 12
"""Pixels of white margin the house style leaves on every side of a 300-dpi figure (the stamps sit 45 or more inside)."""


def clipped_edges(image: Image.Image) -> list[str]:
    """The sides of a raster with ink, even light grey, in their outermost ``EDGE`` pixels: a label, legend or tick
    that runs off the canvas."""
    grey = np.asarray(image.convert("L"))
    strips = {"left": grey[:, :EDGE], "right": grey[:, -EDGE:], "top": grey[:EDGE], "bottom": grey[-EDGE:]}
    return [side for side, strip in strips.items() if (strip < 200).any()]


def write_png(fig, path: Path, dpi: int = PNG_DPI) -> Image.Image:
    """Write the figure as an opaque RGB PNG with no text chunks (deterministic bytes); return the raster. Ink at the
    canvas edge (``clipped_edges``) raises ValueError naming the figure, and nothing is written.

    The house style paints the canvas white, so the alpha channel of matplotlib's own RGBA PNG carries nothing; RGB
    makes the file about a tenth smaller and halves the compression time, the largest cost of a 300-dpi export."""
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=dpi)
    size = int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi)  # Agg truncates the canvas size the same way
    if len(raw.getbuffer()) != size[0] * size[1] * 4:
        raise ValueError(f"{path.name}: the rendered canvas is not {size[0]} x {size[1]} pixels")
    image = Image.frombuffer("RGBA", size, raw.getbuffer(), "raw", "RGBA", 0, 1).convert("RGB")
    cut = clipped_edges(image)
    if cut:  # longer labels from new data, say: stop rather than hand a briefing a clipped figure
        raise ValueError(f"{path.stem}: ink at the {' and '.join(cut)} edge of the canvas: a label, legend or tick runs "
                         "off the figure; shorten it or give it room")
    image.save(path, format="png", dpi=(dpi, dpi))
    return image


def show_inline(fig, image: Image.Image, caption: str = "", dpi: int = PNG_DPI) -> None:
    """In a notebook, show the exported raster reduced to ``PREVIEW_DPI``, with its caption below, and close the figure.

    Closed, the figure is not drawn a fourth time (after PNG, SVG and PDF) by the inline backend at the end of the
    cell; a box-filtered reduction of the 300-dpi raster is also smoother than a 100-dpi rendering. Outside IPython
    the figure stays open."""
    from IPython import get_ipython

    if get_ipython() is None:
        return
    from IPython.display import Image as Inline
    from IPython.display import display

    preview = io.BytesIO()
    image.reduce(dpi // PREVIEW_DPI).save(preview, format="png")
    display(Inline(data=preview.getvalue(), format="png"))
    if caption:
        print(caption)
    plt.close(fig)


def _fit(text, width: float, smallest: float, what: str) -> None:
    """Shrink a figure text's font until it spans at most ``width`` (a fraction of the figure's width). A text that
    would need less than ``smallest`` points would run off the canvas: ValueError naming ``what``."""
    fig = text.get_figure()
    span = text.get_window_extent(fig.canvas.get_renderer()).width / fig.bbox.width
    if span > width:
        needed = text.get_fontsize() * width / span * 0.99  # a line's width scales with its font size
        if needed < smallest:
            raise ValueError(f"{what} is too long for the figure's width even at {smallest:g} pt; shorten it: "
                             f"{text.get_text()!r}")
        text.set_fontsize(needed)


def _room_on_the_left(fig) -> None:
    """Widen the left margin when the axes' tick labels or y labels reach the canvas's edge: wider numbers from new data
    (20,000 where there was 200) would otherwise run off it. A figure that fits is left as it is."""
    renderer = fig.canvas.get_renderer()
    margin = 2 * EDGE / PNG_DPI * fig.dpi  # twice the edge the export checks, in screen pixels
    left = min((ax.get_tightbbox(renderer).x0 for ax in fig.axes if ax.get_visible()), default=margin)
    if left < margin:
        fig.subplots_adjust(left=fig.subplotpars.left + (margin - left) / fig.bbox.width)


GAP_ABOVE = 0.035
"""Space left between the subtitle (or a legend above the plot) and the plot's highest ink, as a fraction of the
figure's height."""


def _gap_above(fig, subtitle, name: str) -> None:
    """Move the plot's top edge so that ``GAP_ABOVE`` separates its highest ink (titles, labels and legends of the axes
    included) from what sits above it: the subtitle, or a legend placed above the plot by ``legend_above``. Up for most
    plots (the room ``figure`` and ``legend_above`` leave was a blank band above them), down for a panel title that
    would touch it. Only axes laid out on the figure's grid move; a figure whose plot would have no height left raises
    ValueError naming it."""
    renderer = fig.canvas.get_renderer()
    grid = [ax for ax in fig.axes if ax.get_visible() and ax.get_subplotspec() is not None]
    if not grid:
        return
    highest = max(ax.get_tightbbox(renderer).y1 for ax in grid)
    legends = [lg.get_window_extent(renderer) for lg in fig.legends]
    ceiling = min([subtitle.get_window_extent(renderer).y0]  # a legend starting above the plot's top is above it
                  + [box.y0 for box in legends if box.y1 > fig.subplotpars.top * fig.bbox.height])
    top = fig.subplotpars.top + (ceiling - highest) / fig.bbox.height - GAP_ABOVE
    if top <= fig.subplotpars.bottom + 0.1:
        raise ValueError(f"{name}: no room for the plot below the subtitle and the legend above it; shorten the legend")
    fig.subplots_adjust(top=top)


def write_data(frame: pd.DataFrame, path: Path) -> None:
    """The numbers a figure draws, as CSV with stable bytes: dates as YYYY-MM-DD, months as YYYY-MM, decimals to 6
    significant digits; an index with a name (a month, a table, a theater) is written as the first column."""
    named = any(level is not None for level in frame.index.names)
    if isinstance(frame.index, pd.PeriodIndex):  # a month as 2025-01, not as the timestamp of its start or end
        frame = frame.set_axis(frame.index.astype("str"))
    frame.to_csv(path, index=named, lineterminator="\n", date_format="%Y-%m-%d", float_format="%.6g")


SIDECAR_KEYS = ("name", "title", "subtitle", "caption", "tables", "data_as_of", "notebook", "data_file")
"""The keys of the JSON sidecar ``save`` writes beside each figure, which the briefing pack reads."""


def save(fig, name: str, *, title: str, subtitle: str, tables: list[str], data_as_of, data: pd.DataFrame | None = None,
         caption: str = "", notebook: str = "") -> Path:
    """Stamp and write one figure as PNG + SVG + PDF, the numbers it draws as CSV (``data``), and a JSON sidecar;
    return the PNG path.

    ``name`` is ``NN-slug`` (NN = the chapter). In a notebook the PNG is shown
    inline (reduced) with its caption and the figure closed; elsewhere the figure stays open. A title too long to print
    at ``TITLE_SMALLEST`` points, or ink at the canvas edge, raises ValueError naming the figure before any file is
    written.
    """
    if not re.fullmatch(r"\d{2}-[a-z0-9-]+", name) or (notebook and name[:2] != notebook[:2]):
        # two chapters saving one name would overwrite each other's files in a parallel build, the last one winning
        raise ValueError(f"{name}: a figure's name is NN-slug, NN its chapter's number"
                         + (f" ({notebook[:2]}, from {notebook})" if notebook else ""))
    # Long titles and subtitles shrink to the width, down to a size still legible on a slide (a longer one stops the
    # figure before any file is written); the subtitle stays smaller than the title.
    heading = fig.text(0.015, 0.965, title, fontsize=20, fontweight="bold", va="top", ha="left", color="#111111")
    _fit(heading, FIT_WIDTH, TITLE_SMALLEST, f"{name}: the title")
    below = fig.text(0.015, 0.905, subtitle, fontsize=min(13.5, heading.get_fontsize() - 1), va="top", ha="left",
                     color="#444444")
    _fit(below, FIT_WIDTH, SUBTITLE_SMALLEST, f"{name}: the subtitle")
    fig.text(0.015, 0.02, source_line(tables, data_as_of), fontsize=10.5, va="bottom", ha="left", color="#666666")
    fig.text(0.985, 0.02, REPORT, fontsize=10.5, va="bottom", ha="right", color="#666666", fontweight="bold")
    _gap_above(fig, below, name)
    _room_on_the_left(fig)
    out = paths.figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    png, svg, pdf = out / f"{name}.png", out / f"{name}.svg", out / f"{name}.pdf"
    image = write_png(fig, png)
    fig.savefig(svg, metadata=SVG_METADATA)
    fig.savefig(pdf, metadata=PDF_METADATA)
    if data is not None:
        write_data(data, out / f"{name}.csv")
    meta = {"name": name, "title": title, "subtitle": subtitle, "caption": caption or subtitle,
            "tables": tables, "data_as_of": f"{data_as_of:%Y-%m-%d}", "notebook": notebook,
            "data_file": f"{name}.csv" if data is not None else ""}
    (out / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    show_inline(fig, image, meta["caption"])
    return png
