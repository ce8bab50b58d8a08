"""Properties of measure and simulate on random valid processes (tests/strategies.py)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp.analysis import ALWAYS
from procsimp.durations import is_fixed, mean_of
from tests.strategies import processes

EVERYTHING = processes(choices=True, rework=True, needs=True, open_choices=True, max_steps=12)


def longest_path(p: ps.Process) -> float:
    """Longest path on mean durations and mean delays (first pass of every rework)."""
    g = p.graph
    best: dict[str, float] = {}
    for sid in nx.topological_sort(g):
        start = max((best[u] + g.edges[u, sid]["delay"] for u in g.predecessors(sid)),
                    default=0.0)
        best[sid] = start + g.nodes[sid]["duration"]
    return max(best.values(), default=0.0)


@given(EVERYTHING)
def test_measure_never_crashes_and_is_consistent(p: ps.Process) -> None:
    m = ps.measure(p)
    assert m.steps == len(p.steps)
    assert 0 <= m.approval_layers <= m.layers <= len(p.levels)
    assert 0 <= m.vertical_handoffs <= m.handoffs <= p.graph.number_of_edges()
    for value in (m.lead_time, m.touch_time, m.cost, m.cycle_efficiency):
        assert math.isfinite(value) and value >= 0
    # work may exceed elapsed time (several people in one step), so only the definition holds
    expected = m.touch_time / m.lead_time if m.lead_time > 0 else 1.0
    assert m.cycle_efficiency == expected
    assert set(m.critical_path) <= {s.id for s in p.steps}
    path = m.critical_path
    assert all(g in p.graph.successors(f) for f, g in itertools.pairwise(path))
    assert (m.lead_time_se is None) == (m.lead_time_method != "monte_carlo")
    assert str(m)


@given(processes(rework=True, needs=True, max_steps=12))
def test_lead_time_is_at_least_every_path(p: ps.Process) -> None:
    """Without choices every path runs in every case, so none is longer than the lead time."""
    m = ps.measure(p)
    assert m.lead_time >= longest_path(p) - 1e-9 * max(1.0, m.lead_time)
    if not any(s.rework for s in p.steps):
        assert m.lead_time == pytest_approx(longest_path(p))


@given(processes(choices=True, rework=True, needs=True, open_choices=True, max_steps=12))
def test_lead_time_is_at_least_every_path_that_always_runs(p: ps.Process) -> None:
    """With choices, a path through one branch runs only sometimes, so the expected lead time
    may be shorter; a path through steps that run in every case may not be longer."""
    c = p.analysis
    always = [p.analysis.ids[v] for v in range(c.n) if c.choices.node_cond[v] == ALWAYS]
    sure = nx.DiGraph(p.graph.subgraph(always))
    sure.remove_edges_from([(u, v) for u, v, q in sure.edges(data="p") if q is not None])
    best: dict[str, float] = {}
    for sid in nx.topological_sort(sure):
        start = max((best[u] + sure.edges[u, sid]["delay"] for u in sure.predecessors(sid)),
                    default=0.0)
        best[sid] = start + sure.nodes[sid]["duration"]
    m = ps.measure(p)
    tolerance = 1e-9 * max(1.0, m.lead_time) + 5 * (m.lead_time_se or 0.0)
    assert m.lead_time >= max(best.values(), default=0.0) - tolerance


def pytest_approx(x: float) -> object:
    import pytest

    return pytest.approx(x, rel=1e-9, abs=1e-9)


@settings(max_examples=30)
@given(EVERYTHING, st.integers(0, 2**32 - 1))
def test_simulate_is_deterministic_for_a_seed(p: ps.Process, seed: int) -> None:
    a = ps.simulate(p, n=200, seed=seed)
    b = ps.simulate(p, n=200, seed=seed)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert a.critical == b.critical
    assert np.isfinite(a.samples).all() and (a.samples >= 0).all()


@settings(max_examples=30)
@given(processes(needs=True, max_steps=12))
def test_simulate_equals_flow_when_nothing_is_random(p: ps.Process) -> None:
    fixed = p.model_copy(update={
        "handoff_delay": mean_of(p.handoff_delay),
        "steps": tuple(s.model_copy(update={
            "duration": mean_of(s.duration),
            "after": tuple(e.model_copy(update={"delay": None if e.delay is None
                                                else mean_of(e.delay)}) for e in s.after)})
            for s in p.steps)})
    assert all(is_fixed(s.duration) for s in fixed.steps)
    sim = ps.simulate(fixed, n=50, seed=0)
    np.testing.assert_allclose(sim.samples, ps.measure(fixed).lead_time, rtol=1e-12, atol=1e-9)
