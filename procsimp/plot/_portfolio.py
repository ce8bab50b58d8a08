"""Where a catalogue's days and layers are cut: :func:`portfolio`.

Three panels from a :func:`procsimp.portfolio` table: a scatter of a time
metric before vs after per process (one colour per scenario; points below the
diagonal were cut), then the mean time and the mean layers cut per scenario,
per case (weighted by ``cases_per_year`` when every process declares it) or
else per process (:func:`procsimp.batch.totals`). One figure shows one
time unit: a table mixing units needs ``unit=``. Scatter collections carry
``gid`` ``scenario:NAME``, bars ``time:NAME`` and ``layers:NAME``; the
diagonal ``diagonal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from procsimp._checks import validated
from procsimp.batch import totals
from procsimp.errors import OptionError
from procsimp.plot._style import FONT, OKABE_ITO, new_figure, unit_plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Scenario colours, in the order scenarios first appear in the table.
SCENARIO_COLOURS = tuple(OKABE_ITO[c] for c in (
    "blue", "vermillion", "green", "orange", "purple", "sky_blue", "yellow", "black"))


@validated
def portfolio(table: Any, metric: str = "lead_time", ax: Sequence[Axes] | None = None, *,
              unit: str | None = None) -> Figure:
    """Draw where a portfolio's time and layers are cut; return the Figure.

    Parameters
    ----------
    table
        :attr:`procsimp.PortfolioResult.table` (or the result itself).
    metric
        A time column pair of the table: ``lead_time`` (flow, default),
        ``simulated_p50``, ``simulated_p90``, ``simulated_mean`` or ``touch_time``.
    ax
        Three axes (scatter, time cut, layers cut) to draw into; by default a new figure.
    unit
        Draw only the processes in this time unit (``hour``, ``day``, ``week``);
        required when the table mixes units, which are never drawn on one axis.
    """
    if hasattr(table, "to_frame") and not hasattr(table, "columns"):
        table = table.to_frame()
    missing = [c for c in (f"{metric}_before", f"{metric}_after", f"{metric}_cut",
                           "layers_cut", "scenario") if c not in getattr(table, "columns", ())]
    if missing:
        raise OptionError(f"plot.portfolio needs a portfolio table with columns "
                          f"{', '.join(missing)}; pass PortfolioResult.table "
                          f"(metric {metric!r})")
    if len(table) == 0:
        raise OptionError("plot.portfolio: the table has no rows (every process failed?)")
    units = list(dict.fromkeys(table["time_unit"])) if "time_unit" in table.columns else ["day"]
    if unit is None:
        if len(units) > 1:
            raise OptionError(f"plot.portfolio: the table mixes processes timed in "
                              f"{' and '.join(unit_plural(u) for u in units)}, which cannot share "
                              f"an axis without a calendar; pass unit= one of "
                              f"{', '.join(map(repr, units))} (one figure per unit)")
        unit = units[0]
    elif unit not in units:
        raise OptionError(f"plot.portfolio: no process of the table is timed in {unit!r}; its "
                          f"units are {', '.join(map(repr, units))}")
    if "time_unit" in table.columns:
        table = table[table["time_unit"] == unit]
    sums = totals(table.to_dict("records"), metric)
    per = "case" if all(t.weighted for t in sums) else "process"
    units_label = unit_plural(unit)
    if ax is None:
        fig = new_figure((13.0, 4.4))
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.4, 1, 1]})
    else:
        axes = list(ax)
        if len(axes) != 3:
            raise OptionError(f"plot.portfolio needs three axes (scatter, time cut, layers "
                              f"cut), got {len(axes)}")
        fig = axes[0].figure
    colours = {t.scenario: SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
               for i, t in enumerate(sums)}
    label = metric.replace("simulated_", "simulated ").replace("_", " ")

    scatter = axes[0]
    top = float(max(table[f"{metric}_before"].max(), table[f"{metric}_after"].max()))
    top = top * 1.05 or 1.0
    scatter.plot([0, top], [0, top], color=OKABE_ITO["grey"], linewidth=0.8,
                 linestyle="--", gid="diagonal", label="no change")
    for name in colours:
        rows = table[table["scenario"] == name]
        scatter.scatter(rows[f"{metric}_before"], rows[f"{metric}_after"], s=12, alpha=0.7,
                        color=colours[name], label=name, gid=f"scenario:{name}")
    scatter.set_xlim(0, top)
    scatter.set_ylim(0, top)
    scatter.set_aspect("equal")
    scatter.set_xlabel(f"{label} before ({units_label})", fontsize=FONT + 1)
    scatter.set_ylabel(f"{label} after ({units_label})", fontsize=FONT + 1)
    scatter.legend(fontsize=FONT, frameon=False)
    scatter.set_title(f"{label.capitalize()} per process: below the diagonal is a cut",
                      fontsize=FONT + 2, loc="left")

    for axis, field, what, kind in (
            (axes[1], "cut", f"mean {label} cut per {per} ({units_label})", "time"),
            (axes[2], "layers_cut", f"mean layers cut per {per}", "layers")):
        for i, t in enumerate(sums):
            value = getattr(t, field)
            axis.bar(i, value, color=colours[t.scenario], gid=f"{kind}:{t.scenario}")
            axis.text(i, max(value, 0), f"{value:,.2f}", ha="center", va="bottom",
                      fontsize=FONT)
        axis.set_xticks(range(len(sums)), [f"{t.scenario}\n({t.processes} processes)"
                                           for t in sums], fontsize=FONT)
        axis.set_ylabel(what, fontsize=FONT + 1)
        axis.axhline(0, color=OKABE_ITO["black"], linewidth=0.6)
        axis.spines[["top", "right"]].set_visible(False)
        axis.tick_params(axis="y", labelsize=FONT)
    axes[1].set_title(f"Mean cut per {per}" + (" (weighted by cases per year)"
                                                if per == "case" else ""),
                      fontsize=FONT + 2, loc="left")
    return fig


__all__ = ["SCENARIO_COLOURS", "portfolio"]
