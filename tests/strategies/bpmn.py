"""Random BPMN documents for the reader's fuzz tests (tests/test_bpmn_import.py).

:func:`bpmn_documents` draws structure, not text: any number of processes, tasks of every
type, every kind of gateway, intermediate and boundary events, sequence flows between any
two elements (loops, dangling and self flows included), probabilities on any flow (in
procsimp's attribute and in a QBP block, sometimes out of range), lanes nested or with an
empty ``childLaneSet``, call activities naming any process, and a diagram with lane
positions. Most documents are nonsense as processes; each must import or be refused with
a :class:`procsimp.ProcsimpError`. :data:`XML_TOKENS` feeds
:func:`strategies.documents.mutated_text` for text-level mutations of real files.
"""

from __future__ import annotations

from hypothesis import strategies as st

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
QBP = "http://www.qbp-simulator.com/Schema201212"
PROCSIMP = "urn:procsimp:bpmn:1"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"

TAGS = ["task", "userTask", "serviceTask", "callActivity", "subProcess", "exclusiveGateway",
        "exclusiveGateway", "parallelGateway", "parallelGateway", "inclusiveGateway",
        "complexGateway", "eventBasedGateway", "intermediateCatchEvent",
        "intermediateThrowEvent", "startEvent", "endEvent", "boundaryEvent", "dataObject"]
NAMES = ["", "Approve", "Check", "Sign", "Notify of approval", "Review", "Send", "a / b",
         "é ü", "x" * 30, "Assign Approver", "  ", "\n"]
PROBS = ["0.5", "0.3", "0.7", "1", "0", "-0.2", "1.5", "nan", "inf", "x", "1e-300"]
XML_TOKENS = ["<task id=\"z\"/>", "<exclusiveGateway id=\"g\"/>", "<parallelGateway id=\"g\"/>",
              "<sequenceFlow id=\"q\" sourceRef=\"a\" targetRef=\"b\"/>", "</process>",
              "<process id=\"P9\">", "<lane id=\"l\"><childLaneSet/></lane>",
              "<boundaryEvent id=\"be\" attachedToRef=\"n0\"/>", "id=\"n0\"", "sourceRef=",
              "targetRef=\"n0\"", "name=\"\"", "\"", "<", ">", "/>", "&amp;", "&#0;",
              "&#xD800;", "<![CDATA[", "]]>", "<!--", "-->", "\x00", "\ufeff", "é",
              "calledElement=\"P\"", "ps:p=\"2\"", "xmlns=\"\"", "<?xml version=\"1.0\"?>"]


@st.composite
def bpmn_documents(draw: st.DrawFn) -> str:
    n_proc = draw(st.integers(1, 3))
    procs = []
    all_ids: list[str] = []
    sims = []
    for k in range(n_proc):
        n = draw(st.integers(1, 12))
        ids = [f"p{k}n{i}" for i in range(n)]
        all_ids += ids
        tags = [draw(st.sampled_from(TAGS)) for _ in ids]
        elems = []
        for nid, tag in zip(ids, tags, strict=True):
            attrs = f' id="{nid}" name="{draw(st.sampled_from(NAMES))}"'
            if tag == "boundaryEvent":
                attrs += f' attachedToRef="{draw(st.sampled_from(ids))}"'
                if draw(st.booleans()):
                    attrs += ' cancelActivity="false"'
            if tag == "callActivity":
                attrs += f' calledElement="P{draw(st.integers(0, 3))}"'
            inner = ""
            if tag.endswith("Event") and draw(st.booleans()):
                inner = draw(st.sampled_from(["<timerEventDefinition/>", "<errorEventDefinition/>",
                                              "<messageEventDefinition/>"]))
            if tag == "subProcess" and draw(st.booleans()):
                inner = f'<task id="{nid}in"/>' if draw(st.booleans()) else ""
                if draw(st.booleans()):
                    attrs += ' triggeredByEvent="true"'
            elems.append(f"<{tag}{attrs}>{inner}</{tag}>")
        for j in range(draw(st.integers(0, 2 * n + 2))):
            src = draw(st.sampled_from([*ids, "missing"]))
            tgt = draw(st.sampled_from([*ids, "missing"]))
            fid = f"p{k}f{j}"
            p = f' ps:p="{draw(st.sampled_from(PROBS))}"' if draw(st.integers(0, 3)) == 0 else ""
            elems.append(f'<sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{tgt}"{p}/>')
            if draw(st.integers(0, 4)) == 0:
                sims.append(f'<qbp:sequenceFlow elementId="{fid}" '
                            f'executionProbability="{draw(st.sampled_from(PROBS))}"/>')
        lanes = ""
        if draw(st.booleans()):
            parts = []
            for li in range(draw(st.integers(1, 3))):
                refs = "".join(f"<flowNodeRef>{r}</flowNodeRef>" for r in
                               draw(st.lists(st.sampled_from(ids), max_size=4)))
                child = draw(st.sampled_from(["", "<childLaneSet/>",
                                              f'<childLaneSet><lane id="p{k}c{li}" name="Inner">'
                                              f"{refs}</lane></childLaneSet>"]))
                parts.append(f'<lane id="p{k}l{li}" name="{draw(st.sampled_from(NAMES))}">'
                             f"{refs}{child}</lane>")
            lanes = f'<laneSet id="p{k}ls">{"".join(parts)}</laneSet>'
        procs.append(f'<process id="P{k}" name="{draw(st.sampled_from(NAMES))}">{lanes}'
                     f'{"".join(elems)}</process>')
    for nid in draw(st.lists(st.sampled_from(all_ids), max_size=4)):
        kind = draw(st.sampled_from(["FIXED", "NORMAL", "UNIFORM", "GAMMA", "ODD"]))
        mean = draw(st.sampled_from(["3600", "0", "-5", "1e308", "nan", "x"]))
        sims.append(f'<qbp:element elementId="{nid}"><qbp:durationDistribution type="{kind}" '
                    f'mean="{mean}" arg1="{mean}" arg2="7200"/></qbp:element>')
    sim = (f'<qbp:processSimulationInfo id="s">{"".join(sims)}</qbp:processSimulationInfo>'
           if sims else "")
    shapes = "".join(f'<bpmndi:BPMNShape id="sh{i}" bpmnElement="{r}"><dc:Bounds x="0" '
                     f'y="{draw(st.sampled_from(["0", "100", "-5", "nan", "z"]))}" width="1" '
                     f'height="1"/></bpmndi:BPMNShape>'
                     for i, r in enumerate(draw(st.lists(st.sampled_from(
                         [*all_ids, "p0l0", "p0l1", "p1l0"]), max_size=4))))
    di = (f'<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl">{shapes}</bpmndi:BPMNPlane>'
          f"</bpmndi:BPMNDiagram>" if shapes else "")
    return (f'<definitions xmlns="{BPMN}" xmlns:qbp="{QBP}" xmlns:ps="{PROCSIMP}" '
            f'xmlns:bpmndi="{BPMNDI}" xmlns:dc="{DC}">{"".join(procs)}{sim}{di}</definitions>')
