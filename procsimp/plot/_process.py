"""The swimlane diagram of one process: :func:`process`.

One lane per hierarchy level, highest rank on top; each step a box at its
expected start (mean durations, handoff delays included) as wide as its
expected duration; arrows for precedence, so vertical handoffs show the file
climbing and descending the hierarchy; the critical path outlined in black
with black arrows; approvals and signatures hatched in their own colours.

Artists carry a ``gid`` saying what they show: ``step:ID``, ``critical:ID``,
``ghost:ID`` (a removed step, critical or not), ``aggregate:LEVEL:K``,
``arrow:U->V``, ``critical-arrow:U->V``, ``lane:LEVEL`` (the lane label).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from procsimp import layout as _layout
from procsimp._checks import validated
from procsimp.plot._style import (
    CRITICAL,
    FONT,
    KIND_STYLE,
    NORMAL,
    OKABE_ITO,
    figure_and_axes,
    shorten,
    unit_plural,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.model import Process

#: Height of one sub-row of a lane, in inches.
ROW_INCHES = 0.42
WIDTH_INCHES = 11.0


@validated
def process(proc: Process, ax: Axes | None = None, *, max_boxes: int = _layout.MAX_BOXES,
            title: str | None = None) -> Figure:
    """Draw ``proc`` as a time-scaled swimlane diagram and return the Figure.

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

    Examples
    --------
    >>> import procsimp as ps
    >>> fig = ps.plot.process(ps.load("examples/outgoing_letter.yaml"))  # doctest: +SKIP
    >>> fig.savefig("letter.svg")  # doctest: +SKIP
    """
    layout = _layout.swimlane(proc, max_boxes=max_boxes)
    owned = ax is None
    fig, ax = figure_and_axes(ax, (WIDTH_INCHES, figure_height(layout)))
    draw_swimlane(layout, ax, title=proc.name if title is None else title)
    legend(ax, [layout], where=fig if owned else None)
    return fig


def figure_height(layout: _layout.Swimlane) -> float:
    """Inches a swimlane needs: its rows plus room for the title, axis and legend."""
    return sum(lane.rows for lane in layout.lanes) * ROW_INCHES + 1.6


def draw_swimlane(layout: _layout.Swimlane, ax: Axes, *, title: str = "",
                  xmax: float | None = None, width_inches: float = WIDTH_INCHES) -> None:
    """Draw a computed :class:`~procsimp.layout.Swimlane` into ``ax``."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    xmax = max(xmax if xmax is not None else layout.span, 1e-9)
    total = sum(lane.rows for lane in layout.lanes)
    tops, top = [], float(total)
    for lane in layout.lanes:
        tops.append(top)
        top -= lane.rows
    inches_per_unit = width_inches * 0.75 / xmax
    for i, lane in enumerate(layout.lanes):
        if i % 2 == 0:
            ax.axhspan(tops[i] - lane.rows, tops[i], color="#f2f2f2", zorder=0, lw=0)
        ax.text(-0.008, tops[i] - lane.rows / 2, shorten(lane.label, 18, 3),
                transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=FONT + 1,
                gid=f"lane:{lane.level}")
    centre: dict[str, tuple[float, float, float]] = {}  # key -> (start, finish, y)
    for b in layout.boxes:
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
        patch = Rectangle((b.start, y - 0.35), width, 0.7, gid=gid, zorder=3,
                          alpha=0.25 if b.ghost else 1.0,
                          linestyle="--" if b.ghost else "-", **style)
        ax.add_patch(patch)
        chars = int(width * inches_per_unit * 72 / (FONT * 0.65)) - 1
        if b.kind == "aggregate" and chars < len(b.label):
            label = str(b.count) if chars >= len(str(b.count)) else ""
            if label:
                ax.text(b.start + width / 2, y, label, ha="center", va="center",
                        fontsize=FONT, zorder=5, clip_on=True)
        elif chars >= 5:  # narrower boxes stay unlabelled rather than overflow
            ax.text(b.start + width / 2, y, shorten(b.label, chars, 2 if chars >= 8 else 1),
                    ha="center", va="center", fontsize=FONT, zorder=5, clip_on=True,
                    color="#777777" if b.ghost else "black",
                    bbox=None if style["hatch"] is None else {
                        "facecolor": "white", "alpha": 0.75, "lw": 0, "pad": 0.8})
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
    ax.set_xlim(0, xmax * 1.02)
    ax.set_ylim(0, total)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(f"{unit_plural(layout.time_unit)} from the start (expected, on mean durations)",
                  fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    if title:
        ax.set_title(shorten(title, 110), fontsize=FONT + 2, loc="left")


def legend(ax: Axes, layouts: list[_layout.Swimlane], *, where: Figure | None = None) -> None:
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
                     fontsize=FONT, frameon=False)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=FONT,
                  frameon=False)


__all__ = ["ROW_INCHES", "WIDTH_INCHES", "draw_swimlane", "figure_height", "legend", "process"]
