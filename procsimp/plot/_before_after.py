"""Before and after a reform, on one time axis: :func:`before_after`.

The two swimlanes share their lanes and their time axis, so the shorter
"after" diagram and its emptied lanes show the cut at a glance. Given the
:class:`~procsimp.pipeline.Result` of the simplification, the steps it removed
or merged away are ghosted (faded, dashed) in the "before" panel. The
headline states layers and the simulated mean lead time before -> after, and
the cut with its 95 % interval: the figures of :func:`procsimp.compare` (pass
its ``report`` to reuse one already computed, so figure and table agree).
Under it, one line per deadline gives the share of cases on time before ->
after and the paired change with its interval (``Report.on_time``); a deadline
timing the whole process is also a dash-dot line at its limit on the time axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from procsimp import layout as _layout
from procsimp._checks import validated
from procsimp.errors import OptionError
from procsimp.plot._distribution import deadline_position
from procsimp.plot._labels import Key, plan_labels
from procsimp.plot._layout import headline
from procsimp.plot._process import (
    ROW_INCHES,
    WIDTH_INCHES,
    axis_inches,
    axis_span,
    draw_key,
    draw_swimlane,
    figure_height,
    key_inches,
    legend,
    panels,
)
from procsimp.plot._style import DEADLINE_STYLE, FONT, deadline_unit, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.comparison import Report
    from procsimp.deadlines import OnTimeChange
    from procsimp.model import Process
    from procsimp.pipeline import Result

#: Height of a panel's title with its padding, in points: the on-time lines go above it.
TITLE_POINTS = 20


@validated
def before_after(before: Process, after: Process | Result, result: Result | None = None,
                 ax: Sequence[Axes] | None = None, *, report: Report | None = None,
                 n: int = 10_000, seed: int = 0, max_boxes: int = _layout.MAX_BOXES,
                 size: tuple[float, float] | None = None, font: float = FONT) -> Figure:
    """Draw ``before`` above ``after`` on a shared time axis and return the Figure.

    Parameters
    ----------
    before, after
        The process as it is and after reform; ``after`` may be the
        :class:`~procsimp.pipeline.Result` of :func:`procsimp.simplify`.
    result
        The simplification that produced ``after``: its removed and merged
        steps are ghosted in the "before" panel.
    ax
        Two axes (before, after) to draw into; by default a new figure.
    report
        The :func:`procsimp.compare` report of these two versions, for the headline; by
        default ``compare(before, after, n=n, seed=seed)`` is run (``n=0``: the headline
        gives the expected lead time on mean durations instead, and says so).
    n, seed
        Simulated cases and seed of that comparison.
    max_boxes
        Above this many steps a panel is aggregated (see :func:`procsimp.plot.process`).
    size
        Figure size in inches (width, height); default: 11 inches wide, as tall as the
        lanes need.
    font
        Font size of the box labels in points (the rest scales with it).

    Every box shows its step's whole name or a number listed in the key under the
    figure (the same number in both panels); removed steps keep their names in their
    ghost boxes; exclusive edges carry their probability, send-backs return arrows with
    their rate.

    Examples
    --------
    >>> import procsimp as ps
    >>> p = ps.load("examples/outgoing_letter.yaml")  # doctest: +SKIP
    >>> res = ps.simplify(p, "delayering_2019")  # doctest: +SKIP
    >>> ps.plot.before_after(p, res.process, result=res).savefig("cut.png")  # doctest: +SKIP
    """
    from procsimp.comparison import Report
    from procsimp.comparison import compare as compare_versions
    from procsimp.pipeline import Result

    if isinstance(after, Result):
        result = result if result is not None else after
        after = after.process
    if report is None:
        report = compare_versions(before, after, n=n, seed=seed)
    elif not isinstance(report, Report):
        raise OptionError(f"before_after: report must be what procsimp.compare returns, got "
                          f"{type(report).__name__}")
    levels = _layout.union_levels(before, after)
    ghosts = removed_steps(before, after, result)
    names = _layout.level_names(before, after)
    top = _layout.swimlane(before, levels=levels, labels=names, ghost_steps=ghosts,
                           max_boxes=max_boxes)
    bottom = _layout.swimlane(after, levels=levels, labels=names, max_boxes=max_boxes)
    xmax = max(top.span, bottom.span)
    marks = deadline_marks(before, report, xmax)
    xmax = axis_span(max([xmax] + [x / 1.02 for x in marks.values()]))
    width = size[0] if size is not None else WIDTH_INCHES
    rows = [sum(lane.rows for lane in lay.lanes) for lay in (top, bottom)]
    row_inches = ROW_INCHES * font / FONT
    extra = 0.25 * len(report.on_time) * font / FONT
    if size is not None:  # rows share the height; the font shrinks until a lane holds its name
        while True:
            extra = 0.25 * len(report.on_time) * font / FONT
            row_inches = min((size[1] - (3.8 + extra) * font / FONT) / max(sum(rows), 1), 1.2)
            if row_inches * 72 >= 2.5 * (font + 1) or font <= 5:
                break
            font -= 0.5
        row_inches = max(row_inches, 0.1)
    key = Key()
    labels = {}
    for lay in (top, bottom):
        labels.update({(id(lay), k): v for k, v in plan_labels(
            lay, xmax=xmax, width_inches=axis_inches([top, bottom], width, font),
            row_inches=row_inches,
            font=font, key=key).items()})
    owned = ax is None
    if owned:
        height = size[1] if size is not None else (
            figure_height(top, row_inches, font) + figure_height(bottom, row_inches, font)
            - 0.8 + extra + key_inches(key, font, width))
        fig = new_figure((width, height))
        axes, key_ax = panels(fig, [r * row_inches + 0.6 * font / FONT for r in rows], key,
                              font, width)
    else:
        axes = list(ax)  # type: ignore[arg-type]
        if len(axes) != 2:
            raise OptionError(f"before_after needs two axes (before, after), got {len(axes)}")
        fig = axes[0].figure  # type: ignore[assignment]
        key_ax = axes[1]
    for panel, lay, proc, word in ((axes[0], top, before, "Before"),
                                   (axes[1], bottom, after, "After")):
        draw_swimlane(lay, panel, title=f"{word}: {proc.name}", xmax=xmax, process=proc,
                      labels={k: v for (owner, k), v in labels.items() if owner == id(lay)},
                      font=font, width_inches=width, row_inches=row_inches)
    axes[0].set_xlabel("")
    fig.suptitle(headline(report), fontsize=font + 5, fontweight="bold",
                 x=0.01, ha="left", gid="headline")
    legend(axes[1], [top, bottom], where=fig if owned else None, font=font)
    draw_key(key_ax, key, font=font, width_inches=width)
    for ident, x in marks.items():
        for panel in axes:
            panel.axvline(x, gid=f"deadline:{ident}", zorder=6, **DEADLINE_STYLE)
    if report.on_time:
        _on_time_headline(axes[0], report, marks, font)
    return fig


def deadline_marks(before: Process, report: Report, span: float) -> dict[str, float]:
    """The deadlines of ``report`` marked on the time axis: id -> limit in working time.

    A deadline is marked when its clock times the whole process, its limit is one point
    on the working-time axis (see :func:`procsimp.plot._distribution.deadline_position`)
    and it lies within 1.5 times the diagram's ``span`` (further out it would squeeze
    every box; the headline still gives its shares).
    """
    declared = {d.id: d for d in before.deadlines}
    marks = {}
    for change in report.on_time:
        deadline = declared.get(change.id)
        if deadline is None:
            continue
        x = deadline_position(deadline, basis="working", time_unit=before.time_unit,
                              calendar=before.calendar)
        if not isinstance(x, str) and x <= 1.5 * span:
            marks[change.id] = x
    return marks


def on_time_line(change: OnTimeChange) -> str:
    """``decision, 5 working days: on time 62.1% -> 95.3%, +33.2 pp (95% CI +32.4 to +34.0)``.

    The shares and the paired change of :func:`procsimp.compare` (``Report.on_time``).
    """
    within = f"{change.within:g} {deadline_unit(change.unit, change.within)}"
    rule = (f" (late: {change.on_miss.replace('_', ' ')})" if change.on_miss != "none"
            else "")
    if change.cases == 0:
        return f"{change.id}, {within}{rule}: no case reaches both ends of its clock"
    lo, hi = (x * 100 for x in change.ci)
    return (f"{change.id}, {within}{rule}: on time {change.before:.1%} -> {change.after:.1%}, "
            f"{change.change * 100:+.1f} pp (95% CI {lo:+.1f} to {hi:+.1f})")


def _on_time_headline(ax: Axes, report: Report, marks: dict[str, float],
                      font: float = FONT) -> None:
    """Under the headline, one line per deadline; the marked ones with the marker's line.

    A legend of the top panel, raised above its title (a figure legend "outside upper"
    would sit on the headline): constrained layout makes room for it.
    """
    from matplotlib.lines import Line2D
    from matplotlib.transforms import ScaledTranslation

    handles = [Line2D([], [], **(DEADLINE_STYLE if c.id in marks else {"lw": 0}))
               for c in report.on_time]
    texts = [on_time_line(c) for c in report.on_time]
    above_title = ax.transAxes + ScaledTranslation(0, TITLE_POINTS * font / FONT / 72,
                                                   ax.figure.dpi_scale_trans)
    box = ax.legend(handles=handles, labels=texts, loc="lower left", bbox_to_anchor=(0, 1),
                    bbox_transform=above_title, frameon=False, fontsize=font + 3,
                    handlelength=2.4, borderaxespad=0, borderpad=0.2)
    box.set_gid("on-time")
    for change, text in zip(report.on_time, box.get_texts(), strict=True):
        text.set_gid(f"on-time:{change.id}")


def removed_steps(before: Process, after: Process, result: Result | None) -> set[str]:
    """Steps of ``before`` that ``result`` removed or merged into another step.

    Without a result nothing is ghosted (a step id may be reused for other work).
    """
    if result is None:
        return set()
    gone: set[str] = set()
    for change in result.changes:
        if change.kind == "removed":
            gone.update(change.steps)
        elif change.kind == "merged":
            gone.update(change.steps[1:])  # the first step keeps its id and carries on
    kept = {s.id for s in after.steps}
    return {s.id for s in before.steps if s.id in gone and s.id not in kept}


__all__ = ["before_after", "deadline_marks", "on_time_line", "removed_steps"]
