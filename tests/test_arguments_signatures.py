"""Every public callable refuses a bad argument with a ProcsimpError naming it (issue 20).

The callables are enumerated, not listed: the functions of ``procsimp.__all__`` and of
``procsimp.plot.__all__``, and every public method (and classmethod) that procsimp itself
defines on a class of ``procsimp.__all__``. A new public function or method is therefore
tested the day it is added; :data:`CALLS` must say how to call it with valid arguments
(``test_every_public_callable_has_a_valid_call`` fails until it does).

For each callable, hypothesis keeps every argument valid but one, which it draws from
values of the wrong type and values at the edge of the range. The only outcomes the test
accepts:

- a value of the wrong type (one the annotation does not admit): a ProcsimpError whose
  message names the argument;
- nan, inf or -inf for a number: the same (no argument of procsimp takes them);
- any other value of the right type (an unknown step id, a negative or huge count): a
  ProcsimpError naming the argument or the value itself (``unknown pass 'zz'``), or a
  normal return; never another exception.
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp._checks import _admits_path, _hints, _ok

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LOG = Path(__file__).resolve().parents[1].parent / "shared" / "event-logs" / "wabo_receipt.csv.gz"


@functools.cache
def letter() -> ps.Process:
    return ps.load(EXAMPLES / "outgoing_letter.yaml")


@functools.cache
def plain() -> ps.Process:
    """Two steps without a calendar (what calibrate fits)."""
    return ps.Process.model_validate({
        "levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
        "steps": [{"id": "a", "role": "c", "duration": 1},
                  {"id": "b", "role": "c", "duration": 2, "after": ["a"]}]})


@functools.cache
def busy() -> ps.Process:
    """The letter with a workload every role sustains (10 letters a month: the analyst,
    the busiest, at about 77 %)."""
    return ps.loads(ps.dumps(letter()) + "arrivals: {rate: 10, per: month}\n")


@functools.cache
def sim() -> ps.SimulationResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ps.PrecisionWarning)
        return ps.simulate(letter(), n=200, seed=1)


@functools.cache
def result() -> ps.Result:
    return ps.simplify(letter(), "spbe")


@functools.cache
def report() -> ps.Report:
    return ps.compare(letter(), result(), n=0)


@functools.cache
def plan() -> ps.Plan:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ps.PrecisionWarning)
        return ps.seek(letter(), {"mean": 100}, n=100, search_n=100)


@functools.cache
def portfolio() -> ps.PortfolioResult:
    return ps.portfolio([letter()], {"spbe": "spbe"}, n=0, progress=False)


@functools.cache
def event_log() -> ps.EventLog:
    return ps.read_log(LOG)


@functools.cache
def bpmn_file(tmp: str) -> str:
    path = Path(tmp) / "letter.bpmn"
    ps.save(letter(), path)
    return str(path)


@functools.cache
def table_file(tmp: str) -> str:
    path = Path(tmp) / "letter.csv"
    ps.write_table(letter(), path)
    return str(path)


def _context() -> ps.PassContext:
    return ps.PassContext(letter(), "digitize")


#: how to call each public callable with valid arguments: (the callable, its arguments);
#: ``tmp`` is a fresh directory for the calls that write a file
CALLS: dict[str, Callable[[Path], tuple[Callable[..., Any], dict[str, Any]]]] = {
    # functions of procsimp
    "calibrate": lambda tmp: (ps.calibrate, {"proc": plain(), "log": event_log(),
                                             "mapping": {"T02 Check confirmation of receipt": "a"},
                                             "card": False}),
    "capacity": lambda tmp: (ps.capacity, {"process": busy()}),
    "check_capacity": lambda tmp: (ps.check_capacity, {"process": busy(), "n": 2000,
                                                       "replications": 2}),
    "Capacity.check": lambda tmp: (ps.capacity(busy()).check, {"n": 2000, "replications": 2}),
    "plot.deck": lambda tmp: (ps.plot.deck, {"result": result(), "report": report()}),
    "plot.save_deck": lambda tmp: (ps.plot.save_deck, {"figures": {}, "folder": tmp}),
    "compare": lambda tmp: (ps.compare, {"before": letter(), "after": result(), "n": 0}),
    "dumps": lambda tmp: (ps.dumps, {"process": letter()}),
    "from_frame": lambda tmp: (ps.from_frame, {"df": letter().to_frame()}),
    "from_networkx": lambda tmp: (ps.from_networkx, {"graph": ps.to_networkx(letter())}),
    "load": lambda tmp: (ps.load, {"path": EXAMPLES / "outgoing_letter.yaml"}),
    "loads": lambda tmp: (ps.loads, {"text": "steps: []"}),
    "mean_of": lambda tmp: (ps.mean_of, {"duration": 2.0}),
    "measure": lambda tmp: (ps.measure, {"process": letter()}),
    "portfolio": lambda tmp: (ps.portfolio, {"processes": [letter()], "scenarios": {"a": "spbe"},
                                             "n": 0, "progress": False}),
    "read_bpmn": lambda tmp: (ps.read_bpmn, {"path": bpmn_file(str(tmp))}),
    "read_log": lambda tmp: (ps.read_log, {"source": LOG}),
    "read_table": lambda tmp: (ps.read_table, {"path": table_file(str(tmp))}),
    "report": lambda tmp: (ps.report, {"before": letter(), "after": result(),
                                       "path": tmp / "report.html", "n": 200}),
    "register_pass": lambda tmp: (ps.register_pass, {"name": "a_test_pass_never_applied"}),
    "run_pass": lambda tmp: (ps.run_pass, {"process": letter(), "name": "digitize"}),
    "save": lambda tmp: (ps.save, {"process": letter(), "path": tmp / "out.yaml"}),
    "scaled": lambda tmp: (ps.scaled, {"duration": 2.0, "factor": 2.0}),
    "seek": lambda tmp: (ps.seek, {"process": letter(), "target": {"mean": 100}, "n": 100,
                                   "search_n": 100}),
    "simplify": lambda tmp: (ps.simplify, {"process": letter(), "passes": "spbe"}),
    "simulate": lambda tmp: (ps.simulate, {"process": letter(), "n": 100}),
    "to_networkx": lambda tmp: (ps.to_networkx, {"process": letter()}),
    "unregister_pass": lambda tmp: (ps.unregister_pass, {"name": "no_such_pass"}),
    "write_table": lambda tmp: (ps.write_table, {"process": letter(), "path": tmp / "t.csv"}),
    # figures
    "plot.before_after": lambda tmp: (ps.plot.before_after, {"before": letter(),
                                                             "after": result(),
                                                             "report": report()}),
    "plot.distribution": lambda tmp: (ps.plot.distribution, {"sim_before": sim()}),
    "plot.front": lambda tmp: (ps.plot.front, {"plan": plan()}),
    "plot.gantt": lambda tmp: (ps.plot.gantt, {"proc": letter()}),
    "plot.portfolio": lambda tmp: (ps.plot.portfolio, {"table": portfolio()}),
    "plot.process": lambda tmp: (ps.plot.process, {"proc": letter()}),
    "plot.savings": lambda tmp: (ps.plot.savings, {"result": result()}),
    "plot.utilisation": lambda tmp: (ps.plot.utilisation, {"before": busy(), "after": busy()}),
    # methods
    "Analysis.predecessors": lambda tmp: (letter().analysis.predecessors, {"step_id": "sign"}),
    "Analysis.successors": lambda tmp: (letter().analysis.successors, {"step_id": "sign"}),
    "Analysis.condition": lambda tmp: (letter().analysis.condition, {"step_id": "sign"}),
    "Analysis.always_runs": lambda tmp: (letter().analysis.always_runs, {"step_id": "sign"}),
    "Analysis.block_of": lambda tmp: (letter().analysis.block_of, {"step_id": "sign"}),
    "Analysis.reaches": lambda tmp: (letter().analysis.reaches, {"source": "draft",
                                                                 "target": "sign"}),
    "Analysis.nearest_producers": lambda tmp: (letter().analysis.nearest_producers,
                                               {"artifacts": {"draft_letter"}}),
    "Calendar.holiday_dates": lambda tmp: (letter().calendar.holiday_dates,
                                           {"first_year": 2024, "last_year": 2025}),
    "Calendar.pinned": lambda tmp: (letter().calendar.pinned, {"first_year": 2024,
                                                               "last_year": 2025}),
    "Calendar.add": lambda tmp: (letter().calendar.add, {"date": "2025-01-02", "n": 3}),
    "Calendar.working_days": lambda tmp: (letter().calendar.working_days,
                                          {"first": "2025-01-02", "last": "2025-02-01"}),
    "Calendar.is_working_day": lambda tmp: (letter().calendar.is_working_day,
                                            {"date": "2025-01-02"}),
    "Calendar.working_days_per": lambda tmp: (letter().calendar.working_days_per,
                                              {"unit": "week"}),
    "Calendar.offsets": lambda tmp: (letter().calendar.offsets, {
        "start": np.array(["2025-01-02"], dtype="datetime64[D]"), "working": np.array([2.0])}),
    "Calendar.elapsed": lambda tmp: (letter().calendar.elapsed, {
        "start": np.array(["2025-01-02"], dtype="datetime64[D]"), "working": np.array([2.0])}),
    # one sample method for every distribution (each draws in its private _draw)
    "_Dist.sample": lambda tmp: (ps.Lognormal(median=1.0, p90=2.0).sample,
                                 {"rng": np.random.default_rng(0), "n": 3}),
    "Move.shorten": lambda tmp: (ps.Move.shorten, {"step": "sign", "to": 0.5}),
    "Move.of": lambda tmp: (ps.Move.of, {"pass_name": "digitize"}),
    "Move.apply": lambda tmp: (ps.Move.of("digitize").apply, {"process": letter()}),
    "OnTime.lateness_quantile": lambda tmp: (sim().on_time["information_request"]
                                             .lateness_quantile, {"q": 0.5}),
    "PassContext.change": lambda tmp: (_context().change, {"kind": "retimed",
                                                           "steps": ("sign",),
                                                           "reason": "a test"}),
    "PassOptions.strategy": lambda tmp: (ps.PassOptions.strategy, {"process": letter()}),
    "Plan.save": lambda tmp: (plan().save, {"path": tmp / "plan.json"}),
    "PortfolioResult.totals": lambda tmp: (portfolio().totals, {"metric": "lead_time"}),
    "Process.model_copy": lambda tmp: (letter().model_copy, {"update": {"name": "x"}}),
    "Process.step": lambda tmp: (letter().step, {"step_id": "sign"}),
    "Process.role": lambda tmp: (letter().role, {"role_id": "head_of_agency"}),
    "Process.level_of": lambda tmp: (letter().level_of, {"step": "sign"}),
    "Process.rank": lambda tmp: (letter().rank, {"level_id": "head"}),
    "Report.metric": lambda tmp: (report().metric, {"name": "lead_time"}),
    "Report.to_json": lambda tmp: (report().to_json, {}),
    "Renderable.to_excel": lambda tmp: (report().to_excel, {"path": tmp / "report.xlsx"}),
    "Result.changes_of": lambda tmp: (result().changes_of, {"pass_name": "digitize"}),
    "SimulationResult.quantile": lambda tmp: (sim().quantile, {"q": 0.5}),
    "SimulationResult.quantile_ci": lambda tmp: (sim().quantile_ci, {"q": 0.5}),
}
#: callables whose valid call reads the shared event log (``../shared``, present in CI);
#: skipped in a checkout without it
NEEDS_LOG = {"calibrate", "read_log"}
#: callables whose valid call does real work (a simulation, a fit, a figure): only the
#: wrong-type half runs for them, which is refused before any work
COSTLY = {"calibrate", "seek", "portfolio", "read_log", "compare", "simulate", "report",
          "check_capacity", "Capacity.check", "plot.deck", "plot.save_deck",
          "plot.before_after", "plot.distribution", "plot.front", "plot.gantt",
          "plot.portfolio", "plot.process", "plot.savings", "plot.utilisation"}
#: arguments holding a document's text, whose errors name the document's source
NAMED_BY_SOURCE = {("loads", "text"): "<string>"}
#: public callables that take no argument a user passes (pydantic's own hook)
NOT_CALLED = {"Process.model_post_init"}


def _own_methods(cls: type) -> list[tuple[str, Any]]:
    """Public methods procsimp defines on ``cls`` or its procsimp bases, each named by the
    class that defines it (an inherited method is tested once)."""
    out = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("procsimp"):
            continue
        raw = inspect.getattr_static(owner, name)
        func = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        if inspect.isfunction(func):
            out.append((f"{owner.__name__}.{name}", func))
    return out


def public_callables() -> dict[str, Any]:
    """Every public function and method, by name, with its parameters beyond ``self``."""
    found: dict[str, Any] = {}
    for name in ps.__all__:
        obj = getattr(ps, name)
        if inspect.isfunction(obj):
            found[name] = obj
        elif inspect.isclass(obj) and not issubclass(obj, BaseException):
            found.update(_own_methods(obj))
    for name in ps.plot.__all__:
        if inspect.isfunction(getattr(ps.plot, name)):
            found[f"plot.{name}"] = getattr(ps.plot, name)
    return {name: func for name, func in found.items() if _parameters(func)}


def _parameters(func: Any) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return [p for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]


CALLABLES = public_callables()


def test_every_public_callable_has_a_valid_call() -> None:
    missing = sorted(set(CALLABLES) - set(CALLS) - NOT_CALLED)
    assert not missing, f"add a valid call to CALLS for {missing}"
    assert not sorted(set(CALLS) - set(CALLABLES)), "CALLS names a callable that is gone"
    # the enumeration sees what it must: functions, methods, classmethods and figures
    assert {"simulate", "read_bpmn", "SimulationResult.quantile_ci", "Process.rank",
            "Move.of", "plot.utilisation", "_Dist.sample"} <= set(CALLABLES)


def test_every_valid_call_works(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(CALLS):
            if name in NEEDS_LOG and not LOG.exists():
                continue
            func, args = CALLS[name](tmp_path)
            func(**args)


#: values of every kind; each parameter receives those its annotation does not admit
WRONG_KINDS = [None, 5, -1, 2.5, "zz", b"\x00", [], [3], {}, {"a": 1}, object(), True, (1, 2),
               ps.Step, np.float64(1.5), Path("x.yaml")]
NON_FINITE = [math.nan, math.inf, -math.inf]
#: values of the right type at the edge of a range, or any text
EDGES = st.one_of(st.sampled_from([0, -1, -(2**63), 2**63, 10**12, 0.0, -0.5, 1e-300, 1e308,
                                   "", "zz", "\x00", "é" * 300]),
                  st.text(max_size=8), st.integers(), st.floats(allow_nan=False,
                                                                 allow_infinity=False))


def _fits(value: Any, hint: Any) -> bool:
    return _ok(value, hint)


def _names_path(message: str, value: Any) -> bool:
    """The message begins with the file, as given or as a path spells it (``0/`` is ``0``)."""
    if message.startswith(f"{value}:"):
        return True
    try:
        return message.startswith(f"{Path(value)}:")
    except (TypeError, ValueError):
        return False


@pytest.mark.parametrize("name", sorted(set(CALLS)))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_bad_argument_is_a_procsimp_error_naming_it(name: str, data: st.DataObject,
                                                      tmp_path_factory: Any) -> None:
    if name in NEEDS_LOG and not LOG.exists():
        pytest.skip(f"{LOG} is not here (the shared event logs sit beside the checkout)")
    raw = CALLABLES[name]
    hints = _hints(getattr(raw, "__wrapped__", raw))
    params = [p for p in _parameters(raw) if p.name in hints]
    target = data.draw(st.sampled_from(params), label="argument")
    hint = hints[target.name]
    wrong = [v for v in WRONG_KINDS if not _fits(v, hint)]
    numeric = hint in (int, float) or _fits(1.5, hint) or _fits(1, hint)
    kinds = st.sampled_from(wrong) if wrong else st.nothing()
    if numeric:
        kinds = st.one_of(kinds, st.sampled_from(NON_FINITE))
    if name not in COSTLY:
        kinds = st.one_of(kinds, EDGES.filter(lambda v: _fits(v, hint)))
    value = data.draw(kinds, label=target.name)
    func, args = CALLS[name](tmp_path_factory.mktemp("call"))
    args[target.name] = value
    must_fail = not _fits(value, hint) or (isinstance(value, float) and not math.isfinite(value))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            func(**args)
    except ps.ProcsimpError as exc:
        message = str(exc)
        # the argument by name; a wrong value of the right type may be named by itself
        # ("unknown pass 'zz'"), a file by its path and a document's text by its source,
        # as every load error is
        named = (target.name in message
                 or (not must_fail and isinstance(value, (str, int)) and repr(value) in message)
                 or NAMED_BY_SOURCE.get((name, target.name), "\x00") in message
                 or (not must_fail and _admits_path(hint) and _names_path(message, value)))
        assert named, f"{name}: the message does not name {target.name}: {message}"
    else:
        assert not must_fail, f"{name} accepted {target.name}={value!r}"
