"""Where a catalogue's days and layers are cut: :func:`portfolio`.

Three panels from a :func:`procsimp.portfolio` table: a scatter of a time
metric before vs after per process (one colour per scenario; points below the
diagonal were cut), then the total time and the total layers cut per
scenario. Scatter collections carry ``gid`` ``scenario:NAME``, bars
``time:NAME`` and ``layers:NAME``; the diagonal ``diagonal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from procsimp.errors import OptionError
from procsimp.plot._style import FONT, OKABE_ITO, new_figure, unit_plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Scenario colours, in the order scenarios first appear in the table.
SCENARIO_COLOURS = tuple(OKABE_ITO[c] for c in (
    "blue", "vermillion", "green", "orange", "purple", "sky_blue", "yellow", "black"))


def totals(table: Any, metric: str = "lead_time") -> list[tuple[str, float, float, int]]:
    """``(scenario, total metric cut, total layers cut, rows)`` per scenario, in table order."""
    out = []
    for name in dict.fromkeys(table["scenario"]):
        rows = table[table["scenario"] == name]
        out.append((str(name), float(rows[f"{metric}_cut"].sum()),
                    float(rows["layers_cut"].sum()), len(rows)))
    return out


def portfolio(table: Any, metric: str = "lead_time",
              ax: Sequence[Axes] | None = None) -> Figure:
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
    units = sorted(set(table["time_unit"])) if "time_unit" in table.columns else ["day"]
    unit = "/".join(unit_plural(u) for u in units)
    if ax is None:
        fig = new_figure((13.0, 4.4))
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.4, 1, 1]})
    else:
        axes = list(ax)
        if len(axes) != 3:
            raise OptionError(f"plot.portfolio needs three axes (scatter, time cut, layers "
                              f"cut), got {len(axes)}")
        fig = axes[0].figure
    sums = totals(table, metric)
    colours = {name: SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
               for i, (name, *_) in enumerate(sums)}
    label = metric.replace("simulated_", "simulated ").replace("_", " ")

    scatter = axes[0]
    top = float(max(table[f"{metric}_before"].max(), table[f"{metric}_after"].max()))
    top = top * 1.05 or 1.0
    scatter.plot([0, top], [0, top], color=OKABE_ITO["grey"], linewidth=0.8,
                 linestyle="--", gid="diagonal", label="no change")
    for name, *_ in sums:
        rows = table[table["scenario"] == name]
        scatter.scatter(rows[f"{metric}_before"], rows[f"{metric}_after"], s=12, alpha=0.7,
                        color=colours[name], label=name, gid=f"scenario:{name}")
    scatter.set_xlim(0, top)
    scatter.set_ylim(0, top)
    scatter.set_aspect("equal")
    scatter.set_xlabel(f"{label} before ({unit})", fontsize=FONT + 1)
    scatter.set_ylabel(f"{label} after ({unit})", fontsize=FONT + 1)
    scatter.legend(fontsize=FONT, frameon=False)
    scatter.set_title(f"{label.capitalize()} per process: below the diagonal is a cut",
                      fontsize=FONT + 2, loc="left")

    for axis, col, what, fmt, kind in (
            (axes[1], 1, f"total {label} cut ({unit})", "{:,.1f}", "time"),
            (axes[2], 2, "total layers cut", "{:,.0f}", "layers")):
        for i, row in enumerate(sums):
            axis.bar(i, row[col], color=colours[row[0]], gid=f"{kind}:{row[0]}")
            axis.text(i, max(row[col], 0), fmt.format(row[col]), ha="center", va="bottom",
                      fontsize=FONT)
        axis.set_xticks(range(len(sums)), [f"{r[0]}\n({r[3]} processes)" for r in sums],
                        fontsize=FONT)
        axis.set_ylabel(what, fontsize=FONT + 1)
        axis.axhline(0, color=OKABE_ITO["black"], linewidth=0.6)
        axis.spines[["top", "right"]].set_visible(False)
        axis.tick_params(axis="y", labelsize=FONT)
    axes[1].set_title("Totals per scenario", fontsize=FONT + 2, loc="left")
    return fig
