"""``merge_sequential``: consecutive steps of one post become one step (task composition).

A chain of steps done one after another by the same role, with no other
edge entering or leaving the chain in between, becomes a single step: the
durations, work and costs add up and the handoffs inside the chain vanish.
With ``same_level: true``, consecutive steps by different roles at the same
hierarchy level are merged too (the first step's role performs the merged
step).

Reijers & Limam Mansar (2005) heuristic: *task composition* (combine small
tasks into composite tasks) and fewer *handoffs*.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"],
...     "roles": [{"id": "clerk", "level": "staff"}],
...     "steps": [{"id": "a", "role": "clerk", "duration": 1},
...               {"id": "b", "role": "clerk", "duration": 2, "after": ["a"]}]})
>>> q, changes = ps.run_pass(p, "merge_sequential")
>>> [(s.id, s.name, s.duration) for s in q.steps]
[('a', 'a + b', 3.0)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from procsimp.durations import mean_of
from procsimp.model import Process
from procsimp.passes.base import Change, PassOptions

if TYPE_CHECKING:
    from procsimp.passes.context import PassContext


class MergeSequentialOptions(PassOptions):
    """Options of :func:`merge_sequential`."""

    same_level: bool = False
    """Also merge consecutive steps of different roles at the same level."""


def merge_sequential(ctx: PassContext,
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


__all__ = ["MergeSequentialOptions", "merge_sequential"]
