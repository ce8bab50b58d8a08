"""Simulated lead time before and after: :func:`distribution`.

Empirical cumulative distributions (ECDFs) of the simulated lead times, with
the median (p50) and the 90th percentile (p90) of each version marked: the
horizontal gap between the curves is the cut at every service level.

A deadline whose clock times the whole lead time (no ``from``, no ``to``) is a
vertical line at its limit, where the curve it crosses reads the share of cases
on time. The line is drawn only where its limit is one point on the axis: a
limit in working days is one on the working-time axis, a limit in calendar days
one on the calendar-day axis; across bases (the calendar days of 5 working days
depend on the start date) the deadline is left out with a note, never drawn at
a converted guess. :func:`deadline_position` makes that decision.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Literal

import numpy as np

from procsimp._checks import validated
from procsimp.errors import OptionError
from procsimp.plot._style import (
    AFTER_COLOUR,
    BEFORE_COLOUR,
    DEADLINE_STYLE,
    FONT,
    deadline_unit,
    figure_and_axes,
    share_with_ci,
    unit_plural,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from procsimp.calendar import Calendar
    from procsimp.deadlines import Deadline, OnTime
    from procsimp.model import Process
    from procsimp.simulation import SimulationResult

Basis = Literal["auto", "working", "calendar"]
#: ``calendar`` argument of :func:`deadline_position` when the process's calendar is not known.
UNKNOWN = "unknown"
#: Characters per line of the notes under the axis (the width of the default figure).
NOTE_WIDTH = 125


@validated
def distribution(sim_before: SimulationResult, sim_after: SimulationResult | None = None,
                 ax: Axes | None = None, *, labels: tuple[str, str] = ("before", "after"),
                 basis: Basis = "auto", process: Process | None = None) -> Figure:
    """Draw the ECDFs of simulated lead time with p50, p90 and deadlines marked.

    Parameters
    ----------
    sim_before, sim_after
        What :func:`procsimp.simulate` returned for each version (``sim_after`` optional).
    ax
        Axes to draw into; by default a new figure.
    labels
        Names of the two versions.
    basis
        ``working``: the lead time in the process's time unit (working time on its
        calendar, continuous time without one); ``calendar``: the calendar days from the
        start dates (``simulate(..., start=...)``); ``auto``: calendar days when every
        result has them, else working time.
    process
        The simulated process (either version: they share a calendar). Its calendar
        converts a deadline's limit into the axis's unit when they differ (working hours
        on an axis in days); without it such a deadline is left out with a note.

    Returns
    -------
    Figure
        Curves carry ``gid`` ``ecdf:LABEL``; the quantile lines ``p50:LABEL`` and
        ``p90:LABEL``, at exactly the result's ``p50`` and ``p90`` (of its
        ``calendar_days`` on the calendar basis); a deadline's line ``deadline:ID``, its
        legend entry giving its limit and each version's share on time with the 95 %
        interval (from ``sim.on_time``); the note on deadlines not drawn
        ``deadline-notes``.

    Raises
    ------
    OptionError
        ``basis`` is not one of the choices, ``calendar`` is asked of a result simulated
        without start dates, or ``process`` is not the process simulated (its time unit
        differs).

    Examples
    --------
    >>> import procsimp as ps
    >>> p = ps.load("examples/outgoing_letter.yaml")  # doctest: +SKIP
    >>> ps.plot.distribution(ps.simulate(p, seed=0)).savefig("letter.png")  # doctest: +SKIP
    """
    sims = [(sim_before, labels[0], BEFORE_COLOUR, "-")]
    if sim_after is not None:
        sims.append((sim_after, labels[1], AFTER_COLOUR, "--"))
    if basis not in ("auto", "working", "calendar"):
        raise OptionError(f"distribution: basis must be 'auto', 'working' or 'calendar', got "
                          f"{basis!r}")
    dated = all(sim.calendar_days is not None for sim, *_ in sims)
    if basis == "calendar" and not dated:
        raise OptionError("distribution: basis='calendar' needs the cases' calendar days; "
                          "simulate with start=DATE or start=(FIRST, LAST), or use "
                          "basis='working'")
    on_calendar = basis == "calendar" or (basis == "auto" and dated)
    calendar = _calendar_of(process, sims, sim_before.time_unit)
    unit = "calendar day" if on_calendar else sim_before.time_unit
    drawn, notes = _deadlines(sims, "calendar" if on_calendar else "working", unit, calendar)

    fig, ax = figure_and_axes(ax, (8.0, 4.2 + 0.3 * len(notes)))
    for sim, label, colour, style in sims:
        shown = sim.calendar_days if on_calendar else sim
        assert shown is not None
        x = np.sort(np.asarray(shown.samples, dtype=float))
        y = np.arange(1, x.size + 1) / x.size
        ax.step(x, y, where="post", color=colour, ls=style, lw=1.8, gid=f"ecdf:{label}",
                label=f"{label}: p50 {shown.p50:.1f}, p90 {shown.p90:.1f} "
                      f"{unit_plural(unit)}")
        for q, value, marker in ((0.5, shown.p50, "o"), (0.9, shown.p90, "s")):
            ax.vlines(value, 0, q, color=colour, ls=":", lw=1.2, gid=f"p{int(q * 100)}:{label}")
            ax.plot([value], [q], marker=marker, color=colour, ms=5)
    for ident, limit, label in drawn:
        ax.axvline(limit, gid=f"deadline:{ident}", label=label, zorder=4, **DEADLINE_STYLE)
    ax.axhline(0.5, color="#cccccc", lw=0.6, zorder=0)
    ax.axhline(0.9, color="#cccccc", lw=0.6, zorder=0)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 0.9, 1.0], ["0", "25%", "p50", "75%", "p90", "100%"])
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    if drawn:  # the limit stays on the axis even when every case finishes well before it
        ax.set_xlim(right=max(ax.get_xlim()[1], max(limit for _, limit, _ in drawn) * 1.04))
    ax.set_xlabel(f"simulated lead time ({unit_plural(unit)}, {sim_before.n:,} cases)",
                  fontsize=FONT + 1)
    ax.set_ylabel("share of cases finished", fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    ax.legend(fontsize=FONT, loc="lower right", frameon=False)
    ax.set_title("Lead time distribution", fontsize=FONT + 2, loc="left")
    if notes:
        text = "\n".join(textwrap.fill(note, NOTE_WIDTH, subsequent_indent="  ") for note in notes)
        ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label),
                    xytext=(0, -4), textcoords="offset points", ha="left", va="top",
                    fontsize=FONT - 0.5, color="#555555", gid="deadline-notes")
    return fig


def deadline_position(deadline: Deadline, *, basis: Literal["working", "calendar"],
                      time_unit: str, calendar: Calendar | str | None = UNKNOWN
                      ) -> float | str:
    """Where a deadline's limit falls on a lead-time axis, or why it has no one place there.

    ``basis`` and ``time_unit`` say what the axis shows (``calendar``: calendar days);
    ``calendar`` is the process's calendar, None for a process whose time runs
    continuously, :data:`UNKNOWN` when not known. Returns the limit in the axis's unit,
    or the reason (a clause) it is not drawn.

    >>> from procsimp.deadlines import Deadline
    >>> deadline_position(Deadline(id="d", within=5), basis="working", time_unit="day")
    5.0
    >>> deadline_position(Deadline(id="d", within=36, unit="hour"), basis="working",
    ...                   time_unit="day", calendar=None)
    1.5
    """
    from procsimp.deadlines import DAYS_PER_UNIT, WORKING_UNITS

    if deadline.from_ is not None or deadline.to is not None:
        span = (f"from the finish of {deadline.from_}" if deadline.from_ else "from the start")
        span += f" to the finish of {deadline.to}" if deadline.to else " to the end"
        return f"its clock runs {span}, not over the whole lead time"
    within = float(deadline.within)
    hours = deadline.unit in ("working_hour", "hour")
    if basis == "calendar":
        if deadline.unit in WORKING_UNITS:
            return (f"it counts {deadline_unit(deadline.unit)}, whose calendar days vary with "
                    f"the start date; draw the working-time axis (basis='working')")
        return within / 24.0 if hours else within
    if deadline.unit in WORKING_UNITS:
        if calendar is UNKNOWN or calendar is None:
            # a working day is one 'day' of a process on a calendar, whatever the calendar
            same = time_unit == ("hour" if hours else "day")
            if same:
                return within
            return (f"its {deadline_unit(deadline.unit)} need the calendar to be shown in "
                    f"{unit_plural(time_unit)}; pass process=")
        per_unit = calendar.working_days_per(time_unit)  # type: ignore[union-attr]
        days = within / calendar.hours_per_day if hours else within  # type: ignore[union-attr]
        return days / per_unit
    if calendar is UNKNOWN:
        return (f"it counts {deadline_unit(deadline.unit)} and the axis working time; pass "
                f"process= (without a calendar both are the same)")
    if calendar is not None:
        return (f"it counts {deadline_unit(deadline.unit)}, whose working time varies with "
                f"the start date; simulate with start= and draw basis='calendar'")
    return (within / 24.0 if hours else within) / DAYS_PER_UNIT[time_unit]


def _calendar_of(process: Process | None, sims: list[tuple[SimulationResult, str, str, str]],
                 time_unit: str) -> Calendar | str | None:
    """The calendar deadlines convert through: the process's, or what the results imply."""
    from procsimp.deadlines import WORKING_UNITS
    from procsimp.model import Process

    if process is not None:
        if not isinstance(process, Process):
            raise OptionError(f"distribution: process must be the simulated Process, got "
                              f"{type(process).__name__}")
        if process.time_unit != time_unit:
            raise OptionError(f"distribution: process counts {process.time_unit}s but the "
                              f"results {time_unit}s; pass the process that was simulated")
        return process.calendar
    # simulate evaluates a calendar-day deadline of a process on a calendar only with start
    # dates: one evaluated without them comes from a process whose time runs continuously
    undated = all(sim.calendar_days is None for sim, *_ in sims)
    calendar_deadline = any(o.deadline.unit not in WORKING_UNITS
                            for sim, *_ in sims for o in sim.on_time.values())
    return None if undated and calendar_deadline else UNKNOWN


def _deadlines(sims: list[tuple[SimulationResult, str, str, str]],
               basis: Literal["working", "calendar"], unit: str,
               calendar: Calendar | str | None) -> tuple[list[tuple[str, float, str]], list[str]]:
    """The deadlines to draw (id, position, legend label) and the notes on the others."""
    ids = list(dict.fromkeys(k for sim, *_ in sims for k in sim.on_time))
    drawn: list[tuple[str, float, str]] = []
    notes: list[str] = []
    for ident in ids:
        results: list[tuple[str, OnTime | None]] = [(label, sim.on_time.get(ident))
                                                    for sim, label, *_ in sims]
        found = [o for _, o in results if o is not None]
        d = found[0].deadline
        within = f"{d.within:g} {deadline_unit(d.unit, d.within)}"
        shares = [f"{label} {share_with_ci(o.share, o.ci)}" if o is not None
                  else f"{label}: not declared" for label, o in results]
        if len(sims) == 1:
            shares = [share_with_ci(found[0].share, found[0].ci)]
        position: float | str
        if any(o.deadline != d for o in found):
            position = "the versions declare it differently"
        else:
            position = deadline_position(d, basis=basis, time_unit=unit, calendar=calendar)
        rule = f"; late: {d.on_miss.replace('_', ' ')}" if d.by_rule else ""
        if isinstance(position, str):
            notes.append(f"{ident} ({within}{rule}) not drawn: {position}. On time: "
                         + "; ".join(shares) + ".")
        else:
            drawn.append((ident, position, f"deadline {ident}: {within}{rule}"
                          + "".join(f"\non time {share}" for share in shares)))
    return drawn, notes


__all__ = ["UNKNOWN", "deadline_position", "distribution"]
