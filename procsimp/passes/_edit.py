"""A working copy of a process that passes edit, and the rewrites several passes share.

:class:`Draft` holds the steps by id with successor lists, so removing a
step, bypassing it or merging a chain costs time proportional to the edges
touched, not to the process. ``build()`` returns a new :class:`Process`
without validating it again: passes keep it valid by construction (and the
property tests check that they do).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from procsimp.analysis import edge_delay, handoff_between
from procsimp.durations import add, mean_of
from procsimp.model import Predecessor

if TYPE_CHECKING:
    from procsimp.durations import Duration
    from procsimp.model import Process, Step

#: Which kind a merged step takes: the weightiest of the steps merged.
KIND_WEIGHT = {"handoff": 0, "task": 1, "review": 2, "approval": 3, "signature": 4}


class Draft:
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
