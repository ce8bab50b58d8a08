"""The pass implementations as they were before issue 18's speed work, kept verbatim.

A straightforward reference for tests/test_pass_speed_reference.py: the optimised passes
must return the same process and the same Changes as these. The working copy
(:class:`ReferenceDraft`) and the context (:class:`ReferenceContext`) are copied too, so
later edits to ``procsimp.passes._edit`` or ``procsimp.passes.context`` cannot change what
the reference does. Only names are changed (``Reference...`` classes); the code is the code
of commit 72e6152.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from functools import cached_property
from typing import TYPE_CHECKING, Any

from procsimp.analysis import (
    ALWAYS,
    Ancestry,
    edge_delay,
    handoff_between,
    producers_near,
    send_back_delay,
)
from procsimp.durations import Duration, add, mean_of, scaled
from procsimp.model import APPROVAL_KINDS, Predecessor, Process
from procsimp.passes.base import Change, ChangeKind, amount
from procsimp.passes.digitize import DigitizeOptions
from procsimp.passes.eliminate_duplicates import CHECK_KINDS, EliminateDuplicatesOptions
from procsimp.passes.merge_sequential import MergeSequentialOptions
from procsimp.passes.parallelize import ParallelizeOptions

if TYPE_CHECKING:
    from procsimp.analysis import Analysis, Producers
    from procsimp.model import Step

#: Which kind a merged step takes: the weightiest of the steps merged.
KIND_WEIGHT = {"handoff": 0, "task": 1, "review": 2, "approval": 3, "signature": 4}
#: Steps one redundancy search may visit before it stops (keeping the edges it did not reach).
SEARCH_BUDGET = 100_000
EPS = 1e-9


class ReferenceDraft:
    """Mutable steps of a process, edited by a pass, then built into a new process."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.steps: dict[str, Step] = {s.id: s for s in process.steps}
        # Successor rows are tuples, replaced when they change: tuples of strings are not
        # tracked by the garbage collector, lists (one per step) would be, for the whole pass.
        analysis = process.analysis
        ids = analysis.ids
        self.succs: dict[str, tuple[str, ...]] = {
            sid: tuple([ids[w] for w in row]) for sid, row in zip(ids, analysis.succs,
                                                                  strict=True)}
        self.roles = {r.id: r for r in process.roles}
        self.levels = {lv.id: lv for lv in process.levels}

    # --- reading ----------------------------------------------------------------------
    def level_of(self, step: Step) -> str:
        return self.roles[step.role].level

    def edge(self, u: str, v: str) -> Predecessor | None:
        return next((e for e in self.steps[v].after if e.step == u), None)

    def out_edge(self, u: str, v: str) -> Predecessor:
        """The edge ``u -> v`` of a successor ``v`` of ``u`` (it exists)."""
        edge = self.edge(u, v)
        assert edge is not None, f"{v} does not follow {u}"
        return edge

    def default_delay(self, u: str, v: str) -> Duration:
        """The handoff delay an edge u -> v would carry without its own ``delay``."""
        return handoff_between(self.process, self.steps[u].role, self.steps[v].role)

    def delay(self, edge: Predecessor, v: str) -> Duration:
        """The transfer delay on the edge ``edge`` into ``v``."""
        return edge_delay(self.process, self.steps[edge.step], self.steps[v], edge)

    def lock_reason(self, step: Step) -> str | None:
        """Why no pass may remove, merge or reassign this step, or None."""
        role = self.roles[step.role]
        level = self.levels.get(role.level)
        if step.locked:
            return f"step {step.name!r} is locked (a legal requirement)"
        if role.locked:
            return f"the post {role.name or role.id!r} is locked (exempt from simplification)"
        if level is not None and level.locked:
            return f"level {level.name or level.id!r} is locked (exempt from simplification)"
        return None

    # --- editing ----------------------------------------------------------------------
    def replace(self, step: Step) -> None:
        """Put an edited step (same id) in place, keeping successor lists in sync."""
        old = self.steps[step.id]
        if old.after != step.after:
            for e in old.after:
                self._unlink(e.step, step.id)
            for e in step.after:
                self.succs[e.step] += (step.id,)
        self.steps[step.id] = step

    def _unlink(self, u: str, v: str) -> None:
        """Remove ``v`` from the successors of ``u`` (its first occurrence)."""
        row = self.succs[u]
        i = row.index(v)
        self.succs[u] = row[:i] + row[i + 1:]

    def set_after(self, v: str, after: tuple[Predecessor, ...]) -> None:
        self.replace(self.steps[v].model_copy(update={"after": after}))

    def delete(self, x: str) -> None:
        """Drop a step that no longer has successors."""
        assert not self.succs[x], f"{x} still has successors"
        for e in self.steps[x].after:
            self._unlink(e.step, x)
        del self.steps[x]
        del self.succs[x]

    def build(self, **update: Any) -> Process:
        """The edited process (not validated again: passes keep it valid)."""
        return self.process.model_copy(update={"steps": tuple(self.steps.values()), **update})

    # --- shared rewrites --------------------------------------------------------------
    def bypass_blocker(self, x: str, needed: AbstractSet[str],
                       rework_targets: AbstractSet[str]) -> str | None:
        """Why step ``x`` cannot be taken out of the flow without breaking it, or None."""
        step = self.steps[x]
        if any(e.p is not None for w in self.succs[x] for e in self.steps[w].after
               if e.step == x):
            return "it decides between alternatives"
        if step.rework is not None:
            return "it sends files back for revision"
        if x in rework_targets:
            return "files are sent back to it for revision"
        if step.join == "any" and len(step.after) > 1:
            return "it merges alternatives"
        used = {a for a in step.produces if a in needed}
        if used:
            return f"its output {sorted(used)[0]!r} is needed later"
        incoming_p = any(e.p is not None for e in step.after)
        if incoming_p and len(self.succs[x]) != 1:
            return "it lies on an alternative branch that splits after it"
        for w in self.succs[x]:
            succ = self.steps[w]
            if succ.join == "any" and len(step.after) > 1:
                return "the step after it merges alternatives"
            for e in step.after:
                existing = self.edge(e.step, w)
                if existing is not None and (existing.p is not None or e.p is not None):
                    return "it sits on an alternative branch"
        return None

    def bypass(self, x: str) -> list[tuple[str, str]]:
        """Remove step ``x``, wiring each predecessor to each successor; the new edges.

        A new edge inherits the branch probability of the edge into ``x`` and is
        hard if either edge was. Its transfer delay is the usual handoff delay,
        unless that would take longer on average than the old route through ``x``
        (then it keeps the delay of the edge into ``x``), so a bypass never
        makes a case slower.
        """
        step = self.steps[x]
        added = []
        for w in list(self.succs[x]):
            out = self.out_edge(x, w)
            route = mean_of(step.duration) + mean_of(self.delay(out, w))
            new_after: list[Predecessor] = []
            for e in self.steps[w].after:
                if e.step != x:
                    new_after.append(e)
                    continue
                for e_in in step.after:
                    u = e_in.step
                    if u == w or any(f.step == u for f in self.steps[w].after) or \
                            any(f.step == u for f in new_after):
                        continue
                    via = self.delay(e_in, x)
                    direct = self.default_delay(u, w)
                    delay = None if mean_of(direct) <= mean_of(via) + route else via
                    new_after.append(Predecessor(step=u, p=e_in.p, delay=delay,
                                                 hard=e_in.hard or out.hard))
                    added.append((u, w))
            self.set_after(w, tuple(new_after))
        self.delete(x)
        return added

    def chains(self, order: Sequence[str], joinable: Callable[[str, str], bool]) -> list[list[str]]:
        """Maximal chains ``a -> b -> ...`` where each link is the only edge out of ``a`` and
        into ``b`` and ``joinable(a, b)`` holds; single steps are not returned."""
        found: list[list[str]] = []
        seen: set[str] = set()

        def link(u: str) -> str | None:
            succ = self.succs[u]
            if len(succ) != 1:
                return None
            w = succ[0]
            after = self.steps[w].after
            ok = len(after) == 1 and after[0].p is None and joinable(u, w)
            return w if ok else None

        for head in order:
            if head in seen:
                continue
            after = self.steps[head].after
            if len(after) == 1 and link(after[0].step) == head:
                continue  # reached from its predecessor's chain
            chain = [head]
            nxt = link(head)
            while nxt is not None:
                chain.append(nxt)
                nxt = link(nxt)
            seen.update(chain)
            if len(chain) > 1:
                found.append(chain)
        return found

    def merge_chain(self, chain: list[str], name_sep: str = " + ") -> Step:
        """Merge consecutive steps ``chain`` (each the only successor of the one before).

        The merged step keeps the first id; durations, work and costs add up;
        the handoff delays inside the chain vanish. It needs what the steps need
        from before the chain. When the first step declares no ``needs`` (its
        dependencies are unknown, so each of its edges is required) but the merged
        step declares some, its edges are marked hard: merging must not make them
        habit that ``parallelize`` could drop.
        """
        parts = [self.steps[s] for s in chain]
        first, last = parts[0], parts[-1]
        produced: set[str] = set()
        needs: list[str] = []
        for s in parts:
            needs += [a for a in s.needs if a not in produced and a not in needs]
            produced.update(s.produces)
        after = first.after
        if needs and not first.needs:
            after = tuple(e if e.hard else e.model_copy(update={"hard": True}) for e in after)
        work = None
        if any(s.work is not None for s in parts):
            work = add(*[s.work if s.work is not None else s.duration for s in parts])
        merged = first.model_copy(update={
            "name": name_sep.join(s.name for s in parts),
            "kind": max((s.kind for s in parts), key=KIND_WEIGHT.__getitem__),
            "duration": add(*[s.duration for s in parts]),
            "work": work,
            "cost": sum(s.cost for s in parts),
            "needs": tuple(needs),
            "after": after,
            "produces": tuple(dict.fromkeys(a for s in parts for a in s.produces)),
            "rework": None,
            "applicant_facing": any(s.applicant_facing for s in parts),
            "digitizable": all(s.digitizable for s in parts),
        })
        for w in list(self.succs[last.id]):
            after = tuple(e.model_copy(update={"step": first.id}) if e.step == last.id else e
                          for e in self.steps[w].after)
            self.set_after(w, after)
        for sid in reversed(chain[1:]):
            self.delete(sid)
        self.replace(merged)
        return merged


class ReferenceContext:
    """One run of one pass: the process it receives and what passes need to know about it."""

    def __init__(self, process: Process, name: str) -> None:
        self.process = process
        """The process the pass receives (never to be modified)."""
        self.name = name
        """The name the pass runs under, stamped on its Changes."""

    @property
    def analysis(self) -> Analysis:
        """The process's frozen :class:`~procsimp.analysis.Analysis`."""
        return self.process.analysis

    @cached_property
    def draft(self) -> ReferenceDraft:
        """A working copy of the process to edit (built on first use, one per run)."""
        return ReferenceDraft(self.process)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Step ids in topological order (file order breaks ties)."""
        return self.analysis.order_ids()

    @cached_property
    def needed(self) -> frozenset[str]:
        """Artifacts some step of the process needs."""
        return frozenset(a for s in self.process.steps for a in s.needs)

    @cached_property
    def rework_targets(self) -> frozenset[str]:
        """Ids of the steps files are sent back to (a rework's ``to``)."""
        return frozenset(s.rework.to for s in self.process.steps if s.rework is not None)

    def change(self, kind: ChangeKind, steps: tuple[str, ...], reason: str,
               **values: Any) -> Change:
        """A :class:`Change` made by this pass (``values``: ``edges``, ``before``, ...)."""
        return Change(pass_name=self.name, kind=kind, steps=steps, reason=reason, **values)


def eliminate_duplicates(ctx: ReferenceContext,
                         options: EliminateDuplicatesOptions) -> tuple[Process, list[Change]]:
    """Remove a repeated check of the same subject by the same office."""
    process, c = ctx.process, ctx.analysis
    steps = c.steps
    roles = {r.id: r for r in process.roles}
    cond = c.choices.node_cond

    def office(v: int) -> str:
        role = steps[v].role
        return role if options.by == "role" else roles[role].level

    # same kind, office and artifacts first; which version of them each saw only then
    # (a group is its first step until a second one joins it: no list for a step alone)
    rough: dict[tuple[object, ...], int | list[int]] = {}
    for v in c.order:
        s = steps[v]
        if s.kind in CHECK_KINDS and s.needs:
            key = (s.kind, office(v), tuple(sorted(set(s.needs))))
            group = rough.setdefault(key, v)
            if isinstance(group, list):
                group.append(v)
            elif group != v:
                rough[key] = [group, v]
    rough_groups = [g for g in rough.values() if isinstance(g, list)]
    if not rough_groups:
        return process, []
    near = producers_near(c, {a for g in rough_groups for v in g for a in steps[v].needs})
    groups: dict[tuple[object, ...], list[int]] = {}
    for g in rough_groups:
        for v in g:
            subject = tuple(sorted((a, tuple(sorted(near.of(v, a)))) for a in steps[v].needs))
            groups.setdefault((steps[v].kind, office(v), subject), []).append(v)
    candidates = [g for g in groups.values() if len(g) > 1]
    if not candidates:
        return process, []

    ancestry = Ancestry(lambda v: c.preds[v], {v: i for i, v in enumerate(c.order)})
    removed: set[int] = set()
    changes: list[Change] = []
    for group in candidates:
        for i, v in enumerate(group[1:], start=1):
            first = next((u for u in group[:i] if u not in removed
                          and (cond[u] == cond[v] or cond[u] == ALWAYS)
                          and ancestry.reaches(u, v)), None)
            if first is None:
                continue
            draft = ctx.draft  # built on the first duplicate found
            sid, step, earlier = c.ids[v], steps[v], steps[first]
            what = f"{step.name!r} repeats {earlier.name!r} (same {step.kind} of " \
                   f"{', '.join(repr(a) for a in step.needs)} by the same office)"
            blocked = draft.lock_reason(step) or draft.bypass_blocker(sid, ctx.needed,
                                                                      ctx.rework_targets)
            if blocked is not None:
                changes.append(ctx.change("skipped", (sid,), f"{what} but is kept: {blocked}."))
                continue
            preds = [e.step for e in draft.steps[sid].after]
            succs = list(draft.succs[sid])
            added = draft.bypass(sid)
            removed.add(v)
            changes.append(ctx.change(
                "removed", (sid,),
                f"{what}, with nothing changed in between: the second check is removed.",
                edges=tuple((u, sid) for u in preds) + tuple((sid, w) for w in succs),
                added_edges=tuple(added), before=c.ids[first]))
    if not removed:
        return process, changes
    return ctx.draft.build(), changes


def merge_sequential(ctx: ReferenceContext,
                     options: MergeSequentialOptions) -> tuple[Process, list[Change]]:
    """Merge chains of consecutive steps by the same role (or level) into one step."""
    process, draft = ctx.process, ctx.draft
    changes: list[Change] = []
    rework_targets = ctx.rework_targets

    def joinable(u: str, v: str) -> bool:
        a, b = draft.steps[u], draft.steps[v]
        if a.rework is not None or b.rework is not None or v in rework_targets:
            return False
        if a.role == b.role:
            return True
        return options.same_level and draft.level_of(a) == draft.level_of(b)

    chains: list[list[str]] = []
    for chain in draft.chains(ctx.order, joinable):
        # locked steps stay on their own: split the chain around them
        run: list[str] = []
        for sid in chain:
            lock = draft.lock_reason(draft.steps[sid])
            if lock is None:
                run.append(sid)
                continue
            changes.append(ctx.change("skipped", (sid,), f"{draft.steps[sid].name!r} not merged "
                                                         f"with its neighbours: {lock}."))
            if len(run) > 1:
                chains.append(run)
            run = []
        if len(run) > 1:
            chains.append(run)

    for chain in chains:
        names = [draft.steps[s].name for s in chain]
        last = chain[-1]
        out_delays = {w: draft.delay(draft.out_edge(last, w), w) for w in draft.succs[last]}
        merged = draft.merge_chain(chain)
        # a merged step of another role must not make the next handoff slower
        for w, before in out_delays.items():
            edge = draft.edge(merged.id, w)
            assert edge is not None
            if mean_of(draft.delay(edge, w)) > mean_of(before):
                draft.set_after(w, tuple(e.model_copy(update={"delay": before})
                                         if e.step == merged.id else e
                                         for e in draft.steps[w].after))
        roles = {draft.process.step(s).role for s in chain}
        who = draft.roles[merged.role]
        reason = (f"{_list(names)} by {who.name or who.id} merged into one step: the file no "
                  f"longer waits between them.")
        if len(roles) > 1:
            reason = (f"{_list(names)} (same level) merged into one step performed by "
                      f"{who.name or who.id}: the file no longer changes hands between them.")
        changes.append(ctx.change("merged", tuple(chain), reason, before=names, after=merged.id))
    if not chains:
        return process, changes
    return draft.build(), changes


def _list(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def parallelize(ctx: ReferenceContext, options: ParallelizeOptions) -> tuple[Process, list[Change]]:
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


def _transitive_reduction(draft: ReferenceDraft, topological: tuple[str, ...]
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


def _reason(draft: ReferenceDraft, process: Process, sid: str, dropped: list[str], added: list[str],
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


def digitize(ctx: ReferenceContext, options: DigitizeOptions) -> tuple[Process, list[Change]]:
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
REFERENCE_PASSES: dict[str, Callable[[ReferenceContext, Any], tuple[Process, list[Change]]]] = {
    "eliminate_duplicates": eliminate_duplicates,
    "merge_sequential": merge_sequential,
    "parallelize": parallelize,
    "digitize": digitize,
}
