"""Gantt chart of the expected schedule: :func:`gantt`.

One bar per step, in order of expected start, at its scheduled start and as
long as its expected duration; the critical path outlined in black. Above
``max_rows`` steps, one row per role instead, each holding that role's bars,
so 300 steps stay legible.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from procsimp._checks import validated
from procsimp.metrics import measure
from procsimp.plot._style import (
    CRITICAL,
    FONT,
    KIND_STYLE,
    NORMAL,
    figure_and_axes,
    shorten,
    unit_plural,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.model import Process

#: Above this many steps the chart has one row per role.
MAX_ROWS = 40


@validated
def gantt(proc: Process, ax: Axes | None = None, *, max_rows: int = MAX_ROWS) -> Figure:
    """Draw the expected schedule of ``proc`` as a Gantt chart and return the Figure.

    Bars carry ``gid`` ``critical:ID`` or ``step:ID``; row labels are the whole step
    names (or role names when aggregated), wrapped at spaces into lines of 45 characters.
    """
    times = proc.analysis.mean_schedule()
    on_path = set(measure(proc).critical_path) if proc.steps else set()
    order = sorted(proc.steps, key=lambda s: times[s.id])  # stable: file order breaks ties
    by_role = len(order) > max_rows
    if by_role:
        roles = {r.id: r for r in proc.roles}
        keys = list(dict.fromkeys(s.role for s in order))
        labels = [roles[k].name or k for k in keys]
        row_of = {s.id: keys.index(s.role) for s in order}
    else:
        labels = [s.name for s in order]
        row_of = {s.id: i for i, s in enumerate(order)}
    wrapped = ["\n".join(textwrap.wrap(" ".join(lb.split()), width=45, break_long_words=False))
               or lb for lb in labels]
    lines = max((w.count("\n") + 1 for w in wrapped), default=1)
    fig, ax = figure_and_axes(ax, (11.0, 1.2 + (0.11 + 0.13 * lines) * len(labels)))
    span = max((f for _, f in times.values()), default=0.0) or 1.0
    for step in order:
        start, finish = times[step.id]
        critical = step.id in on_path
        style = {**KIND_STYLE[step.kind], **(CRITICAL if critical else NORMAL)}
        ax.barh(row_of[step.id], max(finish - start, span * 0.003), left=start, height=0.7,
                gid=("critical:" if critical else "step:") + step.id, **style)
    ax.set_yticks(range(len(labels)), wrapped, fontsize=FONT, linespacing=1.0)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, span * 1.02)
    ax.set_xlabel(f"{unit_plural(proc.time_unit)} from the start (expected)", fontsize=FONT + 1)
    ax.tick_params(axis="x", labelsize=FONT)
    ax.set_title(shorten(proc.name, 100) + (" (one row per role)" if by_role else ""),
                 fontsize=FONT + 2, loc="left")
    ax.grid(axis="x", color="#dddddd", lw=0.5)
    ax.set_axisbelow(True)
    return fig


__all__ = ["MAX_ROWS", "gantt"]
