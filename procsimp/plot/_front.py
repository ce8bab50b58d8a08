"""The trade-off of a target-seeking plan: :func:`front`.

One point per plan :func:`procsimp.seek` examined: the cost (by default the
number) of its moves across, its simulated p90 lead time up, coloured by the
expected cost per case. The non-dominated plans are joined by a line, the
chosen plan is ringed, and a p90 target is drawn as a dashed line. The points
carry ``gid`` ``plans`` (in the order of ``Plan.front``), the line ``front``, the
ring ``chosen``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp._checks import validated
from procsimp.errors import OptionError
from procsimp.plot._style import AFTER_COLOUR, BEFORE_COLOUR, FONT, figure_and_axes, unit_plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.seeking import Plan


@validated
def front(plan: Plan, ax: Axes | None = None) -> Figure:
    """Draw the examined plans on (cost of moves, p90 lead time, cost per case); return the
    Figure. ``ax``: an axes to draw into (default: a new figure)."""
    from procsimp.seeking import Plan

    if not isinstance(plan, Plan):
        raise OptionError(f"front needs the Plan that ps.seek returns, got "
                          f"{type(plan).__name__}")
    fig, axis = figure_and_axes(ax, (6.4, 4.2))
    points = plan.front
    costs = [p.cost_per_case for p in points]
    shade = axis.scatter([p.cost for p in points], [p.p90 for p in points], c=costs,
                         cmap="viridis", s=36, zorder=3, edgecolors="#333333", linewidths=0.5,
                         gid="plans")
    on = sorted((p for p in points if p.on_front), key=lambda p: (p.cost, p.p90))
    axis.plot([p.cost for p in on], [p.p90 for p in on], color=AFTER_COLOUR, linewidth=1.2,
              zorder=2, label="non-dominated", gid="front")
    labels = {m.label for m in plan.moves}
    mine = [p for p in points if set(p.moves) == labels]
    if mine:
        axis.scatter([mine[0].cost], [mine[0].p90], s=160, facecolors="none",
                     edgecolors=BEFORE_COLOUR, linewidths=1.6, zorder=4, gid="chosen",
                     label="chosen plan")
    unit = unit_plural(plan.original.time_unit)
    if plan.target.metric == "quantile" and abs(plan.target.q - 0.9) < 1e-12:
        axis.axhline(plan.target.threshold, color="#777777", linestyle="--", linewidth=1,
                     label=f"target p90 {plan.target.threshold:g} {unit}")
    axis.set_xlabel("cost of the moves (number of changes by default)", fontsize=FONT)
    axis.set_ylabel(f"simulated p90 lead time ({unit})", fontsize=FONT)
    axis.set_title(f"{plan.original.name}: trade-off among the plans examined",
                   fontsize=FONT + 1)
    axis.tick_params(labelsize=FONT)
    bar = fig.colorbar(shade, ax=axis)
    bar.set_label("expected cost per case", fontsize=FONT)
    bar.ax.tick_params(labelsize=FONT)
    axis.legend(fontsize=FONT, loc="upper right")
    return fig


__all__ = ["front"]
