"""Whole-process validation: every problem of a description, found in one go.

Field errors (a negative duration, a probability of 1.3, a misspelt key) come
from pydantic; this module adds the checks that need the whole process:
unknown or duplicate ids, cycles that are not a declared rework, branch
probabilities that do not sum to 1, rework blocks that are not closed, joins
that cannot fire as declared, artifacts nobody produces, steps that can never
run. When field errors leave parts of a description unreadable, the checks
still run on the parts that are readable, so a file's problems are reported
together. Every message names the step (by id) and says what to do.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError, ValidatorFunctionWrapHandler
from pydantic_core import InitErrorDetails, PydanticCustomError

from procsimp.analysis import (
    ALWAYS,
    CycleError,
    EdgeTable,
    analyse,
    attach_blocks,
    probability,
    rework_blocks,
)
from procsimp.deadlines import problems as deadline_problems

if TYPE_CHECKING:
    from procsimp.model import Process

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str, str]  # location, error type, message
PROBABILITY_TOLERANCE = 1e-6


def check_process(cls: type[Process], data: Any, handler: ValidatorFunctionWrapHandler) -> Process:
    """Validate ``data`` as a process; raise one ValidationError listing every problem."""
    try:
        process: Process | None = handler(data)
        structural: list[InitErrorDetails] = []
    except ValidationError as exc:
        process = None
        errors = exc.errors()
        structural = [_relabel(err, data) for err in errors]
    if process is not None:
        problems = whole_process_problems(process)
    else:
        partial = _readable_parts(cls, data, errors)
        problems = whole_process_problems(partial, known_ids=_raw_ids(data), full=False) \
            if partial is not None else []
    if not structural and not problems:
        assert process is not None
        return process
    details = structural + [
        InitErrorDetails(type=PydanticCustomError(kind, msg), loc=loc, input=None)
        for loc, kind, msg in problems
    ]
    raise ValidationError.from_exception_data(cls.__name__, details)


def format_errors(exc: ValidationError) -> list[str]:
    """One line per problem: ``steps[2].duration: step 'sign': ...``."""
    lines = []
    for err in exc.errors(include_url=False):
        where = ""
        for part in err["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        lines.append(f"{where or '(top level)'}: {err['msg']}")
    return lines


_DURATION_FIELDS = {"duration", "work", "delay", "handoff_delay"}
_DURATION_TAGS = {"fixed", "triangular", "pert", "uniform", "lognormal", "empirical",
                  "exponential", "gamma"}


def _relabel(err: Any, data: Any) -> InitErrorDetails:
    """Prefix pydantic's own message with the id of the step/role it concerns."""
    raw = tuple(err["loc"])
    # drop the union tag pydantic adds after a duration field (``duration.fixed``)
    loc = tuple(part for i, part in enumerate(raw)
                if not (i and part in _DURATION_TAGS and raw[i - 1] in _DURATION_FIELDS))
    msg = err["msg"]
    label = _item_label(loc, data)
    if label:
        msg = f"{label}: {msg}"
    return InitErrorDetails(type=PydanticCustomError(err["type"], msg), loc=loc,
                            input=err.get("input"))


def _item_label(loc: Loc, data: Any) -> str:
    if len(loc) < 2 or loc[0] not in ("steps", "roles", "levels") or not isinstance(loc[1], int):
        return ""
    if not isinstance(data, dict) or not isinstance(data.get(loc[0]), (list, tuple)):
        return ""
    items = data[loc[0]]
    if not 0 <= loc[1] < len(items):
        return ""
    item = items[loc[1]]
    ident = item if isinstance(item, str) else item.get("id") if isinstance(item, dict) else None
    noun = {"steps": "step", "roles": "role", "levels": "level"}[str(loc[0])]
    return f"{noun} {ident!r}" if isinstance(ident, str) else f"{noun} #{loc[1] + 1}"


def _raw_ids(data: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"steps": set(), "roles": set(), "levels": set()}
    if not isinstance(data, dict):
        return out
    for key in out:
        items = data.get(key)
        if isinstance(items, (list, tuple)):
            for item in items:
                ident = item if isinstance(item, str) else (
                    item.get("id") if isinstance(item, dict) else None)
                if isinstance(ident, str):
                    out[key].add(ident)
    return out


def _item_model(cls: type[Process], key: str) -> Any:
    """The model of one item of the tuple field ``key`` (``tuple[Step, ...]`` -> ``Step``)."""
    return typing.get_args(cls.model_fields[key].annotation)[0]


def _readable_parts(cls: type[Process], data: Any, errors: list[Any]) -> Process | None:
    """A process built from the levels, roles and steps that validate on their own.

    An item with a bad field is read again without that field (so a step with a
    negative duration still has its role and predecessors checked); an item that
    cannot be read even so is ``None``.
    """
    if not isinstance(data, dict):
        return None
    bad_fields: dict[tuple[Any, Any], set[Any]] = {}
    for err in errors:
        loc = err["loc"]
        if len(loc) >= 3:
            bad_fields.setdefault((loc[0], loc[1]), set()).add(loc[2])

    def readable(key: str, model: Any) -> tuple[Any, ...]:
        items = data.get(key)
        if not isinstance(items, (list, tuple)):
            return ()
        good = []
        for i, item in enumerate(items):
            drop = bad_fields.get((key, i), set())
            if drop and isinstance(item, dict):
                item = {k: v for k, v in item.items() if k not in drop}
            try:
                good.append(model.model_validate(item))
            except (ValidationError, TypeError, ValueError):
                good.append(None)
        return tuple(good)

    levels, roles, steps = (readable(key, _item_model(cls, key))
                            for key in ("levels", "roles", "steps"))
    process = cls.model_construct(levels=levels, roles=roles, steps=steps,
                                      handoff_delay=0.0, name="", time_unit="day",
                                      description="")
    return process


class _Numbered:
    """``(index, item)`` of the items that are not None, made as they are read: no tuple per
    item is kept (a 100,000-step process would keep 100,000 for the garbage collector)."""

    def __init__(self, items: Any, complete: bool = False) -> None:
        self.items = items
        # a validated process has every item (counting by identity: ``None in items``
        # would call each model's __eq__)
        self.complete = complete
        self.count = len(items) if complete else sum(x is not None for x in items)

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        if self.complete:
            return enumerate(self.items)
        return ((i, x) for i, x in enumerate(self.items) if x is not None)

    def __len__(self) -> int:
        return self.count


def whole_process_problems(process: Process, known_ids: dict[str, set[str]] | None = None,
                           full: bool = True) -> list[Problem]:
    """Every cross-field problem of a process, as (location, type, message).

    With ``full=False`` (parts of the description failed field validation and are
    ``None`` here) only references, duplicates and cycles are checked, and a
    reference to an id that exists in ``known_ids`` is not reported.
    """
    problems: list[Problem] = []
    known = known_ids or {"steps": set(), "roles": set(), "levels": set()}
    levels = _Numbered(process.levels, full)
    roles = _Numbered(process.roles, full)
    steps = _Numbered(process.steps, full)

    level_ids = _unique("levels", "level", levels, problems)
    role_ids = _unique("roles", "role", roles, problems)
    step_ids = _unique("steps", "step", steps, problems)

    def unknown(kind: str, ident: str, have: Iterable[str], loc: Loc, owner: str,
                hint: str) -> None:
        if ident in known[kind]:
            return
        have = sorted(set(have) | known[kind])
        listing = ", ".join(have[:12]) + (" ..." if len(have) > 12 else "")
        problems.append((loc, "unknown_reference",
                         f"{owner}: {hint} {ident!r} is not defined; "
                         f"use one of: {listing or '(none defined)'}"))

    for i, role in roles:
        if role.level not in level_ids:
            unknown("levels", role.level, level_ids, ("roles", i, "level"), f"role {role.id!r}",
                    "level")
        if role.reports_to is not None:
            if role.reports_to == role.id:
                problems.append((("roles", i, "reports_to"), "unknown_reference",
                                 f"role {role.id!r} reports to itself; name its superior"))
            elif role.reports_to not in role_ids:
                unknown("roles", role.reports_to, role_ids, ("roles", i, "reports_to"),
                        f"role {role.id!r}", "superior role")
    refs_ok = True
    table = EdgeTable.of(process) if full and len(step_ids) == len(process.steps) else None
    if table is not None and table.plain() and \
            set(map(attrgetter("role"), process.steps)) <= role_ids:
        # the common case, checked over all edges at once: every role and predecessor is
        # known, no step lists itself or a predecessor twice; only rework targets remain
        for i, step in enumerate(process.steps):
            if step.rework is not None and step.rework.to not in step_ids:
                refs_ok = False
                unknown("steps", step.rework.to, step_ids, ("steps", i, "rework", "to"),
                        f"step {step.id!r}", "rework target")
    else:
        refs_ok = _step_problems(steps, role_ids, step_ids, problems, unknown)
    table = table if refs_ok else None
    if process.deadlines:
        problems += [(loc, "deadline", msg)
                     for loc, msg in deadline_problems(process, step_ids | known["steps"])]
    if not full or not refs_ok or len(step_ids) != len(process.steps) or \
            len(steps) != len(process.steps):
        if len(steps) == len(step_ids):
            problems += _cycle_problems(process, list(steps))
        return problems
    try:
        analysis = analyse(process, with_blocks=False, table=table)
    except CycleError as exc:
        first = exc.cycle[0]
        i = next(i for i, s in steps if s.id == first)
        problems.append((("steps", i, "after"), "cycle", _cycle_message(exc.cycle)))
        return problems
    blocks, block_problems = rework_blocks(process, analysis)
    for v, msg in block_problems:
        problems.append((("steps", v, "rework"), "rework_block", msg))
    for u, outs in analysis.branches.items():
        total = math.fsum(p for _, _, p in outs)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            v, k, _ = outs[0]
            detail = ", ".join(f"{analysis.ids[w]} {p:g}" for w, _, p in outs)
            problems.append((("steps", v, "after", k, "p"), "probability_sum",
                             f"the alternatives after step {analysis.ids[u]!r} have "
                             f"probabilities summing to {total:g} ({detail}); they must sum to "
                             f"1 (an empty branch is an edge with p that skips ahead)"))
    if problems:
        return problems
    analysis = attach_blocks(analysis, blocks)
    choices = analysis.choices
    for v, msg in choices.problems:
        problems.append((("steps", v, "join"), "join", msg))
    if not choices.problems:
        for v in analysis.order:
            cond = choices.node_cond[v]
            # ALWAYS (no choice decides the step) has probability 1: no sum needed
            if cond is not None and cond is not ALWAYS and \
                    probability(cond, choices.branch_p) == 0.0:
                problems.append((("steps", v), "unreachable",
                                 f"step {analysis.ids[v]!r} can never be reached: every path to "
                                 f"it takes a branch with p 0; remove it or give the branch a "
                                 f"probability"))
    problems += _artifact_problems(analysis)
    if not problems:
        # the model being validated is the one returned: it keeps the graph built here
        process._derived["analysis"] = analysis
    return problems



def _step_problems(steps: _Numbered, role_ids: set[str], step_ids: set[str],
                   problems: list[Problem], unknown: Callable[..., None]) -> bool:
    """Each step's role, predecessors and rework target; False when a reference is broken."""
    refs_ok = True
    for i, step in steps:
        if step.role not in role_ids:
            unknown("roles", step.role, role_ids, ("steps", i, "role"), f"step {step.id!r}",
                    "role")
        after = step.after
        # the common case in one test: known predecessors, each once, none the step itself
        if after and not (len(after) == 1 and after[0].step in step_ids
                          and after[0].step != step.id) and \
                not _plain_edges(step.id, [e.step for e in after], step_ids):
            refs_ok = _edge_problems(i, step, step_ids, problems, unknown) and refs_ok
        if step.rework is not None and step.rework.to not in step_ids:
            refs_ok = False
            unknown("steps", step.rework.to, step_ids, ("steps", i, "rework", "to"),
                    f"step {step.id!r}", "rework target")
    return refs_ok


def _plain_edges(step_id: str, preds: list[str], step_ids: set[str]) -> bool:
    """True when every predecessor is a known step, listed once, other than the step."""
    names = set(preds)
    return len(names) == len(preds) and step_id not in names and names <= step_ids


def _edge_problems(i: int, step: Any, step_ids: set[str], problems: list[Problem],
                   unknown: Callable[..., None]) -> bool:
    """The problems of one step's ``after`` list; False when a reference is broken."""
    owner = f"step {step.id!r}"
    ok = True
    seen: set[str] = set()
    for k, edge in enumerate(step.after):
        loc = ("steps", i, "after", k)
        if edge.step == step.id:
            problems.append((loc, "cycle", f"{owner} lists itself in after; a step cannot "
                                           f"wait for itself (use rework to repeat it)"))
            ok = False
        elif edge.step not in step_ids:
            ok = False
            unknown("steps", edge.step, step_ids, loc, owner, "predecessor")
        elif edge.step in seen:
            ok = False
            problems.append((loc, "duplicate_id", f"{owner} lists {edge.step!r} twice in "
                                                  f"after; keep one"))
        seen.add(edge.step)
    return ok


def _unique(key: str, noun: str, items: _Numbered,
            problems: list[Problem]) -> set[str]:
    if items.complete:  # the common case: no repeated id
        ids = {item.id for item in items.items}
        if len(ids) == len(items.items):
            return ids
    seen: dict[str, int] = {}
    for i, item in items:
        if item.id in seen:
            problems.append(((key, i, "id"), "duplicate_id",
                             f"{noun} id {item.id!r} is used twice ({key}[{seen[item.id]}] and "
                             f"{key}[{i}]); ids must be unique, rename one"))
        else:
            seen[item.id] = i
    return set(seen)


def _cycle_problems(process: Process, steps: list[tuple[int, Any]]) -> list[Problem]:
    """Cycle check on the readable steps of a partly invalid description."""
    from procsimp.analysis import find_cycle, topological_order

    index = {s.id: j for j, (_, s) in enumerate(steps)}
    preds = [[index[e.step] for e in s.after if e.step in index and e.step != s.id]
             for _, s in steps]
    succs: list[list[int]] = [[] for _ in steps]
    for v, ps_ in enumerate(preds):
        for u in ps_:
            succs[u].append(v)
    if topological_order(preds, succs) is not None:
        return []
    cycle = find_cycle([s.id for _, s in steps], succs)
    i = steps[index[cycle[0]]][0]
    return [(("steps", i, "after"), "cycle", _cycle_message(cycle))]


def _cycle_message(cycle: list[str]) -> str:
    back, to = cycle[-2], cycle[-1]
    return (f"steps {' -> '.join(cycle)} form a cycle that is not a declared rework; if {to!r} "
            f"runs again after {back!r}, remove {back!r} from the after of {to!r} and declare "
            f"on {back!r}: rework: {{to: {to!r}, p: ...}}")


def _artifact_problems(analysis: Any) -> list[Problem]:
    """Each needed artifact must be produced by some step before the one needing it."""
    steps = analysis.steps
    # artifact -> its first producer; the few made by several steps -> all their positions
    # (no set per artifact: a 100,000-step process has about as many artifacts)
    first: dict[str, int] = {}
    several: dict[str, set[int]] = {}
    for v, produced in enumerate(map(attrgetter("produces"), steps)):
        for a in produced:
            u = first.setdefault(a, v)
            if u != v:
                several.setdefault(a, {u}).add(v)
    # most needs are met by a direct predecessor; only the rest need the ancestor pass
    unresolved: list[tuple[int, int, str]] = []
    preds = analysis.preds
    for v, needs in enumerate(map(attrgetter("needs"), steps)):
        if needs:
            pv = preds[v]
            for k, art in enumerate(needs):
                maker = first.get(art)
                if maker is None or (several[art].isdisjoint(pv) if art in several
                                     else maker not in pv):
                    unresolved.append((v, k, art))
    if not unresolved:
        return []
    # the rest are mostly met a few steps back: a short search backwards from the step,
    # never past the earliest producer in topological order, settles them; the needs it
    # cannot settle within its budget go to the pass over the whole graph below
    rank = analysis._rank
    missing: set[tuple[int, int]] = set()
    undecided: list[tuple[int, int, str]] = []
    for v, k, art in unresolved:
        makers = several.get(art) or ({first[art]} if art in first else None)
        if not makers:
            missing.add((v, k))
            continue
        found = _made_before(v, makers, min(rank[u] for u in makers), preds, rank)
        if found is None:
            undecided.append((v, k, art))
        elif not found:
            missing.add((v, k))
    if undecided:
        missing |= _unavailable(analysis, undecided)
    problems: list[Problem] = []
    for v, k, art in sorted(unresolved, key=lambda item: (rank[item[0]], item[1])):
        if (v, k) in missing:
            hint = ("no step produces it; add it to the producing step's produces"
                    if art not in first else
                    "the steps producing it do not come before this one; add an after "
                    "edge from the producer")
            problems.append((("steps", v, "needs", k), "artifact",
                             f"step {steps[v].id!r} needs {art!r}, but {hint}"))
    return problems


#: steps one backward search for a producer may visit before leaving the need to the pass
#: over the whole graph (keeps validation linear however far back producers lie)
PRODUCER_SEARCH_BUDGET = 64


def _made_before(v: int, makers: set[int], lo: int, preds: list[tuple[int, ...]],
                 rank: list[int]) -> bool | None:
    """Whether a step in ``makers`` is an ancestor of ``v``; None when the search gives up."""
    stack, seen = [v], {v}
    budget = PRODUCER_SEARCH_BUDGET
    while stack:
        for u in preds[stack.pop()]:
            if u in makers:
                return True
            if u not in seen and rank[u] > lo:
                budget -= 1
                if budget < 0:
                    return None
                seen.add(u)
                stack.append(u)
    return False


def _unavailable(analysis: Any, unresolved: list[tuple[int, int, str]]) -> set[tuple[int, int]]:
    """The needs ``(step, position)`` no ancestor of the step produces: one pass in
    topological order with the set of artifacts available at each step as a bitset."""
    steps = analysis.steps
    bit = {art: i for i, art in enumerate(dict.fromkeys(a for _, _, a in unresolved))}
    wanted: dict[int, tuple[tuple[int, str], ...]] = {}
    for v, k, art in unresolved:
        wanted[v] = (*wanted.get(v, ()), (k, art))
    missing: set[tuple[int, int]] = set()
    # bitset of the artifacts available at each step (produced by an ancestor), freed once used
    available: dict[int, int] = {}
    pending = [len(s) for s in analysis.succs]
    for v in analysis.order:
        have = 0
        for u in analysis.preds[v]:
            have |= available[u]
            pending[u] -= 1
            if pending[u] == 0:
                del available[u]
        for k, art in wanted.get(v, ()):
            if not have >> bit[art] & 1:
                missing.add((v, k))
        for art in steps[v].produces:
            if art in bit:
                have |= 1 << bit[art]
        if analysis.succs[v]:
            available[v] = have
    return missing


__all__ = ["PROBABILITY_TOLERANCE", "check_process", "format_errors", "whole_process_problems"]
