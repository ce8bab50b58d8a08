"""What each pass cut: :func:`savings`.

Two waterfalls side by side: the flow lead time (:func:`procsimp.measure`)
and the layers, from the process before, through the cut each pass made, to
the process after. Bars carry ``gid`` ``start``, ``pass:NAME`` and ``end``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from procsimp._checks import validated
from procsimp.errors import OptionError
from procsimp.metrics import measure
from procsimp.plot._style import (
    AFTER_COLOUR,
    BEFORE_COLOUR,
    FONT,
    OKABE_ITO,
    new_figure,
    unit_plural,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.pipeline import Result


def waterfall(result: Result) -> list[tuple[str, float, float]]:
    """``(label, lead_time, layers)`` before, after each pass in turn (a pure computation)."""
    steps = [("before", result.original)] + [(run.name, run.process) for run in result.runs]
    out = []
    for label, proc in steps:
        m = measure(proc)
        out.append((label, m.lead_time, float(m.layers)))
    return out


@validated
def savings(result: Result, ax: Sequence[Axes] | None = None) -> Figure:
    """Draw the lead time and layers cut by each pass as waterfalls; return the Figure.

    ``ax``: two axes (lead time, layers) to draw into; by default a new figure.
    """
    rows = waterfall(result)
    unit = unit_plural(result.original.time_unit)
    if ax is None:
        fig = new_figure((max(9.0, 1.9 * (len(rows) + 1)), 4.4))
        axes = fig.subplots(1, 2)
    else:
        axes = list(ax)
        if len(axes) != 2:
            raise OptionError(f"savings needs two axes (lead time, layers), got {len(axes)}")
        fig = axes[0].figure
    lead_times = [lead for _, lead, _ in rows]
    layers = [count for _, _, count in rows]
    for axis, values, what, fmt in ((axes[0], lead_times, f"flow lead time ({unit})", "{:.1f}"),
                                    (axes[1], layers, "layers", "{:.0f}")):
        labels = [r[0] for r in rows] + ["after"]
        x = range(len(labels))
        axis.bar(0, values[0], color=BEFORE_COLOUR, gid="start")
        axis.text(0, values[0], fmt.format(values[0]), ha="center", va="bottom", fontsize=FONT)
        for i in range(1, len(values)):
            cut = values[i - 1] - values[i]
            axis.bar(i, -cut if cut else 0, bottom=values[i - 1],
                     color=OKABE_ITO["green"] if cut >= 0 else OKABE_ITO["orange"],
                     gid=f"pass:{rows[i][0]}")
            text = fmt.format(abs(cut))
            if float(text) != 0:
                text = ("-" if cut > 0 else "+") + text
            axis.text(i, max(values[i - 1], values[i]), text, ha="center", va="bottom",
                      fontsize=FONT)
        axis.bar(len(values), values[-1], color=AFTER_COLOUR, gid="end")
        axis.text(len(values), values[-1], fmt.format(values[-1]), ha="center", va="bottom",
                  fontsize=FONT)
        axis.set_xticks(list(x), [lb.replace("_", "\n") for lb in labels], fontsize=FONT)
        axis.set_ylabel(what, fontsize=FONT + 1)
        axis.tick_params(axis="y", labelsize=FONT)
        axis.set_ylim(0, max(values) * 1.12 or 1)
        axis.spines[["top", "right"]].set_visible(False)
    axes[0].set_title(f"What each pass cut: {result.original.name}", fontsize=FONT + 2,
                      loc="left")
    return fig


__all__ = ["savings", "waterfall"]
