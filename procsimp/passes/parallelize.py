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

from typing import TYPE_CHECKING

from procsimp.analysis import ALWAYS, Ancestry, producers_near
from procsimp.durations import mean_of
from procsimp.model import APPROVAL_KINDS, Predecessor, Process
from procsimp.passes._edit import Draft
from procsimp.passes.base import Change, PassOptions

if TYPE_CHECKING:
    from procsimp.analysis import Analysis, Producers
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
    steps = c.steps
    n = len(steps)
    cond = c.choices.node_cond
    start, finish = c.schedule

    near_prod = producers_near(c, set(ctx.needed))
    # the chain of initials: a step with an approval at or before it, and one after it
    track_appr = not options.circulate_approvals
    approval_upto = [False] * n
    approval_after = [False] * n
    if track_appr:
        for v in c.order:
            approval_upto[v] = steps[v].kind in APPROVAL_KINDS or any(
                approval_upto[u] for u in c.preds[v])
        for v in reversed(c.order):
            approval_after[v] = any(steps[w].kind in APPROVAL_KINDS or approval_after[w]
                                    for w in c.succs[v])

    # a check that can send the file back guards every decision after it: an approval or
    # a signature keeps the edges through which such a check (a rework sender) reaches it
    guarded_upto = [False] * n
    for v in c.order:
        guarded_upto[v] = steps[v].rework is not None or any(guarded_upto[u] for u in c.preds[v])

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

    position = {v: i for i, v in enumerate(c.order)}
    draft = ctx.draft
    slow: dict[int, int] = {}  # step -> a producer whose direct transfer would be slower
    left: dict[int, str] = {}  # step -> why it keeps its order although it has habit edges

    def plan(v: int, extra: frozenset[int] = frozenset()) -> tuple[int, ...] | None:
        """The predecessors ``v`` really needs (plus ``extra``), or None to leave it be."""
        step = steps[v]
        if not step.needs or step.join == "any" or any(e.p is not None for e in step.after):
            return None
        required: set[int] = set(extra)
        for a in step.needs:
            required.update(near_prod.of(v, a))
        required |= {c.index[e.step] for e in step.after if e.hard}
        if track_appr and (step.kind in APPROVAL_KINDS or approval_after[v]):
            # inside the chain of initials: keep the edges the earlier approvals come through
            required |= {u for u in c.preds[v] if approval_upto[u]}
        if step.kind in APPROVAL_KINDS:
            required |= {u for u in c.preds[v] if guarded_upto[u]}
        if required != set(c.preds[v]):
            if not entry_of_its_blocks(v):
                left[v] = "it lies inside a revision loop (rework), which is left as it is"
                return None
            if any(cond[u] != cond[v] for u in required):
                left[v] = "what it needs comes from one branch of a choice"
                return None
            if any(not outside_blocks(u) for u in required):
                left[v] = "what it needs is made inside a revision loop (rework)"
                return None
        direct = set(c.preds[v])
        slower = [u for u in required if u not in direct and
                  finish[u] + mean_of(draft.default_delay(c.ids[u], step.id)) > start[v] + EPS]
        if slower:
            slow[v] = slower[0]
            return None
        return tuple(sorted(required, key=position.__getitem__))

    plans: dict[int, tuple[int, ...]] = {}
    on_behalf: dict[int, dict[int, int]] = {}  # rewired step -> producer it keeps -> consumer
    for v in c.order:
        planned = plan(v)
        if planned is not None and set(planned) != set(c.preds[v]):
            plans[v] = planned
    # A consumer left as it is still needs its producers through whatever lies between them;
    # a rewired step on such a route keeps waiting for those producers (or is left as it is).
    while True:
        lost = _lost_producers(c, near_prod, plans, position)
        for v, keep in lost.items():
            on_behalf.setdefault(v, {}).update(keep)
            planned = plan(v, frozenset(keep) | set(plans[v]))
            if planned is None or set(planned) == set(c.preds[v]):
                del plans[v]
            else:
                plans[v] = planned
        if not lost:
            break
    changes: list[Change] = []
    for v in c.order:
        if v in left and v not in plans:
            changes.append(ctx.change("skipped", (c.ids[v],),
                                      f"{steps[v].name!r} keeps its order: {left[v]}."))
        if v in slow and v not in plans:
            changes.append(ctx.change(
                "skipped", (c.ids[v],),
                f"{steps[v].name!r} keeps its order: receiving the file straight from "
                f"{steps[slow[v]].name!r} would take longer than the current route."))
    for v, planned in plans.items():
        direct = {c.index[e.step]: e for e in steps[v].after}
        draft.set_after(c.ids[v], tuple(direct[u] if u in direct else Predecessor(step=c.ids[u])
                                        for u in planned))

    # a step on a branch of a choice must not become a loose end: the process would then end
    # differently on that branch than the choice says; keep its edge to what came after it
    for u in c.order:
        uid = c.ids[u]
        if c.succs[u] and not draft.succs[uid] and cond[u] != ALWAYS:
            for w in c.succs[u]:
                edge = next(e for e in steps[w].after if e.step == uid)
                draft.set_after(c.ids[w], (*draft.steps[c.ids[w]].after, edge))

    reductions = _transitive_reduction(draft, ctx.order)
    for original in process.steps:
        sid = original.id
        new = draft.steps[sid]
        if new is original:
            continue  # never touched
        old = original.predecessors
        if set(old) == set(new.predecessors):
            draft.replace(original)  # the same edges, perhaps listed in another order
            continue
        dropped = [u for u in old if u not in new.predecessors]
        added = [u for u in new.predecessors if u not in old]
        changes.append(ctx.change(
            "reordered" if added else "edge_dropped", (sid,),
            _reason(draft, process, sid, dropped, added, reductions.get(sid, {}),
                    {c.ids[u]: c.ids[x] for u, x in on_behalf.get(c.index[sid], {}).items()
                     if c.ids[u] in added}),
            edges=tuple((u, sid) for u in dropped), added_edges=tuple((u, sid) for u in added),
            before=list(old), after=list(new.predecessors)))
    if not any(ch.kind != "skipped" for ch in changes):
        return process, changes
    return draft.build(), changes


def _lost_producers(c: Analysis, near_prod: Producers,
                    plans: dict[int, tuple[int, ...]], position: dict[int, int],
                    ) -> dict[int, dict[int, int]]:
    """Rewired steps that must keep waiting for producers on behalf of untouched consumers.

    A consumer that is not rewired reaches its producers through its old
    predecessors. For each of its producers no longer before it in the planned
    graph, walking back from it through untouched steps (they keep their edges),
    the first rewired steps on the routes from that producer must keep it.
    Returns, per such step, each producer it keeps -> the consumer it keeps it for.
    """
    planned = Ancestry(lambda v: plans.get(v, c.preds[v]), position, SEARCH_BUDGET)
    original = Ancestry(lambda v: c.preds[v], position, SEARCH_BUDGET)
    keep: dict[int, dict[int, int]] = {}
    for x, step in enumerate(c.steps):
        if not step.needs or x in plans:
            continue
        for p in {u for a in step.needs for u in near_prod.of(x, a)}:
            if planned.reaches(p, x):
                continue
            lo, stack, seen = position[p], [x], {x}
            while stack:
                for y in c.preds[stack.pop()]:
                    if y in seen or position[y] <= lo:
                        continue
                    seen.add(y)
                    if y not in plans:
                        stack.append(y)
                    elif original.reaches(p, y):
                        keep.setdefault(y, {}).setdefault(p, x)
    return keep


def _transitive_reduction(draft: Draft, topological: tuple[str, ...]
                          ) -> dict[str, dict[str, str]]:
    """Drop plain edges u -> v when v already follows u through another predecessor w.

    One backward search per step, from all its predecessors at once, over the
    steps between its earliest predecessor and itself (the original topological
    order stays valid: new edges only come from ancestors). A predecessor found
    there is an ancestor of another predecessor: its direct edge is redundant.
    Returns, per step, each dropped predecessor -> the predecessor it comes through.
    """
    order = [sid for sid in topological if sid in draft.steps]
    position = {sid: i for i, sid in enumerate(order)}
    steps = draft.steps
    dropped: dict[str, dict[str, str]] = {}
    for sid in order:
        step = steps[sid]
        if len(step.after) < 2 or step.join == "any":
            continue
        lo = min(position[e.step] for e in step.after)
        origin: dict[str, str] = {}  # strict ancestors of the predecessors -> through which
        stack = [(y.step, e.step) for e in step.after for y in steps[e.step].after
                 if position[y.step] >= lo]
        while stack and len(origin) < SEARCH_BUDGET:
            x, via = stack.pop()
            if x in origin:
                continue
            origin[x] = via
            stack.extend((y.step, via) for y in steps[x].after
                         if position[y.step] >= lo and y.step not in origin)
        redundant = {e.step for e in step.after if e.step in origin and e.p is None
                     and e.delay is None and not e.hard}
        if redundant:
            dropped[sid] = {u: origin[u] for u in redundant}
            draft.set_after(sid, tuple(e for e in step.after if e.step not in redundant))
    return dropped


def _reason(draft: Draft, process: Process, sid: str, dropped: list[str], added: list[str],
            via: dict[str, str], kept_for: dict[str, str]) -> str:
    """Why ``sid``'s predecessors changed; ``kept_for``: added producer -> the consumer after
    ``sid``, left as it is, that needs it."""
    name = draft.steps[sid].name

    def names(ids: list[str]) -> str:
        quoted = [repr(process.step(i).name) for i in ids]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]

    step = draft.steps[sid]
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
