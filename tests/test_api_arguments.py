"""Every public function refuses a wrong argument with a ProcsimpError naming it (issue 20).

Each public function of ``procsimp.__all__`` (and of ``procsimp.plot``, and the public
methods of the result classes) is called with valid arguments except one, which hypothesis
draws from values of the wrong type; the call must raise a ProcsimpError whose message
names that argument, and nothing else. Out-of-range values of the right type are the
hand-listed cases below.
"""

from __future__ import annotations

import inspect
import math
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp._checks import _hints, _ok

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LETTER = ps.load(EXAMPLES / "outgoing_letter.yaml")

#: wrong values of every kind: each is refused by the hints it does not fit
WRONG = st.sampled_from([None, 5, -1, 2.5, math.nan, "zz", b"\x00", [], [3], {}, {"a": 1},
                         object(), True, (1, 2), ps.Step])

#: valid arguments for each function's required parameters
VALID: dict[str, dict[str, Any]] = {
    "read_log": {"source": str(Path(__file__).resolve().parents[1].parent / "shared" / "event-logs"
                               / "wabo_receipt.csv.gz")},
    "simulate": {"process": LETTER, "n": 50}, "measure": {"process": LETTER},
    "compare": {"before": LETTER, "after": LETTER, "n": 0},
    "simplify": {"process": LETTER, "passes": "spbe"},
    "run_pass": {"process": LETTER, "name": "digitize"},
    "dumps": {"process": LETTER}, "to_networkx": {"process": LETTER},
    "mean_of": {"duration": 2.0}, "scaled": {"duration": 2.0, "factor": 2.0},
    "unregister_pass": {"name": "no_such_pass"},
    "loads": {"text": "steps: []"},
}
#: functions whose arguments reach a file or a figure: checked by hand below
BY_HAND = {"load", "save", "read_bpmn", "read_table", "write_table", "from_frame",
           "from_networkx", "portfolio", "register_pass", "available_passes"}


def _functions() -> list[tuple[str, Any]]:
    return [(name, getattr(ps, name)) for name in ps.__all__
            if inspect.isfunction(getattr(ps, name)) and name not in BY_HAND]


@pytest.mark.parametrize(("name", "func"), _functions(), ids=[n for n, _ in _functions()])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_wrong_type_is_a_procsimp_error_naming_the_argument(name: str, func: Any,
                                                              data: st.DataObject) -> None:
    hints = _hints(getattr(func, "__wrapped__", func))
    signature = inspect.signature(func)
    params = [p for p in signature.parameters.values()
              if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name in hints
              and hints[p.name] not in (Any, int, float)]
    if not params:
        pytest.skip(f"{name} takes no checked argument")
    target = data.draw(st.sampled_from(params))
    value = data.draw(WRONG.filter(lambda v: not _ok(v, hints[target.name])))
    args = dict(VALID.get(name, {}))
    args[target.name] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ps.ProcsimpError) as info:
            func(**args)
    assert target.name in str(info.value)


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
