"""Every BPMN export is valid against the OMG BPMN 2.0 XSD (tests/data/xsd/, see SOURCES.md).

Over every example, every simplified example (default pipeline and each preset)
and every corpus import; also that each round-trips (``load(save(p)) == p``). And the
end join: last steps that run together meet before one end event.
"""

from __future__ import annotations

import json
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from bpmn_exports import case_process, export_cases

import procsimp as ps
from procsimp.io.bpmn import dumps_bpmn, loads_bpmn

XSD = Path(__file__).parent / "data" / "xsd" / "BPMN20.xsd"
CASES = export_cases()


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    etree = pytest.importorskip("lxml.etree")
    return etree, etree.XMLSchema(etree.parse(str(XSD)))


@pytest.mark.parametrize(("path", "how"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_export_is_schema_valid_and_round_trips(schema, path: Path, how: str | None) -> None:  # type: ignore[no-untyped-def]
    etree, xsd = schema
    proc = case_process(path, how)
    text = dumps_bpmn(proc)
    doc = etree.fromstring(text.encode("utf-8"))
    assert xsd.validate(doc), xsd.error_log.filter_from_errors()[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert loads_bpmn(text) == proc


# --- the end join: last steps that run together meet before one end event --------------------

B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
KIND = {"parallelGateway": "AND", "exclusiveGateway": "XOR"}


def end_trees(text: str) -> list[Any]:
    """What feeds each end event, read from the XML: a step's id, or (AND|XOR, [parts])."""
    root = ET.fromstring(text)
    proc = root.find(f"{B}process")
    assert proc is not None
    tag = {el.get("id"): el.tag.removeprefix(B) for el in proc}
    step = {}
    for el in proc.iter(f"{B}task"):
        ext = el.find(f"{B}extensionElements/{{urn:procsimp:bpmn:1}}step")
        assert ext is not None and ext.text
        step[el.get("id")] = json.loads(ext.text)["id"]
    into: dict[str | None, list[str | None]] = {}
    for f in proc.iter(f"{B}sequenceFlow"):
        into.setdefault(f.get("targetRef"), []).append(f.get("sourceRef"))

    def tree(node: str | None) -> Any:
        if node in step:
            return step[node]
        return (KIND[tag[node]], sorted((tree(s) for s in into[node]), key=repr))

    ends = [el.get("id") for el in proc.iter(f"{B}endEvent")]
    return sorted((tree(s) for e in ends for s in into[e]), key=repr)


def model(*steps: dict[str, Any]) -> ps.Process:
    return ps.Process.model_validate({
        "levels": ["l"], "roles": [{"id": "r", "level": "l"}],
        "steps": [{"role": "r", **s} for s in steps]})


END_CASES = {
    # A, then B and C in parallel, both last: joined before one end event
    "two concurrent last steps": (
        model({"id": "a"}, {"id": "b", "after": ["a"]}, {"id": "c", "after": ["a"]}),
        [("AND", ["b", "c"])]),
    # A, then B or C: a case ends at whichever it reaches, each with its own end event
    "alternatives": (
        model({"id": "a"}, {"id": "b", "after": [{"step": "a", "p": 0.4}]},
              {"id": "c", "after": [{"step": "a", "p": 0.6}]}),
        ["b", "c"]),
    # A, then (B or C) beside D: the alternatives are merged, then joined with D
    "alternatives beside a concurrent step": (
        model({"id": "a"}, {"id": "b", "after": [{"step": "a", "p": 0.5}]},
              {"id": "c", "after": [{"step": "a", "p": 0.5}]}, {"id": "d", "after": ["a"]}),
        [("AND", ["d", ("XOR", ["b", "c"])])]),
    # two starts, each a chain; and in one alternative two concurrent last steps
    "concurrency inside an alternative": (
        model({"id": "a"}, {"id": "b", "after": [{"step": "a", "p": 0.5}]},
              {"id": "c", "after": [{"step": "a", "p": 0.5}]},
              {"id": "d", "after": ["c"]}, {"id": "e", "after": ["c"]}, {"id": "z"}),
        [("AND", ["z", ("XOR", ["b", ("AND", ["d", "e"])])])]),
}


@pytest.mark.parametrize("case", list(END_CASES))
def test_end_join_through_export_and_import(case: str) -> None:
    """The trees are worked out by hand from BPMN's token semantics: an AND join waits for
    every part, so only parts that always run together (or a merge of every alternative
    of one choice) go into it; the import gives back the same process, with no warning."""
    proc, expected = END_CASES[case]
    text = dumps_bpmn(proc)
    assert end_trees(text) == expected
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loads_bpmn(text) == proc
