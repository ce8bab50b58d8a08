"""The processes every BPMN export check runs over, and a reader of the written diagram.

Every example (``examples/``), every example simplified with the default pipeline and
with each preset (``ps.PRESETS``: ``all``, ``delayering_2019``, ...), and every import
of the BPMN corpus (``tests/data/bpmn/`` when it is there, else the shared corpus beside
the repo). The diagram reader below parses the XML with ElementTree only, independently
of the writer's own data structures.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import procsimp as ps

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CORPORA = [ROOT / "tests" / "data" / "bpmn", ROOT.parent / "shared" / "bpmn-corpus"]

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"


def corpus_files() -> list[Path]:
    for corpus in CORPORA:
        files = sorted(corpus.rglob("*.bpmn"))
        if files:
            return files
    return []


def _quiet_load(path: Path) -> ps.Process:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ps.load(path)


def export_cases() -> list[tuple[str, Path, str | None]]:
    """(test id, source file, simplification: None, "default" or a preset's name)."""
    cases: list[tuple[str, Path, str | None]] = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for how in (None, "default", *sorted(ps.PRESETS)):
            cases.append((f"{path.stem}-{how or 'as-is'}", path, how))
    for path in corpus_files():
        cases.append((f"corpus-{path.stem}", path, None))
    return cases


def case_process(path: Path, how: str | None) -> ps.Process:
    proc = _quiet_load(path)
    if how == "default":
        return ps.simplify(proc).process
    if how is not None:
        return ps.simplify(proc, how).process
    return proc


@dataclass
class Diagram:
    """The written diagram: boxes by element id, waypoints by flow id, lanes, flow ends."""

    kinds: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    points: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    ends: dict[str, tuple[str, str]] = field(default_factory=dict)
    lanes: dict[str, str] = field(default_factory=dict)
    """Lane id -> its name (outer and inner lanes)."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """Lane id -> ids of the flow nodes it lists."""
    inner: set[str] = field(default_factory=set)
    pool: str = ""
    pool_name: str = ""


def read_diagram(xml: str) -> Diagram:
    root = ET.fromstring(xml.encode("utf-8"))
    d = Diagram()
    proc = root.find(f"{BPMN}process")
    assert proc is not None
    for el in proc:
        tag = el.tag.removeprefix(BPMN)
        if tag in ("laneSet", "extensionElements", "sequenceFlow"):
            continue
        d.kinds[el.get("id") or ""] = tag
        d.names[el.get("id") or ""] = el.get("name") or ""
    for f in proc.iter(f"{BPMN}sequenceFlow"):
        d.ends[f.get("id") or ""] = (f.get("sourceRef") or "", f.get("targetRef") or "")
    for lane in proc.iter(f"{BPMN}lane"):
        lid = lane.get("id") or ""
        d.lanes[lid] = lane.get("name") or ""
        d.members[lid] = [r.text or "" for r in lane.findall(f"{BPMN}flowNodeRef")]
        if lane.find(f"{BPMN}childLaneSet") is None:
            d.inner.add(lid)
    part = root.find(f"{BPMN}collaboration/{BPMN}participant")
    assert part is not None
    d.pool, d.pool_name = part.get("id") or "", part.get("name") or ""
    for shape in root.iter(f"{BPMNDI}BPMNShape"):
        b = shape.find(f"{DC}Bounds")
        assert b is not None
        d.boxes[shape.get("bpmnElement") or ""] = tuple(  # type: ignore[assignment]
            float(b.get(k) or "nan") for k in ("x", "y", "width", "height"))
    for edge in root.iter(f"{BPMNDI}BPMNEdge"):
        d.points[edge.get("bpmnElement") or ""] = [
            (float(w.get("x") or "nan"), float(w.get("y") or "nan"))
            for w in edge.findall(f"{DI}waypoint")]
    return d
