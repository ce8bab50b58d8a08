"""Simplification passes: titled before/after fixtures, hand-computed worked cases, options."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

import procsimp as ps
from procsimp.passes.base import get_pass
from procsimp.simplify import DEFAULT_PIPELINE, PRESETS

FIXTURES = Path(__file__).parent / "fixtures" / "passes"
CASES = sorted(FIXTURES.glob("*/*.yaml"))


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


class TestFixtures:
    """Each ``fixtures/passes/<pass>/<case>.yaml`` holds a titled before/after pair."""

    def test_every_builtin_pass_has_fixtures(self) -> None:
        covered = {p.parent.name for p in CASES}
        assert covered >= {"delayer", "merge_sequential", "parallelize", "eliminate_duplicates",
                           "digitize", "single_window"}

    @pytest.mark.parametrize("path", CASES, ids=_case_id)
    def test_case(self, path: Path) -> None:
        case: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        before = ps.Process.model_validate(case["before"])
        expected = ps.Process.model_validate(case["after"])
        result = ps.simplify(before, [path.parent.name],
                             options={path.parent.name: case.get("options", {})})
        assert ps.dumps(result.process) == ps.dumps(expected), case["title"]
        assert result.process == expected
        assert sorted(c.kind for c in result.changes) == sorted(case["changes"]), [
            str(c) for c in result.changes]
        assert all(c.reason for c in result.changes)
        # the result is a valid process, and running the pass again changes nothing
        assert ps.Process.model_validate(result.process.model_dump()) == result.process
        again = ps.simplify(result.process, [path.parent.name],
                            options={path.parent.name: case.get("options", {})})
        assert again.process == result.process


def lognormal_mean(median: float, p90: float) -> float:
    sigma = math.log(p90 / median) / 1.2815515655446004
    return median * math.exp(sigma**2 / 2)


class TestWorkedCases:
    def test_letter_from_four_layers_to_two(self, letter_process: ps.Process) -> None:
        res = ps.simplify(letter_process, "delayering_2019")
        before, after = ps.measure(letter_process), ps.measure(res.process)
        assert (before.layers, after.layers) == (4, 2)
        assert (before.approval_layers, after.approval_layers) == (3, 1)
        # by hand: draft 2, handoff 1, sign lognormal(median 1, p90 4); the two initials and
        # their handoffs (1.5 + 1 + 1 + 1) are gone
        assert before.lead_time == pytest.approx(2 + 1 + 1.5 + 1 + 1 + 1 + lognormal_mean(1, 4))
        assert after.lead_time == pytest.approx(2 + 1 + lognormal_mean(1, 4))
        assert [s.id for s in res.process.steps] == ["draft", "sign"]
        removed = [c for c in res.changes if c.kind == "removed"]
        assert [c.steps for c in removed] == [("initial_section",), ("initial_division",)]
        assert "no longer signs after delayering" in removed[0].reason

    def test_bundled_letter_under_delayering(self, repo_root: Path) -> None:
        proc = ps.load(repo_root / "examples" / "outgoing_letter.yaml")
        res = ps.simplify(proc, "delayering_2019")
        m = ps.measure(res.process)
        assert (ps.measure(proc).layers, m.layers) == (4, 2)
        # by hand: the revision block draft..initial_section = pert 7/3 + 3 handoffs 0.75 +
        # triangular 1.5, sent back with p 0.25 (return 0.5): /0.75 + 0.5*0.25/0.75; then
        # handoff, sign (lognormal), handoff, number (7/12), dispatch (mean of 8 values)
        handoff = (0.25 + 0.5 + 1.5) / 3
        block = (7 / 3 + 3 * handoff + 1.5) / 0.75 + 0.5 * 0.25 / 0.75
        dispatch = sum([0.5, 0.5, 1, 1, 1, 1.5, 2, 3]) / 8
        expected = block + handoff + lognormal_mean(1, 4) + handoff + 7 / 12 + dispatch
        assert m.lead_time == pytest.approx(expected)
        assert res.process.step("initial_section").kind == "review"

    def test_building_reviews_run_in_parallel(self, repo_root: Path) -> None:
        case = yaml.safe_load((FIXTURES / "parallelize" / "building.yaml").read_text())
        proc = ps.Process.model_validate(case["before"])
        res = ps.simplify(proc, ["parallelize"])
        # queued: 1 + 1 + 5 + 1 + 4 + 1 + 3 + 1 + 1 = 18; parallel: 1 + 1 + max(5, 4, 3) + 1 + 1
        assert ps.measure(proc).lead_time == 18
        assert ps.measure(res.process).lead_time == 9
        assert ps.simulate(res.process, n=100).mean == 9


class TestPipelineAndOptions:
    def test_unknown_pass_lists_the_valid_ones(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.OptionError, match=r"unknown pass 'delayr'.*delayer"):
            ps.simplify(letter_process, ["delayr"])

    def test_unknown_preset_lists_passes_and_presets(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.OptionError, match=r"'ptsp2'.*presets: .*ptsp"):
            ps.simplify(letter_process, "ptsp2")

    def test_unknown_option_names_it_and_lists_the_valid_ones(self, letter_process) -> None:
        with pytest.raises(ps.OptionError, match=r"'remove_level' is not known; valid options: "
                                                 r"remove_levels, keep_levels, reassign"):
            ps.simplify(letter_process, ["delayer"], options={"delayer": {"remove_level": []}})

    def test_bad_option_value(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.OptionError, match="duration_factor"):
            ps.simplify(letter_process, ["digitize"], options={"digitize": {"duration_factor": 2}})
        with pytest.raises(ps.OptionError, match="either remove_levels or keep_levels"):
            ps.simplify(letter_process, ["delayer"])

    def test_options_for_a_pass_not_in_the_pipeline(self, letter_process: ps.Process) -> None:
        with pytest.raises(ps.OptionError, match="not in the pipeline"):
            ps.simplify(letter_process, ["digitize"], options={"delayer": {}})

    def test_option_values_checked_against_the_process(self, letter_process) -> None:
        with pytest.raises(ps.OptionError, match=r"'clerk'.*roles are"):
            ps.simplify(letter_process, ["digitize"], options={"digitize": {"roles": ["clerk"]}})
        with pytest.raises(ps.OptionError, match=r"'window'"):
            ps.run_pass(letter_process, "single_window", role="window")

    def test_unknown_level_is_an_error_with_a_close_match(self,
                                                          letter_process: ps.Process) -> None:
        with pytest.raises(ps.OptionError, match=r"'echelon3'.*did you mean 'echelon_3'"):
            ps.simplify(letter_process, ["delayer"],
                        options={"delayer": {"remove_levels": ["echelon3"]}})

    def test_result_keeps_every_intermediate_process(self, letter_process) -> None:
        res = ps.simplify(letter_process, "all")
        assert res.passes == PRESETS["all"].passes
        assert res.runs[-1].process is res.process
        assert res.original is letter_process
        assert sum(len(r.changes) for r in res.runs) == len(res.changes)
        assert "delayer:" in res.summary()

    def test_default_pipeline_needs_no_options(self, letter_process: ps.Process) -> None:
        assert ps.simplify(letter_process).passes == DEFAULT_PIPELINE

    def test_user_options_override_preset_options(self, letter_process) -> None:
        res = ps.simplify(letter_process, "delayering_2019",
                          options={"delayer": {"remove_levels": ["echelon_4"]}})
        assert ps.measure(res.process).layers == 3

    def test_every_preset_runs_on_the_letter(self, letter_process: ps.Process) -> None:
        for name in PRESETS:
            res = ps.simplify(letter_process, name)
            assert ps.measure(res.process).lead_time <= ps.measure(letter_process).lead_time


class TestCustomPass:
    def test_register_run_and_unregister(self, letter_process: ps.Process) -> None:
        class Options(ps.PassOptions):
            factor: float = 0.5

        @ps.register_pass("halve_signatures", options=Options)
        def halve_signatures(process, options):
            """Halve the duration of signature steps."""
            from procsimp.durations import scaled

            steps, changes = [], []
            for s in process.steps:
                if s.kind == "signature" and not getattr(s, "halved", False):
                    s = s.model_copy(update={"duration": scaled(s.duration, options.factor)})
                    changes.append(ps.Change(pass_name="halve_signatures", kind="retimed",
                                             steps=(s.id,), reason="signed electronically"))
                steps.append(s)
            return process.model_copy(update={"steps": tuple(steps)}), changes

        try:
            assert ps.available_passes()["halve_signatures"] == (
                "Halve the duration of signature steps.")
            res = ps.simplify(letter_process, ["halve_signatures"],
                              options={"halve_signatures": {"factor": 0.25}})
            assert [c.steps for c in res.changes] == [("sign",)]
            with pytest.raises(ps.OptionError, match="already registered"):
                ps.register_pass("halve_signatures")(halve_signatures)
        finally:
            ps.unregister_pass("halve_signatures")
        with pytest.raises(ps.OptionError, match="unknown pass"):
            get_pass("halve_signatures")

    def test_a_pass_must_return_a_process_and_changes(self, letter_process) -> None:
        @ps.register_pass("broken")
        def broken(process, options):
            """Returns the wrong thing."""
            return process

        try:
            with pytest.raises(ps.ProcsimpError, match="pass 'broken' must return"):
                ps.simplify(letter_process, ["broken"])
        finally:
            ps.unregister_pass("broken")
