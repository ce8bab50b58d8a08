"""Invariants of every registered pass and of random pipelines (DESIGN.md, "Passes").

For random valid processes (with choices, rework blocks, needs/produces, locks and
flags) every pass: leaves its input unchanged; returns a valid process; keeps every
required dependency (an artifact's producer before each step needing it, hard edges,
the edges of steps that declare no needs, the order of approvals unless they
circulate, branch edges); leaves locked steps where they are; never increases the
lead time; is idempotent; and accounts for every step removed or merged in a Change.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

import procsimp as ps
from procsimp.model import APPROVAL_KINDS
from procsimp.passes._edit import nearest_producers
from procsimp.passes.base import available_passes
from tests.strategies import pass_options, pipelines, processes

BUILTIN = ["delayer", "merge_sequential", "parallelize", "eliminate_duplicates", "digitize",
           "single_window"]
ANY_PROCESS = processes(choices=True, rework=True, needs=True, max_steps=12)


def required_order(p: ps.Process, circulate: bool) -> nx.DiGraph:
    """The precedence a pass must keep, as a graph over step ids (DESIGN.md, "Process files")."""
    c = p.compiled
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
        approvals = [s.id for s in p.steps if s.kind in APPROVAL_KINDS]
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
    order = required_order(before, circulate)
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
    lead_before, lead_after = ps.measure(before).lead_time, ps.measure(after).lead_time
    assert lead_after <= lead_before + 1e-9 * max(1.0, lead_before), (lead_before, lead_after)
    assert math.isfinite(lead_after)


@given(data=st.data(), process=ANY_PROCESS, name=st.sampled_from(BUILTIN))
def test_every_pass_keeps_the_invariants(data: Any, process: ps.Process, name: str) -> None:
    options = data.draw(pass_options(name, process), label="options")
    snapshot = process.model_dump()
    after, changes = ps.run_pass(process, name, **options)
    assert process.model_dump() == snapshot, "the input was mutated"
    check_invariants(process, after, changes, circulate=options.get("circulate_approvals", False))
    again, _ = ps.run_pass(after, name, **options)
    assert again == after, "not idempotent"


@given(data=st.data(), process=ANY_PROCESS, names=pipelines(BUILTIN))
def test_random_pipelines_keep_the_invariants(data: Any, process: ps.Process,
                                              names: list[str]) -> None:
    options: dict[str, Any] = {}
    for name in dict.fromkeys(names):
        options[name] = data.draw(pass_options(name, process), label=f"{name} options")
    snapshot = process.model_dump()
    res = ps.simplify(process, names, options)
    assert process.model_dump() == snapshot
    circulate = options.get("parallelize", {}).get("circulate_approvals", False)
    check_invariants(process, res.process, list(res.changes), circulate)
    previous = process
    for run in res.runs:  # each step of the pipeline never slows the process down
        assert ps.measure(run.process).lead_time <= ps.measure(previous).lead_time + 1e-9 * max(
            1.0, ps.measure(previous).lead_time)
        previous = run.process


@given(process=processes(open_choices=True, needs=True, max_steps=10),
       name=st.sampled_from(BUILTIN), data=st.data())
def test_passes_on_processes_with_unmerged_choices(process: ps.Process, name: str,
                                                   data: Any) -> None:
    options = data.draw(pass_options(name, process), label="options")
    after, changes = ps.run_pass(process, name, **options)
    check_invariants(process, after, changes, circulate=options.get("circulate_approvals", False))
