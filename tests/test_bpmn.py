"""BPMN 2.0 import and export: round trips, other tools' files, an independent parser,
hostile XML."""

from __future__ import annotations

import contextlib
import random
import time
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import processes

import procsimp as ps
from procsimp.io import bpmn
from procsimp.io.bpmn import BpmnImportWarning, dumps_bpmn, loads_bpmn, qbp_duration, read_bpmn

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bpmn-corpus"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
B = f"{{{bpmn.BPMN}}}"


def load_quietly(path: Path, **kw: Any) -> tuple[ps.Process, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proc = read_bpmn(path, **kw)
    return proc, [str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning)]


def by_name(proc: ps.Process) -> dict[str, ps.Step]:
    return {" ".join(s.name.split()): s for s in proc.steps}


def minimal(steps: str, *, lanes: str = "", extra: str = "", root_extra: str = "") -> str:
    return (f'<definitions xmlns="{bpmn.BPMN}" {root_extra}><process id="P" name="demo">'
            f"{lanes}{steps}{extra}</process></definitions>")


# --- round trips ------------------------------------------------------------------------------


class TestRoundTrip:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True, open_choices=True, text_ids=True))
    def test_load_of_save_is_identity(self, proc: ps.Process) -> None:
        text = dumps_bpmn(proc)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert loads_bpmn(text) == proc

    def test_save_and_load_by_suffix(self, letter_process: ps.Process, tmp_path: Path) -> None:
        path = tmp_path / "letter.bpmn"
        ps.save(letter_process, path)
        loaded = ps.load(path)
        assert loaded == letter_process
        assert loaded.source == path

    @pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
    def test_examples(self, example: Path, tmp_path: Path) -> None:
        proc = ps.load(example)
        ps.save(proc, tmp_path / "x.bpmn")
        assert ps.load(tmp_path / "x.bpmn") == proc

    def test_edits_in_a_modeler_are_picked_up(self, letter_process: ps.Process) -> None:
        """The graph is read from the flows: a flow removed in a modeler is gone on load."""
        root = ET.fromstring(dumps_bpmn(letter_process))
        proc_el = root.find(f"{B}process")
        assert proc_el is not None
        # cut 'sign' loose: drop the flow into it and let the step start the process
        sign = next(t for t in proc_el.iter(f"{B}task") if t.get("name") == "sign")
        flow = next(f for f in proc_el.iter(f"{B}sequenceFlow")
                    if f.get("targetRef") == sign.get("id"))
        proc_el.remove(flow)
        loaded = loads_bpmn(ET.tostring(root))
        assert loaded.step("sign").after == ()
        assert loaded.step("initial_division").after == letter_process.step(
            "initial_division").after


class TestExportShape:
    def test_executable_with_conditions_or_default(self) -> None:
        proc = ps.Process.model_validate({
            "levels": ["head", "staff"],
            "roles": [{"id": "clerk", "level": "staff"}, {"id": "boss", "level": "head"}],
            "steps": [
                {"id": "screen", "role": "clerk", "duration": 2},
                {"id": "expert", "role": "clerk", "after": [{"step": "screen", "p": 0.3}]},
                {"id": "decide", "role": "boss", "join": "any",
                 "after": ["expert", {"step": "screen", "p": 0.7}],
                 "rework": {"to": "screen", "p": 0.1}},
            ]})
        root = ET.fromstring(dumps_bpmn(proc))
        proc_el = root.find(f"{B}process")
        assert proc_el is not None and proc_el.get("isExecutable") == "true"
        flows = {f.get("id"): f for f in proc_el.iter(f"{B}sequenceFlow")}
        for gw in proc_el.iter(f"{B}exclusiveGateway"):
            outs = [f for f in flows.values() if f.get("sourceRef") == gw.get("id")]
            if len(outs) < 2:
                continue
            for f in outs:
                has_condition = f.find(f"{B}conditionExpression") is not None
                assert has_condition or gw.get("default") == f.get("id")
        # lanes by level, roles nested inside; every node has a shape, every flow an edge
        outer = [lane.get("name") for lane in proc_el.find(f"{B}laneSet") or []]
        assert outer == ["head", "staff"]
        di = {el.get("bpmnElement") for el in root.iter() if el.get("bpmnElement")}
        nodes = {el.get("id") for el in proc_el if el.tag != f"{B}laneSet"
                 and el.tag != f"{B}extensionElements"}
        assert nodes <= di

    def test_hostile_names_are_escaped(self) -> None:
        proc = ps.Process.model_validate({
            "name": "<x>&\x01", "levels": ["l"], "roles": [{"id": "r]]>", "level": "l"}],
            "steps": [{"id": "a\"'<&>\x02", "name": "</task>\x0b", "role": "r]]>"}]})
        assert loads_bpmn(dumps_bpmn(proc)) == proc


# --- an independent parser ------------------------------------------------------------------------


def spiff_edges(xml: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Task names by id, and (source, target) of every connection, as SpiffWorkflow reads them."""
    parser_mod = pytest.importorskip("SpiffWorkflow.bpmn.parser.BpmnParser")
    etree = pytest.importorskip("lxml.etree")
    parser = parser_mod.BpmnParser()
    parser.add_bpmn_xml(etree.fromstring(xml.encode("utf-8")), filename="export.bpmn")
    pid = ET.fromstring(xml).find(f"{B}process").get("id")  # type: ignore[union-attr]
    assert parser.get_process_ids() == [pid]
    spec = parser.get_spec(pid)
    names: dict[str, str] = {}
    edges: set[tuple[str, str]] = set()
    for ts in spec.task_specs.values():
        bpmn_id = getattr(ts, "bpmn_id", None)
        if bpmn_id is None:
            continue
        if type(ts).__name__ == "NoneTask":
            names[bpmn_id] = ts.bpmn_name
        for out in ts.outputs:
            if getattr(out, "bpmn_id", None) is not None:
                edges.add((bpmn_id, out.bpmn_id))
    return names, edges


def our_edges(xml: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    root = ET.fromstring(xml)
    names = {t.get("id") or "": t.get("name") or "" for t in root.iter(f"{B}task")}
    flows = {(f.get("sourceRef") or "", f.get("targetRef") or "")
             for f in root.iter(f"{B}sequenceFlow")}
    return names, flows


class TestSpiffWorkflowReadsExports:
    @pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
    def test_examples(self, example: Path) -> None:
        xml = dumps_bpmn(ps.load(example))
        assert spiff_edges(xml) == our_edges(xml)

    def test_letter(self, letter_process: ps.Process) -> None:
        xml = dumps_bpmn(letter_process)
        names, _ = spiff_edges(xml)
        assert sorted(names.values()) == sorted(s.name for s in letter_process.steps)
        assert spiff_edges(xml) == our_edges(xml)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True))
    def test_random_processes(self, proc: ps.Process) -> None:
        xml = dumps_bpmn(proc)
        names, edges = spiff_edges(xml)
        assert len(names) == len(proc.steps)
        assert (names, edges) == our_edges(xml)


# --- files written by other tools ---------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared BPMN corpus is not beside the repo")
class TestOtherTools:
    """Files written by Camunda Modeler, Signavio/Apromore and ProM, read from the shared corpus
    (``../shared/bpmn-corpus``, origins and licences in its SOURCES.md; not copied here)."""

    def test_camunda_invoice_receipt(self) -> None:
        proc, warned = load_quietly(CORPUS / "camunda_modeler__invoice_receipt.bpmn")
        steps = by_name(proc)
        assert set(steps) == {"Assign Approver Group", "Approve Invoice", "Review Invoice",
                              "Prepare Bank Transfer", "Archive Invoice"}
        assert {r.id for r in proc.roles} == {"Approver", "Accountant", "Team Assistant"}
        assert steps["Approve Invoice"].role == "Approver"
        assert steps["Approve Invoice"].kind == "approval"
        # the exclusive gateway after approval: two alternatives, split equally with a warning
        alternatives = {s.name: e.p for s in proc.steps for e in s.after
                        if e.step == "approveInvoice"}
        assert alternatives == {"Prepare\nBank\nTransfer": 0.5, "Review Invoice": 0.5}
        assert any("dataStoreReference" in w and "split equally" in w for w in warned)

    def test_camunda_job_announcement(self) -> None:
        proc, warned = load_quietly(CORPUS / "camunda_modeler__job_announcement_review.bpmn")
        steps = by_name(proc)
        assert len(steps) == 6
        assert {r.id for r in proc.roles} == {"HR", "Management", "Automated"}
        assert steps["Describe job role"].after == ()
        assert {e.p for s in proc.steps for e in s.after if e.step == "review"} == {0.5}
        assert any("loop" in w for w in warned)

    def test_qbp_loan_application(self) -> None:
        proc, warned = load_quietly(CORPUS / "bimp_qbp__loan_application_signavio.bpmn")
        steps = by_name(proc)
        assert len(steps) == 10
        assert proc.time_unit == "hour"
        # FIXED 1200 s is 1/3 hour; QBP probabilities 0.4 / 0.6 on the risk decision
        assert steps["Assess loan risk"].duration == pytest.approx(1200 / 3600)
        risk = steps["Assess loan risk"].id
        assert sorted(e.p for s in proc.steps for e in s.after if e.step == risk) == [0.4, 0.6]
        # the parallel block: three checks before the risk assessment, joined with AND
        assert len(steps["Assess loan risk"].after) == 3
        assert steps["Assess loan risk"].join == "all"
        exp = steps["Check application form completeness"].duration
        assert exp.mean == pytest.approx(1200 / 3600)  # EXPONENTIAL, mean arg1
        assert not any("split equally" in w for w in warned)

    def test_qbp_purchasing(self) -> None:
        proc, _ = load_quietly(CORPUS / "bimp_qbp__purchasing_prom.bpmn")
        assert len(proc.steps) == 23
        probabilities = sorted(e.p for s in proc.steps for e in s.after if e.p is not None)
        assert probabilities[0] == pytest.approx(0.014652014652014652)
        uniform = by_name(proc)["Analyze Purchase Requisition"].duration
        assert uniform.low == pytest.approx(240 / 3600)
        assert uniform.high == pytest.approx(540 / 3600)

    @pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared BPMN corpus is not beside the repo")
    @pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.bpmn"))
                             if CORPUS.is_dir() else [])
    def test_shared_corpus_imports(self, name: str) -> None:
        proc, _ = load_quietly(CORPUS / name)
        assert proc.steps
        assert all(s.name for s in proc.steps)

    def test_unsupported_elements_are_listed_once(self) -> None:
        text = minimal('<task id="a"/><dataObject id="d"/><textAnnotation id="t"/>'
                       '<boundaryEvent id="b" attachedToRef="a"/>')
        with pytest.warns(BpmnImportWarning) as record:
            loads_bpmn(text)
        assert len(record) == 1
        message = str(record[0].message)
        assert "dataObject" in message and "textAnnotation" in message
        assert "boundaryEvent" in message


class TestImportConventions:
    LANES = ('<laneSet id="ls"><lane id="L1" name="head / Director"><flowNodeRef>a</flowNodeRef>'
             '</lane><lane id="L2" name="Clerk"><flowNodeRef>b</flowNodeRef></lane></laneSet>')
    FLOW = '<task id="a" name="Sign letter"/><task id="b"/><sequenceFlow id="f" ' \
           'sourceRef="b" targetRef="a"/>'

    def test_lane_naming_convention(self) -> None:
        proc = loads_bpmn(minimal(self.FLOW, lanes=self.LANES))
        assert proc.role("Director").level == "head"
        assert proc.role("Clerk").level == "staff"
        assert proc.step("a").kind == "signature"

    def test_level_mapping(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Director" names the lane "head / Director"
            proc = loads_bpmn(minimal(self.FLOW, lanes=self.LANES),
                              level_of={"Clerk": "echelon_4", "Director": "echelon_2"})
        assert [lv.id for lv in proc.levels] == ["echelon_4", "echelon_2"]
        assert proc.role("Clerk").level == "echelon_4"

    def test_nested_lanes_give_levels(self) -> None:
        lanes = ('<laneSet id="ls"><lane id="H" name="Head office"><childLaneSet id="c">'
                 '<lane id="R" name="Secretary"><flowNodeRef>a</flowNodeRef>'
                 '<flowNodeRef>b</flowNodeRef></lane></childLaneSet></lane></laneSet>')
        proc = loads_bpmn(minimal(self.FLOW, lanes=lanes))
        assert proc.role("Secretary").level == "Head office"

    def test_probabilities_argument_and_merge(self) -> None:
        steps = ('<task id="a"/><exclusiveGateway id="g"/><task id="b"/><task id="c"/>'
                 '<exclusiveGateway id="m"/><task id="d"/>'
                 '<sequenceFlow id="f1" sourceRef="a" targetRef="g"/>'
                 '<sequenceFlow id="f2" sourceRef="g" targetRef="b"/>'
                 '<sequenceFlow id="f3" sourceRef="g" targetRef="c"/>'
                 '<sequenceFlow id="f4" sourceRef="b" targetRef="m"/>'
                 '<sequenceFlow id="f5" sourceRef="c" targetRef="m"/>'
                 '<sequenceFlow id="f6" sourceRef="m" targetRef="d"/>')
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            proc = loads_bpmn(minimal(steps), probabilities={"f2": 0.2, "f3": 0.8})
        assert proc.step("b").after[0].p == 0.2
        assert proc.step("c").after[0].p == 0.8
        assert proc.step("d").join == "any"
        with pytest.warns(BpmnImportWarning, match="split equally"):
            assert loads_bpmn(minimal(steps)).step("b").after[0].p == 0.5

    def test_loop_becomes_rework(self) -> None:
        steps = ('<startEvent id="s"/><exclusiveGateway id="m"/><task id="a"/><task id="b"/>'
                 '<exclusiveGateway id="g"/><endEvent id="e"/>'
                 '<sequenceFlow id="f0" sourceRef="s" targetRef="m"/>'
                 '<sequenceFlow id="f1" sourceRef="m" targetRef="a"/>'
                 '<sequenceFlow id="f2" sourceRef="a" targetRef="b"/>'
                 '<sequenceFlow id="f3" sourceRef="b" targetRef="g"/>'
                 '<sequenceFlow id="back" sourceRef="g" targetRef="m"/>'
                 '<sequenceFlow id="on" sourceRef="g" targetRef="e"/>')
        proc = loads_bpmn(minimal(steps), probabilities={"back": 0.25, "on": 0.75})
        assert proc.step("b").rework == ps.Rework(to="a", p=0.25)
        assert proc.step("a").join == "all"

    def test_choose_process(self) -> None:
        text = (f'<definitions xmlns="{bpmn.BPMN}"><process id="P1"><task id="a"/></process>'
                f'<process id="P2" name="second"><task id="b"/></process></definitions>')
        assert [s.id for s in loads_bpmn(text, process="second").steps] == ["b"]
        # issue 10 item 4: the processes are no longer merged into one without a word; the
        # first of the largest is imported and the warning names the other
        with pytest.warns(BpmnImportWarning, match=r"imported 'P1'.*not 'second' \(id 'P2'\)"):
            assert [s.id for s in loads_bpmn(text).steps] == ["a"]
        with pytest.raises(ps.FileFormatError, match=r"no process 'P3'"):
            loads_bpmn(text, process="P3")

    @pytest.mark.parametrize(("kind", "attrs", "mean"), [
        ("FIXED", 'mean="7200"', 2.0),
        ("UNIFORM", 'arg1="3600" arg2="10800"', 2.0),
        ("TRIANGULAR", 'mean="7200" arg1="3600" arg2="10800"', 2.0),
        ("NORMAL", 'mean="7200" arg1="1800"', 2.0),
        ("EXPONENTIAL", 'arg1="7200"', 2.0),
        ("GAMMA", 'mean="7200" arg1="3240000"', 2.0),
        ("LOGNORMAL", 'mean="7200" arg1="3240000"', 2.0),
        ("HISTOGRAM", 'mean="7200"', 2.0),
    ])
    def test_qbp_distributions_keep_their_mean(self, kind: str, attrs: str, mean: float) -> None:
        raw = qbp_duration(ET.fromstring(f'<d type="{kind}" {attrs}/>'), 3600.0, [])
        proc = ps.Process.model_validate({"levels": ["l"], "roles": [{"id": "r", "level": "l"}],
                                          "steps": [{"id": "a", "role": "r", "duration": raw}]})
        assert ps.measure(proc).lead_time == pytest.approx(mean)


# --- hostile and broken XML -------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
<process id="P"><task id="a" name="&lol9;"/></process></definitions>
"""


def external_entity(url: str) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "{url}">]>'
            f'<definitions xmlns="{bpmn.BPMN}"><process id="P"><task id="a" name="&xxe;"/>'
            f"</process></definitions>")


class TestHostileXml:
    @pytest.mark.parametrize("text", [
        BILLION_LAUGHS,
        external_entity("file:///etc/passwd"),
        external_entity("http://127.0.0.1:9/never-fetched"),
        external_entity("https://example.invalid/x.dtd"),
        '<!DOCTYPE d SYSTEM "http://127.0.0.1:9/x.dtd"><definitions/>',
    ], ids=["billion-laughs", "file", "http", "https", "external-dtd"])
    def test_rejected_quickly_without_expanding(self, text: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
        import socket

        def no_network(*_: Any, **__: Any) -> None:
            raise AssertionError("the parser tried to open a network connection")

        monkeypatch.setattr(socket, "create_connection", no_network)
        monkeypatch.setattr(socket.socket, "connect", no_network)
        path = tmp_path / "hostile.bpmn"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        with pytest.raises(ps.FileFormatError, match="DOCTYPE") as info:
            ps.load(path)
        assert time.perf_counter() - start < 1.0
        assert str(path) in str(info.value)

    def test_utf16_declaration_cannot_hide_a_doctype(self) -> None:
        data = ('\ufeff<?xml version="1.0" encoding="UTF-16"?>'
                + external_entity("file:///etc/passwd").split("?>", 1)[1]).encode("utf-16-le")
        with pytest.raises(ps.FileFormatError, match="DOCTYPE"):
            loads_bpmn(data)

    def test_truncated(self, letter_process: ps.Process) -> None:
        text = dumps_bpmn(letter_process)
        with pytest.raises(ps.FileFormatError, match="malformed XML"):
            loads_bpmn(text[: len(text) // 2], source="half.bpmn")

    def test_wrong_namespace(self) -> None:
        text = '<definitions xmlns="http://example.com/not-bpmn"><process/></definitions>'
        with pytest.raises(ps.FileFormatError, match=r"not a BPMN 2\.0 document"):
            loads_bpmn(text)

    def test_huge(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from procsimp.io import base

        monkeypatch.setattr(base, "MAX_BYTES", 1000)
        path = tmp_path / "huge.bpmn"
        path.write_text(minimal("<task id='a'/>" * 200), encoding="utf-8")
        with pytest.raises(ps.FileFormatError, match="too large"):
            ps.load(path)

    def test_deep_nesting(self) -> None:
        with pytest.raises(ps.FileFormatError, match="nested"):
            loads_bpmn("<a>" * 100_000 + "</a>" * 100_000)

    @pytest.mark.parametrize("text", ["", "   ", "not xml", "<definitions", "\x00\x01"])
    def test_not_xml(self, text: str) -> None:
        with pytest.raises(ps.FileFormatError):
            loads_bpmn(text)

    def test_no_tasks(self) -> None:
        with pytest.raises(ps.FileFormatError, match="no tasks"):
            loads_bpmn(minimal('<startEvent id="s"/>'))

    @pytest.mark.parametrize("suffix", [".mmd", ".dot"])
    def test_export_only_formats(self, suffix: str, tmp_path: Path) -> None:
        path = tmp_path / f"x{suffix}"
        path.write_text("flowchart LR\n", encoding="utf-8")
        with pytest.raises(ps.FileFormatError, match="export-only"):
            ps.load(path)


def _mutations(text: str, rnd: random.Random) -> str:
    chars = list(text)
    for _ in range(rnd.randint(1, 5)):
        op = rnd.choice(["flip", "cut", "dup", "drop"])
        i = rnd.randrange(len(chars))
        if op == "flip":
            chars[i] = rnd.choice('<>&"=/ x\x00é;#-')
        elif op == "cut":
            chars = chars[:i]
        elif op == "dup":
            j = min(len(chars), i + rnd.randint(1, 200))
            chars[i:i] = chars[i:j]
        else:
            del chars[i: i + rnd.randint(1, 200)]
        if not chars:
            break
    return "".join(chars)


class TestFuzz:
    @settings(max_examples=150, deadline=None)
    @given(st.binary(max_size=2000) | st.text(max_size=2000))
    def test_random_input(self, data: bytes | str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BpmnImportWarning)
            with contextlib.suppress(ps.ProcsimpError):
                loads_bpmn(data)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True, needs=True), st.integers(0, 2**32))
    def test_mutated_exports(self, proc: ps.Process, seed: int) -> None:
        text = _mutations(dumps_bpmn(proc), random.Random(seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BpmnImportWarning)
            with contextlib.suppress(ps.ProcsimpError):
                loads_bpmn(text)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(processes(choices=True, rework=True), st.data())
    def test_mutated_structure(self, proc: ps.Process, data: st.DataObject) -> None:
        """Well-formed XML with elements removed or retargeted: only ProcsimpError comes out."""
        root = ET.fromstring(dumps_bpmn(proc))
        proc_el = root.find(f"{B}process")
        assert proc_el is not None
        children = list(proc_el)
        for _ in range(data.draw(st.integers(1, 4))):
            victim = data.draw(st.sampled_from(children))
            if victim.tag == f"{B}sequenceFlow" and data.draw(st.booleans()):
                other = data.draw(st.sampled_from(children))
                victim.set("targetRef", other.get("id") or "")
            elif victim in list(proc_el):
                proc_el.remove(victim)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BpmnImportWarning)
            with contextlib.suppress(ps.ProcsimpError):
                loads_bpmn(ET.tostring(root))
