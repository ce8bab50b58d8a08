"""``eliminate_duplicates``: a second check of the same thing by the same office goes.

Two steps are the same check when they have

- the same kind (``review`` or ``approval``; signatures are never duplicates),
- the same office: the same role (default), or with ``by: level`` any role
  at the same hierarchy level,
- the same subject: the same non-empty ``needs``, each resolved to the same
  nearest producer, so both see the same version of every document (a check
  after the document was revised is not a duplicate),

and the first always runs when the second does (no choice between them) and
comes before it. The later check is removed, its predecessors wired to its
successors. Steps without ``needs`` are never duplicates: with no subject
declared, procsimp cannot tell what they check.

Reijers & Limam Mansar (2005) heuristic: *task elimination* (remove
unnecessary tasks, such as repeated controls).

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "apply", "role": "c", "duration": 1, "produces": ["form"]},
...               {"id": "check", "role": "c", "kind": "review", "duration": 2, "after": ["apply"],
...                "needs": ["form"]},
...               {"id": "recheck", "role": "c", "kind": "review", "duration": 2,
...                "after": ["check"], "needs": ["form"]}]})
>>> q, changes = ps.run_pass(p, "eliminate_duplicates")
>>> [s.id for s in q.steps]
['apply', 'check']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from procsimp.analysis import ALWAYS, Ancestry, producers_near
from procsimp.model import Process
from procsimp.passes.base import Change, PassOptions

if TYPE_CHECKING:
    from procsimp.passes.context import PassContext

CHECK_KINDS = ("review", "approval")


class EliminateDuplicatesOptions(PassOptions):
    """Options of :func:`eliminate_duplicates`."""

    by: Literal["role", "level"] = "role"
    """What counts as the same office: the same role, or any role at the same level."""


def eliminate_duplicates(ctx: PassContext,
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


__all__ = ["EliminateDuplicatesOptions", "eliminate_duplicates"]
