"""Passes claim no saving their Changes do not state (issue 9, items 2-4).

Each class holds a hand-computed case for one item; ``TestEveryExample`` runs
every built-in pass and preset on every bundled example and checks, pass by
pass, that each cut in time, cost or layers comes from an effect a Change
states.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import procsimp as ps

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.yaml"))


def process(steps: list[dict[str, Any]], roles: list[dict[str, Any]] | None = None,
            levels: list[Any] | None = None, **top: Any) -> ps.Process:
    return ps.Process.model_validate({
        "levels": levels or ["staff"],
        "roles": roles or [{"id": "a", "level": "staff"}, {"id": "b", "level": "staff"}],
        "steps": steps, **top})


class TestRevisionTime:
    """Item 2: a send-back's transport (``delay``) is apart from the revision (``revision``)."""

    @staticmethod
    def two_steps(mode: str = "repeat") -> ps.Process:
        # the applicant prepares (a), the office checks (b) and sends one file in two back:
        # 5 days on the way back (transport), 10 days with the applicant (revision)
        return process([
            {"id": "prepare", "role": "a", "duration": 2},
            {"id": "check", "role": "b", "duration": 3, "after": ["prepare"],
             "rework": {"to": "prepare", "p": 0.5, "delay": 5, "revision": 10, "mode": mode}},
        ])

    def test_lead_time_counts_transport_and_revision(self) -> None:
        # repeat: T / (1 - p) + p / (1 - p) * (delay + revision) = 5 / 0.5 + 1 * 15 = 25
        assert ps.measure(self.two_steps()).lead_time == pytest.approx(25.0)
        # once: (1 + p) T + p (delay + revision) = 7.5 + 7.5 = 15
        assert ps.measure(self.two_steps("once")).lead_time == pytest.approx(15.0)

    def test_simulation_counts_the_revision(self) -> None:
        sim = ps.simulate(self.two_steps(), n=20_000, seed=1)
        assert sim.mean_ci[0] <= 25.0 <= sim.mean_ci[1]
        # every case takes 5 days per pass plus 15 days per send-back: 5, 25, 45, ...
        assert set(((sim.samples - 5) % 20).round(9)) == {0.0}

    def test_a_random_revision_is_drawn(self) -> None:
        p = process([
            {"id": "prepare", "role": "a", "duration": 2},
            {"id": "check", "role": "b", "duration": 3, "after": ["prepare"],
             "rework": {"to": "prepare", "p": 0.5,
                        "revision": {"dist": "uniform", "low": 5, "high": 15}}},
        ])
        sim = ps.simulate(p, n=20_000, seed=2)
        assert ps.measure(p).lead_time == pytest.approx(5 / 0.5 + 10)
        assert sim.mean_ci[0] <= 20.0 <= sim.mean_ci[1]
        assert len(set(sim.samples.round(9))) > 100  # not a fixed return time

    def test_digitize_cuts_only_the_transport(self) -> None:
        before = self.two_steps()
        res = ps.simplify(before, ["digitize"])
        # after: 5 / 0.5 + 1 * (0 + 10) = 20; the cut is the 5 days of transport, not 15
        assert ps.measure(res.process).lead_time == pytest.approx(20.0)
        rework = res.process.step("check").rework
        assert rework is not None and (rework.delay, rework.revision) == (0.0, 10.0)
        [change] = res.changes
        assert (change.kind, change.steps, change.before, change.after) == (
            "retimed", ("check",), 5.0, 0.0)
        assert "the way back goes from 5 to 0 days; the revision (10 days) stays" in change.reason

    def test_digitize_with_a_default_transport_records_the_handoff(self) -> None:
        # no delay on the send-back: the handoff delay of 1.5 between a and b applies
        p = process([
            {"id": "prepare", "role": "a", "duration": 2},
            {"id": "check", "role": "b", "duration": 3, "after": ["prepare"],
             "rework": {"to": "prepare", "p": 0.5, "revision": 10}},
        ], handoff_delay=1.5)
        # before: (2 + 1.5 + 3) / 0.5 + (1.5 + 10) = 24.5; after: 5 / 0.5 + 10 = 20
        assert ps.measure(p).lead_time == pytest.approx(24.5)
        res = ps.simplify(p, ["digitize"])
        assert ps.measure(res.process).lead_time == pytest.approx(20.0)
        [change] = res.changes
        assert (change.steps, change.before, change.after) == ((), 1.5, 0.0)

    def test_every_digitize_change_has_before_and_after(self, repo_root: Path) -> None:
        for path in EXAMPLES:
            res = ps.simplify(ps.load(path), "spbe")
            done = [c for c in res.changes if c.kind == "retimed"]
            assert done, path.name
            for c in done:
                assert c.before is not None and c.after is not None, str(c)

    def test_revision_survives_every_format(self, tmp_path: Path) -> None:
        p = self.two_steps()
        for suffix in (".yaml", ".json", ".bpmn"):
            ps.save(p, tmp_path / f"p{suffix}")
            assert ps.load(tmp_path / f"p{suffix}") == p, suffix
        pytest.importorskip("pandas")
        assert ps.from_frame(p.to_frame()) == p
        frame = p.to_frame()
        assert frame["rework_revision"].iloc[1] == 10.0
        frame.attrs.clear()  # as read back from a CSV file
        rework = ps.from_frame(frame).step("check").rework
        assert rework is not None and (rework.delay, rework.revision) == (5.0, 10.0)

    def test_revision_must_be_a_duration(self) -> None:
        with pytest.raises(ValidationError, match="revision"):
            process([{"id": "x", "role": "a", "rework": {"to": "x", "p": 0.5, "revision": -1}}])
