"""Legal deadlines and the share of cases that meet them.

A :class:`Deadline` limits the time between the finish of one step (``from``;
default: the first start) and the finish of another (``to``; default: the last
finish), in working or calendar days or hours, and says what the law does when
it is missed (``on_miss``: nothing; the request is deemed granted, *fiktif
positif*; the system issues it, as OSS-RBA does).

Day limits count as service standards do: the day the clock starts is not
counted, and the case is on time when it finishes by the close of the
``within``-th (working) day after it. Hour limits are exact: at most ``within``
(working) hours between the two finishes. Without a calendar time runs
continuously and only calendar limits (``day``, ``hour``) apply.

:func:`evaluate` gives, per deadline, an :class:`OnTime`: the share of cases on
time with its Wilson score interval (E. B. Wilson, JASA 22 (1927) 209-212),
the lateness of every case, and the share decided by the rule. :func:`paired_change`
gives the change of an on-time share between two versions simulated on the same
cases, with Newcombe's interval for a difference of paired proportions (R. G.
Newcombe, Statist. Med. 17 (1998) 2635-2650, method 10).

>>> import numpy as np
>>> lo, hi = wilson(0.9, 1000)
>>> round(lo, 4), round(hi, 4)
(0.8798, 0.9171)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from procsimp.calendar import EPS, whole_days
from procsimp.intervals import Z95
from procsimp.render import Cell, Renderable, Table, Tables

if TYPE_CHECKING:
    from procsimp.calendar import Calendar
    from procsimp.model import Process

DeadlineUnit = Literal["working_day", "day", "working_hour", "hour"]
OnMiss = Literal["none", "deemed_granted", "issued_by_system"]
#: Units counted on the working calendar (they need one).
WORKING_UNITS = frozenset({"working_day", "working_hour"})
#: Calendar days in one time unit of a process without a calendar (time runs continuously).
DAYS_PER_UNIT = {"minute": 1.0 / 1440.0, "hour": 1.0 / 24.0, "day": 1.0, "week": 7.0}


class Deadline(BaseModel):
    """A legal time limit between two steps' finishes, and what a miss entails."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              use_attribute_docstrings=True, populate_by_name=True)

    id: Annotated[str, Field(min_length=1, max_length=200)]
    """Deadline id, e.g. ``decision``."""
    within: Annotated[float, Field(gt=0, le=1e6)]
    """The limit, in ``unit``."""
    unit: DeadlineUnit = "working_day"
    """``working_day | day | working_hour | hour``."""
    from_: Annotated[str, Field(min_length=1)] | None = Field(default=None, alias="from")
    """The step at whose finish the clock starts (e.g. the completeness check); default:
    the first start."""
    to: Annotated[str, Field(min_length=1)] | None = None
    """The step at whose finish the clock stops; default: the last finish."""
    on_miss: OnMiss = "none"
    """What the law says happens when the limit is missed: ``none``, ``deemed_granted``
    (the request counts as granted), ``issued_by_system`` (the system issues it)."""
    source: str = ""
    """Where the limit comes from (the regulation, the service standard)."""

    @model_serializer(mode="wrap")
    def _from_key(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and "from_" in data:
            data = {("from" if k == "from_" else k): v for k, v in data.items()}
        return data

    @property
    def by_rule(self) -> bool:
        """A missed deadline decides the case (deemed granted or issued by the system)."""
        return self.on_miss != "none"


@dataclass(frozen=True, repr=False)
class OnTime(Renderable):
    """How the simulated cases fared against one deadline.

    ``share`` is the share of cases on time, ``ci`` its 95 % Wilson interval;
    ``lateness`` holds every case's finish minus its deadline, in ``unit``
    (positive: late; negative: the margin left); ``deemed`` is the share decided by
    the rule instead of by an official (the late share when ``on_miss`` is a rule, else
    0). ``cases`` counts the cases that reach both ends of the clock.
    """

    deadline: Deadline
    cases: int
    share: float
    ci: tuple[float, float]
    deemed: float
    deemed_ci: tuple[float, float]
    lateness: np.ndarray
    unit: str
    on_time: np.ndarray
    """Per simulated case: 1 on time, 0 late, -1 the case does not reach both ends."""

    @property
    def late(self) -> float:
        """Share of cases late."""
        return 1.0 - self.share if self.cases else math.nan

    def lateness_quantile(self, q: float) -> float:
        """A quantile of the lateness of the late cases (nan when none is late)."""
        late = self.lateness[self.lateness > EPS]
        return float(np.quantile(late, q)) if len(late) else math.nan

    @property
    def mean_lateness(self) -> float:
        """Mean lateness of the late cases, in ``unit`` (nan when none is late)."""
        late = self.lateness[self.lateness > EPS]
        return float(late.mean()) if len(late) else math.nan

    def to_dict(self) -> dict[str, Any]:
        """Summary as plain data (no per-case arrays)."""
        def plain(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {"within": self.deadline.within, "unit": self.unit,
                "from": self.deadline.from_, "to": self.deadline.to,
                "on_miss": self.deadline.on_miss, "cases": self.cases,
                "share": plain(self.share), "ci": [plain(x) for x in self.ci],
                "deemed": plain(self.deemed), "deemed_ci": [plain(x) for x in self.deemed_ci],
                "mean_lateness": plain(self.mean_lateness),
                "p90_lateness": plain(self.lateness_quantile(0.9))}

    def tables(self) -> Tables:
        """One row: the deadline, its share on time with the interval, cases, rule, lateness.

        ``str()`` stays the one-line sentence; HTML, Markdown, frames and Excel show this.
        """
        d = self.deadline
        unit = d.unit.replace("_", " ")
        rule = d.on_miss.replace("_", " ")
        row = (d.id, Cell(d.within, f"{d.within:g} {unit}s"),
               Cell(self.share, _share(self.share)),
               Cell(self.ci, f"[{_share(self.ci[0])}, {_share(self.ci[1])}]"), self.cases,
               Cell(self.deemed, f"{_share(self.deemed)} {rule}" if d.by_rule else "-"),
               Cell(self.mean_lateness, "-" if math.isnan(self.mean_lateness)
                    else f"{self.mean_lateness:.2f} {unit}s"))
        return Tables((Table(f"On time: {d.id}", (
            "deadline", "within", "on time", "95% CI", "cases", "decided by the rule",
            "mean lateness of late cases"), (row,), units={"mean lateness of late cases": d.unit},
            name="on_time"),))

    def __str__(self) -> str:
        d = self.deadline
        unit = d.unit.replace("_", " ")
        text = (f"{d.id}: {self.share:.1%} on time within {d.within:g} {unit}s "
                f"(95% CI [{self.ci[0]:.1%}, {self.ci[1]:.1%}], {self.cases:,} cases)")
        if d.by_rule:
            text += f"; {self.deemed:.1%} {d.on_miss.replace('_', ' ')}"
        if self.share < 1:
            text += f"; late cases {self.mean_lateness:.2f} {unit}s late on average"
        return text

    def __repr__(self) -> str:
        return f"OnTime({self.deadline.id!r}, share={self.share:.4g}, cases={self.cases})"


def _share(x: float) -> str:
    return f"{x:.1%}" if math.isfinite(x) else "n/a"


def wilson(share: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (nan when there are no cases)."""
    if n <= 0:
        return (math.nan, math.nan)
    z2 = z * z
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def problems(process: Process, step_ids: set[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """Deadline problems of a process, as (location, message): unknown steps, units."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    listing = ", ".join(sorted(step_ids)[:12]) or "(none)"
    for i, d in enumerate(process.deadlines):
        if d.id in seen:
            out.append((("deadlines", i, "id"), f"deadline id {d.id!r} is used twice; give "
                                                 f"each deadline its own id"))
        seen.add(d.id)
        for key, step in (("from", d.from_), ("to", d.to)):
            if step is not None and step not in step_ids:
                out.append((("deadlines", i, key), f"deadline {d.id!r}: {key} names step "
                                                   f"{step!r}, which is not defined; use one "
                                                   f"of: {listing}"))
        if d.unit in WORKING_UNITS and process.calendar is None:
            out.append((("deadlines", i, "unit"), f"deadline {d.id!r} counts {d.unit}s, which "
                                                  f"need a calendar; add `calendar:` to the "
                                                  f"process or use day or hour"))
    return out


def start_dates(start: Any, n: int) -> np.ndarray:
    """Each case's start date: one date for all, or (FIRST, LAST) spread evenly over it."""
    from procsimp.calendar import as_date
    from procsimp.errors import OptionError

    if isinstance(start, (tuple, list)):
        if len(start) != 2:
            raise OptionError(f"simulate: start is a date or a (first, last) pair of dates, "
                              f"got {len(start)} items")
        first, last = as_date(start[0], "simulate: start"), as_date(start[1], "simulate: start")
        if last < first:
            raise OptionError(f"simulate: start range ends ({last}) before it begins ({first})")
        days = int((last - first).astype(np.int64)) + 1
        # case i starts on day floor(i * days / n): every day alike, the same in every version
        spread = (np.arange(n, dtype=np.int64) * days) // n
        return first + spread.astype("timedelta64[D]")
    return np.full(n, as_date(start, "simulate: start"), dtype="datetime64[D]")


class Clock:
    """Working-time finishes of the steps the deadlines name, kept as the engine runs."""

    def __init__(self, process: Process, n: int) -> None:
        self.process = process
        self.steps = {s for d in process.deadlines for s in (d.from_, d.to) if s is not None}
        ids = process.analysis.ids
        self.index = {ids[v]: v for v in range(process.analysis.n) if ids[v] in self.steps}
        self.finish = {s: np.full(n, -np.inf) for s in self.steps}
        c = process.analysis
        for step, v in self.index.items():
            b = c.innermost_block[v] if c.innermost_block else None
            while b is not None and c.blocks[b].exit == v:  # a block's exit: its last run
                b = c.blocks[b].parent
            if b is not None:
                from procsimp.errors import SimulationError

                raise SimulationError(
                    f"deadline clock: step {step!r} lies inside the rework block "
                    f"{c.ids[c.blocks[b].entry]!r}..{c.ids[c.blocks[b].exit]!r}, so it may run "
                    f"several times per case; start or stop the clock at a step outside the "
                    f"block or at the step that closes it")

    @property
    def keep(self) -> frozenset[int]:
        """Engine indices of the steps whose finishes are kept."""
        return frozenset(self.index.values())

    def record(self, lo: int, kept: dict[int, np.ndarray]) -> None:
        for step, v in self.index.items():
            if v in kept:
                self.finish[step][lo:lo + len(kept[v])] = kept[v]


def evaluate(process: Process, lead: np.ndarray, clock: Clock | None,
             start: np.ndarray | None) -> tuple[np.ndarray | None, dict[str, OnTime], list[str]]:
    """Calendar days of every case (with start dates) and each deadline's :class:`OnTime`.

    ``lead`` is each case's lead time in the process's time unit, ``clock`` the kept
    finishes, ``start`` the cases' start dates (or None). Returns the calendar days
    (None without start dates), the on-time results, and the ids of deadlines that
    need start dates and got none.
    """
    cal = process.calendar
    per = cal.working_days_per(process.time_unit) if cal is not None \
        else DAYS_PER_UNIT[process.time_unit]

    def elapsed(t: np.ndarray) -> np.ndarray:
        """Calendar days since the start (t in the process's time unit, finite)."""
        if cal is None:
            return t * per
        assert start is not None
        return cal.elapsed(start, t * per)

    calendar_days = None if start is None else elapsed(lead)
    results: dict[str, OnTime] = {}
    skipped: list[str] = []
    for d in process.deadlines:
        if cal is not None and start is None and d.unit not in WORKING_UNITS:
            skipped.append(d.id)
            continue
        t_from = np.zeros_like(lead) if d.from_ is None else clock.finish[d.from_]  # type: ignore[union-attr]
        t_to = lead if d.to is None else clock.finish[d.to]  # type: ignore[union-attr]
        reached = np.isfinite(t_from) & np.isfinite(t_to)
        a, b = t_from[reached], t_to[reached]
        s = None if start is None else start[reached]
        lateness = _lateness(d, a * per, b * per, cal, s)
        results[d.id] = _on_time(d, lateness, reached)
    return calendar_days, results, skipped


def _lateness(d: Deadline, a: np.ndarray, b: np.ndarray, cal: Calendar | None,
              start: np.ndarray | None) -> np.ndarray:
    """Finish minus deadline in the deadline's unit; ``a``, ``b`` in working days (calendar)
    or calendar days (none)."""
    hours = 24.0 if cal is None else cal.hours_per_day
    if d.unit == "working_hour" or (d.unit == "hour" and cal is None):
        return (b - a) * hours - d.within
    if d.unit == "working_day" or cal is None:
        # the day the clock starts is not counted: the limit is the close of the within-th day
        return b - (whole_days(a) + d.within)
    assert start is not None
    if d.unit == "hour":
        return (cal.elapsed(start, b) - cal.elapsed(start, a)) * 24.0 - d.within
    day_from = (cal.offsets(start, a) - start).astype(np.float64)
    return cal.elapsed(start, b) - (day_from + d.within)


def _on_time(d: Deadline, lateness: np.ndarray, reached: np.ndarray) -> OnTime:
    ok = lateness <= EPS
    cases = len(lateness)
    share = float(ok.mean()) if cases else math.nan
    ci = wilson(share, cases) if cases else (math.nan, math.nan)
    if d.by_rule:
        deemed, deemed_ci = 1.0 - share, (1.0 - ci[1], 1.0 - ci[0])
    else:
        deemed, deemed_ci = 0.0, (0.0, 0.0)
    flags = np.full(len(reached), -1, dtype=np.int8)
    flags[reached] = ok
    return OnTime(deadline=d, cases=cases, share=share, ci=ci, deemed=deemed,
                  deemed_ci=deemed_ci, lateness=lateness, unit=d.unit, on_time=flags)


@dataclass(frozen=True)
class OnTimeChange:
    """The change of one deadline's on-time share between two versions on the same cases."""

    id: str
    within: float
    unit: str
    before: float
    after: float
    change: float
    """``after - before``: positive when more cases are on time."""
    ci: tuple[float, float]
    """95 % interval of the change (Newcombe's paired interval)."""
    cases: int
    """Cases that reach both ends of the clock in both versions."""
    on_miss: str
    method: str = "paired_newcombe"


def paired_change(before: OnTime, after: OnTime, z: float = Z95) -> OnTimeChange:
    """Change of an on-time share on the same cases (common random numbers)."""
    both = (before.on_time >= 0) & (after.on_time >= 0)
    x, y = before.on_time[both].astype(bool), after.on_time[both].astype(bool)
    n = int(both.sum())
    d = before.deadline
    if n == 0:
        return OnTimeChange(d.id, d.within, d.unit, math.nan, math.nan, math.nan,
                            (math.nan, math.nan), 0, d.on_miss)
    a = int(np.count_nonzero(x & y))
    b = int(np.count_nonzero(x & ~y))
    c = int(np.count_nonzero(~x & y))
    e = n - a - b - c
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(p1, n, z)
    l2, u2 = wilson(p2, n, z)
    denom = math.sqrt(float(a + b) * (c + e) * (a + c) * (b + e))
    phi = (a * e - b * c) / denom if denom > 0 else 0.0
    # Newcombe's method 10, for after - before
    below = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    above = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    change = p2 - p1
    return OnTimeChange(d.id, d.within, d.unit, p1, p2, change,
                        (max(-1.0, change - below), min(1.0, change + above)), n, d.on_miss)


__all__ = ["Clock", "Deadline", "OnTime", "OnTimeChange", "evaluate", "paired_change",
           "start_dates", "wilson"]
