"""The bad calls issue 20 found, each refused with a ProcsimpError saying what is accepted.

The property over every public signature (wrong types, edges of the ranges) is
tests/test_arguments_signatures.py; these are the filed cases with the words each message
must contain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import procsimp as ps

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LETTER = ps.load(EXAMPLES / "outgoing_letter.yaml")

SIM = ps.simulate(LETTER, n=200, seed=1)


@pytest.mark.parametrize(("call", "names"), [
    (lambda: ps.simulate(LETTER, n=10**12), "n must be at most"),
    (lambda: ps.simulate(LETTER, n=2**63), "n must be at most"),
    (lambda: ps.simulate(LETTER, n=0), "n must be a positive integer"),
    (lambda: SIM.quantile(2), "q must be a number in [0, 1]"),
    (lambda: SIM.quantile(-0.1), "q must be a number in [0, 1]"),
    (lambda: SIM.quantile("x"), "q must be a number"),
    (lambda: SIM.quantile_ci(5), "q must be a number in [0, 1]"),
    (lambda: SIM.quantile_ci(0.5, level=1), "level must be a number in (0, 1)"),
    (lambda: LETTER.rank("zz"), "level_id must be one of"),
    (lambda: LETTER.rank(3), "level_id must be text"),
    (lambda: ps.loads(5), "text must be text or bytes"),
    (lambda: ps.load(None), "path must be"),
    (lambda: ps.save(LETTER, "a\x00.yaml"), "a\\x00.yaml"),
    (lambda: ps.save(3, "a.yaml"), "process must be a Process"),
    (lambda: ps.simplify(LETTER, 5), "passes must be"),
    (lambda: ps.simplify(LETTER, options=5), "options must be a mapping"),
    (lambda: ps.simplify(LETTER, options="x"), "options must be a mapping"),
    (lambda: ps.compare(LETTER, LETTER, bootstrap=10**9), "bootstrap must be"),
    (lambda: ps.plot.process(3), "proc must be a Process"),
    (lambda: ps.plot.gantt("x"), "proc must be a Process"),
    (lambda: ps.plot.savings(LETTER), "result must be a Result"),
    (lambda: ps.write_table(5, "x.csv"), "process must be a Process"),
    (lambda: ps.portfolio(5, {"a": "spbe"}), "processes must be"),
])
def test_out_of_range_and_wrong_kinds_by_hand(call: Any, names: str) -> None:
    with pytest.raises(ps.ProcsimpError) as info:
        call()
    assert names in str(info.value)
