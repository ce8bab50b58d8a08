"""``single_window``: every applicant contact at one front office (Indonesia's PTSP).

Steps flagged ``applicant_facing`` (submitting, paying, collecting, answering
queries) move to one front-office role, and consecutive contacts merge into
one visit. The window is the role named by the option ``role``, or a role
``single_window`` at the lowest level, created if missing.

A contact stays where it is when moving it would add a handoff that makes
the file slower (its neighbour was done by the same person and would now be
across a desk), or when it is locked; both are recorded.

Reijers & Limam Mansar (2005) heuristic: *case manager* / *contact reduction*
(fewer contacts with the applicant, one point of contact).

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"handoff_delay": 1, "levels": ["staff"],
...     "roles": [{"id": "cashier", "level": "staff"}, {"id": "desk", "level": "staff"}],
...     "steps": [{"id": "submit", "role": "desk", "duration": 1, "applicant_facing": True},
...               {"id": "pay", "role": "cashier", "duration": 1, "after": ["submit"],
...                "applicant_facing": True}]})
>>> q, changes = ps.run_pass(p, "single_window")
>>> [(s.id, s.role) for s in q.steps], ps.measure(q).lead_time
([('submit', 'single_window')], 2.0)
"""

from __future__ import annotations

from procsimp.durations import mean_of
from procsimp.model import Process, Role
from procsimp.passes._edit import Draft
from procsimp.passes.base import Change, PassOptions, RoleId, register_pass

WINDOW_ID = "single_window"
WINDOW_NAME = "One-stop service window (PTSP)"


class SingleWindowOptions(PassOptions):
    """Options of :func:`single_window`."""

    role: RoleId | None = None
    """The front-office role (default: ``single_window`` at the lowest level, created)."""


@register_pass("single_window", options=SingleWindowOptions)
def single_window(process: Process,
                  options: SingleWindowOptions) -> tuple[Process, list[Change]]:
    """Move every applicant contact to one front-office window and merge consecutive ones."""
    facing = [s for s in process.steps if s.applicant_facing]
    if not facing or not process.levels:
        return process, []
    draft = Draft(process)
    new_roles = tuple(process.roles)
    if options.role is not None:
        window = draft.roles[options.role]
    elif WINDOW_ID in draft.roles:
        window = draft.roles[WINDOW_ID]
    else:
        window = Role(id=WINDOW_ID, name=WINDOW_NAME, level=process.levels[-1].id)
        new_roles = (*new_roles, window)
        draft.roles[WINDOW_ID] = window
    label = window.name or window.id
    changes: list[Change] = []
    sent_back_to: dict[str, list[str]] = {}
    for s in process.steps:
        if s.rework is not None:
            sent_back_to.setdefault(s.rework.to, []).append(s.id)

    hd = mean_of(process.handoff_delay)

    def slower_if_moved(sid: str, moving: set[str]) -> str | None:
        """A neighbour staying behind whose transfer would get slower at the window."""
        if hd <= 0:
            return None
        step = draft.steps[sid]
        neighbours = [e.step for e in step.after if e.delay is None]
        neighbours += [w for w in draft.succs[sid] if draft.edge(sid, w).delay is None]  # type: ignore[union-attr]
        if step.rework is not None and step.rework.delay is None:
            neighbours.append(step.rework.to)
        neighbours += [o for o in sent_back_to.get(sid, ())
                       if draft.steps[o].rework.delay is None]  # type: ignore[union-attr]
        return next((n for n in neighbours if n not in moving and n != sid
                     and draft.steps[n].role == step.role != window.id), None)

    # neighbours that are contacts too will move with it, so decide for all at once
    moving = {s.id for s in facing if s.role != window.id and draft.lock_reason(s) is None}
    for s in facing:
        if s.role == window.id:
            continue
        lock = draft.lock_reason(s)
        if lock is not None:
            changes.append(Change(pass_name="single_window", kind="skipped", steps=(s.id,),
                                  reason=f"{s.name!r} stays with {s.role}: {lock}."))
    stable = False
    while not stable:  # drop contacts whose move would slow a neighbour that stays behind
        stable = True
        for sid in sorted(moving):
            neighbour = slower_if_moved(sid, moving)
            if neighbour is not None and neighbour not in moving:
                moving.discard(sid)
                stable = False
                changes.append(Change(
                    pass_name="single_window", kind="skipped", steps=(sid,),
                    reason=f"{draft.steps[sid].name!r} stays with {draft.steps[sid].role}: at "
                           f"the window it would add a handoff to "
                           f"{draft.steps[neighbour].name!r}."))
    for sid in [s.id for s in facing if s.id in moving]:
        step = draft.steps[sid]
        draft.replace(step.model_copy(update={"role": window.id}))
        changes.append(Change(pass_name="single_window", kind="reassigned", steps=(sid,),
                              reason=f"{step.name!r} moves to the {label}: the applicant deals "
                                     f"with one front office.", before=step.role,
                              after=window.id))

    def joinable(u: str, v: str) -> bool:
        a, b = draft.steps[u], draft.steps[v]
        return (a.applicant_facing and b.applicant_facing and a.role == b.role == window.id
                and a.rework is None and b.rework is None and draft.lock_reason(a) is None
                and draft.lock_reason(b) is None and v not in sent_back_to)

    order = [process.compiled.ids[v] for v in process.compiled.order]
    for chain in draft.chains(order, joinable):
        names = [draft.steps[s].name for s in chain]
        draft.merge_chain(chain)
        changes.append(Change(pass_name="single_window", kind="merged", steps=tuple(chain),
                              reason=f"{', '.join(map(repr, names))} become one visit to the "
                                     f"{label}.", before=names, after=chain[0]))
    if not any(c.kind != "skipped" for c in changes):
        return process, changes
    used = {s.role for s in draft.steps.values()} | {r.id for r in process.roles}
    return draft.build(roles=tuple(r for r in new_roles if r.id in used)), changes
