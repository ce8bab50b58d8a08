"""``parallelize`` and ``digitize`` as they were before issue 18's speed work, kept verbatim.

A straightforward reference for tests/test_pass_speed_reference.py: the optimised passes
must return the same process and the same Changes as these. They edit the process the way
they did then, through the project's working copy (``procsimp.passes._edit.Draft``, which
the speed work left as it was) and its ``PassContext``. The code is that of commit 72e6152,
with the reasons' number formatting (``amount``) of the fix that came after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from procsimp.analysis import (
    ALWAYS,
    Ancestry,
    producers_near,
    send_back_delay,
)
from procsimp.durations import Duration, mean_of, scaled
from procsimp.model import APPROVAL_KINDS, Predecessor, Process
from procsimp.passes.base import Change, amount
from procsimp.passes.digitize import DigitizeOptions
from procsimp.passes.parallelize import ParallelizeOptions

if TYPE_CHECKING:
    from procsimp.analysis import Analysis, Producers
    from procsimp.passes._edit import Draft
    from procsimp.passes.context import PassContext

#: Steps one redundancy search may visit before it stops (keeping the edges it did not reach).
SEARCH_BUDGET = 100_000
EPS = 1e-9


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


def digitize(ctx: PassContext, options: DigitizeOptions) -> tuple[Process, list[Change]]:
    """Make paper handoffs electronic and speed up digitizable steps."""
    process, draft = ctx.process, ctx.draft
    scope = set(options.roles) if options.roles is not None else None
    outside = {r.id for r in process.roles if r.external and (scope is None or r.id not in scope)}
    target = mean_of(options.delay)
    unit = process.time_unit
    changes: list[Change] = []

    def faster(d: Duration | None) -> bool:
        return d is not None and mean_of(d) > target

    def touches(*role_ids: str) -> bool:
        """Within the reform: a role in scope, and no post of another organisation."""
        return (scope is None or any(r in scope for r in role_ids)) and \
            not any(r in outside for r in role_ids)

    # without a scope the handoff delay itself is cut; defaults it must not reach are pinned
    cut_default = scope is None and faster(process.handoff_delay)
    handoff_delay = options.delay if cut_default else process.handoff_delay
    old_handoff = mean_of(process.handoff_delay)
    if cut_default:
        changes.append(ctx.change("retimed", (),
                                  f"Paper transfers between desks become electronic: the "
                                  f"handoff delay goes from {amount(old_handoff)} to "
                                  f"{amount(target)} "
                                  f"{unit}s (send-backs without their own delay included; "
                                  f"revision times stay).",
                                  before=old_handoff, after=target))
    kept_outside: set[str] = set()
    for step in tuple(draft.steps.values()):  # a snapshot: the loop replaces steps
        sid = step.id
        update: dict[str, object] = {}
        after = []
        sped_up: dict[str, float] = {}
        pinned = False
        for e in step.after:
            pred_role = draft.steps[e.step].role
            default_between = e.delay is None and pred_role != step.role
            if touches(pred_role, step.role):
                # with a scope, default delays between roles in scope are cut per edge
                if faster(e.delay) or (scope is not None and default_between
                                       and faster(process.handoff_delay)):
                    sped_up[e.step] = mean_of(draft.delay(e, sid))
                    after.append(e.model_copy(update={"delay": options.delay}))
                    continue
            elif cut_default and default_between:
                after.append(e.model_copy(update={"delay": process.handoff_delay}))
                pinned = True
                kept_outside.update(x for x in (e.step, sid) if draft.steps[x].role in outside)
                continue
            after.append(e)
        if sped_up or pinned:
            update["after"] = tuple(after)
        rework = step.rework
        sent_back: float | None = None
        if rework is not None:
            back_role = draft.steps[rework.to].role
            current = send_back_delay(process, step, draft.steps[rework.to])
            default_back = rework.delay is None and back_role != step.role
            if touches(step.role, back_role):
                if faster(current) and (rework.delay is not None or scope is not None):
                    update["rework"] = rework.model_copy(update={"delay": options.delay})
                    sent_back = mean_of(current)
            elif cut_default and default_back:
                update["rework"] = rework.model_copy(update={"delay": process.handoff_delay})
                pinned = True
                kept_outside.update(x for x in (rework.to, sid) if draft.steps[x].role in outside)
        if step.digitizable and options.duration_factor < 1 and step.role in outside:
            kept_outside.add(sid)
        if step.digitizable and touches(step.role) and options.duration_factor < 1:
            update["digitizable"] = False
            new_duration = scaled(step.duration, options.duration_factor)
            update["duration"] = new_duration
            if step.work is not None:
                update["work"] = scaled(step.work, options.duration_factor)
            changes.append(ctx.change(
                "retimed", (sid,),
                f"{step.name!r} is done electronically: its duration goes from "
                f"{mean_of(step.duration):.2f} to {mean_of(new_duration):.2f} {unit}s.",
                before=mean_of(step.duration), after=mean_of(new_duration)))
        if sped_up:
            names = ", ".join(f"{draft.steps[u].name!r} ({amount(d)} {unit}s)"
                              for u, d in sped_up.items())
            changes.append(ctx.change(
                "retimed", (sid,),
                f"{step.name!r} receives the file electronically from {names}: the "
                f"transfer takes {amount(target)} {unit}s.",
                edges=tuple((u, sid) for u in sped_up), before=dict(sped_up),
                after=dict.fromkeys(sped_up, target)))
        if sent_back is not None:
            assert rework is not None
            revision = mean_of(rework.revision)
            changes.append(ctx.change(
                "retimed", (sid,),
                f"{step.name!r} sends its send-backs to "
                f"{draft.steps[rework.to].name!r} electronically: the way back goes "
                f"from {amount(sent_back)} to {amount(target)} {unit}s"
                + (f"; the revision ({amount(revision)} {unit}s) stays." if revision else "."),
                before=sent_back, after=target))
        if update:
            draft.replace(step.model_copy(update=update))
    if kept_outside:
        posts = sorted({f"{r.name or r.id} ({r.organisation})" for r in process.roles
                        if r.id in outside})
        changes.append(ctx.change(
            "skipped", tuple(s for s in draft.steps if s in kept_outside),
            f"Steps of and transfers to and from {', '.join(posts)} stay as they are: "
            f"another organisation is not part of this reform (name its post in the "
            f"option roles to include it)."))
    if not any(c.kind != "skipped" for c in changes):
        return process, changes
    return draft.build(handoff_delay=handoff_delay), changes


#: The reference of each pass, by name.
REFERENCE_PASSES: dict[str, Callable[[PassContext, Any], tuple[Process, list[Change]]]] = {
    "parallelize": parallelize,
    "digitize": digitize,
}
