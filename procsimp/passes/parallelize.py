"""``parallelize``: drop waiting that no real dependency requires.

A step that declares ``needs`` depends on the nearest earlier producer of
each artifact it needs, and on its ``hard`` edges; its other incoming edges
are habit (a review queued behind another review it does not use). This
pass replaces them with edges from those producers and then keeps only the
transitive reduction of the order, so independent reviews run at the same
time. By default the order among approvals and signatures is kept too (a
chain of initials is a legal order): an approval, and any step between two
approvals, keeps its edges from predecessors that come after an approval. An approval
or signature always keeps the edges through which a check that can send the file back
(a step with ``rework``) reaches it: the decision stays after the check it guards.
``circulate_approvals: true`` lets approvals that need nothing from each other
circulate at once.

What it leaves alone: steps that declare no ``needs`` (their dependencies are
unknown, so all are kept), alternatives (edges with ``p``) and the steps that
merge them, steps inside rework blocks (but a block's first step, whose edges
come from outside the loop, is rewired), and any step whose producers sit on
another branch of a choice or inside a rework block; nor does it leave a step
on a branch of a choice without a successor (the branch would then end the
process on its own). Edges with their own
``delay`` or marked ``hard`` are never dropped as redundant.

Reijers & Limam Mansar (2005) heuristic: *parallelism* (independent tasks in
parallel) and *resequencing*.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "apply", "role": "c", "duration": 1, "produces": ["form"]},
...               {"id": "fire", "role": "c", "duration": 5, "after": ["apply"], "needs": ["form"]},
...               {"id": "zoning", "role": "c", "duration": 4, "after": ["fire"],
...                "needs": ["form"]}]})
>>> q, changes = ps.run_pass(p, "parallelize")
>>> q.step("zoning").predecessors, ps.measure(p).lead_time, ps.measure(q).lead_time
(('apply',), 10.0, 6.0)
"""

from __future__ import annotations

from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np

from procsimp.analysis import ALWAYS, Ancestry, producers_near
from procsimp.durations import mean_of
from procsimp.model import APPROVAL_KINDS, Predecessor, Process
from procsimp.passes.base import Change, PassOptions

if TYPE_CHECKING:
    from procsimp.analysis import Analysis, Producers
    from procsimp.model import Step
    from procsimp.passes.context import PassContext

#: Steps one redundancy search may visit before it stops (keeping the edges it did not reach).
SEARCH_BUDGET = 100_000
EPS = 1e-9


class ParallelizeOptions(PassOptions):
    """Options of :func:`parallelize`."""

    circulate_approvals: bool = False
    """Let approvals and signatures that need nothing from each other run at once."""


def parallelize(ctx: PassContext, options: ParallelizeOptions) -> tuple[Process, list[Change]]:
    """Replace habitual precedence by the real dependencies (needs/produces), in parallel."""
    process, c = ctx.process, ctx.analysis
    steps, ids, preds, succs, order = c.steps, c.ids, c.preds, c.succs, c.order
    n = len(steps)
    cond = c.choices.node_cond
    start, finish = c.schedule

    needs = list(map(attrgetter("needs"), steps))
    near_prod = producers_near(c, set(chain.from_iterable(needs)))
    sole, near = near_prod.sole, near_prod.near
    # the chain of initials: a step with an approval at or before it, and one after it
    track_appr = not options.circulate_approvals
    is_approval = [k in APPROVAL_KINDS for k in map(attrgetter("kind"), steps)]
    approval_upto = _upto(is_approval, order, preds) if track_appr else [False] * n
    approval_after = [False] * n
    if track_appr:
        for v in reversed(order):
            for w in succs[v]:
                if is_approval[w] or approval_after[w]:
                    approval_after[v] = True
                    break

    # a check that can send the file back guards every decision after it: an approval or
    # a signature keeps the edges through which such a check (a rework sender) reaches it
    guarded_upto = _upto([r is not None for r in map(attrgetter("rework"), steps)], order, preds)

    def outside_blocks(u: int) -> bool:
        b = c.innermost_block[u]
        return b is None or (c.blocks[b].exit == u and c.blocks[b].parent is None)

    def entry_of_its_blocks(v: int) -> bool:
        """True when ``v`` is the entry of every rework block around it (or of none): its
        incoming edges then lie outside every block, and rewiring them leaves loops whole."""
        b = c.innermost_block[v]
        while b is not None:
            if c.blocks[b].entry != v:
                return False
            b = c.blocks[b].parent
        return True

    position = [0] * n
    for i, v in enumerate(order):
        position[v] = i
    # steps with an alternative (an edge with ``p``) coming in
    chosen = {w for row in c.branches.values() for w, _, _ in row}
    roles = list(map(attrgetter("role"), steps))
    # steps inside the chain of initials, which keep the edges earlier approvals come through
    approval_chain = [track_appr and (a or b) for a, b in zip(is_approval, approval_after,
                                                               strict=True)]
    upto = approval_upto.__getitem__
    handoff = mean_of(process.handoff_delay)  # the default delay between two roles
    slow: dict[int, int] = {}  # step -> a producer whose direct transfer would be slower
    left: dict[int, str] = {}  # step -> why it keeps its order although it has habit edges

    def plan(v: int, extra: frozenset[int] = frozenset()) -> tuple[int, ...] | None:
        """The predecessors ``v`` really needs (plus ``extra``), or None to leave it be."""
        if not needs[v]:
            return None
        step = steps[v]
        if step.join == "any" or v in chosen:
            return None
        pv = preds[v]
        if not extra and approval_chain[v] and all(map(upto, pv)):
            # the common case, decided without sets: every predecessor brings an earlier
            # approval (so it stays, hard edge or not), and every producer is one already
            for a in needs[v]:
                u = sole.get(a)
                if u is None or u not in pv:
                    break
            else:
                return pv
        # the sets are built as before, element for element: which slower producer a
        # skipped step names depends on the order a set lists them in
        required: set[int] = set(extra)
        for a in needs[v]:
            u = sole.get(a)
            required.update((u,) if u is not None else near[v].get(a, ()))
        required |= {u for u, e in zip(pv, step.after, strict=True) if e.hard}
        if approval_chain[v]:
            # inside the chain of initials: keep the edges the earlier approvals come through
            required |= {u for u in pv if approval_upto[u]}
        if is_approval[v]:
            required |= {u for u in pv if guarded_upto[u]}
        direct = set(pv)
        if required == direct:
            return pv  # the step keeps its predecessors
        if not entry_of_its_blocks(v):
            left[v] = "it lies inside a revision loop (rework), which is left as it is"
            return None
        if any(cond[u] != cond[v] for u in required):
            left[v] = "what it needs comes from one branch of a choice"
            return None
        if any(not outside_blocks(u) for u in required):
            left[v] = "what it needs is made inside a revision loop (rework)"
            return None
        if not required <= direct:  # some producer would send the file straight to it
            role, latest = roles[v], start[v] + EPS
            slower = [u for u in required if u not in direct and
                      finish[u] + (handoff if roles[u] != role else 0.0) > latest]
            if slower:
                slow[v] = slower[0]
                return None
        return tuple(sorted(required, key=position.__getitem__))

    plans: dict[int, tuple[int, ...]] = {}
    on_behalf: dict[int, dict[int, int]] = {}  # rewired step -> producer it keeps -> consumer
    for v in order:
        planned = plan(v)
        if planned is not None and set(planned) != set(preds[v]):
            plans[v] = planned
    # A consumer left as it is still needs its producers through whatever lies between them;
    # a rewired step on such a route keeps waiting for those producers (or is left as it is).
    while True:
        lost = _lost_producers(c, near_prod, needs, plans, position)
        for v, keep in lost.items():
            on_behalf.setdefault(v, {}).update(keep)
            planned = plan(v, frozenset(keep) | set(plans[v]))
            if planned is None or set(planned) == set(preds[v]):
                del plans[v]
            else:
                plans[v] = planned
        if not lost:
            break
    changes: list[Change] = []
    for v in order:
        if v in left and v not in plans:
            changes.append(ctx.change("skipped", (ids[v],),
                                      f"{steps[v].name!r} keeps its order: {left[v]}."))
        if v in slow and v not in plans:
            changes.append(ctx.change(
                "skipped", (ids[v],),
                f"{steps[v].name!r} keeps its order: receiving the file straight from "
                f"{steps[slow[v]].name!r} would take longer than the current route."))

    # the edited graph, by position: the new predecessors (and their edges) of the steps
    # whose edges changed; every other step keeps its row of the analysis
    new_preds: dict[int, tuple[int, ...]] = {}
    new_edges: dict[int, tuple[Predecessor, ...]] = {}
    out_degree = [len(row) for row in succs]
    for v, planned in plans.items():
        direct = dict(zip(preds[v], steps[v].after, strict=True))
        new_edges[v] = tuple(direct[u] if u in direct else Predecessor(step=ids[u])
                             for u in planned)
        new_preds[v] = planned
        for u in preds[v]:
            out_degree[u] -= 1
        for u in planned:
            out_degree[u] += 1

    # a step on a branch of a choice must not become a loose end: the process would then end
    # differently on that branch than the choice says; keep its edge to what came after it
    for u in order:
        if succs[u] and not out_degree[u] and cond[u] != ALWAYS:
            for w in succs[u]:
                k = steps[w].after[preds[w].index(u)]
                new_preds[w] = (*new_preds.get(w, preds[w]), u)
                new_edges[w] = (*new_edges.get(w, steps[w].after), k)
                out_degree[u] += 1

    reductions = _transitive_reduction(c, new_preds, new_edges, position)
    new_steps = list(steps)
    for v in sorted(new_preds):
        now = new_preds[v]
        old = preds[v]
        now_set = set(now)
        if now_set == set(old):
            continue  # the same edges, perhaps listed in another order
        original = steps[v]
        new_steps[v] = original.model_copy(update={"after": new_edges[v]})
        sid = ids[v]
        dropped = [u for u in old if u not in now_set]
        added = [u for u in now if u not in old]
        via = reductions.get(v, {})
        changes.append(Change(
            pass_name=ctx.name, kind="reordered" if added else "edge_dropped", steps=(sid,),
            reason=_reason(steps, original, dropped, added, via,
                           {u: x for u, x in on_behalf.get(v, {}).items() if u in added}),
            edges=tuple((ids[u], sid) for u in dropped),
            added_edges=tuple((ids[u], sid) for u in added),
            before=[ids[u] for u in old], after=[ids[u] for u in now]))
    if not any(ch.kind != "skipped" for ch in changes):
        return process, changes
    return process.model_copy(update={"steps": tuple(new_steps)}), changes


def _upto(seed: list[bool], order: list[int], preds: list[tuple[int, ...]]) -> list[bool]:
    """Per step: whether ``seed`` holds for it or for one of its ancestors."""
    flag = list(seed)
    if True not in flag:
        return flag
    for v in order:
        if not flag[v]:
            for u in preds[v]:
                if flag[u]:
                    flag[v] = True
                    break
    return flag


def _lost_producers(c: Analysis, near_prod: Producers, needed: list[tuple[str, ...]],
                    plans: dict[int, tuple[int, ...]], position: list[int],
                    ) -> dict[int, dict[int, int]]:
    """Rewired steps that must keep waiting for producers on behalf of untouched consumers.

    A consumer that is not rewired reaches its producers through its old
    predecessors. For each of its producers no longer before it in the planned
    graph, walking back from it through untouched steps (they keep their edges),
    the first rewired steps on the routes from that producer must keep it.
    Returns, per such step, each producer it keeps -> the consumer it keeps it for.
    """
    preds, sole, near = c.preds, near_prod.sole, near_prod.near
    rank = dict(enumerate(position))
    planned = Ancestry(lambda v: plans[v] if v in plans else preds[v], rank, SEARCH_BUDGET)
    original = Ancestry(preds.__getitem__, rank, SEARCH_BUDGET)
    keep: dict[int, dict[int, int]] = {}
    for x, needs in enumerate(needed):
        if not needs or x in plans:
            continue
        px = preds[x]
        for a in needs:  # the common case: every producer is a predecessor, still before x
            u = sole.get(a)
            if u is None or u not in px:
                break
        else:
            continue
        producers: set[int] = set()  # one by one, in the order the needs list them
        for a in needs:
            u = sole.get(a)
            if u is not None:
                producers.add(u)
            else:
                for u in near[x].get(a, ()):
                    producers.add(u)
        for p in producers:
            if p in px or planned.reaches(p, x):
                continue
            lo, stack, seen = position[p], [x], {x}
            while stack:
                for y in preds[stack.pop()]:
                    if y in seen or position[y] <= lo:
                        continue
                    seen.add(y)
                    if y not in plans:
                        stack.append(y)
                    elif original.reaches(p, y):
                        keep.setdefault(y, {}).setdefault(p, x)
    return keep


def _transitive_reduction(c: Analysis, new_preds: dict[int, tuple[int, ...]],
                          new_edges: dict[int, tuple[Predecessor, ...]], position: list[int],
                          ) -> dict[int, dict[int, int]]:
    """Drop plain edges u -> v when v already follows u through another predecessor w.

    One backward search per step, from all its predecessors at once, over the
    steps between its earliest predecessor and itself (the original topological
    order stays valid: new edges only come from ancestors). A predecessor found
    there is an ancestor of another predecessor: its direct edge is redundant.
    The search stops once it has found every predecessor whose edge could go.
    Edits ``new_preds`` and ``new_edges`` (the rows that differ from the analysis) in
    place; returns, per step, each dropped predecessor -> the predecessor it comes through.
    """
    preds, steps = c.preds, c.steps
    at = position.__getitem__
    # the latest position among each step's predecessors: a search from a step whose
    # predecessors all come after their own predecessors finds nothing
    top, candidates = _searched(preds, new_preds, position)
    dropped: dict[int, dict[int, int]] = {}
    for v in sorted(candidates, key=at):
        pv = new_preds.get(v, preds[v])
        if len(pv) < 2:
            continue
        lo = min(map(at, pv))
        if max(map(top.__getitem__, pv)) < lo or steps[v].join == "any":
            continue
        edges = new_edges.get(v, steps[v].after)
        plain = {u for u, e in zip(pv, edges, strict=True)
                 if e.p is None and e.delay is None and not e.hard}
        if not plain:
            continue
        origin: dict[int, int] = {}  # strict ancestors of the predecessors -> through which
        stack = [(y, u) for u in pv for y in new_preds.get(u, preds[u]) if position[y] >= lo]
        missing = len(plain)
        while stack and len(origin) < SEARCH_BUDGET:
            x, via = stack.pop()
            if x in origin:
                continue
            origin[x] = via
            if x in plain:
                missing -= 1
                if not missing:
                    break
            stack.extend((y, via) for y in new_preds.get(x, preds[x])
                         if position[y] >= lo and y not in origin)
        redundant = {u for u in plain if u in origin}
        if redundant:
            dropped[v] = {u: origin[u] for u in redundant}
            new_preds[v] = kept = tuple(u for u in pv if u not in redundant)
            top[v] = max(map(at, kept))
            new_edges[v] = tuple(e for u, e in zip(pv, edges, strict=True) if u not in redundant)
    return dropped


def _searched(preds: list[tuple[int, ...]], new_preds: dict[int, tuple[int, ...]],
              position: list[int]) -> tuple[list[int], list[int]]:
    """For the transitive reduction: the latest position among each step's predecessors
    (-1 for none), and the steps whose search may find something: those with two or more
    predecessors of which one follows a step after the earliest of them, counting the
    rows ``new_preds`` replaces (computed on arrays; the reduction only lowers them)."""
    n = len(preds)
    pos = np.asarray(position, dtype=np.int64)
    lens = np.fromiter(map(len, preds), dtype=np.int64, count=n)
    flat = np.fromiter(chain.from_iterable(preds), dtype=np.int64, count=int(lens.sum()))
    starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
    some = lens > 0
    top_of = np.full(n, -1, dtype=np.int64)
    if flat.size:
        top_of[some] = np.maximum.reduceat(pos[flat], starts[some])
    top = top_of.tolist()
    for v, row in new_preds.items():
        top[v] = max(map(position.__getitem__, row), default=-1)
    two = lens > 1
    maybe = np.zeros(n, dtype=bool)
    touched = np.zeros(n, dtype=bool)
    if new_preds:
        touched[np.fromiter(new_preds, dtype=np.int64, count=len(new_preds))] = True
    if two.any():
        at = starts[two]
        lo = np.minimum.reduceat(pos[flat], at)
        reach = np.maximum.reduceat(top_of[flat], at)
        near_touched = np.maximum.reduceat(touched[flat].astype(np.int8), at) > 0
        maybe[two] = (reach >= lo) | near_touched
    maybe |= touched
    return top, np.flatnonzero(maybe).tolist()


def _reason(steps: list[Step], step: Step, dropped: list[int], added: list[int],
            via: dict[int, int], kept_for: dict[int, int]) -> str:
    """Why ``step``'s predecessors changed (steps by position); ``kept_for``: added producer
    -> the consumer after ``step``, left as it is, that needs it."""
    name = step.name

    def names(us: list[int]) -> str:
        quoted = [repr(steps[u].name) for u in us]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]

    needs = ", ".join(repr(a) for a in step.needs)
    if dropped and all(u in via for u in dropped) and not added:
        return (f"{name!r} no longer waits for {names(dropped)} directly: it already comes "
                f"after {names([via[dropped[0]]])}.")
    text = f"{name!r} no longer waits for {names(dropped)}" if dropped else f"{name!r}"
    if added and dropped:
        text += f"; it receives the file from {names(added)} directly"
    elif added:
        text = (f"{name!r} now waits for {names(added)} directly, as they no longer come one "
                f"after another")
    if not kept_for:
        return text + f": it needs only {needs} from earlier steps."
    consumers = list(dict.fromkeys(kept_for.values()))
    own = "" if len(kept_for) == len(added) else f"it needs {needs} from earlier steps; "
    return (text + f": {own}{names(list(kept_for))} must still come before "
            f"{names(consumers)}, which is left as it is and needs what they make.")


__all__ = ["ParallelizeOptions", "parallelize"]
