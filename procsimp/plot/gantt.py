"""Gantt chart of the expected schedule: :func:`gantt`.

One bar per step, in order of expected start, at its scheduled start and as
long as its expected duration; the critical path outlined in black. Above
``max_rows`` steps, one row per role instead, each holding that role's bars,
so 300 steps stay legible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


def gantt(proc: Process, ax: Axes | None = None, *, max_rows: int = MAX_ROWS) -> Figure:
    """Draw the expected schedule of ``proc`` as a Gantt chart and return the Figure.

    Bars carry ``gid`` ``critical:ID`` or ``step:ID``; row labels are the step
    names (or role names when aggregated), shortened to 40 characters.
    """
    c = proc.analysis
    start, finish = c.schedule
    on_path = set(measure(proc).critical_path) if proc.steps else set()
    order = sorted(range(c.n), key=lambda v: (start[v], finish[v]))
    by_role = c.n > max_rows
    if by_role:
        roles = {r.id: r for r in proc.roles}
        keys = list(dict.fromkeys(c.steps[v].role for v in order))
        labels = [roles[k].name or k for k in keys]
        row_of = {v: keys.index(c.steps[v].role) for v in order}
    else:
        labels = [c.steps[v].name for v in order]
        row_of = {v: i for i, v in enumerate(order)}
    fig, ax = figure_and_axes(ax, (11.0, 1.2 + 0.24 * len(labels)))
    span = max(finish, default=0.0) or 1.0
    for v in order:
        step = c.steps[v]
        critical = step.id in on_path
        style = {**KIND_STYLE[step.kind], **(CRITICAL if critical else NORMAL)}
        ax.barh(row_of[v], max(finish[v] - start[v], span * 0.003), left=start[v], height=0.7,
                gid=("critical:" if critical else "step:") + step.id, **style)
    ax.set_yticks(range(len(labels)), [shorten(lb, 40) for lb in labels], fontsize=FONT)
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
