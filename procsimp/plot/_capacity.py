"""The load a reform moves: :func:`utilisation`.

One pair of horizontal bars per role: its utilisation before (vermillion) and after
(blue) the reform, from :func:`procsimp.queueing.load_changes`, with full utilisation
(1, where the queue grows without bound) drawn solid and the overload line
(:data:`~procsimp.queueing.OVERLOAD`) dashed. Bars carry ``gid`` ``before:ROLE`` and
``after:ROLE``; a role whose utilisation reaches 1 is labelled ``unstable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp._checks import validated
from procsimp.errors import OptionError
from procsimp.model import Process
from procsimp.plot._style import AFTER_COLOUR, BEFORE_COLOUR, FONT, OKABE_ITO, figure_and_axes
from procsimp.queueing import OVERLOAD, load_changes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.pipeline import Result


@validated
def utilisation(before: Process | Result, after: Process | None = None,
                ax: Axes | None = None) -> Figure:
    """Draw each role's utilisation before and after; return the Figure.

    ``before``: the process before (then ``after`` is the process after), or a
    :class:`~procsimp.pipeline.Result` (its original and simplified process). Both must
    declare ``arrivals``. ``ax``: the axes to draw into; by default a new figure.
    """
    if not isinstance(before, Process):
        result = before
        before, after = result.original, result.process
    if after is None:
        raise OptionError("utilisation: give the process after the reform (or a Result)")
    changes = load_changes(before, after)
    if not changes:
        raise OptionError(f"utilisation: {before.name!r} and {after.name!r} must both declare "
                          f"arrivals and some steps with work (see the workload docs)")
    fig, axis = figure_and_axes(ax, (7.5, 0.55 * len(changes) + 1.4))
    height = 0.38
    top = 1.0
    for i, c in enumerate(changes):
        y = len(changes) - 1 - i
        for value, dy, colour, tag in ((c.utilisation_before, height / 2, BEFORE_COLOUR,
                                        "before"),
                                       (c.utilisation_after, -height / 2, AFTER_COLOUR, "after")):
            axis.barh(y + dy, value, height=height, color=colour, gid=f"{tag}:{c.role}",
                      label=tag if i == 0 else None)
            text = "unstable" if value >= 1 else f"{value:.0%}"
            axis.text(value, y + dy, f" {text}", va="center", ha="left", fontsize=FONT)
            top = max(top, value)
    axis.axvline(1.0, color=OKABE_ITO["black"], linewidth=1.0)
    axis.axvline(OVERLOAD, color=OKABE_ITO["black"], linewidth=0.8, linestyle="--")
    axis.set_yticks(range(len(changes)), [c.role for c in reversed(changes)], fontsize=FONT)
    axis.set_xlim(0, top * 1.18)
    axis.set_xlabel("utilisation (share of the staff's available time)", fontsize=FONT + 1)
    axis.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    axis.tick_params(axis="x", labelsize=FONT)
    axis.legend(fontsize=FONT, loc="lower right")
    axis.set_title(f"{before.name}: utilisation by role", fontsize=FONT + 2)
    return fig
