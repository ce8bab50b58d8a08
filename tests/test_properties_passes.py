"""Invariants of every registered pass and of random pipelines (DESIGN.md, "Passes").

For random valid processes (with choices, rework blocks, needs/produces, locks and
flags) every pass: leaves its input unchanged; returns a valid process; keeps every
required dependency (an artifact's producer before each step needing it, hard edges,
the edges of steps that declare no needs, the order of approvals unless they
circulate, branch edges); leaves locked steps where they are; never increases the
lead time; is idempotent; and accounts for every step removed or merged in a Change.
The same holds for every preset and for pipelines of two and three passes in every
order (each order is a parametrized case, so none is left to chance).

The passes are the rows of the pass table (``BUILTIN``), each drawing its options from its
options model (``PassOptions.strategy``); :func:`check_pass` and :func:`check_pipeline` are
the bodies, which tests/test_adding_a_pass.py runs on a pass of its own.

The processes come from :func:`tests.strategies.pass_processes`: steps with and
without ``needs`` side by side, chains of one post before consumers, locked steps in
rework blocks, hard edges with delays (issue 19). In the ``ci`` profile the single-pass
and preset tests run the profile's examples; each pipeline order runs
:data:`ORDER_EXAMPLES` of them (6; ``thorough``: 20).
"""

from __future__ import annotations

import itertools
import math
import os
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp.analysis import nearest_producers
from procsimp.model import APPROVAL_KINDS
from procsimp.passes.base import available_passes
from procsimp.pipeline import PRESETS
from tests.strategies import pass_processes, processes
from tests.strategies.passes import BUILTIN, pass_options, pipelines

ANY_PROCESS = pass_processes()
#: Every pipeline of two and of three different passes, in every order (30 + 120).
ORDERS = [list(o) for k in (2, 3) for o in itertools.permutations(BUILTIN, k)]
#: Examples per pipeline order.
ORDER_EXAMPLES = {"thorough": 20}.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 6)


def required_order(p: ps.Process, circulate: bool,
                   approvals_kept: set[str] | None = None) -> nx.DiGraph:
    """The precedence a pass must keep, as a graph over step ids (DESIGN.md, "Process files").

    ``approvals_kept``: the approvals whose order counts (default: all). Over a pipeline, an
    approval that delayer turned into a review (its Change says so) leaves the chain of
    initials, unless it can send the file back: a check that can, stays before the decision
    it guards."""
    c = p.analysis
    near = nearest_producers(c, {a for s in p.steps for a in s.needs})
    g = nx.DiGraph()
    g.add_nodes_from(c.ids)
    for v, s in enumerate(c.steps):
        for e in s.after:
            if not s.needs or e.hard or e.p is not None or s.join == "any":
                g.add_edge(e.step, s.id)
        for a in s.needs:
            g.add_edges_from((c.ids[u], s.id) for u in near[v].get(a, ()))
    if not circulate:
        approvals = [s.id for s in p.steps if s.kind in APPROVAL_KINDS and (
            approvals_kept is None or s.id in approvals_kept)]
        full = p.graph
        for a in approvals:
            g.add_edges_from((a, b) for b in nx.descendants(full, a) if b in approvals)
    return g


def representatives(before: ps.Process, changes: list[ps.Change]) -> dict[str, str]:
    """Where each step of ``before`` went: itself, or the step it was merged into."""
    rep = {s.id: s.id for s in before.steps}
    for c in changes:
        if c.kind == "merged":
            for sid in c.steps:
                rep[sid] = c.steps[0]
    changed = True
    while changed:  # merges of merges
        changed = False
        for sid, r in rep.items():
            if rep.get(r, r) != r:
                rep[sid] = rep[r]
                changed = True
    return rep


def locked(p: ps.Process) -> dict[str, tuple[str, str, str]]:
    roles = {r.id: r for r in p.roles}
    levels = {lv.id: lv for lv in p.levels}
    return {s.id: (s.role, s.kind, roles[s.role].level) for s in p.steps
            if s.locked or roles[s.role].locked or levels[roles[s.role].level].locked}


def not_slower(before: ps.Process, after: ps.Process) -> bool:
    """``after``'s lead time is at most ``before``'s, up to rounding and, where ``measure``
    estimates it by Monte Carlo, five of its standard errors."""
    mb, ma = ps.measure(before), ps.measure(after)
    assert math.isfinite(ma.lead_time)
    slack = 1e-9 * max(1.0, mb.lead_time) + 5 * ((mb.lead_time_se or 0) + (ma.lead_time_se or 0))
    return ma.lead_time <= mb.lead_time + slack


def check_invariants(before: ps.Process, after: ps.Process, changes: list[ps.Change],
                     circulate: bool) -> None:
    # the result is valid: validating its data gives it back
    assert ps.Process.model_validate(after.model_dump()) == after
    ids_before = {s.id for s in before.steps}
    ids_after = {s.id for s in after.steps}
    assert ids_after <= ids_before, "passes never invent step ids"
    accounted = {sid for c in changes if c.kind in ("removed", "merged") for sid in c.steps}
    assert ids_before - ids_after <= accounted, "every step that vanished is in a Change"
    for c in changes:
        assert c.pass_name in available_passes() and c.reason
    # required dependencies survive, through removed steps and into merged ones
    rep = representatives(before, changes)
    kinds_after = {s.id: s.kind for s in after.steps}
    kept = {s.id for s in before.steps if s.rework is not None
            or kinds_after.get(rep[s.id]) in APPROVAL_KINDS}
    order = required_order(before, circulate, kept)
    reach_after = {s: nx.descendants(after.graph, s) for s in ids_after}
    for u in ids_before:
        if rep[u] not in ids_after:
            continue
        for v in nx.descendants(order, u):
            ru, rv = rep[u], rep.get(v)
            if rv in ids_after and ru != rv:
                assert rv in reach_after[ru], f"{u} -> {v} is required but lost"
    # locked steps keep their id, role, kind and level, and are never merged away
    after_locks = {s.id: s for s in after.steps}
    roles_after = {r.id: r for r in after.roles}
    for sid, (role, kind, level) in locked(before).items():
        s = after_locks.get(sid)
        assert s is not None, f"locked step {sid} vanished"
        assert (s.role, s.kind, roles_after[s.role].level) == (role, kind, level)
        assert not any(c.kind == "merged" and sid in c.steps for c in changes)
    # lead time never increases
    assert not_slower(before, after), (ps.measure(before), ps.measure(after))


def check_pass(data: Any, process: ps.Process, name: str) -> None:
    """Run pass ``name`` with drawn options: pure, valid, invariants kept, idempotent."""
    check_run(process, name, data.draw(pass_options(name, process), label="options"))


def check_run(process: ps.Process, name: str, options: dict[str, Any]) -> None:
    """Run pass ``name`` with ``options``: pure, valid, invariants kept, idempotent."""
    snapshot = process.model_dump()
    after, changes = ps.run_pass(process, name, **options)
    assert process.model_dump() == snapshot, "the input was mutated"
    check_invariants(process, after, changes, circulate=options.get("circulate_approvals", False))
    again, _ = ps.run_pass(after, name, **options)
    assert again == after, "not idempotent"


@given(data=st.data(), process=ANY_PROCESS, name=st.sampled_from(BUILTIN))
def test_every_pass_keeps_the_invariants(data: Any, process: ps.Process, name: str) -> None:
    check_pass(data, process, name)


def test_delayer_signs_at_the_levels_it_leaves() -> None:
    """Found by the default profile: R2's signatory R0 sits at a removed level and moves to
    the kept one; the first run used to skip the signature (no post above at a remaining
    level), so a second run moved it."""
    process = ps.Process.model_validate({
        "levels": ["head", "echelon_3", "echelon_4", "staff"],
        "roles": [{"id": "R0", "level": "head"}, {"id": "R1", "level": "echelon_4"},
                  {"id": "R2", "level": "echelon_4", "reports_to": "R0"}],
        "steps": [{"id": "s0", "role": "R2", "kind": "signature"}]})
    options = {"keep_levels": ["echelon_3"], "reassign": "functional"}
    check_run(process, "delayer", options)
    after, _ = ps.run_pass(process, "delayer", **options)
    assert [s.role for s in after.steps] == ["R0"]
    assert {r.id: r.level for r in after.roles} == {"R0": "echelon_3", "R1": "echelon_3",
                                                   "R2": "echelon_3"}


def check_pipeline(data: Any, process: ps.Process, names: list[str]) -> None:
    """Run ``names`` with drawn options; the invariants hold end to end and at every pass."""
    options: dict[str, Any] = {}
    for name in dict.fromkeys(names):
        options[name] = data.draw(pass_options(name, process), label=f"{name} options")
    snapshot = process.model_dump()
    try:
        res = ps.simplify(process, names, options)
    except ps.OptionError as exc:
        if "does not have" not in str(exc):
            raise
        # the options were drawn from the input: an earlier pass removed a role they name
        options = {k: {o: v for o, v in opts.items() if o not in ("role", "roles")}
                   for k, opts in options.items()}
        res = ps.simplify(process, names, options)
    assert process.model_dump() == snapshot
    circulate = options.get("parallelize", {}).get("circulate_approvals", False)
    check_invariants(process, res.process, list(res.changes), circulate)
    previous = process
    for run in res.runs:  # each step of the pipeline never slows the process down
        assert not_slower(previous, run.process), run.name
        previous = run.process


@given(data=st.data(), process=ANY_PROCESS, names=pipelines(BUILTIN))
def test_random_pipelines_keep_the_invariants(data: Any, process: ps.Process,
                                              names: list[str]) -> None:
    check_pipeline(data, process, names)


@pytest.mark.parametrize("names", ORDERS, ids="+".join)
@settings(max_examples=ORDER_EXAMPLES)
@given(data=st.data(), process=ANY_PROCESS)
def test_every_order_of_two_and_three_passes(names: list[str], data: Any,
                                             process: ps.Process) -> None:
    check_pipeline(data, process, names)


@pytest.mark.parametrize("preset", sorted(PRESETS))
@given(process=ANY_PROCESS)
def test_every_preset_keeps_the_invariants(preset: str, process: ps.Process) -> None:
    levels = {lv.id for lv in process.levels}
    named = {lv for opts in PRESETS[preset].options.values()
             for lv in opts.get("remove_levels", ())}
    if not named <= levels:  # a preset naming levels the process lacks is refused
        with pytest.raises(ps.ProcsimpError, match="does not have"):
            ps.simplify(process, preset)
        return
    res = ps.simplify(process, preset)
    circulate = bool(PRESETS[preset].options.get("parallelize", {}).get("circulate_approvals"))
    # (a preset as a whole need not be idempotent: parallelize's reduction can open a chain
    # that merge_sequential, earlier in ``all``, merges on a second run; each pass is)
    check_invariants(process, res.process, list(res.changes), circulate)


def test_an_approval_turned_review_leaves_the_chain_of_initials() -> None:
    """Found by the CI profile: in ``all``, delayer turns s11 (an approval merging two
    alternatives) into a review, and parallelize then lets s4, which needs only art0, skip
    the locked approval s3. The end-to-end check counted s3 -> s11 as an order of approvals;
    s11 is not one any more (its Change says so), so the order is not required."""
    steps: list[dict[str, Any]] = [
        {"id": "s0", "role": "R0"}, {"id": "s1", "role": "R0", "after": ["s0"]},
        {"id": "s2", "role": "R0", "after": ["s1"], "produces": ["art0"]},
        {"id": "s3", "role": "R0", "kind": "approval", "after": ["s2"], "locked": True},
        {"id": "s4", "role": "R0", "after": ["s3"], "needs": ["art0"]},
        {"id": "s5", "role": "R0", "after": [{"step": "s4", "p": 0.5}]},
        {"id": "s6", "role": "R0", "after": [{"step": "s4", "p": 0.5}]},
        {"id": "s7", "role": "R0", "after": [{"step": "s6", "p": 0.5}]},
        {"id": "s8", "role": "R0", "after": [{"step": "s6", "p": 0.5}, "s7"], "join": "any"},
        {"id": "s9", "role": "R0", "after": ["s8"]},
        {"id": "s10", "role": "R0", "after": ["s9"]},
        {"id": "s11", "role": "R0", "kind": "approval", "after": ["s5", "s10"],
         "join": "any"}]
    process = ps.Process.model_validate({"levels": ["head", "echelon_3", "echelon_4", "staff"],
                                         "roles": [{"id": "R0", "level": "echelon_3"}],
                                         "steps": steps})
    res = ps.simplify(process, "all")
    check_invariants(process, res.process, list(res.changes), circulate=False)
    after = res.process
    assert after.step("s11").kind == "review" and after.step("s3").kind == "approval"
    assert [e.step for e in after.step("s4").after] == ["s0"]  # s0 + s1 + s2, merged
    # with s11 still an approval (delayer not run), the order s3 -> s11 is kept
    kept = ps.simplify(process, ["parallelize"])
    assert "s11" in nx.descendants(kept.process.graph, "s3")


@given(process=processes(open_choices=True, needs=True, max_steps=10),
       name=st.sampled_from(BUILTIN), data=st.data())
def test_passes_on_processes_with_unmerged_choices(process: ps.Process, name: str,
                                                   data: Any) -> None:
    options = data.draw(pass_options(name, process), label="options")
    after, changes = ps.run_pass(process, name, **options)
    check_invariants(process, after, changes, circulate=options.get("circulate_approvals", False))
