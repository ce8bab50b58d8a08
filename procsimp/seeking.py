"""Target-seeking: the cheapest set of reforms that meets a lead-time or on-time target.

A reform team is usually handed a target ("95 % of applicants decided within
the 5-working-day standard") and asked for the smallest set of changes that
reaches it without touching what the law fixes. :func:`seek` answers that
question over **moves**: single, explainable applications of the registered
passes (remove one hierarchy level's approvals, digitize one post's handoffs,
merge the sequential chains, parallelize the independent reviews, move the
contacts to one window, remove duplicate checks) plus moves the user declares
(:meth:`Move.shorten`: "shorten this step to its service standard", or any
registered pass with options, :meth:`Move.of`). Each move has a cost (default
1: the number of changes).

How a set of moves is judged
    The moves of a set are applied in candidate order (the order of the pass
    table). A move whose level, role or step an earlier move removed changes
    nothing. The target's figure is

    - ``{"mean": T}``: :func:`procsimp.measure`'s ``lead_time`` (durations at
      their means, exact over choices and rework where ``lead_time_method`` says
      so); the verification reports the simulated mean beside it (it is larger
      where random durations run in parallel: the max of random variables
      exceeds the max of their means);
    - ``{"p90": T}`` (any ``pNN``): that quantile of the simulated lead time,
      every set on the same random numbers (``seed``, ``search_n`` cases);
    - ``{"on_time": (DEADLINE, SHARE)}``: the simulated share of cases on time
      for that deadline of the process, on the same random numbers.

    With ``confidence="interval"`` (the default) a simulated figure meets the
    target only when its whole 95 % interval does; ``"estimate"`` judges the
    point estimate.

Search
    Sets are enumerated in order of increasing cost (a best-first enumeration of
    subset sums, ties in index order), so the first cost level with a set that
    meets the target is the cheapest; every set at that level is judged and the
    best figure wins (then the earliest moves). This is exact: no cheaper set was
    skipped. When ``budget`` evaluations run out first, a heuristic takes over:
    every move, then each move dropped in turn (dearest first) while the target
    is still met, and a greedy build-up (the move that helps most per cost) with
    the same drop phase; the cheaper wins. Its **gap** is reported: every set
    cheaper than ``lower_bound`` was judged and misses, so the plan costs at most
    ``gap`` more than the optimum. Everything is deterministic for a seed.

Locks
    Moves are screened one by one on the input: a move that would change
    nothing, or would remove, merge or reassign a locked step, is excluded and
    listed with the reason (the lock, in the pass's own words). When the target
    cannot be met, ``Plan.blocked_by`` names the locks that excluded or held
    back moves, each with the figure every move reaches once it is lifted.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"handoff_delay": 1, "levels": ["head", "mid", "staff"],
...     "roles": [{"id": "boss", "level": "head"}, {"id": "chief", "level": "mid",
...                "reports_to": "boss"}, {"id": "clerk", "level": "staff",
...                "reports_to": "chief"}],
...     "steps": [{"id": "draft", "role": "clerk", "duration": 2},
...               {"id": "check", "role": "chief", "kind": "approval", "duration": 2,
...                "after": ["draft"]},
...               {"id": "sign", "role": "boss", "kind": "signature", "duration": 1,
...                "after": ["check"]}]})
>>> plan = ps.seek(p, {"mean": 5}, n=2000, seed=0)
>>> [m.label for m in plan.moves], plan.figure, bool(plan.minimal), plan.search.method
(['delayer: remove the approvals of level mid'], 4.0, True, 'exact')
>>> for check in plan.minimal.checks:  # without the move, the mean misses 5 days
...     print(check.move, check.figure)
delayer: remove the approvals of level mid 7.0
"""

from __future__ import annotations

import heapq
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from procsimp._checks import validated
from procsimp._progress import check_progress, progress_bar
from procsimp.durations import Duration, mean_of
from procsimp.errors import OptionError, PassError
from procsimp.metrics import measure
from procsimp.model import Process
from procsimp.passes import BUILTIN_PASSES
from procsimp.passes.base import Change, get_pass
from procsimp.passes.context import PassContext
from procsimp.pipeline import PRESETS, run_pass
from procsimp.render import Cell, Renderable, Table, Tables
from procsimp.simulation import SimulationResult, simulate

#: Sets of moves the exact search judges at most before the heuristic takes over, for a
#: mean target (2**12: twelve moves are always searched exhaustively) ...
BUDGET = 4096
#: ... and for targets judged by simulation (quantiles, on-time shares), each set a run.
SIMULATED_BUDGET = 256
BUILTIN_ROWS = {row.name: row for row in BUILTIN_PASSES}
BUILTIN_NAMES = frozenset(BUILTIN_ROWS)
#: Two figures or costs closer than this are equal.
EPS = 1e-9
#: Change kinds that touch a step in ways a lock forbids.
FORBIDDEN = frozenset({"removed", "merged", "reassigned"})

Metric = Literal["mean", "quantile", "on_time"]


@dataclass(frozen=True)
class Move:
    """One candidate reform: a pass applied with options (or a step shortened), with a cost.

    ``label`` says what it does in words; ``cost`` weighs it (default 1). Build
    user-declared moves with :meth:`shorten` and :meth:`of`.
    """

    pass_name: str
    options: Mapping[str, Any]
    label: str
    cost: float = 1.0

    @classmethod
    @validated
    def shorten(cls, step: str, to: Duration | Mapping[str, Any], *, cost: float = 1.0,
                label: str | None = None) -> Move:
        """Shorten ``step`` to the duration ``to`` (e.g. its service standard), a number or
        a distribution, as a model or as in a file (``{"dist": "triangular", ...}``)."""
        try:
            duration = TypeAdapter(Duration).validate_python(to)
        except ValidationError as exc:
            raise OptionError(f"Move.shorten({step!r}): 'to' must be a duration (a number or "
                              f"a distribution), got {to!r}: {exc.errors()[0]['msg']}") from None
        return cls("shorten", {"step": step, "to": duration},
                   label or f"shorten {step} to {mean_of(duration):g}", _cost(cost, step))

    @classmethod
    @validated
    def of(cls, pass_name: str, *, cost: float = 1.0, label: str | None = None,
           **options: Any) -> Move:
        """Run the registered pass ``pass_name`` with ``options`` as one move."""
        get_pass(pass_name)
        words = ", ".join(f"{k}={v!r}" for k, v in options.items())
        return cls(pass_name, dict(options), label or f"{pass_name}({words})",
                   _cost(cost, pass_name))

    @validated
    def apply(self, process: Process, *, checked: bool = True) -> tuple[Process, list[Change]]:
        """``process`` after this move, with its Changes (unchanged when its target is gone).

        ``checked=False`` skips the runner's check of a built-in pass's output (the
        property tests hold the built-in passes to it); the search uses it for speed and
        applies the chosen plan checked.
        """
        if self.pass_name == "shorten":
            return _shorten(process, str(self.options["step"]), self.options["to"])
        info = get_pass(self.pass_name)
        opts = info.parse_options(dict(self.options))
        try:
            info.check_names(process, opts)
        except OptionError:  # an earlier move removed what this one names
            return process, [Change(pass_name=self.pass_name, kind="skipped", steps=(),
                                    reason=f"{self.label}: nothing left to change after the "
                                           f"earlier moves.")]
        if checked or info.name not in BUILTIN_NAMES or get_pass(info.name) is not \
                BUILTIN_ROWS[info.name]:
            return run_pass(process, self.pass_name, **dict(self.options))
        try:
            out = info.function(PassContext(process, info.name) if info.context else process,
                                opts)
        except OptionError:
            raise
        except Exception as exc:
            raise PassError(f"pass {info.name!r} failed on process {process.name!r}: "
                            f"{type(exc).__name__}: {exc}", info.name) from exc
        return out[0], list(out[1])


def _cost(cost: Any, what: str) -> float:
    if not isinstance(cost, (int, float)) or not math.isfinite(cost) or cost <= 0:
        raise OptionError(f"move {what!r}: cost must be a positive number, got {cost!r}")
    return float(cost)


def _shorten(process: Process, sid: str, to: Duration) -> tuple[Process, list[Change]]:
    step = next((s for s in process.steps if s.id == sid), None)
    if step is None:
        return process, [Change(pass_name="shorten", kind="skipped", steps=(sid,),
                                reason=f"Step {sid!r} is no longer in the process.")]
    before, after = mean_of(step.duration), mean_of(to)
    if after >= before - EPS:
        return process, [Change(pass_name="shorten", kind="skipped", steps=(sid,),
                                reason=f"{step.name!r} takes {before:g} already, no more "
                                       f"than {after:g}.")]
    update: dict[str, Any] = {"duration": to}
    if step.work is not None and mean_of(step.work) > after:
        update["work"] = to
    new = step.model_copy(update=update)
    steps = tuple(new if s.id == sid else s for s in process.steps)
    unit = process.time_unit
    return (process.model_copy(update={"steps": steps}),
            [Change(pass_name="shorten", kind="retimed", steps=(sid,),
                    reason=f"{step.name!r} is shortened from {before:g} to {after:g} {unit}s "
                           f"(a declared reform, e.g. its service standard).",
                    before=before, after=after)])


@dataclass(frozen=True)
class Excluded:
    """A candidate move left out before the search, and why."""

    move: Move
    reason: str


@dataclass(frozen=True)
class Lock:
    """A lock of the process (a step, a post or a level) that excluded or held back moves."""

    kind: Literal["step", "role", "level"]
    id: str
    moves: tuple[str, ...]
    """Labels of the moves it excluded or held back."""
    figure_if_lifted: float | None = None
    """The target's figure with every move once this lock is lifted (None: not computed)."""

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


def candidates(process: Process, *, passes: Sequence[str] | None = None,
               options: Mapping[str, Mapping[str, Any]] | None = None,
               moves: Iterable[Move] = (), costs: Mapping[str, float] | None = None,
               ) -> tuple[tuple[Move, ...], tuple[Excluded, ...]]:
    """The candidate moves of ``process`` and those excluded up front, with why.

    From the built-in passes (``passes`` limits them, by name): ``delayer`` on each
    level alone, ``digitize`` on each post alone, and ``eliminate_duplicates``,
    ``single_window``, ``merge_sequential`` and ``parallelize`` each as one move;
    then the user's ``moves``. ``options`` adds to a pass's options (default: those
    of the ``all`` preset, e.g. digitize with no delay and digitizable steps at
    half time); ``costs`` sets the cost of every move of a pass, by pass name.
    """
    names = [row.name for row in BUILTIN_PASSES]
    chosen = names if passes is None else list(passes)
    for name in chosen:
        if name not in names:
            raise OptionError(f"seek: {name!r} is not a built-in pass; choose from "
                              f"{', '.join(names)}, or declare a move with Move.of")
    extra = dict(options or {})
    stray = [k for k in extra if k not in chosen]
    if stray:
        raise OptionError(f"seek: options given for {', '.join(map(repr, stray))}, which "
                          f"are not among the passes searched ({', '.join(chosen)})")
    costs = dict(costs or {})
    for key, value in costs.items():
        _cost(value, key)
    base = PRESETS["all"].options
    out: list[Move] = []
    for name in (n for n in names if n in chosen):
        opts = {**base.get(name, {}), **extra.get(name, {})}
        cost = costs.get(name, 1.0)
        if name == "delayer":
            opts.pop("remove_levels", None)
            out += [Move(name, {**opts, "remove_levels": [lv.id]},
                         f"delayer: remove the approvals of level {lv.id}", cost)
                    for lv in process.levels[1:]]
        elif name == "digitize":
            used = dict.fromkeys(s.role for s in process.steps)
            out += [Move(name, {**opts, "roles": [r]}, f"digitize the handoffs of {r}", cost)
                    for r in used]
        else:
            words = {"eliminate_duplicates": "remove duplicate checks",
                     "single_window": "move the applicant contacts to one window",
                     "merge_sequential": "merge sequential steps of one post",
                     "parallelize": "run independent steps in parallel"}
            out.append(Move(name, opts, words.get(name, name), cost))
    out += list(moves)
    kept: list[Move] = []
    excluded: list[Excluded] = []
    locked = locked_steps(process)
    for move in out:
        if not isinstance(move, Move):
            raise OptionError(f"seek: moves must be ps.Move objects, got "
                              f"{type(move).__name__}")
        after, changes = move.apply(process)
        done = [c for c in changes if c.kind != "skipped"]
        touched = sorted({s for c in done if c.kind in FORBIDDEN for s in c.steps
                          if s in locked and (c.kind != "merged" or len(c.steps) > 1)})
        if touched:
            excluded.append(Excluded(move, f"it would change the locked step {touched[0]!r}"))
        elif not done or after == process:
            why = "; ".join(dict.fromkeys(c.reason for c in changes)) or \
                "it changes nothing in this process"
            excluded.append(Excluded(move, why))
        else:
            kept.append(move)
    return tuple(kept), tuple(excluded)


def locked_steps(process: Process) -> frozenset[str]:
    """Ids of the steps a lock protects (the step, its post or its level is locked)."""
    roles = {r.id: r for r in process.roles}
    levels = {lv.id for lv in process.levels if lv.locked}
    return frozenset(s.id for s in process.steps if s.locked or roles[s.role].locked
                     or roles[s.role].level in levels)


@dataclass(frozen=True)
class Target:
    """A parsed target: the metric, its threshold and how figures compare with it."""

    metric: Metric
    threshold: float
    q: float = 0.0
    deadline: str = ""
    text: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.metric == "on_time"

    def met(self, figure: float, ci: tuple[float, float]) -> bool:
        if math.isnan(figure):
            return False
        if self.higher_is_better:
            return min(figure, ci[0]) >= self.threshold - EPS
        return max(figure, ci[1]) <= self.threshold + EPS

    def better(self, a: float, b: float) -> bool:
        """``a`` is strictly better than ``b``."""
        return a > b + EPS if self.higher_is_better else a < b - EPS


def parse_target(process: Process, target: Any) -> Target:
    """The :class:`Target` a user wrote (``{"p90": 14}``, ``{"mean": 10}``, ``{"on_time":
    ("decision", 0.95)}``); :class:`~procsimp.OptionError` says what is wrong."""
    example = 'e.g. {"p90": 14}, {"mean": 10} or {"on_time": ("decision", 0.95)}'
    if not isinstance(target, Mapping) or len(target) != 1:
        raise OptionError(f"seek: the target must be a mapping with one entry, {example}; "
                          f"got {target!r}")
    ((key, value),) = target.items()
    if key == "on_time":
        ok = isinstance(value, (tuple, list)) and len(value) == 2 and \
            isinstance(value[0], str) and _number(value[1])
        if not ok or not 0 < float(value[1]) <= 1:
            raise OptionError(f"seek: target 'on_time' takes (DEADLINE_ID, SHARE) with a share "
                              f"in (0, 1], e.g. ('decision', 0.95); got {value!r}")
        ids = [d.id for d in process.deadlines]
        if value[0] not in ids:
            raise OptionError(f"seek: target 'on_time' names deadline {value[0]!r}, which "
                              f"process {process.name!r} does not declare; its deadlines are "
                              f"{', '.join(ids) or '(none: declare one under deadlines:)'}")
        return Target("on_time", float(value[1]), deadline=value[0],
                      text=f"on time for {value[0]} >= {float(value[1]):.1%}")
    if not _number(value) or float(value) < 0:
        raise OptionError(f"seek: target {key!r} must be a non-negative number of "
                          f"{process.time_unit}s, got {value!r}")
    if key == "mean":
        return Target("mean", float(value), text=f"lead time <= {float(value):g} "
                                                 f"{process.time_unit}s")
    quantile = re.fullmatch(r"p(\d{1,2}(?:\.\d+)?)", str(key))
    if quantile is None or not 0 < float(quantile.group(1)) < 100:
        raise OptionError(f"seek: unknown target {key!r}; use 'mean', a quantile 'p50' to "
                          f"'p99', or 'on_time'; {example}")
    return Target("quantile", float(value), q=float(quantile.group(1)) / 100,
                  text=f"{key} lead time <= {float(value):g} {process.time_unit}s")


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class Figure:
    """A target's figure on one process: the value, its 95 % interval, whether it is met."""

    value: float
    ci: tuple[float, float]
    met: bool
    method: str


def figure_of(process: Process, target: Target, *, n: int, seed: int, start: Any = None,
              confidence: str = "interval") -> Figure:
    """The target's figure on ``process`` (see the module docs for how each is computed)."""
    if target.metric == "mean":
        m = measure(process)
        value, ci = float(m.lead_time), (float(m.lead_time), float(m.lead_time))
        return Figure(value, ci, target.met(value, ci), f"measure ({m.lead_time_method})")
    sim = simulate(process, n=n, seed=seed, critical=False, start=start)
    value, ci = _from_sim(sim, target)
    judged = ci if confidence == "interval" else (value, value)
    return Figure(value, ci, target.met(value, judged), f"simulation ({n} cases, seed {seed})")


def _from_sim(sim: SimulationResult, target: Target) -> tuple[float, tuple[float, float]]:
    if target.metric == "on_time":
        ot = sim.on_time[target.deadline]
        return float(ot.share), (float(ot.ci[0]), float(ot.ci[1]))
    if target.metric == "quantile":
        lo, hi = sim.quantile_ci(target.q)
        return sim.quantile(target.q), (float(lo), float(hi))
    return float(sim.mean), (float(sim.mean_ci[0]), float(sim.mean_ci[1]))


class _Judge:
    """Applies sets of moves (sharing prefixes) and judges them against the target."""

    def __init__(self, process: Process, moves: Sequence[Move], target: Target,
                 measure_at: Callable[[Process], Figure]) -> None:
        self.process, self.moves, self.target = process, moves, target
        self.measure_at = measure_at
        self.seen: dict[tuple[int, ...], Figure] = {}
        self._built: dict[tuple[int, ...], Process] = {(): process}

    def build(self, subset: tuple[int, ...]) -> Process:
        best = max(k for k in range(len(subset), -1, -1) if subset[:k] in self._built)
        current = self._built[subset[:best]]
        for k in range(best, len(subset)):
            current = self.moves[subset[k]].apply(current, checked=False)[0]
            if len(self._built) > 512:
                self._built = {(): self.process}
            self._built[subset[:k + 1]] = current
        return current

    def __call__(self, subset: tuple[int, ...]) -> Figure:
        if subset not in self.seen:
            self.seen[subset] = self.measure_at(self.build(subset))
        return self.seen[subset]

    def cost(self, subset: Iterable[int]) -> float:
        return math.fsum(self.moves[i].cost for i in subset)


@dataclass(frozen=True)
class Search:
    """How the plan was found: method, sets judged, time, and the bound on the gap."""

    method: Literal["exact", "heuristic"]
    candidates: int
    evaluations: int
    seconds: float
    lower_bound: float
    """Every set of moves cheaper than this was judged and misses the target."""
    gap: float
    """The plan's cost minus ``lower_bound`` (0 when exact): how much cheaper an optimal
    plan could be at most."""


def _cheapest(judge: _Judge, budget: int, keep: int
              ) -> tuple[list[tuple[int, ...]], float, bool]:
    """Best-first enumeration of sets by cost; returns (feasible minimal sets in the order
    found, lower bound on the cost of any unseen set, whether every set was seen)."""
    moves = judge.moves
    order = sorted(range(len(moves)), key=lambda i: (moves[i].cost, i))
    feasible: list[tuple[int, ...]] = []
    evaluated = 0

    def push(heap: list[Any], positions: tuple[int, ...]) -> None:
        subset = tuple(sorted(order[p] for p in positions))
        heapq.heappush(heap, (judge.cost(subset), subset, positions))

    heap: list[Any] = [(0.0, (), ())]
    best_cost = math.inf
    while heap:
        cost, subset, positions = heap[0]
        if cost > best_cost + EPS and len(feasible) > keep:
            return feasible, cost, False
        if evaluated >= budget:
            return feasible, cost, False
        heapq.heappop(heap)
        last = positions[-1] if positions else -1
        if last + 1 < len(order):
            push(heap, (*positions, last + 1))
            if positions:
                push(heap, (*positions[:-1], last + 1))
        if any(set(f) <= set(subset) for f in feasible):
            continue  # a superset of a plan: never minimal
        evaluated += 1
        if judge(subset).met:
            feasible.append(subset)
            best_cost = min(best_cost, cost)
    return feasible, math.inf, True


def _drop(judge: _Judge, subset: tuple[int, ...]) -> tuple[int, ...]:
    """Drop moves (dearest first) while the target stays met: a minimal set."""
    current = list(subset)
    for i in sorted(subset, key=lambda i: (-judge.moves[i].cost, -i)):
        trial = tuple(j for j in current if j != i)
        if judge(trial).met:
            current = list(trial)
    return tuple(current)


def _greedy(judge: _Judge, limit: int) -> tuple[int, ...] | None:
    """Add the move that improves the figure most per cost until the target is met."""
    current: tuple[int, ...] = ()
    base = judge(current)
    sign = 1.0 if judge.target.higher_is_better else -1.0
    while len(judge.seen) < limit:
        rest = [i for i in range(len(judge.moves)) if i not in current]
        if not rest:
            return None
        trials = [(tuple(sorted((*current, i))), i) for i in rest]
        scored = [(sign * (judge(t).value - base.value) / judge.moves[i].cost, -i, t)
                  for t, i in trials]
        gain, _, best = max(scored)
        if judge(best).met:
            return _drop(judge, best)
        if gain <= EPS:
            return None
        current, base = best, judge(best)
    return None


def _best(judge: _Judge, sets: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    """Cheapest, then best figure, then earliest moves."""
    sign = -1.0 if judge.target.higher_is_better else 1.0
    return min(sets, key=lambda s: (round(judge.cost(s), 9), round(sign * judge(s).value, 9),
                                    s))


@dataclass(frozen=True)
class PlannedMove:
    """A move of a plan with the Changes it made there."""

    move: Move
    changes: tuple[Change, ...]

    @property
    def label(self) -> str:
        return self.move.label

    @property
    def cost(self) -> float:
        return self.move.cost


@dataclass(frozen=True)
class Check:
    """One line of the minimality check: the plan without one move."""

    move: str
    figure: float
    ci: tuple[float, float]
    met: bool


@dataclass(frozen=True)
class Minimality:
    """Dropping any one move of the plan misses the target (true when ``checks`` all miss)."""

    checks: tuple[Check, ...]

    def __bool__(self) -> bool:
        return not any(c.met for c in self.checks)


@dataclass(frozen=True)
class Alternative:
    """A runner-up plan: its moves, their cost and its figure."""

    moves: tuple[str, ...]
    cost: float
    figure: float


@dataclass(frozen=True)
class FrontPoint:
    """A plan seek examined, on the three axes of the trade-off."""

    moves: tuple[str, ...]
    cost: float
    """Cost (number, by default) of the moves."""
    p90: float
    """Simulated p90 lead time."""
    cost_per_case: float
    """Expected cost per case (:func:`procsimp.measure`)."""
    on_front: bool
    """No other examined plan is at least as good on all three axes and better on one."""


@dataclass(frozen=True)
class Achieved:
    """The plan's figure verified by simulation: before and after on the same cases."""

    figure: float
    ci: tuple[float, float]
    met: bool
    before: float
    searched: float
    """The figure the search judged (for ``mean``: the exact lead time)."""
    n: int
    seed: int


@dataclass(frozen=True, repr=False)
class Plan(Renderable):
    """What :func:`seek` returns: the moves, the resulting process, and the evidence."""

    original: Process
    target: Target
    moves: tuple[PlannedMove, ...]
    process: Process
    achieved: Achieved
    minimal: Minimality
    alternatives: tuple[Alternative, ...]
    front: tuple[FrontPoint, ...]
    reachable: bool
    best: float
    """The best figure reached (the plan's own when reachable)."""
    blocked_by: tuple[Lock, ...]
    excluded: tuple[Excluded, ...]
    search: Search
    candidates: tuple[Move, ...] = field(default=())

    @property
    def cost(self) -> float:
        """Total cost of the moves."""
        return math.fsum(m.cost for m in self.moves)

    @property
    def figure(self) -> float:
        """The target's figure on the plan as the search judged it."""
        return self.achieved.searched

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for m in self.moves for c in m.changes)

    @validated
    def save(self, path: str | os.PathLike[str], **options: Any) -> None:
        """Save the plan's process (format by suffix, like :func:`procsimp.save`)."""
        from procsimp.io.files import save

        save(self.process, path, **options)

    def to_json(self) -> dict[str, Any]:
        """The plan as plain data (what the command line prints with ``--json``)."""
        a = self.achieved
        return {
            "process": self.original.name, "target": self.target.text,
            "reachable": self.reachable, "best": self.best,
            "moves": [{"move": m.label, "pass": m.move.pass_name, "cost": m.cost,
                       "changes": [c.reason for c in m.changes if c.kind != "skipped"]}
                      for m in self.moves],
            "cost": self.cost,
            "achieved": {"figure": a.figure, "ci": list(a.ci), "met": a.met, "before": a.before,
                         "searched": a.searched, "n": a.n, "seed": a.seed},
            "minimal": bool(self.minimal),
            "without": [{"move": c.move, "figure": c.figure, "met": c.met}
                        for c in self.minimal.checks],
            "alternatives": [{"moves": list(x.moves), "cost": x.cost, "figure": x.figure}
                             for x in self.alternatives],
            "front": [{"moves": list(p.moves), "cost": p.cost, "p90": p.p90,
                       "cost_per_case": p.cost_per_case, "on_front": p.on_front}
                      for p in self.front],
            "blocked_by": [{"kind": b.kind, "id": b.id, "moves": list(b.moves),
                            "figure_if_lifted": b.figure_if_lifted} for b in self.blocked_by],
            "excluded": [{"move": e.move.label, "reason": e.reason} for e in self.excluded],
            "search": {"method": self.search.method, "candidates": self.search.candidates,
                       "evaluations": self.search.evaluations,
                       "seconds": round(self.search.seconds, 3),
                       "lower_bound": self.search.lower_bound, "gap": self.search.gap},
        }

    def tables(self) -> Tables:
        t, a, s = self.target, self.achieved, self.search
        fmt = (lambda x: f"{x:.1%}") if t.higher_is_better else (lambda x: f"{x:.2f}")
        unit = "share of cases" if t.higher_is_better else self.original.time_unit
        head = (f"{self.original.name}: {t.text} — "
                + ("reached" if self.reachable else f"NOT reachable (best {fmt(self.best)})")
                + f" with {len(self.moves)} move(s), cost {self.cost:g}")
        moves = Table(head, ("#", "move", "cost", "what changes"), tuple(
            (i + 1, m.label, m.cost, "; ".join(c.reason for c in m.changes
                                               if c.kind != "skipped"))
            for i, m in enumerate(self.moves)), name="moves", align="rlrl")
        verified = Table("Verified by simulation (before and after on the same cases)",
                         ("figure", "before", "after", "95 % interval", "target met", "search"),
                         ((t.text, Cell(a.before, fmt(a.before)), Cell(a.figure, fmt(a.figure)),
                           Cell(list(a.ci), f"{fmt(a.ci[0])} to {fmt(a.ci[1])}"),
                           "yes" if a.met else "no", Cell(a.searched, fmt(a.searched))),),
                         name="achieved", units=dict.fromkeys(
                             ("before", "after", "95 % interval", "search"), unit),
                         notes=(f"{a.n} cases, seed {a.seed}; search: {s.method}, "
                                f"{s.evaluations} sets judged in {s.seconds:.2f} s, gap "
                                f"<= {s.gap:g}",))
        minimal = Table("Minimality: the plan without each move"
                        + ("" if self.minimal else " (NOT minimal)"),
                        ("without", "figure", "target met"),
                        tuple((c.move, Cell(c.figure, fmt(c.figure)), "yes" if c.met else "no")
                              for c in self.minimal.checks), name="minimal",
                        units={"figure": unit})
        alts = Table("Runner-up plans", ("moves", "cost", "figure"),
                     tuple((", ".join(x.moves), x.cost, Cell(x.figure, fmt(x.figure)))
                           for x in self.alternatives), name="alternatives",
                     units={"figure": unit})
        front = Table("Trade-off among the plans examined", ("moves", "cost", "p90",
                                                              "cost per case", "on the front"),
                      tuple((_listed(p.moves), p.cost, Cell(p.p90, f"{p.p90:.2f}"),
                             Cell(p.cost_per_case, f"{p.cost_per_case:,.2f}"),
                             "yes" if p.on_front else "")
                            for p in self.front), name="front",
                      units={"p90": self.original.time_unit})
        blocked = Table("Locks standing in the way", ("lock", "moves held back",
                                                      "figure if lifted"),
                        tuple((str(b), ", ".join(b.moves),
                               "" if b.figure_if_lifted is None else
                               Cell(b.figure_if_lifted, fmt(b.figure_if_lifted)))
                              for b in self.blocked_by), name="blocked_by")
        excluded = Table("Moves excluded before the search", ("move", "why"),
                         tuple((e.move.label, e.reason) for e in self.excluded),
                         name="excluded")
        return Tables(tuple(x for x in (moves, verified, minimal, alts, front, blocked, excluded)
                            if x.rows or x is moves or x is verified))

    def __repr__(self) -> str:
        return (f"Plan({self.original.name!r}, {self.target.text!r}, "
                f"reachable={self.reachable}, moves={[m.label for m in self.moves]})")


def default_budget(process: Process, target: Target) -> int:
    """Sets the exact search judges by default: :data:`BUDGET` for a mean target and
    :data:`SIMULATED_BUDGET` for a simulated one, fewer on large processes (each set
    costs time linear in the steps): at most 200,000 (mean) or 20,000 (simulated)
    step-evaluations, and never fewer than 128 or 32 sets."""
    steps = max(1, len(process.steps))
    if target.metric == "mean":
        return min(BUDGET, max(128, 200_000 // steps))
    return min(SIMULATED_BUDGET, max(32, 20_000 // steps))


def _listed(labels: tuple[str, ...]) -> str:
    if not labels:
        return "(none)"
    if len(labels) <= 3:
        return ", ".join(labels)
    return f"{len(labels)} moves: {', '.join(labels[:2])}, ..."


@validated
def seek(process: Process, target: Mapping[str, Any], *, passes: Sequence[str] | None = None,
         options: Mapping[str, Mapping[str, Any]] | None = None, moves: Iterable[Move] = (),
         costs: Mapping[str, float] | None = None, n: int = 10_000, search_n: int = 2000,
         seed: int = 0, start: Any = None, confidence: Literal["interval", "estimate"] =
         "interval", budget: int | None = None, alternatives: int = 3,
         progress: bool | None = None) -> Plan:
    """The cheapest set of moves that meets ``target``, verified by simulation.

    Parameters
    ----------
    process
        The process; it is not modified.
    target
        ``{"mean": T}``, ``{"pNN": T}`` (a quantile of the lead time, e.g. ``p90``) or
        ``{"on_time": (DEADLINE_ID, SHARE)}``.
    passes, options, moves, costs
        The candidate moves (see :func:`candidates`).
    n, seed
        Cases and seed of the verifying simulation (before and after on the same cases).
    search_n
        Cases of the simulation the search judges quantile and on-time targets with
        (every set on the same random numbers, ``seed``).
    start
        Start dates of the cases (``simulate(..., start=...)``) for calendar-time targets.
    confidence
        ``"interval"``: a simulated figure meets the target only with its whole 95 %
        interval; ``"estimate"``: its point estimate.
    budget
        Sets the exact search judges at most before the heuristic takes over (default
        :func:`default_budget`: up to :data:`BUDGET` for a mean target and
        :data:`SIMULATED_BUDGET` for the others, fewer on large processes).
    alternatives
        Runner-up plans to report at most.
    progress
        Show progress (tqdm when installed, else a text line on standard error): None
        on a terminal once the work passes two seconds, True always, False never.

    Raises
    ------
    OptionError
        A malformed target, an unknown pass or deadline, a bad cost or option.
    """
    if not isinstance(process, Process):
        raise OptionError(f"seek needs a Process, got {type(process).__name__}")
    if confidence not in ("interval", "estimate"):
        raise OptionError(f"seek: confidence must be 'interval' or 'estimate', got "
                          f"{confidence!r}")
    goal = parse_target(process, target)
    if budget is None:
        budget = default_budget(process, goal)
    for name, given in (("n", n), ("search_n", search_n), ("budget", budget)):
        if not isinstance(given, int) or isinstance(given, bool) or given < 1:
            raise OptionError(f"seek: {name} must be a positive integer, got {given!r}")
    clock = time.perf_counter()
    kept, excluded = candidates(process, passes=passes, options=options, moves=moves,
                                costs=costs)

    bar = progress_bar(None, "seek: sets judged", unit="set",
                       progress=check_progress(progress, "seek"))

    def at(p: Process) -> Figure:
        bar.update()
        return figure_of(p, goal, n=search_n, seed=seed, start=start, confidence=confidence)

    judge = _Judge(process, kept, goal, at)
    feasible, lower, complete = _cheapest(judge, budget, alternatives)
    if feasible:
        chosen = _best(judge, [f for f in feasible
                               if judge.cost(f) <= judge.cost(_best(judge, feasible)) + EPS])
        exact = complete or judge.cost(chosen) <= lower + EPS
        method: Literal["exact", "heuristic"] = "exact" if exact else "heuristic"
    else:
        method = "exact" if complete else "heuristic"
        everything = tuple(range(len(kept)))
        plans = []
        if not complete and judge(everything).met:
            plans.append(_drop(judge, everything))
            greedy = _greedy(judge, len(judge.seen) + budget)
            if greedy is not None:
                plans.append(greedy)
        if plans:
            chosen = _best(judge, plans)
            feasible = [chosen]
        else:
            judge(everything)
            sign = -1.0 if goal.higher_is_better else 1.0
            chosen = min(judge.seen, key=lambda s: (round(sign * judge(s).value, 9),
                                                    round(judge.cost(s), 9), s))
    reachable = judge(chosen).met
    others = sorted((f for f in feasible if f != chosen),
                    key=lambda s: (judge.cost(s), -judge(s).value if goal.higher_is_better
                                   else judge(s).value, s))[:alternatives]
    cost = judge.cost(chosen)
    bound = min(lower, cost) if reachable else lower
    search = Search(method, len(kept), len(judge.seen), time.perf_counter() - clock,
                    bound if method == "heuristic" else cost,
                    max(0.0, cost - bound) if method == "heuristic" and reachable else 0.0)

    final, planned = process, []
    for i in chosen:
        final, made = kept[i].apply(final)
        planned.append(PlannedMove(kept[i], tuple(made)))
    checks = tuple(Check(kept[i].label, judge(tuple(j for j in chosen if j != i)).value,
                         judge(tuple(j for j in chosen if j != i)).ci,
                         judge(tuple(j for j in chosen if j != i)).met)
                   for i in chosen) if reachable else ()
    bar.describe("seek: verifying the plan")
    before = simulate(process, n=n, seed=seed, critical=False, start=start)
    after = simulate(final, n=n, seed=seed, critical=False, start=start)
    bar.close()
    value, ci = _from_sim(after, goal)
    judged = ci if confidence == "interval" else (value, value)
    achieved = Achieved(value, ci, goal.met(value, judged), _from_sim(before, goal)[0],
                        judge(chosen).value, n, seed)
    blocked = () if reachable else _blocking(process, goal, excluded, kept, passes, options,
                                             moves, costs, at)
    return Plan(process, goal, tuple(planned), final, achieved, Minimality(checks),
                tuple(Alternative(tuple(kept[i].label for i in s), judge.cost(s),
                                  judge(s).value) for s in others),
                _front(judge, [(), chosen, *others, tuple(range(len(kept)))], seed, search_n,
                       start),
                reachable, judge(chosen).value, blocked, excluded, search, kept)


def _front(judge: _Judge, sets: list[tuple[int, ...]], seed: int, n: int,
           start: Any) -> tuple[FrontPoint, ...]:
    """The examined plans on (cost of moves, p90, cost per case), the non-dominated marked."""
    rows = []
    for s in dict.fromkeys(sets):
        p = judge.build(s)
        sim = simulate(p, n=n, seed=seed, critical=False, start=start)
        rows.append((tuple(judge.moves[i].label for i in s), judge.cost(s), float(sim.p90),
                     float(measure(p).cost)))

    def dominated(a: tuple[Any, ...]) -> bool:
        return any(all(b[k] <= a[k] + EPS for k in (1, 2, 3)) and
                   any(b[k] < a[k] - EPS for k in (1, 2, 3)) for b in rows)

    return tuple(FrontPoint(*r, on_front=not dominated(r)) for r in sorted(rows, key=lambda r:
                                                                          (r[1], r[2])))


def _blocking(process: Process, goal: Target, excluded: tuple[Excluded, ...],
              kept: tuple[Move, ...], passes: Sequence[str] | None,
              options: Mapping[str, Mapping[str, Any]] | None, moves: Iterable[Move],
              costs: Mapping[str, float] | None, at: Callable[[Process], Figure],
              ) -> tuple[Lock, ...]:
    """The locks that excluded or held back moves, each with the figure once lifted."""
    roles = {r.id: r for r in process.roles}
    levels = {lv.id: lv for lv in process.levels}
    steps = {s.id: s for s in process.steps}
    held: dict[tuple[str, str], list[str]] = {}

    def note(label: str, step_ids: Iterable[str], text: str) -> None:
        for sid in step_ids:
            if sid not in steps:
                continue
            s = steps[sid]
            for key, locked in ((("step", sid), s.locked),
                                (("role", s.role), roles[s.role].locked),
                                (("level", roles[s.role].level),
                                 levels[roles[s.role].level].locked)):
                if locked:
                    held.setdefault(key, []).append(label)
        for lv in levels.values():
            if lv.locked and (f"level {lv.id!r}" in text or f"{lv.name}" in text):
                held.setdefault(("level", lv.id), []).append(label)

    for e in excluded:
        _, changes = e.move.apply(process)
        for c in changes:
            if c.kind == "skipped" and "locked" in c.reason:
                note(e.move.label, c.steps, c.reason)
    for m in kept:
        for c in m.apply(process)[1]:
            if c.kind == "skipped" and "locked" in c.reason:
                note(m.label, c.steps, c.reason)
    out = []
    for (kind, ident), labels in sorted(held.items()):
        lifted = _unlock(process, kind, ident)
        again, _ = candidates(lifted, passes=passes, options=options, moves=moves, costs=costs)
        current = lifted
        for move in again:
            current = move.apply(current)[0]
        out.append(Lock(kind, ident, tuple(dict.fromkeys(labels)),  # type: ignore[arg-type]
                        at(current).value))
    return tuple(out)


def _unlock(process: Process, kind: str, ident: str) -> Process:
    data = process.model_dump()
    key = {"step": "steps", "role": "roles", "level": "levels"}[kind]
    for item in data[key]:
        if isinstance(item, dict) and item.get("id") == ident:
            item["locked"] = False
    return Process.model_validate(data)


__all__ = [
    "BUDGET",
    "SIMULATED_BUDGET",
    "Achieved",
    "Alternative",
    "Check",
    "Excluded",
    "Figure",
    "FrontPoint",
    "Lock",
    "Minimality",
    "Move",
    "Plan",
    "PlannedMove",
    "Search",
    "Target",
    "candidates",
    "default_budget",
    "figure_of",
    "locked_steps",
    "parse_target",
    "seek",
]
