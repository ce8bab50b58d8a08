"""Structural and time metrics of a process: :func:`measure`.

Counts (steps, roles, layers, handoffs) come straight from the graph. Times
are expectations on mean durations: every duration and transfer delay at its
mean, averaged over every branch and rework outcome. They start from flow
analysis, one forward pass in topological order (linear in the size of the
graph):

- a step starts when its predecessors finish: ``join: all`` takes the latest
  arrival (AND: the max of its branches), ``join: any`` the
  probability-weighted average of its alternatives (XOR);
- each arrival adds the mean transfer delay of its edge;
- a rework block taking T on one pass with send-back probability r takes
  T/(1-r) plus r/(1-r) mean return delays (``repeat``), or (1+r)T plus r
  return delays (``once``);
- alternatives that end the process in different final steps are weighted by
  their probabilities.

This is the textbook flow analysis (Dumas et al., *Fundamentals of Business
Process Management*, ch. 7). It gives the expected lead time only where no
choice and no rework sits inside a parallel region: an AND join takes the
max of its branches' *expectations*, and the expectation of a max is larger
than the max of expectations unless one branch finishes last in every
outcome. ``measure`` therefore checks every AND join (and the set of final
steps): flow analysis is used where one arrival is the latest in every
outcome, bounds on each step's finish (relative to a step every branch has
passed, its dominator) proving it; elsewhere the expectation is computed
over the outcomes themselves.

The process is cut into segments at the steps every case passes through in
sequence (the expected lead time is the sum of the segments'). A segment
that flow analysis gets exactly is taken from it; any other is enumerated:
every combination of its choices' branches and of its rework blocks' total
times, each block's total distribution built from its passes (choices inside
re-drawn on each pass) with the number of send-backs counted until less than
:data:`REWORK_TAIL` of probability remains, that remainder placed at its
exact conditional mean. A segment with more than :data:`MAX_OUTCOMES`
outcomes is estimated by Monte Carlo on mean durations (seeded, so the same
process gives the same figure) with its standard error in ``lead_time_se``.
``lead_time_method`` says which was used: ``flow`` (every segment exact by
flow analysis), ``enumeration`` (exact up to the rework tail) or
``monte_carlo``.

On mean durations, ``lead_time`` is *not* the mean lead time that
:func:`procsimp.simulate` estimates when parallel branches have random
durations: the expected maximum of random durations exceeds the maximum of
their means. With every duration fixed the two agree (the simulated mean
converges to ``lead_time``).
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from procsimp._checks import validated
from procsimp.analysis import block_plans, exclusive, flow, revision_mean
from procsimp.durations import mean_of
from procsimp.errors import SimulationError
from procsimp.model import APPROVAL_KINDS
from procsimp.render import Cell, Renderable, Table, Tables

if TYPE_CHECKING:
    from procsimp.analysis import Analysis, ChoiceAnalysis, Condition
    from procsimp.model import Process, Role

Method = Literal["flow", "enumeration", "monte_carlo"]

#: Outcomes (branch choices x rework totals) enumerated exactly in one segment or one
#: rework pass; beyond this, Monte Carlo.
MAX_OUTCOMES = 2**18
#: Enumeration work cap: outcomes x items of the segment.
MAX_WORK = 2**25
#: Elements sorted while building one block's total-time distribution; beyond, Monte Carlo
#: (a pass with several possible times gives ever more distinct totals).
COMPOUND_WORK = 2**17
#: Probability of more send-backs than enumerated, per run of a rework block. That
#: remainder is placed at its exact conditional mean, so a block's expected time is exact
#: and the lead time is within REWORK_TAIL x (spread of the block's remaining time) per
#: run of the block of the exact expectation (the lead time moves by at most as much as
#: a block's time).
REWORK_TAIL = 1e-12
#: Monte Carlo: at most this many cases, at least MC_MIN_SAMPLES, about MC_WORK
#: step-cases in all (fewer cases on very large segments).
MC_SAMPLES = 100_000
MC_MIN_SAMPLES = 1_000
MC_WORK = 2**25
#: Seed of the Monte Carlo streams (each choice and rework block has its own, keyed by
#: its step id, so a step keeps its draws when others change).
SEED = 0
#: LCA steps allowed per step and edge in the exactness check; beyond, segments are
#: enumerated instead (never assumed exact).
WALK_BUDGET = 64

_ROOT = -1
_CHOICE, _REWORK, _PASS = 1, 2, 3


class Metrics(Renderable, BaseModel):
    """What :func:`measure` reports about a process (frozen); shown as a table
    (:class:`~procsimp.render.Renderable`: text, Markdown, HTML, DataFrame, Excel)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """Name of the process measured."""
    time_unit: str
    """Unit of the time figures."""
    steps: int
    """Number of steps."""
    roles_involved: int
    """Distinct roles performing a step (Reijers & Limam Mansar's numerical involvement)."""
    layers: int
    """Distinct hierarchy levels whose roles perform at least one step."""
    approval_layers: int
    """Distinct levels performing an approval or signature step."""
    handoffs: int
    """Precedence edges whose two steps have different roles."""
    vertical_handoffs: int
    """Handoffs whose two roles sit at different levels."""
    lead_time: float
    """Expected elapsed time from the first start to the last finish, every duration and
    delay at its mean, over every branch and rework outcome."""
    lead_time_method: Method
    """How ``lead_time`` was computed: ``flow`` (flow analysis, exact for this process),
    ``enumeration`` (the expectation over every outcome, exact but for send-backs beyond
    a probability of :data:`REWORK_TAIL` per block run, placed at their exact mean) or
    ``monte_carlo`` (an estimate on mean durations, standard error in ``lead_time_se``)."""
    lead_time_se: float | None
    """Standard error of ``lead_time`` when it was estimated by Monte Carlo."""
    block_structured: bool
    """Every choice is closed by its own any join, and final steps either always run
    together or are exclusive alternatives. Structure only: a block-structured choice
    inside a parallel branch still makes flow analysis inexact; ``lead_time_method``
    says how the figure was computed."""
    touch_time: float
    """Expected work along the process, by the same rules as ``lead_time`` (no delays)."""
    cycle_efficiency: float
    """``touch_time / lead_time`` (1 for a process that takes no time)."""
    cost: float
    """Expected cost per case: step costs plus role rate x work, choices and rework weighted."""
    critical_path: tuple[str, ...]
    """Step ids on the longest path of the mean-duration schedule (most likely branches)."""

    def tables(self) -> Tables:
        """One table, figure by figure (``str(metrics)`` and the other renderings)."""
        u = self.time_unit
        lead = f"{self.lead_time:.2f} {u}s"
        if self.lead_time_method != "flow":
            lead += f" ({self.lead_time_method.replace('_', ' ')}"
            lead += f", se {self.lead_time_se:.3f})" if self.lead_time_se is not None else ")"
        rows = (
            ("steps", self.steps),
            ("roles involved", self.roles_involved),
            ("layers", self.layers),
            ("approval layers", self.approval_layers),
            ("handoffs", Cell(self.handoffs,
                              f"{self.handoffs} ({self.vertical_handoffs} vertical)")),
            ("lead time", Cell(self.lead_time, lead)),
            ("touch time", Cell(self.touch_time, f"{self.touch_time:.2f} {u}s")),
            ("cycle efficiency", Cell(self.cycle_efficiency, f"{self.cycle_efficiency:.1%}")),
            ("cost per case", Cell(self.cost, f"{self.cost:,.2f}")),
            ("critical path", Cell(list(self.critical_path),
                                   " -> ".join(self.critical_path) or "(none)")),
        )
        notes = {"enumeration": ("flow analysis is not exact here (a choice or rework inside "
                                 "parallel branches, or choices not block-structured); lead "
                                 "time is the exact expectation over every outcome",),
                 "monte_carlo": ("flow analysis is not exact here and the outcomes are too "
                                 "many to enumerate; lead time is a Monte Carlo estimate on "
                                 "mean durations",)}.get(self.lead_time_method, ())
        return Tables((Table(self.name, ("metric", "value"), rows, name="metrics",
                             notes=notes, header=False, align="ll",
                             index="metric"),))

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready plain data (``model_dump(mode="json")``)."""
        return self.model_dump(mode="json")


@validated
def measure(process: Process) -> Metrics:
    """Measure a process: layers, handoffs, lead time, touch time, cost, critical path.

    >>> import procsimp as ps
    >>> p = ps.Process.model_validate({"time_unit": "hour", "levels": ["staff"],
    ...     "roles": [{"id": "clerk", "level": "staff"}],
    ...     "steps": [{"id": "A", "role": "clerk", "duration": 10},
    ...               {"id": "B", "role": "clerk", "duration": 20,
    ...                "after": [{"step": "A", "p": 0.9}]},
    ...               {"id": "C", "role": "clerk", "duration": 10,
    ...                "after": [{"step": "A", "p": 0.1}]},
    ...               {"id": "end", "role": "clerk", "join": "any", "after": ["B", "C"]}]})
    >>> ps.measure(p).lead_time  # Dumas et al., ch. 7: 10 + 0.9*20 + 0.1*10
    29.0
    """
    c = process.analysis
    roles = {r.id: r for r in process.roles}
    step_roles = [s.role for s in process.steps]
    involved = set(step_roles)
    layers = {roles[r].level for r in involved}
    approval = {roles[r].level for r in {s.role for s in process.steps
                                         if s.kind in APPROVAL_KINDS}}
    handoffs, vertical = _handoffs(c, roles, step_roles)
    choices = c.choices
    reach = c.reach
    _, lead_finish, lead_best = flow(c, c.mean_duration, delays=True)
    work = c.mean_work
    _, touch_finish, _ = flow(c, work, delays=False)
    groups = _end_groups(c, choices)
    structure = _Structure(c, choices, reach, groups)
    lead, se, method = structure.expected(c.mean_duration, lead_finish, delays=True)
    touch = structure.expected(work, touch_finish, delays=False)[0]
    cost = _cost(c, reach, roles, work)
    _check_finite(process, **{"lead time": lead, "touch time": touch, "cost": cost})
    return Metrics(
        name=process.name, time_unit=process.time_unit, steps=len(process.steps),
        roles_involved=len(involved), layers=len(layers),
        approval_layers=len(approval), handoffs=handoffs, vertical_handoffs=vertical,
        lead_time=lead, lead_time_method=method, lead_time_se=se,
        block_structured=choices.block_structured and groups is not None, touch_time=touch,
        cycle_efficiency=touch / lead if lead > 0 else 1.0, cost=cost,
        critical_path=_critical_path(c, reach, lead_finish, lead_best),
    )


def _handoffs(c: Analysis, roles: dict[str, Role], step_roles: list[str]) -> tuple[int, int]:
    """Edges between different roles, and those of them between different levels
    (``step_roles``: the role of each step, by position)."""
    if not c.n:
        return 0, 0
    role_code: dict[str, int] = {}
    level_code: dict[str, int] = {}
    for r in roles.values():
        role_code.setdefault(r.id, len(role_code))
        level_code.setdefault(r.level, len(level_code))
    by_role = np.fromiter(map(role_code.__getitem__, step_roles), dtype=np.int64, count=c.n)
    # the level of each role, then of each step through its role
    role_level = np.array([level_code[r.level] for r in roles.values()], dtype=np.int64)
    role = by_role
    level = role_level[by_role]
    lens = np.fromiter(map(len, c.preds), dtype=np.int64, count=c.n)
    src = np.fromiter(itertools.chain.from_iterable(c.preds), dtype=np.int64,
                      count=int(lens.sum()))
    dst = np.repeat(np.arange(c.n, dtype=np.int64), lens)
    across = role[src] != role[dst]
    return int(across.sum()), int((across & (level[src] != level[dst])).sum())


def _check_finite(process: Process, **figures: Any) -> None:
    """Refuse a figure that overflowed (inf, or nan from inf / inf) rather than report it.

    Rework loops nested deep at high probabilities repeat a case more often on average
    than a float can count (400 blocks at p 0.9: 10**400 passes); the lead time is then
    unbounded for every practical purpose and no figure is honest.
    """
    bad = [name for name, value in figures.items()
           if isinstance(value, float) and not math.isfinite(value)]
    if bad:
        runs = max(expected_runs(process.analysis), default=math.inf)
        raise SimulationError(
            f"measure: process {process.name!r}: the expected {' and '.join(bad)} "
            f"overflow{'s' if len(bad) == 1 else ''} (a step would run {runs:,.3g} times per "
            f"case on average, through nested rework blocks); lower the rework "
            f"probabilities or the nesting, or cap the rounds of a rework")


def _end_groups(c: Analysis, choices: ChoiceAnalysis) -> list[list[int]] | None:
    """Final steps grouped by the outcomes they run under, or None when groups overlap.

    Final steps in one group always run together (the case ends at the latest of them);
    distinct groups must be exclusive alternatives (weighted by their probabilities).
    Any other mix (a final step that runs only on some branches while another always runs)
    has no flow-analysis formula.
    """
    by_cond: dict[Condition, list[int]] = {}
    for v in c.sinks():
        cond = choices.node_cond[v]
        if cond is None:
            return None
        by_cond.setdefault(cond, []).append(v)
    conds = list(by_cond)
    if len(conds) > 64:
        return None
    if not all(exclusive(a, b) for i, a in enumerate(conds) for b in conds[i + 1:]):
        return None
    return list(by_cond.values())


def _flow_end(groups: list[list[int]], reach: tuple[list[float], list[tuple[float, ...]]],
              finish: list[float]) -> float:
    """Flow analysis's expected last finish: latest of each group, groups weighted."""
    if not groups:
        return 0.0
    if len(groups) == 1:
        return max(finish[v] for v in groups[0])
    node_p, _ = reach
    weights = [node_p[g[0]] for g in groups]
    total = math.fsum(weights)
    ends = (max(finish[v] for v in g) for g in groups)
    return math.fsum(w * e for w, e in zip(weights, ends, strict=True)) / total if total else 0.0


Item = tuple[str, int]
"""A plan item: ``("node", step)``, or ``("block", block)`` for a whole rework block."""


@dataclass
class _Segment:
    """Steps every case runs through between two cut steps (or the first start, the end)."""

    base: int | None
    """The cut step it follows (its finish is time 0 here); None: the first start."""
    end: int | None = None
    """The cut step it ends at; None for the last segment (it ends at the last finish)."""
    items: list[Item] = field(default_factory=list)
    steps: int = 0


class _Structure:
    """Plans, segments and final-step groups of a process, shared by lead and touch time."""

    def __init__(self, c: Analysis, choices: ChoiceAnalysis,
                 reach: tuple[list[float], list[tuple[float, ...]]],
                 groups: list[list[int]] | None) -> None:
        self.c = c
        self.choices = choices
        self.reach = reach
        self.groups = groups
        self.simple = not c.branches and not c.blocks
        if self.simple:
            return
        self.plans = block_plans(c)
        self.segments = _segments(c, self.plans[None])
        self.segment_of = [0] * c.n
        for k, seg in enumerate(self.segments):
            for kind, item in seg.items:
                nodes = c.blocks[item].nodes if kind == "block" else (item,)
                for v in nodes:
                    self.segment_of[v] = k

    def expected(self, durations: list[float], finish: list[float], *,
                 delays: bool) -> tuple[float, float | None, Method]:
        """Expected last finish on these durations: (value, standard error or None, method)."""
        c = self.c
        if self.simple:  # nothing random: flow analysis is the longest path
            return max((finish[v] for v in c.sinks()), default=0.0), None, "flow"
        exact = _flow_exact(self, durations, delays)
        if all(exact):
            assert self.groups is not None
            return _flow_end(self.groups, self.reach, finish), None, "flow"
        outcomes = _Outcomes(c, self.plans, durations, delays)
        value, variance, sampled = 0.0, 0.0, False
        for seg, ok in zip(self.segments, exact, strict=True):
            if ok:
                assert self.groups is not None or seg.end is not None
                last = (finish[seg.end] if seg.end is not None
                        else _flow_end(self.groups or [], self.reach, finish))
                value += last - (finish[seg.base] if seg.base is not None else 0.0)
                continue
            part, se = outcomes.segment(seg)
            value += part
            if se is not None:
                variance += se * se
                sampled = True
        if sampled:
            return value, math.sqrt(variance), "monte_carlo"
        return value, None, "enumeration"


def _segments(c: Analysis, top: list[Item]) -> list[_Segment]:
    """Cut the top-level plan at the steps every case passes in sequence.

    A step cuts the process when every other step is before or after it: no edge jumps
    over its position in the topological order, no final step comes before it and no
    first step after it. Steps inside a rework block never cut it (the block runs
    again as a whole); its exit may.
    """
    position = [0] * c.n
    for i, v in enumerate(c.order):
        position[v] = i
    last_source = max((position[v] for v in range(c.n) if not c.preds[v]), default=0)
    cut = [False] * c.n
    reach, ended = -1, False
    for i, v in enumerate(c.order):
        if reach <= i and not ended and i >= last_source and c.succs[v]:
            b = c.innermost_block[v]
            cut[v] = b is None or (c.blocks[b].exit == v and c.blocks[b].parent is None)
        for w in c.succs[v]:
            reach = max(reach, position[w])
        ended = ended or not c.succs[v]
    segments = [_Segment(None)]
    for kind, item in top:
        seg = segments[-1]
        seg.items.append((kind, item))
        tail = c.blocks[item].exit if kind == "block" else item
        seg.steps += len(c.blocks[item].nodes) if kind == "block" else 1
        if cut[tail]:
            seg.end = tail
            segments.append(_Segment(tail))
    return segments


def _flow_exact(structure: _Structure, durations: list[float], delays: bool) -> list[bool]:
    """Per segment: does flow analysis give its expected time exactly?

    It does when at every AND join (and among final steps that run together) one arrival
    is the latest in every outcome. To prove it, each step carries bounds on its finish
    relative to the finish of a step that dominates it (every path from the start to it
    passes there, so the two share all earlier randomness): at a join, the arrivals are
    lifted to their nearest common such step and compared. Bounds are only sufficient:
    a join they cannot decide makes its segment enumerated, never assumed exact.
    """
    c, choices = structure.c, structure.choices
    segment_of = structure.segment_of
    exact = [True] * len(structure.segments)
    n = c.n
    position = [0] * n
    for i, v in enumerate(c.order):
        position[v] = i
    par = [_ROOT] * n  # a dominator of each step (its finish is the reference)
    f_lo, f_hi = [0.0] * n, [0.0] * n  # finish - finish of par
    s_lo, s_hi = [0.0] * n, [0.0] * n  # start - finish of par
    o_lo, o_hi = [0.0] * n, [0.0] * n  # finish - start (a whole block for its exit)
    budget = WALK_BUDGET * (n + sum(len(p) for p in c.preds))

    def pos(u: int) -> int:
        return position[u] if u != _ROOT else -1

    def common(a: int, b: int) -> int:
        nonlocal budget
        while a != b:
            budget -= 1
            if pos(a) > pos(b):
                a = par[a]
            else:
                b = par[b]
        return a

    def lift(u: int, top: int) -> tuple[float, float] | None:
        """Bounds of finish(u) - finish(top), for ``top`` on u's chain of dominators."""
        nonlocal budget
        lo = hi = 0.0
        while u != top:
            if u == _ROOT:
                return None
            budget -= 1
            lo += f_lo[u]
            hi += f_hi[u]
            u = par[u]
        return lo, hi

    def latest_always(arrivals: list[tuple[float, float]]) -> bool:
        k = max(range(len(arrivals)), key=lambda i: arrivals[i][0])
        return all(arrivals[k][0] >= hi for i, (_, hi) in enumerate(arrivals) if i != k)

    back = [mean_of(blk.delay) + revision_mean(c, blk.exit) if delays else 0.0 for blk in c.blocks]
    for v in c.order:
        if budget < 0:  # tangled beyond the budget: enumerate what is left
            for k in range(segment_of[v], len(exact)):
                exact[k] = False
            return exact
        if not exact[segment_of[v]]:
            continue  # later segments never look past the cut that starts them
        preds = c.preds[v]
        delay = c.mean_edge_delay[v] if delays else [0.0] * len(preds)
        lo: float
        hi: float
        if choices.node_cond[v] is None:
            exact[segment_of[v]] = False  # too tangled for flow analysis's weights
            continue
        if not preds:
            par[v], lo, hi = _ROOT, 0.0, 0.0
        elif len(preds) == 1:
            par[v], lo, hi = preds[0], delay[0], delay[0]
        else:
            top = preds[0]
            for u in preds[1:]:
                top = common(top, u)
            arrivals = []
            for u, d in zip(preds, delay, strict=True):
                got = lift(u, top)
                if got is None:
                    raise AssertionError("a common dominator lies on every chain")
                arrivals.append((got[0] + d, got[1] + d))
            if c.steps[v].join == "all":
                if not latest_always(arrivals):
                    exact[segment_of[v]] = False
                lo, hi = max(a for a, _ in arrivals), max(b for _, b in arrivals)
            else:
                lo, hi = min(a for a, _ in arrivals), max(b for _, b in arrivals)
            par[v] = top
        s_lo[v], s_hi[v] = lo, hi
        own_lo = own_hi = durations[v]
        b = c.block_of_exit.get(v)
        if b is not None:
            blk = c.blocks[b]
            e = blk.entry
            if e == v:
                t_lo, t_hi = own_lo, own_hi
            else:  # one pass: start(e) .. finish(v)
                inner = lift(par[v], e)
                if inner is not None:
                    t_lo = lo + own_lo + inner[0] + o_lo[e]
                    t_hi = hi + own_hi + inner[1] + o_hi[e]
                else:  # a nested block sharing the entry leads past it: from par(e)
                    whole = lift(par[v], par[e])
                    if whole is None:
                        raise AssertionError("a dominator of a block's entry dominates its steps")
                    t_lo = lo + own_lo + whole[0] - s_hi[e]
                    t_hi = hi + own_hi + whole[1] - s_lo[e]
            own_lo = t_lo
            if blk.p <= 0:
                own_hi = t_hi
            elif blk.mode == "once":
                own_hi = 2 * t_hi + back[b]
            else:
                own_hi = math.inf
            if e != v:  # the exit finishes a whole block after the entry starts
                par[v], s_lo[v], s_hi[v] = par[e], s_lo[e], s_hi[e]
        o_lo[v], o_hi[v] = own_lo, own_hi
        f_lo[v], f_hi[v] = s_lo[v] + own_lo, s_hi[v] + own_hi
    if structure.groups is None:
        exact[-1] = False
    elif exact[-1]:
        for group in structure.groups:
            if len(group) < 2:
                continue
            top = group[0]
            for u in group[1:]:
                top = common(top, u)
            ends = [lift(u, top) for u in group]
            if any(e is None for e in ends) or not latest_always(ends):  # type: ignore[arg-type]
                exact[-1] = False
        if budget < 0:
            exact[-1] = False
    return exact


def _stream(kind: int, step_id: str) -> np.random.Generator:
    """The Monte Carlo stream of one choice or rework block, keyed by its step id."""
    digest = hashlib.blake2b(step_id.encode(), digest_size=16).digest()
    return np.random.default_rng([SEED, kind, *np.frombuffer(digest, dtype=np.uint32).tolist()])


def _merge(values: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A discrete distribution with equal values merged."""
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, np.bincount(inverse.ravel(), weights=probs, minlength=len(unique))


class _Outcomes:
    """Lead time over the outcomes of choices and rework, every duration fixed at its mean.

    A region (a segment, or one pass of a rework block) runs as whole-array numpy over
    its outcomes, one array element per outcome: enumerated (every combination of its
    choices' branches and its nested blocks' total times, with their probabilities) or
    sampled. A nested block is one item whose total time has a distribution of its own,
    built from the distribution of one pass (choices inside it re-drawn on each pass).
    """

    def __init__(self, c: Analysis, plans: dict[int | None, list[Item]],
                 durations: list[float], delays: bool) -> None:
        self.c = c
        self.plans = plans
        self.durations = durations
        self.delays = c.mean_edge_delay if delays else None
        self.back = [mean_of(blk.delay) + revision_mean(c, blk.exit) if delays else 0.0
                     for blk in c.blocks]
        self.branch_of = {(v, k): b for outs in c.branches.values()
                          for b, (v, k, _) in enumerate(outs)}
        # a join: all waits for every predecessor; where branch conditions show they run
        # together, the latest arrival is -inf exactly when all are, so max says it all
        cond = c.choices.node_cond
        self.tangled = [s.join == "all" and len(c.preds[v]) > 1 and
                        (cond[v] is None or any(cond[u] is None for u in c.preds[v]))
                        for v, s in enumerate(c.steps)]
        self._passes: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}
        self._totals: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}

    def segment(self, seg: _Segment) -> tuple[float, float | None]:
        """Expected time of a segment, and its standard error when sampled."""
        got = self.enumerate(seg.items, entry=None, base=seg.base, target=seg.end)
        if got is not None:
            values, weights = got
            return float(np.dot(weights, values) / weights.sum()), None
        n = min(MC_SAMPLES, max(MC_MIN_SAMPLES, MC_WORK // max(1, seg.steps)))
        values = self.sample(seg.items, n, entry=None, base=seg.base, target=seg.end)
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(n))

    # --- enumeration ---------------------------------------------------------------------

    def enumerate(self, items: list[Item], *, entry: int | None, base: int | None,
                  target: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        """Every outcome's finish of ``target`` (None: last finish) and its probability;
        None when there are more than :data:`MAX_OUTCOMES`."""
        splits = self._splits(items, entry)
        count = math.prod(len(self.c.branches[u]) for u in splits)
        if count > MAX_OUTCOMES:
            return None
        blocks = [b for kind, b in items if kind == "block"]
        totals = []
        for b in blocks:
            dist = self.total(b)
            if dist is None:
                return None
            count *= len(dist[0])
            if count > MAX_OUTCOMES:
                return None
            totals.append(dist)
        if count * max(1, len(items)) > MAX_WORK:
            return None
        index = np.arange(count)
        weights = np.ones(count)
        stride = 1
        choice: dict[int, np.ndarray] = {}
        for u in splits:
            probs = np.array([p for _, _, p in self.c.branches[u]])
            picked = (index // stride) % len(probs)
            stride *= len(probs)
            choice[u] = picked
            weights *= probs[picked]
        total: dict[int, np.ndarray] = {}
        for b, (values, probs) in zip(blocks, totals, strict=True):
            picked = (index // stride) % len(values)
            stride *= len(values)
            total[b] = values[picked]
            weights *= probs[picked]
        finish = self.run(items, count, choice, total, entry=entry, base=base, target=target)
        return finish, weights

    def one_pass(self, b: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Distribution of one pass of block ``b`` (entry start to exit finish)."""
        if b not in self._passes:
            blk = self.c.blocks[b]
            got = self.enumerate(self.plans[b], entry=blk.entry, base=None, target=blk.exit)
            self._passes[b] = None if got is None else _merge(*got)
        return self._passes[b]

    def total(self, b: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Distribution of a block's total time over its passes and return delays."""
        if b in self._totals:
            return self._totals[b]
        blk = self.c.blocks[b]
        dist = self.one_pass(b)
        if dist is not None and blk.p > 0:
            dist = self._compound(dist, blk.p, blk.mode, self.back[b])
        self._totals[b] = dist
        return dist

    @staticmethod
    def _compound(one: tuple[np.ndarray, np.ndarray], p: float, mode: str,
                  back: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Total of N passes and N-1 return delays: N is 1 or 2 (``once``) or geometric,
        counted until less than :data:`REWORK_TAIL` remains, that tail at its exact mean."""
        values, probs = one
        again = values + back
        if mode == "once":
            if len(values) * (len(values) + 1) > MAX_OUTCOMES:
                return None
            twice = (values[:, None] + again[None, :]).ravel()
            return _merge(np.concatenate([values, twice]),
                          np.concatenate([(1 - p) * probs, p * np.outer(probs, probs).ravel()]))
        if math.log(REWORK_TAIL) / math.log(p) > MAX_OUTCOMES:  # a pass count per atom at least
            return None
        out_v, out_p = [values], [(1 - p) * probs]
        passes, left, atoms = 1, p, len(values)  # left = P(more than `passes` passes)
        sum_v, sum_p = values, probs
        work = 0
        while left > REWORK_TAIL:
            work += len(sum_v) * len(values)
            if work > COMPOUND_WORK:
                return None
            sum_v, sum_p = _merge((sum_v[:, None] + again[None, :]).ravel(),
                                  np.outer(sum_p, probs).ravel())
            passes += 1
            out_v.append(sum_v)
            out_p.append((1 - p) * left * sum_p)
            left *= p
            atoms += len(sum_v)
            if atoms > MAX_OUTCOMES:
                return None
        mean = float(np.dot(probs, values))
        # more passes: memoryless, so `passes` passes done plus a fresh block's expectation
        tail = passes * (mean + back) + (mean + p * back) / (1 - p)
        return _merge(np.concatenate([*out_v, [tail]]), np.concatenate([*out_p, [left]]))

    # --- sampling --------------------------------------------------------------------------

    def sample(self, items: list[Item], size: int, *, entry: int | None, base: int | None,
               target: int | None) -> np.ndarray:
        """``size`` sampled outcomes' finish of ``target`` (None: last finish)."""
        choice = {}
        for u in self._splits(items, entry):
            cum = np.cumsum([p for _, _, p in self.c.branches[u]])
            cum[-1] = np.inf  # rounding never leaves a case without a branch
            draws = _stream(_CHOICE, self.c.ids[u]).random(size)
            choice[u] = np.searchsorted(cum, draws, side="right")
        total = {b: self._sample_total(b, size) for kind, b in items if kind == "block"}
        return self.run(items, size, choice, total, entry=entry, base=base, target=target)

    def _sample_total(self, b: int, size: int) -> np.ndarray:
        blk = self.c.blocks[b]
        rng = _stream(_REWORK, self.c.ids[blk.exit])
        if blk.p <= 0:
            passes = np.ones(size, dtype=np.int64)
        elif blk.mode == "once":
            passes = 1 + (rng.random(size) < blk.p).astype(np.int64)
        else:
            passes = rng.geometric(1 - blk.p, size)
        back = (passes - 1) * self.back[b]
        runs = int(passes.sum())
        dist = self.one_pass(b)
        rng = _stream(_PASS, self.c.ids[blk.exit])
        if dist is not None and len(dist[0]) * size <= 4 * runs:
            # how many passes took each possible time: the cost does not grow with N
            values, probs = dist
            return rng.multinomial(passes, probs / probs.sum()) @ values + back
        if dist is not None:  # one draw from the pass distribution per pass
            values, probs = dist
            cum = np.cumsum(probs)
            cum[-1] = np.inf  # rounding never leaves a pass without a time
            times = values[np.searchsorted(cum, rng.random(runs) * float(probs.sum()),
                                           side="right")]
        else:
            times = self.sample(self.plans[b], runs, entry=blk.entry, base=None, target=blk.exit)
        owner = np.repeat(np.arange(size), passes)
        return np.bincount(owner, weights=times, minlength=size) + back

    # --- one run over many outcomes -------------------------------------------------------

    def _splits(self, items: list[Item], entry: int | None) -> list[int]:
        """Choices whose branches start in this region."""
        found: dict[int, None] = {}
        for kind, item in items:
            head = self.c.blocks[item].entry if kind == "block" else item
            if head == entry:
                continue
            for k, u in enumerate(self.c.preds[head]):
                if (head, k) in self.branch_of:
                    found[u] = None
        return list(found)

    def run(self, items: list[Item], size: int, choice: dict[int, np.ndarray],
            total: dict[int, np.ndarray], *, entry: int | None, base: int | None,
            target: int | None) -> np.ndarray:
        """Finish of ``target`` (None: the last finish) in each of ``size`` outcomes.

        ``choice`` gives the branch each choice takes, ``total`` each nested block's
        time; ``entry`` starts at 0, or ``base`` finishes at 0. A step that does not run
        finishes at -inf.
        """
        c = self.c
        reads: dict[int, int] = {}
        for kind, item in items:
            head = c.blocks[item].entry if kind == "block" else item
            if head != entry:
                for u in c.preds[head]:
                    reads[u] = reads.get(u, 0) + 1
        if target is not None:
            reads[target] = reads.get(target, 0) + 1
        finish: dict[int, np.ndarray] = {}
        if base is not None:
            finish[base] = np.zeros(size)
        end = np.zeros(size)
        for kind, item in items:
            head = c.blocks[item].entry if kind == "block" else item
            if head == entry:
                start = np.zeros(size)
            else:
                start = self._start(head, finish, reads, choice, size)
            if kind == "block":
                v = c.blocks[item].exit
                done = start + total[item]
            else:
                v = item
                done = start + self.durations[v]
            if target is None and not c.succs[v]:
                np.maximum(end, done, out=end)
            if reads.get(v):
                finish[v] = done
        return finish[target] if target is not None else end

    def _start(self, v: int, finish: dict[int, np.ndarray], reads: dict[int, int],
               choice: dict[int, np.ndarray], size: int) -> np.ndarray:
        preds = self.c.preds[v]
        if not preds:
            return np.zeros(size)
        start: np.ndarray | None = None
        missing: np.ndarray | None = None
        tangled = self.tangled[v]
        for k, u in enumerate(preds):
            t = finish[u]
            if self.delays is not None and self.delays[v][k]:
                t = t + self.delays[v][k]
            branch = self.branch_of.get((v, k))
            if branch is not None:
                t = np.where(choice[u] == branch, t, -np.inf)
            if tangled:  # join: all over steps that need not run together
                gone = np.isneginf(t)
                missing = gone if missing is None else missing | gone
            start = t if start is None else np.maximum(start, t)
            reads[u] -= 1
            if reads[u] == 0:
                del finish[u]
        assert start is not None
        if missing is not None:
            start = np.where(missing, -np.inf, start)
        return start


def _cost(c: Analysis, reach: tuple[list[float], list[tuple[float, ...]]], roles: dict,
          work: list[float]) -> float:
    """Expected cost per case: every step paid each time it runs (AND branches add up)."""
    runs = expected_runs(c, reach)
    return math.fsum(runs[v] * (step.cost + roles[step.role].rate * work[v])
                     for v, step in enumerate(c.steps))


def expected_runs(c: Analysis,
                  reach: tuple[list[float], list[tuple[float, ...]]] | None = None) -> list[float]:
    """Expected number of times each step runs per case: the probability that it runs,
    times the expected passes of the rework blocks around it."""
    node_p, _ = reach if reach is not None else c.reach
    # expected passes of a block: its own factor times those of every enclosing block;
    # blocks are ordered innermost first, so a parent comes after its children
    passes = [0.0] * len(c.blocks)
    for b in reversed(range(len(c.blocks))):
        blk = c.blocks[b]
        own = 1.0 / (1.0 - blk.p) if blk.mode == "repeat" else 1.0 + blk.p
        passes[b] = own * (passes[blk.parent] if blk.parent is not None else 1.0)
    return [node_p[v] * (passes[inner] if inner is not None else 1.0)
            for v, inner in enumerate(c.innermost_block)]


def _critical_path(c: Analysis, reach: tuple[list[float], list[tuple[float, ...]]],
                   finish: list[float], best: list[int]) -> tuple[str, ...]:
    """Walk back from the most likely, latest final step along the predecessors that set starts."""
    sinks = c.sinks()
    if not sinks:
        return ()
    node_p, _ = reach
    v = max(sinks, key=lambda s: (round(node_p[s], 12), finish[s]))
    path = []
    while v >= 0:
        path.append(c.ids[v])
        v = best[v]
    return tuple(reversed(path))


__all__ = ["Metrics", "measure"]
