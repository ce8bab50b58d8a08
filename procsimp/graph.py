"""Graph views of a process and the structural analyses shared by the library.

Assumptions, stated once: precedence edges (``after``) form a directed acyclic
graph; send-backs are not edges but :class:`Block` records (``rework``), each
a single-entry single-exit region (edges enter it only at its entry ``to``
and leave it only from the step that sends back), and two blocks are either
nested or disjoint. Exclusive choices are edges with a probability ``p``.

:func:`compile_process` turns a process into integer-indexed adjacency lists
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
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx

from procsimp.durations import mean_of

if TYPE_CHECKING:
    from procsimp.durations import Duration
    from procsimp.model import Predecessor, Process, Step

Term = frozenset[tuple[int, int]]
Condition = frozenset[Term]
ALWAYS: Condition = frozenset({frozenset()})
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
    """Index (in ``Compiled.blocks``) of the smallest block containing this one."""


@dataclass
class Compiled:
    """Integer-indexed adjacency of a process, in topological order."""

    ids: list[str]
    steps: list[Step]
    index: dict[str, int]
    preds: list[list[int]]
    pred_edges: list[list[Predecessor]]
    edge_delay: list[list[Duration]]
    succs: list[list[int]]
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

    @cached_property
    def choices(self) -> ChoiceAnalysis:
        """Branch conditions of every step (see :func:`analyse_choices`)."""
        return analyse_choices(self)

    @cached_property
    def mean_duration(self) -> list[float]:
        return [mean_of(s.duration) for s in self.steps]

    @cached_property
    def mean_work(self) -> list[float]:
        return [mean_of(s.work if s.work is not None else s.duration) for s in self.steps]

    @cached_property
    def mean_edge_delay(self) -> list[list[float]]:
        return [[mean_of(d) for d in ds] for ds in self.edge_delay]

    def sinks(self) -> list[int]:
        return [v for v in self.order if not self.succs[v]]



class CycleError(Exception):
    """Raised by :func:`compile_process` when ``after`` edges form a cycle."""

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


def topological_order(preds: list[list[int]], succs: list[list[int]]) -> list[int] | None:
    """Kahn's algorithm, smallest index first (so file order breaks ties); None on a cycle."""
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


def find_cycle(ids: list[str], succs: list[list[int]]) -> list[str]:
    """Step ids around one cycle of the graph, first step repeated at the end."""
    g = nx.DiGraph()
    g.add_edges_from((u, w) for u, ws in enumerate(succs) for w in ws)
    cycle = nx.find_cycle(g)
    path = [ids[u] for u, _ in cycle]
    return [*path, path[0]]


def compile_process(process: Process, *, with_blocks: bool = True) -> Compiled:
    """Build the integer-indexed view of a process whose references are valid.

    Raises :class:`CycleError` when ``after`` edges form a cycle.
    """
    steps = list(process.steps)
    ids = [s.id for s in steps]
    index = {sid: i for i, sid in enumerate(ids)}
    preds: list[list[int]] = []
    pred_edges: list[list[Predecessor]] = []
    delays: list[list[Duration]] = []
    succs: list[list[int]] = [[] for _ in steps]
    branches: dict[int, list[tuple[int, int, float]]] = {}
    for v, step in enumerate(steps):
        ps_, es, ds = [], [], []
        for k, edge in enumerate(step.after):
            u = index[edge.step]
            ps_.append(u)
            es.append(edge)
            ds.append(edge_delay(process, steps[u], step, edge))
            succs[u].append(v)
            if edge.p is not None:
                branches.setdefault(u, []).append((v, k, edge.p))
        preds.append(ps_)
        pred_edges.append(es)
        delays.append(ds)
    order = topological_order(preds, succs)
    if order is None:
        raise CycleError(find_cycle(ids, succs))
    compiled = Compiled(ids, steps, index, preds, pred_edges, delays, succs, order,
                        branches=branches)
    compiled.innermost_block = [None] * len(steps)
    if with_blocks:
        blocks, problems = rework_blocks(process, compiled)
        if not problems:
            attach_blocks(compiled, blocks)
    return compiled


def block_nodes(compiled: Compiled, entry: int, exit_: int) -> set[int] | None:
    """Steps on some path from ``entry`` to ``exit_`` (both included); None if there is none."""
    forward = {entry}
    stack = [entry]
    while stack:
        u = stack.pop()
        for w in compiled.succs[u]:
            if w not in forward:
                forward.add(w)
                stack.append(w)
    if exit_ not in forward:
        return None
    nodes = {exit_}
    stack = [exit_]
    while stack:
        w = stack.pop()
        for u in compiled.preds[w]:
            if u in forward and u not in nodes:
                nodes.add(u)
                stack.append(u)
    return nodes


def rework_blocks(process: Process,
                  compiled: Compiled) -> tuple[list[Block], list[tuple[int, str]]]:
    """The rework blocks of a process, and problems as (step index, message)."""
    blocks: list[Block] = []
    problems: list[tuple[int, str]] = []
    for v, step in enumerate(compiled.steps):
        rw = step.rework
        if rw is None:
            continue
        if rw.to not in compiled.index:
            continue  # reported as an unknown reference by validation
        entry = compiled.index[rw.to]
        nodes = block_nodes(compiled, entry, v)
        if nodes is None:
            problems.append((v, f"rework sends the file back to {rw.to!r}, which does not "
                                f"come before {step.id!r}; send it back to an earlier step"))
            continue
        leaks = []
        for u in nodes:
            if u != entry:
                leaks += [f"{compiled.ids[w]} -> {compiled.ids[u]}"
                          for w in compiled.preds[u] if w not in nodes]
            if u != v:
                leaks += [f"{compiled.ids[u]} -> {compiled.ids[w]}"
                          for w in compiled.succs[u] if w not in nodes]
        if leaks:
            problems.append((v, f"the rework block {rw.to!r} .. {step.id!r} must be entered only "
                                f"at {rw.to!r} and left only from {step.id!r}, but has the edges "
                                f"{', '.join(sorted(leaks)[:5])}; move those edges or the "
                                f"send-back"))
            continue
        delay = send_back_delay(process, step, compiled.steps[entry])
        blocks.append(Block(entry, v, frozenset(nodes), rw.p, rw.mode, delay))
    return _nest(compiled, blocks, problems), problems


def _nest(compiled: Compiled, blocks: list[Block], problems: list[tuple[int, str]]) -> list[Block]:
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
                    problems.append((blk.exit, f"the rework blocks {compiled.ids[a.entry]!r} .. "
                                               f"{compiled.ids[a.exit]!r} and "
                                               f"{compiled.ids[blk.entry]!r} .. "
                                               f"{compiled.ids[blk.exit]!r} overlap without one "
                                               f"containing the other; nest them or make them "
                                               f"disjoint"))
                elif parent[c] is None:
                    parent[c] = b
            top[u] = b
    return [Block(blk.entry, blk.exit, blk.nodes, blk.p, blk.mode, blk.delay, parent[b])
            for b, blk in enumerate(ascending)]


def attach_blocks(compiled: Compiled, blocks: list[Block]) -> None:
    """Record valid rework blocks on the compiled view (innermost block of each step)."""
    innermost: list[int | None] = [None] * compiled.n
    for b, blk in enumerate(blocks):  # ascending size: the first block seen is the innermost
        for u in blk.nodes:
            if innermost[u] is None:
                innermost[u] = b
    compiled.blocks = blocks
    compiled.block_of_exit = {blk.exit: b for b, blk in enumerate(blocks)}
    compiled.innermost_block = innermost


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

    edge_cond: list[list[Condition | None]]
    node_cond: list[Condition | None]
    branch_p: dict[tuple[int, int], float]
    branch_count: dict[int, int]
    #: every any-join closes complete alternatives and every condition is one term.
    block_structured: bool
    #: (step index, message) for joins that cannot work as declared.
    problems: list[tuple[int, str]]


def analyse_choices(compiled: Compiled) -> ChoiceAnalysis:
    """Forward pass computing each step's branch condition and checking every join."""
    if not compiled.branches:
        always: list[Condition | None] = [ALWAYS] * compiled.n
        stray = [(v, f"step {compiled.ids[v]!r} has join: any but no choice comes before it; "
                     f"join: any merges exclusive alternatives (edges with p), use join: all")
                 for v in compiled.order
                 if compiled.steps[v].join == "any" and len(compiled.preds[v]) > 1]
        return ChoiceAnalysis([[ALWAYS] * len(p) for p in compiled.preds], always, {}, {}, True,
                              stray)
    branch_p: dict[tuple[int, int], float] = {}
    branch_count: dict[int, int] = {}
    # label of the probability edge (u -> v at position k): (u, branch number)
    edge_label: dict[tuple[int, int], tuple[int, int]] = {}
    for u, outs in compiled.branches.items():
        branch_count[u] = len(outs)
        for b, (v, k, p) in enumerate(outs):
            branch_p[(u, b)] = p
            edge_label[(v, k)] = (u, b)
    node_cond: list[Condition | None] = [None] * compiled.n
    edge_cond: list[list[Condition | None]] = [[] for _ in range(compiled.n)]
    problems: list[tuple[int, str]] = []
    structured = True
    ids = compiled.ids
    for v in compiled.order:
        preds = compiled.preds[v]
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
        edge_cond[v] = incoming
        step = compiled.steps[v]
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


def analysis_view(compiled: Compiled, name: str) -> nx.DiGraph:
    """The frozen DiGraph behind :attr:`Process.graph`: mean durations, effective delays.

    Not to be confused with :func:`procsimp.to_networkx`, a mutable graph holding every
    field of the file (for round trips).
    """
    g = nx.DiGraph(name=name)
    for v, s in enumerate(compiled.steps):
        g.add_node(s.id, step=s, role=s.role, kind=s.kind, duration=compiled.mean_duration[v])
    for v, s in enumerate(compiled.steps):
        for k, edge in enumerate(s.after):
            g.add_edge(edge.step, s.id, edge=edge, p=edge.p,
                       delay=compiled.mean_edge_delay[v][k])
    return nx.freeze(g)


def block_plans(compiled: Compiled) -> dict[int | None, list[tuple[str, int]]]:
    """Per rework block (None: the top level), its items in topological order.

    An item is ``("node", v)`` or ``("block", b)``: a nested block is one item of its
    parent. ``measure``'s enumeration and ``simulate``'s engine both walk this plan.
    """
    plans: dict[int | None, list[tuple[str, int]]] = {None: []}
    for block in range(len(compiled.blocks)):
        plans[block] = []
    for v in compiled.order:
        chain: list[int] = []
        up = compiled.innermost_block[v] if compiled.innermost_block else None
        while up is not None:
            chain.append(up)
            up = compiled.blocks[up].parent
        parent: int | None = None
        for block in reversed(chain):
            if compiled.blocks[block].entry == v:
                plans[parent].append(("block", block))
            parent = block
        plans[parent].append(("node", v))
    return plans
