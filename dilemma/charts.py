"""Chart pieces that more than one chapter draws."""

from __future__ import annotations

import itertools
import textwrap

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from dilemma import figures as fg

MAX_ROWS = 40
"""The most rows (bars, labels) a one-row-per-item chart draws: beyond it a chart is unreadable and slow to render."""


def limit_rows(frame: pd.DataFrame, limit: int = MAX_ROWS) -> tuple[pd.DataFrame, str]:
    """The first ``limit`` rows of ``frame`` and a note for the subtitle when rows were left out."""
    if len(frame) <= limit:
        return frame, ""
    return frame.head(limit), f" (first {limit} of {len(frame)} shown)"


def date_axis(ax, months: int = 1) -> None:
    """Month ticks every ``months`` months, always including January, where the year is shown instead of 'Jan'."""
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, months)))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator(), show_offset=False))


def label_above(ax, x, top, text: str, gap: float = 4) -> None:
    """``text`` centred ``gap`` points above a bar whose top is at (``x``, ``top``), on a white ground: legible over a
    gridline, clear of the bar's edge."""
    ax.annotate(text, (x, top), xytext=(0, gap), textcoords="offset points", ha="center", va="bottom",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})


def plain_numbers(axis) -> None:
    """Tick labels as plain numbers with thousands separators (1, 10, 100, 1,000), not powers of ten on a log axis."""
    axis.set_major_formatter(mticker.FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}"))


def x_grid_only(ax) -> None:
    """Gridlines across the x axis only (the style sheet draws them across y): for horizontal bars, where a line through
    the middle of each bar would show through faint and hatched segments and run through the value labels."""
    ax.grid(False, axis="y")
    ax.grid(True, axis="x")  # True: without it, grid() toggles, and a second call would turn the lines off


def scatter_by_claim(ax, x, y, colors, statuses, size: float = 70, zorder: int = 3, x_end=None) -> bool:
    """Scatter points whose fill shows their claim status (hollow = claimed).

    ``x_end``: the last x each point could have (a row dated only to the month is stored on the 1st); where it lies
    beyond x, a line spans the period (``figures.SPAN_STYLE``). Returns True if any span was drawn."""
    frame = pd.DataFrame({"x": list(x), "y": list(y), "c": list(colors), "s": list(statuses),
                          "end": list(x if x_end is None else x_end)})
    for (color, status), part in frame.groupby(["c", "s"], sort=True):
        ax.scatter(part["x"], part["y"], s=size, zorder=zorder, **fg.marker_kwargs(color, status))
    spans = frame[frame["end"] > frame["x"]]
    for color, part in spans.groupby("c", sort=True):
        ax.hlines(part["y"], part["x"], part["end"], color=color, **fg.SPAN_STYLE)
        ax.plot(part["end"], part["y"], linestyle="", color=color, alpha=fg.SPAN_STYLE["alpha"], zorder=fg.SPAN_STYLE["zorder"],
                **fg.SPAN_CAP)
    return not spans.empty


LABEL_ANCHORS = {"center": 0.5, "left": 0.0, "right": 1.0}
"""Where a milestone label may sit on its leader line: centred on it, starting at it or ending at it."""
MARK_RADIUS = 5
"""Points around a scatter marker's centre that a milestone's leader line or text should keep clear of."""
LABEL_GAP = 5
"""Points of white between two milestone labels: closer, two labels side by side read as one."""


def annotate_milestones(ax, events: pd.DataFrame, y_column: str, tiers=(14, 30, 46, 62, 78),
                        label: str = "milestone") -> str:
    """Label the events that have a ``label`` (default: its milestone), above each point on a vertical leader line;
    at most ``MAX_ROWS`` of them, the earliest, and return the subtitle's note when some were left out.

    Each label may sit at any tier (offset in points), on one line or (if long) two, centred on its leader, starting
    at it or ending at it. The places are measured as drawn and scored by harm: a text over another text or outside
    the axes counts ten; a text over a marker drawn before (``scatter``: it hides a data point) two; a leader line
    through another label or a marker, or a text across a vertical line drawn before (``axvline``), one. A local
    search (each label in turn takes its least harmful place, the lowest and on one line on a tie, until none can
    improve) is started from the first label and from the last, preferring each alignment in turn; the least harmful
    of these layouts is drawn.
    """
    renderer = ax.figure.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    walls = [ax.transData.transform((xy[0, 0], 0))[0] for xy in (line.get_xydata() for line in ax.lines)
             if len(xy) and (xy[:, 0] == xy[0, 0]).all()]  # vertical lines (axvline) drawn before the labels
    marks = np.vstack([np.empty((0, 2))] + [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections
                                            if isinstance(c, PathCollection)])  # scatter markers drawn before
    radius = renderer.points_to_pixels(MARK_RADIUS)
    labelled, cut = limit_rows(events[events[label].notna()].sort_values("date"))
    places = []  # per label: every (keyword arguments, text box, leader line, harm of its own, where) it may take
    for _, row in labelled.iterrows():
        point = (mdates.date2num(row["date"]), row[y_column])
        x, y = ax.transData.transform(point)
        options = []
        words = str(row[label])
        for lines, wording in enumerate([words] + ([textwrap.fill(words, len(words) // 2 + 4)] if len(words) > 24 else [])):
            style = {"text": wording, "xy": point, "textcoords": "offset points", "fontsize": 10, "color": "#222222",
                     "zorder": 2.5}  # under the markers (zorder 3): a leader passes behind a point, never over it
            probe = ax.annotate(xytext=(0, tiers[0]), ha="center", **style)  # measured once: other places move it
            probe.update_positions(renderer)
            measured = Text.get_window_extent(probe, renderer)
            probe.remove()
            for level, (align, relpos) in itertools.product(range(len(tiers)), LABEL_ANCHORS.items()):
                tier = tiers[level]
                ink = measured.translated(measured.width * (0.5 - relpos), renderer.points_to_pixels(tier - tiers[0]))
                pad = renderer.points_to_pixels(LABEL_GAP) / 2  # half the gap on each side; tiers set the vertical gap
                text = Bbox.from_extents(ink.x0 - pad, ink.y0, ink.x1 + pad, ink.y1)  # the room the label keeps from others
                alone = (10 * (ink.x0 < inside.x0 or ink.x1 > inside.x1) + sum(ink.x0 < w < ink.x1 for w in walls)
                         + int(((abs(marks[:, 0] - x) < radius) & (marks[:, 1] > y + radius) & (marks[:, 1] < text.y0)).sum())
                         + 2 * int(((marks[:, 0] > text.x0 - radius) & (marks[:, 0] < text.x1 + radius)
                                    & (marks[:, 1] > text.y0 - radius) & (marks[:, 1] < text.y1 + radius)).sum()))
                kwargs = {**style, "xytext": (0, tier), "ha": align,
                          "arrowprops": {"arrowstyle": "-", "color": "#999999", "lw": 0.8, "relpos": (relpos, 0)}}
                options.append((kwargs, text, Bbox([[x, y], [x, text.y0]]), alone, (level, lines, align)))
        places.append(options)

    # What two labels' places do to each other, for every pair of places at once: pair[i, j][k, m] is the harm between
    # label i at its place k and label j at its place m (touching counts, as in Bbox.overlaps).
    texts = [np.array([o[1].extents for o in options]) for options in places]
    leaders = [np.array([o[2].extents for o in options]) for options in places]
    own = [np.array([o[3] for o in options]) for options in places]

    def overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ((a[:, None, 0] <= b[None, :, 2]) & (b[None, :, 0] <= a[:, None, 2])
                & (a[:, None, 1] <= b[None, :, 3]) & (b[None, :, 1] <= a[:, None, 3])).astype(int)

    spans = [(t[:, 0].min(), t[:, 2].max()) for t in texts]
    pair = {(i, j): 10 * overlaps(texts[i], texts[j]) + overlaps(leaders[i], texts[j]) + overlaps(texts[i], leaders[j])
            for i, j in itertools.permutations(range(len(places)), 2)
            if spans[j][0] < spans[i][1] and spans[i][0] < spans[j][1]}  # only labels that can meet across the axis
    near = [[j for j in range(len(places)) if (i, j) in pair] for i in range(len(places))]

    def harms(i: int, chosen: dict[int, int]) -> list[int]:
        """The harm of each of label i's places, given the places chosen so far for the others."""
        return (own[i] + sum(pair[i, j][:, chosen[j]] for j in near[i] if j in chosen)).tolist()

    def settle(order: list[int], ranks: list[list[tuple]]) -> dict[int, int]:
        """Places (label -> option index) taken in ``order``, each the least harmful given those before it (``ranks``
        breaks ties, then the first), then improved one label at a time until none can move: each move lowers the
        total harm, or keeps it and moves the label to a place it ranks higher, so this ends."""
        chosen: dict[int, int] = {}

        def best(i: int) -> tuple:
            return min(zip(harms(i, chosen), ranks[i], itertools.count()))

        for i in order:
            chosen[i] = best(i)[2]
        moved = True
        while moved:
            moved = False
            for i in order:
                harm, rank, k = best(i)
                if (harm, rank) < (harms(i, chosen)[chosen[i]], ranks[i][chosen[i]]):
                    chosen[i], moved = k, True
        return dict(sorted(chosen.items()))

    def total(chosen: dict[int, int]) -> int:
        return sum(harms(i, chosen)[k] + own[i][k] for i, k in chosen.items())  # twice the harm

    # One local search stops where no single label can improve; other starts find layouts it misses (on a tie, the
    # first: date order, centred labels first). A place ranks by its tier (lowest first), then one line, then alignment.
    labels, runs = list(range(len(places))), []
    for preferred in itertools.permutations(LABEL_ANCHORS):
        ranks = [[(level, lines, preferred.index(align)) for *_, (level, lines, align) in options] for options in places]
        runs += [settle(labels, ranks), settle(labels[::-1], ranks)]
    chosen = min(runs, key=total)
    for i, k in chosen.items():
        ax.annotate(**places[i][k][0])
    return cut.replace("shown", "labelled")


def mirror_timeline(ax, above: pd.DataFrame, below: pd.DataFrame, x: str, height: str,
                    above_label: str, below_label: str, above_color: str, below_color: str, x_end: str | None = None) -> bool:
    """Two actors on one time axis: ``above`` as stems up, ``below`` as stems down, fill by claim status.

    With ``x_end`` (the column of each row's last possible x), rows dated only to the month get a span line; returns
    True if any was drawn."""
    spans = False
    for frame, sign, color in ((above, 1, above_color), (below, -1, below_color)):
        if frame.empty:
            continue
        heights = frame[height].astype("float") * sign
        ax.vlines(frame[x], 0, heights, color=color, alpha=0.35, linewidth=1.2)
        spans |= scatter_by_claim(ax, frame[x], heights, [color] * len(frame), frame["claim_status"].astype("str"),
                                  size=55, x_end=frame[x_end] if x_end else None)
    ax.axhline(0, color="#444444", linewidth=1)
    top = max([above[height].max() if not above.empty else 1, below[height].max() if not below.empty else 1])
    ax.set_ylim(-top - 1, top + 1)
    ax.text(0.005, 0.97, above_label, transform=ax.transAxes, color=above_color, fontweight="bold", va="top")
    ax.text(0.005, 0.03, below_label, transform=ax.transAxes, color=below_color, fontweight="bold", va="bottom")
    ax.grid(False)
    return spans


def _segment_labels(ax, x, starts, values, style: dict, value_format: str, smallest: float, horizontal: bool) -> None:
    *face, alpha = to_rgba(style["facecolor"])
    seen = np.array(face) * alpha + (1 - alpha)  # the fill as it shows on the white canvas
    dark = style["hatch"] is None and float(seen @ [0.299, 0.587, 0.114]) < 0.5
    box = None if dark else {"facecolor": "white", "edgecolor": "none", "pad": 1.0}
    for position, start, value in zip(x, starts, values, strict=True):
        if value > 0 and value >= smallest:
            centre = (start + value / 2, position) if horizontal else (position, start + value / 2)
            ax.text(*centre, value_format.format(value), ha="center", va="center", fontsize=10.5,
                    color="white" if dark else "#222222", bbox=box, zorder=4)


def stacked_bars(ax, x, layers: list[tuple], width=0.8, horizontal: bool = False, align: str = "center",
                 value_format: str = "", smallest_labelled: float = 0.0) -> None:
    """Stacked bars; each layer is (values, color, label, claim status) and is drawn in that status's style.

    Splitting a count into a verified layer and a 'claimed' layer keeps unverified rows visible (hatched, hollow)
    in charts that add them up. A layer that is zero everywhere gets no legend entry. ``align="edge"`` starts each bar
    at its x (a week or month drawn from its first day). ``value_format`` (such as ``"{:.0%}"``) writes each segment's
    value at its centre when it is at least ``smallest_labelled``: white on a dark solid fill, dark on a white box
    otherwise.
    """
    base = None
    draw = ax.barh if horizontal else ax.bar
    for values, color, label, status in layers:
        values = pd.Series(values).astype("float").fillna(0).reset_index(drop=True)
        if base is None:
            base = values * 0
        offset = {"left": base.values} if horizontal else {"bottom": base.values}
        style = fg.bar_kwargs(color, status)
        # a zero-length segment would still draw its edge, a sliver that reads as a count: no edge where the value is 0
        style["linewidth"] = np.where(values.values > 0, style["linewidth"], 0.0)
        draw(x, values.values, width, label=label if values.any() else "_nolegend_", align=align, **offset, **style)
        if value_format:
            _segment_labels(ax, x, base.values, values.values, style, value_format, smallest_labelled, horizontal)
        base = base + values
    # zero-length segments at the top of a stack are "sticky" and would clip the longest bar: set the limit here
    top = float(base.max()) if base is not None and len(base) else 0.0
    (ax.set_xlim if horizontal else ax.set_ylim)(0, top * 1.08 if top > 0 else 1)
