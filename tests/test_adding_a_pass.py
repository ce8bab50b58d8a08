"""Adding a pass is one module and one table line (issue 15, the first acceptance line).

A pass written in a temporary module and registered with one ``register_pass``
is picked up by the property tests, the fixture runner, ``available_passes()``,
the command line's ``passes`` and the docs index, with nothing else to edit;
and the fixture runner fails for a pass of the table without fixtures.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp.cli import main
from procsimp.passes import BUILTIN_PASSES
from procsimp.passes._docs import index_page
from tests.strategies import pass_processes
from tests.strategies.passes import BUILTIN, pass_options
from tests.test_passes import FIXTURES, check_fixture_coverage, fixture_cases, run_case
from tests.test_properties_passes import check_pass, check_pipeline

NAME = "sign_electronically"
SUMMARY = "Signatures become electronic: they take a fraction of the time, same signer."

#: The whole pass: its module, whose last statement is its one table line.
MODULE = f'''
"""``{NAME}``: signatures become electronic signatures (TTE)."""

from typing import Annotated

from pydantic import Field

import procsimp as ps
from procsimp.durations import mean_of, scaled
from procsimp.passes.base import RoleId

MARK = " (e-signed)"


class Options(ps.PassOptions):
    factor: Annotated[float, Field(ge=0, le=1)] = 0.5
    """Multiplies the duration of a signature."""
    roles: tuple[RoleId, ...] | None = None
    """Only signatures by these roles (default: every signature)."""


def {NAME}(process, options):
    """{SUMMARY}"""
    steps, changes = [], []
    for step in process.steps:
        if (step.kind == "signature" and not step.name.endswith(MARK)
                and (options.roles is None or step.role in options.roles)):
            new = step.model_copy(update={{"duration": scaled(step.duration, options.factor),
                                          "name": step.name + MARK}})
            changes.append(ps.Change(pass_name="any", kind="retimed", steps=(step.id,),
                                     reason=f"{{step.name!r}} is signed electronically.",
                                     before=mean_of(step.duration), after=mean_of(new.duration)))
            step = new
        steps.append(step)
    if not changes:
        return process, changes
    return process.model_copy(update={{"steps": tuple(steps)}}), changes


ps.register_pass("{NAME}", options=Options)({NAME})
'''

#: One titled before/after case for the pass, as in tests/fixtures/passes/<pass>/.
CASE = {
    "title": "The head's signature takes half the time",
    "options": {"factor": 0.5},
    "before": {"levels": ["head", "staff"],
               "roles": [{"id": "boss", "level": "head"}, {"id": "clerk", "level": "staff"}],
               "steps": [{"id": "draft", "role": "clerk", "duration": 2},
                         {"id": "sign", "name": "Sign", "role": "boss", "kind": "signature",
                          "duration": 3, "after": ["draft"]}]},
    "after": {"levels": ["head", "staff"],
              "roles": [{"id": "boss", "level": "head"}, {"id": "clerk", "level": "staff"}],
              "steps": [{"id": "draft", "role": "clerk", "duration": 2},
                        {"id": "sign", "name": "Sign (e-signed)", "role": "boss",
                         "kind": "signature", "duration": 1.5, "after": ["draft"]}]},
    "changes": ["retimed"],
}


@pytest.fixture
def new_pass(tmp_path: Path) -> Iterator[ModuleType]:
    """The pass's module, written to ``tmp_path`` and imported (which registers it)."""
    path = tmp_path / f"{NAME}.py"
    path.write_text(textwrap.dedent(MODULE), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(NAME, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[NAME] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        ps.unregister_pass(NAME)
        sys.modules.pop(NAME, None)


def test_available_passes_lists_it_last(new_pass: ModuleType) -> None:
    passes = ps.available_passes()
    assert passes[NAME] == SUMMARY
    assert list(passes) == [*BUILTIN, NAME]


def test_the_property_tests_run_it(new_pass: ModuleType) -> None:
    seen: list[dict[str, Any]] = []

    @settings(max_examples=30)
    @given(data=st.data(), process=pass_processes())
    def properties(data: Any, process: ps.Process) -> None:
        # its options come from its options model, derived from the fields
        seen.append(data.draw(pass_options(NAME, process)))
        check_pass(data, process, NAME)
        check_pipeline(data, process, ["merge_sequential", NAME, "parallelize"])

    properties()
    assert seen and all(set(o) <= {"factor", "roles"} for o in seen)
    assert all(0 <= o.get("factor", 0.5) <= 1 for o in seen)


def test_the_property_checks_catch_a_pass_that_slows_the_process(
        new_pass: ModuleType, letter_process: ps.Process) -> None:
    class Slower(ps.PassOptions):
        factor: float = 2.0
        roles: None = None

    def slower(process: ps.Process, options: Slower) -> tuple[ps.Process, list[ps.Change]]:
        """Signatures take twice as long."""
        return new_pass.sign_electronically(process, options)

    ps.register_pass("slower", options=Slower)(slower)
    try:
        @settings(max_examples=5)
        @given(data=st.data())
        def properties(data: Any) -> None:
            check_pass(data, letter_process, "slower")

        with pytest.raises(AssertionError, match="Metrics"):  # not_slower's message
            properties()
    finally:
        ps.unregister_pass("slower")


def test_the_fixture_runner_runs_its_cases(new_pass: ModuleType, tmp_path: Path) -> None:
    root = tmp_path / "fixtures"
    (root / NAME).mkdir(parents=True)
    (root / NAME / "head_signs.yaml").write_text(yaml.safe_dump(CASE), encoding="utf-8")
    cases = fixture_cases(root)
    assert [p.parent.name for p in cases] == [NAME]
    run_case(cases[0])
    check_fixture_coverage([NAME], root)
    # a wrong expectation fails the case
    wrong = {**CASE, "changes": ["retimed", "retimed"]}
    (root / NAME / "head_signs.yaml").write_text(yaml.safe_dump(wrong), encoding="utf-8")
    with pytest.raises(AssertionError):
        run_case(cases[0])


def test_the_fixture_runner_fails_for_a_pass_without_fixtures(new_pass: ModuleType,
                                                             tmp_path: Path) -> None:
    # the committed fixtures cover the built-in passes, not the new one
    check_fixture_coverage(BUILTIN)
    with pytest.raises(AssertionError, match=f"passes without fixtures: {NAME};"):
        check_fixture_coverage(ps.available_passes())
    # a built-in pass whose fixtures are gone fails the runner
    root = tmp_path / "fixtures"
    for path in fixture_cases(FIXTURES):
        if path.parent.name != "digitize":
            (root / path.parent.name).mkdir(parents=True, exist_ok=True)
            (root / path.parent.name / path.name).write_bytes(path.read_bytes())
    with pytest.raises(AssertionError, match="passes without fixtures: digitize;"):
        check_fixture_coverage(BUILTIN, root)


def test_the_command_line_lists_it(new_pass: ModuleType,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["passes"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if NAME in x)
    assert SUMMARY in line and not line.startswith("*")  # it does not run by default
    assert main(["passes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passes"][NAME] == SUMMARY
    assert NAME not in data["default_pipeline"]


def test_the_docs_index_lists_it(new_pass: ModuleType) -> None:
    row = f"| [{NAME}]({NAME}.md) | {SUMMARY} | `factor`, `roles` |  |  |"
    assert row in index_page().splitlines()
    assert NAME not in index_page(BUILTIN_PASSES)  # the committed page: built-in passes only


def test_it_runs_in_a_pipeline_under_its_own_name(new_pass: ModuleType,
                                                  letter_process: ps.Process) -> None:
    res = ps.simplify(letter_process, ["delayer", NAME],
                      options={"delayer": {"remove_levels": ["echelon_3", "echelon_4"]},
                               NAME: {"factor": 0.25}})
    assert [(c.pass_name, c.steps) for c in res.changes_of(NAME)] == [(NAME, ("sign",))]
    assert res.process.step("sign").name.endswith("(e-signed)")
