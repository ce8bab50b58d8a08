"""BPMN import, issue 10 items 1-11: each pattern with a minimal file of its own and the
process it must import as (worked out by hand from the BPMN semantics), plus the ladder of
gateways that once took minutes (issue 20 item 4)."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies.bpmn import XML_TOKENS, bpmn_documents
from strategies.documents import mutated_text

import procsimp as ps
from procsimp import cli
from procsimp.io import bpmn
from procsimp.io.bpmn import BpmnImportWarning, guess_kind, loads_bpmn

NS = bpmn.BPMN


def doc(body: str, *, extra: str = "", attrs: str = "") -> str:
    return (f'<definitions xmlns="{NS}" xmlns:qbp="{bpmn.QBP}" {attrs}>'
            f'<process id="P" name="demo">{body}</process>{extra}</definitions>')


def flows(*pairs: str) -> str:
    """Sequence flows from "a>b" or "a>b:id" or "a>b:id:p" (p in procsimp's attribute)."""
    out = []
    for k, pair in enumerate(pairs):
        ends, *rest = pair.split(":")
        src, tgt = ends.split(">")
        fid = rest[0] if rest else f"f{k}"
        p = f' ps:p="{rest[1]}"' if len(rest) > 1 else ""
        out.append(f'<sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{tgt}"{p}/>')
    return "".join(out)


PS = f'xmlns:ps="{bpmn.PROCSIMP}"'


def tasks(*names: str) -> str:
    return "".join(f'<task id="{n}" name="{n.upper()}"/>' for n in names)


def read(text: str, **kw: Any) -> tuple[ps.Process, str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proc = loads_bpmn(text, source="t.bpmn", **kw)
    return proc, " | ".join(str(w.message) for w in caught
                            if issubclass(w.category, BpmnImportWarning))


def edges(proc: ps.Process) -> dict[str, list[tuple[str, float | None]]]:
    return {s.id: [(e.step, e.p) for e in s.after] for s in proc.steps}


# --- 1: a parallel split inside an exclusive branch; event-based gateways ------------------


def test_parallel_split_inside_exclusive_branch_runs_both_branches() -> None:
    """A -> XOR (reject .3 -> R, accept .7 -> AND split -> B, C) -> AND join -> D.

    By hand: B and C both run when accepted (probability .7), R runs with .3. The split
    becomes an instant step after A with p .7; B and C follow it together; D joins them.
    """
    body = (tasks("a", "r", "b", "c", "d") + '<exclusiveGateway id="x" name="Accept?"/>'
            '<parallelGateway id="fork"/><parallelGateway id="join"/><startEvent id="s"/>'
            + flows("s>a", "a>x", "x>r:rej:0.3", "x>fork:acc:0.7", "fork>b", "fork>c",
                    "b>join", "c>join", "join>d"))
    proc, warned = read(doc(body, attrs=PS))
    assert edges(proc) == {"a": [], "r": [("a", 0.3)], "fork": [("a", 0.7)],
                           "b": [("fork", None)], "c": [("fork", None)],
                           "d": [("b", None), ("c", None)]}
    fork = proc.step("fork")
    assert fork.duration == 0 and fork.join == "all"
    assert proc.step("d").join == "all"
    assert "parallelGateway 'fork'" in warned and "instant step" in warned
    # the probability that B runs is .7, not .7 / 1.4 or an alternative of C
    assert ps.Process.model_validate(proc.model_dump()) == proc


def test_event_based_gateway_is_an_exclusive_choice() -> None:
    body = (tasks("a", "t", "m") + '<eventBasedGateway id="ev" name="Wait"/>'
            '<intermediateCatchEvent id="timer"><timerEventDefinition/></intermediateCatchEvent>'
            '<intermediateCatchEvent id="msg"><messageEventDefinition/></intermediateCatchEvent>'
            + flows("a>ev", "ev>timer", "ev>msg", "timer>t", "msg>m"))
    proc, warned = read(doc(body))
    assert edges(proc) == {"a": [], "t": [("a", 0.5)], "m": [("a", 0.5)]}
    assert "event-based gateway 'Wait' (BPMN id 'ev') read as an exclusive choice" in warned
    assert "split equally" in warned


# --- 2: boundary events ----------------------------------------------------------------------


def test_boundary_event_handler_is_not_a_step_that_starts_the_process() -> None:
    body = (tasks("a", "b") + '<task id="esc" name="Escalate to manager"/>'
            '<boundaryEvent id="be" name="3 days" attachedToRef="a">'
            '<timerEventDefinition/></boundaryEvent><endEvent id="e2"/>'
            + flows("a>b", "be>esc", "esc>e2"))
    proc, warned = read(doc(body))
    assert edges(proc) == {"a": [], "b": [("a", None)]}
    assert "timer event '3 days' (BPMN id 'be') on 'A' (BPMN id 'a')" in warned
    assert "'Escalate to manager' (BPMN id 'esc') not imported" in warned


def test_boundary_handler_that_rejoins_the_flow_keeps_the_shared_part() -> None:
    """The handler's own task is dropped; the task it rejoins is reached normally."""
    body = (tasks("a", "b", "h") + '<boundaryEvent id="be" attachedToRef="a">'
            '<errorEventDefinition/></boundaryEvent>' + flows("a>b", "be>h", "h>b"))
    proc, warned = read(doc(body))
    assert edges(proc) == {"a": [], "b": [("a", None)]}
    assert "error event boundaryEvent 'be'" in warned


# --- 3: lanes with an empty childLaneSet -----------------------------------------------------


def test_lane_with_empty_child_lane_set_keeps_its_tasks() -> None:
    lanes = ('<laneSet id="ls"><lane id="L1" name="Clerk"><flowNodeRef>a</flowNodeRef>'
             '<childLaneSet id="c1"/></lane><lane id="L2" name="Head"><flowNodeRef>b'
             '</flowNodeRef><childLaneSet/></lane></laneSet>')
    proc, _ = read(doc(lanes + tasks("a", "b") + flows("a>b")))
    assert proc.step("a").role == "Clerk" and proc.step("b").role == "Head"
    assert [r.id for r in proc.roles] == ["Clerk", "Head"]


# --- 4: several processes --------------------------------------------------------------------


def test_called_process_is_not_run_again_at_the_start() -> None:
    text = (f'<definitions xmlns="{NS}"><process id="Main" name="Main">'
            f'{tasks("a")}<callActivity id="call" name="Check" calledElement="Sub"/>'
            f'{flows("a>call")}</process><process id="Sub" name="Sub">{tasks("s1", "s2", "s3")}'
            f'{flows("s1>s2", "s2>s3")}</process></definitions>')
    proc, warned = read(text)
    assert edges(proc) == {"a": [], "call": [("a", None)]}
    assert "'Sub' (id 'Sub') are called by a call activity" in warned
    sub, _ = read(text, process="Sub")
    assert edges(sub) == {"s1": [], "s2": [("s1", None)], "s3": [("s2", None)]}


def test_pools_are_not_merged_into_parallel_branches() -> None:
    text = (f'<definitions xmlns="{NS}"><collaboration id="c">'
            f'<participant id="p1" name="Customer" processRef="P1"/>'
            f'<participant id="p2" name="Vendor" processRef="P2"/></collaboration>'
            f'<process id="P1">{tasks("a")}</process>'
            f'<process id="P2" name="Vendor process">{tasks("b", "c")}{flows("b>c")}</process>'
            f'</definitions>')
    proc, warned = read(text)
    assert edges(proc) == {"b": [], "c": [("b", None)]}
    assert {s.role for s in proc.steps} == {"Vendor"}
    assert "imported 'Vendor process' (id 'P2')" in warned and "not 'P1'" in warned


# --- 5: simulation durations on intermediate events ------------------------------------------


def test_qbp_timer_on_an_intermediate_event_is_a_waiting_step() -> None:
    sim = ('<qbp:processSimulationInfo id="sim" processInstances="1">'
           '<qbp:elements><qbp:element elementId="a"><qbp:durationDistribution type="FIXED" '
           'mean="3600"/></qbp:element><qbp:element elementId="wait24">'
           '<qbp:durationDistribution type="FIXED" mean="86400"/></qbp:element>'
           '</qbp:elements></qbp:processSimulationInfo>')
    body = (tasks("a", "b") + '<intermediateCatchEvent id="wait24" name="24 hours">'
            '<timerEventDefinition/></intermediateCatchEvent>' + flows("a>wait24", "wait24>b"))
    proc, warned = read(doc(body, extra=sim))
    assert proc.time_unit == "hour"
    assert edges(proc) == {"a": [], "wait24": [("a", None)], "b": [("wait24", None)]}
    assert proc.step("wait24").duration == 24.0 and proc.step("a").duration == 1.0
    assert "'24 hours' (BPMN id 'wait24') has a simulation duration" in warned
    # the lead time counts the wait: 1 h + 24 h
    assert ps.measure(proc).lead_time == pytest.approx(25.0)


# --- 6: an exclusive block directly inside a parallel branch ---------------------------------


def test_exclusive_block_inside_a_parallel_branch() -> None:
    """A -> AND (XOR(B .5 | C .5) -> XOR merge, D) -> AND join -> E; E waits for D and for
    whichever of B, C ran: the merge becomes an instant step with join any."""
    body = (tasks("a", "b", "c", "d", "e") + '<parallelGateway id="fork"/>'
            '<parallelGateway id="join"/><exclusiveGateway id="x"/>'
            '<exclusiveGateway id="m" name="Merge"/>'
            + flows("a>fork", "fork>x", "fork>d", "x>b:xb:0.5", "x>c:xc:0.5", "b>m", "c>m",
                    "m>join", "d>join", "join>e"))
    proc, warned = read(doc(body, attrs=PS))
    assert edges(proc) == {"a": [], "b": [("a", 0.5)], "c": [("a", 0.5)], "d": [("a", None)],
                           "m": [("b", None), ("c", None)], "e": [("d", None), ("m", None)]}
    assert proc.step("m").join == "any" and proc.step("e").join == "all"
    assert proc.step("m").name == "Merge" and proc.step("m").duration == 0
    assert "exclusive merge 'Merge' (BPMN id 'm')" in warned


def test_exclusive_merge_joined_before_the_end_is_no_step() -> None:
    """A -> AND (XOR(B .5 | C .5) -> XOR merge, D) -> AND join -> end: the shape procsimp's
    export gives concurrent last steps (and other tools draw). Nothing follows the join, so
    the merge orders no step: B, C and D are last steps and no instant step is added."""
    body = (tasks("a", "b", "c", "d") + '<startEvent id="s"/><endEvent id="end"/>'
            '<parallelGateway id="fork"/><parallelGateway id="join"/>'
            '<exclusiveGateway id="x"/><exclusiveGateway id="m" name="Merge"/>'
            + flows("s>a", "a>fork", "fork>x", "fork>d", "x>b:xb:0.5", "x>c:xc:0.5", "b>m",
                    "c>m", "m>join", "d>join", "join>end"))
    proc, warned = read(doc(body, attrs=PS))
    assert edges(proc) == {"a": [], "b": [("a", 0.5)], "c": [("a", 0.5)], "d": [("a", None)]}
    assert warned == ""


# --- 7: one loop that is not a closed block --------------------------------------------------


def test_a_bad_loop_does_not_drop_the_valid_rework() -> None:
    """Two loops: B back to A (p .2) and C back to B (p .1). Their blocks A..B and B..C
    overlap, so both cannot be rework; the first is kept and only the second dropped."""
    body = (tasks("a", "b", "c", "d") + '<exclusiveGateway id="x1"/><exclusiveGateway id="x2"/>'
            + flows("a>b", "b>x1", "x1>a:back1:0.2", "x1>c:fw1:0.8", "c>x2",
                    "x2>b:back2:0.1", "x2>d:fw2:0.9"))
    proc, warned = read(doc(body, attrs=PS))
    rework = proc.step("b").rework
    assert rework is not None and rework.to == "a" and rework.p == pytest.approx(0.2)
    assert proc.step("c").rework is None
    assert "loop(s) back from 'C' not imported as rework" in warned
    assert edges(proc)["d"] == [("c", None)]


# --- 8: declared encodings -------------------------------------------------------------------


def test_iso_8859_1_file_is_read_in_its_declared_encoding() -> None:
    text = ('<?xml version="1.0" encoding="ISO-8859-1"?>'
            + doc('<task id="a" name="Prüfung der Anträge"/><task id="b" name="Bestätigung"/>'
                  + flows("a>b")))
    proc, _ = read(text.encode("iso-8859-1"))
    assert [s.name for s in proc.steps] == ["Prüfung der Anträge", "Bestätigung"]


# --- 9: step kinds from names ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("Assign Approver", "task"), ("Notify Employee of Approval", "task"),
    ("Checkout", "task"), ("Request approval", "task"), ("Approve Invoice", "approval"),
    ("Manager approval", "approval"), ("Check credit history", "review"),
    ("Review application", "review"), ("Sign contract", "signature"),
    ("Forward to registry", "handoff"), ("Design signage", "task"), ("Approved?", "approval"),
])
def test_guessed_kinds(name: str, kind: str) -> None:
    assert guess_kind(name) == kind


# --- 10: levels from nested lanes, level_of keys ---------------------------------------------


def test_nested_lane_levels_run_top_to_bottom_in_the_diagram() -> None:
    # the file lists the lower lane first; the diagram puts "Head office" on top
    lanes = ('<laneSet id="ls"><lane id="D" name="Division"><childLaneSet id="cd">'
             '<lane id="R1" name="Analyst"><flowNodeRef>a</flowNodeRef></lane></childLaneSet>'
             '</lane><lane id="H" name="Head office"><childLaneSet id="ch">'
             '<lane id="R2" name="Secretary"><flowNodeRef>b</flowNodeRef></lane></childLaneSet>'
             '</lane></laneSet>')
    di = (f'<bpmndi:BPMNDiagram xmlns:bpmndi="{bpmn.BPMNDI}" xmlns:dc="{bpmn.DC}" id="d">'
          f'<bpmndi:BPMNPlane id="pl" bpmnElement="P">'
          f'<bpmndi:BPMNShape id="sD" bpmnElement="D"><dc:Bounds x="0" y="300" width="9" '
          f'height="9"/></bpmndi:BPMNShape><bpmndi:BPMNShape id="sH" bpmnElement="H">'
          f'<dc:Bounds x="0" y="0" width="9" height="9"/></bpmndi:BPMNShape>'
          f'</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>')
    proc, _ = read(doc(lanes + tasks("a", "b") + flows("a>b"), extra=di))
    assert [lv.id for lv in proc.levels] == ["Head office", "Division"]
    assert proc.role("Analyst").level == "Division"
    # no diagram: the order of the file
    plain, _ = read(doc(lanes + tasks("a", "b") + flows("a>b")))
    assert [lv.id for lv in plain.levels] == ["Division", "Head office"]


def test_level_of_keys_that_match_no_lane_are_reported() -> None:
    lanes = ('<laneSet id="ls"><lane id="L1" name="Clerk"><flowNodeRef>a</flowNodeRef></lane>'
             '</laneSet>')
    proc, warned = read(doc(lanes + tasks("a")), level_of={"Clerk": "staff", "Clark": "head"})
    assert proc.role("Clerk").level == "staff"
    assert "level_of names 'Clark', which match no lane" in warned and "'Clerk'" in warned


# --- 11: errors by task name, ps.load options, warnings on the command line -----------------


def test_errors_name_tasks_by_name() -> None:
    # two concurrent branches merged by a task with two incoming flows (BPMN's uncontrolled
    # merge): procsimp's join any cannot merge concurrent branches
    body = ('<task id="Activity_1a" name="Register"/><task id="Activity_2b" name="Check ID"/>'
            '<task id="Activity_3c" name="Check address"/><task id="Activity_4d" name="Decide"/>'
            '<parallelGateway id="g"/>'
            + flows("Activity_1a>g", "g>Activity_2b", "g>Activity_3c", "Activity_2b>Activity_4d",
                    "Activity_3c>Activity_4d"))
    with pytest.raises(ps.ModelError) as info:
        read(doc(body))
    message = str(info.value)
    assert "'Decide' (BPMN id 'Activity_4d')" in message
    assert "steps[" not in message


def test_ps_load_passes_bpmn_options(tmp_path: Path) -> None:
    lanes = ('<laneSet id="ls"><lane id="L1" name="Clerk"><flowNodeRef>a</flowNodeRef>'
             '<flowNodeRef>b</flowNodeRef><flowNodeRef>c</flowNodeRef></lane></laneSet>')
    body = lanes + tasks("a", "b", "c") + '<exclusiveGateway id="x"/>' + flows(
        "a>x", "x>b:fb", "x>c:fc")
    path = tmp_path / "choice.bpmn"
    path.write_text(doc(body), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proc = ps.load(path, level_of={"Clerk": "echelon_4"}, probabilities={"fb": 0.9, "fc": 0.1})
    assert edges(proc)["b"] == [("a", 0.9)] and edges(proc)["c"] == [("a", 0.1)]
    assert proc.role("Clerk").level == "echelon_4"
    with pytest.raises(ps.OptionError, match="level_of, probabilities, time_unit, process"):
        ps.load(path, levels={"Clerk": "x"})


def test_cli_warnings_do_not_print_procsimp_source(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two.bpmn"
    body = tasks("a", "b", "c") + '<exclusiveGateway id="x"/>' + flows("a>x", "x>b", "x>c")
    path.write_text(doc(body), encoding="utf-8")
    cli.main(["convert", str(path), "-o", str(tmp_path / "two.yaml")])
    err = capsys.readouterr().err
    assert "split equally" in err
    assert ".py:" not in err and "warnings.warn" not in err


# --- issue 20 item 4: a ladder of gateways ---------------------------------------------------


def ladder(rungs: int) -> str:
    """A -> (XOR split -> two flows -> XOR merge) x rungs -> B: 2**rungs paths."""
    parts = [tasks("a", "b")]
    prev = "a"
    pairs = []
    for i in range(rungs):
        parts.append(f'<exclusiveGateway id="s{i}"/><exclusiveGateway id="m{i}"/>')
        pairs += [f"{prev}>s{i}", f"s{i}>m{i}:u{i}:0.5", f"s{i}>m{i}:l{i}:0.5"]
        prev = f"m{i}"
    pairs.append(f"{prev}>b")
    return doc("".join(parts) + flows(*pairs), attrs=PS)


def test_gateway_ladder_imports_in_linear_time() -> None:
    text = ladder(300)  # 2**300 paths from A to B; about 30 KB
    assert len(text) > 18_000
    start = time.perf_counter()
    proc, _ = read(text)
    elapsed = time.perf_counter() - start
    # every path carries .5 per rung and there are 2**rungs of them: in total B follows A
    # with probability 1
    assert edges(proc) == {"a": [], "b": [("a", pytest.approx(1.0))]}
    print(f"ladder of 300 rungs imported in {elapsed:.3f} s")


# --- fuzzing: nothing but ProcsimpError ------------------------------------------------------

CORPUS = Path(__file__).resolve().parent / "data" / "bpmn"
SEEDS = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.bpmn"))
         if p.stat().st_size < 20_000]


def imports_or_refuses(text: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        try:
            proc = loads_bpmn(text, source="fuzz.bpmn")
        except ps.ProcsimpError as exc:
            assert "fuzz.bpmn" in str(exc)
            return
    # what imports is a valid process (validation ran) that saves and loads back
    assert ps.loads(ps.dumps(proc, "bpmn"), "bpmn") == proc


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(bpmn_documents())
def test_random_bpmn_imports_or_is_refused(text: str) -> None:
    imports_or_refuses(text)


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_text(SEEDS, XML_TOKENS))
def test_mutated_corpus_files_import_or_are_refused(text: str) -> None:
    imports_or_refuses(text)
