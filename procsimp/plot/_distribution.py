"""Simulated lead time before and after: :func:`distribution`.

Empirical cumulative distributions (ECDFs) of the simulated lead times, with
the median (p50) and the 90th percentile (p90) of each version marked: the
horizontal gap between the curves is the cut at every service level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from procsimp.plot._style import AFTER_COLOUR, BEFORE_COLOUR, FONT, figure_and_axes, unit_plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.simulation import SimulationResult


def distribution(sim_before: SimulationResult, sim_after: SimulationResult | None = None,
                 ax: Axes | None = None, *, labels: tuple[str, str] = ("before", "after")
                 ) -> Figure:
    """Draw the ECDFs of simulated lead time with p50 and p90 marked; return the Figure.

    Curves carry ``gid`` ``ecdf:LABEL``; the quantile lines ``p50:LABEL`` and
    ``p90:LABEL``, at exactly ``sim.p50`` and ``sim.p90``.
    """
    fig, ax = figure_and_axes(ax, (8.0, 4.2))
    sims = [(sim_before, labels[0], BEFORE_COLOUR, "-")]
    if sim_after is not None:
        sims.append((sim_after, labels[1], AFTER_COLOUR, "--"))
    for sim, label, colour, style in sims:
        x = np.sort(np.asarray(sim.samples, dtype=float))
        y = np.arange(1, x.size + 1) / x.size
        ax.step(x, y, where="post", color=colour, ls=style, lw=1.8, gid=f"ecdf:{label}",
                label=f"{label}: p50 {sim.p50:.1f}, p90 {sim.p90:.1f} "
                      f"{unit_plural(sim.time_unit)}")
        for q, value, marker in ((0.5, sim.p50, "o"), (0.9, sim.p90, "s")):
            ax.vlines(value, 0, q, color=colour, ls=":", lw=1.2, gid=f"p{int(q * 100)}:{label}")
            ax.plot([value], [q], marker=marker, color=colour, ms=5)
    ax.axhline(0.5, color="#cccccc", lw=0.6, zorder=0)
    ax.axhline(0.9, color="#cccccc", lw=0.6, zorder=0)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 0.9, 1.0], ["0", "25%", "p50", "75%", "p90", "100%"])
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"simulated lead time ({unit_plural(sim_before.time_unit)}, "
                  f"{sim_before.n:,} cases)", fontsize=FONT + 1)
    ax.set_ylabel("share of cases finished", fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    ax.legend(fontsize=FONT, loc="lower right", frameon=False)
    ax.set_title("Lead time distribution", fontsize=FONT + 2, loc="left")
    return fig


__all__ = ["distribution"]
