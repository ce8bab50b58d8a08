"""Writing BPMN 2.0 XML: a process as an executable BPMN process with its diagram.

Element names are written with their prefixes (``bpmn:task``) and the root
declares each namespace it uses, so no process-wide prefix registry
(``ET.register_namespace``) is touched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from procsimp._version import __version__
from procsimp.io.bpmn._common import BPMN, BPMNDI, DC, DI, PROCSIMP, XSI, json_text
from procsimp.io.bpmn.diagram import Edge, Shape, add_diagram
from procsimp.layout import grid
from procsimp.model import Process

__all__ = ["dumps_bpmn"]

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: str) -> str:
    """Text an XML attribute can hold (characters XML 1.0 forbids are dropped)."""
    return _XML_ILLEGAL.sub("", text)


def _fmt(x: float) -> str:
    return repr(float(x))


class _Writer:
    def __init__(self, process: Process) -> None:
        self.proc = process
        self.nodes: dict[str, Shape] = {}
        self.flows: list[Edge] = []
        self.counter = Counter[str]()
        self.grid = grid(process)

    def new(self, kind: str, lane: int, prefix: str) -> Shape:
        self.counter[prefix] += 1
        node = Shape(f"{prefix}_{self.counter[prefix]}", kind, lane)
        self.nodes[node.id] = node
        return node

    def flow(self, source: str, target: str, **kw: Any) -> Edge:
        self.counter["Flow"] += 1
        f = Edge(f"Flow_{self.counter['Flow']}", source, target, **kw)
        self.flows.append(f)
        return f

    def build(self) -> None:
        proc = self.proc
        steps = list(proc.steps)
        index = {s.id: i for i, s in enumerate(steps)}
        cells = [self.grid.cells[s.id] for s in steps]
        rank = [c.column for c in cells]
        task_ids = [f"Step_{i + 1}" for i in range(len(steps))]
        backs: dict[int, list[int]] = {}
        for i, s in enumerate(steps):
            if s.rework is not None:
                backs.setdefault(index[s.rework.to], []).append(i)
        entry: list[str] = []
        loop_of: dict[int, str] = {}
        exit_: list[str] = []
        for i, s in enumerate(steps):
            lane, row = cells[i].lane, cells[i].row
            task = Shape(task_ids[i], "task", lane, x=rank[i], y=row)
            self.nodes[task.id] = task
            first = task.id
            if i in backs:
                loop = self.new("xor", lane, "Gateway")
                loop.x, loop.y = rank[i] - 0.15, row
                self.flow(loop.id, first)
                first = loop_of[i] = loop.id
            if len(s.after) >= 2:
                join = self.new("xor" if s.join == "any" else "and", lane, "Gateway")
                join.x, join.y = rank[i] - 0.28, row
                self.flow(join.id, first)
                first = join.id
            entry.append(first)
            last = task.id
            if s.rework is not None:
                rw = self.new("xor", lane, "Gateway")
                rw.x, rw.y = rank[i] + 0.3, row
                self.flow(last, rw.id)
                last = rw.id
            exit_.append(last)
        self.task_entry = entry
        succ_plain: list[list[tuple[int, Any]]] = [[] for _ in steps]
        succ_p: list[list[tuple[int, Any]]] = [[] for _ in steps]
        for w, s in enumerate(steps):
            for e in s.after:
                (succ_p if e.p is not None else succ_plain)[index[e.step]].append((w, e))
        starts = [w for w, s in enumerate(steps) if not s.after]
        start = self.new("start", self.nodes[task_ids[starts[0]]].lane if starts else 0,
                         "StartEvent")
        start.x, start.y = -0.45, self.nodes[task_ids[starts[0]]].y if starts else 0
        self._fan(start.id, [entry[w] for w in starts], start)
        for i, s in enumerate(steps):
            src = self.nodes[exit_[i]]
            if s.rework is not None:
                self.flow(src.id, loop_of[index[s.rework.to]], p=s.rework.p, back=True,
                          condition=f"procsimp_rework == {json_text(s.id)}")
            targets = [entry[w] for w, _ in succ_plain[i]]
            choice = None
            if succ_p[i]:
                choice = self.new("xor", src.lane, "Gateway")
                choice.x, choice.y = rank[i] + 0.5, src.y
                targets.append(choice.id)
            fork = self._fan(src.id, targets, src, offset=0.4)
            if s.rework is not None and fork is not None:
                src.default = fork
            if choice is not None:
                outs = succ_p[i]
                for k, (w, e) in enumerate(outs):
                    f = self.flow(choice.id, entry[w], p=e.p)
                    if k == len(outs) - 1:
                        choice.default = f.id
                    else:
                        f.condition = f"procsimp_branch == {json_text(steps[w].id)}"
            if not targets:
                end = self.new("end", src.lane, "EndEvent")
                end.x, end.y = rank[i] + 0.62, src.y
                f = self.flow(src.id, end.id)
                if s.rework is not None:
                    src.default = f.id
        if not steps:
            end = self.new("end", 0, "EndEvent")
            self.flow(start.id, end.id)

    def _fan(self, source: str, targets: list[str], near: Shape,
             offset: float = 0.0) -> str | None:
        """Flows from ``source`` to every target (through a parallel split if several)."""
        if not targets:
            return None
        if len(targets) == 1:
            return self.flow(source, targets[0]).id
        fork = self.new("and", near.lane, "Gateway")
        fork.x, fork.y = near.x + offset if near.kind != "start" else near.x + 0.15, near.y
        first = self.flow(source, fork.id)
        for t in targets:
            self.flow(fork.id, t)
        return first.id

    # XML ----------------------------------------------------------------------------------

    def xml(self) -> str:
        proc = self.proc
        # the namespaces the document uses, declared on the root in prefix order
        uses = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "procsimp": PROCSIMP}
        if any(f.condition is not None for f in self.flows):
            uses["xsi"] = XSI
        root = ET.Element("bpmn:definitions", {
            **{f"xmlns:{prefix}": uri for prefix, uri in sorted(uses.items())},
            "id": "Definitions_1", "targetNamespace": "urn:procsimp:process",
            "exporter": "procsimp", "exporterVersion": _version()})
        collab = ET.SubElement(root, "bpmn:collaboration", {"id": "Collaboration_1"})
        ET.SubElement(collab, "bpmn:participant", {
            "id": "Participant_1", "name": _clean(proc.name), "processRef": "Process_1"})
        pel = ET.SubElement(root, "bpmn:process", {
            "id": "Process_1", "name": _clean(proc.name), "isExecutable": "true"})
        header = proc.model_dump(mode="json", exclude_defaults=True, exclude={"steps"})
        _add_ext(pel, "process", header)
        lane_set = ET.SubElement(pel, "bpmn:laneSet", {"id": "LaneSet_1"})
        members: dict[int, list[str]] = {}
        for node in self.nodes.values():
            members.setdefault(node.lane, []).append(node.id)
        ri = 0
        for li, level in enumerate(lane for lane in self.grid.lanes if lane.roles):
            outer = ET.SubElement(lane_set, "bpmn:lane", {
                "id": f"Lane_Level_{li + 1}", "name": _clean(level.label)})
            mine = range(ri, ri + len(level.roles))
            for k in mine:
                for nid in members.get(k, []):
                    ET.SubElement(outer, "bpmn:flowNodeRef").text = nid
            child = ET.SubElement(outer, "bpmn:childLaneSet", {"id": f"LaneSet_{li + 2}"})
            for k, role in zip(mine, level.roles, strict=True):
                lane = ET.SubElement(child, "bpmn:lane", {
                    "id": f"Lane_Role_{k + 1}", "name": _clean(role.label)})
                _add_ext(lane, "role", role.role)
                for nid in members.get(k, []):
                    ET.SubElement(lane, "bpmn:flowNodeRef").text = nid
            ri += len(level.roles)
        steps = list(proc.steps)
        outs: dict[str, list[Edge]] = {}
        ins: dict[str, list[Edge]] = {}
        for f in self.flows:
            outs.setdefault(f.source, []).append(f)
            ins.setdefault(f.target, []).append(f)
        tag = {"task": "task", "xor": "exclusiveGateway", "and": "parallelGateway",
               "start": "startEvent", "end": "endEvent"}
        for node in self.nodes.values():
            attrs = {"id": node.id}
            if node.kind == "task":
                step = steps[int(node.id.split("_")[1]) - 1]
                attrs["name"] = _clean(step.name)
            if node.default:
                attrs["default"] = node.default
            el = ET.SubElement(pel, f"bpmn:{tag[node.kind]}", attrs)
            if node.kind == "task":
                _add_ext(el, "step", step.model_dump(mode="json", exclude_defaults=True))
            for f in ins.get(node.id, []):
                ET.SubElement(el, "bpmn:incoming").text = f.id
            for f in outs.get(node.id, []):
                ET.SubElement(el, "bpmn:outgoing").text = f.id
        for f in self.flows:
            attrs = {"id": f.id, "sourceRef": f.source, "targetRef": f.target}
            if f.p is not None:
                attrs["procsimp:p"] = _fmt(f.p)
            el = ET.SubElement(pel, "bpmn:sequenceFlow", attrs)
            if f.condition is not None:
                cond = ET.SubElement(el, "bpmn:conditionExpression",
                                     {"xsi:type": "bpmn:tFormalExpression"})
                cond.text = f.condition
        add_diagram(root, self.grid, self.nodes, self.flows)
        ET.indent(root)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                + ET.tostring(root, encoding="unicode") + "\n")


def _add_ext(element: ET.Element, name: str, value: Any) -> None:
    ext = ET.SubElement(element, "bpmn:extensionElements")
    ET.SubElement(ext, f"procsimp:{name}").text = json_text(value)


def _version() -> str:
    return __version__


def dumps_bpmn(process: Process) -> str:
    """The process as BPMN 2.0 XML text, with diagram interchange and procsimp's extension.

    Each step is a ``task`` in the lane of its role, lanes grouped by level
    (outer lanes, highest rank on top; the lanes of :func:`procsimp.layout.lanes`).
    A step with several predecessors is
    entered through a parallel gateway (``join: all``) or a merging exclusive
    gateway (``join: any``); edges with ``p`` leave through an exclusive
    gateway whose flows carry conditions (the last flow is the default); a
    rework loop is an exclusive gateway after the sender whose conditional
    flow goes back, the way on being the default flow.
    """
    writer = _Writer(process)
    writer.build()
    return writer.xml()
