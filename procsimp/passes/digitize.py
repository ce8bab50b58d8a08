"""``digitize``: paper transfers become electronic (Indonesia's SPBE).

Every transfer between two roles (the process's ``handoff_delay``, each
edge's own ``delay`` and each send-back's transport ``delay``) that takes
longer on average than the option ``delay`` (default 0) is cut to it:
electronic documents and signatures do not sit in an outbox or travel
between buildings. A send-back's ``revision`` (the time the applicant or
drafter spends correcting the file) is not transport and stays as it is.
Steps flagged ``digitizable`` have their duration (and explicit work)
multiplied by ``duration_factor`` (when below 1) and lose the flag: they are
digital now, so running the pass again changes nothing. ``roles`` limits the
pass to transfers from or to these roles and to their steps.

Posts of another organisation (a role with ``organisation``) are not part of
the reform: their steps and the transfers to and from them stay as they are
unless ``roles`` names them. Every Change records the mean values before and
after.

A lock protects who performs a step and that it happens, not its medium:
locked steps are re-timed like the others (an electronic signature is still
the head's signature).

Reijers & Limam Mansar (2005) heuristic: *automation* and *integral
technology* (electronic documents remove transport and waiting).

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"handoff_delay": 1, "levels": ["staff"],
...     "roles": [{"id": "a", "level": "staff"}, {"id": "b", "level": "staff"}],
...     "steps": [{"id": "x", "role": "a", "duration": 2},
...               {"id": "y", "role": "b", "duration": 2, "after": ["x"], "digitizable": True}]})
>>> q, changes = ps.run_pass(p, "digitize", duration_factor=0.5)
>>> ps.measure(p).lead_time, ps.measure(q).lead_time
(5.0, 3.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from procsimp.analysis import send_back_delay
from procsimp.durations import Duration, mean_of, scaled
from procsimp.model import Process
from procsimp.passes.base import Change, PassOptions, RoleId, amount

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from procsimp.passes.context import PassContext


class DigitizeOptions(PassOptions):
    """Options of :func:`digitize`."""

    delay: Duration = 0.0
    """Transfer delay an electronic handoff keeps (a duration)."""
    duration_factor: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 1.0
    """Multiplies the duration of steps flagged ``digitizable`` (1 leaves them as they are)."""
    roles: tuple[RoleId, ...] | None = None
    """Only transfers from or to these roles, and only their steps (default: every post of
    this organisation)."""

    @classmethod
    def strategy(cls, process: Process) -> SearchStrategy[dict[str, Any]]:
        """A delay of any family, a factor from 0 to 1, and now and then a few roles."""
        from procsimp.passes._strategies import durations, ids, sometimes, st

        roles = ids(process, "role")
        none: SearchStrategy[list[str]] = st.just([])
        scope = st.lists(st.sampled_from(roles), unique=True, min_size=1) if roles else none
        return st.builds(
            lambda delay, factor, chosen: {"delay": delay, "duration_factor": factor,
                                           **({"roles": chosen} if chosen else {})},
            durations(1.0), st.sampled_from([0.0, 0.25, 0.5, 1.0]),
            sometimes(30).flatmap(lambda on: scope if on else none))


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
                                  f"{amount(target)} {unit}s (send-backs without their own "
                                  f"delay included; "
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


__all__ = ["DigitizeOptions", "digitize"]
