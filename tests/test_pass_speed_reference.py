"""The optimised passes against their code before the speed work (issue 18, "national scale").

``parallelize`` and ``digitize`` were made faster on 100,000-step processes;
tests/reference_passes.py keeps their earlier code verbatim. On hypothesis-random
processes (the property tests' strategies and options,
also after a random earlier pass) and on layered processes of a few thousand steps, with
and without choices, each pass must return exactly what its reference returns: an equal
process (the very input when it changes nothing) and the same list of Changes, reasons,
edges and before/after values included.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import procsimp as ps
from benchmarks.generate import layered_process
from procsimp.passes.base import get_pass
from procsimp.passes.context import PassContext
from procsimp.pipeline import DEFAULT_PIPELINE
from tests.reference_passes import REFERENCE_PASSES
from tests.strategies import pass_processes
from tests.strategies.passes import BUILTIN, pass_options

SPED_UP = tuple(REFERENCE_PASSES)
ANY_PROCESS = pass_processes()


def assert_same_as_reference(process: ps.Process, name: str, given_options: Any) -> ps.Process:
    """Run pass ``name`` and its reference on ``process``; both give the same; the output."""
    info = get_pass(name)
    options = info.parse_options(given_options)
    got, got_changes = info.function(PassContext(process, name), options)
    want, want_changes = REFERENCE_PASSES[name](PassContext(process, name), options)
    assert (got is process) == (want is process)
    assert got == want
    assert [s.id for s in got.steps] == [s.id for s in want.steps]
    assert got_changes == want_changes
    return got


@given(data=st.data(), process=ANY_PROCESS, name=st.sampled_from(SPED_UP))
def test_each_pass_matches_its_reference(data: Any, process: ps.Process, name: str) -> None:
    options = data.draw(pass_options(name, process), label="options")
    assert_same_as_reference(process, name, options)


@given(data=st.data(), process=ANY_PROCESS, first=st.sampled_from(BUILTIN),
       name=st.sampled_from(SPED_UP))
def test_each_pass_matches_its_reference_after_another_pass(
        data: Any, process: ps.Process, first: str, name: str) -> None:
    """The input a pipeline hands over (merged, rewired, re-timed steps)."""
    before = data.draw(pass_options(first, process), label=f"{first} options")
    earlier, _ = ps.run_pass(process, first, **before)
    options = data.draw(pass_options(name, earlier), label="options")
    assert_same_as_reference(earlier, name, options)


#: Options each pass also runs with on the layered processes (besides its defaults).
LAYERED_OPTIONS: dict[str, list[dict[str, Any]]] = {
    "parallelize": [{"circulate_approvals": True}],
    "digitize": [{"delay": 0.25, "duration_factor": 0.5},
                 {"duration_factor": 0.5, "roles": ["clerk", "analyst", "head_of_office"]}],
}


@pytest.mark.parametrize("with_choices", [False, True], ids=["plain", "choices"])
def test_the_default_pipeline_matches_on_a_layered_process(with_choices: bool) -> None:
    """3,000 steps: each pass of the default pipeline, in turn, on what the previous made."""
    current = layered_process(3_000, width=50, seed=7, with_choices=with_choices)
    for name in DEFAULT_PIPELINE:
        if name not in SPED_UP:  # a pass the speed work left alone: only run it
            current, _ = ps.run_pass(current, name)
            continue
        for options in LAYERED_OPTIONS[name]:
            assert_same_as_reference(current, name, options)
        current = assert_same_as_reference(current, name, {})
