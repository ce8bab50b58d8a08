"""Hand-computed metric figures, including textbook flow-analysis cases."""

from __future__ import annotations

import math

import pytest

import procsimp as ps

ROLES = {
    "levels": ["head", "middle", "staff"],
    "roles": [
        {"id": "boss", "level": "head", "rate": 10},
        {"id": "lead", "level": "middle", "reports_to": "boss", "rate": 5},
        {"id": "clerk", "level": "staff", "reports_to": "lead", "rate": 2},
        {"id": "expert", "level": "staff", "reports_to": "lead", "rate": 4},
    ],
}


def proc(steps, **extra):
    return ps.Process.model_validate({**ROLES, **extra, "steps": steps})


class TestCounts:
    def test_letter_layers(self, letter_process):
        m = ps.measure(letter_process)
        assert (m.steps, m.roles_involved, m.layers, m.approval_layers) == (4, 4, 4, 3)
        assert (m.handoffs, m.vertical_handoffs) == (3, 3)

    def test_same_level_handoff_is_not_vertical(self):
        p = proc([{"id": "a", "role": "clerk"}, {"id": "b", "role": "expert", "after": ["a"]},
                  {"id": "c", "role": "expert", "after": ["b"]}])
        m = ps.measure(p)
        assert (m.handoffs, m.vertical_handoffs, m.layers, m.approval_layers) == (1, 0, 1, 0)


class TestFixedDurations:
    def test_chain_adds_durations_and_handoff_delays(self):
        # 2 + 1 (clerk->lead) + 3 + 1 (lead->boss) + 4 = 11; the lead->lead edge carries none
        p = proc([{"id": "a", "role": "clerk", "duration": 2},
                  {"id": "b", "role": "lead", "duration": 3, "after": ["a"]},
                  {"id": "b2", "role": "lead", "duration": 0, "after": ["b"]},
                  {"id": "c", "role": "boss", "duration": 4, "after": ["b2"]}], handoff_delay=1)
        m = ps.measure(p)
        assert m.lead_time == 11
        assert m.critical_path == ("a", "b", "b2", "c")
        sim = ps.simulate(p, n=500, seed=3)
        assert (sim.samples == 11).all()

    def test_per_edge_delay_overrides_handoff_delay(self):
        p = proc([{"id": "a", "role": "clerk", "duration": 2},
                  {"id": "b", "role": "lead", "duration": 3, "after": [{"step": "a", "delay": 5}]}],
                 handoff_delay=1)
        assert ps.measure(p).lead_time == 10
        assert ps.simulate(p, n=10).mean == 10

    def test_and_join_takes_the_longest_branch(self):
        p = proc([{"id": "a", "role": "clerk", "duration": 1},
                  {"id": "b", "role": "clerk", "duration": 5, "after": ["a"]},
                  {"id": "c", "role": "clerk", "duration": 3, "after": ["a"]},
                  {"id": "d", "role": "clerk", "duration": 1, "after": ["b", "c"]}])
        m = ps.measure(p)
        assert m.lead_time == 7
        assert m.critical_path == ("a", "b", "d")
        sim = ps.simulate(p, n=100)
        assert (sim.samples == 7).all()
        assert sim.critical["b"] == 1.0 and sim.critical["c"] == 0.0

    def test_several_start_and_end_steps(self):
        p = proc([{"id": "a", "role": "clerk", "duration": 4},
                  {"id": "b", "role": "clerk", "duration": 6},
                  {"id": "c", "role": "clerk", "duration": 1, "after": ["a"]}])
        assert ps.measure(p).lead_time == 6
        assert ps.simulate(p, n=10).mean == 6

    def test_empty_process(self):
        m = ps.measure(proc([]))
        assert (m.steps, m.lead_time, m.cycle_efficiency, m.critical_path) == (0, 0, 1.0, ())


class TestFlowAnalysisTextbook:
    """Dumas, La Rosa, Mendling & Reijers, Fundamentals of BPM (2nd ed.), ch. 7 (flow analysis)."""

    def test_xor_block(self):
        # A 10 h, then B 20 h with p 0.9 or C 10 h with p 0.1: 10 + 0.9*20 + 0.1*10 = 29 h
        p = proc([{"id": "A", "role": "clerk", "duration": 10},
                  {"id": "B", "role": "clerk", "duration": 20, "after": [{"step": "A", "p": 0.9}]},
                  {"id": "C", "role": "clerk", "duration": 10, "after": [{"step": "A", "p": 0.1}]},
                  {"id": "D", "role": "clerk", "join": "any", "after": ["B", "C"]}],
                 time_unit="hour")
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(29, abs=1e-12)
        assert m.block_structured and m.lead_time_method == "flow"
        assert m.critical_path == ("A", "B", "D")

    def test_rework_repeated_until_accepted(self):
        # block T = 2 + 6 = 8, r = 0.2: T/(1-r) = 10, plus r/(1-r) * delay 1 = 0.25; then 3
        p = proc([{"id": "a", "role": "clerk", "duration": 2},
                  {"id": "b", "role": "clerk", "duration": 6, "after": ["a"],
                   "rework": {"to": "a", "p": 0.2, "delay": 1}},
                  {"id": "c", "role": "clerk", "duration": 3, "after": ["b"]}])
        assert ps.measure(p).lead_time == pytest.approx(8 / 0.8 + 0.25 + 3)

    def test_rework_at_most_once(self):
        # (1 + r) T + r * delay = 1.2 * 8 + 0.2 * 1, then 3
        p = proc([{"id": "a", "role": "clerk", "duration": 2},
                  {"id": "b", "role": "clerk", "duration": 6, "after": ["a"],
                   "rework": {"to": "a", "p": 0.2, "delay": 1, "mode": "once"}},
                  {"id": "c", "role": "clerk", "duration": 3, "after": ["b"]}])
        assert ps.measure(p).lead_time == pytest.approx(1.2 * 8 + 0.2 + 3)

    def test_rework_default_delay_is_the_handoff_between_the_roles(self):
        p = proc([{"id": "a", "role": "clerk", "duration": 2},
                  {"id": "b", "role": "lead", "duration": 6, "after": ["a"],
                   "rework": {"to": "a", "p": 0.5}}], handoff_delay=2)
        # T = 2 + 2 + 6 = 10; repeat: 10/0.5 + (0.5/0.5) * 2 = 22
        assert ps.measure(p).lead_time == pytest.approx(22)

    def test_nested_rework(self):
        # inner: b repeats itself, r=0.5: 4/0.5 = 8; outer a..b: (1 + 8)/(1-0.25) = 12
        p = proc([{"id": "a", "role": "clerk", "duration": 1},
                  {"id": "b", "role": "clerk", "duration": 4, "after": ["a"],
                   "rework": {"to": "b", "p": 0.5}},
                  {"id": "c", "role": "clerk", "duration": 0, "after": ["b"],
                   "rework": {"to": "a", "p": 0.25}}])
        assert ps.measure(p).lead_time == pytest.approx(12)

    def test_xor_with_empty_branch(self):
        # DESIGN.md: screen 2, expert opinion 5 with p 0.3, decide 1: 2 + 0.3*5 + 1
        p = proc([{"id": "screen", "role": "clerk", "duration": 2},
                  {"id": "expert_opinion", "role": "expert", "duration": 5,
                   "after": [{"step": "screen", "p": 0.3}]},
                  {"id": "decide", "role": "boss", "join": "any", "duration": 1,
                   "after": ["expert_opinion", {"step": "screen", "p": 0.7}]}])
        assert ps.measure(p).lead_time == pytest.approx(2 + 1.5 + 1)

    def test_and_inside_xor_and_xor_inside_and(self):
        # Corrected (issue 9): this test used to expect 8, flow analysis's max of the branch
        # *expectations* (1 + (0.5*2 + 0.5*10) = 7 against 5, then 1). The XOR sits inside a
        # parallel branch, so the expected lead time averages the max over each outcome:
        # x1 runs: max(1 + 2, 5) = 5; x2 runs: max(1 + 10, 5) = 11; 0.5*5 + 0.5*11 + 1 = 9.
        p = proc([{"id": "s", "role": "clerk", "duration": 0},
                  {"id": "x", "role": "clerk", "duration": 1, "after": ["s"]},
                  {"id": "x1", "role": "clerk", "duration": 2, "after": [{"step": "x", "p": 0.5}]},
                  {"id": "x2", "role": "clerk", "duration": 10, "after": [{"step": "x", "p": 0.5}]},
                  {"id": "xj", "role": "clerk", "join": "any", "after": ["x1", "x2"]},
                  {"id": "y", "role": "clerk", "duration": 5, "after": ["s"]},
                  {"id": "end", "role": "clerk", "duration": 1, "after": ["xj", "y"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(9, abs=1e-12)
        assert m.lead_time_method == "enumeration" and m.lead_time_se is None
        assert m.block_structured  # structure only: it does not make flow analysis exact
        assert "exact expectation over every outcome" in str(m)

    def test_xor_inside_and_is_flow_when_one_branch_is_always_last(self):
        # the XOR branch takes 1 + 2 or 1 + 10, the other branch 12: y is last in every
        # outcome, so max of expectations = expectation of max: 12 + 1
        p = proc([{"id": "s", "role": "clerk", "duration": 0},
                  {"id": "x", "role": "clerk", "duration": 1, "after": ["s"]},
                  {"id": "x1", "role": "clerk", "duration": 2, "after": [{"step": "x", "p": 0.5}]},
                  {"id": "x2", "role": "clerk", "duration": 10, "after": [{"step": "x", "p": 0.5}]},
                  {"id": "xj", "role": "clerk", "join": "any", "after": ["x1", "x2"]},
                  {"id": "y", "role": "clerk", "duration": 12, "after": ["s"]},
                  {"id": "end", "role": "clerk", "duration": 1, "after": ["xj", "y"]}])
        m = ps.measure(p)
        assert (m.lead_time, m.lead_time_method) == (13, "flow")

    def test_and_inside_xor_branch_is_flow(self):
        # a parallel block inside one branch has no randomness of its own:
        # 1 + 0.5 * (max(3, 4) + 1) + 0.5 * 2 = 4.5
        p = proc([{"id": "x", "role": "clerk", "duration": 1},
                  {"id": "a", "role": "clerk", "duration": 0, "after": [{"step": "x", "p": 0.5}]},
                  {"id": "a1", "role": "clerk", "duration": 3, "after": ["a"]},
                  {"id": "a2", "role": "clerk", "duration": 4, "after": ["a"]},
                  {"id": "aj", "role": "clerk", "duration": 1, "after": ["a1", "a2"]},
                  {"id": "b", "role": "clerk", "duration": 2, "after": [{"step": "x", "p": 0.5}]},
                  {"id": "end", "role": "clerk", "join": "any", "after": ["aj", "b"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(4.5, abs=1e-12)
        assert m.lead_time_method == "flow"

    def test_rework_before_a_parallel_block_is_flow(self):
        # the loop is shared by both branches: 2/(1-0.5) = 4, then max(3, 1)
        p = proc([{"id": "a", "role": "clerk", "duration": 2, "rework": {"to": "a", "p": 0.5}},
                  {"id": "b", "role": "clerk", "duration": 3, "after": ["a"]},
                  {"id": "c", "role": "clerk", "duration": 1, "after": ["a"]},
                  {"id": "d", "role": "clerk", "duration": 0, "after": ["b", "c"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(7, abs=1e-12)
        assert m.lead_time_method == "flow"


class TestChoicesNotBlockStructured:
    def test_alternatives_ending_in_different_steps_are_weighted(self):
        p = proc([{"id": "a", "role": "clerk", "duration": 1},
                  {"id": "ok", "role": "clerk", "duration": 2, "after": [{"step": "a", "p": 0.75}]},
                  {"id": "no", "role": "clerk", "duration": 6,
                   "after": [{"step": "a", "p": 0.25}]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(1 + 0.75 * 2 + 0.25 * 6)
        assert m.block_structured

    def test_partial_merge_with_exclusive_ends_is_exact_by_flow(self):
        # s splits three ways; j merges only two of them; c ends on its own. Not
        # block-structured, yet flow analysis is exact: j's start averages its two
        # alternatives, and the two final steps j and c are exclusive, so they are weighted.
        # (This test used to expect "enumeration"; the figure is the same, the label was
        # needlessly pessimistic.)
        p = proc([{"id": "s", "role": "clerk", "duration": 1},
                  {"id": "a", "role": "clerk", "duration": 2, "after": [{"step": "s", "p": 0.5}]},
                  {"id": "b", "role": "clerk", "duration": 4, "after": [{"step": "s", "p": 0.3}]},
                  {"id": "c", "role": "clerk", "duration": 10, "after": [{"step": "s", "p": 0.2}]},
                  {"id": "j", "role": "clerk", "duration": 1, "join": "any", "after": ["a", "b"]}])
        m = ps.measure(p)
        assert not m.block_structured
        assert m.lead_time_method == "flow" and m.lead_time_se is None
        assert m.lead_time == pytest.approx(0.5 * 4 + 0.3 * 6 + 0.2 * 11)

    def test_final_step_on_one_branch_beside_one_that_always_runs_is_enumerated(self):
        # c or e ends the case on its branch, d always runs beside them:
        # s 1, then c 10 (p 0.4) or e 0 (p 0.6), and d 3: 1 + 0.4*max(10, 3) + 0.6*max(0, 3)
        p = proc([{"id": "s", "role": "clerk", "duration": 1},
                  {"id": "c", "role": "clerk", "duration": 10, "after": [{"step": "s", "p": 0.4}]},
                  {"id": "e", "role": "clerk", "duration": 0, "after": [{"step": "s", "p": 0.6}]},
                  {"id": "d", "role": "clerk", "duration": 3, "after": ["s"]}])
        m = ps.measure(p)
        assert not m.block_structured
        assert m.lead_time_method == "enumeration" and m.lead_time_se is None
        assert m.lead_time == pytest.approx(1 + 0.4 * 10 + 0.6 * 3, abs=1e-12)

    def test_partial_merge_with_rework_is_exact(self):
        # the send-back on s comes before the choice, so flow analysis holds:
        # s repeats until accepted, 1/(1-0.5) = 2; then as above
        # (Corrected, issue 9: this test was named "enumerated with rework at its
        # expectation"; rework counted at its expectation is right only outside parallel
        # branches, which is the case here, and flow analysis says so exactly.)
        p = proc([{"id": "s", "role": "clerk", "duration": 1, "rework": {"to": "s", "p": 0.5}},
                  {"id": "a", "role": "clerk", "duration": 2, "after": [{"step": "s", "p": 0.5}]},
                  {"id": "b", "role": "clerk", "duration": 4, "after": [{"step": "s", "p": 0.3}]},
                  {"id": "c", "role": "clerk", "duration": 10, "after": [{"step": "s", "p": 0.2}]},
                  {"id": "j", "role": "clerk", "duration": 1, "join": "any", "after": ["a", "b"]}])
        m = ps.measure(p)
        assert m.lead_time_method == "flow" and m.lead_time_se is None
        assert m.lead_time == pytest.approx(1 / 0.5 + 0.5 * 3 + 0.3 * 5 + 0.2 * 10)

    def test_segments_add_up(self):
        # a choice inside a parallel block (enumerated, 0.5*max(2, 3) + 0.5*max(6, 3) = 4.5)
        # followed by 12 sequential two-way choices (flow, 12 * 0.5*2): 1 + 4.5 + 12. Cut at
        # the join, the figure stays exact instead of enumerating 2**13 outcomes.
        # (Replaces a test that expected Monte Carlo for a process flow analysis gets exactly.)
        steps = [{"id": "s", "role": "clerk", "duration": 1},
                 {"id": "a", "role": "clerk", "duration": 2, "after": [{"step": "s", "p": 0.5}]},
                 {"id": "b", "role": "clerk", "duration": 6, "after": [{"step": "s", "p": 0.5}]},
                 {"id": "ab", "role": "clerk", "join": "any", "after": ["a", "b"]},
                 {"id": "q", "role": "clerk", "duration": 3, "after": ["s"]},
                 {"id": "j", "role": "clerk", "after": ["ab", "q"]}]
        last = "j"
        for i in range(12):
            steps += [{"id": f"y{i}", "role": "clerk", "duration": 2,
                       "after": [{"step": last, "p": 0.5}]},
                      {"id": f"m{i}", "role": "clerk", "join": "any",
                       "after": [f"y{i}", {"step": last, "p": 0.5}]}]
            last = f"m{i}"
        m = ps.measure(proc(steps))
        assert m.lead_time_method == "enumeration" and m.lead_time_se is None
        assert m.lead_time == pytest.approx(1 + 4.5 + 12, abs=1e-9)

    def test_many_outcomes_use_monte_carlo_with_its_error(self):
        # 19 parallel branches, branch i takes i days with p 0.5 (else 0): 2**19 outcomes,
        # above MAX_OUTCOMES. The lead time is the largest i drawn: P(max = i) = 0.5**(20 - i).
        steps = [{"id": "s", "role": "clerk", "duration": 0}]
        for i in range(1, 20):
            steps += [{"id": f"x{i}", "role": "clerk", "duration": i,
                       "after": [{"step": "s" if i == 1 else f"g{i}", "p": 0.5}]},
                      {"id": f"o{i}", "role": "clerk", "duration": 0,
                       "after": [{"step": "s" if i == 1 else f"g{i}", "p": 0.5}]},
                      {"id": f"j{i}", "role": "clerk", "join": "any", "after": [f"x{i}", f"o{i}"]}]
            if i > 1:
                steps.insert(1, {"id": f"g{i}", "role": "clerk", "duration": 0, "after": ["s"]})
        steps.append({"id": "end", "role": "clerk", "after": [f"j{i}" for i in range(1, 20)]})
        m = ps.measure(proc(steps))
        exact = math.fsum(i * 0.5 ** (20 - i) for i in range(1, 20))
        assert m.lead_time_method == "monte_carlo" and m.lead_time_se is not None
        assert 0 < m.lead_time_se < 0.05
        assert abs(m.lead_time - exact) < 5 * m.lead_time_se
        assert ps.measure(proc(steps)).lead_time == m.lead_time  # seeded: same figure
        assert "Monte Carlo estimate" in str(m)


class TestTouchTimeAndCost:
    def test_touch_time_and_cycle_efficiency(self):
        p = proc([{"id": "a", "role": "clerk", "duration": 4, "work": 1},
                  {"id": "b", "role": "lead", "duration": 2, "after": ["a"]}], handoff_delay=2)
        m = ps.measure(p)
        assert (m.lead_time, m.touch_time) == (8, 3)
        assert m.cycle_efficiency == pytest.approx(3 / 8)

    def test_cost_pays_every_and_branch_weights_xor_and_multiplies_rework(self):
        p = proc([{"id": "a", "role": "clerk", "duration": 1, "cost": 100},  # 100 + 2*1
                  {"id": "b", "role": "lead", "duration": 2, "after": ["a"]},  # 5*2
                  {"id": "c", "role": "expert", "duration": 3, "work": 1, "after": ["a"]},  # 4*1
                  {"id": "d", "role": "boss", "duration": 1, "after": [{"step": "b", "p": 0.25}],
                   "cost": 40},  # 0.25 * (40 + 10)
                  {"id": "e", "role": "clerk", "duration": 1, "after": [{"step": "b", "p": 0.75}],
                   "rework": {"to": "e", "p": 0.5}},  # 0.75 * 2 * 2
                  {"id": "f", "role": "clerk", "duration": 0, "join": "any",
                   "after": ["d", "e"]}])
        assert ps.measure(p).cost == pytest.approx(102 + 10 + 4 + 0.25 * 50 + 0.75 * 2 * 2)


class TestMetricsModel:
    def test_frozen_and_readable(self, letter_process):
        m = ps.measure(letter_process)
        with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
            m.lead_time = 0  # type: ignore[misc]
        text = str(m)
        assert "layers" in text and "lead time" in text and "draft -> initial_section" in text

    def test_letter_lead_time_by_hand(self, letter_process):
        # draft 2, +1, triangular(0.5,1,3) 1.5, +1, 1, +1, lognormal(median 1, p90 4)
        sigma = math.log(4) / 1.2815515655446004
        expected = 2 + 1 + 1.5 + 1 + 1 + 1 + math.exp(sigma**2 / 2)
        assert ps.measure(letter_process).lead_time == pytest.approx(expected)
