"""Every kind of bad input is refused with a ProcsimpError naming the file and the culprit.

Each case is a file written to ``tmp_path`` and read with :func:`procsimp.load`; the
same descriptions through ``Process.model_validate`` raise pydantic's ValidationError,
whose message names the step id.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from pydantic import ValidationError

import procsimp as ps

HEAD = """\
name: bad input
levels: [head, staff]
roles:
  - {id: boss, level: head}
  - {id: clerk, level: staff, reports_to: boss}
steps:
"""


class Case(NamedTuple):
    text: str | bytes
    error: type[ps.ProcsimpError]
    needles: tuple[str, ...]
    suffix: str = ".yaml"


def steps(body: str) -> str:
    """A file with the standard levels and roles and these steps (YAML list items)."""
    return HEAD + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ") + "\n"


CASES: dict[str, Case] = {
    "malformed_yaml": Case("name: x\nsteps: [ {id: a\n", ps.FileFormatError, ("line",)),
    "malformed_json": Case('{"name": "x",\n "steps": [1,]}\n', ps.FileFormatError, ("line 2",),
                           ".json"),
    "unknown_role": Case(steps("""
        - {id: draft, role: clerk}
        - {id: sign, role: minister, after: [draft]}
        """), ps.ModelError, ("'sign'", "minister", "role")),
    "unknown_level": Case(HEAD.replace("level: staff", "level: echelon_9")
                          + "  - {id: draft, role: clerk}\n",
                          ps.ModelError, ("'clerk'", "echelon_9", "level")),
    "unknown_reports_to": Case(HEAD.replace("reports_to: boss", "reports_to: king")
                               + "  - {id: draft, role: clerk}\n",
                               ps.ModelError, ("'clerk'", "king")),
    "unknown_predecessor": Case(steps("""
        - {id: draft, role: clerk}
        - {id: sign, role: boss, after: [drafft]}
        """), ps.ModelError, ("'sign'", "drafft", "draft")),
    "unknown_rework_target": Case(steps("""
        - {id: draft, role: clerk}
        - {id: sign, role: boss, after: [draft], rework: {to: redraft, p: 0.2}}
        """), ps.ModelError, ("'sign'", "redraft", "rework")),
    "unknown_artifact": Case(steps("""
        - {id: draft, role: clerk, produces: [letter]}
        - {id: sign, role: boss, after: [draft], needs: [letter, stamp]}
        """), ps.ModelError, ("'sign'", "stamp", "produce")),
    "artifact_from_a_later_step": Case(steps("""
        - {id: draft, role: clerk, needs: [letter]}
        - {id: sign, role: boss, after: [draft], produces: [letter]}
        """), ps.ModelError, ("'draft'", "letter")),
    "duplicate_step_id": Case(steps("""
        - {id: draft, role: clerk}
        - {id: draft, role: boss}
        """), ps.ModelError, ("'draft'", "twice")),
    "duplicate_role_id": Case(
        HEAD.replace("  - {id: clerk,", "  - {id: boss, level: staff}\n  - {id: clerk,")
        + "  - {id: draft, role: clerk}\n", ps.ModelError, ("'boss'", "twice")),
    "duplicate_level_id": Case(HEAD.replace("[head, staff]", "[head, staff, head]")
                               + "  - {id: draft, role: clerk}\n",
                               ps.ModelError, ("'head'", "twice")),
    "cycle_without_rework": Case(steps("""
        - {id: draft, role: clerk, after: [sign]}
        - {id: check, role: clerk, after: [draft]}
        - {id: sign, role: boss, after: [check]}
        """), ps.ModelError, ("draft", "check", "sign", "cycle", "rework")),
    "self_loop": Case(steps("""
        - {id: draft, role: clerk, after: [draft]}
        """), ps.ModelError, ("'draft'", "itself")),
    "negative_duration": Case(steps("""
        - {id: draft, role: clerk, duration: -2}
        """), ps.ModelError, ("'draft'", "duration")),
    "negative_work": Case(steps("""
        - {id: draft, role: clerk, duration: 2, work: -1}
        """), ps.ModelError, ("'draft'", "work")),
    "negative_handoff_delay": Case(HEAD.replace("name: bad input", "handoff_delay: -1")
                                   + "  - {id: draft, role: clerk}\n",
                                   ps.ModelError, ("handoff_delay",)),
    "negative_edge_delay": Case(steps("""
        - {id: draft, role: clerk}
        - {id: sign, role: boss, after: [{step: draft, delay: -1}]}
        """), ps.ModelError, ("'sign'", "delay")),
    "infinite_duration": Case(steps("""
        - {id: draft, role: clerk, duration: .inf}
        """), ps.ModelError, ("'draft'", "duration", "finite")),
    "nan_duration": Case(steps("""
        - {id: draft, role: clerk, duration: .nan}
        """), ps.ModelError, ("'draft'", "duration")),
    "infinite_distribution_parameter": Case(steps("""
        - {id: draft, role: clerk, duration: {dist: uniform, low: 0, high: .inf}}
        """), ps.ModelError, ("'draft'", "duration")),
    "probability_above_one": Case(steps("""
        - {id: screen, role: clerk}
        - {id: expert, role: boss, after: [{step: screen, p: 1.5}]}
        """), ps.ModelError, ("'expert'", "p")),
    "probability_below_zero": Case(steps("""
        - {id: screen, role: clerk}
        - {id: expert, role: boss, after: [{step: screen, p: -0.1}]}
        """), ps.ModelError, ("'expert'", "p")),
    "rework_probability_above_one": Case(steps("""
        - {id: screen, role: clerk, rework: {to: screen, p: 2}}
        """), ps.ModelError, ("'screen'", "p")),
    "probabilities_not_summing_to_one": Case(steps("""
        - {id: screen, role: clerk}
        - {id: expert, role: boss, after: [{step: screen, p: 0.3}]}
        - {id: decide, role: boss, join: any, after: [expert, {step: screen, p: 0.6}]}
        """), ps.ModelError, ("'screen'", "0.9", "sum")),
    "join_any_over_concurrent_branches": Case(steps("""
        - {id: screen, role: clerk}
        - {id: fire, role: clerk, after: [screen]}
        - {id: zoning, role: clerk, after: [screen]}
        - {id: decide, role: boss, join: any, after: [fire, zoning]}
        """), ps.ModelError, ("'decide'", "join")),
    "join_any_over_concurrent_branches_after_a_choice": Case(steps("""
        - {id: screen, role: clerk}
        - {id: fire, role: clerk, after: [{step: screen, p: 0.5}]}
        - {id: zoning, role: clerk, after: [{step: screen, p: 0.5}]}
        - {id: merged, role: clerk, join: any, after: [fire, zoning]}
        - {id: a, role: clerk, after: [merged]}
        - {id: b, role: clerk, after: [merged]}
        - {id: decide, role: boss, join: any, after: [a, b]}
        """), ps.ModelError, ("'decide'", "join")),
    "join_all_over_exclusive_alternatives": Case(steps("""
        - {id: screen, role: clerk}
        - {id: expert, role: boss, after: [{step: screen, p: 0.3}]}
        - {id: quick, role: clerk, after: [{step: screen, p: 0.7}]}
        - {id: decide, role: boss, after: [expert, quick]}
        """), ps.ModelError, ("'decide'", "join")),
    "unreachable_step": Case(steps("""
        - {id: screen, role: clerk}
        - {id: expert, role: boss, after: [{step: screen, p: 0}]}
        - {id: quick, role: clerk, after: [{step: screen, p: 1}]}
        - {id: decide, role: boss, join: any, after: [expert, quick]}
        """), ps.ModelError, ("'expert'", "reached")),
    "rework_block_left_from_the_middle": Case(steps("""
        - {id: draft, role: clerk}
        - {id: check, role: clerk, after: [draft]}
        - {id: sign, role: boss, after: [check], rework: {to: draft, p: 0.2}}
        - {id: archive, role: clerk, after: [check]}
        """), ps.ModelError, ("'sign'", "'draft'", "check -> archive")),
    "rework_block_entered_in_the_middle": Case(steps("""
        - {id: intake, role: clerk}
        - {id: draft, role: clerk}
        - {id: check, role: clerk, after: [draft, intake]}
        - {id: sign, role: boss, after: [check], rework: {to: draft, p: 0.2}}
        """), ps.ModelError, ("'sign'", "'draft'", "intake -> check")),
    "rework_to_a_later_step": Case(steps("""
        - {id: draft, role: clerk, rework: {to: sign, p: 0.2}}
        - {id: sign, role: boss, after: [draft]}
        """), ps.ModelError, ("'draft'", "'sign'", "rework")),
    "certain_repeated_rework": Case(steps("""
        - {id: draft, role: clerk, rework: {to: draft, p: 1}}
        """), ps.ModelError, ("'draft'", "rework")),
    "triangular_low_above_high": Case(steps("""
        - {id: draft, role: clerk, duration: {dist: triangular, low: 5, mode: 3, high: 1}}
        """), ps.ModelError, ("'draft'", "duration", "low")),
    "lognormal_missing_p90": Case(steps("""
        - {id: draft, role: clerk, duration: {dist: lognormal, median: 2}}
        """), ps.ModelError, ("'draft'", "p90")),
    "unknown_distribution": Case(steps("""
        - {id: draft, role: clerk, duration: {dist: weibull, shape: 2}}
        """), ps.ModelError, ("'draft'", "duration", "triangular")),
    "unknown_step_key": Case(steps("""
        - {id: draft, role: clerk, colour: red}
        """), ps.ModelError, ("'draft'", "colour")),
    "unknown_top_level_key": Case(HEAD.replace("name:", "titel:")
                                  + "  - {id: draft, role: clerk}\n",
                                  ps.ModelError, ("titel",)),
    "unknown_kind": Case(steps("""
        - {id: draft, role: clerk, kind: memo}
        """), ps.ModelError, ("'draft'", "kind")),
    "missing_role": Case(steps("""
        - {id: draft}
        """), ps.ModelError, ("'draft'", "role")),
    "wrong_type_after": Case(steps("""
        - {id: draft, role: clerk, after: 3}
        """), ps.ModelError, ("'draft'", "after")),
    "top_level_list": Case("- {id: draft, role: clerk}\n", ps.FileFormatError, ("mapping",)),
    "top_level_scalar": Case("just a sentence\n", ps.FileFormatError, ("mapping",)),
    "empty_file": Case("", ps.FileFormatError, ()),
    "comments_only": Case("# nothing here\n", ps.FileFormatError, ()),
    "empty_json_file": Case("", ps.FileFormatError, (), ".json"),
    "binary_garbage": Case(bytes(range(256)) * 4, ps.FileFormatError, ("UTF-8",)),
    "png_bytes": Case(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), ps.FileFormatError,
                      ()),
    "binary_garbage_json": Case(b"\xff\xfe\x00\x01garbage", ps.FileFormatError, (), ".json"),
    "control_characters": Case("name: a\x07b\n", ps.FileFormatError, ()),
    "deep_nesting": Case("[" * 3000 + "]" * 3000, ps.FileFormatError, ()),
}
MODEL_CASES = [name for name, case in CASES.items() if case.error is ps.ModelError]


def write(tmp_path: Path, name: str, case: Case) -> Path:
    path = tmp_path / f"{name}{case.suffix}"
    if isinstance(case.text, bytes):
        path.write_bytes(case.text)
    else:
        path.write_text(case.text, encoding="utf-8")
    return path


class TestLoad:
    @pytest.mark.parametrize("name", list(CASES))
    def test_refused_naming_file_and_culprit(self, tmp_path: Path, name: str) -> None:
        case = CASES[name]
        path = write(tmp_path, name, case)
        with pytest.raises(ps.ProcsimpError) as info:
            ps.load(path)
        err = info.value
        assert isinstance(err, case.error), f"{type(err).__name__}: {err}"
        msg = str(err)
        assert path.name in msg
        for needle in case.needles:
            assert needle in msg, f"{needle!r} not in {msg!r}"

    @pytest.mark.parametrize("name", MODEL_CASES)
    def test_model_error_lists_problems(self, tmp_path: Path, name: str) -> None:
        with pytest.raises(ps.ModelError) as info:
            ps.load(write(tmp_path, name, CASES[name]))
        problems = info.value.problems
        assert problems
        assert all(isinstance(line, str) and line for line in problems)
        assert all(line in str(info.value) for line in problems)

    @pytest.mark.parametrize("name", MODEL_CASES)
    def test_no_exception_chain_leaks(self, tmp_path: Path, name: str) -> None:
        with pytest.raises(ps.ModelError) as info:
            ps.load(write(tmp_path, name, CASES[name]))
        assert not isinstance(info.value.__cause__, (KeyError, IndexError))


class TestModelValidate:
    @pytest.mark.parametrize("name", MODEL_CASES)
    def test_validation_error_names_the_culprit(self, name: str) -> None:
        case = CASES[name]
        assert isinstance(case.text, str)
        data: Any = yaml.safe_load(case.text)
        with pytest.raises(ValidationError) as info:
            ps.Process.model_validate(data)
        msg = str(info.value)
        for needle in case.needles:
            assert needle in msg, f"{needle!r} not in {msg!r}"


class TestSeveralProblems:
    TEXT = steps("""
        - {id: draft, role: clerk, duration: -2}
        - {id: check, role: auditor, after: [draft]}
        - {id: sign, role: boss, after: [chek]}
        """)

    def test_all_reported_together(self, tmp_path: Path) -> None:
        path = tmp_path / "several.yaml"
        path.write_text(self.TEXT, encoding="utf-8")
        with pytest.raises(ps.ModelError) as info:
            ps.load(path)
        msg = str(info.value)
        assert "several.yaml" in msg
        assert "'draft'" in msg and "duration" in msg
        assert "'check'" in msg and "auditor" in msg
        assert "'sign'" in msg and "chek" in msg
        assert len(info.value.problems) == 3
        assert "3 problems" in msg

    def test_all_reported_by_model_validate(self) -> None:
        with pytest.raises(ValidationError) as info:
            ps.Process.model_validate(yaml.safe_load(self.TEXT))
        assert info.value.error_count() == 3
        msg = str(info.value)
        for needle in ("'draft'", "auditor", "chek"):
            assert needle in msg

    def test_structural_and_field_problems_in_many_steps(self, tmp_path: Path) -> None:
        text = steps("""
            - {id: a, role: clerk, duration: {dist: triangular, low: 3, mode: 2, high: 1}}
            - {id: b, role: nobody, after: [a]}
            - {id: b, role: clerk, after: [a]}
            - {id: c, role: clerk, after: [a], needs: [ghost], colour: red}
            - {id: d, role: clerk, after: [zz]}
            """)
        path = tmp_path / "many.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ps.ModelError) as info:
            ps.load(path)
        msg = str(info.value)
        for needle in ("'a'", "triangular", "nobody", "twice", "colour", "zz"):
            assert needle in msg, f"{needle!r} not in {msg!r}"


class TestFromData:
    def test_source_names_the_origin(self) -> None:
        from procsimp.io.plain import from_data

        with pytest.raises(ps.ModelError, match="my-notebook"):
            from_data({"steps": [{"id": "a", "role": "nobody"}]}, source="my-notebook")

    @pytest.mark.parametrize("data", [None, [], "process", 3, 2.5, True])
    def test_not_a_mapping(self, data: Any) -> None:
        from procsimp.io.plain import from_data

        with pytest.raises(ps.FileFormatError, match="mapping"):
            from_data(data)

    def test_loads_names_the_source(self) -> None:
        with pytest.raises(ps.ModelError, match=r"inline\.yaml"):
            ps.loads("steps: [{id: a, role: nobody}]\n", source="inline.yaml")
