"""Shared test configuration: hypothesis profiles, the Agg backend, common fixtures.

Hypothesis profiles: ``dev`` (default, 50 examples), ``ci`` (chosen when the ``CI``
environment variable is set, 150 examples), ``thorough`` (1000 examples) and ``fuzz``
(2000 examples, no example database: a fresh search each run, for the loaders' fuzz tests in
tests/test_hostile_input.py); pick one explicitly with ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import procsimp as ps

try:  # figures are drawn off-screen in tests
    import matplotlib
except ImportError:  # pragma: no cover - matplotlib is a dependency, but tests run without it
    pass
else:
    matplotlib.use("Agg")

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=150,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50)
# the long fuzzing run of tests/test_hostile_input.py, for local runs before a release
settings.register_profile(
    "fuzz", deadline=None, max_examples=2000, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI")
                                                               else "dev"))

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Tests that take minutes rather than seconds (on the 2-core CI machine on 2026-12-03:
#: 158 s and 46 s of a 483 s run with ``-n 2``, the rest under 15 s each). They run first:
#: under pytest-xdist the first worker then spends them while the others run the rest,
#: instead of one worker running them alone at the end of the run.
LONG_TESTS = (
    "tests/test_seek.py::TestAgainstBruteForce::",
    "tests/test_lead_time_exact.py::test_measure_is_the_exact_expected_lead_time",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests of :data:`LONG_TESTS` first, the others in their usual order."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_TESTS))


#: The outgoing-letter process of DESIGN.md (as in /work/shared/contract_check.py).
LETTER: dict[str, Any] = {
    "name": "Outgoing letter approval",
    "time_unit": "day",
    "handoff_delay": 1,
    "levels": ["head", "echelon_3", "echelon_4", "staff"],
    "roles": [
        {"id": "head_of_office", "level": "head"},
        {"id": "division_head", "level": "echelon_3", "reports_to": "head_of_office"},
        {"id": "section_head", "level": "echelon_4", "reports_to": "division_head"},
        {"id": "analyst", "level": "staff", "reports_to": "section_head"},
    ],
    "steps": [
        {"id": "draft", "role": "analyst", "kind": "task", "duration": 2,
         "produces": ["draft_letter"]},
        {"id": "initial_section", "role": "section_head", "kind": "approval",
         "after": ["draft"], "needs": ["draft_letter"],
         "duration": {"dist": "triangular", "low": 0.5, "mode": 1, "high": 3}},
        {"id": "initial_division", "role": "division_head", "kind": "approval",
         "after": ["initial_section"], "needs": ["draft_letter"], "duration": 1},
        {"id": "sign", "role": "head_of_office", "kind": "signature",
         "after": ["initial_division"], "duration": {"dist": "lognormal", "median": 1, "p90": 4}},
    ],
}


@pytest.fixture
def repo_root() -> Path:
    """The repository root (the directory holding ``procsimp/`` and ``tests/``)."""
    return REPO_ROOT


@pytest.fixture
def shared_dir() -> Path:
    """The project's shared directory beside the repository (DESIGN.md, the BPMN corpus)."""
    return REPO_ROOT.parent / "shared"


@pytest.fixture
def letter() -> dict[str, Any]:
    """The outgoing-letter process of DESIGN.md as raw data (a fresh copy per test)."""
    return copy.deepcopy(LETTER)


@pytest.fixture
def letter_process(letter: dict[str, Any]) -> ps.Process:
    """The outgoing-letter process, validated."""
    return ps.Process.model_validate(letter)
