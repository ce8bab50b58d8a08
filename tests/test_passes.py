"""Simplification passes: titled before/after fixtures, hand-computed worked cases, options.

The fixture runner: :func:`run_case` runs one ``fixtures/passes/<pass>/<case>.yaml``;
:func:`check_fixture_coverage` fails for a pass of the table without one (both also run
on a pass of its own in tests/test_adding_a_pass.py).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

import procsimp as ps
from procsimp.passes import BUILTIN_PASSES
from procsimp.passes._docs import index_page
from procsimp.passes.base import get_pass
from procsimp.pipeline import DEFAULT_PIPELINE, PRESETS
from tests.strategies.passes import BUILTIN

FIXTURES = Path(__file__).parent / "fixtures" / "passes"


def fixture_cases(root: Path = FIXTURES) -> list[Path]:
    """Every ``<root>/<pass>/<case>.yaml``."""
    return sorted(root.glob("*/*.yaml"))


CASES = fixture_cases()


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def check_fixture_coverage(names: Iterable[str], root: Path = FIXTURES) -> None:
    """Fail unless each pass of ``names`` has at least one fixture case under ``root``."""
    covered = {p.parent.name for p in fixture_cases(root)}
    missing = [name for name in names if name not in covered]
    assert not missing, (f"passes without fixtures: {', '.join(missing)}; add a titled "
                         f"before/after case to {root}/<pass>/<case>.yaml for each")


def run_case(path: Path) -> None:
    """Run the pass named by the case's folder on ``before``: it gives ``after`` and the
    ``changes`` kinds, a valid process, and nothing more when run again."""
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


class TestFixtures:
    """Each ``fixtures/passes/<pass>/<case>.yaml`` holds a titled before/after pair."""

    def test_every_builtin_pass_has_fixtures(self) -> None:
        check_fixture_coverage(BUILTIN)

    @pytest.mark.parametrize("path", CASES, ids=_case_id)
    def test_case(self, path: Path) -> None:
        run_case(path)


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


class TestTable:
    """Everything that lists the passes reads the one table."""

    def test_the_pipelines_come_from_the_table(self) -> None:
        names = tuple(row.name for row in BUILTIN_PASSES)
        assert PRESETS["all"].passes == names == BUILTIN
        assert tuple(row.name for row in BUILTIN_PASSES if row.default) == DEFAULT_PIPELINE
        assert tuple(ps.available_passes())[:len(names)] == names
        # the default pipeline needs no options: each runs on its options model's defaults
        assert all(get_pass(name).parse_options({}) for name in DEFAULT_PIPELINE)

    def test_each_row_is_its_module_and_options(self) -> None:
        for row in BUILTIN_PASSES:
            module = importlib.import_module(f"procsimp.passes.{row.name}")
            assert getattr(module, row.name) is row.function
            assert row.options.__module__ == module.__name__
            assert row.summary == row.function.__doc__.strip().splitlines()[0]

    def test_the_docs_index_is_generated_from_the_table(self, repo_root: Path) -> None:
        page = repo_root / "docs" / "passes" / "index.md"
        assert page.read_text(encoding="utf-8") == index_page(BUILTIN_PASSES), (
            "docs/passes/index.md is stale: python -m procsimp.passes._docs > "
            "docs/passes/index.md")
        for row in BUILTIN_PASSES:
            assert f"[{row.name}]({row.name}.md)" in page.read_text(encoding="utf-8")
            assert (page.parent / f"{row.name}.md").exists()


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


def test_the_runner_checks_mapping_keys_only_when_they_are_marked() -> None:
    from collections.abc import Mapping

    from procsimp.passes import RoleId

    class Marked(ps.PassOptions):
        who: Mapping[RoleId, RoleId] = {}

    class Unmarked(ps.PassOptions):
        who: Mapping[str, RoleId] = {}

    def same(process: ps.Process, options: Any) -> tuple[ps.Process, list[ps.Change]]:
        return process, []

    proc = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "clerk",
                                                                      "level": "staff"}],
                                      "steps": [{"id": "a", "role": "clerk"}]})
    ps.register_pass("marked_keys", options=Marked)(same)
    ps.register_pass("unmarked_keys", options=Unmarked)(same)
    try:
        with pytest.raises(ps.OptionError, match="names role 'ghost', which process"):
            ps.run_pass(proc, "marked_keys", who={"ghost": "clerk"})
        assert ps.run_pass(proc, "unmarked_keys", who={"ghost": "clerk"})[0] is proc
        with pytest.raises(ps.OptionError, match="names role 'ghost', which process"):
            ps.run_pass(proc, "unmarked_keys", who={"clerk": "ghost"})  # values still are
    finally:
        ps.unregister_pass("marked_keys")
        ps.unregister_pass("unmarked_keys")
