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
