"""The figures of a slide deck in one call: :func:`deck`, and :func:`save_deck`.

One simplification gives five slides, all at the same size and in the same style:
``before_after`` (the headline figures of :func:`procsimp.compare`, the two
swimlanes, the key), ``before`` and ``after`` (each version alone), ``distribution``
(the simulated lead times of both, on the very cases of the comparison) and
``savings`` (what each pass cut).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procsimp._checks import check_number, validated
from procsimp.errors import FileFormatError, OptionError
from procsimp.plot._before_after import before_after
from procsimp.plot._distribution import distribution
from procsimp.plot._process import process
from procsimp.plot._savings import savings
from procsimp.plot._style import FONT, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from procsimp.comparison import Report
    from procsimp.pipeline import Result

__all__ = ["STYLES", "deck", "save_deck"]

#: Font size of the box labels, by style: ``slide`` reads from the back of a room,
#: ``print`` on an A4 page.
STYLES: dict[str, float] = {"slide": 11.0, "print": float(FONT)}
#: A 16:9 slide, in inches (PowerPoint's and Google Slides' default).
SLIDE = (13.33, 7.5)


def _scaled(fig: Figure, factor: float) -> Figure:
    """Every text of ``fig`` ``factor`` times larger (figures drawn at the default size)."""
    from matplotlib.text import Text

    if factor != 1:
        for t in fig.findobj(Text):
            t.set_fontsize(float(t.get_fontsize()) * factor)
    return fig


@validated
def deck(result: Result, *, size: tuple[float, float] = SLIDE, style: str = "slide",
         n: int = 10_000, seed: int = 0, report: Report | None = None) -> dict[str, Figure]:
    """The figures of a slide deck for one simplification, by name, in slide order.

    Parameters
    ----------
    result
        What :func:`procsimp.simplify` returned (its ``original`` is the "before").
    size
        Width and height of every figure in inches (default: a 16:9 slide).
    style
        ``"slide"`` (large labels) or ``"print"`` (the figures' usual size).
    n, seed
        Simulated cases and seed of the comparison behind the headline and the
        distributions (the same cases for both).
    report
        A :func:`procsimp.compare` report of these two versions to reuse.

    Returns
    -------
    dict
        ``before_after``, ``before``, ``after``, ``distribution``, ``savings``.

    >>> import procsimp as ps
    >>> res = ps.simplify(ps.load("examples/outgoing_letter.yaml"), "all")  # doctest: +SKIP
    >>> ps.plot.save_deck(ps.plot.deck(res), "slides/")  # doctest: +SKIP
    """
    from procsimp.comparison import compare
    from procsimp.pipeline import Result
    from procsimp.simulation import simulate

    if not isinstance(result, Result):
        raise OptionError(f"deck needs what procsimp.simplify returns, got "
                          f"{type(result).__name__}")
    if style not in STYLES:
        raise OptionError(f"deck: style must be one of {', '.join(STYLES)}, got {style!r}")
    if (len(size) != 2 or not all(isinstance(x, (int, float)) and 2 <= x <= 40 for x in size)):
        raise OptionError(f"deck: size must be (width, height) in inches, each 2 to 40, got "
                          f"{size!r}")
    font = STYLES[style]
    width, height = float(size[0]), float(size[1])
    before, after = result.original, result.process
    if report is None:
        report = compare(before, result, n=n, seed=seed)
    figures: dict[str, Any] = {
        "before_after": before_after(before, result, report=report, size=(width, height),
                                     font=font),
        "before": process(before, title=f"Before: {before.name}", size=(width, height),
                          font=font),
        "after": process(after, title=f"After: {after.name}", size=(width, height),
                         font=font),
    }
    if report.n:
        sims = [simulate(p, n=report.n, seed=report.seed) for p in (before, after)]
        fig = new_figure((width, height))
        figures["distribution"] = _scaled(distribution(sims[0], sims[1], ax=fig.add_subplot(),
                                                       process=before), font / FONT)
    fig = new_figure((width, height))
    # the waterfall keeps its own fonts: its pass names sit side by side under the bars
    figures["savings"] = savings(result, ax=list(fig.subplots(1, 2)))
    return figures


#: Highest resolution ``save_deck`` accepts (a 16:9 slide at 1,200 dpi is 19,200 pixels
#: wide already).
MAX_DPI = 1200


@validated
def save_deck(figures: dict[str, Figure], folder: str | os.PathLike[str], *,
              formats: tuple[str, ...] = ("png", "svg"), dpi: int = 150) -> list[Path]:
    """Save every figure of :func:`deck` into ``folder`` as ``NAME.FORMAT``; the paths.

    SVG keeps its text as text (editable in a slide program). ``dpi`` (1 to
    :data:`MAX_DPI`) sets the resolution of the PNG files.
    """
    check_number(dpi, "save_deck", "dpi", low=1, high=MAX_DPI)
    allowed = ("png", "svg", "pdf")
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise OptionError(f"save_deck: formats must be some of {', '.join(allowed)}, got "
                          f"{formats!r}")
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileFormatError(f"{out}: cannot create the folder for the deck: {exc}") from None
    written = []
    for name, fig in figures.items():
        for ext in formats:
            path = out / f"{name}.{ext}"
            try:
                fig.savefig(path, dpi=dpi)
            except OSError as exc:
                raise FileFormatError(f"{path}: cannot write the figure: {exc}") from None
            written.append(path)
    return written
