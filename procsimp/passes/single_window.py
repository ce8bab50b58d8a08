"""``single_window``: every applicant contact at one front office (Indonesia's PTSP).

Steps flagged ``applicant_facing`` (submitting, paying, collecting, answering
queries) move to one front-office role, and consecutive contacts merge into
one visit. The window is the role named by the option ``role``, or a role
``single_window``; when there is none, the desk every movable contact is at
already (no second desk is created), else a new role ``single_window`` at
the lowest level. A window the pass creates is paid like the desks it
replaces: its rate is theirs, weighted by the work it takes over from each
(expected executions times mean work), so moving the contacts changes no cost;
the option ``rate`` sets another rate, and each Change states the cost it
makes.

A contact stays where it is when it is locked, when its post belongs to
another organisation (a role with ``organisation``: the village office's
domicile letter is not the licensing office's to move), or when moving it
would add a handoff that makes the file slower (its neighbour was done by
the same person and would now be across a desk); each is recorded. The pass
never increases the number of desks the applicant meets: if moving would not
leave fewer (or, to a window the user named, as many), nothing moves.

Reijers & Limam Mansar (2005) heuristic: *case manager* / *contact reduction*
(fewer contacts with the applicant, one point of contact).

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"handoff_delay": 1, "levels": ["staff"],
...     "roles": [{"id": "cashier", "level": "staff", "rate": 2},
...               {"id": "desk", "level": "staff", "rate": 2}],
...     "steps": [{"id": "submit", "role": "desk", "duration": 1, "applicant_facing": True},
...               {"id": "pay", "role": "cashier", "duration": 1, "after": ["submit"],
...                "applicant_facing": True}]})
>>> q, changes = ps.run_pass(p, "single_window")
>>> [(s.id, s.role) for s in q.steps], ps.measure(q).lead_time, q.role("single_window").rate
([('submit', 'single_window')], 2.0, 2.0)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from procsimp.durations import mean_of
from procsimp.errors import OptionError
from procsimp.metrics import expected_runs
from procsimp.model import Money, Process, Role, Step
from procsimp.passes.base import Change, PassOptions, RoleId

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from procsimp.passes._edit import Draft
    from procsimp.passes.context import PassContext

WINDOW_ID = "single_window"
WINDOW_NAME = "One-stop service window (PTSP)"


class SingleWindowOptions(PassOptions):
    """Options of :func:`single_window`."""

    role: RoleId | None = None
    """The front-office role (default: ``single_window``; else the one desk every movable
    contact is at; else ``single_window`` at the lowest level, created)."""
    rate: Money | None = None
    """Rate of a window the pass creates (default: the rates of the desks it replaces,
    weighted by the work it takes over from each)."""

    @classmethod
    def strategy(cls, process: Process) -> SearchStrategy[dict[str, Any]]:
        """Now and then a window named among the roles (``rate`` and ``role`` exclude each
        other, and the default derived from the fields would draw both)."""
        from procsimp.passes._strategies import ids, sometimes, st

        window = st.sampled_from(ids(process, "role")).map(lambda role: {"role": role})
        return sometimes(30).flatmap(lambda on: window if on else st.just({}))


def single_window(ctx: PassContext,
                  options: SingleWindowOptions) -> tuple[Process, list[Change]]:
    """Move every applicant contact to one front-office window and merge consecutive ones."""
    process, draft = ctx.process, ctx.draft
    named = draft.roles.get(options.role or WINDOW_ID)
    if options.role is not None:
        assert named is not None  # the runner checked the name
        if options.rate is not None:
            raise OptionError(f"pass 'single_window': option 'rate' sets the rate of a window "
                              f"the pass creates, but option 'role' names {options.role!r}, "
                              f"whose rate ({named.rate:g}) is in the process; change it there "
                              f"or leave out one of the two options")
        if named.external:
            raise OptionError(f"pass 'single_window': option 'role' names {options.role!r}, a "
                              f"post of another organisation ({named.organisation}); name a "
                              f"post of this office as the window")
    facing = [s for s in process.steps if s.applicant_facing]
    if not facing or not process.levels:
        return process, []
    window_id = named.id if named is not None else WINDOW_ID
    changes: list[Change] = []
    sent_back_to: dict[str, list[str]] = {}
    for s in process.steps:
        if s.rework is not None:
            sent_back_to.setdefault(s.rework.to, []).append(s.id)

    def stays(step: Step) -> str | None:
        """Why this contact may not move, or None."""
        role = draft.roles[step.role]
        if role.external:
            return f"it is issued by another organisation ({role.organisation})"
        return draft.lock_reason(step)

    hd = mean_of(process.handoff_delay)

    def slower_if_moved(sid: str, moving: set[str]) -> str | None:
        """A neighbour staying behind whose transfer would get slower at the window."""
        if hd <= 0:
            return None
        step = draft.steps[sid]
        neighbours = [e.step for e in step.after if e.delay is None]
        neighbours += [w for w in draft.succs[sid] if draft.out_edge(sid, w).delay is None]
        if step.rework is not None and step.rework.delay is None:
            neighbours.append(step.rework.to)
        neighbours += [o for o in sent_back_to.get(sid, ()) if _return_delay(draft, o) is None]
        return next((n for n in neighbours if n not in moving and n != sid
                     and draft.steps[n].role == step.role != window_id), None)

    # neighbours that are contacts too will move with it, so decide for all at once
    moving = {s.id for s in facing if s.role != window_id and stays(s) is None}
    for s in facing:
        why = stays(s) if s.role != window_id else None
        if why is not None:
            changes.append(ctx.change("skipped", (s.id,),
                                      f"{s.name!r} stays with {_post(draft, s.role)}: {why}."))
    stable = False
    while not stable:  # drop contacts whose move would slow a neighbour that stays behind
        stable = True
        for sid in sorted(moving):
            neighbour = slower_if_moved(sid, moving)
            if neighbour is not None and neighbour not in moving:
                moving.discard(sid)
                stable = False
                changes.append(ctx.change(
                    "skipped", (sid,),
                    f"{draft.steps[sid].name!r} stays with "
                    f"{_post(draft, draft.steps[sid].role)}: at the window it would add "
                    f"a handoff to {draft.steps[neighbour].name!r}."))
    desks_before = {s.role for s in facing}
    sources = {draft.steps[sid].role for sid in moving}
    if named is None and len(sources) == 1:
        # every contact that can move is at one desk already: that desk is the window
        window_id = sources.pop()
        changes.append(ctx.change(
            "skipped", tuple(sorted(moving)),
            f"The contacts that can move are all with {_post(draft, window_id)} "
            f"already: it serves as the single window, and no second desk is created."))
        moving = set()
    desks_after = {s.role for s in facing if s.id not in moving}
    if moving:
        desks_after.add(window_id)
    fewer = len(desks_after) < len(desks_before) or (
        named is not None and len(desks_after) == len(desks_before))
    if moving and not fewer:
        changes.append(ctx.change(
            "skipped", tuple(sorted(moving)),
            f"The contacts stay where they are: at the window the applicant would still "
            f"meet {len(desks_after)} desks instead of {len(desks_before)}."))
        moving = set()

    if not moving and window_id not in draft.roles:
        return process, changes  # no window, and no contact to bring to one
    new_roles = tuple(process.roles)
    if moving and named is None:
        rate, basis = _window_rate(process, draft, moving, options.rate)
        window = Role(id=WINDOW_ID, name=WINDOW_NAME, level=process.levels[-1].id, rate=rate)
        new_roles = (*new_roles, window)
        draft.roles[WINDOW_ID] = window
    else:
        window, basis = draft.roles[window_id], ""
    label = window.name or window.id
    for sid in [s.id for s in facing if s.id in moving]:
        step = draft.steps[sid]
        old = draft.roles[step.role]
        work = mean_of(step.work if step.work is not None else step.duration)
        cost = ""
        if window.rate != old.rate and work > 0:
            cost = (f" At the window's rate of {window.rate:,.2f}{basis} it costs "
                    f"{step.cost + window.rate * work:,.2f} per execution instead of "
                    f"{step.cost + old.rate * work:,.2f}.")
        elif basis:
            cost = f" The window is paid {window.rate:,.2f}{basis}, so the cost stays."
        draft.replace(step.model_copy(update={"role": window.id}))
        changes.append(ctx.change("reassigned", (sid,),
                                  f"{step.name!r} moves from {_post(draft, old.id)} to the "
                                  f"{label}: the applicant deals with one front office.{cost}",
                                  before=old.id, after=window.id))

    def joinable(u: str, v: str) -> bool:
        a, b = draft.steps[u], draft.steps[v]
        return (a.applicant_facing and b.applicant_facing and a.role == b.role == window.id
                and a.rework is None and b.rework is None and stays(a) is None
                and stays(b) is None and v not in sent_back_to)

    for chain in draft.chains(ctx.order, joinable):
        names = [draft.steps[s].name for s in chain]
        draft.merge_chain(chain)
        changes.append(ctx.change("merged", tuple(chain), f"{', '.join(map(repr, names))} "
                                  f"become one visit to the {label}.",
                                  before=names, after=chain[0]))
    if not any(c.kind != "skipped" for c in changes):
        return process, changes
    used = {s.role for s in draft.steps.values()} | {r.id for r in process.roles}
    return draft.build(roles=tuple(r for r in new_roles if r.id in used)), changes


def _window_rate(process: Process, draft: Draft, moving: set[str],
                 given: float | None) -> tuple[float, str]:
    """The new window's rate and the words saying where it comes from."""
    if given is not None:
        return given, " (option rate)"
    c = process.analysis
    runs = expected_runs(c)
    weights: dict[str, float] = {}
    for sid in moving:
        step = draft.steps[sid]
        work = mean_of(step.work if step.work is not None else step.duration)
        weights[step.role] = weights.get(step.role, 0.0) + runs[c.index[sid]] * work
    rates = {r: draft.roles[r].rate for r in weights}
    total = math.fsum(weights.values())
    if total > 0:
        rate = math.fsum(weights[r] * rates[r] for r in weights) / total
    else:  # no work moves, so the rate costs nothing; take the desks' plain average
        rate = math.fsum(rates.values()) / len(rates)
    desks = ", ".join(sorted(_post(draft, r) for r in rates))
    if len(set(rates.values())) == 1:
        return rate, f" like the desks it replaces ({desks})"
    return rate, f", the rates of the desks it replaces ({desks}) weighted by the work it takes"


def _return_delay(draft: Draft, sender: str) -> Any:
    """The ``delay`` of the send-back of step ``sender`` (None: the default handoff)."""
    rework = draft.steps[sender].rework
    assert rework is not None
    return rework.delay


def _post(draft: Draft, role_id: str) -> str:
    role = draft.roles[role_id]
    return role.name or role.id


__all__ = ["SingleWindowOptions", "single_window"]
