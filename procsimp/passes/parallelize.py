"""``parallelize``: drop waiting that no real dependency requires.

A step that declares ``needs`` depends on the nearest earlier producer of
each artifact it needs, and on its ``hard`` edges; its other incoming edges
are habit (a review queued behind another review it does not use). This
pass replaces them with edges from those producers and then keeps only the
transitive reduction of the order, so independent reviews run at the same
time. By default the order among approvals and signatures is kept too (a
chain of initials is a legal order); ``circulate_approvals: true`` lets
approvals that need nothing from each other circulate at once.

What it leaves alone: steps that declare no ``needs`` (their dependencies are
unknown, so all are kept), alternatives (edges with ``p``) and the steps that
merge them, steps inside rework blocks, and any step whose producers sit on
another branch of a choice or inside a rework block. Edges with their own
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

from procsimp.durations import mean_of
from procsimp.metrics import schedule
from procsimp.model import APPROVAL_KINDS, Predecessor, Process
from procsimp.passes._edit import Ancestry, Draft, nearest_producers
from procsimp.passes.base import Change, PassOptions, register_pass

#: Steps a reachability check may visit before it gives up and keeps the edge.
SEARCH_BUDGET = 100_000
EPS = 1e-9


class ParallelizeOptions(PassOptions):
    """Options of :func:`parallelize`."""

    circulate_approvals: bool = False
    """Let approvals and signatures that need nothing from each other run at once."""


@register_pass("parallelize", options=ParallelizeOptions)
def parallelize(process: Process, options: ParallelizeOptions) -> tuple[Process, list[Change]]:
    """Replace habitual precedence by the real dependencies (needs/produces), in parallel."""
    c = process.compiled
    n = c.n
    steps = c.steps
    cond = c.choices.node_cond
    start, finish = schedule(c)

    needed = {a for s in steps for a in s.needs}
    near_prod = nearest_producers(c, needed)
    # nearest earlier approvals (the chain of initials)
    track_appr = not options.circulate_approvals
    near_appr: list[frozenset[int]] = [frozenset()] * n
    if track_appr:
        for v in c.order:
            apprs: set[int] = set()
            for u in c.preds[v]:
                apprs |= {u} if steps[u].kind in APPROVAL_KINDS else near_appr[u]
            near_appr[v] = frozenset(apprs)

    def outside_blocks(u: int) -> bool:
        b = c.innermost_block[u]
        return b is None or (c.blocks[b].exit == u and c.blocks[b].parent is None)

    position = {v: i for i, v in enumerate(c.order)}
    draft = Draft(process)
    changes: list[Change] = []
    for v in c.order:
        step = steps[v]
        if (not step.needs or step.join == "any" or c.innermost_block[v] is not None
                or any(e.p is not None for e in step.after)):
            continue
        required: set[int] = set()
        for a in step.needs:
            required |= near_prod[v].get(a, frozenset())
        required |= {c.index[e.step] for e in step.after if e.hard}
        if track_appr and step.kind in APPROVAL_KINDS:
            required |= near_appr[v]
        if any(cond[u] != cond[v] or not outside_blocks(u) for u in required):
            continue  # a producer on another branch or inside a rework loop: leave it be
        direct = {c.index[e.step]: e for e in step.after}
        if set(direct) == required:
            continue
        slower = [u for u in required if u not in direct and
                  finish[u] + mean_of(draft.default_delay(c.ids[u], step.id)) > start[v] + EPS]
        if slower:
            changes.append(Change(
                pass_name="parallelize", kind="skipped", steps=(step.id,),
                reason=f"{step.name!r} keeps its order: receiving the file straight from "
                       f"{steps[slower[0]].name!r} would take longer than the current route."))
            continue
        new_after = tuple(direct[u] if u in direct else Predecessor(step=c.ids[u])
                          for u in sorted(required, key=position.__getitem__))
        draft.set_after(step.id, new_after)

    reductions = _transitive_reduction(draft, process)
    before_preds = {s.id: s.predecessors for s in process.steps}
    for sid, new in draft.steps.items():
        old = before_preds[sid]
        if old == new.predecessors:
            continue
        dropped = [u for u in old if u not in new.predecessors]
        added = [u for u in new.predecessors if u not in old]
        changes.append(Change(
            pass_name="parallelize", kind="reordered" if added else "edge_dropped",
            steps=(sid,), edges=tuple((u, sid) for u in dropped),
            added_edges=tuple((u, sid) for u in added), before=list(old),
            after=list(new.predecessors),
            reason=_reason(draft, process, sid, dropped, added, reductions.get(sid, {}))))
    if not any(ch.kind != "skipped" for ch in changes):
        return process, changes
    return draft.build(), changes


def _transitive_reduction(draft: Draft, process: Process) -> dict[str, dict[str, str]]:
    """Drop plain edges u -> v when v already follows u through another predecessor w.

    Returns, per step, the dropped predecessor -> the predecessor it comes through.
    """
    order = [sid for sid in (process.compiled.ids[v] for v in process.compiled.order)
             if sid in draft.steps]
    ancestry = Ancestry(lambda s: [e.step for e in draft.steps[s].after], order, SEARCH_BUDGET)
    dropped: dict[str, dict[str, str]] = {}
    for sid in order:
        step = draft.steps[sid]
        if len(step.after) < 2 or step.join == "any":
            continue
        keep = []
        for e in step.after:
            via = None
            if e.p is None and e.delay is None and not e.hard:
                via = next((w.step for w in step.after
                            if w.step != e.step and ancestry.reaches(e.step, w.step)), None)
            if via is None:
                keep.append(e)
            else:
                dropped.setdefault(sid, {})[e.step] = via
        if len(keep) < len(step.after):
            draft.set_after(sid, tuple(keep))
    return dropped


def _reason(draft: Draft, process: Process, sid: str, dropped: list[str], added: list[str],
            via: dict[str, str]) -> str:
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
    if added:
        text += f"{';' if dropped else ''} receives the file from {names(added)} directly"
    return text + f": it needs only {needs} from earlier steps."
