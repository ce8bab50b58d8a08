"""Simulation with contention: cases arrive, and queue for the staff of each role.

``ps.simulate(proc, n, seed, queues=True)`` runs this engine. Cases arrive by the
process's ``arrivals`` (``{rate: R, per: PERIOD}``: a Poisson stream; or
``{interarrival: DURATION}``). A step with ``work`` is a *queueing step*: the
case waits, first come first served, for one of its role's ``staff`` (one queue
per role, shared by all the role's queueing steps), who then serves it for
``work / availability`` (a person giving a share ``a`` of their working time to
this process serves at rate ``a``). A step without ``work`` keeps its
``duration`` and occupies no one. Everything else is interpreted exactly as in
:func:`procsimp.simulate`: a step starts when its predecessors' files have
arrived (``join: all``: the last of them; ``join: any``: the alternative that
ran), exclusive choices follow their branch probabilities, transfer delays are
drawn per edge, and a rework block runs again (after the return delay and the
revision) while its closing step draws a send-back. With unlimited staff and
``work`` equal to ``duration`` the lead times have the no-queue distribution.

Time is working time in the process's ``time_unit``: where the process has a
working calendar, staff work and files arrive only in working time, and a rate
per calendar period is converted with that calendar's working time per period
(:func:`rate_per_unit`). The contention mode places no case on the dates: it
refuses ``start=`` and roles with their own ``calendar`` (each with an
:class:`~procsimp.OptionError` saying what to do) rather than silently ignore them;
a post that works fewer hours than the office can be given that share as its
``availability``.

Replications: the ``n`` measured cases are split over ``replications``
independent runs (default :data:`REPLICATIONS`); each run first simulates
``warmup`` cases (default: a fifth of its measured cases, at least
:data:`MIN_WARMUP`) that are discarded, so the figures describe the steady
state, not an empty office filling up. Arrivals go on after the last measured
case, so its congestion is not understated; where the office is overloaded and files
are sent back, the measured cases would never catch up, and the run stops after
:data:`MAX_OVERRUN` further cases per case with a :class:`~procsimp.SimulationError`
naming the overloaded roles. Every figure's 95 % interval is a
Student-t interval over the replications' own figures (cases within one run are
correlated, so an interval over cases would be too narrow).

The engine is a discrete-event loop over a heap of plain tuples, one event per
step execution: since files reach a role in time order, first come, first served
is the Kiefer-Wolfowitz recursion over a small heap of the staff's free times, so
a file's start and end of service are known when it arrives. Random draws come in
numpy blocks from one stream per step, edge and choice, seeded by ``(seed,
replication)``, so a seed gives the same figures every time.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "time_unit": "hour",
...     "roles": [{"id": "clerk", "level": "staff"}],
...     "steps": [{"id": "check", "role": "clerk", "duration": 1,
...                "work": {"dist": "exponential", "mean": 1}}]})
>>> r = ps.simulate(p, 4000, seed=1, queues=True, arrivals={"rate": 0.5, "per": "hour"})
>>> round(r.roles["clerk"].utilisation, 1)
0.5
"""

from __future__ import annotations

import heapq
import itertools
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp import simulation
from procsimp.deadlines import DAYS_PER_UNIT, evaluate
from procsimp.durations import mean_of
from procsimp.durations import sample as draw_duration
from procsimp.errors import OptionError, SimulationError
from procsimp.queueing import arrival_rate
from procsimp.render import Cell, Table, Tables
from procsimp.simulation import SimulationResult, check_cases, check_seed, runs_per_case, summarize

if TYPE_CHECKING:
    from procsimp.analysis import Analysis
    from procsimp.model import Process

#: Independent replications by default.
REPLICATIONS = 10
#: Fewest warm-up cases per replication by default.
MIN_WARMUP = 50
#: Random draws fetched from a stream at once.
BLOCK = 2048
#: Cases a replication may admit after its last measured one, per measured or warm-up case,
#: while it waits for the measured cases to finish. A stable office needs few (those that
#: arrive during the last case's stay); an overloaded one whose files are sent back
#: needs ever more, since each send-back queues behind every later arrival: the run stops
#: with a :class:`~procsimp.SimulationError` instead of growing without bound.
MAX_OVERRUN = 20
#: Fewest such cases allowed, whatever the number of measured cases.
MIN_OVERRUN = 1000
#: Bound on (cases in the office) x (steps) the overrun may reach, for memory (each case
#: in the office keeps a few numbers per step: about 24 bytes each).
MAX_CASE_STEPS = 20_000_000
#: Calendar days in a month and a year (without a calendar time runs on every day).
DAYS_PER_PERIOD = {**DAYS_PER_UNIT, "month": 365.25 / 12.0, "year": 365.25}
PERIODS = tuple(DAYS_PER_PERIOD)

_ARRIVE, _START, _DONE, _FINISH = 0, 1, 2, 3
_INF = math.inf


class _Overrun(Exception):
    """A replication reached its bound on cases (:data:`MAX_OVERRUN`); ``args[0]``: the
    cases admitted after the last measured one."""

#: Student t quantiles t(0.975, df) for df = 1..30.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom.

    >>> t975(9)
    2.262
    """
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959963984540054  # Cornish-Fisher expansion beyond the table
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def replication_interval(values: np.ndarray, centre: float | None = None) -> tuple[float, float]:
    """95 % Student-t interval from one figure per replication (``nan`` below two).

    >>> low, high = replication_interval(np.array([1.0, 2.0, 3.0]))
    >>> round(low, 3), round(high, 3)
    (-0.484, 4.484)
    """
    values = np.asarray(values, dtype=float)
    k = len(values)
    if k < 2 or not np.all(np.isfinite(values)):
        return (math.nan, math.nan)
    mid = float(values.mean()) if centre is None else centre
    half = t975(k - 1) * float(values.std(ddof=1)) / math.sqrt(k)
    return (mid - half, mid + half)


# --- the workload ------------------------------------------------------------------------


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def rate_per_unit(rate: float, per: str, process: Process) -> float:
    """Arrivals per time unit of the process, from ``rate`` arrivals per ``per``.

    Without a calendar, periods are calendar time (a month is 365.25/12 days). With
    the process's working calendar, time runs only on working days (and an ``hour``
    is one of its ``hours_per_day``): a week has ``len(workweek)`` working days, a
    year ``365.25 / 7 * len(workweek)`` less the holidays on working days, a month a
    twelfth of that; the rate is spread over that working time (the conversion of
    :func:`procsimp.queueing.arrival_rate`, which ``ps.capacity`` uses).

    >>> import procsimp as ps
    >>> p = ps.Process.model_validate({"levels": ["s"], "roles": [{"id": "c", "level": "s"}],
    ...     "steps": [{"id": "a", "role": "c"}], "calendar": {}})
    >>> rate_per_unit(10, "week", p)  # 10 a week over 5 working days
    2.0
    """
    if per not in DAYS_PER_PERIOD:
        raise OptionError(f"arrivals: per must be one of {', '.join(PERIODS)}, got {per!r}")
    from procsimp.model import Arrivals  # the conversion is ps.capacity's, so both agree

    with_rate = process.model_copy(update={"arrivals": Arrivals(rate=float(rate), per=per)})
    return arrival_rate(with_rate)


@dataclass(frozen=True)
class Workload:
    """What the contention engine needs beyond the graph: arrivals and each role's staff."""

    rate: float | None
    """Poisson arrivals per time unit (None: ``interarrival`` is drawn)."""
    interarrival: Any
    """The inter-arrival duration (when ``rate`` is None)."""
    staff: dict[str, int]
    availability: dict[str, float]

    @property
    def mean_interarrival(self) -> float:
        return 1.0 / self.rate if self.rate is not None else mean_of(self.interarrival)


def workload(process: Process, arrivals: Any = None, staff: dict[str, int] | None = None,
             availability: dict[str, float] | None = None) -> Workload:
    """The process's workload (``arrivals``, roles' ``staff`` and ``availability``), with
    optional overrides for what-if runs; a clear :class:`~procsimp.OptionError` if none."""
    spec = arrivals if arrivals is not None else getattr(process, "arrivals", None)
    if spec is None:
        raise OptionError(
            f"simulate(queues=True) {process.name!r}: the process declares no arrivals; add "
            f"arrivals: {{rate: R, per: month}} (or {{interarrival: DURATION}}) to the process, "
            f"or pass arrivals=... to simulate")
    rate, inter = _field(spec, "rate"), _field(spec, "interarrival")
    if (rate is None) == (inter is None):
        raise OptionError(f"arrivals of {process.name!r}: give either rate (with per) or "
                          f"interarrival, got {spec!r}")
    per_unit: float | None = None
    if rate is not None:
        if not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
            raise OptionError(f"arrivals of {process.name!r}: rate must be a positive number, "
                              f"got {rate!r}")
        per_unit = rate_per_unit(float(rate), str(_field(spec, "per", process.time_unit)),
                                 process)
    else:
        if isinstance(inter, dict):
            from pydantic import TypeAdapter

            from procsimp.durations import Duration
            inter = TypeAdapter(Duration).validate_python(inter)
        if not mean_of(inter) > 0:
            raise OptionError(f"arrivals of {process.name!r}: the inter-arrival time must have "
                              f"a positive mean, got {inter!r}")
    staffs: dict[str, Any] = {}
    avail: dict[str, float] = {}
    for role in process.roles:
        c = (staff or {}).get(role.id, getattr(role, "staff", 1))
        a = (availability or {}).get(role.id, getattr(role, "availability", 1.0))
        if c is None:
            c = 1
        if not (isinstance(c, (int, np.integer)) and c >= 1) and c != _INF:
            raise OptionError(f"role {role.id!r}: staff must be a whole number >= 1, got {c!r}")
        if not (isinstance(a, (int, float)) and 0 < a <= 1):
            raise OptionError(f"role {role.id!r}: availability must be in (0, 1], got {a!r}")
        staffs[role.id] = c
        avail[role.id] = float(a)
    return Workload(per_unit, inter, staffs, avail)


def visits_per_case(analysis: Analysis) -> list[float]:
    """Expected executions of each step per case: reach probability x rework runs."""
    reach, _ = analysis.reach
    runs = runs_per_case(analysis)
    return [reach[v] * runs[v] for v in range(analysis.n)]


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleQueue:
    """One role's figures in a contention simulation, each with its 95 % interval."""

    role: str
    staff: float
    availability: float
    visits: float
    """Queueing executions per measured case."""
    offered: float
    """Offered utilisation from the model (arrival rate x expected work / staff x availability)."""
    utilisation: float
    utilisation_ci: tuple[float, float]
    wait: float
    """Mean wait in the role's queue per queueing execution (inf when unstable)."""
    wait_ci: tuple[float, float]
    p_wait: float
    """Share of executions that had to wait."""
    p_wait_ci: tuple[float, float]
    wait_per_case: float
    """Mean total wait of a case at this role."""
    wait_per_case_ci: tuple[float, float]

    @property
    def unstable(self) -> bool:
        """Offered utilisation at or above 1: the queue grows without bound."""
        return self.offered >= 1.0

    def to_dict(self) -> dict[str, Any]:
        def f(x: float) -> float | None:
            return x if math.isfinite(x) else None
        return {"role": self.role, "staff": f(self.staff), "availability": self.availability,
                "visits": self.visits, "offered": self.offered, "unstable": self.unstable,
                "utilisation": self.utilisation, "utilisation_ci": [f(x) for x in
                                                                    self.utilisation_ci],
                "wait": f(self.wait), "wait_ci": [f(x) for x in self.wait_ci],
                "p_wait": self.p_wait, "p_wait_ci": [f(x) for x in self.p_wait_ci],
                "wait_per_case": f(self.wait_per_case),
                "wait_per_case_ci": [f(x) for x in self.wait_per_case_ci]}


@dataclass(frozen=True, repr=False)
class QueueSimulationResult(SimulationResult):
    """A :class:`~procsimp.SimulationResult` from the contention mode, with per-role load.

    ``samples`` holds the measured cases' lead times (replication after
    replication); ``mean_ci``, ``p50_ci``, ``p90_ci`` and ``p95_ci`` are Student-t
    intervals over the replications. ``roles[ID]`` gives each role's utilisation,
    waits and their intervals (:class:`RoleQueue`); ``unstable`` names the roles at or
    above full utilisation, whose waits are reported as infinite.
    """

    replications: int = 1
    warmup: int = 0
    arrival_rate: float = math.nan
    """Cases arriving per time unit."""
    roles: dict[str, RoleQueue] = field(default_factory=dict)
    unstable: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(replications=self.replications, warmup=self.warmup,
                   arrival_rate=self.arrival_rate, unstable=list(self.unstable),
                   roles={k: v.to_dict() for k, v in self.roles.items()})
        return out

    def tables(self) -> Tables:
        base = super().tables()
        u = self.time_unit

        def t(x: float) -> Cell:
            return Cell(x, f"{x:,.3f} {u}s" if math.isfinite(x) else "unbounded")

        def ci(c: tuple[float, float], fmt: str) -> Cell:
            if not all(math.isfinite(x) for x in c):
                return Cell(None, "n/a")
            return Cell(list(c), f"{c[0]:{fmt}} .. {c[1]:{fmt}}")

        rows = tuple((r.role, Cell(r.staff, f"{r.staff:g}"), Cell(r.utilisation,
                      f"{r.utilisation:.1%}"), ci(r.utilisation_ci, ".1%"), t(r.wait),
                      ci(r.wait_ci, ",.3f"), Cell(r.p_wait, f"{r.p_wait:.0%}"),
                      t(r.wait_per_case)) for r in self.roles.values())
        notes = tuple(f"role {k!r} is at or above full utilisation "
                      f"({self.roles[k].offered:.0%} offered): its queue grows without bound"
                      for k in self.unstable)
        table = Table(f"Workload by role ({self.replications} replications, "
                      f"{self.warmup:,} warm-up cases each discarded)",
                      ("role", "staff", "utilisation", "utilisation 95% CI", "mean wait",
                       "wait 95% CI", "share waiting", "wait per case"), rows,
                      notes=notes, name="roles", index="role")
        return Tables((*base.tables, table))

    def __repr__(self) -> str:
        return (f"QueueSimulationResult(n={self.n}, replications={self.replications}, "
                f"mean={self.mean:.4g}, p90={self.p90:.4g})")


# --- the compiled network ----------------------------------------------------------------


class _Stream:
    """One random stream, its generator made on first use (most streams of a large
    process are never drawn from: fixed durations, steps without choices)."""

    __slots__ = ("_rng", "seed")

    def __init__(self, seed: Any) -> None:
        self.seed = seed
        self._rng: np.random.Generator | None = None

    @property
    def rng(self) -> np.random.Generator:
        if self._rng is None:
            seed = self.seed
            if isinstance(seed, tuple):  # (root, i): the root's i-th spawned child
                root, i = seed
                seed = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i),
                                              pool_size=root.pool_size)
            self._rng = np.random.default_rng(seed)
        return self._rng


class _Draws(_Stream):
    """Blocks of draws from one stream (a constant for a fixed duration)."""

    __slots__ = ("buf", "i", "spec")

    def __init__(self, spec: Any, seed: Any) -> None:
        super().__init__(seed)
        self.spec, self.i = spec, 0
        self.buf: list[float] = []

    def take(self) -> float:
        i = self.i
        if i >= len(self.buf):
            self.buf = draw_duration(self.spec, self.rng, BLOCK).tolist()
            i = 0
        self.i = i + 1
        return self.buf[i]


class _Uniform(_Stream):
    __slots__ = ("buf", "i")

    def __init__(self, seed: Any) -> None:
        super().__init__(seed)
        self.i = 0
        self.buf: list[float] = []

    def take(self) -> float:
        i = self.i
        if i >= len(self.buf):
            self.buf = self.rng.random(BLOCK).tolist()
            i = 0
        self.i = i + 1
        return self.buf[i]


def _fixed(spec: Any) -> float | None:
    return float(spec) if isinstance(spec, (int, float)) else None


class _Net:
    """The graph in flat lists, for the event loop."""

    def __init__(self, process: Process, load: Workload) -> None:
        c = process.analysis
        self.c = c
        n = c.n
        self.n = n
        self.role_ids = [r.id for r in process.roles]
        rindex = {r: i for i, r in enumerate(self.role_ids)}
        self.npred = [len(p) for p in c.preds]
        self.join_all = [s.join == "all" for s in c.steps]
        branch_of = {(v, k): b for outs in c.branches.values()
                     for b, (v, k, _) in enumerate(outs)}
        # successors as (w, k, branch) and each edge's delay spec
        self.out: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
        for w in range(n):
            for k, u in enumerate(c.preds[w]):
                self.out[u].append((w, k, branch_of.get((w, k), -1)))
        self.edge_delay = c.edge_delay
        self.cum: dict[int, list[float]] = {}
        for u, outs in c.branches.items():
            cum = np.cumsum([p for _, _, p in outs]).tolist()
            cum[-1] = _INF
            self.cum[u] = cum
        self.role = [-1] * n  # the queue of a queueing step, -1 otherwise
        self.avail = [1.0] * n
        for v, s in enumerate(c.steps):
            if s.work is not None:
                self.role[v] = rindex[s.role]
                self.avail[v] = load.availability[s.role]
        self.staff = [load.staff[r] for r in self.role_ids]
        self.sinks = [not c.succs[v] for v in range(n)]
        self.nsinks = sum(self.sinks)
        self.block_of_exit = dict(c.block_of_exit)
        self.blocks = c.blocks
        self.block_nodes = [sorted(b.nodes) for b in c.blocks]
        self.visits = visits_per_case(c)


class _Replication:
    """One replication: the event loop and its accumulators."""

    def __init__(self, net: _Net, load: Workload, seed: int, rep: int, total: int,
                 first: int, keep: dict[str, int]) -> None:
        self.net = net
        root = np.random.SeedSequence([seed, rep])
        kids = itertools.count()
        c = net.c

        def gen() -> tuple[np.random.SeedSequence, int]:
            """The next stream's seed: the root's next child, made on first use (the same
            child ``root.spawn`` would give)."""
            return (root, next(kids))

        steps = c.steps
        self.dur = [_fixed(s.duration) for s in steps]
        self.dur_draw = [_Draws(s.duration, gen()) for s in steps]
        self.work = [_fixed(s.work) if s.work is not None else None for s in steps]
        self.work_draw = [_Draws(s.work if s.work is not None else 0.0, gen()) for s in steps]
        self.choice = [_Uniform(gen()) for _ in steps]
        self.rework = [_Uniform(gen()) for _ in steps]
        self.delay = [[(_fixed(d), _Draws(d, gen())) for d in row] for row in c.edge_delay]
        backs: list[tuple[float | None, _Draws | None, float | None, _Draws | None]] = []
        for v, s in enumerate(steps):
            b = c.block_of_exit.get(v)
            if b is None:
                backs.append((0.0, None, 0.0, None))
                continue
            blk, rw = c.blocks[b], s.rework
            assert rw is not None
            backs.append((_fixed(blk.delay), _Draws(blk.delay, gen()), _fixed(rw.revision),
                          _Draws(rw.revision, gen())))
        self.backs = backs
        arr_rng = _Stream(gen()).rng
        # arrival times of every case up to the one after the last measured, then one at a time
        self.rate = load.rate
        self.inter_draw = None if load.rate is not None else _Draws(load.interarrival, arr_rng)
        self.arr_rng = arr_rng
        if load.rate is not None:
            gaps = arr_rng.exponential(1.0 / load.rate, total + 1)
        else:
            gaps = draw_duration(load.interarrival, arr_rng, total + 1)
        self.arrivals = np.cumsum(gaps).tolist()
        self.total, self.first = total, first
        self.keep = keep  # deadline steps -> index

    def next_gap(self) -> float:
        if self.rate is not None:
            return float(self.arr_rng.exponential(1.0 / self.rate))
        assert self.inter_draw is not None
        return self.inter_draw.take()

    def run(self) -> dict[str, Any]:  # one event loop, kept in one piece for speed
        """Simulate the replication: an event loop over one heap of ``(time, what,
        case)`` tuples (``what``: the step that finished, ``n + v`` when step ``v`` may
        start after a delay, ``-1`` an arrival).

        A role's queue is first come, first served for its ``staff``; since requests
        reach a role in time order (events are handled in time order), a request is
        served by the person who frees up first, at the later of the request and that
        moment (the Kiefer-Wolfowitz recursion over a heap of the staff's free times):
        the start and the end of the service are known when the file arrives, so one
        event per execution suffices."""
        net = self.net
        n, npred, join_all, out, cum = net.n, net.npred, net.join_all, net.out, net.cum
        role_of, avail, sinks = net.role, net.avail, net.sinks
        block_of_exit, blocks, block_nodes = net.block_of_exit, net.blocks, net.block_nodes
        dur, dur_draw, work_draw = self.dur, self.dur_draw, self.work_draw
        choice, rework, delay, backs = self.choice, self.rework, self.delay, self.backs
        nroles = len(net.role_ids)
        # each role's staff as a heap of the times they become free (None: unlimited)
        servers: list[list[float] | None] = [
            None if s == _INF else [-_INF] * int(s) for s in net.staff]
        first, total, arrivals = self.first, self.total, self.arrivals
        # the measured window: from the first measured arrival to the arrival after the last
        # (the work of the measured cases over it is the utilisation)
        t0, t1 = arrivals[first], arrivals[total]
        busy = [0.0] * nroles
        m = total - first
        lead = [math.nan] * m
        wait_sum = [0.0] * nroles
        visits = [0] * nroles
        waited = [0] * nroles
        kept = {s: np.full(m, -_INF) for s in self.keep}
        keep_at = {v: s for s, v in self.keep.items()}
        has_choice = [v in cum for v in range(n)]
        single = [p == 1 for p in npred]
        exit_block = [block_of_exit.get(v, -1) for v in range(n)]
        # the common case, handled inline in the loop: a step that ends no rework block,
        # makes no choice, ends no path and starts no deadline clock hands its file on to
        # each successor; its edges as (successor, fixed delay or None, delay draws)
        plain = [not has_choice[v] and exit_block[v] < 0 and v not in keep_at
                 and not sinks[v] for v in range(n)]
        edges = [[(w, *delay[w][k], single[w], role_of[w],
                   servers[role_of[w]] if role_of[w] >= 0 else None)
                  for w, k, _ in out[v]] for v in range(n)]
        # service times (``work / availability``) per step: the bound ``__next__`` of an
        # iterator over a block of draws, refilled when it runs out
        inv_avail = [1.0 / a for a in avail]
        nxt: list[Any] = [iter(()).__next__ for _ in range(n)]
        # a case's state: [case, pending reports, latest arrival, dead reports, rework runs,
        # sinks left, last finish, arrival, measured]
        done_measured = 0
        heap: list[tuple[float, int, Any]] = []
        push, pop, replace_top = heapq.heappush, heapq.heappop, heapq.heapreplace
        push(heap, (arrivals[0], -1, 0))
        sources = [v for v in range(n) if npred[v] == 0]
        last_arrival = arrivals[0]
        # the last case the run may admit while it waits for the measured ones
        limit = total + max(MIN_OVERRUN, min(MAX_OVERRUN * total, MAX_CASE_STEPS // max(n, 1)))

        def refill(v: int) -> float:
            """A new block of service times for step ``v``; returns the first."""
            dr = work_draw[v]
            it = iter((draw_duration(dr.spec, dr.rng, BLOCK) * inv_avail[v]).tolist())
            nxt[v] = it.__next__
            return next(it)

        def serve(cs: list[Any], v: int, r: int, now: float) -> None:
            """The file of step ``v`` reaches its role ``r`` at ``now``."""
            try:
                x = nxt[v]()
            except StopIteration:
                x = refill(v)
            srv = servers[r]
            start = now
            if srv is not None:
                f = srv[0]
                if f > now:
                    start = f
                replace_top(srv, start + x)
            if cs[8]:
                visits[r] += 1
                busy[r] += x
                if start > now:
                    wait_sum[r] += start - now
                    waited[r] += 1
            push(heap, (start + x, v, cs))

        def begin(cs: list[Any], v: int, s: float, now: float) -> None:
            """Step ``v`` of the case can start at ``s`` (>= now)."""
            r = role_of[v]
            if r < 0:
                d = dur[v]
                push(heap, (s + (d if d is not None else dur_draw[v].take()), v, cs))
            elif s > now:
                push(heap, (s, n + v, cs))
            else:
                serve(cs, v, r, now)

        def report(cs: list[Any], w: int, t: float | None, now: float) -> None:
            """A file (``t``: its arrival) or a dead path (``None``) reaches step ``w``."""
            if t is None:
                cs[3][w] += 1
            elif t > cs[2][w]:
                cs[2][w] = t
            r_ = cs[1]
            r_[w] -= 1
            if r_[w]:
                return
            dead = cs[3][w]
            if dead and (join_all[w] or dead == npred[w]):
                resolve(cs, w, None, now)
            else:
                begin(cs, w, cs[2][w], now)

        def resolve(cs: list[Any], v: int, t: float | None, now: float) -> None:
            """Step ``v`` finished at ``t`` for good (or never runs: ``None``)."""
            branch = -1
            if t is not None:
                if has_choice[v]:
                    u = choice[v].take()
                    cv = cum[v]
                    branch = 0
                    while u >= cv[branch]:
                        branch += 1
                if v in keep_at:
                    j = cs[0] - first
                    if 0 <= j < m:
                        kept[keep_at[v]][j] = t - cs[7]
            if sinks[v]:
                if t is not None and t > cs[6]:
                    cs[6] = t
                cs[5] -= 1
                if not cs[5]:
                    finish_case(cs)
                return
            for w, k, b in out[v]:
                if t is None or (b >= 0 and b != branch):
                    report(cs, w, None, now)
                else:
                    fx, dr = delay[w][k]
                    a = t + (fx if fx is not None else dr.take())
                    if single[w]:  # its only predecessor: it can start
                        begin(cs, w, a, now)
                    else:
                        report(cs, w, a, now)

        def finished(cs: list[Any], v: int, t: float) -> None:
            """Step ``v`` finished at ``t``: a send-back, or on to its successors."""
            b = exit_block[v]
            if b >= 0:
                blk = blocks[b]
                if blk.p > 0:
                    runs = cs[4]
                    done = runs.get(b, 1)
                    again = rework[v].take() < blk.p and (blk.mode == "repeat" or done == 1)
                    if again:
                        runs[b] = done + 1
                        fx, dr, rx, rr = backs[v]
                        back = (fx if fx is not None else dr.take()) + (  # type: ignore[union-attr]
                            rx if rx is not None else rr.take())  # type: ignore[union-attr]
                        r_, s_, d_ = cs[1], cs[2], cs[3]
                        for x in block_nodes[b]:
                            r_[x], s_[x], d_[x] = npred[x], -_INF, 0
                            if x != v and exit_block[x] >= 0:
                                runs.pop(exit_block[x], None)
                        begin(cs, blk.entry, t + back, t)
                        return
                    cs[4].pop(b, None)
            resolve(cs, v, t, t)

        def finish_case(cs: list[Any]) -> None:
            nonlocal done_measured
            j = cs[0] - first
            if 0 <= j < m:
                lead[j] = cs[6] - cs[7]
                done_measured += 1

        nsinks = net.nsinks
        # what an event is, by its ``what`` (codes 0, 4 and 5 leave the event at the top of
        # the heap, for the first new event to replace): 0 a plain step with one successor, which
        # has no other predecessor, finished; 4 another plain step finished; 1 any other
        # step finished; 2 a delayed file reaches its role; 3 an arrival (``what`` -1
        # reads the last entry)
        # (and 5: as 0, the successor a queueing step reached with no delay)
        what = [(0 if len(edges[v]) == 1 and edges[v][0][3] else 4) if plain[v] else 1
                for v in range(n)] + [2] * n + [3]
        for v in range(n):
            if not what[v] and edges[v][0][1] == 0.0 and edges[v][0][4] >= 0:
                what[v] = 5
        edge1 = [e[0] if len(e) == 1 else None for e in edges]
        edge5 = [(e[0][0], e[0][4], e[0][5]) if len(e) == 1 else None for e in edges]
        while heap:
            now, v, cs = heap[0]
            code = what[v]
            if code == 5:  # as below, with no delay and no check
                w, r, srv = edge5[v]  # type: ignore[misc]
                try:
                    x = nxt[w]()
                except StopIteration:
                    x = refill(w)
                if srv is None:
                    fin = now + x
                else:
                    f = srv[0]
                    if f > now:  # everyone is busy: wait for the first to be free
                        fin = f + x
                        if cs[8]:
                            wait_sum[r] += f - now
                            waited[r] += 1
                    else:
                        fin = now + x
                    replace_top(srv, fin)
                if cs[8]:
                    visits[r] += 1
                    busy[r] += x
                replace_top(heap, (fin, w, cs))
                continue
            if not code:
                # the commonest event: the file goes on to the next step, whose event
                # replaces this one at the top of the heap (one sift instead of two)
                w, fx, dr, _one, r, srv = edge1[v]  # type: ignore[misc]
                a = now + fx if fx is not None else now + dr.take()
                if r < 0:
                    d = dur[w]
                    replace_top(heap, (a + (d if d is not None else dur_draw[w].take()), w, cs))
                elif a > now:
                    replace_top(heap, (a, n + w, cs))
                else:
                    try:
                        x = nxt[w]()
                    except StopIteration:
                        x = refill(w)
                    if srv is None:
                        fin = now + x
                    else:
                        f = srv[0]
                        if f > now:  # everyone is busy: wait for the first to be free
                            fin = f + x
                            if cs[8]:
                                wait_sum[r] += f - now
                                waited[r] += 1
                        else:
                            fin = now + x
                        replace_top(srv, fin)
                    if cs[8]:
                        visits[r] += 1
                        busy[r] += x
                    replace_top(heap, (fin, w, cs))
                continue
            if code == 4:  # a plain step finished: hand the file on (begin and serve, inline)
                top = True  # the event is still at the top: the first new one replaces it
                for w, fx, dr, one, r, srv in edges[v]:
                    a = now + fx if fx is not None else now + dr.take()
                    if not one:  # a join: it starts with the last of its files
                        if cs[3][w]:  # a path to it is dead: the general rule
                            if top:
                                pop(heap)
                                top = False
                            report(cs, w, a, now)
                            continue
                        left = cs[1]
                        k = left[w]
                        latest = cs[2]
                        if k > 1:  # more files to come: note the latest
                            left[w] = k - 1
                            if a > latest[w]:
                                latest[w] = a
                            continue
                        left[w] = 0
                        if latest[w] > a:
                            a = latest[w]
                    if r < 0:
                        d = dur[w]
                        ev = (a + (d if d is not None else dur_draw[w].take()), w, cs)
                        if top:
                            replace_top(heap, ev)
                            top = False
                        else:
                            push(heap, ev)
                    elif a > now:
                        ev = (a, n + w, cs)
                        if top:
                            replace_top(heap, ev)
                            top = False
                        else:
                            push(heap, ev)
                    else:
                        try:
                            x = nxt[w]()
                        except StopIteration:
                            x = refill(w)
                        if srv is None:
                            fin = now + x
                        else:
                            f = srv[0]
                            if f > now:  # everyone is busy: wait for the first to be free
                                fin = f + x
                                if cs[8]:
                                    wait_sum[r] += f - now
                                    waited[r] += 1
                            else:
                                fin = now + x
                            replace_top(srv, fin)
                        if cs[8]:
                            visits[r] += 1
                            busy[r] += x
                        ev = (fin, w, cs)
                        if top:
                            replace_top(heap, ev)
                            top = False
                        else:
                            push(heap, ev)
                if top:
                    pop(heap)
                continue
            pop(heap)
            if code == 2:  # a delayed file reaches its step's role
                serve(cs, v - n, role_of[v - n], now)
                continue
            if code == 3:  # a case arrives
                case = cs
                cs = [case, npred[:], [-_INF] * n, [0] * n, {}, nsinks, now, now,
                      first <= case < total]
                if done_measured < m:  # arrivals go on while measured cases are in the office
                    if case >= limit:
                        raise _Overrun(case - total)
                    last_arrival = arrivals[case + 1] if case < total else \
                        last_arrival + self.next_gap()
                    push(heap, (last_arrival, -1, case + 1))
                for s0 in sources:
                    begin(cs, s0, now, now)
                continue
            # another step finished
            if exit_block[v] >= 0:
                finished(cs, v, now)
            else:
                resolve(cs, v, now, now)
            if done_measured >= m:
                break
        return {"lead": np.array(lead), "wait_sum": wait_sum, "visits": visits,
                "waited": waited, "busy": np.array(busy), "window": t1 - t0, "kept": kept,
                "cases": m}


# --- the entry point ---------------------------------------------------------------------


def simulate_queues(process: Process, n: int = 10_000, seed: int | None = 0, *,
                    replications: int = REPLICATIONS, warmup: int | None = None,
                    arrivals: Any = None, staff: dict[str, int] | None = None,
                    availability: dict[str, float] | None = None) -> QueueSimulationResult:
    """Simulate ``n`` measured cases with contention for staff (see the module docs).

    ``replications`` independent runs share the ``n`` cases; each discards ``warmup``
    cases first (default: a fifth of its measured cases, at least :data:`MIN_WARMUP`).
    ``arrivals``, ``staff`` (``{role: count}``, ``math.inf`` for unlimited) and
    ``availability`` (``{role: share}``) override the process's own for what-if runs.
    """
    n = check_cases(n, "simulate")
    seed = check_seed(seed, "simulate")
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) \
            or replications < 1:
        raise OptionError(f"simulate: replications must be a positive integer, "
                          f"got {replications!r}")
    per = n // replications
    if per < 1:
        raise OptionError(f"simulate: n ({n}) must be at least replications ({replications})")
    if warmup is None:
        warmup = max(MIN_WARMUP, per // 5)
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise OptionError(f"simulate: warmup must be a whole number of cases >= 0, "
                          f"got {warmup!r}")
    analysis = process.analysis
    simulation._check_workload(analysis, int(n) + int(replications) * int(warmup))
    own = [r.id for r in process.roles
           if r.calendar is not None and r.calendar != process.calendar]
    if own:
        raise OptionError(
            f"simulate(queues=True) {process.name!r}: role(s) {', '.join(map(repr, own))} have "
            f"their own working calendar, which the contention mode does not model (it runs "
            f"in the working time of the process's calendar, for every role); remove the "
            f"role's calendar (a post open fewer hours can be given the share of time it "
            f"works as `availability`), or simulate without queues=True, which follows role "
            f"calendars with start dates")
    load = workload(process, arrivals, staff, availability)
    net = _Net(process, load)
    offered = _offered(process, net, load)
    keep: dict[str, int] = {}
    for d in process.deadlines:
        for s in (d.from_, d.to):
            if s is not None:
                keep[s] = analysis.index[s]
    if keep:
        from procsimp.deadlines import Clock
        Clock(process, 1)  # refuses clocks inside rework blocks, with its own message
    counts = [per + (1 if k < n - per * replications else 0) for k in range(replications)]
    outs = []
    for k in range(replications):
        rep = _Replication(net, load, seed, k, warmup + counts[k], warmup, keep)
        try:
            outs.append(rep.run())
        except _Overrun as exc:
            raise _overrun_error(process, net, offered, exc.args[0]) from None
    return _result(process, net, load, offered, outs, seed, replications, warmup)


def _overrun_error(process: Process, net: _Net, offered: list[float],
                   extra: int) -> SimulationError:
    over = [f"{rid!r} ({u:.0%} of its staff's time)"
            for rid, u in zip(net.role_ids, offered, strict=True) if u >= 1.0]
    why = (f"role(s) {', '.join(over)} are offered more work than their staff can do, so "
           f"their queues grow without bound" if over else
           "the office is so close to full that the queues drain too slowly")
    return SimulationError(
        f"simulate(queues=True) {process.name!r}: {extra:,} more cases arrived after the "
        f"last measured one before the measured cases finished (the bound, queues.MAX_OVERRUN "
        f"per case), so the run stopped: {why}, and a file sent back queues behind every "
        f"later arrival; the lead time has no steady state to estimate. Add staff or "
        f"availability, lower the arrival rate, or see ps.capacity(proc) for what each role "
        f"can sustain")


def _offered(process: Process, net: _Net, load: Workload) -> list[float]:
    """Offered utilisation of each role from the model's expected work."""
    lam = 1.0 / load.mean_interarrival
    rho = [0.0] * len(net.role_ids)
    for v, s in enumerate(net.c.steps):
        r = net.role[v]
        if r >= 0:
            assert s.work is not None
            rho[r] += lam * net.visits[v] * mean_of(s.work) / net.avail[v]
    return [x / net.staff[i] if net.staff[i] != _INF else 0.0 for i, x in enumerate(rho)]


def _result(process: Process, net: _Net, load: Workload, offered: list[float],
            outs: list[dict[str, Any]], seed: int, replications: int,
            warmup: int) -> QueueSimulationResult:
    lead = np.concatenate([o["lead"] for o in outs])
    if not np.all(np.isfinite(lead)):
        raise SimulationError(f"simulate(queues=True) {process.name!r}: some cases never "
                              f"finished; check the process's joins")
    base = summarize(lead, seed=seed, time_unit=process.time_unit)
    reps = [o["lead"] for o in outs]

    def rep_ci(stat: Any, centre: float) -> tuple[float, float]:
        return replication_interval(np.array([stat(x) for x in reps]), centre)

    roles: dict[str, RoleQueue] = {}
    unstable = []
    for i, rid in enumerate(net.role_ids):
        if not any(r == i for r in net.role):
            continue
        vis = np.array([o["visits"][i] for o in outs], dtype=float)
        wsum = np.array([o["wait_sum"][i] for o in outs])
        wtd = np.array([o["waited"][i] for o in outs], dtype=float)
        cases = np.array([len(o["lead"]) for o in outs], dtype=float)
        c = net.staff[i]
        util = np.array([o["busy"][i] / (c * o["window"]) if o["window"] > 0 and c != _INF
                         else 0.0 for o in outs])
        per_visit = np.where(vis > 0, wsum / np.maximum(vis, 1), 0.0)
        p_w = np.where(vis > 0, wtd / np.maximum(vis, 1), 0.0)
        per_case = wsum / cases
        total_vis = float(vis.sum())
        wait = float(wsum.sum() / total_vis) if total_vis else 0.0
        pw = float(wtd.sum() / total_vis) if total_vis else 0.0
        wpc = float(wsum.sum() / cases.sum())
        u = float(util.mean())
        ucI, wci, pci, cci = (replication_interval(util, u), replication_interval(per_visit, wait),
                              replication_interval(p_w, pw), replication_interval(per_case, wpc))
        if offered[i] >= 1.0:
            unstable.append(rid)
            wait, wpc, wci, cci = _INF, _INF, (_INF, _INF), (_INF, _INF)
        roles[rid] = RoleQueue(role=rid, staff=float(c), availability=load.availability[rid],
                              visits=total_vis / float(cases.sum()), offered=offered[i],
                              utilisation=u, utilisation_ci=ucI, wait=wait, wait_ci=wci,
                              p_wait=pw, p_wait_ci=pci, wait_per_case=wpc, wait_per_case_ci=cci)
    notes = list(base.notes)
    for rid in unstable:
        msg = (f"role {rid!r} is offered {roles[rid].offered:.0%} of its staff's time: its "
               f"queue grows without bound, so the lead times grow with n and describe no "
               f"steady state; add staff or availability, or lower the arrival rate")
        notes.append(msg)
        warnings.warn(f"simulate(queues=True) {process.name!r}: {msg}", UserWarning, stacklevel=3)
    on_time: dict[str, Any] = {}
    if process.deadlines:
        clock = _Kept({s: np.concatenate([o["kept"][s] for o in outs]) for s in outs[0]["kept"]})
        _, on_time, _ = evaluate(process, lead, clock, None)  # type: ignore[arg-type]
        bounds = np.cumsum([0] + [len(x) for x in reps])
        for key, ot in on_time.items():
            flags = ot.on_time
            shares = []
            for a, b in itertools.pairwise(bounds):
                f = flags[a:b]
                f = f[f >= 0]
                shares.append(float(f.mean()) if len(f) else math.nan)
            ci = replication_interval(np.array(shares), ot.share)
            ci = (max(0.0, ci[0]), min(1.0, ci[1])) if math.isfinite(ci[0]) else ci
            on_time[key] = replace(ot, ci=ci, deemed_ci=(1.0 - ci[1], 1.0 - ci[0])
                                   if ot.deadline.by_rule else ot.deemed_ci)
    return QueueSimulationResult(
        samples=lead, n=len(lead), seed=seed, time_unit=process.time_unit, mean=base.mean,
        std=base.std, p50=base.p50, p90=base.p90, p95=base.p95,
        mean_ci=rep_ci(np.mean, base.mean), p50_ci=rep_ci(lambda x: np.quantile(x, 0.5), base.p50),
        p90_ci=rep_ci(lambda x: np.quantile(x, 0.9), base.p90),
        p95_ci=rep_ci(lambda x: np.quantile(x, 0.95), base.p95), notes=tuple(notes),
        on_time=on_time, replications=replications, warmup=warmup,
        arrival_rate=1.0 / load.mean_interarrival, roles=roles, unstable=tuple(unstable))


simulation.CONTENTION = simulate_queues


class _Kept:
    """The measured cases' kept finishes, shaped like :class:`~procsimp.deadlines.Clock`."""

    def __init__(self, finish: dict[str, np.ndarray]) -> None:
        self.finish = finish


__all__ = ["MIN_WARMUP", "REPLICATIONS", "QueueSimulationResult", "RoleQueue", "Workload",
           "rate_per_unit", "replication_interval", "simulate_queues", "t975", "visits_per_case",
           "workload"]
