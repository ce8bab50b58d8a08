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

from procsimp._checks import check_number, validated
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

    @validated
    def lateness_quantile(self, q: float) -> float:
        """A quantile of the lateness of the late cases (nan when none is late)."""
        q = check_number(q, "OnTime.lateness_quantile", "q", low=0, high=1)
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
    if not process.deadlines:
        return out
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


#: Stream key of the start-date draws (an arrival pattern), apart from every step's streams.
_START_STREAM = (7, 0x53544152)


def start_dates(start: Any, n: int, seed: int = 0) -> np.ndarray:
    """Each case's start date (``datetime64[D]``).

    ``start`` is one date for all; ``(FIRST, LAST)``, spread evenly over the days; or an
    arrival pattern, from which each case draws its date with ``seed``: a mapping
    ``{DATE: WEIGHT, ...}``, or ``{"first": DATE, "last": DATE, "weekdays": {"mon": WEIGHT,
    ...}}`` (the days of the range weighted by their weekday; a weekday left out gets no
    cases; without ``weekdays`` every day alike).

    >>> d = start_dates({"first": "2025-03-03", "last": "2025-03-09", "weekdays": {"mon": 1}}, 3)
    >>> str(d[0]), len(set(d.tolist()))
    ('2025-03-03', 1)
    """
    from procsimp.calendar import as_date
    from procsimp.errors import OptionError

    if isinstance(start, dict):
        days, weights = _pattern(start)
        cum = np.cumsum(weights)
        cum = cum / cum[-1]
        cum[-1] = np.inf  # rounding never leaves a case without a day
        u = np.random.default_rng([seed, *_START_STREAM]).random(n)
        return days[np.searchsorted(cum, u, side="right")]
    if isinstance(start, (tuple, list)):
        if len(start) != 2:
            raise OptionError(f"simulate: start is a date, a (first, last) pair of dates or an "
                              f"arrival pattern (a mapping), got {len(start)} items")
        first, last = _range(start[0], start[1])
        count = int((last - first).astype(np.int64)) + 1
        # case i starts on day floor(i * days / n): every day alike, the same in every version
        spread = (np.arange(n, dtype=np.int64) * count) // n
        return first + spread.astype("timedelta64[D]")
    return np.full(n, as_date(start, "simulate: start"), dtype="datetime64[D]")


def _range(first: Any, last: Any) -> tuple[np.datetime64, np.datetime64]:
    from procsimp.calendar import as_date
    from procsimp.errors import OptionError

    a, b = as_date(first, "simulate: start"), as_date(last, "simulate: start")
    if b < a:
        raise OptionError(f"simulate: start range ends ({b}) before it begins ({a})")
    return a, b


def _weight(value: Any, where: str) -> float:
    from procsimp.errors import OptionError

    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value < 0:
        raise OptionError(f"simulate: start {where} has weight {value!r}; a weight is a "
                          f"number >= 0 (relative: the weights need not sum to 1)")
    return float(value)


def _pattern(start: dict[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The days of an arrival pattern and their weights."""
    from procsimp.calendar import WEEKDAYS, as_date
    from procsimp.errors import OptionError

    keys = {"first", "last", "weekdays"}
    if start.keys() & keys:
        unknown = sorted(str(k) for k in start.keys() - keys)
        if unknown or not {"first", "last"} <= start.keys():
            raise OptionError(f"simulate: an arrival pattern over a range has keys first, last "
                              f"and optionally weekdays, got {sorted(map(str, start))}")
        first, last = _range(start["first"], start["last"])
        days = first + np.arange(int((last - first).astype(np.int64)) + 1).astype(
            "timedelta64[D]")
        by_day = start.get("weekdays")
        if by_day is None:
            weights = np.ones(len(days))
        else:
            if not isinstance(by_day, dict) or not by_day:
                raise OptionError("simulate: start weekdays is a mapping such as "
                                  "{'mon': 3, 'tue': 2, 'fri': 1}")
            bad = sorted(str(k) for k in by_day if k not in WEEKDAYS)
            if bad:
                raise OptionError(f"simulate: start weekdays names {', '.join(bad)}; use "
                                  f"{', '.join(WEEKDAYS)}")
            per = np.array([_weight(by_day.get(w, 0), f"weekday {w!r}") for w in WEEKDAYS])
            weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
            weights = per[weekday]
    else:
        if not start:
            raise OptionError("simulate: start is an empty mapping; give {DATE: WEIGHT, ...} "
                              "or {'first': DATE, 'last': DATE, 'weekdays': {...}}")
        days = np.array([as_date(k, "simulate: start") for k in start], dtype="datetime64[D]")
        weights = np.array([_weight(v, f"date {k!s}") for k, v in start.items()])
    if not weights.sum() > 0:
        raise OptionError("simulate: the start pattern gives every day weight 0; give some "
                          "day a positive weight")
    return days, weights


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


class WorkingTimes:
    """How the engine's times read when it runs in working time on one calendar.

    A time ``t`` is working time in the process's unit since the close of the start
    date; :meth:`working` gives working days (calendar days without a calendar),
    :meth:`elapsed` calendar days since the close of the start date, :meth:`day` the
    calendar day (counted from the start date) on which ``t`` falls. ``cases`` picks
    the cases ``t`` belongs to.
    """

    def __init__(self, process: Process, start: np.ndarray | None) -> None:
        self.cal = process.calendar
        self.per = self.cal.working_days_per(process.time_unit) if self.cal is not None \
            else DAYS_PER_UNIT[process.time_unit]
        self.start = start

    def working(self, t: np.ndarray, cases: Any = slice(None)) -> np.ndarray:
        return t * self.per

    def elapsed(self, t: np.ndarray, cases: Any = slice(None)) -> np.ndarray:
        if self.cal is None:
            return t * self.per
        assert self.start is not None
        return self.cal.elapsed(self.start[cases], t * self.per)

    def day(self, t: np.ndarray, cases: Any = slice(None)) -> np.ndarray:
        assert self.cal is not None and self.start is not None
        start = self.start[cases]
        return (self.cal.offsets(start, t * self.per) - start).astype(np.float64)


def evaluate(process: Process, lead: np.ndarray, clock: Clock | None,
             start: np.ndarray | None, times: Any = None
             ) -> tuple[np.ndarray | None, dict[str, OnTime], list[str]]:
    """Calendar days of every case (with start dates) and each deadline's :class:`OnTime`.

    ``lead`` is each case's last finish and ``clock`` the kept finishes, as the engine
    gave them; ``times`` reads them (default :class:`WorkingTimes`: working time in the
    process's unit); ``start`` holds the cases' start dates (or None). Returns the
    calendar days (None without start dates), the on-time results, and the ids of
    deadlines that need start dates and got none.
    """
    cal = process.calendar
    times = WorkingTimes(process, start) if times is None else times
    calendar_days = None if start is None else times.elapsed(lead)
    results: dict[str, OnTime] = {}
    skipped: list[str] = []
    for d in process.deadlines:
        if cal is not None and start is None and d.unit not in WORKING_UNITS:
            skipped.append(d.id)
            continue
        t_from = None if d.from_ is None else clock.finish[d.from_]  # type: ignore[union-attr]
        t_to = lead if d.to is None else clock.finish[d.to]  # type: ignore[union-attr]
        reached = np.isfinite(t_to) if t_from is None else np.isfinite(t_from) & np.isfinite(t_to)
        lateness = _lateness(d, None if t_from is None else t_from[reached], t_to[reached],
                             reached, cal, times)
        results[d.id] = _on_time(d, lateness, reached)
    return calendar_days, results, skipped


def _lateness(d: Deadline, a: np.ndarray | None, b: np.ndarray, cases: np.ndarray,
              cal: Calendar | None, times: Any) -> np.ndarray:
    """Finish minus deadline in the deadline's unit; ``a`` (None: the start) and ``b`` are
    the engine's times of the clock's two ends for the ``cases``."""
    hours = 24.0 if cal is None else cal.hours_per_day
    zero = np.zeros_like(b)
    a_work = zero if a is None else times.working(a, cases)
    b_work = times.working(b, cases)
    if d.unit == "working_hour" or (d.unit == "hour" and cal is None):
        return (b_work - a_work) * hours - d.within
    if d.unit == "working_day" or cal is None:
        # the day the clock starts is not counted: the limit is the close of the within-th day
        return b_work - (whole_days(a_work) + d.within)
    a_elapsed = zero if a is None else times.elapsed(a, cases)
    if d.unit == "hour":
        return (times.elapsed(b, cases) - a_elapsed) * 24.0 - d.within
    day_from = zero if a is None else times.day(a, cases)
    return times.elapsed(b, cases) - (day_from + d.within)


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


__all__ = ["Clock", "Deadline", "OnTime", "OnTimeChange", "WorkingTimes", "evaluate",
           "paired_change", "start_dates", "wilson"]
