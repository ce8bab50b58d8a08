"""Analytic capacity: the load on each post, its queue, and the staff it needs.

A process that declares ``arrivals`` (see the workload page of the docs) turns the steps with a
``work`` (touch time) into *queueing steps*: a case waits for one of the role's
``staff`` (first come, first served; one queue per role shared by all its queueing
steps), then is served for ``work / availability``. :func:`capacity` gives, per role,

- ``arrival_rate``: executions of its queueing steps per time unit (the arrival rate of
  cases times each step's expected executions per case: branch probabilities and
  expected rework passes),
- ``utilisation``: ``arrival_rate x E[service] / staff`` (with ``E[service] = E[work] /
  availability``, this is ``sum(lambda_step E[work]) / (staff x availability)``),
- ``p_wait`` (the probability that a case waits), ``wait`` (the mean wait in the queue),
  ``time_in_system`` (wait plus service), ``in_system`` (cases at the post, Little's law),
- ``share``: the role's expected queue waiting per case as a share of the lead time
  with waiting (``Capacity.lead_time``: :func:`~procsimp.measure` of :func:`queued`, the
  process with each queueing step's duration replaced by its wait plus its service;
  a wait on a parallel branch off the critical path counts in full, so shares can sum
  to more than the lengthening of the lead time; the lead times are measured when
  first asked for, so the per-role figures cost no more than the graph walk),
- ``method``: ``erlang_c`` (exact M/M/c: Poisson arrivals, exponential work of one mean)
  or ``allen_cunneen`` (the G/G/c approximation of Allen and Cunneen: the M/M/c wait
  times ``(ca^2 + cs^2) / 2``, with ``ca^2`` the squared coefficient of variation of the
  arrivals and ``cs^2`` that of the role's service time, the mix of its steps).

A role at or above full utilisation is **unstable**: its queue grows without bound; it
is reported as such (``stable`` False, ``wait`` infinite, ``p_wait`` 1), never with a
finite wait.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"time_unit": "minute", "levels": ["staff"],
...     "arrivals": {"rate": 30, "per": "hour"},
...     "roles": [{"id": "clerk", "level": "staff"}],
...     "steps": [{"id": "serve", "role": "clerk", "duration": 1,
...                "work": {"dist": "exponential", "mean": 1}}]})
>>> r = ps.capacity(p).roles["clerk"]      # M/M/1, lambda 0.5, mu 1
>>> r.utilisation, r.wait, r.time_in_system, r.method
(0.5, 1.0, 2.0, 'erlang_c')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from procsimp._checks import validated
from procsimp._shared import replaced
from procsimp.durations import Exponential, add, mean_of, scaled, scv_of, variance_of
from procsimp.errors import OptionError
from procsimp.render import Cell, Renderable, Table, Tables

if TYPE_CHECKING:
    from procsimp.model import Process

#: Hours in each period in continuous time (no calendar): a month is a twelfth of a
#: Julian year of 365.25 days.
HOURS = {"minute": 1.0 / 60.0, "hour": 1.0, "day": 24.0, "week": 168.0,
         "month": 365.25 * 24.0 / 12.0, "year": 365.25 * 24.0}

METHODS = ("erlang_c", "allen_cunneen")


# --- queueing formulas ---------------------------------------------------------------


def erlang_c(servers: int, load: float) -> float:
    """Probability of waiting in an M/M/c queue with ``servers`` and offered ``load``
    (erlangs, ``lambda x E[service]``); 1 when ``load >= servers`` (unstable).

    Computed by the Erlang B recursion (numerically stable for any number of servers):

    >>> round(erlang_c(14, 10.0), 7)
    0.1741319
    >>> erlang_c(1, 0.5)
    0.5
    """
    if servers < 1:
        raise OptionError(f"erlang_c needs at least one server, got {servers}")
    if load <= 0:
        return 0.0
    if load >= servers:
        return 1.0
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return servers * b / (servers - load * (1.0 - b))


def mmc_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean wait in the queue of an M/M/c queue (``inf`` when unstable).

    >>> mmc_wait(1, 0.5, 1.0)
    1.0
    """
    load = arrival_rate * mean_service
    if load >= servers:
        return math.inf
    if load <= 0:
        return 0.0
    return erlang_c(servers, load) * mean_service / (servers - load)


def ggc_wait(servers: int, arrival_rate: float, mean_service: float,
             ca2: float, cs2: float) -> float:
    """Allen-Cunneen approximation of the mean queue wait of a G/G/c queue: the M/M/c
    wait times ``(ca2 + cs2) / 2`` (``inf`` when unstable). Exact for M/M/c (both 1) and,
    for one server and Poisson arrivals, the Pollaczek-Khinchine formula of M/G/1.

    >>> ggc_wait(3, 1 / 5, 12.0, 1.0, 1.0) == mmc_wait(3, 1 / 5, 12.0)
    True
    """
    return mmc_wait(servers, arrival_rate, mean_service) * (ca2 + cs2) / 2.0


# --- the result --------------------------------------------------------------------


@dataclass(frozen=True)
class RoleCapacity:
    """The load on one role and its queue (times in the process's time unit)."""

    role: str
    staff: int
    availability: float
    steps: tuple[str, ...]
    """The role's queueing steps."""
    arrival_rate: float
    """Executions of the role's queueing steps per time unit."""
    mean_service: float
    """Mean service time of one execution (``E[work] / availability``, over its steps)."""
    scv_service: float
    """Squared coefficient of variation of the service time (the mix of its steps)."""
    scv_arrivals: float
    """Squared coefficient of variation of the inter-arrival times (1: Poisson)."""
    utilisation: float
    """Offered load per person: ``arrival_rate x mean_service / staff``."""
    stable: bool
    """``utilisation < 1``; otherwise the queue grows without bound."""
    p_wait: float
    """Probability that an execution waits (Erlang C; 1 when unstable)."""
    wait: float
    """Mean wait in the queue per execution (``inf`` when unstable)."""
    method: str
    """``erlang_c`` (exact M/M/c) or ``allen_cunneen`` (G/G/c approximation)."""
    wait_per_case: float
    """Expected queue waiting per case at this role (executions per case x ``wait``)."""
    staff_needed: int | None = None
    """Staff needed to keep ``wait`` at or under the ``wait_target`` (with the same
    availability); ``None`` when no target was given."""
    lead: _Lead | None = field(default=None, repr=False, compare=False)
    """The lead times of the process (computed on first use)."""

    @property
    def share(self) -> float:
        """``wait_per_case`` as a share of the lead time with waiting (``nan`` if unstable;
        the lead time is measured on first use)."""
        if not self.stable or self.lead is None:
            return math.nan
        lead = self.lead.with_waiting()
        return self.wait_per_case / lead if lead > 0 else 0.0

    @property
    def time_in_system(self) -> float:
        """Mean wait plus mean service."""
        return self.wait + self.mean_service

    @property
    def in_system(self) -> float:
        """Mean number of executions at the post, waiting or served (Little's law)."""
        return self.arrival_rate * self.time_in_system

    @property
    def in_queue(self) -> float:
        """Mean number of executions waiting (Little's law)."""
        return self.arrival_rate * self.wait

    def p_within(self, t: float) -> float:
        """Probability that an execution waits at most ``t``: ``1 - p_wait e^{-(c mu -
        lambda) t}`` (exact for M/M/c; for the approximation, the same form with its
        mean wait: ``1 - p_wait e^{-p_wait t / wait}``); 0 when unstable."""
        if not self.stable:
            return 0.0
        if self.wait <= 0 or self.p_wait <= 0:
            return 1.0
        return 1.0 - self.p_wait * math.exp(-self.p_wait * t / self.wait)


@dataclass(frozen=True)
class Capacity(Renderable):
    """What :func:`capacity` reports: per role (``roles[ID]``) the load and the queue,
    the ``bottleneck`` and the ``max_rate`` the process sustains."""

    name: str
    time_unit: str
    arrival_rate: float
    """Cases arriving per time unit."""
    roles: dict[str, RoleCapacity]
    lead: _Lead = field(repr=False, compare=False)
    wait_target: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def lead_time(self) -> float:
        """Expected lead time with the waiting from workload (``inf`` if a role is
        unstable): the lead time :func:`~procsimp.measure` gives for :func:`queued`,
        measured on first use."""
        return self.lead.with_waiting()

    @property
    def lead_time_without(self) -> float:
        """Expected lead time from the steps' ``duration`` (today's figure, no workload),
        measured on first use."""
        return self.lead.without()

    @property
    def bottleneck(self) -> str | None:
        """The role with the highest utilisation (``None`` without queueing steps)."""
        if not self.roles:
            return None
        return max(self.roles.values(), key=lambda r: r.utilisation).role

    @property
    def stable(self) -> bool:
        """Every role is below full utilisation."""
        return all(r.stable for r in self.roles.values())

    @property
    def unstable(self) -> tuple[str, ...]:
        """Roles at or above full utilisation."""
        return tuple(r.role for r in self.roles.values() if not r.stable)

    @property
    def max_rate(self) -> float:
        """The highest arrival rate (cases per time unit) every role sustains: the rate
        at which the bottleneck reaches full utilisation (``inf`` without queueing steps).
        Any rate below it is stable."""
        if not self.roles:
            return math.inf
        return min(self.arrival_rate / r.utilisation for r in self.roles.values())

    def check(self, n: int = 20_000, seed: int = 0, *, tolerance: float = 0.10,
              replications: int = 10) -> CapacityCheck:
        """These figures against the contention simulation (:func:`check_capacity`)."""
        return check_capacity(self.lead.process, n, seed, tolerance=tolerance,
                              replications=replications)

    def tables(self) -> Tables:
        u = self.time_unit
        cols = ["role", "staff", "arrival rate", "utilisation", "P(wait)", "wait",
                "time at post", "share of lead time", "method"]
        if self.wait_target is not None:
            cols.append("staff needed")
        rows = []
        for r in self.roles.values():
            if r.stable:
                wait = Cell(r.wait, f"{r.wait:.4g} {u}s")
                there = Cell(r.time_in_system, f"{r.time_in_system:.4g} {u}s")
                share = Cell(r.share, f"{r.share:.1%}")
            else:
                wait = Cell(None, "unstable")
                there = Cell(None, "unstable")
                share = Cell(None, "-")
            staff = r.staff if r.availability == 1 else Cell(
                r.staff, f"{r.staff} x {r.availability:.0%}")
            row: list[Any] = [r.role, staff, Cell(r.arrival_rate, f"{r.arrival_rate:.4g}/{u}"),
                              Cell(r.utilisation, f"{r.utilisation:.1%}"),
                              Cell(r.p_wait, f"{r.p_wait:.3f}"), wait, there, share,
                              r.method.replace("_", " ")]
            if self.wait_target is not None:
                row.append(r.staff_needed)
            rows.append(tuple(row))
        notes = list(self.notes)
        if self.bottleneck is not None:
            notes.append(f"bottleneck: {self.bottleneck}; the process sustains up to "
                         f"{self.max_rate:.4g} cases per {u} "
                         f"(now {self.arrival_rate:.4g})")
        for role in self.unstable:
            notes.append(f"{role} is at or above full utilisation: its queue grows without "
                         f"bound (add staff or availability, or move work away)")
        lead = (f"lead time with waiting {self.lead_time:.4g} {u}s (without workload "
                f"{self.lead_time_without:.4g} {u}s)" if self.stable else
                f"lead time with waiting: unbounded (without workload "
                f"{self.lead_time_without:.4g} {u}s)")
        notes.append(lead)
        return Tables((Table(f"{self.name}: capacity", tuple(cols), tuple(rows),
                             name="capacity", notes=tuple(notes), index="role",
                             units={"arrival rate": f"cases per {u}", "utilisation": "share",
                                    "P(wait)": "probability", "wait": u, "time at post": u,
                                    "share of lead time": "share"}),))


# --- computing it ------------------------------------------------------------------


def arrival_rate(process: Process) -> float:
    """Cases arriving per time unit of the process (0 without ``arrivals``).

    A rate per period is converted to the time unit in hours: in continuous time a day
    is 24 hours, a week 168, a month a twelfth of 365.25 days. With a working
    ``calendar``, durations are working time, so periods are working time too: an hour
    is a working hour, a day a working day of ``hours_per_day``, a week the working
    days of ``workweek``, a year ``workweek`` days x 365.25 / 7 less the holidays that
    fall on working days (averaged over the years listed, or over 2021-2030 for holidays
    from the ``holidays`` package), a month a twelfth of that.

    >>> import procsimp as ps
    >>> p = ps.Process.model_validate({"time_unit": "day", "arrivals": {"rate": 70,
    ...     "per": "week"}, "calendar": {"workweek": ["mon", "tue", "wed", "thu", "fri"]}})
    >>> arrival_rate(p)   # 70 a week over 5 working days
    14.0
    """
    arr = process.arrivals
    if arr is None:
        return 0.0
    if arr.interarrival is not None:
        return 1.0 / mean_of(arr.interarrival)
    assert arr.rate is not None and arr.per is not None
    return arr.rate * _hours(process, process.time_unit) / _hours(process, arr.per)


def _hours(process: Process, period: str) -> float:
    cal = process.calendar
    if cal is None:
        return HOURS[period]
    h = cal.hours_per_day
    if period in ("minute", "hour", "day"):
        return {"minute": h / (60.0 * h), "hour": 1.0, "day": h}[period]
    if period == "week":
        return h * len(cal.workweek)
    per_year = h * (len(cal.workweek) * 365.25 / 7.0 - _holidays_per_year(process))
    return per_year if period == "year" else per_year / 12.0


def _holidays_per_year(process: Process) -> float:
    from procsimp.calendar import WEEKDAYS

    cal = process.calendar
    assert cal is not None
    if isinstance(cal.holidays, tuple):
        dates = cal.holidays
        years = {d.year for d in dates}
    else:
        years = set(range(2021, 2031))
        dates = cal.holiday_dates(2021, 2030)
    working = {d for d in dates if WEEKDAYS[d.weekday()] in cal.workweek}
    return len(working) / len(years) if years else 0.0


def _arrival_scv(process: Process) -> float:
    arr = process.arrivals
    if arr is None or arr.interarrival is None:
        return 1.0
    return scv_of(arr.interarrival)


def _poisson(process: Process) -> bool:
    arr = process.arrivals
    return arr is not None and (arr.interarrival is None
                                or isinstance(arr.interarrival, Exponential))


def expected_executions(process: Process) -> list[float]:
    """Expected executions per case of each step (in ``process.steps``' analysis order):
    the probability that it runs times the expected passes of the rework blocks around it
    (``1 / (1 - p)`` for ``repeat``, ``1 + p`` for ``once``, nested blocks multiplied)."""
    c = process.analysis
    node_p, _ = c.reach
    passes = [0.0] * len(c.blocks)
    for b in reversed(range(len(c.blocks))):  # innermost first: parents come later
        blk = c.blocks[b]
        own = 1.0 / (1.0 - blk.p) if blk.mode == "repeat" else 1.0 + blk.p
        passes[b] = own * (passes[blk.parent] if blk.parent is not None else 1.0)
    return [node_p[v] * (passes[inner] if inner is not None else 1.0)
            for v, inner in enumerate(c.innermost_block)]


def _staff_needed(load: float, mean_service: float, rate: float, factor: float,
                  target: float) -> int:
    """Smallest whole staff whose (approximated) wait is at most ``target``."""
    c = max(1, math.floor(load) + 1)
    while True:
        if mmc_wait(c, rate, mean_service) * factor <= target:
            return c
        c += 1


@validated
def capacity(process: Process, *, wait_target: float | None = None) -> Capacity:
    """The load on each role of a process with ``arrivals`` and its queue (see the
    module text); ``wait_target`` (in the time unit) adds the staff each role needs to
    keep its mean queue wait at or under it.

    Raises :class:`~procsimp.OptionError` for a process without ``arrivals`` or a
    negative target.
    """
    if process.arrivals is None:
        raise OptionError(f"capacity: process {process.name!r} declares no arrivals; add "
                          f"e.g. `arrivals: {{rate: 120, per: month}}` to model its workload")
    if wait_target is not None and not (wait_target >= 0 and math.isfinite(wait_target)):
        raise OptionError(f"capacity: wait_target must be a finite time >= 0 in "
                          f"{process.time_unit}s, got {wait_target!r}")
    lam = arrival_rate(process)
    ca2 = _arrival_scv(process)
    poisson = _poisson(process)
    c = process.analysis
    runs = expected_executions(process)
    by_role: dict[str, list[int]] = {}
    for v, step in enumerate(c.steps):
        if step.work is not None:
            by_role.setdefault(step.role, []).append(v)
    results: dict[str, RoleCapacity] = {}
    lead = _Lead(process)
    for role_id, vs in by_role.items():
        role = process.role(role_id)
        a = role.availability
        rates = [lam * runs[v] for v in vs]
        rate = math.fsum(rates)
        works = [c.steps[v].work for v in vs]
        means = [mean_of(w) / a for w in works]  # type: ignore[arg-type]
        seconds = [variance_of(w) / (a * a) + m * m  # type: ignore[arg-type]
                   for w, m in zip(works, means, strict=True)]
        if rate > 0:
            es = math.fsum(r * m for r, m in zip(rates, means, strict=True)) / rate
            es2 = math.fsum(r * s for r, s in zip(rates, seconds, strict=True)) / rate
        else:
            es, es2 = (means[0], seconds[0]) if means else (0.0, 0.0)
        cs2 = max(0.0, es2 / (es * es) - 1.0) if es > 0 else 0.0
        load = rate * es
        rho = load / role.staff
        stable = rho < 1
        exponential = all(isinstance(w, Exponential) for w in works) and \
            len({mean_of(w) for w in works if rate > 0}) <= 1  # type: ignore[arg-type]
        method = "erlang_c" if poisson and exponential else "allen_cunneen"
        factor = 1.0 if method == "erlang_c" else (ca2 + cs2) / 2.0
        if stable:
            pw = erlang_c(role.staff, load)
            wq = mmc_wait(role.staff, rate, es) * factor
        else:
            pw, wq = 1.0, math.inf
        needed = None if wait_target is None or rate <= 0 else \
            _staff_needed(load, es, rate, factor, wait_target)
        if wait_target is not None and rate <= 0:
            needed = 0
        results[role_id] = RoleCapacity(
            role=role_id, staff=role.staff, availability=a,
            steps=tuple(c.ids[v] for v in vs), arrival_rate=rate, mean_service=es,
            scv_service=cs2, scv_arrivals=ca2, utilisation=rho, stable=stable, p_wait=pw,
            wait=wq, method=method,
            wait_per_case=(math.fsum(runs[v] for v in vs) * wq if stable else math.inf),
            staff_needed=needed, lead=lead)
    lead.roles = results
    notes: list[str] = []
    if not by_role:
        notes.append("no step declares work: nothing queues (add `work` to the steps "
                     "that occupy staff)")
    if any(r.method == "allen_cunneen" for r in results.values()):
        notes.append("allen cunneen: G/G/c approximation, the M/M/c wait x (ca^2 + cs^2)/2; "
                     "weaker at low utilisation with very variable work, and where parallel "
                     "branches or rework reshape a role's arrivals")
    return Capacity(name=process.name, time_unit=process.time_unit, arrival_rate=lam,
                    roles=results, lead=lead,
                    wait_target=wait_target, notes=tuple(notes))


class _Lead:
    """The two lead times of a capacity result, each measured once, when first asked."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.roles: dict[str, RoleCapacity] = {}
        self._with: float | None = None
        self._without: float | None = None

    def without(self) -> float:
        if self._without is None:
            from procsimp.metrics import measure

            self._without = measure(self.process).lead_time
        return self._without

    def with_waiting(self) -> float:
        if self._with is None:
            from procsimp.metrics import measure

            if all(r.stable for r in self.roles.values()):
                # measure's lead time reads mean durations only: a copy with means suffices
                self._with = measure(_queued_copy(self.process, self.roles,
                                                  means=True)).lead_time
            else:
                self._with = math.inf
        return self._with


def queued(process: Process) -> Process:
    """A copy of the process in which each queueing step's ``duration`` is its mean queue
    wait plus its service time (``work / availability``), and no ``arrivals``: measuring
    or simulating it gives figures with the waiting from workload. Raises
    :class:`~procsimp.OptionError` when a role is unstable (no finite wait exists)."""
    cap = capacity(process)
    if not cap.stable:
        raise OptionError(f"process {process.name!r}: {', '.join(cap.unstable)} at or above "
                          f"full utilisation; the wait is unbounded")
    return _queued_copy(process, cap.roles)


def _queued_copy(process: Process, roles: dict[str, RoleCapacity], *,
                 means: bool = False) -> Process:
    """Queueing steps' durations replaced by wait + service (``means``: by its mean, a
    plain number, which is all the flow analysis reads and much quicker to build)."""
    steps = []
    for step in process.steps:
        if step.work is None or step.role not in roles:
            steps.append(step)
            continue
        r = roles[step.role]
        if means:
            duration: Any = r.wait + mean_of(step.work) / r.availability
        else:
            duration = add(r.wait, scaled(step.work, 1.0 / r.availability))
        # a mean is an already valid duration: a quick copy (10,000 steps in milliseconds)
        steps.append(replaced(step, duration=duration) if means else
                     step.model_copy(update={"duration": duration}))
    return process.model_copy(update={"steps": tuple(steps), "arrivals": None})


# --- the approximation against the simulation ---------------------------------------


@dataclass(frozen=True)
class RoleCheck:
    """One role's analytic figures next to the contention simulation's."""

    role: str
    method: str
    utilisation: float
    """Analytic utilisation."""
    simulated_utilisation: float
    wait: float
    """Analytic mean queue wait per execution."""
    simulated_wait: float
    simulated_wait_ci: tuple[float, float]
    mean_service: float
    differs: bool
    """The analytic wait is more than the tolerance away from the simulated one (and
    more than 1 % of a service time: a difference in waits that are nearly zero does not
    count)."""
    reasons: tuple[str, ...]
    """Why the approximation and the simulation part, from the model (empty when they
    agree)."""

    @property
    def difference(self) -> float:
        """``(analytic - simulated) / simulated`` wait (``nan`` when the simulated wait is 0
        or either is unbounded)."""
        if not (math.isfinite(self.wait) and math.isfinite(self.simulated_wait)) \
                or self.simulated_wait <= 0:
            return math.nan
        return (self.wait - self.simulated_wait) / self.simulated_wait


@dataclass(frozen=True)
class CapacityCheck(Renderable):
    """:func:`check_capacity`: per role, the analytic wait next to the simulated one, and
    where they differ by more than ``tolerance``, why."""

    name: str
    time_unit: str
    n: int
    replications: int
    tolerance: float
    roles: dict[str, RoleCheck]

    @property
    def differs(self) -> tuple[str, ...]:
        """Roles whose analytic wait is off the simulation by more than the tolerance."""
        return tuple(r.role for r in self.roles.values() if r.differs)

    def tables(self) -> Tables:
        u = self.time_unit

        def t(x: float) -> Cell:
            return Cell(x, f"{x:.4g} {u}s" if math.isfinite(x) else "unbounded")

        rows = []
        for r in self.roles.values():
            ci = r.simulated_wait_ci
            ci_cell = Cell(list(ci), f"{ci[0]:.4g} .. {ci[1]:.4g}") if all(
                math.isfinite(x) for x in ci) else Cell(None, "n/a")
            d = r.difference
            rows.append((r.role, r.method.replace("_", " "),
                         Cell(r.utilisation, f"{r.utilisation:.1%}"),
                         Cell(r.simulated_utilisation, f"{r.simulated_utilisation:.1%}"),
                         t(r.wait), t(r.simulated_wait), ci_cell,
                         Cell(d, f"{d:+.0%}" if math.isfinite(d) else "-"),
                         "yes" if r.differs else ""))
        notes = []
        for r in self.roles.values():
            if r.differs:
                notes.append(f"{r.role}: the approximation is off the simulation by more than "
                             f"{self.tolerance:.0%}; " + "; ".join(r.reasons))
        if not notes:
            notes.append(f"every role's analytic wait is within {self.tolerance:.0%} of the "
                         f"simulation (or both are under 1 % of a service time)")
        return Tables((Table(f"{self.name}: capacity against the contention simulation "
                             f"({self.n:,} cases, {self.replications} replications)",
                             ("role", "method", "utilisation", "simulated", "wait",
                              "simulated wait", "95% CI", "difference", "off > tolerance"),
                             tuple(rows), name="capacity_check", notes=tuple(notes),
                             index="role"),))


def _reasons(process: Process, cap: Capacity, r: RoleCapacity) -> tuple[str, ...]:
    """Why the G/G/c figures of role ``r`` part from the network's, read from the model."""
    c = process.analysis
    runs = expected_executions(process)
    vs = [c.index[s] for s in r.steps]
    out = []
    if any(c.preds[v] for v in vs):
        out.append(f"its files come from earlier steps, whose queues and varied work change "
                   f"the spacing of its arrivals, while the approximation takes the arrival "
                   f"stream's ca^2 = {r.scv_arrivals:.2f} at every role")
    parallel = any(len(c.succs[u]) >= 2 and u not in c.branches for u in range(c.n))
    if parallel:
        out.append("parallel branches send one case's files to several posts at once")
    visits = math.fsum(runs[v] for v in vs)
    if visits > 1 + 1e-9:
        out.append(f"a case comes to it {visits:.2f} times on average (several steps or "
                   f"rework): one case's visits are not independent arrivals")
    means = [mean_of(c.steps[v].work) for v in vs]  # type: ignore[arg-type]
    if len(means) > 1 and min(means) > 0 and max(means) > 2 * min(means):
        out.append(f"its steps' work differs (means {min(means):.3g} to {max(means):.3g} "
                   f"{process.time_unit}s), folded into one service time with cs^2 = "
                   f"{r.scv_service:.2f}")
    if r.method == "allen_cunneen" and (r.scv_arrivals < 0.5 or r.scv_service < 0.5):
        out.append("regular arrivals or work (squared coefficient of variation under 0.5), "
                   "where the Allen-Cunneen factor is weakest")
    if r.utilisation < 0.3:
        out.append(f"at {r.utilisation:.0%} utilisation waits are short and rare, where the "
                   f"approximation is least accurate")
    if r.method == "erlang_c":
        out.append("Erlang C is exact for one M/M/c queue; in the network the role's arrivals "
                   "are not Poisson")
    return tuple(out)


@validated
def check_capacity(process: Process, n: int = 20_000, seed: int = 0, *,
                   tolerance: float = 0.10, replications: int = 10) -> CapacityCheck:
    """Compare :func:`capacity` with the contention simulation
    (``simulate(queues=True)``, ``n`` cases over ``replications``): per role the analytic
    and simulated utilisation and mean wait, and for each role whose analytic wait is more
    than ``tolerance`` (default 10 %) off the simulated one, the reasons read from the
    model (arrivals reshaped by earlier steps, parallel branches, repeated visits, a mix
    of work, regular arrivals or work, low utilisation).

    Raises :class:`~procsimp.OptionError` for a process without ``arrivals`` or a
    tolerance that is not a positive number.
    """
    if not (isinstance(tolerance, (int, float)) and tolerance > 0 and math.isfinite(tolerance)):
        raise OptionError(f"check_capacity: tolerance must be a positive share (0.1 for "
                          f"10 %), got {tolerance!r}")
    cap = capacity(process)
    from procsimp.simulation import simulate

    sim = simulate(process, n, seed, queues=True, replications=replications)
    roles: dict[str, RoleCheck] = {}
    for rid, r in cap.roles.items():
        q = sim.roles.get(rid)  # type: ignore[attr-defined]
        if q is None:
            continue
        a, b = r.wait, q.wait
        if math.isfinite(a) and math.isfinite(b):
            gap = abs(a - b)
            differs = gap > tolerance * b and gap > 0.01 * r.mean_service
        else:
            differs = math.isfinite(a) != math.isfinite(b)
        roles[rid] = RoleCheck(
            role=rid, method=r.method, utilisation=r.utilisation,
            simulated_utilisation=q.utilisation, wait=a, simulated_wait=b,
            simulated_wait_ci=q.wait_ci, mean_service=r.mean_service, differs=differs,
            reasons=_reasons(process, cap, r) if differs else ())
    return CapacityCheck(name=process.name, time_unit=process.time_unit, n=sim.n,
                         replications=replications, tolerance=float(tolerance), roles=roles)


#: Utilisation from which a role counts as overloaded in reports and pass warnings: its
#: waits grow steeply (an M/M/1 at 0.9 waits 9 service times).
OVERLOAD = 0.9


@dataclass(frozen=True)
class RoleLoad:
    """How one role's load changes between two versions of a process."""

    role: str
    utilisation_before: float
    """0 when the role had no queueing work (or did not exist) before."""
    utilisation_after: float
    wait_before: float
    wait_after: float
    bottleneck_before: bool
    bottleneck_after: bool

    @property
    def gained(self) -> bool:
        """The role carries more load after than before."""
        return self.utilisation_after > self.utilisation_before * (1 + 1e-9) + 1e-12

    @property
    def became_bottleneck(self) -> bool:
        return self.bottleneck_after and not self.bottleneck_before

    @property
    def overloaded(self) -> bool:
        """At or above :data:`OVERLOAD` utilisation after."""
        return self.utilisation_after >= OVERLOAD - 1e-12


def load_changes(before: Process, after: Process) -> tuple[RoleLoad, ...]:
    """Per role, utilisation and mean queue wait before and after (both versions must
    declare ``arrivals``; otherwise ``()``), roles of either version, in order.

    >>> import procsimp as ps
    >>> def office(work):
    ...     return ps.Process.model_validate({"time_unit": "hour", "levels": ["s"],
    ...         "arrivals": {"rate": 1, "per": "hour"}, "roles": [{"id": "r", "level": "s"}],
    ...         "steps": [{"id": "a", "role": "r", "work": work}]})
    >>> change = load_changes(office(0.2), office(0.5))[0]
    >>> change.utilisation_before, change.utilisation_after, change.gained
    (0.2, 0.5, True)
    """
    if before.arrivals is None or after.arrivals is None:
        return ()
    a, b = capacity(before), capacity(after)
    ids = list(dict.fromkeys([*a.roles, *b.roles]))
    zero = math.nan

    def get(cap: Capacity, rid: str, what: str) -> float:
        r = cap.roles.get(rid)
        return (0.0 if what == "utilisation" else zero) if r is None else getattr(r, what)

    return tuple(RoleLoad(role=rid, utilisation_before=get(a, rid, "utilisation"),
                          utilisation_after=get(b, rid, "utilisation"),
                          wait_before=get(a, rid, "wait"), wait_after=get(b, rid, "wait"),
                          bottleneck_before=a.bottleneck == rid,
                          bottleneck_after=b.bottleneck == rid) for rid in ids)


def load_notes(changes: tuple[RoleLoad, ...]) -> tuple[str, ...]:
    """One sentence per role that gained load, became the bottleneck or is overloaded."""
    notes = []
    for c in changes:
        if not c.gained:
            continue
        words = [f"{c.role} gained load: utilisation {c.utilisation_before:.0%} -> "
                 f"{c.utilisation_after:.0%}"]
        if c.became_bottleneck:
            words.append("it is now the bottleneck")
        if c.utilisation_after >= 1:
            words.append("it is unstable: its queue grows without bound")
        elif c.overloaded:
            words.append("it is overloaded")
        notes.append("; ".join(words))
    return tuple(notes)


__all__ = [
    "METHODS",
    "OVERLOAD",
    "Capacity",
    "CapacityCheck",
    "RoleCapacity",
    "RoleCheck",
    "RoleLoad",
    "arrival_rate",
    "capacity",
    "check_capacity",
    "erlang_c",
    "expected_executions",
    "ggc_wait",
    "load_changes",
    "load_notes",
    "mmc_wait",
    "queued",
]
