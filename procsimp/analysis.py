"""Graph views of a process and the structural analyses shared by the library.

Assumptions, stated once: precedence edges (``after``) form a directed acyclic
graph; send-backs are not edges but :class:`Block` records (``rework``), each
a single-entry single-exit region (edges enter it only at its entry ``to``
and leave it only from the step that sends back), and two blocks are either
nested or disjoint. Exclusive choices are edges with a probability ``p``.

:func:`analyse` turns a process into integer-indexed adjacency lists
in topological order; every analysis here is linear in the size of the graph
(branch conditions are linear in the graph times the nesting of choices).

A step's *condition* is the set of branch outcomes under which it runs, in
disjunctive normal form: a frozenset of terms, each term a frozenset of
``(split, branch)`` pairs that must all be chosen. ``{frozenset()}`` means
"always". Conditions are what make ``join: all`` and ``join: any`` checkable:
an AND join needs its incoming edges to run under the same condition, an any
join needs them to be mutually exclusive.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from procsimp.durations import mean_of

if TYPE_CHECKING:
    import networkx as nx

    from procsimp.durations import Duration
    from procsimp.model import Predecessor, Process, Step

Term = frozenset[tuple[int, int]]
Condition = frozenset[Term]
ALWAYS: Condition = frozenset({frozenset()})
_ID, _AFTER, _ROLE, _STEP = (attrgetter(name) for name in ("id", "after", "role", "step"))
#: Conditions with more terms than this are not tracked (the choice structure is too tangled).
MAX_TERMS = 64


@dataclass(frozen=True)
class Block:
    """A rework block: the steps from ``entry`` to ``exit`` that run again on a send-back."""

    entry: int
    exit: int
    nodes: frozenset[int]
    p: float
    mode: str
    delay: Duration
    parent: int | None = None
    """Index (in ``Analysis.blocks``) of the smallest block containing this one."""


@dataclass(frozen=True, eq=False)
class Analysis:
    """What the library knows about the structure of a valid process, computed once.

    Built when the process is validated and never changed afterwards (a frozen
    dataclass; derived facts such as branch conditions are computed on first use
    and then kept). Two layers:

    * **by step id**, for passes, io and figures: :meth:`order_ids`, :meth:`predecessors`,
      :meth:`successors`, :meth:`condition`, :meth:`block_of`, :meth:`rework_blocks`,
      :meth:`reaches`, :meth:`mean_schedule`, :meth:`nearest_producers`;
    * **by position**, for the numeric engines (``measure``, ``simulate``): a step's
      position is its index in ``process.steps``; ``ids[v]`` and ``index[step_id]``
      translate, and ``preds``, ``succs``, ``order``, ``blocks`` are lists of
      positions. These lists are shared, never to be modified.

    >>> import procsimp as ps
    >>> p = ps.Process.model_validate({"levels": ["staff"],
    ...     "roles": [{"id": "c", "level": "staff"}],
    ...     "steps": [{"id": "a", "role": "c", "duration": 1},
    ...               {"id": "b", "role": "c", "duration": 2, "after": ["a"]}]})
    >>> p.analysis.order_ids(), p.analysis.successors("a"), p.analysis.reaches("a", "b")
    (('a', 'b'), ('b',), True)
    """

    ids: list[str]
    steps: list[Step]
    index: dict[str, int]
    preds: list[tuple[int, ...]]
    pred_edges: list[tuple[Predecessor, ...]]
    edge_delay: list[tuple[Duration, ...]]
    succs: list[tuple[int, ...]]
    #: positions in topological order (file order breaks ties)
    order: list[int]
    blocks: list[Block] = field(default_factory=list)
    block_of_exit: dict[int, int] = field(default_factory=dict)
    #: innermost block containing each step (index into ``blocks``), or None.
    innermost_block: list[int | None] = field(default_factory=list)
    #: for each step with probability edges: list of (successor, position in its preds, p).
    branches: dict[int, list[tuple[int, int, float]]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)

    # --- derived facts, computed on first use ---------------------------------------------

    @cached_property
    def choices(self) -> ChoiceAnalysis:
        """Branch conditions of every step (see :func:`analyse_choices`)."""
        return analyse_choices(self)

    @cached_property
    def mean_duration(self) -> list[float]:
        return [mean_of(s.duration) for s in self.steps]

    @cached_property
    def mean_work(self) -> list[float]:
        # work defaults to the whole duration: its mean is known already
        mean = self.mean_duration
        return [mean[v] if s.work is None else mean_of(s.work) for v, s in enumerate(self.steps)]

    @cached_property
    def mean_edge_delay(self) -> list[tuple[float, ...]]:
        known: dict[int, float] = {}  # one mean per distinct delay (most edges share one)

        def mean(d: Duration) -> float:
            m = known.get(id(d))
            if m is None:
                m = known[id(d)] = mean_of(d)
            return m

        return [tuple(map(mean, ds)) for ds in self.edge_delay]

    @cached_property
    def reach(self) -> tuple[list[float], list[tuple[float, ...]]]:
        """Probability that each step runs (first pass), and that each incoming edge fires."""
        return reach_probabilities(self)

    @cached_property
    def schedule(self) -> tuple[list[float], list[float]]:
        """Expected start and finish of every step (by position) on mean durations.

        A step in a rework block is scheduled on its first pass; a block's exit
        finishes when the block is expected to be accepted.
        """
        start, finish, _ = flow(self, self.mean_duration, delays=True)
        return start, finish

    @cached_property
    def _rank(self) -> list[int]:
        rank = [0] * self.n
        for i, v in enumerate(self.order):
            rank[v] = i
        return rank

    @cached_property
    def waves(self) -> Waves:
        """The steps by depth, with their incoming edges as arrays (see :class:`Waves`)."""
        return Waves.of(self)

    def sinks(self) -> list[int]:
        return [v for v in self.order if not self.succs[v]]

    # --- the surface by step id ------------------------------------------------------------

    def _pos(self, step_id: str, name: str = "step_id") -> int:
        try:
            return self.index[step_id]
        except (KeyError, TypeError):  # TypeError: an unhashable id
            from procsimp.errors import ModelError

            raise ModelError(f"the process has no step {step_id!r} ({name})") from None

    def order_ids(self) -> tuple[str, ...]:
        """Step ids in topological order (file order breaks ties)."""
        return tuple(self.ids[v] for v in self.order)

    def predecessors(self, step_id: str) -> tuple[str, ...]:
        """Ids of the steps with an edge into ``step_id`` (its ``after`` list, in order)."""
        return tuple(self.ids[u] for u in self.preds[self._pos(step_id)])

    def successors(self, step_id: str) -> tuple[str, ...]:
        """Ids of the steps that list ``step_id`` in their ``after``."""
        return tuple(self.ids[w] for w in self.succs[self._pos(step_id)])

    def condition(self, step_id: str) -> Condition | None:
        """The branch outcomes under which ``step_id`` runs (see the module docstring).

        Labels are ``(split position, branch number)``; ``ALWAYS`` means every case
        runs it; ``None`` means the choices are too tangled to track.
        """
        return self.choices.node_cond[self._pos(step_id)]

    def always_runs(self, step_id: str) -> bool:
        """True when every case runs ``step_id`` (no choice decides it)."""
        return self.condition(step_id) == ALWAYS

    def rework_blocks(self) -> tuple[ReworkBlock, ...]:
        """The send-back regions, smallest first, by step id."""
        return tuple(ReworkBlock(self.ids[b.entry], self.ids[b.exit],
                                 frozenset(self.ids[u] for u in b.nodes), b.p, b.mode, b.delay,
                                 None if b.parent is None else
                                 (self.ids[self.blocks[b.parent].entry],
                                  self.ids[self.blocks[b.parent].exit]))
                     for b in self.blocks)

    def block_of(self, step_id: str) -> tuple[str, str] | None:
        """``(entry, exit)`` of the innermost rework block containing ``step_id``, or None."""
        b = self.innermost_block[self._pos(step_id)] if self.innermost_block else None
        if b is None:
            return None
        return self.ids[self.blocks[b].entry], self.ids[self.blocks[b].exit]

    def reaches(self, source: str, target: str) -> bool:
        """True when a path of precedence edges leads from ``source`` to ``target``.

        A search backwards from ``target`` that never visits a step ordered before
        ``source``, so it is cheap for nearby steps.
        """
        s, t = self._pos(source, "source"), self._pos(target, "target")
        if s == t:
            return True
        rank = self._rank
        if rank[s] > rank[t]:
            return False
        seen = {t}
        stack = [t]
        while stack:
            w = stack.pop()
            for u in self.preds[w]:
                if u == s:
                    return True
                if u not in seen and rank[u] > rank[s]:
                    seen.add(u)
                    stack.append(u)
        return False

    def mean_schedule(self) -> dict[str, tuple[float, float]]:
        """Expected ``(start, finish)`` of every step on mean durations (flow analysis).

        A step in a rework block is scheduled on its first pass; a block's exit
        finishes when the block is expected to be accepted.
        """
        start, finish = self.schedule
        return {self.ids[v]: (start[v], finish[v]) for v in self.order}

    def nearest_producers(self, artifacts: set[str]) -> dict[str, dict[str, frozenset[str]]]:
        """For each step, the nearest earlier producers of each artifact it can see.

        ``{step id: {artifact: ids of the producers no other producer of it lies
        after}}``, for the artifacts named in ``artifacts``.
        """
        if not isinstance(artifacts, (set, frozenset)) or not all(isinstance(a, str)
                                                                  for a in artifacts):
            from procsimp.errors import OptionError

            raise OptionError(f"Analysis.nearest_producers: artifacts must be a set of artifact "
                              f"names, got {type(artifacts).__name__} {artifacts!r:.60}")
        near = nearest_producers(self, artifacts)
        return {self.ids[v]: {a: frozenset(self.ids[u] for u in us)
                              for a, us in near[v].items()}
                for v in self.order}


@dataclass(frozen=True)
class ReworkBlock:
    """A send-back region by step id: ``entry`` .. ``exit`` runs again on a send-back."""

    entry: str
    exit: str
    steps: frozenset[str]
    p: float
    mode: str
    delay: Duration
    parent: tuple[str, str] | None
    """``(entry, exit)`` of the smallest block containing this one."""


class CycleError(Exception):
    """Raised by :func:`analyse` when ``after`` edges form a cycle."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


def handoff_between(process: Process, role: str, other: str) -> Duration:
    """The transfer delay between two roles when nothing overrides it (none within a role)."""
    return process.handoff_delay if role != other else 0.0


def edge_delay(process: Process, pred: Step, step: Step, edge: Predecessor) -> Duration:
    """The transfer delay on an edge: its override, else the handoff delay between roles."""
    if edge.delay is not None:
        return edge.delay
    return handoff_between(process, pred.role, step.role)


def send_back_delay(process: Process, step: Step, target: Step) -> Duration:
    """The return delay of ``step``'s rework to ``target``: its own, else the handoff delay."""
    assert step.rework is not None
    if step.rework.delay is not None:
        return step.rework.delay
    return handoff_between(process, step.role, target.role)


def topological_order(preds: Sequence[Sequence[int]],
                      succs: Sequence[Sequence[int]]) -> list[int] | None:
    """Kahn's algorithm, smallest index first (so file order breaks ties); None on a cycle."""
    if all(u < v for v, us in enumerate(preds) for u in us):
        # every edge goes forward in file order (the usual file): smallest ready first is
        # then the file order itself, since each step's predecessors all come before it
        return list(range(len(preds)))
    indegree = [len(p) for p in preds]
    ready = [v for v, d in enumerate(indegree) if d == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        v = heapq.heappop(ready)
        order.append(v)
        for w in succs[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                heapq.heappush(ready, w)
    return order if len(order) == len(preds) else None


def find_cycle(ids: list[str], succs: Sequence[Sequence[int]]) -> list[str]:
    """Step ids around one cycle of the graph, first step repeated at the end."""
    import networkx as nx  # only a cycle report needs it: kept off `import procsimp`

    g = nx.DiGraph()
    g.add_edges_from((u, w) for u, ws in enumerate(succs) for w in ws)
    cycle = nx.find_cycle(g)
    path = [ids[u] for u, _ in cycle]
    return [*path, path[0]]


@dataclass(frozen=True, eq=False)
class EdgeTable:
    """Every ``after`` edge of a process, once, in file order (step by step): what validation
    checks the references on and :func:`analyse` builds its rows from."""

    steps: list[Step]
    ids: list[str]
    #: step id -> position (the last one, should an id repeat)
    index: dict[str, int]
    pred_edges: list[tuple[Predecessor, ...]]
    edges: list[Predecessor]
    #: number of edges into each step
    lens: list[int]
    #: position of each edge's predecessor (``None`` where it names no step)
    flat: list[int | None]

    @classmethod
    def of(cls, process: Process) -> EdgeTable:
        steps = list(process.steps)
        ids = list(map(_ID, steps))
        index = dict(zip(ids, range(len(ids)), strict=True))
        pred_edges = list(map(_AFTER, steps))
        edges = list(itertools.chain.from_iterable(pred_edges))
        flat = list(map(index.get, map(_STEP, edges)))
        return cls(steps, ids, index, pred_edges, edges, list(map(len, pred_edges)), flat)

    def plain(self) -> bool:
        """Every edge names a known step other than its own, and no step lists one twice."""
        flat = self.flat
        if None in flat:
            return False
        if not flat:
            return True
        n = len(self.steps)
        pred = np.asarray(flat, dtype=np.int64)
        owner = np.repeat(np.arange(n, dtype=np.int64), self.lens)
        if np.any(pred == owner):
            return False
        # a repeated (step, predecessor) pair is two equal neighbours once sorted (a sort,
        # not np.unique: numpy's hashing unique takes 1 s for 2,000,000 edges, this 0.02 s)
        pairs = np.sort(owner * n + pred)
        return not bool(np.any(pairs[1:] == pairs[:-1]))


def analyse(process: Process, *, with_blocks: bool = True,
            table: EdgeTable | None = None) -> Analysis:
    """Build the integer-indexed view of a process whose references are valid.

    ``table``: the process's :class:`EdgeTable`, when the caller has built it already.
    Raises :class:`CycleError` when ``after`` edges form a cycle.
    """
    # Rows are tuples: once built they never change, and tuples of numbers are not
    # tracked by the garbage collector (a 100,000-step process has millions of rows).
    # No list per step either (a list is always tracked): successors are counted, then
    # placed in one flat list, and rows of delays that repeat (the handoff delay, none)
    # are shared.
    if table is None:
        table = EdgeTable.of(process)
    steps, ids, index = table.steps, table.ids, table.index
    pred_edges, edges, lens = table.pred_edges, table.edges, table.lens
    if None in table.flat:
        raise KeyError(next(e.step for e, u in zip(edges, table.flat, strict=True) if u is None))
    flat: list[int] = table.flat  # type: ignore[assignment]
    roles = list(map(_ROLE, steps))
    ends = list(itertools.accumulate(lens))
    preds: list[tuple[int, ...]] = [tuple(flat[end - k:end]) if k else ()
                                    for k, end in zip(lens, ends, strict=True)]
    out_degree = np.bincount(np.asarray(flat, dtype=np.int64),
                             minlength=len(steps)).tolist() if flat else [0] * len(steps)
    branches: dict[int, list[tuple[int, int, float]]] = {}
    chosen = [i for i, edge in enumerate(edges) if edge.p is not None]
    if chosen:
        owner = np.repeat(np.arange(len(steps)), lens).tolist()
        for i in chosen:
            v, p = owner[i], edges[i].p
            assert p is not None
            branches.setdefault(flat[i], []).append((v, i - (ends[v] - lens[v]), p))
    handoff = process.handoff_delay
    # edge_delay, inlined: the edge's own delay, else the handoff between roles
    owner_role = [role for role, k in zip(roles, lens, strict=True) for _ in range(k)]
    flat_delay = [edge.delay if edge.delay is not None else
                  (handoff if roles[u] != role else 0.0)
                  for u, edge, role in zip(flat, edges, owner_role, strict=True)]
    delays: list[tuple[Duration, ...]] = []
    delay_rows: dict[tuple[int, ...], tuple[Duration, ...]] = {}
    for k, end in zip(lens, ends, strict=True):
        if not k:
            delays.append(())
            continue
        row = tuple(flat_delay[end - k:end])
        # keyed by the ids of the delays: a row kept here keeps its delays alive
        delays.append(delay_rows.setdefault(tuple(map(id, row)), row))
    del delay_rows, flat_delay, owner_role, edges
    succs = _successors(flat, lens, out_degree)
    order = topological_order(preds, succs)
    if order is None:
        raise CycleError(find_cycle(ids, succs))
    analysis = Analysis(ids, steps, index, preds, pred_edges, delays, succs, order,
                        innermost_block=[None] * len(steps), branches=branches)
    if with_blocks:
        blocks, problems = rework_blocks(process, analysis)
        if not problems:
            analysis = attach_blocks(analysis, blocks)
    return analysis


def _successors(flat: list[int], lens: list[int],
                out_degree: list[int]) -> list[tuple[int, ...]]:
    """The successor rows of the edges ``flat`` (the predecessor of every edge, step by step,
    ``lens[v]`` of them for step ``v``), each row in increasing order, without a list per step:
    a stable sort of the edges by predecessor keeps their owners in file order."""
    n = len(lens)
    if not flat:
        return [()] * n
    owner = np.repeat(np.arange(n, dtype=np.int64), lens)
    by_pred = owner[np.argsort(np.asarray(flat, dtype=np.int64), kind="stable")].tolist()
    ends = list(itertools.accumulate(out_degree))
    return [tuple(by_pred[end - d:end]) if d else () for d, end in zip(out_degree, ends,
                                                                        strict=True)]


def block_nodes(analysis: Analysis, entry: int, exit_: int) -> set[int] | None:
    """Steps on some path from ``entry`` to ``exit_`` (both included); None if there is none."""
    forward = {entry}
    stack = [entry]
    while stack:
        u = stack.pop()
        for w in analysis.succs[u]:
            if w not in forward:
                forward.add(w)
                stack.append(w)
    if exit_ not in forward:
        return None
    nodes = {exit_}
    stack = [exit_]
    while stack:
        w = stack.pop()
        for u in analysis.preds[w]:
            if u in forward and u not in nodes:
                nodes.add(u)
                stack.append(u)
    return nodes


def rework_blocks(process: Process,
                  analysis: Analysis) -> tuple[list[Block], list[tuple[int, str]]]:
    """The rework blocks of a process, and problems as (step index, message)."""
    blocks: list[Block] = []
    problems: list[tuple[int, str]] = []
    for v, step in enumerate(analysis.steps):
        rw = step.rework
        if rw is None:
            continue
        if rw.to not in analysis.index:
            continue  # reported as an unknown reference by validation
        entry = analysis.index[rw.to]
        nodes = block_nodes(analysis, entry, v)
        if nodes is None:
            problems.append((v, f"rework sends the file back to {rw.to!r}, which does not "
                                f"come before {step.id!r}; send it back to an earlier step"))
            continue
        leaks = []
        for u in nodes:
            if u != entry:
                leaks += [f"{analysis.ids[w]} -> {analysis.ids[u]}"
                          for w in analysis.preds[u] if w not in nodes]
            if u != v:
                leaks += [f"{analysis.ids[u]} -> {analysis.ids[w]}"
                          for w in analysis.succs[u] if w not in nodes]
        if leaks:
            problems.append((v, f"the rework block {rw.to!r} .. {step.id!r} must be entered only "
                                f"at {rw.to!r} and left only from {step.id!r}, but has the edges "
                                f"{', '.join(sorted(leaks)[:5])}; move those edges or the "
                                f"send-back"))
            continue
        delay = send_back_delay(process, step, analysis.steps[entry])
        blocks.append(Block(entry, v, frozenset(nodes), rw.p, rw.mode, delay))
    return _nest(analysis, blocks, problems), problems


def _nest(analysis: Analysis, blocks: list[Block], problems: list[tuple[int, str]]) -> list[Block]:
    """Give each block its parent (smallest enclosing block); report overlapping blocks."""
    ascending = sorted(blocks, key=lambda blk: len(blk.nodes))
    parent: list[int | None] = [None] * len(ascending)
    top: dict[int, int] = {}  # step -> outermost block seen so far containing it
    for b, blk in enumerate(ascending):
        inside: set[int] = set()
        for u in blk.nodes:
            c = top.get(u)
            if c is not None and c not in inside:
                inside.add(c)
                if not ascending[c].nodes <= blk.nodes:
                    a = ascending[c]
                    problems.append((blk.exit, f"the rework blocks {analysis.ids[a.entry]!r} .. "
                                               f"{analysis.ids[a.exit]!r} and "
                                               f"{analysis.ids[blk.entry]!r} .. "
                                               f"{analysis.ids[blk.exit]!r} overlap without one "
                                               f"containing the other; nest them or make them "
                                               f"disjoint"))
                elif parent[c] is None:
                    parent[c] = b
            top[u] = b
    return [Block(blk.entry, blk.exit, blk.nodes, blk.p, blk.mode, blk.delay, parent[b])
            for b, blk in enumerate(ascending)]


def attach_blocks(analysis: Analysis, blocks: list[Block]) -> Analysis:
    """The analysis with valid rework blocks recorded (innermost block of each step)."""
    innermost: list[int | None] = [None] * analysis.n
    for b, blk in enumerate(blocks):  # ascending size: the first block seen is the innermost
        for u in blk.nodes:
            if innermost[u] is None:
                innermost[u] = b
    return replace(analysis, blocks=blocks,
                   block_of_exit={blk.exit: b for b, blk in enumerate(blocks)},
                   innermost_block=innermost)


# --- ancestry and producers -----------------------------------------------------------


N = TypeVar("N", bound=Hashable)


class Ancestry(Generic[N]):
    """Is ``u`` an ancestor of ``w``? Pruned searches on a fixed acyclic graph.

    ``position`` numbers the steps in a topological order: ``u`` can only reach
    ``w`` if it comes earlier, so a backward search from ``w`` visits only steps
    ordered after ``u``: in a layered process, the few layers in between. A
    search that visits more than ``budget`` steps answers False (callers treat
    that as "keep the edge", which is always safe). Steps are any hashable ids.
    """

    def __init__(self, preds: Callable[[N], Iterable[N]], position: Mapping[N, int],
                 budget: int = 100_000) -> None:
        self.preds = preds
        self.budget = budget
        self.position = position

    def reaches(self, u: N, w: N) -> bool:
        pu, position = self.position[u], self.position
        if pu >= position[w]:
            return False
        stack, seen, budget = [w], {w}, self.budget
        while stack and budget > 0:
            x = stack.pop()
            for y in self.preds(x):
                if y == u:
                    return True
                if position[y] > pu and y not in seen:
                    seen.add(y)
                    stack.append(y)
                    budget -= 1
        return False


def nearest_producers(analysis: Analysis, artifacts: set[str]) -> list[dict[str, frozenset[int]]]:
    """For each step, the nearest earlier producers of each artifact in ``artifacts``.

    "Nearest" are the latest producers among the step's ancestors: those that
    come before no other producer of the artifact that is itself an ancestor
    (a step needs the last version made). This depends only on which steps
    come before which, not on the edges that say so, so dropping a redundant
    edge never changes what a step needs (``parallelize`` stays idempotent).
    An artifact made by a single step always resolves to that step (validation
    made it an ancestor), and is listed for the steps that need it.
    :func:`producers_near` gives the same answers without a mapping per step.
    """
    found = producers_near(analysis, artifacts)
    near = [dict(row) for row in found.near]
    sole = {a: frozenset((u,)) for a, u in found.sole.items()}
    if sole:
        for v, s in enumerate(analysis.steps):
            for a in s.needs:
                if a in sole:
                    near[v][a] = sole[a]
    return near


@dataclass(frozen=True, eq=False)
class Producers:
    """The nearest earlier producers of artifacts, by position (see :func:`producers_near`).

    Compact: an artifact made by one step is kept once, as that step, not as a set in a
    mapping per step (a 100,000-step process would have as many mappings for the garbage
    collector to track); the rows of ``near`` are shared, never to be modified.
    """

    steps: list[Step]
    #: artifact made by a single step -> that step.
    sole: dict[str, int]
    #: for each step, the nearest producers of the artifacts made by more than one step.
    near: list[dict[str, frozenset[int]]]

    def of(self, v: int, artifact: str) -> Collection[int]:
        """The nearest producers of ``artifact`` before step ``v``, as
        ``nearest_producers(...)[v].get(artifact, ())`` gives them."""
        u = self.sole.get(artifact)
        if u is not None:
            return (u,) if artifact in self.steps[v].needs else ()
        return self.near[v].get(artifact, ())


def producers_near(analysis: Analysis, artifacts: set[str]) -> Producers:
    """The nearest earlier producers of each artifact in ``artifacts`` (see
    :func:`nearest_producers`), for every step."""
    steps = analysis.steps
    # the first producer of each artifact, and every producer of those made more than once
    # (most artifacts have one producer: no list for them)
    first: dict[str, int] = {}
    producers: dict[str, list[int]] = {}
    for v, s in enumerate(steps):
        for a in s.produces:
            if a in first:
                producers.setdefault(a, [first[a]]).append(v)
            else:
                first[a] = v
    shared = {a for a in artifacts if a in producers}
    none: dict[str, frozenset[int]] = {}
    near: list[dict[str, frozenset[int]]] = [none] * len(steps)
    if shared:
        # carry an artifact forward only until its last consumer (in topological order)
        position = {v: i for i, v in enumerate(analysis.order)}
        last_use = {a: -1 for a in shared}
        for v, s in enumerate(steps):
            for a in s.needs:
                if a in last_use:
                    last_use[a] = max(last_use[a], position[v])
        ancestry = Ancestry(lambda v: analysis.preds[v], position)
        latest: dict[frozenset[int], frozenset[int]] = {}

        def drop_earlier(group: frozenset[int]) -> frozenset[int]:
            """The producers in ``group`` before none of the others (memoized by group)."""
            if len(group) < 2:
                return group
            got = latest.get(group)
            if got is None:
                got = latest[group] = frozenset(
                    u for u in group if not any(w != u and ancestry.reaches(u, w) for w in group))
            return got

        alone: dict[int, frozenset[int]] = {}  # u -> frozenset({u}), one per producer
        for v in analysis.order:
            here = position[v]
            prods: dict[str, frozenset[int]] = {}
            for u in analysis.preds[v]:
                inherited = dict(near[u])
                for a in steps[u].produces:
                    if a in shared:
                        got = alone.get(u)
                        if got is None:
                            got = alone[u] = frozenset({u})
                        inherited[a] = got
                for a, got in inherited.items():
                    if last_use[a] >= here:
                        prods[a] = prods[a] | got if a in prods else got
            if prods:
                near[v] = {a: drop_earlier(group) for a, group in prods.items()}
    sole = {a: first[a] for a in artifacts - shared if a in first}
    return Producers(steps, sole, near)


# --- the mean schedule (flow analysis) ---------------------------------------------------


def reach_probabilities(c: Analysis) -> tuple[list[float], list[tuple[float, ...]]]:
    """Probability that each step runs (first pass), and that each incoming edge fires."""
    if not c.branches:  # no choice: every step runs and every edge fires (1.0 * 1.0)
        rows: dict[int, tuple[float, ...]] = {}  # one shared row per in-degree
        return [1.0] * c.n, [rows.get(len(p)) or rows.setdefault(len(p), (1.0,) * len(p))
                             for p in c.preds]
    node = [0.0] * c.n
    edge: list[tuple[float, ...]] = [() for _ in range(c.n)]
    for v in c.order:
        preds = c.preds[v]
        if not preds:
            node[v] = 1.0
            continue
        fires = tuple(node[u] * (e.p if e.p is not None else 1.0)
                      for u, e in zip(preds, c.pred_edges[v], strict=True))
        edge[v] = fires
        node[v] = min(fires) if c.steps[v].join == "all" else min(1.0, math.fsum(fires))
    return node, edge  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class Waves:
    """The steps grouped by depth (longest path from a first step), for whole-array passes.

    A step depends only on steps of lower depth, so a pass over the graph in topological
    order can handle a whole wave at once. ``nodes[w]`` are the steps of wave ``w``, in
    topological order; wave 0 holds the steps without predecessors. The incoming edges of
    the waves after the first are listed target by target (``src``, ``dst``, ``pos``: the
    predecessor, the step, the edge's position among the step's predecessors), wave by
    wave: wave ``w`` owns ``edges[w]:edges[w + 1]`` and its steps' edges start at
    ``first`` (relative to ``edges[w]``).
    """

    nodes: list[np.ndarray]
    edges: list[int]
    first: list[np.ndarray]
    src: np.ndarray
    dst: np.ndarray
    pos: np.ndarray

    #: per wave, the steps :func:`flow` computes one by one: ``join: any``, block exits
    special: list[list[int]]
    #: the position of each edge (``src``/``dst``/``pos``) in the flattened ``preds`` lists
    flat: np.ndarray

    @staticmethod
    def of(c: Analysis) -> Waves:
        """Kahn's algorithm a whole frontier at a time, over arrays."""
        n = c.n
        lens = np.fromiter(map(len, c.preds), dtype=np.int64, count=n)
        total = int(lens.sum())
        src_all = np.fromiter(itertools.chain.from_iterable(c.preds), dtype=np.int64,
                              count=total)
        dst_all = np.repeat(np.arange(n, dtype=np.int64), lens)
        by_src = np.argsort(src_all, kind="stable")
        succ_dst = dst_all[by_src]
        succ_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src_all, minlength=n), out=succ_ptr[1:])
        indegree = lens.copy()
        frontier = np.flatnonzero(indegree == 0)
        nodes: list[np.ndarray] = []
        while frontier.size:
            nodes.append(frontier)
            out = _ranges(succ_ptr[frontier], succ_ptr[frontier + 1])
            targets, hits = np.unique(succ_dst[out], return_counts=True)
            indegree[targets] -= hits
            frontier = targets[indegree[targets] == 0]
        pred_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lens, out=pred_ptr[1:])
        order = np.concatenate(nodes) if nodes else np.zeros(0, np.int64)
        flat = _ranges(pred_ptr[order], pred_ptr[order + 1])
        sizes = np.fromiter(map(len, nodes), dtype=np.int64, count=len(nodes))
        per_node = lens[order]
        node_edges = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(per_node, out=node_edges[1:])
        bounds = np.zeros(len(nodes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=bounds[1:])
        edges = node_edges[bounds].tolist()
        first = [node_edges[bounds[w]:bounds[w + 1]] - node_edges[bounds[w]]
                 for w in range(len(nodes))]
        depth = np.empty(n, dtype=np.int64)
        depth[order] = np.repeat(np.arange(len(nodes), dtype=np.int64), sizes)
        special: list[list[int]] = [[] for _ in nodes]
        for v in c.order:
            if (c.steps[v].join != "all" and c.preds[v]) or v in c.block_of_exit:
                special[int(depth[v])].append(v)
        return Waves(nodes, edges, first, src_all[flat], dst_all[flat],
                     flat - pred_ptr[dst_all[flat]], special, flat)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The integers of the ranges ``lo[i]:hi[i]``, one after another."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(lo - np.cumsum(counts) + counts, counts)
    return shift + np.arange(total, dtype=np.int64)


def flow(c: Analysis, durations: list[float], *,
         delays: bool) -> tuple[list[float], list[float], list[int]]:
    """Expected start and finish of each step given that it runs, and what set its start.

    Wave by wave (:class:`Waves`) over arrays: a ``join: all`` step starts at the latest
    arrival (the first predecessor with it sets the start, as in a loop over the edges),
    exactly as a plain loop over the steps in topological order computes it (the loop kept
    as the reference in tests/test_reference_paths.py); ``join: any`` steps and the exits
    of rework blocks take the loop's own formulas, step by step.
    """
    if c.n == 0:
        return [], [], []
    waves = c.waves
    special = waves.special
    dur = np.asarray(durations, dtype=float)
    finish = np.zeros(c.n)
    start = np.zeros(c.n)
    best = np.full(c.n, -1, dtype=np.int64)
    if delays:
        delay = _flat_delays(c)
    finish[waves.nodes[0]] = dur[waves.nodes[0]]
    for w in range(len(waves.nodes)):
        if w:
            nodes = waves.nodes[w]
            lo, hi = waves.edges[w], waves.edges[w + 1]
            src = waves.src[lo:hi]
            arrivals = finish[src] + delay[lo:hi] if delays else finish[src]
            first = waves.first[w]
            latest = np.maximum.reduceat(arrivals, first)
            counts = np.diff(first, append=hi - lo)
            k = np.minimum.reduceat(np.where(arrivals == np.repeat(latest, counts),
                                             waves.pos[lo:hi], np.iinfo(np.int64).max), first)
            start[nodes] = latest
            best[nodes] = src[first + k]
            finish[nodes] = latest + dur[nodes]
        if special[w]:  # join: any, and the exits of rework blocks, as the loop does them
            _flow_steps(c, special[w], durations, delays, start, finish, best)
    return start.tolist(), finish.tolist(), best.tolist()


def _flat_delays(c: Analysis) -> np.ndarray:
    """The mean delay of every edge in the order of :class:`Waves`."""
    means = np.fromiter(itertools.chain.from_iterable(c.mean_edge_delay), dtype=float,
                        count=len(c.waves.flat))
    return means[c.waves.flat]


def _flow_steps(c: Analysis, todo: list[int], durations: list[float], delays: bool,
                start: np.ndarray, finish: np.ndarray, best: np.ndarray) -> None:
    """The plain loop over some steps of one wave (their inputs are known).

    Plain float arithmetic on the arrays' elements: the same operations, so the same
    numbers, as the loop's."""
    _node_p, edge_p = c.reach
    delay_means = c.mean_edge_delay
    for v in todo:
        preds = c.preds[v]
        if preds and c.steps[v].join != "all":
            if delays:
                arrivals = [float(finish[u]) + d
                            for u, d in zip(preds, delay_means[v], strict=True)]
            else:
                arrivals = [float(finish[u]) for u in preds]
            weights = edge_p[v]
            total = math.fsum(weights)
            k = max(range(len(preds)), key=weights.__getitem__)
            weighted = math.fsum(w * a for w, a in zip(weights, arrivals, strict=True))
            start[v] = (weighted / total
                        if total > 0 else max(arrivals))
            best[v] = preds[k]
            finish[v] = float(start[v]) + durations[v]
        b = c.block_of_exit.get(v)
        if b is not None:
            blk = c.blocks[b]
            entry_start = float(start[blk.entry])
            once = float(finish[v]) - entry_start
            back = (mean_of(blk.delay) + revision_mean(c, blk.exit)) if delays else 0.0
            if blk.mode == "repeat":
                finish[v] = entry_start + (once + blk.p * back) / (1.0 - blk.p)
            else:
                finish[v] = entry_start + (1.0 + blk.p) * once + blk.p * back


def revision_mean(c: Analysis, exit_: int) -> float:
    """Mean revision time of the send-back from step ``exit_`` (0 without one)."""
    rework = c.steps[exit_].rework
    return mean_of(rework.revision) if rework is not None else 0.0



# --- branch conditions --------------------------------------------------------------------


def _conjoin(cond: Condition, label: tuple[int, int]) -> Condition:
    split, branch = label
    out = set()
    for term in cond:
        if any(s == split and b != branch for s, b in term):
            continue  # contradicts an earlier choice at the same split
        out.add(term | {label})
    return frozenset(out)


def simplify_condition(cond: Condition, branch_count: dict[int, int]) -> Condition:
    """Merge terms that differ only in a complete set of branches of one split.

    ``{a & s:0, a & s:1}`` becomes ``{a}`` when split ``s`` has two branches;
    a term implied by a weaker one is dropped.
    """
    terms = set(cond)
    changed = True
    while changed:
        changed = False
        groups: dict[tuple[Term, int], dict[int, Term]] = {}
        for term in terms:
            for split, branch in term:
                groups.setdefault((term - {(split, branch)}, split), {})[branch] = term
        for (rest, split), by_branch in groups.items():
            if len(by_branch) == branch_count[split]:
                terms.difference_update(by_branch.values())
                terms.add(rest)
                changed = True
                break
    return frozenset(t for t in terms if not any(u < t for u in terms))


def exclusive(a: Condition, b: Condition) -> bool:
    """True when no outcome runs both conditions."""
    for ta in a:
        for tb in b:
            choices = dict(ta)
            if not any(s in choices and choices[s] != br for s, br in tb):
                return False
    return True


def probability(cond: Condition, branch_p: dict[tuple[int, int], float]) -> float:
    """Probability of a condition whose terms are mutually exclusive (as built here)."""
    return math.fsum(math.prod(branch_p[lbl] for lbl in term) for term in cond)


@dataclass
class ChoiceAnalysis:
    """Branch conditions of every step and what they say about the process's structure."""

    edge_cond: list[tuple[Condition | None, ...]]
    node_cond: list[Condition | None]
    branch_p: dict[tuple[int, int], float]
    branch_count: dict[int, int]
    #: every any-join closes complete alternatives and every condition is one term.
    block_structured: bool
    #: (step index, message) for joins that cannot work as declared.
    problems: list[tuple[int, str]]


def analyse_choices(analysis: Analysis) -> ChoiceAnalysis:
    """Forward pass computing each step's branch condition and checking every join."""
    if not analysis.branches:
        always: list[Condition | None] = [ALWAYS] * analysis.n
        stray = [(v, f"step {analysis.ids[v]!r} has join: any but no choice comes before it; "
                     f"join: any merges exclusive alternatives (edges with p), use join: all")
                 for v in analysis.order
                 if analysis.steps[v].join == "any" and len(analysis.preds[v]) > 1]
        # one row per in-degree, shared: a row never changes, and a list per step would
        # be one more object for the garbage collector to track
        rows: dict[int, tuple[Condition | None, ...]] = {}
        edge_rows = [rows.get(len(p)) or rows.setdefault(len(p), (ALWAYS,) * len(p))
                     for p in analysis.preds]
        return ChoiceAnalysis(edge_rows, always, {}, {}, True, stray)
    branch_p: dict[tuple[int, int], float] = {}
    branch_count: dict[int, int] = {}
    # label of the probability edge (u -> v at position k): (u, branch number)
    edge_label: dict[tuple[int, int], tuple[int, int]] = {}
    for u, outs in analysis.branches.items():
        branch_count[u] = len(outs)
        for b, (v, k, p) in enumerate(outs):
            branch_p[(u, b)] = p
            edge_label[(v, k)] = (u, b)
    node_cond: list[Condition | None] = [None] * analysis.n
    edge_cond: list[tuple[Condition | None, ...]] = [()] * analysis.n
    problems: list[tuple[int, str]] = []
    structured = True
    ids = analysis.ids
    for v in analysis.order:
        preds = analysis.preds[v]
        if not preds:
            node_cond[v] = ALWAYS
            continue
        incoming: list[Condition | None] = []
        for k, u in enumerate(preds):
            cu = node_cond[u]
            label = edge_label.get((v, k))
            if cu is None:
                incoming.append(None)
            elif label is None:
                incoming.append(cu)
            else:
                incoming.append(_conjoin(cu, label))
        edge_cond[v] = tuple(incoming)
        step = analysis.steps[v]
        if any(c is None for c in incoming):
            node_cond[v] = None  # too tangled to track; simulation still handles it
            structured = False
            continue
        known = [c for c in incoming if c is not None]
        if step.join == "all":
            first = known[0]
            odd = [preds[k] for k, c in enumerate(known) if c != first]
            if odd:
                problems.append((v, f"step {ids[v]!r} has join: all but its predecessors "
                                    f"{ids[preds[0]]!r} and {ids[odd[0]]!r} do not always run "
                                    f"together (they lie on different branches of a choice), "
                                    f"so it could wait forever; declare join: any if it merges "
                                    f"alternatives, or restructure the choice"))
            node_cond[v] = first
        else:
            for i in range(len(known)):
                for j in range(i + 1, len(known)):
                    if not exclusive(known[i], known[j]):
                        problems.append((v, f"step {ids[v]!r} has join: any but its "
                                            f"predecessors {ids[preds[i]]!r} and "
                                            f"{ids[preds[j]]!r} can both run in one case; join: "
                                            f"any merges only exclusive alternatives (edges "
                                            f"with p), use join: all for parallel branches"))
                        break
                else:
                    continue
                break
            merged = simplify_condition(frozenset().union(*known), branch_count)
            if len(merged) > MAX_TERMS:
                node_cond[v] = None
                structured = False
                continue
            node_cond[v] = merged
        if len(node_cond[v] or ()) > 1:
            structured = False
    return ChoiceAnalysis(edge_cond, node_cond, branch_p, branch_count, structured, problems)


def analysis_view(analysis: Analysis, name: str) -> nx.DiGraph:
    """The frozen DiGraph behind :attr:`Process.graph`: mean durations, effective delays.

    Not to be confused with :func:`procsimp.to_networkx`, a mutable graph holding every
    field of the file (for round trips).
    """
    import networkx as nx  # loaded on the first use of Process.graph

    g = nx.DiGraph(name=name)
    for v, s in enumerate(analysis.steps):
        g.add_node(s.id, step=s, role=s.role, kind=s.kind, duration=analysis.mean_duration[v])
    for v, s in enumerate(analysis.steps):
        for k, edge in enumerate(s.after):
            g.add_edge(edge.step, s.id, edge=edge, p=edge.p,
                       delay=analysis.mean_edge_delay[v][k])
    return nx.freeze(g)


def block_plans(analysis: Analysis) -> dict[int | None, list[tuple[str, int]]]:
    """Per rework block (None: the top level), its items in topological order.

    An item is ``("node", v)`` or ``("block", b)``: a nested block is one item of its
    parent. ``measure``'s enumeration and ``simulate``'s engine both walk this plan.
    """
    plans: dict[int | None, list[tuple[str, int]]] = {None: []}
    for block in range(len(analysis.blocks)):
        plans[block] = []
    for v in analysis.order:
        chain: list[int] = []
        up = analysis.innermost_block[v] if analysis.innermost_block else None
        while up is not None:
            chain.append(up)
            up = analysis.blocks[up].parent
        parent: int | None = None
        for block in reversed(chain):
            if analysis.blocks[block].entry == v:
                plans[parent].append(("block", block))
            parent = block
        plans[parent].append(("node", v))
    return plans


__all__ = [
    "ALWAYS",
    "MAX_TERMS",
    "Analysis",
    "Ancestry",
    "Block",
    "ChoiceAnalysis",
    "Condition",
    "CycleError",
    "Producers",
    "ReworkBlock",
    "Term",
    "analyse",
    "analyse_choices",
    "analysis_view",
    "attach_blocks",
    "block_nodes",
    "block_plans",
    "edge_delay",
    "exclusive",
    "find_cycle",
    "flow",
    "handoff_between",
    "nearest_producers",
    "probability",
    "producers_near",
    "reach_probabilities",
    "revision_mean",
    "rework_blocks",
    "send_back_delay",
    "simplify_condition",
    "topological_order",
]
