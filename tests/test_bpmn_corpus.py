"""The import corpus (tests/data/bpmn, origins in SOURCES.md): 26 files written by 20 tools.

For every file the expected steps, roles, edges (by step name), rework and the warnings
that must be given are written out below; they were checked by reading each file (its
tasks, lanes, gateways and loops). On top of that an independent oracle, written here on
the raw XML and sharing no code with the reader, checks that every imported edge is a
path of sequence flows in the file through no other task, that every rework closes a
cycle in the file, and that every task of the imported process that is not a step is
named in the warning (nothing disappears without a word).
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

import procsimp as ps
from procsimp.io.bpmn import BpmnImportWarning

DATA = Path(__file__).resolve().parent / "data" / "bpmn"
MODEL = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
TASKS = {
    "task",
    "userTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "scriptTask",
    "manualTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
}


class Expected(NamedTuple):
    steps: list[str]
    roles: list[str]
    edges: list[tuple[str, str]]
    rework: list[tuple[str, str]]
    warnings: list[str]


EXPECTED: dict[str, Expected] = {
    "activiti__miwg_a2.bpmn": Expected(
        steps=["Task 1", "Task 2", "Task 3", "Task 4"],
        roles=["performer"],
        edges=[("Task 1", "Task 2"), ("Task 1", "Task 3"), ("Task 1", "Task 4")],
        rework=[],
        warnings=["split equally"],
    ),
    "adonis__job_vacancy_advertisement.bpmn": Expected(
        steps=[
            "Approve advertisement",
            "Complete advertisement",
            "Publish on homepage",
            "Publish on other platforms",
            "Select other platforms",
            "Write description",
        ],
        roles=["Hiring Manager", "Recruitment"],
        edges=[
            ("Approve advertisement", "Publish on homepage"),
            ("Approve advertisement", "Select other platforms"),
            ("Complete advertisement", "Approve advertisement"),
            ("Select other platforms", "Publish on other platforms"),
            ("Write description", "Complete advertisement"),
        ],
        rework=[("Approve advertisement", "Complete advertisement")],
        warnings=["split equally"],
    ),
    "aeneis__miwg_a2.bpmn": Expected(
        steps=["Task 1", "Task 2", "Task 3", "Task 4"],
        roles=["performer"],
        edges=[("Task 1", "Task 2"), ("Task 1", "Task 3"), ("Task 1", "Task 4")],
        rework=[],
        warnings=["split equally"],
    ),
    "aris__miwg_c1_invoice.bpmn": Expected(
        steps=[
            "Approve Invoice",
            "Archive Invoice",
            "Assign Approver",
            "Prepare Bank Transfer",
            "Rechnung klären",
        ],
        roles=["Accountant", "Approver", "Team Assistant"],
        edges=[
            ("Approve Invoice", "Prepare Bank Transfer"),
            ("Approve Invoice", "Rechnung klären"),
            ("Assign Approver", "Approve Invoice"),
            ("Prepare Bank Transfer", "Archive Invoice"),
        ],
        rework=[],
        warnings=[
            "imported 'Process_ID-16b7937e-723a-11e9-69f8-f48e38b53512' (the most tasks)",
            "loop(s) back from 'Rechnung klären' not imported as rework",
            "split equally",
            "5 messageFlow",
        ],
    ),
    "bic_cloud__miwg_a4.bpmn": Expected(
        steps=["Expanded Sub-Process 1", "Expanded Sub-Process 2", "Task 3", "Task 5"],
        roles=["Lane 1", "Lane 2"],
        edges=[
            ("Expanded Sub-Process 1", "Task 5"),
            ("Task 3", "Expanded Sub-Process 1"),
            ("Task 3", "Expanded Sub-Process 2"),
        ],
        rework=[],
        warnings=[
            "imported 'process_UUID_62bf5d9d-52b8-41f8-b2e1-36eab7b11bec' (the most tasks)",
            "boundary event 'Start Event 3' (BPMN id",
            "2 messageFlow",
        ],
    ),
    "bimp_qbp__loan_application_signavio.bpmn": Expected(
        steps=[
            "AML check",
            "Appraise property",
            "Approve application",
            "Approve loan offer",
            "Assess loan risk",
            "Cancel application",
            "Check application form completeness",
            "Check credit history",
            "Design loan offer",
            "Reject application",
        ],
        roles=["aml_investigator", "appraiser", "clerk", "loan_officer", "senior_officer"],
        edges=[
            ("AML check", "Assess loan risk"),
            ("Appraise property", "Assess loan risk"),
            ("Approve loan offer", "Approve application"),
            ("Approve loan offer", "Cancel application"),
            ("Assess loan risk", "Design loan offer"),
            ("Assess loan risk", "Reject application"),
            ("Check application form completeness", "AML check"),
            ("Check application form completeness", "Appraise property"),
            ("Check application form completeness", "Check credit history"),
            ("Check credit history", "Assess loan risk"),
            ("Design loan offer", "Approve loan offer"),
        ],
        rework=[],
        warnings=["QBP timetable 'Business Hours' (most tasks' resources) is the process "
                  "calendar"],
    ),
    "bimp_qbp__purchasing_prom.bpmn": Expected(
        steps=[
            "Amend Purchase Requisition",
            "Amend Request for Quotation",
            "Analyze Purchase Requisition",
            "Analyze Quotation Comparison Map",
            "Analyze Request for Quotation",
            "Approve Purchase Order for payment",
            "Authorize Supplier's Invoice payment",
            "Choose best option",
            "Confirm Purchase Order",
            "Create Purchase Order",
            "Create Purchase Requisition",
            "Create Quotation comparison Map",
            "Create Request for Quotation",
            "Deliver Goods Services",
            "End",
            "Pay Invoice",
            "Release Purchase Order",
            "Release Supplier's Invoice",
            "Send Invoice",
            "Send Request for Quotation to Supplier",
            "Settle Conditions With Supplier",
            "Settle Dispute With Supplier",
            "Start",
        ],
        roles=["role_1", "role_2", "role_3", "role_4", "role_5", "system"],
        edges=[
            ("Analyze Purchase Requisition", "Amend Purchase Requisition"),
            ("Analyze Purchase Requisition", "Create Request for Quotation"),
            ("Analyze Quotation Comparison Map", "Choose best option"),
            ("Analyze Request for Quotation", "Amend Request for Quotation"),
            ("Analyze Request for Quotation", "Send Request for Quotation to Supplier"),
            ("Approve Purchase Order for payment", "Send Invoice"),
            ("Authorize Supplier's Invoice payment", "Pay Invoice"),
            ("Choose best option", "Settle Conditions With Supplier"),
            ("Confirm Purchase Order", "Deliver Goods Services"),
            ("Create Purchase Order", "Confirm Purchase Order"),
            ("Create Purchase Requisition", "Analyze Purchase Requisition"),
            ("Create Quotation comparison Map", "Analyze Quotation Comparison Map"),
            ("Create Request for Quotation", "Analyze Request for Quotation"),
            ("Deliver Goods Services", "Release Purchase Order"),
            ("Pay Invoice", "End"),
            ("Release Purchase Order", "Approve Purchase Order for payment"),
            ("Release Supplier's Invoice", "Authorize Supplier's Invoice payment"),
            ("Release Supplier's Invoice", "Settle Dispute With Supplier"),
            ("Send Invoice", "Release Supplier's Invoice"),
            ("Send Request for Quotation to Supplier", "Create Quotation comparison Map"),
            ("Settle Conditions With Supplier", "Create Purchase Order"),
            ("Settle Dispute With Supplier", "Authorize Supplier's Invoice payment"),
            ("Start", "Create Purchase Requisition"),
        ],
        rework=[],
        warnings=["skipped: it does not leave an exclusive gateway",
                  "QBP resource 'SYSTEM' works 34.5 of the process calendar's 168 hours"],
    ),
    "bizagi__miwg_b1_collaboration.bpmn": Expected(
        steps=[
            "Call Activity - Expanded",
            "Call Activity Calling a Global Task",
            "Call Activity Collapsed",
            "Collapsed Sub-Process",
            "Service Task 7",
            "Sub Process - Expanded",
            "User Task 5",
        ],
        roles=["Lane 1", "Lane 2"],
        edges=[
            ("Call Activity Collapsed", "Call Activity - Expanded"),
            ("Collapsed Sub-Process", "Sub Process - Expanded"),
            ("User Task 5", "Collapsed Sub-Process"),
            ("User Task 5", "Service Task 7"),
        ],
        rework=[],
        warnings=[
            "imported 'WFP-6-2' (the most tasks)",
            "split equally",
            "imported as one step",
            "2 messageFlow",
        ],
    ),
    "bonita__invoice_collaboration.bpmn": Expected(
        steps=[
            "Approve invoice",
            "Archive invoice",
            "Assign approver",
            "Prepare bank transfer",
            "Rechnung klaren",
        ],
        roles=["Accountant", "Approver", "Team assistant"],
        edges=[
            ("Approve invoice", "Prepare bank transfer"),
            ("Approve invoice", "Rechnung klaren"),
            ("Assign approver", "Approve invoice"),
            ("Prepare bank transfer", "Archive invoice"),
        ],
        rework=[],
        warnings=[
            "imported 'Process engine - Invoice receipt' (id '_ez8SELWeEeaTvLEWv0tJ7A') (the most tasks)",  # noqa: E501
            "split equally",
            "1 messageFlow",
        ],
    ),
    "bpmn_io__miwg_c3.bpmn": Expected(
        steps=[
            "Analyse customer request",
            "Perform emergency repair",
            "Perform repair (premium level)",
            "Perform repair (standard level)",
            "Replace fridge",
        ],
        roles=["performer"],
        edges=[
            ("Analyse customer request", "Perform emergency repair"),
            ("Analyse customer request", "Perform repair (premium level)"),
            ("Analyse customer request", "Perform repair (standard level)"),
            ("Analyse customer request", "Replace fridge"),
            ("Perform emergency repair", "Replace fridge"),
        ],
        rework=[],
        warnings=["split equally", "timer event '2 hours' (BPMN id"],
    ),
    "camunda_modeler__invoice_receipt.bpmn": Expected(
        steps=[
            "Approve Invoice",
            "Archive Invoice",
            "Assign Approver Group",
            "Prepare Bank Transfer",
            "Review Invoice",
        ],
        roles=["Accountant", "Approver", "Team Assistant"],
        edges=[
            ("Approve Invoice", "Prepare Bank Transfer"),
            ("Approve Invoice", "Review Invoice"),
            ("Assign Approver Group", "Approve Invoice"),
            ("Prepare Bank Transfer", "Archive Invoice"),
        ],
        rework=[],
        warnings=["loop(s) back from 'Review Invoice' not imported as rework", "split equally"],
    ),
    "camunda_modeler__job_announcement_review.bpmn": Expected(
        steps=[
            "Describe job role",
            "Execute announcement",
            "Improve job role description",
            "Publish announcement",
            "Review job role description",
            "Send confirmation",
        ],
        roles=["Automated", "HR", "Management"],
        edges=[
            ("Describe job role", "Review job role description"),
            ("Execute announcement", "Send confirmation"),
            ("Publish announcement", "Execute announcement"),
            ("Review job role description", "Improve job role description"),
            ("Review job role description", "Publish announcement"),
        ],
        rework=[],
        warnings=["split equally", "skipped: it does not leave an exclusive gateway"],
    ),
    "camunda_modeler__kitchen_sink.bpmn": Expected(
        steps=[
            "Hello Universe",
            "Task_0oz8m30",
            "Task_0vcqxha",
            "Task_1165fo8",
            "Task_12nft3n",
            "Task_19iw28f",
            "Task_1ank6jx",
            "Task_1suvpez",
            "Task_1x2pxcn",
        ],
        roles=["Process_1"],
        edges=[
            ("Hello Universe", "Task_0oz8m30"),
            ("Task_0oz8m30", "Task_1x2pxcn"),
            ("Task_0vcqxha", "Task_19iw28f"),
            ("Task_1165fo8", "Task_1suvpez"),
            ("Task_12nft3n", "Task_1165fo8"),
            ("Task_1ank6jx", "Task_0vcqxha"),
            ("Task_1suvpez", "Task_1ank6jx"),
            ("Task_1x2pxcn", "Task_12nft3n"),
        ],
        rework=[],
        warnings=[
            "imported 'Process_1' (the most tasks)",
            "read as an exclusive choice",
            "read as parallel",
        ],
    ),
    "camunda_modeler__pizza_collaboration.bpmn": Expected(
        steps=[
            "Ask for the pizza",
            "Eat the pizza",
            "Order a pizza",
            "Pay the pizza",
            "Select a pizza",
        ],
        roles=["Pizza Customer"],
        edges=[
            ("Order a pizza", "Ask for the pizza"),
            ("Order a pizza", "Pay the pizza"),
            ("Pay the pizza", "Eat the pizza"),
            ("Select a pizza", "Order a pizza"),
        ],
        rework=[],
        warnings=[
            "imported '_6-2' (the most tasks)",
            "split equally",
            "read as an exclusive choice",
            "6 messageFlow",
            "skipped: it does not leave an exclusive gateway",
        ],
    ),
    "cardanit__miwg_c2.bpmn": Expected(
        steps=["Add Item to Cart", "Browse Products on Amazon", "Checkout", "Receive items"],
        roles=["Customer"],
        edges=[
            ("Add Item to Cart", "Checkout"),
            ("Browse Products on Amazon", "Add Item to Cart"),
            ("Checkout", "Receive items"),
        ],
        rework=[("Add Item to Cart", "Browse Products on Amazon")],
        warnings=[
            "imported 'Customer' (id 'processes_6f718abb-4587-905b-04ea-b1617358711e') (the most tasks)",  # noqa: E501
            "split equally",
            "error event 'Error Boundary Event_149' (BPMN id",
            "imported as one step",
            "5 messageFlow",
        ],
    ),
    "enterprise_architect__miwg_a2.bpmn": Expected(
        steps=["Task 1", "Task 2", "Task 3", "Task 4"],
        roles=["performer"],
        edges=[("Task 1", "Task 2"), ("Task 1", "Task 3"), ("Task 1", "Task 4")],
        rework=[],
        warnings=["split equally"],
    ),
    "genmymodel__miwg_a1.bpmn": Expected(
        steps=["Task 1", "Task 2", "Task 3"],
        roles=["performer"],
        edges=[("Task 1", "Task 2"), ("Task 2", "Task 3")],
        rework=[],
        warnings=[],
    ),
    "igrafx__miwg_a1.bpmn": Expected(
        steps=["Task 1", "Task 2", "Task 3"],
        roles=["performer"],
        edges=[("Task 1", "Task 2"), ("Task 2", "Task 3")],
        rework=[],
        warnings=["1 property"],
    ),
    "mid_innovator__miwg_a3.bpmn": Expected(
        steps=["Collapsed Sub-Process", "Task 1", "Task 2"],
        roles=["performer"],
        edges=[("Collapsed Sub-Process", "Task 2"), ("Task 1", "Collapsed Sub-Process")],
        rework=[],
        warnings=["boundary event 'Boundary Intermediate Event Non-Interrupting Message' (BPMN id"],
    ),
    "modelio__miwg_a3.bpmn": Expected(
        steps=["Collapsed Sub-Process", "Task 1", "Task 2"],
        roles=["performer"],
        edges=[("Collapsed Sub-Process", "Task 2"), ("Task 1", "Collapsed Sub-Process")],
        rework=[],
        warnings=["message event 'Boundary Intermediate Event Non-Interrupting Message' (BPMN id"],
    ),
    "omnitracker__miwg_c4.bpmn": Expected(
        steps=[
            "Compile welcome package",
            "Get signature on contract and notify responsible department",
            "Give employee welcome package",
            "Inform employee of company policies",
            "Introduce employee to company Mission, Vision and Values",
            "Introduce new employee to the team",
            "Perform training for position",
            "Perform training for time reports sick leave and holidays",
            "Register for medical insurance",
            "Request preparations for a new employee",
            "Review terms of contract",
            "Send candidate Contract",
        ],
        roles=["Money Bank"],
        edges=[
            ("Compile welcome package", "Give employee welcome package"),
            (
                "Get signature on contract and notify responsible department",
                "Inform employee of company policies",
            ),
            (
                "Get signature on contract and notify responsible department",
                "Request preparations for a new employee",
            ),
            (
                "Inform employee of company policies",
                "Introduce employee to company Mission, Vision and Values",
            ),
            (
                "Introduce employee to company Mission, Vision and Values",
                "Perform training for time reports sick leave and holidays",
            ),
            ("Introduce new employee to the team", "Perform training for position"),
            ("Perform training for position", "Compile welcome package"),
            (
                "Perform training for time reports sick leave and holidays",
                "Register for medical insurance",
            ),
            ("Register for medical insurance", "Introduce new employee to the team"),
            ("Request preparations for a new employee", "Introduce new employee to the team"),
            (
                "Send candidate Contract",
                "Get signature on contract and notify responsible department",
            ),
            ("Send candidate Contract", "Review terms of contract"),
        ],
        rework=[],
        warnings=[
            "imported 'process3' (id '_11') (the most tasks)",
            "split equally",
            "skipped: it does not leave an exclusive gateway",
        ],
    ),
    "open_bpmn__miwg_c1_invoice.bpmn": Expected(
        steps=[
            "Approve Invoice",
            "Archive Invoice",
            "Assign Approver",
            "Prepare Bank Transfer",
            "Rechnung klären",
        ],
        roles=["Accountant", "Approver", "Team Assistant"],
        edges=[
            ("Approve Invoice", "Prepare Bank Transfer"),
            ("Approve Invoice", "Rechnung klären"),
            ("Assign Approver", "Approve Invoice"),
            ("Prepare Bank Transfer", "Archive Invoice"),
        ],
        rework=[],
        warnings=[
            "imported 'BPMN MIWG Test Case C.1.0' (id 'bpmn-miwg-test-case-c.1.0') (the most tasks)",  # noqa: E501
            "loop(s) back from 'Rechnung klären' not imported as rework",
            "split equally",
            "5 messageFlow",
        ],
    ),
    "signavio__invoice_collaboration.bpmn": Expected(
        steps=[
            "Approve Invoice",
            "Archive Invoice",
            "Assign Approver",
            "Prepare Bank Transfer",
            "Rechnung klären",
        ],
        roles=["Accountant", "Approver", "Team Assistant"],
        edges=[
            ("Approve Invoice", "Prepare Bank Transfer"),
            ("Approve Invoice", "Rechnung klären"),
            ("Assign Approver", "Approve Invoice"),
            ("Prepare Bank Transfer", "Archive Invoice"),
        ],
        rework=[],
        warnings=[
            "imported 'Process Engine - Invoice Receipt' (id 'sid-7911A358-43F2-469E-8D14-A7B44E3C3B0C') (the most tasks)",  # noqa: E501
            "loop(s) back from 'Rechnung klären' not imported as rework",
            "split equally",
            "5 messageFlow",
        ],
    ),
    "trisotech__miwg_a4_lanes.bpmn": Expected(
        steps=["Expanded Sub-Process 1", "Expanded Sub-Process 2", "Task 3", "Task 5"],
        roles=["Lane 1", "Lane 2"],
        edges=[
            ("Expanded Sub-Process 1", "Task 5"),
            ("Task 3", "Expanded Sub-Process 1"),
            ("Task 3", "Expanded Sub-Process 2"),
        ],
        rework=[],
        warnings=[
            "imported 'A.4.0' (id '_f2a99fd9-1026-4f1a-8903-18a1939e8579') (the most tasks)",
            "imported as one step",
            "2 messageFlow",
        ],
    ),
    "visual_paradigm__miwg_c1_invoice.bpmn": Expected(
        steps=[
            "Approve Invoice",
            "Archive Invoice",
            "Assign Approver",
            "Prepare Bank Transfer",
            "Rechnung kl\\u00e4ren",
        ],
        roles=["Accountant", "Approver", "Team Assistant"],
        edges=[
            ("Approve Invoice", "Prepare Bank Transfer"),
            ("Approve Invoice", "Rechnung kl\\u00e4ren"),
            ("Assign Approver", "Approve Invoice"),
            ("Prepare Bank Transfer", "Archive Invoice"),
        ],
        rework=[],
        warnings=[
            "imported 'Process Engine - Invoice Receipt' (id 'process-sid_499dfba4_1449_4914_9e85_55b252800bad') (the most tasks)",  # noqa: E501
            "loop(s) back from 'Rechnung kl\\\\u00e4ren' not imported as rework",
            "split equally",
            "5 messageFlow",
        ],
    ),
    "yaoqiang__miwg_a2_gateways.bpmn": Expected(
        steps=["Task 1", "Task 2", "Task 3", "Task 4"],
        roles=["performer"],
        edges=[("Task 1", "Task 2"), ("Task 1", "Task 3"), ("Task 1", "Task 4")],
        rework=[],
        warnings=["split equally"],
    ),
}


def words(text: str) -> str:
    return " ".join(text.split())


def load(name: str) -> tuple[ps.Process, str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proc = ps.load(DATA / name)
    return proc, words(
        " ".join(str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning))
    )


def test_corpus_size_and_tools() -> None:
    files = sorted(p.name for p in DATA.glob("*.bpmn"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 25
    tools = {name.split("__")[0] for name in files}
    assert len(tools) >= 10
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for name in files:
        assert f"| {name} |" in sources


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_imports_as_expected(name: str) -> None:
    proc, warned = load(name)
    want = EXPECTED[name]
    label = {s.id: words(s.name) for s in proc.steps}
    assert sorted(label.values()) == want.steps
    assert sorted(r.id for r in proc.roles) == want.roles
    assert sorted({(label[e.step], label[s.id]) for s in proc.steps for e in s.after}) == want.edges
    assert sorted((label[s.id], label[s.rework.to]) for s in proc.steps if s.rework) == want.rework
    for part in want.warnings:
        assert part in warned
    if not want.warnings:
        assert warned == ""


# --- the independent oracle ---------------------------------------------------------------


def process_of(root: ET.Element, ids: set[str]) -> ET.Element:
    """The <process> holding the imported steps (they keep their BPMN ids)."""
    best = max(root.iter(f"{MODEL}process"), key=lambda p: len(ids & {c.get("id") for c in p}))
    return best


def graph(proc: ET.Element) -> tuple[dict[str, ET.Element], dict[str, list[str]]]:
    nodes = {c.get("id") or "": c for c in proc if c.get("id")}
    succ: dict[str, list[str]] = {}
    for f in proc.iter(f"{MODEL}sequenceFlow"):
        succ.setdefault(f.get("sourceRef") or "", []).append(f.get("targetRef") or "")
    return nodes, succ


def reach(start: str, succ: dict[str, list[str]], stop: set[str]) -> Iterator[str]:
    """Elements reachable from ``start`` by paths whose inner elements are not in ``stop``."""
    seen: set[str] = set()
    stack = list(succ.get(start, []))
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        yield n
        if n not in stop:
            stack.extend(succ.get(n, []))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_import_agrees_with_the_file(name: str) -> None:
    proc, warned = load(name)
    root = ET.parse(DATA / name).getroot()
    ids = {s.id for s in proc.steps}
    xml_proc = process_of(root, ids)
    nodes, succ = graph(xml_proc)
    task_ids = {i for i, el in nodes.items() if el.tag.removeprefix(MODEL) in TASKS}
    stop = task_ids | ids
    for step in proc.steps:
        for edge in step.after:
            # an edge is a path of flows in the file that passes no other task or step
            assert step.id in set(reach(edge.step, succ, stop)), (edge.step, step.id)
        if step.rework is not None:
            # a rework closes a cycle of flows: the step can reach the target it sends to
            assert step.rework.to in set(reach(step.id, succ, set())), step.id
    # the steps that are not gateways or events kept as steps are the file's tasks
    assert {s.id for s in proc.steps if s.id in nodes and s.id not in task_ids} <= {
        i for i, el in nodes.items() if "Gateway" in el.tag or "Event" in el.tag
    }
    missing = task_ids - ids
    for tid in missing:
        element = nodes[tid]
        shown = words(element.get("name") or "") or tid
        assert shown in warned, f"task {shown!r} is not imported and no warning names it"
