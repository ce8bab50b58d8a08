"""``delayer``: remove hierarchy layers (Indonesia's *penyederhanaan birokrasi*).

Structural posts at the removed levels lose their signing authority. Their
approvals (initials) disappear, each predecessor wired straight to each
successor; an approval that cannot leave the flow (it sends files back for
revision, decides between alternatives, or produces something needed later)
becomes a ``review``: the check stays, the signing authority goes. The
documents they signed still need a signature: a ``signature`` step moves to
the nearest post above at a remaining level (up the ``reports_to`` line), or
to the post named in the option ``signatories``, and its Change says who signs
now and what that costs. Levels are those the pass leaves: a post above that
was itself at a removed level counts at the level it moves to, or at its own
when it keeps a signature of its own, so a second run finds nothing to move.
Their other work (expert reviews, drafting) stays: with ``reassign:
functional`` (default) the same people keep it as functional staff, their
posts moving to the nearest remaining level below; with ``reassign: below``
it goes to a subordinate post at that level.

A signature stays with its post, which then keeps its level (so the layer
is still counted), when no post above is known, or when moving it would add
a transfer to the file's route (the post's own work comes right before or
after it): the pass never makes a case slower. Posts of another organisation
(``organisation`` on the role) are left as they are.

Reijers & Limam Mansar (2005) heuristic: *task elimination* of approvals that
add control but no value, and *numerical involvement* (fewer levels a file
climbs).

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["head", "middle", "staff"],
...     "roles": [{"id": "boss", "level": "head"}, {"id": "mid", "level": "middle"},
...               {"id": "clerk", "level": "staff"}],
...     "steps": [{"id": "draft", "role": "clerk", "duration": 2},
...               {"id": "ok", "role": "mid", "kind": "approval", "duration": 1,
...                "after": ["draft"]},
...               {"id": "sign", "role": "boss", "kind": "signature", "after": ["ok"]}]})
>>> q, changes = ps.run_pass(p, "delayer", remove_levels=["middle"])
>>> [s.id for s in q.steps], ps.measure(q).layers
(['draft', 'sign'], 2)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import model_validator

from procsimp.analysis import handoff_between
from procsimp.durations import mean_of
from procsimp.errors import OptionError
from procsimp.model import APPROVAL_KINDS, Process, Role, Step
from procsimp.passes._edit import Draft
from procsimp.passes.base import (
    Change,
    LevelId,
    PassOptions,
    RoleId,
    _did_you_mean,
    _listing,
    amount,
)

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from procsimp.passes.context import PassContext


class DelayerOptions(PassOptions):
    """Options of :func:`delayer`: name the levels to remove, or the levels to keep."""

    remove_levels: tuple[LevelId, ...] | None = None
    """Levels whose posts lose signing authority (e.g. ``[echelon_3, echelon_4]``)."""
    keep_levels: tuple[LevelId, ...] | None = None
    """Alternatively, the levels to keep; every other level is removed."""
    reassign: Literal["functional", "below"] = "functional"
    """Other work at removed levels: kept by the same people as functional posts at the
    nearest remaining level below (``functional``), or handed to a post at that level
    (``below``)."""
    signatories: Mapping[str, RoleId] = {}
    """Who signs in place of a post at a removed level, e.g. ``{division_head:
    head_of_office}`` (default: the nearest post above it at a remaining level). With a
    workload (``arrivals``), a signature that lands on a post at or above 90 %
    utilisation is reported with a warning in its change. A post that is not at a removed
    level, or that the process does not have, is an error, unless the pass has nothing else
    to change (a second run, after the first moved or abolished the post): then a note."""

    @model_validator(mode="after")
    def _one_of(self) -> DelayerOptions:
        if (self.remove_levels is None) == (self.keep_levels is None):
            raise ValueError("give either remove_levels or keep_levels")
        return self

    @classmethod
    def strategy(cls, process: Process) -> SearchStrategy[dict[str, Any]]:
        """Levels to remove or to keep (one of the two), how to reassign the work, and at
        times who signs for some posts at the removed levels (a post at a level that stays)."""
        from procsimp.passes._strategies import ids, st

        levels = ids(process, "level")
        locked = {lv.id for lv in process.levels if lv.locked}

        def with_signatories(choice: tuple[str, list[str], str]) -> Any:
            key, chosen, reassign = choice
            removed = {lv for lv in levels if (lv in chosen) == (key == "remove_levels")}
            removed -= locked
            posts = [r.id for r in process.roles if r.level in removed and not r.external]
            signers = [r.id for r in process.roles if r.level not in removed]
            signatories = st.dictionaries(st.sampled_from(posts), st.sampled_from(signers),
                                          max_size=2) if posts and signers else st.just({})
            return signatories.map(lambda mapping: {key: chosen, "reassign": reassign,
                                                    **({"signatories": mapping} if mapping
                                                       else {})})

        return st.tuples(st.sampled_from(["remove_levels", "keep_levels"]),
                         st.lists(st.sampled_from(levels), unique=True, max_size=len(levels)),
                         st.sampled_from(["functional", "below"])).flatmap(with_signatories)


def delayer(ctx: PassContext, options: DelayerOptions) -> tuple[Process, list[Change]]:
    """Remove hierarchy levels: their approvals go, their other work is reassigned."""
    process, draft = ctx.process, ctx.draft
    changes: list[Change] = []

    def note(kind: Any, steps: tuple[str, ...], reason: str, **values: Any) -> None:
        changes.append(ctx.change(kind, steps, reason, **values))

    order = [lv.id for lv in process.levels]
    if options.keep_levels is not None:
        unknown = [lv for lv in options.keep_levels if lv not in draft.levels]
        targets = [lv for lv in order if lv not in options.keep_levels]
    else:
        assert options.remove_levels is not None
        unknown = [lv for lv in options.remove_levels if lv not in draft.levels]
        targets = [lv for lv in order if lv in options.remove_levels]
    for lv in unknown:
        note("skipped", (), f"Level {lv!r} is not a level of this process (already removed?); "
                            f"its levels are {', '.join(order)}.")
    removed = []
    for lv in targets:
        if draft.levels[lv].locked:
            note("skipped", (), f"Level {_label(draft, lv)} is kept: it is locked (exempt from "
                                f"delayering).")
        else:
            removed.append(lv)
    if not removed:
        return process, changes
    remaining = [lv for lv in order if lv not in removed]
    if not remaining:
        note("skipped", (), "Every level would be removed; at least one must remain.")
        return process, changes

    def below(lv: str) -> str:
        """Nearest remaining level below ``lv`` (or above, if none is below)."""
        i = order.index(lv)
        lower = [x for x in order[i + 1:] if x in remaining]
        return lower[0] if lower else [x for x in order[:i] if x in remaining][-1]

    # a signatory for a post that is not (or no longer) at a removed level: a mistake, unless
    # the pass has nothing left to do (a second run: the first moved or abolished the post);
    # so it is an error only when this run changes something, and a note otherwise
    misnamed: list[tuple[str, str, str]] = []  # (the error, the entry, why it is unused)
    for post_id, signer_id in options.signatories.items():
        where = f"pass 'delayer': option 'signatories' maps {post_id!r} to {signer_id!r}"
        if post_id not in draft.roles:
            roles = [r.id for r in process.roles]
            hint = _did_you_mean(post_id, roles)
            misnamed.append((f"{where}, but process {process.name!r} has no role {post_id!r}"
                             f"{hint}; its roles are {_listing(roles)}",
                             f"{post_id!r} to {signer_id!r}",
                             f"the process has no post {post_id!r}{hint}"))
        elif draft.roles[post_id].level not in removed:
            misnamed.append((f"{where}, but {post_id!r} is not at a level being removed "
                             f"({', '.join(removed)}); name posts that lose their signing "
                             f"authority",
                             f"{post_id!r} to {signer_id!r}",
                             "that post is not at a level being removed"))
        if draft.roles[signer_id].level in removed:
            raise OptionError(f"{where}, but {signer_id!r} is at the removed level "
                              f"{draft.roles[signer_id].level!r}; name a post at a level that "
                              f"stays ({', '.join(remaining)})")

    outside = {r.id for r in process.roles if r.external and r.level in removed}
    for r in process.roles:
        theirs = tuple(s.id for s in process.steps if s.role == r.id)
        if r.id in outside and theirs:
            note("skipped", theirs, f"{r.name or r.id} belongs to another organisation "
                                    f"({r.organisation}): delayering this office leaves the "
                                    f"post as it is.")
    # posts that keep their level because they still sign a document
    still_signs: set[str] = set()
    with_locked_steps = {s.role for s in process.steps if s.locked}

    def heir(role: Role) -> Role | None:
        """With ``reassign: below``, the post that takes over ``role``'s work, if any."""
        if options.reassign != "below":
            return None
        return _subordinate(process, role.id, below(role.level))

    def level_after(role: Role) -> str | None:
        """The level ``role`` holds after the pass (None: the post disappears)."""
        if role.level not in removed or role.locked or role.id in outside \
                or role.id in still_signs or role.id in with_locked_steps:
            return role.level
        return None if heir(role) is not None else below(role.level)

    # signatures to move, by post; a post's own signatures are settled before anyone asks
    # whether it can sign for a subordinate, since a post that keeps a signature keeps its
    # removed level and one that loses them all moves to a remaining level (where a second
    # run would find it): the lookup sees the levels the pass leaves
    pending: dict[str, list[str]] = {}
    settling: set[str] = set()

    def signs_at(role: Role) -> str | None:
        """The level at which ``role`` could sign after the pass (None: it disappears)."""
        if role.id in settling:  # a loop of reports_to: the post stays where it is
            return role.level
        if role.id in pending:
            settle(role.id)
        return level_after(role)

    def settle(role_id: str) -> None:
        settling.add(role_id)
        for sid in pending.pop(role_id):
            if not _move_signature(draft, draft.steps[sid], removed, options.signatories,
                                   signs_at, note):
                still_signs.add(role_id)
        settling.discard(role_id)

    # 1. approvals at removed levels disappear; signatures move up once the approvals are
    # gone (each kind in file order, so the result is deterministic)
    at_removed = [sid for sid, s in draft.steps.items()
                  if draft.roles[s.role].level in removed and s.kind in APPROVAL_KINDS
                  and s.role not in outside]
    for sid in sorted(at_removed, key=lambda x: draft.steps[x].kind == "signature"):
        step = draft.steps[sid]
        role = draft.roles[step.role]
        post = role.name or role.id
        lock = draft.lock_reason(step)
        if lock is not None:
            note("skipped", (sid,), f"{_kind(step.kind)} by {post} kept: {lock}.")
            continue
        if step.kind == "signature":
            pending.setdefault(role.id, []).append(sid)
            continue
        blocker = draft.bypass_blocker(sid, ctx.needed, ctx.rework_targets)
        if blocker is not None:
            # the step cannot leave the flow, so it stays as a check without signing authority
            draft.replace(step.model_copy(update={"kind": "review"}))
            note("reassigned", (sid,), f"{_kind(step.kind)} by {post} becomes a review: the "
                                       f"check stays because {blocker}, the signing authority "
                                       f"goes.", before=step.kind, after="review")
            continue
        preds = [e.step for e in step.after]
        succs = list(draft.succs[sid])
        added = draft.bypass(sid)
        note("removed", (sid,), f"{_kind(step.kind)} by {post} removed: "
                                f"{_label(draft, role.level)} no longer signs after delayering.",
             edges=tuple((u, sid) for u in preds) + tuple((sid, w) for w in succs),
             added_edges=tuple(added), before=step.kind)
    while pending:
        settle(next(iter(pending)))

    # 2. posts at removed levels: functional posts one level down, or their work handed down
    # each post's own work that is left (not the signatures it took over from others)
    by_role: dict[str, list[str]] = {}
    for step in process.steps:
        if step.id in draft.steps and draft.steps[step.id].role == step.role:
            by_role.setdefault(step.role, []).append(step.id)
    new_roles = []
    for role in process.roles:
        if role.level not in removed:
            new_roles.append(role)
            continue
        target_level = level_after(role)
        post = role.name or role.id
        steps_of_role = tuple(by_role.get(role.id, ()))
        if target_level == role.level:
            new_roles.append(role)
            if role.locked:
                if steps_of_role:
                    note("skipped", steps_of_role, f"Work of {post} kept at its level: the post "
                                                   f"is locked.")
            elif role.id in with_locked_steps and role.id not in still_signs | outside:
                locked_steps = [s for s in steps_of_role if draft.steps[s].locked]
                note("skipped", tuple(locked_steps), f"{post} keeps its level: it performs the "
                                                     f"locked step "
                                                     f"{draft.steps[locked_steps[0]].name!r}.")
            continue  # a post that still signs, or of another organisation: already recorded
        if target_level is None:
            successor = heir(role)
            assert successor is not None
            for sid in steps_of_role:
                draft.replace(draft.steps[sid].model_copy(update={"role": successor.id}))
            if steps_of_role:
                note("reassigned", steps_of_role,
                     f"Work of {post} handed to {successor.name or successor.id} "
                     f"({_label(draft, successor.level)}): the post no longer exists after "
                     f"delayering.{_cost_words(draft, steps_of_role, role, successor)}",
                     before=role.id, after=successor.id)
            continue  # the post itself disappears
        new_roles.append(role.model_copy(update={"level": target_level}))
        if steps_of_role:
            note("reassigned", steps_of_role,
                 f"{post} becomes a functional post at {_label(draft, target_level)}; its expert "
                 f"work stays with the same people.", before=role.level, after=target_level)
    gone = {r.id: r.reports_to for r in process.roles} if len(new_roles) < len(process.roles) \
        else {}
    kept = {r.id for r in new_roles}
    for i, r in enumerate(new_roles):
        boss, seen = r.reports_to, set()
        while boss is not None and boss not in kept and boss not in seen:
            seen.add(boss)  # report to the removed post's superior (guarding against loops)
            boss = gone.get(boss)
        if boss in seen:
            boss = None
        if boss != r.reports_to:
            new_roles[i] = r.model_copy(update={"reports_to": boss})
    # emptied levels stay declared (the grade remains, its posts are now functional), so a
    # second run with the same options names levels the process has and finds nothing to do
    if misnamed:
        if any(c.kind != "skipped" for c in changes):
            raise OptionError("; ".join(error for error, _, _ in misnamed))
        for _, entry, why in misnamed:
            note("skipped", (), f"Option signatories: {entry} is not used: {why}, and nothing "
                                f"is left to delayer (a second run?).")
    result = draft.build(roles=tuple(new_roles))
    return result, _warn_overload(process, result, changes)


def _warn_overload(before: Process, after: Process, changes: list[Change]) -> list[Change]:
    """With a workload (``arrivals``), a signature moved onto a post at or above
    :data:`~procsimp.queueing.OVERLOAD` utilisation gets a warning in its change."""
    if before.arrivals is None:
        return changes
    from procsimp.queueing import load_changes

    load = {c.role: c for c in load_changes(before, after)}
    out = []
    for c in changes:
        signer = load.get(c.after) if c.kind == "reassigned" and isinstance(c.after, str) \
            and c.reason.startswith("Signature") else None
        if signer is not None and signer.overloaded:
            state = ("unstable: its queue grows without bound" if signer.utilisation_after >= 1
                     else "overloaded")
            c = c.model_copy(update={"reason": (
                f"{c.reason} Warning: {c.after} is now at {signer.utilisation_after:.0%} "
                f"utilisation (was {signer.utilisation_before:.0%}), {state}; name another "
                f"signer with the option signatories, or add staff or availability.")})
        out.append(c)
    return out


def _signer(draft: Draft, role: Role, removed: list[str], named: Mapping[str, str],
            level_after: Callable[[Role], str | None]) -> Role | None:
    """Who signs for ``role``: the post named for it, else the nearest post above it (up the
    ``reports_to`` line) whose level after the pass (``level_after``; None when the post
    disappears) is a remaining level of higher rank, at that level; else None."""
    if role.id in named:
        return draft.roles[named[role.id]]
    rank = list(draft.levels).index
    boss, seen = role.reports_to, {role.id}
    while boss is not None and boss not in seen and boss in draft.roles:
        seen.add(boss)
        candidate = draft.roles[boss]
        level = level_after(candidate)
        if level is not None and level not in removed and rank(level) < rank(role.level):
            return candidate.model_copy(update={"level": level})
        boss = candidate.reports_to
    return None


def _added_transfer(draft: Draft, step: Step, signer: str) -> tuple[str, float] | None:
    """A transfer into or out of ``step`` that would get slower if ``signer`` performed it:
    (the other step's id, the mean increase), or None."""
    process, sid = draft.process, step.id
    links: list[tuple[str, str]] = []  # (other step, its role) over default-delay links
    links += [(e.step, draft.steps[e.step].role) for e in step.after if e.delay is None]
    for w in draft.succs[sid]:
        edge = draft.edge(sid, w)
        if edge is not None and edge.delay is None:
            links.append((w, draft.steps[w].role))
    if step.rework is not None and step.rework.delay is None:
        links.append((step.rework.to, draft.steps[step.rework.to].role))
    links += [(o.id, o.role) for o in draft.steps.values()
              if o.rework is not None and o.rework.to == sid and o.rework.delay is None]
    for other, other_role in links:
        now = mean_of(handoff_between(process, step.role, other_role))
        then = mean_of(handoff_between(process, signer, other_role))
        if then > now:
            return other, then - now
    return None


def _move_signature(draft: Draft, step: Step, removed: list[str], named: Mapping[str, str],
                    level_after: Callable[[Role], str | None],
                    note: Callable[..., None]) -> bool:
    """Give a signature at a removed level to the post that signs now; False if it stays."""
    role = draft.roles[step.role]
    post, sid = role.name or role.id, step.id
    unit = draft.process.time_unit
    signer = _signer(draft, role, removed, named, level_after)
    if signer is None:
        note("skipped", (sid,), f"Signature by {post} kept at its level: the document still "
                                f"needs a signature and no post above {post} at a remaining "
                                f"level is known; give {role.id!r} a reports_to, or name who "
                                f"signs with the option signatories ({{{role.id}: ...}}).")
        return False
    slower = _added_transfer(draft, step, signer.id)
    if slower is not None:
        other, extra = slower
        note("skipped", (sid,), f"Signature by {post} kept at its level: moving it to "
                                f"{signer.name or signer.id} would add a transfer of "
                                f"{amount(extra)} {unit}s between {draft.steps[other].name!r} "
                                f"and the signature (the pass never makes a case slower).")
        return False
    cost = _cost_words(draft, (sid,), role, signer)
    draft.replace(step.model_copy(update={"role": signer.id}))
    note("reassigned", (sid,), f"Signature by {post} moves to {signer.name or signer.id} "
                               f"({_label(draft, signer.level)}): {post} no longer signs after "
                               f"delayering, and the document still needs a signature.{cost}",
         before=role.id, after=signer.id)
    return True


def _cost_words(draft: Draft, step_ids: tuple[str, ...], old: Role, new: Role) -> str:
    """What the steps cost per execution at ``new``'s rate instead of ``old``'s ("" if the
    same)."""
    if new.rate == old.rate:
        return ""
    steps = [draft.steps[s] for s in step_ids]
    work = [mean_of(s.work if s.work is not None else s.duration) for s in steps]
    before = sum(s.cost + old.rate * w for s, w in zip(steps, work, strict=True))
    after = sum(s.cost + new.rate * w for s, w in zip(steps, work, strict=True))
    if before == after:
        return ""
    what = "it costs" if len(steps) == 1 else f"its {len(steps)} steps cost"
    return (f" At {new.name or new.id}'s rate {what} {after:,.2f} per execution instead of "
            f"{before:,.2f}.")


def _subordinate(process: Process, role_id: str, level: str) -> Role | None:
    """A post at ``level`` reporting (directly or not) to ``role_id``, else any post there."""
    reports = {r.id: r.reports_to for r in process.roles}
    candidates = [r for r in process.roles if r.level == level]
    for r in candidates:
        boss, seen = r.reports_to, set()
        while boss is not None and boss not in seen:
            if boss == role_id:
                return r
            seen.add(boss)
            boss = reports.get(boss)
    return candidates[0] if candidates else None


def _label(draft: Draft, level: str) -> str:
    lv = draft.levels[level]
    return lv.name or lv.id.replace("_", " ")


def _kind(kind: str) -> str:
    return "Signature" if kind == "signature" else "Approval"


__all__ = ["DelayerOptions", "delayer"]
