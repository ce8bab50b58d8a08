"""``digitize``: paper transfers become electronic (Indonesia's SPBE).

Every transfer between two roles (the process's ``handoff_delay``, each
edge's own ``delay`` and each send-back's return ``delay``) that takes longer
on average than the option ``delay`` (default 0) is cut to it: electronic
documents and signatures do not sit in an outbox or travel between buildings.
Steps flagged ``digitizable`` have their duration (and explicit work)
multiplied by ``duration_factor`` (when below 1) and lose the flag: they are
digital now, so running the pass again changes nothing. ``roles`` limits the pass to
transfers from or to these roles and to their steps.

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

from typing import Annotated

from pydantic import Field

from procsimp.durations import Duration, mean_of, scaled
from procsimp.graph import send_back_delay
from procsimp.model import Process
from procsimp.passes._edit import Draft
from procsimp.passes.base import Change, PassOptions, RoleId, register_pass


class DigitizeOptions(PassOptions):
    """Options of :func:`digitize`."""

    delay: Duration = 0.0
    """Transfer delay an electronic handoff keeps (a duration)."""
    duration_factor: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 1.0
    """Multiplies the duration of steps flagged ``digitizable`` (1 leaves them as they are)."""
    roles: tuple[RoleId, ...] | None = None
    """Only transfers from or to these roles, and only their steps (default: all)."""


@register_pass("digitize", options=DigitizeOptions)
def digitize(process: Process, options: DigitizeOptions) -> tuple[Process, list[Change]]:
    """Make paper handoffs electronic and speed up digitizable steps."""
    draft = Draft(process)
    scope = set(options.roles) if options.roles is not None else None
    target = mean_of(options.delay)
    unit = process.time_unit
    changes: list[Change] = []

    def faster(d: Duration | None) -> bool:
        return d is not None and mean_of(d) > target

    def touches(*role_ids: str) -> bool:
        return scope is None or any(r in scope for r in role_ids)

    handoff_delay = process.handoff_delay
    if scope is None and faster(process.handoff_delay):
        handoff_delay = options.delay
        changes.append(Change(pass_name="digitize", kind="retimed", steps=(),
                              reason=f"Paper transfers between desks become electronic: the "
                                     f"handoff delay goes from {mean_of(process.handoff_delay):g} "
                                     f"to {target:g} {unit}s.",
                              before=mean_of(process.handoff_delay), after=target))
    for sid, step in list(draft.steps.items()):
        update: dict[str, object] = {}
        after = []
        sped_up: list[str] = []
        sent_back = False
        for e in step.after:
            pred_role = draft.steps[e.step].role
            different = pred_role != step.role
            explicit_slow = faster(e.delay)
            # with a scope, default delays between roles in scope are pinned per edge
            scoped_default = (scope is not None and e.delay is None and different
                              and faster(process.handoff_delay))
            if (explicit_slow or scoped_default) and touches(pred_role, step.role):
                after.append(e.model_copy(update={"delay": options.delay}))
                sped_up.append(e.step)
            else:
                after.append(e)
        if sped_up:
            update["after"] = tuple(after)
        rework = step.rework
        if rework is not None and touches(step.role, draft.steps[rework.to].role):
            current = send_back_delay(process, step, draft.steps[rework.to])
            if faster(current) and (rework.delay is not None or scope is not None):
                update["rework"] = rework.model_copy(update={"delay": options.delay})
                sent_back = True
        if step.digitizable and touches(step.role) and options.duration_factor < 1:
            update["digitizable"] = False
            new_duration = scaled(step.duration, options.duration_factor)
            update["duration"] = new_duration
            if step.work is not None:
                update["work"] = scaled(step.work, options.duration_factor)
            changes.append(Change(
                pass_name="digitize", kind="retimed", steps=(sid,),
                reason=f"{step.name!r} is done electronically: its duration goes from "
                       f"{mean_of(step.duration):.2f} to {mean_of(new_duration):.2f} {unit}s.",
                before=mean_of(step.duration), after=mean_of(new_duration)))
        if sped_up or sent_back:
            parts = []
            if sped_up:
                names = ", ".join(repr(draft.steps[u].name) for u in sped_up)
                parts.append(f"{step.name!r} receives the file electronically from {names}")
            if sent_back:
                back = draft.steps[rework.to].name  # type: ignore[union-attr]
                parts.append(f"{'its' if sped_up else repr(step.name) + ' sends its'} "
                             f"send-backs to {back!r} go electronically")
            changes.append(Change(
                pass_name="digitize", kind="retimed", steps=(sid,),
                edges=tuple((u, sid) for u in sped_up),
                reason=f"{'; '.join(parts)}: the transfer takes {target:g} {unit}s.",
                after=target))
        if update:
            draft.replace(step.model_copy(update=update))
    if not changes:
        return process, changes
    return draft.build(handoff_delay=handoff_delay), changes
