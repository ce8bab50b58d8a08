"""Issue 19 (and issue 9, item 5): the shrunk cases, each with its result worked by hand."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import procsimp as ps

#: The levels the presets name (delayer refuses levels a process lacks); the roles are staff.
LEVELS = ["head", "echelon_3", "echelon_4", "staff"]


def process(steps: list[dict[str, Any]], **extra: Any) -> ps.Process:
    roles = [{"id": "R0", "level": "staff"}, {"id": "R1", "level": "staff"}]
    return ps.Process.model_validate({"levels": LEVELS, "roles": roles, **extra, "steps": steps})


def edges(p: ps.Process) -> dict[str, list[tuple[str, bool]]]:
    """Each step's predecessors with their hard flag."""
    return {s.id: [(e.step, e.hard) for e in s.after] for s in p.steps}


class TestMergeKeepsUnknownDependencies:
    """Case 1: a step without ``needs`` merged with a successor that declares some."""

    #: s2 declares no needs, so waiting for s1 (5 days) is required; s3 needs art0 from s0.
    STEPS: ClassVar[list[dict[str, Any]]] = [
        {"id": "s0", "role": "R0", "duration": 1, "produces": ["art0"]},
        {"id": "s1", "role": "R1", "duration": 5},
        {"id": "s2", "role": "R0", "duration": 1, "after": ["s1", "s0"]},
        {"id": "s3", "role": "R0", "duration": 1, "after": ["s2"], "needs": ["art0"]},
    ]

    def test_merged_step_keeps_every_edge_of_its_first_part(self) -> None:
        p = process(self.STEPS)
        q, changes = ps.run_pass(p, "merge_sequential")
        merged = q.step("s2")
        assert (merged.name, merged.duration, merged.needs) == ("s2 + s3", 2.0, ("art0",))
        # s2's edges were required (no needs): the merged step declares needs, so they are hard
        assert edges(q) == {"s0": [], "s1": [], "s2": [("s1", True), ("s0", True)]}
        assert [c.kind for c in changes] == ["merged"]

    def test_parallelize_after_merge_keeps_the_wait(self) -> None:
        p = process(self.STEPS)
        res = ps.simplify(p, ["merge_sequential", "parallelize"])
        assert edges(res.process)["s2"] == [("s1", True), ("s0", True)]
        assert [c.kind for c in res.changes] == ["merged"]
        # by hand: s2 starts when s1 ends (5), then s2 + s3 take 2: 7 before and after
        assert ps.measure(p).lead_time == ps.measure(res.process).lead_time == 7.0

    def test_a_first_part_with_needs_stays_habit(self) -> None:
        # s2 now declares it needs art0 only: waiting for s1 is habit, before and after merging
        steps = [dict(s) for s in self.STEPS]
        steps[2]["needs"] = ["art0"]
        res = ps.simplify(process(steps), ["merge_sequential", "parallelize"])
        assert edges(res.process)["s2"] == [("s0", False)]
        # by hand: s0 (1) then s2 + s3 (2) = 3, beside s1 (5): lead time 5
        assert ps.measure(res.process).lead_time == 5.0

    @pytest.mark.parametrize("preset", ["all", "ptsp"])
    def test_issue_case_under_presets(self, preset: str) -> None:
        # the case as filed: s1 and s2 locked, a hard edge between them
        p = process([
            {"id": "s0", "role": "R0", "duration": 1, "produces": ["art0"]},
            {"id": "s1", "role": "R0", "duration": 1, "after": ["s0"], "needs": ["art0"],
             "locked": True, "produces": ["art1"]},
            {"id": "s2", "role": "R0", "duration": 1, "after": [{"step": "s1", "hard": True}],
             "needs": ["art1"], "locked": True},
            {"id": "s3", "role": "R0", "duration": 1, "after": ["s2", "s0"]},
            {"id": "s4", "role": "R0", "duration": 1, "after": ["s3"], "needs": ["art0"]},
        ])
        res = ps.simplify(p, preset)
        after = edges(res.process)
        assert after["s3"] == [("s2", True), ("s0", True)]
        assert "s4" not in after
        # by hand: s0, s1, s2 in a row (3), then s3 + s4 (2): 5, nothing run in parallel
        assert ps.measure(res.process).lead_time == ps.measure(p).lead_time == 5.0


def staff(steps: list[dict[str, Any]]) -> ps.Process:
    """One role, no handoff delay: lead times are sums and maxima of the durations."""
    return ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
                                      "steps": [{"role": "c", **s} for s in steps]})


class TestParallelizeIdempotent:
    """Case 2: dropping a redundant edge changed which producer a later step needed."""

    def test_latest_producer_does_not_depend_on_redundant_edges(self) -> None:
        # art0 is made on one branch (s2) and again after the choice (s5); s6 also comes
        # after s4 directly (redundant: s4 -> s5 -> s6). Once parallelize dropped that edge,
        # s7's only producer was s5 and a second run rewired it: s7 needs s5's art0 either way
        p = staff([
            {"id": "s1", "duration": 0},
            {"id": "s2", "duration": 1, "after": [{"step": "s1", "p": 0.5}], "produces": ["art0"]},
            {"id": "s3", "duration": 1, "after": [{"step": "s1", "p": 0.5}]},
            {"id": "s4", "duration": 1, "after": ["s2", "s3"], "join": "any"},
            {"id": "s5", "duration": 1, "after": ["s4"], "produces": ["art0"]},
            {"id": "s6", "duration": 3, "after": ["s5", "s4"]},
            {"id": "s7", "duration": 1, "after": ["s6"], "needs": ["art0"]},
        ])
        q, changes = ps.run_pass(p, "parallelize")
        assert (q.step("s6").predecessors, q.step("s7").predecessors) == (("s5",), ("s5",))
        assert sorted(c.kind for c in changes) == ["edge_dropped", "reordered"]
        again, more = ps.run_pass(q, "parallelize")
        assert again == q and not [c for c in more if c.kind != "skipped"]
        # by hand: s1 0, s2 or s3 1, s4 1, s5 1 (3), then s6 3 (6) beside s7 1 (4): 7 -> 6
        assert (ps.measure(p).lead_time, ps.measure(q).lead_time) == (7.0, 6.0)


class TestParallelizeBeforeASelfLoop:
    """Issue 9, item 5: a step needing four reviews, with a rework on itself."""

    @staticmethod
    def reviews(decide_block: bool) -> ps.Process:
        def review(sid: str, days: float, after: str, art: str) -> dict[str, Any]:
            return {"id": sid, "kind": "review", "duration": days, "after": [after],
                    "needs": ["plan"], "produces": [art]}

        oks = ["fire_ok", "zoning_ok", "env_ok", "traffic_ok"]
        steps = [{"id": "draft", "duration": 2, "produces": ["plan"]},
                 review("fire", 10, "draft", "fire_ok"), review("zoning", 8, "fire", "zoning_ok"),
                 review("env", 6, "zoning", "env_ok"), review("traffic", 4, "env", "traffic_ok")]
        if decide_block:  # the send-back returns to a collecting step before the decision
            steps += [{"id": "collect", "duration": 1, "after": ["traffic"], "needs": ["plan"]},
                      {"id": "decide", "kind": "approval", "duration": 1, "after": ["collect"],
                       "needs": oks, "rework": {"to": "collect", "p": 0.5, "delay": 0}}]
        else:
            steps.append({"id": "decide", "kind": "approval", "duration": 1, "after": ["traffic"],
                          "needs": oks, "rework": {"to": "decide", "p": 0.5, "delay": 0}})
        return staff(steps)

    def test_the_reviews_run_at_once(self) -> None:
        p = self.reviews(decide_block=False)
        q, changes = ps.run_pass(p, "parallelize")
        assert {s.id: s.predecessors for s in q.steps} == {
            "draft": (), "fire": ("draft",), "zoning": ("draft",), "env": ("draft",),
            "traffic": ("draft",), "decide": ("fire", "zoning", "env", "traffic")}
        # by hand: decide 1 d sent back at p .5 takes 1 / (1 - .5) = 2 d; before 2 + 10 + 8 + 6
        # + 4 + 2 = 32, after 2 + max(10, 8, 6, 4) + 2 = 14 (it was 18: traffic kept waiting)
        assert (ps.measure(p).lead_time, ps.measure(q).lead_time) == (32.0, 14.0)
        decide = next(c for c in changes if c.steps == ("decide",))
        assert decide.kind == "reordered"
        assert "needs only 'fire_ok', 'zoning_ok', 'env_ok', 'traffic_ok'" in decide.reason

    def test_a_step_kept_for_a_consumer_says_so(self) -> None:
        # decide sends back to collect, so decide itself is left as it is: collect, rewired
        # to draft, must keep the four reviews before it, and its reason says it is for decide
        p = self.reviews(decide_block=True)
        q, changes = ps.run_pass(p, "parallelize")
        assert set(q.step("collect").predecessors) == {"fire", "zoning", "env", "traffic"}
        assert q.step("decide").predecessors == ("collect",)
        collect = next(c for c in changes if c.steps == ("collect",))
        assert "needs only" not in collect.reason
        assert "'fire', 'zoning' and 'env' must still come before 'decide'" in collect.reason
        # by hand: 2 + 10 (the longest review), then collect + decide 2 d sent back at p .5:
        # 4 d; before 2 + 28 + 4 = 34
        assert (ps.measure(p).lead_time, ps.measure(q).lead_time) == (34.0, 16.0)
