"""The figure-specific part of the layout: the headline of a before/after figure.

Lanes, boxes and arrows come from the shared layout, :mod:`procsimp.layout`
(also used by Mermaid, DOT and BPMN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from procsimp.comparison import Report

__all__ = ["headline"]


def headline(report: Report) -> str:
    """The one headline of a before/after figure, from :func:`procsimp.compare`'s report.

    ``layers 4 -> 2, lead time 16.9 -> 13.1 days (mean), 24.0 -> 18.2 days (p90)`` on its
    first line: the simulated mean and p90 lead time (what cases experience, the figures
    the report quotes), and on the second the mean cut with its 95 % interval from the
    paired cases. A report without simulation (``n=0``) gives
    the expected lead time on mean durations and says so.
    """
    layers = report.metric("layers")
    unit = report.time_unit + "s"
    sim = report.simulation
    if sim is None:
        lead = report.metric("lead_time")
        return (f"layers {layers.before:.0f} -> {layers.after:.0f}, lead time "
                f"{lead.before:.1f} -> {lead.after:.1f} {unit}\n"
                f"expected on mean durations (not simulated)")
    cut = sim.mean_cut
    # enough decimals that a narrow interval does not print as its own end points
    d = 1 if cut.ci[1] - cut.ci[0] >= 0.2 else 2
    return (f"layers {layers.before:.0f} -> {layers.after:.0f}, lead time "
            f"{sim.before.mean:.1f} -> {sim.after.mean:.1f} {unit} (mean), "
            f"{sim.before.p90:.1f} -> {sim.after.p90:.1f} {unit} (p90)\n"
            f"{report.n:,} simulated cases; mean cut {cut.value:.{d}f} {unit} "
            f"(95% CI {cut.ci[0]:.{d}f} to {cut.ci[1]:.{d}f})")
