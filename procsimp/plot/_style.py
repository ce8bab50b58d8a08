"""Shared look of every figure: the Okabe-Ito palette, step styles, label shortening.

Okabe & Ito's eight colours stay distinct for the common colour-vision
deficiencies; approvals and signatures are also hatched, so they stay distinct
in greyscale print.
"""

from __future__ import annotations

import functools
import io
import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Okabe-Ito colour-blind-safe palette.
OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
    "grey": "#999999",
}
#: Fill colour and hatch of a step box, by step kind.
KIND_STYLE: dict[str, dict[str, Any]] = {
    "task": {"facecolor": OKABE_ITO["sky_blue"], "hatch": None},
    "review": {"facecolor": OKABE_ITO["green"], "hatch": None},
    "approval": {"facecolor": OKABE_ITO["orange"], "hatch": "//"},
    "signature": {"facecolor": OKABE_ITO["vermillion"], "hatch": "xx"},
    "handoff": {"facecolor": OKABE_ITO["grey"], "hatch": None},
}
#: Outline and arrows of the critical path.
CRITICAL = {"edgecolor": OKABE_ITO["black"], "linewidth": 2.4}
#: Outline of any other step.
NORMAL = {"edgecolor": "#555555", "linewidth": 0.6}
#: Colours of the two versions in comparisons.
BEFORE_COLOUR = OKABE_ITO["vermillion"]
AFTER_COLOUR = OKABE_ITO["blue"]
#: A legal deadline's limit on a time axis (black dash-dot: apart from both versions' colours).
DEADLINE_STYLE: dict[str, Any] = {"color": OKABE_ITO["black"], "ls": (0, (6, 2, 1.5, 2)),
                                  "lw": 1.5}
FONT = 8


def shorten(text: str, width: int, lines: int = 1) -> str:
    """``text`` wrapped to at most ``lines`` lines of ``width`` characters, with an ellipsis."""
    if width < 1:
        return ""
    wrapped = textwrap.wrap(" ".join(text.split()), width=width, break_long_words=False)
    cut = len(wrapped) > lines
    wrapped = [w if len(w) <= width else w[:width - 1] + "…" for w in wrapped[:lines]]
    if cut and not wrapped[-1].endswith("…"):
        last = wrapped[-1]
        wrapped[-1] = (last if len(last) < width else last[:width - 1]) + "…"
    return "\n".join(wrapped)


def unit_plural(unit: str, value: float | None = None) -> str:
    """``day`` -> ``days`` (kept singular for exactly 1)."""
    return unit if value == 1 else unit + "s"


def deadline_unit(unit: str, value: float | None = None) -> str:
    """A deadline's unit in words: ``working_day`` -> ``working days``, ``day`` -> ``calendar
    days`` (a bare "days" would hide the basis)."""
    words = {"working_day": "working day", "day": "calendar day", "working_hour": "working hour",
             "hour": "hour"}[unit]
    return unit_plural(words, value)


def share_with_ci(share: float, ci: tuple[float, float]) -> str:
    """``62.1% (95% CI 61.2-63.0%)``; ``n/a`` when no case reached the clock."""
    if share != share:  # nan: no case reaches both ends of the clock
        return "n/a"
    return f"{share:.1%} (95% CI {ci[0] * 100:.1f}-{ci[1]:.1%})"


def new_figure(size: tuple[float, float]) -> Figure:
    """A new pyplot-free figure that a notebook shows inline by itself (as PNG).

    A bare :class:`matplotlib.figure.Figure` displays as ``<Figure size ...>`` unless the
    notebook ran ``%matplotlib inline``; this one renders itself through ``_repr_png_``.
    """
    return _figure_class()(figsize=size, layout="constrained")


@functools.cache
def _figure_class() -> type[Figure]:
    from matplotlib.figure import Figure

    class ProcsimpFigure(Figure):
        """A matplotlib Figure that shows itself in a notebook and keeps its text as text
        in SVG (``<text>`` elements, editable in a slide program)."""

        def savefig(self, *args: Any, **kwargs: Any) -> None:
            import matplotlib

            with matplotlib.rc_context({"svg.fonttype": "none"}):
                super().savefig(*args, **kwargs)

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=110)
            return buffer.getvalue()

    ProcsimpFigure.__module__ = "procsimp.plot"
    return ProcsimpFigure


def figure_and_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure of ``ax``, or a new pyplot-free figure with one axes."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = new_figure(size)
    return fig, fig.add_subplot()
