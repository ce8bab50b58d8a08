"""The swimlane diagram of one process: :func:`process`.

One lane per hierarchy level, highest rank on top; each step a box at its
expected start (mean durations, handoff delays included) as wide as its
expected duration; arrows for precedence, so vertical handoffs show the file
climbing and descending the hierarchy; the critical path outlined in black
with black arrows; approvals and signatures hatched in their own colours.

Artists carry a ``gid`` saying what they show: ``step:ID``, ``critical:ID``,
``ghost:ID`` (a removed step, critical or not), ``aggregate:LEVEL:K``,
``arrow:U->V``, ``critical-arrow:U->V``, ``lane:LEVEL`` (the lane label),
``label=ID`` (what a box shows: its whole name or its number), ``key=ID`` (the key's
line for a numbered box), ``p:U->V`` (an exclusive edge's probability),
``rework:STEP->TO`` and ``rework-rate=STEP`` (a send-back's arrow and rate).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from procsimp import layout as _layout
from procsimp._checks import validated
from procsimp.plot._labels import BOX_HEIGHT, Key, Label, Placer, plan_labels, text_width
from procsimp.plot._style import (
    CRITICAL,
    FONT,
    KIND_STYLE,
    NORMAL,
    OKABE_ITO,
    new_figure,
    shorten,
    unit_plural,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.model import Process

#: Height of one sub-row of a lane, in inches (a box holds two lines of labels).
ROW_INCHES = 0.55
WIDTH_INCHES = 11.0


@validated
def process(proc: Process, ax: Axes | None = None, *, max_boxes: int = _layout.MAX_BOXES,
            title: str | None = None, size: tuple[float, float] | None = None,
            font: float = FONT) -> Figure:
    """Draw ``proc`` as a time-scaled swimlane diagram and return the Figure.

    Every box shows its step's whole name, wrapped, or a number listed with the whole
    name in the key under the diagram (see :mod:`procsimp.plot._labels`); exclusive
    edges carry their probability, send-backs are drawn as return arrows with their
    rate.

    Parameters
    ----------
    proc
        The process to draw.
    ax
        Axes to draw into; by default a new figure sized to the diagram.
    max_boxes
        Above this many steps, steps off the critical path are aggregated into
        one block per busy stretch of a lane.
    title
        Axes title; default: the process name.
    size
        Figure size in inches (width, height); default: 11 inches wide, as tall as
        the lanes need.
    font
        Font size of the box labels in points (the rest scales with it).

    Examples
    --------
    >>> import procsimp as ps
    >>> fig = ps.plot.process(ps.load("examples/outgoing_letter.yaml"))  # doctest: +SKIP
    >>> fig.savefig("letter.svg")  # doctest: +SKIP
    """
    layout = _layout.swimlane(proc, max_boxes=max_boxes)
    rows = sum(lane.rows for lane in layout.lanes)
    width = size[0] if size is not None else WIDTH_INCHES
    row_inches = ROW_INCHES * font / FONT
    if size is not None:  # rows share the height; the font shrinks until a lane holds its name
        while True:
            row_inches = min((size[1] - 2.6 * font / FONT) / max(rows, 1), 1.2)
            if row_inches * 72 >= 2.5 * (font + 1) or font <= 5:
                break
            font -= 0.5
        row_inches = max(row_inches, 0.1)
    key = Key()
    labels = plan_labels(layout, xmax=axis_span(layout.span),
                         width_inches=axis_inches([layout], width, font),
                         row_inches=row_inches, font=font, key=key)
    if ax is not None:
        fig = ax.figure
        draw_swimlane(layout, ax, title=proc.name if title is None else title, process=proc,
                      labels=labels, font=font, width_inches=width, row_inches=row_inches)
        legend(ax, [layout], font=font)
        draw_key(ax, key, font=font, width_inches=width)
        return fig  # type: ignore[return-value]
    height = size[1] if size is not None else figure_height(layout, row_inches, font) \
        + key_inches(key, font, width)
    fig = new_figure((width, height))
    panel, key_ax = panels(fig, [rows * row_inches + 1.0], key, font, width)
    draw_swimlane(layout, panel[0], title=proc.name if title is None else title, process=proc,
                  labels=labels, font=font, width_inches=width, row_inches=row_inches)
    legend(panel[0], [layout], where=fig, font=font)
    draw_key(key_ax, key, font=font, width_inches=width)
    return fig


#: Share of the figure's width the time axis gets at least (the rest: lane names, margins).
AXIS_SHARE = 0.75


def axis_inches(layouts: list[_layout.Swimlane], width_inches: float, font: float) -> float:
    """Width of the time axis: the figure's, less its lane names and margins (on the low
    side, so that a label judged to fit does fit)."""
    names = max((text_width(line, font + 1) for lay in layouts for lane in lay.lanes
                 for line in wrap_lane(lane.label).splitlines()), default=0.0)
    return max(width_inches * AXIS_SHARE, width_inches - names / 72 - 0.55)


def axis_span(span: float) -> float:
    """The time axis's length: the diagram's span, or one time unit when every step takes
    no time (an axis of zero length has no ticks to read)."""
    return span if span > 1e-9 else 1.0


def figure_height(layout: _layout.Swimlane, row_inches: float = ROW_INCHES,
                  font: float = FONT) -> float:
    """Inches a swimlane needs: its rows plus room for the title, axis and legend."""
    return sum(lane.rows for lane in layout.lanes) * row_inches + 1.6 * font / FONT


def key_columns(key: Key, font: float, width_inches: float) -> int:
    """Columns of the key: as many as its longest entry allows across the figure."""
    widest = max((text_width(line, font) for _, line in key.lines()), default=1.0)
    return max(1, min(len(key.entries), int(width_inches * 72 * 0.95 // (widest + 2 * font))))


def key_inches(key: Key, font: float, width_inches: float) -> float:
    """Height of the key under a figure (0 without numbered boxes)."""
    if not key.entries:
        return 0.0
    rows = math.ceil(len(key.entries) / key_columns(key, font, width_inches))
    return rows * font * 1.45 / 72 + 0.25


def panels(fig: Figure, heights: list[float], key: Key, font: float,
           width_inches: float) -> tuple[list[Axes], Axes | None]:
    """The diagram panels of ``fig`` (relative ``heights``) and, with numbered boxes, an
    axes for the key under them."""
    extra = key_inches(key, font, width_inches)
    if not extra:
        return list(fig.subplots(len(heights), 1, squeeze=False, sharex=True)[:, 0]), None
    axes = fig.subplots(len(heights) + 1, 1, squeeze=False,
                        height_ratios=[*heights, extra])[:, 0]
    for a in axes[1:-1]:
        a.sharex(axes[0])
    return list(axes[:-1]), axes[-1]


def draw_key(ax: Axes | None, key: Key, *, font: float, width_inches: float) -> None:
    """The key of the numbered boxes: ``n  whole name`` in columns, each text with gid
    ``key=ID``. Into ``ax`` (an axes of its own, or beside the diagram's)."""
    if ax is None or not key.entries:
        if ax is not None and ax.get_label() == "key":
            ax.set_axis_off()
        return
    from matplotlib.lines import Line2D

    own = not ax.has_data() and not ax.texts
    lines = key.lines()
    handles = [Line2D([], [], lw=0) for _ in lines]
    ncol = key_columns(key, font, width_inches) if own else 1
    options: dict[str, Any] = {
        "ncol": ncol, "loc": "upper left" if own else "lower left",
        "bbox_to_anchor": (0, 1) if own else (1.0, 0.0), "frameon": False, "fontsize": font,
        "handlelength": 0, "handletextpad": 0, "columnspacing": 2 * font / 8,
        "borderaxespad": 0, "title": "Steps by number" if own else None,
        "title_fontsize": font, "alignment": "left"}
    texts = [text for _, text in lines]
    if own:  # its own axes: its legend, which constrained layout makes room for
        box = ax.legend(handles, texts, **options)
    else:  # beside a diagram: an artist of its own, or it would replace the kinds' legend
        from matplotlib.legend import Legend

        box = Legend(ax, handles, texts, **options)
        ax.add_artist(box)
    box.set_gid("key")
    for (sid, _), text in zip(lines, box.get_texts(), strict=True):
        text.set_gid(f"key={sid}")
    if own:
        ax.set_axis_off()


def draw_swimlane(layout: _layout.Swimlane, ax: Axes, *, title: str = "",
                  xmax: float | None = None, width_inches: float = WIDTH_INCHES,
                  process: Process | None = None, labels: dict[str, Label] | None = None,
                  font: float = FONT, row_inches: float = ROW_INCHES) -> None:
    """Draw a computed :class:`~procsimp.layout.Swimlane` into ``ax``.

    ``labels`` say what each box shows (:func:`procsimp.plot._labels.plan_labels`;
    default: planned here, numbering into a key of their own). With ``process``, its
    exclusive edges get their probabilities and its send-backs return arrows.
    """
    from matplotlib.patches import FancyArrowPatch, Rectangle

    xmax = axis_span(xmax if xmax is not None else layout.span)
    total = sum(lane.rows for lane in layout.lanes)
    tops, top = [], float(total)
    for lane in layout.lanes:
        tops.append(top)
        top -= lane.rows
    if labels is None:
        key = Key()
        labels = plan_labels(layout, xmax=xmax,
                             width_inches=axis_inches([layout], width_inches, font),
                             row_inches=ROW_INCHES, font=font, key=key)
        draw_key(ax, key, font=font, width_inches=width_inches)
    for i, lane in enumerate(layout.lanes):
        if i % 2 == 0:
            ax.axhspan(tops[i] - lane.rows, tops[i], color="#f2f2f2", zorder=0, lw=0)
        ax.text(-0.008, tops[i] - lane.rows / 2, wrap_lane(lane.label), fontsize=font + 1,
                transform=ax.get_yaxis_transform(), ha="right", va="center",
                gid=f"lane:{lane.level}")
    centre: dict[str, tuple[float, float, float]] = {}  # key -> (start, finish, y)
    placer = Placer(width_inches * AXIS_SHARE * 72 / xmax, row_inches * 72 * 0.9,
                    (0.0, xmax * 1.02))
    for b in layout.boxes:  # the labels inside boxes first: the small ones keep clear of them
        label = labels.get(b.key)
        if label is not None and not label.above:
            placer.block(b.start + max(b.finish - b.start, xmax * 0.004) / 2,
                         tops[b.lane] - b.row - 0.5, label.text, label.size)
    for b in sorted(layout.boxes, key=lambda b: (b.lane, b.row, b.start)):
        y = tops[b.lane] - b.row - 0.5
        width = max(b.finish - b.start, xmax * 0.004)
        centre[b.key] = (b.start, b.start + width, y)
        if b.kind == "aggregate":
            style: dict[str, Any] = {"facecolor": "#d9d9d9", "hatch": None,
                                     "edgecolor": "#888888", "linewidth": 0.5}
            gid = f"aggregate:{b.key.removeprefix('lane:')}"
        else:
            style = {**KIND_STYLE[b.kind], **(CRITICAL if b.critical else NORMAL)}
            gid = ("ghost:" if b.ghost else "critical:" if b.critical else "step:") + b.key
        patch = Rectangle((b.start, y - BOX_HEIGHT / 2), width, BOX_HEIGHT, gid=gid, zorder=3,
                          alpha=0.25 if b.ghost else 1.0,
                          linestyle="--" if b.ghost else "-", **style)
        ax.add_patch(patch)
        label = labels.get(b.key)
        if label is None:
            continue
        x, ty = b.start + width / 2, y
        if label.above:  # too narrow even for its number: just above the box, in a free spot
            x, ty = placer.place(x, y + BOX_HEIGHT / 2 + 0.14, label.text, label.size * 0.85)
        plain = style["hatch"] is None and not label.numbered and not b.ghost
        ax.text(x, ty, label.text, ha="center", va="center", fontsize=label.size * (
                    0.85 if label.above else 1), zorder=7,
                color="#555555" if b.ghost else "black", linespacing=1.1,
                fontweight="bold" if label.numbered else "normal",
                gid=f"label={b.key}",
                bbox=None if plain or label.above else {
                    "facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 0.8})
    for a in layout.arrows:
        _s0, s1, ys = centre[a.source]
        t0, _t1, yt = centre[a.target]
        if (s1, ys) == (t0, yt):
            continue
        kind = "critical-arrow" if a.critical else "arrow"
        ax.add_patch(FancyArrowPatch(
            (s1, ys), (t0, yt), arrowstyle="-|>", mutation_scale=8, shrinkA=0, shrinkB=0,
            color=OKABE_ITO["black"] if a.critical else "#8c8c8c",
            lw=1.6 if a.critical else 0.7, zorder=4 if a.critical else 2,
            gid=f"{kind}:{a.source}->{a.target}"))
    if process is not None:
        _choices(ax, process, centre, font, placer)
        _sendbacks(ax, process, centre, font, placer)
    ax.set_xlim(0, xmax * 1.02)
    ax.set_ylim(0, total + (0.45 if process is not None and any(
        s.rework is not None and s.id in centre for s in process.steps) else 0))
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(f"{unit_plural(layout.time_unit)} from the start (expected, on mean durations)",
                  fontsize=font + 1)
    ax.tick_params(labelsize=font)
    if title:
        ax.set_title(shorten(title, 110), fontsize=font + 2, loc="left")


def wrap_lane(label: str) -> str:
    """A lane's name in lines of at most 18 characters, whole words, never cut."""
    import textwrap

    return "\n".join(textwrap.wrap(" ".join(label.split()), width=18, break_long_words=False))


def _choices(ax: Axes, process: Process, centre: dict[str, tuple[float, float, float]],
             font: float, placer: Placer) -> None:
    """Each exclusive edge's probability, where the arrow leaves its source (gid ``p:U->V``)."""
    for step in process.steps:
        for pred in step.after:
            if pred.p is None or pred.step not in centre or step.id not in centre:
                continue
            s1, ys = centre[pred.step][1], centre[pred.step][2]
            t0, yt = centre[step.id][0], centre[step.id][2]
            text = f"{pred.p:.0%}"
            x, y = placer.place(s1 + 0.3 * (t0 - s1), ys + 0.3 * (yt - ys), text, font * 0.85)
            ax.text(x, y, text, fontsize=font * 0.85, ha="center", va="center",
                    color=OKABE_ITO["blue"], zorder=6, gid=f"p:{pred.step}->{step.id}",
                    bbox={"facecolor": "white", "edgecolor": OKABE_ITO["blue"], "lw": 0.5,
                          "boxstyle": "round,pad=0.15"})


def _sendbacks(ax: Axes, process: Process, centre: dict[str, tuple[float, float, float]],
               font: float, placer: Placer) -> None:
    """Each send-back as a dashed return bracket over the boxes, from the step back to where
    the file goes, with its rate (gids ``rework:STEP->TO`` and ``rework-rate=STEP``).

    The bracket runs along the top edge of the sub-row, so it stays between the rows.
    """
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    for step in process.steps:
        rw = step.rework
        if rw is None or step.id not in centre or rw.to not in centre:
            continue
        s0, s1, ys = centre[step.id]
        t0, t1, yt = centre[rw.to]
        if rw.to == step.id:  # the step repeats itself: from its right part to its left
            x_from, x_to = s0 + (s1 - s0) * 0.8, s0 + (s1 - s0) * 0.2
        else:
            x_from, x_to = (s0 + s1) / 2, (t0 + t1) / 2
        top = max(ys, yt) + 0.5
        path = Path([(x_from, ys + BOX_HEIGHT / 2), (x_from, top), (x_to, top),
                     (x_to, yt + BOX_HEIGHT / 2)])
        ax.add_patch(FancyArrowPatch(
            path=path, arrowstyle="-|>", mutation_scale=9, lw=1.1, ls=(0, (3, 1.5)),
            color=OKABE_ITO["vermillion"], zorder=6, shrinkA=0, shrinkB=0,
            gid=f"rework:{step.id}->{rw.to}"))
        how = "sent back" if rw.mode == "repeat" else "sent back once"
        text = f"{how} {rw.p:.0%}"
        x, y = placer.place((x_from + x_to) / 2, top, text, font * 0.85)
        ax.text(x, y, text, fontsize=font * 0.85,
                ha="center", va="center", color=OKABE_ITO["vermillion"], zorder=7,
                gid=f"rework-rate={step.id}",
                bbox={"facecolor": "white", "alpha": 0.9, "lw": 0, "pad": 0.5})


def legend(ax: Axes, layouts: list[_layout.Swimlane], *, where: Figure | None = None,
           font: float = FONT) -> None:
    """One legend for the step kinds, the critical path and ghosts present in ``layouts``."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    kinds = {b.kind for lay in layouts for b in lay.boxes}
    handles: list[Artist] = [Patch(label=k, **{**KIND_STYLE[k], **NORMAL})
                             for k in KIND_STYLE if k in kinds]
    if "aggregate" in kinds:
        handles.append(Patch(facecolor="#d9d9d9", edgecolor="#888888",
                             label="other steps (aggregated)"))
    if any(b.ghost for lay in layouts for b in lay.boxes):
        handles.append(Patch(facecolor="#bbbbbb", edgecolor="#555555", alpha=0.35,
                             linestyle="--", label="removed or merged"))
    handles.append(Line2D([], [], color=OKABE_ITO["black"], lw=2.4, label="critical path"))
    if where is not None:  # a figure with constrained layout: legend below everything
        where.legend(handles=handles, loc="outside lower center", ncol=len(handles),
                     fontsize=font, frameon=False)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=font,
                  frameon=False)


__all__ = ["AXIS_SHARE", "ROW_INCHES", "WIDTH_INCHES", "axis_inches", "axis_span", "draw_key",
           "draw_swimlane", "figure_height", "key_inches", "legend", "panels", "process"]
