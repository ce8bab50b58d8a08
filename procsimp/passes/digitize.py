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

from procsimp.analysis import edge_delay, send_back_delay
from procsimp.durations import Duration, mean_of, scaled
from procsimp.model import Predecessor, Process
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
    process = ctx.process
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
    c = ctx.analysis
    steps, preds = c.steps, c.preds
    roles = [s.role for s in steps]
    # per role: within the scope, and a post of another organisation
    in_scope = {r.id: scope is None or r.id in scope for r in process.roles}
    cut_between = scope is not None and faster(process.handoff_delay)
    new_steps = list(steps)
    for v, step in enumerate(steps):
        sid, role = step.id, step.role
        update: dict[str, object] = {}
        after: list[Predecessor] | None = None  # the edges, once one of them changes
        sped_up: dict[str, float] = {}
        scoped, out = in_scope[role], role in outside
        for k, (u, e) in enumerate(zip(preds[v], step.after, strict=True)):
            pred_role = roles[u]
            default_between = e.delay is None and pred_role != role
            if (scoped or in_scope[pred_role]) and not out and pred_role not in outside:
                # with a scope, default delays between roles in scope are cut per edge
                if faster(e.delay) or (cut_between and default_between):
                    sped_up[e.step] = mean_of(edge_delay(process, steps[u], step, e))
                    if after is None:
                        after = list(step.after[:k])
                    after.append(e.model_copy(update={"delay": options.delay}))
                    continue
            elif cut_default and default_between:
                if after is None:
                    after = list(step.after[:k])
                after.append(e.model_copy(update={"delay": process.handoff_delay}))
                kept_outside.update(x for x, r in ((e.step, pred_role), (sid, role))
                                    if r in outside)
                continue
            if after is not None:
                after.append(e)
        if after is not None:
            update["after"] = tuple(after)
        rework = step.rework
        sent_back: float | None = None
        if rework is not None:
            target_step = steps[c.index[rework.to]]
            back_role = target_step.role
            current = send_back_delay(process, step, target_step)
            default_back = rework.delay is None and back_role != role
            if touches(role, back_role):
                if faster(current) and (rework.delay is not None or scope is not None):
                    update["rework"] = rework.model_copy(update={"delay": options.delay})
                    sent_back = mean_of(current)
            elif cut_default and default_back:
                update["rework"] = rework.model_copy(update={"delay": process.handoff_delay})
                kept_outside.update(x for x, r in ((rework.to, back_role), (sid, role))
                                    if r in outside)
        if step.digitizable and options.duration_factor < 1:
            if out:
                kept_outside.add(sid)
            if touches(role):
                update["digitizable"] = False
                new_duration = scaled(step.duration, options.duration_factor)
                update["duration"] = new_duration
                if step.work is not None:
                    update["work"] = scaled(step.work, options.duration_factor)
                changes.append(Change(
                    pass_name=ctx.name, kind="retimed", steps=(sid,),
                    reason=f"{step.name!r} is done electronically: its duration goes from "
                    f"{mean_of(step.duration):.2f} to {mean_of(new_duration):.2f} {unit}s.",
                    before=mean_of(step.duration), after=mean_of(new_duration)))
        if sped_up:
            names = ", ".join(f"{steps[c.index[u]].name!r} ({amount(d)} {unit}s)"
                              for u, d in sped_up.items())
            changes.append(Change(
                pass_name=ctx.name, kind="retimed", steps=(sid,),
                reason=f"{step.name!r} receives the file electronically from {names}: the "
                f"transfer takes {amount(target)} {unit}s.",
                edges=tuple((u, sid) for u in sped_up), before=dict(sped_up),
                after=dict.fromkeys(sped_up, target)))
        if sent_back is not None:
            assert rework is not None
            revision = mean_of(rework.revision)
            changes.append(Change(
                pass_name=ctx.name, kind="retimed", steps=(sid,),
                reason=f"{step.name!r} sends its send-backs to "
                f"{steps[c.index[rework.to]].name!r} electronically: the way back goes "
                f"from {amount(sent_back)} to {amount(target)} {unit}s"
                + (f"; the revision ({amount(revision)} {unit}s) stays." if revision else "."),
                before=sent_back, after=target))
        if update:
            new_steps[v] = step.model_copy(update=update)
    if kept_outside:
        posts = sorted({f"{r.name or r.id} ({r.organisation})" for r in process.roles
                        if r.id in outside})
        changes.append(ctx.change(
            "skipped", tuple(s.id for s in steps if s.id in kept_outside),
            f"Steps of and transfers to and from {', '.join(posts)} stay as they are: "
            f"another organisation is not part of this reform (name its post in the "
            f"option roles to include it)."))
    if not any(c.kind != "skipped" for c in changes):
        return process, changes
    return process.model_copy(update={"steps": tuple(new_steps),
                                      "handoff_delay": handoff_delay}), changes


__all__ = ["DigitizeOptions", "digitize"]
