"""Monte Carlo simulation of a process, vectorized over samples.

Each sample (one case) draws every duration and transfer delay, starts a step
when its predecessors have finished (``join: all``: the last of them;
``join: any``: the one alternative that ran), follows the exclusive choices it
draws, and repeats a rework block while it draws send-backs. A sample's lead
time is the last finish.

How it scales: samples are processed in chunks of :data:`CHUNK` at a time,
steps one after another in topological order, each step a handful of numpy
operations over the whole chunk. A step's finish times are freed as soon as
all its successors have used them, so the memory held grows with the width
of the graph, not its length. Criticality bookkeeping keeps one small integer
per sample for each step with several predecessors (one byte per sample and
step); on very large graphs it is switched off (see ``critical``).

Randomness: each step draws from its own stream, keyed by ``(seed, step id,
chunk)``. A step keeps its draws when other steps change, so comparing two
versions of a process with the same seed uses common random numbers and the
difference between them has far less noise than either figure.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c", "duration": 2},
...               {"id": "b", "role": "c", "duration": 3, "after": ["a"]}]})
>>> ps.simulate(p, n=1000, seed=0).mean
5.0
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp._checks import check_number, validated
from procsimp._hooks import HOOKS
from procsimp.analysis import block_plans
from procsimp.calendar import Timeline, whole_days
from procsimp.deadlines import DAYS_PER_UNIT, Clock, OnTime, evaluate, start_dates
from procsimp.durations import sample as draw_duration
from procsimp.errors import OptionError, PrecisionWarning, SimulationError
from procsimp.intervals import (
    heavy_tailed_steps,
    mean_interval,
    precision_notes,
    quantile_interval,
)
from procsimp.render import Cell, Renderable, Table, Tables

if TYPE_CHECKING:
    from procsimp.analysis import Analysis
    from procsimp.calendar import Calendar
    from procsimp.model import Process

#: Samples processed together. Fixed, so stream keys (and common random numbers) do not
#: depend on the size of the graph.
CHUNK = 8192
#: Above this many bytes of criticality bookkeeping per chunk, ``critical="auto"`` skips it.
CRITICAL_BUDGET = 256 * 1024 * 1024
#: Rows (executions of a rework block) run through a block's steps at once; bounds memory.
ROW_BUDGET = 1 << 18
#: ``simulate`` refuses a process in which a step would run more often than this per case on
#: average (nested rework multiplies): the work would grow with that product, not the size.
MAX_RUNS_PER_CASE = 1_000
#: ``simulate`` refuses a run whose expected work, step executions over all cases
#: (``n`` x the expected runs of every step per case), exceeds this: about 30 million
#: executions take a second on one core, so the budget is some five minutes.
MAX_WORK = 10_000_000_000
NEG_INF = -np.inf
#: The contention engine behind ``simulate(queues=True)``: :mod:`procsimp.queues` builds
#: on this module and registers its entry point here (so the two do not import each other).
CONTENTION: Callable[..., SimulationResult] | None = None

_KIND_DURATION, _KIND_CHOICE, _KIND_REWORK, _KIND_DELAY, _KIND_REVISION = 0, 1, 2, 3, 4


@dataclass(frozen=True, repr=False)
class SimulationResult(Renderable):
    """Lead times of ``n`` simulated cases, with summary statistics and their intervals.

    ``mean_ci``, ``p50_ci``, ``p90_ci`` and ``p95_ci`` are 95 % confidence
    intervals (Hall's skewness-corrected interval for the mean, order statistics
    for the quantiles, so no distribution is assumed; see :mod:`procsimp.intervals`;
    ``nan`` below two cases). ``notes`` says why they may cover less than 95 %
    (too few cases, a heavy-tailed lead time); empty when there is no such
    reason. ``critical`` gives, for each
    step, the share of samples in which it lay on the chain of steps that set
    the lead time (empty when criticality was not tracked).

    Shown as tables (:class:`~procsimp.render.Renderable`: ``str()``, Markdown, HTML,
    DataFrames, Excel); :meth:`to_dict` keeps its own plain-data shape.
    """

    samples: np.ndarray
    n: int
    seed: int | None
    time_unit: str
    mean: float
    std: float
    p50: float
    p90: float
    p95: float
    mean_ci: tuple[float, float]
    p50_ci: tuple[float, float]
    p90_ci: tuple[float, float]
    p95_ci: tuple[float, float]
    critical: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    calendar_days: SimulationResult | None = None
    """With start dates (``simulate(..., start=...)``): the cases' elapsed calendar days,
    summarized like the lead time (None otherwise)."""
    on_time: dict[str, OnTime] = field(default_factory=dict)
    """Per deadline id, the share of cases on time (see :class:`~procsimp.deadlines.OnTime`)."""

    @validated
    def quantile(self, q: float) -> float:
        """Any quantile of the simulated lead time (``q`` in [0, 1])."""
        q = check_number(q, "SimulationResult.quantile", "q", low=0, high=1)
        return float(np.quantile(self.samples, q))

    @validated
    def quantile_ci(self, q: float, level: float = 0.95) -> tuple[float, float]:
        """Distribution-free confidence interval of a quantile, from order statistics."""
        q = check_number(q, "SimulationResult.quantile_ci", "q", low=0, high=1)
        level = check_number(level, "SimulationResult.quantile_ci", "level", low=0, high=1,
                             low_open=True, high_open=True)
        return quantile_interval(np.sort(self.samples), q, _z(level))

    def to_dict(self) -> dict[str, Any]:
        """Summary as plain data (no samples)."""
        return {"n": self.n, "seed": self.seed, "time_unit": self.time_unit, "mean": self.mean,
                "std": self.std, "p50": self.p50, "p90": self.p90, "p95": self.p95,
                "mean_ci": _plain(self.mean_ci), "p50_ci": _plain(self.p50_ci),
                "p90_ci": _plain(self.p90_ci), "p95_ci": _plain(self.p95_ci),
                "critical": dict(self.critical), "notes": list(self.notes),
                "calendar_days": (self.calendar_days.to_dict() if self.calendar_days is not None
                                  else None),
                "on_time": {k: v.to_dict() for k, v in self.on_time.items()}}

    def tables(self) -> Tables:
        """The summary, the steps most often critical, the calendar days and the deadlines."""
        tables = [self._summary(f"Simulated lead time ({self.n:,} cases, seed {self.seed})",
                                "lead_time")]
        top = sorted(self.critical.items(), key=lambda kv: -kv[1])[:5]
        if top:
            tables.append(Table(
                f"Most often critical (top {len(top)} of {len(self.critical):,} steps)",
                ("step", "share of cases"), tuple((k, Cell(v, f"{v:.0%}")) for k, v in top),
                name="critical"))
        if self.calendar_days is not None:
            tables.append(self.calendar_days._summary(
                f"Calendar days from the start dates ({self.n:,} cases)", "calendar_days"))
        if self.on_time:
            rows = tuple(row for o in self.on_time.values() for row in o.tables().tables[0].rows)
            tables.append(replace(next(iter(self.on_time.values())).tables().tables[0],
                                  title=f"On time ({self.n:,} cases)", rows=rows))
        return Tables(tuple(tables))

    def _summary(self, title: str, name: str) -> Table:
        """Mean, quantiles and spread with their 95 % intervals, and the precision notes."""
        u = self.time_unit

        def t(x: float) -> Cell:
            return Cell(x, f"{x:,.2f} {u}s" if math.isfinite(x) else "n/a")

        rows = [(stat, t(v), t(ci[0]), t(ci[1])) for stat, v, ci in (
            ("mean", self.mean, self.mean_ci), ("p50", self.p50, self.p50_ci),
            ("p90", self.p90, self.p90_ci), ("p95", self.p95, self.p95_ci))]
        rows.append(("std", t(self.std), Cell(None, ""), Cell(None, "")))
        columns = ("statistic", "value", "95% CI low", "95% CI high")
        return Table(title, columns, tuple(rows), units=dict.fromkeys(columns[1:], u),
                     notes=self.notes, name=name, index="statistic")

    def __repr__(self) -> str:
        return (f"SimulationResult(n={self.n}, mean={self.mean:.4g}, p50={self.p50:.4g}, "
                f"p90={self.p90:.4g})")


def _z(level: float) -> float:
    from statistics import NormalDist

    if not 0 < level < 1:
        raise OptionError(f"confidence level must be in (0, 1), got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def _plain(ci: tuple[float, float]) -> list[float | None]:
    """An interval as JSON-safe data (``None`` where there is none)."""
    return [x if math.isfinite(x) else None for x in ci]


def summarize(samples: np.ndarray, *, seed: int | None, time_unit: str,
              critical: dict[str, float] | None = None,
              heavy_tails: dict[str, float] | None = None) -> SimulationResult:
    """Build a :class:`SimulationResult` from lead-time samples.

    ``heavy_tails`` maps steps to the skewness of their durations (see
    :func:`procsimp.intervals.heavy_tailed_steps`), for the notes on the intervals.
    """
    n = len(samples)
    ordered = np.sort(samples)
    mean = float(ordered.mean()) if n else 0.0
    std = float(ordered.std(ddof=1)) if n > 1 else 0.0
    qs = np.quantile(ordered, [0.5, 0.9, 0.95]) if n else np.zeros(3)
    return SimulationResult(
        samples=samples, n=n, seed=seed, time_unit=time_unit, mean=mean, std=std,
        p50=float(qs[0]), p90=float(qs[1]), p95=float(qs[2]),
        mean_ci=mean_interval(ordered),
        p50_ci=quantile_interval(ordered, 0.5), p90_ci=quantile_interval(ordered, 0.9),
        p95_ci=quantile_interval(ordered, 0.95), critical=dict(critical or {}),
        notes=precision_notes(ordered, heavy_tails=heavy_tails))


#: Simulated cases per call at most: 50 million lead times take 400 MB.
MAX_CASES = 50_000_000


def check_cases(n: Any, who: str, *, none_ok: bool = False) -> int:
    """``n`` as a number of simulated cases, or an :class:`~procsimp.OptionError` saying
    what ``who`` (``"compare"``) accepts: a positive integer, or with ``none_ok`` 0 (no
    simulation) or at least 2 (the cut's interval needs two cases).

    >>> check_cases(10, "simulate"), check_cases(0, "compare", none_ok=True)
    (10, 0)
    """
    integer = isinstance(n, (int, np.integer)) and not isinstance(n, bool)
    if none_ok:
        if not integer or n < 0 or n == 1:
            raise OptionError(f"{who}: n must be 0 (no simulation) or at least 2 simulated "
                              f"cases, got {n!r}")
    elif not integer or n < 1:
        raise OptionError(f"{who}: n must be a positive integer number of cases, got {n!r}")
    if n > MAX_CASES:
        raise OptionError(f"{who}: n must be at most {MAX_CASES:,} simulated cases (their lead "
                          f"times alone would take {n * 8 / 2**30:,.1f} GiB), got {n!r}; "
                          f"10,000 to 100,000 cases give intervals of a few tenths of a percent")
    return int(n)


def check_seed(seed: Any, who: str, *, draw: bool = True) -> int:
    """``seed`` as a non-negative integer; None draws a fresh one (unless ``draw`` is
    False), anything else is an :class:`~procsimp.OptionError` naming ``who``.

    >>> check_seed(7, "simulate")
    7
    """
    if seed is None and draw:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError(f"{who}: seed must be a non-negative integer"
                          f"{' or None' if draw else ''}, got {seed!r}")
    return int(seed)


@validated
def simulate(process: Process, n: int = 10_000, seed: int | None = 0, *,
             critical: bool | str = "auto", start: Any = None, queues: bool = False,
             **workload: Any) -> SimulationResult:
    """Simulate ``n`` cases of a process and summarize their lead times.

    Parameters
    ----------
    process
        A validated :class:`~procsimp.Process`.
    n
        Number of simulated cases (samples).
    seed
        Seed of the random streams; the same seed gives the same numbers. ``None``
        draws a fresh seed.
    critical
        Track which steps lie on the critical chain of each sample: ``True``,
        ``False``, or ``"auto"`` (tracked unless the bookkeeping would exceed
        :data:`CRITICAL_BUDGET` bytes per chunk).
    start
        Start dates of the cases, for their calendar days and calendar-time deadlines:
        a date (``"2025-03-26"``, ``datetime.date``) for every case; ``(first, last)``,
        the cases spread evenly over the days from first to last; or an arrival pattern
        the cases draw their dates from with ``seed``: ``{DATE: WEIGHT, ...}`` or
        ``{"first": DATE, "last": DATE, "weekdays": {"mon": WEIGHT, ...}}`` (see
        :func:`procsimp.deadlines.start_dates`). With start dates, roles with calendars
        of their own (``Role.calendar``) are simulated in calendar time, step by step
        (:class:`CalendarEngine`); the lead time is then the process calendar's working
        time up to the last finish. See :mod:`procsimp.calendar` and docs/time.md.

    queues
        Simulate contention for staff (see :mod:`procsimp.queues`): cases arrive by the
        process's ``arrivals`` and queue first come, first served for the staff of each
        role, over independent replications with a warm-up discarded; returns a
        :class:`~procsimp.queues.QueueSimulationResult`. Further keywords
        (``replications``, ``warmup``, ``arrivals``, ``staff``, ``availability``) go to
        :func:`procsimp.queues.simulate_queues`.

    Returns
    -------
    SimulationResult

    Raises
    ------
    OptionError
        ``n`` is not a positive integer, or ``critical`` is not one of the choices.
    SimulationError
        Nested rework would make a step run more than :data:`MAX_RUNS_PER_CASE` times
        per case on average (the message names the step and the blocks), or the expected
        work, ``n`` times the expected step executions per case, exceeds
        :data:`MAX_WORK` (the message gives the estimate).
    """
    if queues:
        if start is not None:
            raise OptionError("simulate: start dates are not modelled with queues=True (the "
                              "contention mode runs in working time from the first arrival)")
        # procsimp.queues registers itself on import; the package's hook imports it
        contention = CONTENTION or HOOKS.get("queues")
        if contention is None:
            raise OptionError("simulate: queues=True needs procsimp.queues (import procsimp)")
        return contention(process, n, seed, **workload)  # type: ignore[no-any-return]
    if workload:
        raise OptionError(f"simulate: {', '.join(sorted(workload))} apply only with queues=True")
    n = check_cases(n, "simulate")
    if critical not in (True, False, "auto"):
        raise OptionError(f"simulate: critical must be True, False or 'auto', got {critical!r}")
    seed = check_seed(seed, "simulate")
    analysis = process.analysis
    _check_workload(analysis, int(n))
    multi = sum(1 for p in analysis.preds if len(p) > 1)
    track = bool(critical) if critical != "auto" else multi * CHUNK <= CRITICAL_BUDGET
    dates = None if start is None else start_dates(start, int(n), int(seed))
    draws = RandomDraws(analysis, int(seed))
    engine: Engine
    times: Instants | None = None
    if dates is not None and process.role_calendars:
        epoch = dates.min()
        span = int((dates.max() - epoch).astype(np.int64)) + 2
        engine = CalendarEngine(analysis, draws, process, epoch, span + 800,
                                track_critical=track)
        origin = (dates - epoch).astype(np.int64) + 1.0  # the close of each start date
        times = Instants(engine.timeline, origin, engine.per)
    else:
        engine = Engine(analysis, draws, track_critical=track)
    clock = Clock(process, int(n)) if process.deadlines else None
    engine.keep = clock.keep if clock is not None else frozenset()
    ends = np.empty(n)
    counts = np.zeros(analysis.n, dtype=np.int64)
    for chunk, lo in enumerate(range(0, n, CHUNK)):
        size = min(CHUNK, n - lo)
        engine.draws.start_chunk(chunk)
        if times is not None:
            engine.origin = times.origin[lo:lo + size]  # type: ignore[attr-defined]
        ends[lo:lo + size] = engine.run(size, counts if track else None)
        if clock is not None:
            clock.record(lo, engine.kept)
    samples = ends if times is None else times.working(ends) / times.per
    crit = {analysis.ids[v]: float(counts[v]) / n for v in range(analysis.n)} if track else {}
    result = summarize(samples, seed=int(seed), time_unit=process.time_unit, critical=crit,
                       heavy_tails=heavy_tailed_steps(process))
    for note in result.notes:
        warnings.warn(f"simulate {process.name!r}: {note}", PrecisionWarning, stacklevel=2)
    if dates is not None or clock is not None:
        result = _with_time(process, result, ends, clock, dates, times)
    return result


class Instants:
    """How a :class:`CalendarEngine`'s instants read (see
    :class:`~procsimp.deadlines.WorkingTimes`): working days on the process's calendar
    and calendar days, both since the close of each case's start date."""

    def __init__(self, timeline: Timeline, origin: np.ndarray, per: float) -> None:
        self.timeline = timeline
        self.origin = origin
        self.per = per
        self._done = timeline.position(origin)

    def working(self, t: np.ndarray, cases: Any = slice(None)) -> np.ndarray:
        return self.timeline.position(t) - self._done[cases]

    def elapsed(self, t: np.ndarray, cases: Any = slice(None)) -> np.ndarray:
        return t - self.origin[cases]

    def day(self, t: np.ndarray, cases: Any = slice(None)) -> np.ndarray:
        return whole_days(self.elapsed(t, cases)).astype(np.float64)


def _with_time(process: Process, result: SimulationResult, ends: np.ndarray,
               clock: Clock | None, dates: np.ndarray | None,
               times: Instants | None) -> SimulationResult:
    """The result with its calendar days and on-time shares (see :mod:`procsimp.deadlines`)."""
    days, on_time, undated = evaluate(process, ends, clock, dates, times)
    for ident in undated:
        warnings.warn(f"simulate {process.name!r}: deadline {ident!r} counts calendar time, "
                      f"which needs the cases' dates; pass start=DATE or start=(FIRST, LAST) "
                      f"to evaluate it", UserWarning, stacklevel=3)
    calendar_days = None
    if days is not None:
        calendar_days = summarize(days, seed=result.seed, time_unit="calendar day")
    return replace(result, calendar_days=calendar_days, on_time=on_time)


# --- draws -------------------------------------------------------------------------------


def _stream_key(kind: int, *names: str) -> list[int]:
    digest = hashlib.blake2b("\x1f".join(names).encode(), digest_size=16).digest()
    return [kind, *np.frombuffer(digest, dtype=np.uint32).tolist()]


def _uint32_words(n: int) -> list[int]:
    """``n`` as numpy's SeedSequence reads an integer: 32-bit words, least significant first."""
    words = [n & 0xFFFFFFFF]
    while n > 0xFFFFFFFF:
        n >>= 32
        words.append(n & 0xFFFFFFFF)
    return words


# numpy's SeedSequence (numpy/random/bit_generator.pyx, pool size 4), over many entropy rows
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
_SHIFT = np.uint32(16)


def seed_states(entropy: np.ndarray) -> np.ndarray:
    """``SeedSequence(row).generate_state(4, np.uint64)`` for every row of ``entropy``.

    ``entropy`` holds one stream's key per row as 32-bit words (every row of the same
    length, at least 4). The result seeds ``np.random.PCG64`` exactly as
    ``np.random.default_rng(key)`` does (``tests/test_reference_paths.py`` checks it), at a
    fraction of the cost: the hash runs once over all streams as whole-array operations.
    """
    e = np.ascontiguousarray(entropy, dtype=np.uint32)
    rows, length = e.shape
    hash_a = _INIT_A

    def hashmix(value: np.ndarray) -> np.ndarray:
        nonlocal hash_a
        value = value ^ np.uint32(hash_a)
        hash_a = (hash_a * _MULT_A) & 0xFFFFFFFF
        value = value * np.uint32(hash_a)
        return value ^ (value >> _SHIFT)

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        r = _MIX_L * x - _MIX_R * y
        return r ^ (r >> _SHIFT)

    pool = [hashmix(e[:, i] if i < length else np.zeros(rows, np.uint32)) for i in range(4)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(4, length):
        for dst in range(4):
            pool[dst] = mix(pool[dst], hashmix(e[:, src]))
    hash_b = _INIT_B
    out = np.empty((rows, 8), dtype=np.uint32)
    for i in range(8):
        value = pool[i % 4] ^ np.uint32(hash_b)
        hash_b = (hash_b * _MULT_B) & 0xFFFFFFFF
        value = value * np.uint32(hash_b)
        out[:, i] = value ^ (value >> _SHIFT)
    return out.view("<u8").astype(np.uint64)  # little-endian pairs of words, as numpy packs them


class _Seeded(np.random.bit_generator.ISeedSequence):
    """A seed sequence whose state is already computed (by :func:`seed_states`)."""

    __slots__ = ("state",)

    def __init__(self, state: np.ndarray) -> None:
        self.state = state

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if n_words != 4 or np.dtype(dtype) != np.uint64:  # pragma: no cover - PCG64 asks this
            raise SimulationError("internal: a precomputed stream seed serves PCG64 only")
        return self.state


class RandomDraws:
    """Random streams keyed by (seed, step id, chunk): common random numbers across variants.

    Every stream is ``np.random.default_rng([seed, chunk, kind, *blake2b(step ids)])``; the
    seeds of all streams of a chunk are hashed together (:func:`seed_states`), so starting a
    stream costs a few microseconds instead of numpy's 30-odd.
    """

    def __init__(self, analysis: Analysis, seed: int) -> None:
        self.c = analysis
        self.seed = seed
        self.chunk = 0
        self._streams: dict[tuple[int, int, int], np.random.Generator] = {}
        self._keys: dict[tuple[int, int, int], list[int]] = {}
        slots = _slots(analysis)
        self._index = {slot: i for i, slot in enumerate(slots)}
        self._tails = np.array([self._key(slot) for slot in slots], dtype=np.uint32).reshape(
            len(slots), 5)
        self._states: np.ndarray | None = None

    def start_chunk(self, chunk: int) -> None:
        self.chunk = chunk
        self._streams.clear()
        self._states = None  # hashed on the chunk's first draw

    def _key(self, slot: tuple[int, int, int]) -> list[int]:
        key = self._keys.get(slot)
        if key is None:
            kind, v, k = slot
            names = (self.c.ids[v],) if k < 0 else (self.c.ids[self.c.preds[v][k]],
                                                    self.c.ids[v])
            key = self._keys[slot] = _stream_key(kind, *names)
        return key

    def _rng(self, kind: int, v: int, k: int = -1) -> np.random.Generator:
        slot = (kind, v, k)
        rng = self._streams.get(slot)
        if rng is None:
            i = self._index.get(slot)
            if i is None:  # pragma: no cover - every slot the engine draws from is listed
                rng = np.random.default_rng([self.seed, self.chunk, *self._key(slot)])
            else:
                if self._states is None:
                    head = np.array(_uint32_words(self.seed) + _uint32_words(self.chunk),
                                    dtype=np.uint32)
                    self._states = seed_states(np.hstack(
                        [np.broadcast_to(head, (len(self._tails), len(head))), self._tails]))
                rng = np.random.Generator(np.random.PCG64(_Seeded(self._states[i])))  # type: ignore[arg-type]
            self._streams[slot] = rng
        return rng

    def duration(self, v: int, size: int) -> np.ndarray | float:
        d = self.c.steps[v].duration
        if isinstance(d, (int, float)):  # a fixed duration
            return float(d)
        return draw_duration(d, self._rng(_KIND_DURATION, v), size)

    def delay(self, v: int, k: int, size: int) -> np.ndarray | float:
        d = self.c.edge_delay[v][k]
        if isinstance(d, (int, float)):
            return float(d)
        return draw_duration(d, self._rng(_KIND_DELAY, v, k), size)

    def choice(self, u: int, size: int) -> np.ndarray:
        probs = np.array([p for _, _, p in self.c.branches[u]])
        cum = np.cumsum(probs)
        cum[-1] = np.inf  # rounding never leaves a case without a branch
        return np.searchsorted(cum, self._rng(_KIND_CHOICE, u).random(size), side="right")

    def rework_runs(self, v: int, size: int) -> np.ndarray:
        """How often each case runs the rework block that ``v`` closes: 1 + its send-backs."""
        b = self.c.blocks[self.c.block_of_exit[v]]
        u = self._rng(_KIND_REWORK, v).random(size)
        if b.mode == "once":
            return 1 + (u < b.p).astype(np.int64)
        # repeat: sent back while the draw says so, P(runs > k) = p^k (geometric)
        return 1 + np.floor(np.log1p(-u) / math.log(b.p)).astype(np.int64)

    def rework_delay(self, v: int, size: int) -> np.ndarray | float:
        """The return of a send-back from ``v``: transport, then the revision."""
        b = self.c.blocks[self.c.block_of_exit[v]]
        back: np.ndarray | float
        if isinstance(b.delay, (int, float)):
            back = float(b.delay)
        else:
            back = draw_duration(b.delay, self._rng(_KIND_DELAY, v), size)
        rework = self.c.steps[v].rework
        assert rework is not None  # v closes a rework block
        revision = rework.revision
        if isinstance(revision, (int, float)):
            return back + float(revision)
        return back + draw_duration(revision, self._rng(_KIND_REVISION, v), size)


def _slots(analysis: Analysis) -> list[tuple[int, int, int]]:
    """Every stream the engine may draw from: (kind, step, position in its preds or -1)."""
    slots: list[tuple[int, int, int]] = []
    for v in range(analysis.n):
        slots.append((_KIND_DURATION, v, -1))
        slots.extend((_KIND_DELAY, v, k) for k in range(len(analysis.preds[v])))
        if v in analysis.branches:
            slots.append((_KIND_CHOICE, v, -1))
        if v in analysis.block_of_exit:
            slots += [(_KIND_REWORK, v, -1), (_KIND_DELAY, v, -1), (_KIND_REVISION, v, -1)]
    return slots


# --- the engine --------------------------------------------------------------------------


class Engine:
    """Runs one chunk of samples through the analysis process."""

    def __init__(self, analysis: Analysis, draws: RandomDraws, *,
                 track_critical: bool = False) -> None:
        self.c = analysis
        self.draws = draws
        self.track = track_critical
        self.plans = block_plans(analysis)
        self.sinks = {v for v in range(analysis.n) if not analysis.succs[v]}
        #: (step, position in its preds) -> branch number, for probability edges
        self.branch_of = {(v, k): b for u, outs in analysis.branches.items()
                          for b, (v, k, _) in enumerate(outs)}
        self.size = 0
        #: steps whose top-level finishes ``run`` keeps in ``kept`` (for deadlines' clocks)
        self.keep: frozenset[int] = frozenset()
        self.kept: dict[int, np.ndarray] = {}

    def run(self, size: int, counts: np.ndarray | None = None) -> np.ndarray:
        """Lead times of ``size`` samples; adds each step's critical count to ``counts``."""
        self.size = size
        self.arg: dict[int, np.ndarray] = {}
        self.end = np.zeros(size)
        self.end_node = np.full(size, -1, dtype=np.int64)
        pending = [len(s) for s in self.c.succs]
        self._run_plan(None, _State(pending), None, None)
        if counts is not None and self.track:
            self._count_critical(counts)
        return self.end

    def _run_plan(self, block: int | None, state: _State, idx: np.ndarray | None,
                  entry_start: np.ndarray | None, last: np.ndarray | None = None) -> np.ndarray:
        """Run a plan over the rows ``idx`` (None: the whole chunk); return its last finish.

        ``idx`` maps each row to its sample in the chunk (a sample has one row per run of
        the rework blocks around the plan); ``last`` marks the rows of each sample's last
        runs (None: all), whose choices of predecessor the criticality walk uses. Inside
        a block, ``entry_start`` is when the block's entry step starts.
        """
        size = self.size if idx is None else len(idx)
        entry = None if block is None else self.c.blocks[block].entry
        fin = np.zeros(size)
        for kind, item in self.plans[block]:
            head = self.c.blocks[item].entry if kind == "block" else item
            if head == entry:
                assert entry_start is not None
                start = entry_start
            else:
                start = self._start(head, state, idx, size, last)
            if kind == "block":
                v = self.c.blocks[item].exit
                fin = self._run_block(item, start, idx, last)
            else:
                v = item
                fin = self._work(v, start, self.draws.duration(v, size))
            if v in self.c.branches:
                state.choice[v] = self.draws.choice(v, size)
            if block is None and v in self.keep:
                self.kept[v] = fin
            if idx is None and v in self.sinks:
                later = fin > self.end
                self.end = np.where(later, fin, self.end)
                self.end_node = np.where(later, v, self.end_node)
            else:
                state.finish[v] = fin
        return fin

    def _start(self, v: int, state: _State, idx: np.ndarray | None, size: int,
               last: np.ndarray | None) -> np.ndarray:
        preds = self.c.preds[v]
        if not preds:
            return self._origin(idx, size)
        start: np.ndarray | None = None
        arg: np.ndarray | None = None
        lowest: np.ndarray | None = None
        join_all = self.c.steps[v].join == "all"
        for k, u in enumerate(preds):
            t = self._transfer(state.finish[u], self.draws.delay(v, k, size))
            branch = self.branch_of.get((v, k))
            if branch is not None:
                t = np.where(state.choice[u] == branch, t, NEG_INF)
            state.used(u)
            if start is None:
                start = np.array(np.broadcast_to(t, (size,)), dtype=float)
                if len(preds) > 1 and join_all:
                    lowest = start.copy()
                if self.track and len(preds) > 1:
                    arg = np.zeros(size, np.uint8 if len(preds) < 256 else
                                   np.uint16 if len(preds) < 65536 else np.int64)
                continue
            if arg is not None:
                arg[t > start] = k  # the first predecessor reaching the latest arrival
            np.maximum(start, t, out=start)
            if lowest is not None:
                np.minimum(lowest, t, out=lowest)
        assert start is not None
        if arg is not None:
            if idx is None:
                self.arg[v] = arg
            else:
                kept = self.arg.setdefault(v, np.zeros(self.size, arg.dtype))
                if last is None:
                    kept[idx] = arg
                else:
                    kept[idx[last]] = arg[last]
        if lowest is not None:
            start[np.isneginf(lowest)] = NEG_INF
        return start

    # time arithmetic: working time on one calendar adds; CalendarEngine keeps instants

    def _origin(self, idx: np.ndarray | None, size: int) -> np.ndarray:
        """When the cases (the rows ``idx``; None: the chunk) start."""
        return np.zeros(size)

    def _work(self, v: int, start: np.ndarray, duration: np.ndarray | float) -> np.ndarray:
        """When step ``v``, started at ``start``, finishes after ``duration``."""
        return start + duration

    def _transfer(self, finish: np.ndarray, delay: np.ndarray | float) -> np.ndarray:
        """When a file sent at ``finish`` arrives after a transfer ``delay``."""
        return finish + delay

    def _run_block(self, b: int, start: np.ndarray, idx: np.ndarray | None,
                   last: np.ndarray | None) -> np.ndarray:
        """Finish times of a rework block entered at ``start``, its send-backs included.

        Each case's number of runs is drawn first; then every run of every case goes
        through the block's steps together (one row per run, each timed from its own
        start at 0) and a case's runs and return delays are added up. So a block costs
        a fixed number of vectorized operations per step, however deep blocks nest
        and however many times a case is sent back.
        """
        blk = self.c.blocks[b]
        if blk.p <= 0:
            return self._run_plan(b, _State(None), idx, start, last).copy()
        size = len(start)
        runs = self.draws.rework_runs(blk.exit, size)
        runs[~np.isfinite(start)] = 1  # a case that never reaches the block stays at -inf
        ends = np.cumsum(runs)
        elapsed = np.zeros(size)
        lo = 0
        while lo < size:  # groups of cases with at most ROW_BUDGET runs (at least one case)
            base = int(ends[lo - 1]) if lo else 0
            hi = max(lo + 1, int(np.searchsorted(ends, base + ROW_BUDGET, side="right")))
            counts = runs[lo:hi]
            rows = int(ends[hi - 1]) - base
            case = np.repeat(np.arange(hi - lo), counts)
            final = np.zeros(rows, dtype=bool)
            final[np.cumsum(counts) - 1] = True
            sample = case + lo if idx is None else idx[lo:hi][case]
            row_last = final if last is None else final & last[lo:hi][case]
            took = self._run_plan(b, _State(None), sample, np.zeros(rows), row_last)
            took = took + np.where(final, 0.0, self.draws.rework_delay(blk.exit, rows))
            elapsed[lo:hi] = np.bincount(case, weights=took, minlength=hi - lo)
            lo = hi
        return start + elapsed

    def _count_critical(self, counts: np.ndarray) -> None:
        """Walk back from each sample's last finish along the predecessor that set each start."""
        masks: dict[int, np.ndarray] = {}
        for v in reversed(self.c.order):
            mask = masks.pop(v, None)
            if v in self.sinks:
                own = self.end_node == v
                mask = own if mask is None else mask | own
            if mask is None:
                continue
            counts[v] += int(np.count_nonzero(mask))
            preds = self.c.preds[v]
            if not preds:
                continue
            arg = self.arg.get(v) if len(preds) > 1 else None
            for k, u in enumerate(preds):
                if arg is None and len(preds) > 1:
                    break
                m = mask if arg is None else mask & (arg == k)
                masks[u] = m if u not in masks else masks[u] | m


class CalendarEngine(Engine):
    """Runs a chunk in calendar time, for roles with calendars of their own.

    Times are instants (calendar days since the start of ``epoch``, see
    :class:`~procsimp.calendar.Timeline`). A step starts at the latest arrival of its
    predecessors' files and finishes after its duration in working time on its
    role's calendar (the process's when the role has none); transfer delays, the
    return of a send-back and the revision are working time on the process's
    calendar. A rework block's runs follow one another, so they are run one run
    number at a time (vectorized over the cases still in the block).
    """

    def __init__(self, analysis: Analysis, draws: RandomDraws, process: Process,
                 epoch: np.datetime64, days: int, *, track_critical: bool = False) -> None:
        super().__init__(analysis, draws, track_critical=track_critical)
        self.timeline = Timeline(process.calendar, epoch, days)
        lines: dict[Any, Timeline] = {process.calendar: self.timeline}
        unit = process.time_unit
        self.per = _working_days_per(process.calendar, unit)
        self.step_line: list[Timeline] = []
        self.step_per: list[float] = []
        for step in analysis.steps:
            role = process.role(step.role)
            cal = role.calendar if role.calendar is not None else process.calendar
            if cal not in lines:
                lines[cal] = Timeline(cal, epoch, days, owner=f"role {role.id!r}")
            self.step_line.append(lines[cal])
            self.step_per.append(_working_days_per(cal, unit))
        self.origin = np.zeros(0)

    def _origin(self, idx: np.ndarray | None, size: int) -> np.ndarray:
        return self.origin.copy() if idx is None else self.origin[idx]

    def _work(self, v: int, start: np.ndarray, duration: np.ndarray | float) -> np.ndarray:
        return self.step_line[v].advance(start, np.multiply(duration, self.step_per[v]))

    def _transfer(self, finish: np.ndarray, delay: np.ndarray | float) -> np.ndarray:
        if isinstance(delay, float) and delay == 0.0:
            return finish
        return self.timeline.advance(finish, np.multiply(delay, self.per))

    def _run_block(self, b: int, start: np.ndarray, idx: np.ndarray | None,
                   last: np.ndarray | None) -> np.ndarray:
        blk = self.c.blocks[b]
        if blk.p <= 0:
            return self._run_plan(b, _State(None), idx, start, last).copy()
        size = len(start)
        runs = self.draws.rework_runs(blk.exit, size)
        runs[~np.isfinite(start)] = 1
        entry = start.copy()
        fin = np.full(size, NEG_INF)
        active = np.arange(size)
        run = 0
        while active.size:  # run number 1, 2, ... of the cases still in the block
            run += 1
            final = runs[active] == run
            rows = active if idx is None else idx[active]
            row_last = final if last is None else final & last[active]
            took = self._run_plan(b, _State(None), rows, entry[active], row_last)
            fin[active[final]] = took[final]
            again = active[~final]
            if again.size:
                back = self.draws.rework_delay(blk.exit, again.size)
                entry[again] = self._transfer(took[~final], back)
            active = again
        return fin


def _working_days_per(calendar: Calendar | None, unit: str) -> float:
    """Working days (calendar days without a calendar) in one time unit."""
    return calendar.working_days_per(unit) if calendar is not None else DAYS_PER_UNIT[unit]


class _State:
    """Finish times and branch choices of the steps run so far, freed once used up."""

    __slots__ = ("choice", "finish", "pending")

    def __init__(self, pending: list[int] | None) -> None:
        self.finish: dict[int, np.ndarray] = {}
        self.choice: dict[int, np.ndarray] = {}
        self.pending = pending  # None inside blocks: their state is dropped after each pass

    def used(self, u: int) -> None:
        if self.pending is None:
            return
        self.pending[u] -= 1
        if self.pending[u] == 0:
            self.finish.pop(u, None)
            self.choice.pop(u, None)


def runs_per_case(analysis: Analysis) -> list[float]:
    """Expected number of times each step runs in one case (rework multiplies, nested)."""
    factor = [1.0 / (1.0 - blk.p) if blk.mode == "repeat" else 1.0 + blk.p
              for blk in analysis.blocks]
    runs = []
    for v in range(analysis.n):
        m, b = 1.0, analysis.innermost_block[v] if analysis.innermost_block else None
        while b is not None:
            m *= factor[b]
            b = analysis.blocks[b].parent
        runs.append(m)
    return runs


def _check_workload(analysis: Analysis, n: int) -> None:
    """Refuse up front a process whose nested rework would make the simulation explode, or
    a run whose expected work exceeds :data:`MAX_WORK`."""
    runs = runs_per_case(analysis) if analysis.blocks else [1.0] * analysis.n
    work = n * math.fsum(runs)
    if work > MAX_WORK and max(runs, default=0.0) <= MAX_RUNS_PER_CASE:
        seconds = work / 3e7
        raise SimulationError(
            f"simulate: {n:,} cases of {analysis.n:,} steps are about {work:.3g} step "
            f"executions (some {seconds / 60:,.0f} minutes), beyond the budget of "
            f"{MAX_WORK:.0e} (simulation.MAX_WORK); simulate fewer cases (10,000 give "
            f"intervals of a few tenths of a percent) or split the process")
    if not analysis.blocks:
        return
    worst = max(range(analysis.n), key=runs.__getitem__)
    if runs[worst] <= MAX_RUNS_PER_CASE:
        return
    chain = []
    b = analysis.innermost_block[worst]
    while b is not None:
        blk = analysis.blocks[b]
        chain.append(f"{analysis.ids[blk.entry]!r}..{analysis.ids[blk.exit]!r} "
                     f"(p {blk.p!r}, {blk.mode})")
        b = blk.parent
    shown = ", ".join(chain[:3]) + (f" and {len(chain) - 3} more around them"
                                    if len(chain) > 3 else "")
    times = f"{runs[worst]:,.0f}" if runs[worst] < 1e9 else f"{runs[worst]:.3g}"
    raise SimulationError(
        f"simulate: step {analysis.ids[worst]!r} would run {times} times per case "
        f"on average, inside {len(chain)} nested rework block(s) {shown}; the "
        f"simulation's work grows with that number (at most {MAX_RUNS_PER_CASE:,} is "
        f"simulated). Lower the send-back probabilities (rework.p) or nest fewer blocks; "
        f"ps.measure gives the expected lead time without simulating")



__all__ = ["CHUNK", "CRITICAL_BUDGET", "MAX_RUNS_PER_CASE", "MAX_WORK", "CalendarEngine", "Engine",
           "Instants", "RandomDraws",
           "SimulationResult", "check_cases", "check_seed", "runs_per_case", "simulate",
           "summarize"]
