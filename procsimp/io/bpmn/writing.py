"""Writing BPMN 2.0 XML: a process as an executable BPMN process with its diagram.

Element names are written with their prefixes (``bpmn:task``) and the root
declares each namespace it uses, so no process-wide prefix registry
(``ET.register_namespace``) is touched.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from procsimp._version import __version__
from procsimp.errors import FileFormatError
from procsimp.io.bpmn._common import BPMN, BPMNDI, DC, DI, PROCSIMP, XSI, json_text
from procsimp.io.bpmn.diagram import Edge, Shape, add_diagram
from procsimp.layout import Grid, grid
from procsimp.model import Process

__all__ = ["Ids", "dumps_bpmn", "is_ncname", "mangle", "process_id"]

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: str) -> str:
    """Text an XML attribute can hold (characters XML 1.0 forbids are dropped)."""
    return _XML_ILLEGAL.sub("", text)


def _literal(text: str) -> str:
    """``text`` as a double-quoted string literal that Python and JavaScript read.

    JSON escapes for quotes, backslashes and control characters; every other character
    is written as itself (``\\uD800\\uDC00`` would be two characters to Python), except
    those XML cannot hold, which stay escaped.

    >>> print(_literal('say "hi"'), _literal("\U00010000"))
    "say \\"hi\\"" "\U00010000"
    """
    raw = json.dumps(text, ensure_ascii=False)
    return _XML_ILLEGAL.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


def _fmt(x: float) -> str:
    return repr(float(x))


#: XML 1.0 (fifth edition) NameStartChar without ':' and NameChar: what an NCName is made of.
_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
          "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf"
          "\ufdf0-\ufffd\U00010000-\U000effff")
_NCNAME = re.compile(f"[{_START}][{_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*")
_NOT_NAME_CHAR = re.compile(f"[^{_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]+")


def is_ncname(text: str) -> bool:
    """True when ``text`` is a valid XML NCName (a BPMN id: no colon, no space, ...).

    >>> is_ncname("initial_division"), is_ncname("2nd check"), is_ncname("a:b")
    (True, False, False)
    """
    return _NCNAME.fullmatch(text) is not None


def mangle(text: str) -> str:
    """A stable NCName for ``text``: itself when valid, else cleaned plus a short hash.

    The hash (of the original text) keeps two ids that clean up alike apart.

    >>> mangle("sign"), mangle("2nd check")
    ('sign', '_2nd_check_5077aa23')
    """
    if is_ncname(text):
        return text
    cleaned = _NOT_NAME_CHAR.sub("_", text).strip("_")[:60]
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"_{cleaned}_{digest}" if cleaned else f"_{digest}"


class Ids:
    """Unique NCNames for one document: the first to ask for a name gets it."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str) -> str:
        base = mangle(wanted)
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


def process_id(process: Process) -> str:
    """The BPMN id of an exported process: its name made an NCName (``Process_1`` if none).

    >>> import procsimp as ps
    >>> process_id(ps.Process(name="Outgoing letter"))
    'Process_outgoing_letter'
    """
    words = _NOT_NAME_CHAR.sub("_", process.name.strip().lower()).strip("_")
    return f"Process_{words[:80]}" if words else "Process_1"


def _drawn_lanes(full: Grid) -> Grid:
    """The grid with only the role lanes that perform a step (and the levels holding them).

    A role left without steps (a post delayering emptied) would be an empty band across
    the diagram; it stays in the process's extension, so nothing is lost on import.
    """
    if not any(role.steps for role in full.roles):
        return full
    kept = [k for k, role in enumerate(full.roles) if role.steps]
    index = {old: new for new, old in enumerate(kept)}
    levels = tuple(replace(level, roles=tuple(r for r in level.roles if r.steps))
                   for level in full.lanes)
    return Grid(levels, tuple(full.roles[k] for k in kept),
                {sid: replace(cell, lane=index[cell.lane]) for sid, cell in full.cells.items()})


@dataclass
class _Join:
    """A node of the tree that joins the last steps before the end: its parts and kind."""

    kind: str  # leaf | and | xor
    cond: Any
    node: str = ""
    parts: list[_Join] = field(default_factory=list)


class _Writer:
    def __init__(self, process: Process) -> None:
        self.proc = process
        self.nodes: dict[str, Shape] = {}
        self.flows: list[Edge] = []
        self.grid = _drawn_lanes(grid(process))
        self.ids = Ids()
        # step ids come first: they are kept exactly where they are valid NCNames
        self.task_ids = [self.ids.take(s.id) for s in process.steps]
        self.pid = self.ids.take(process_id(process))
        self.rework_gateways: set[str] = set()

    def new(self, kind: str, lane: int, wanted: str) -> Shape:
        node = Shape(self.ids.take(wanted), kind, lane)
        self.nodes[node.id] = node
        return node

    def flow(self, source: str, target: str, **kw: Any) -> Edge:
        f = Edge(self.ids.take(f"Flow_{source}_{target}"), source, target, **kw)
        self.flows.append(f)
        if source in self.rework_gateways and not kw.get("back") and \
                self.nodes[source].default is None:
            self.nodes[source].default = f.id  # the way on out of a send-back gateway
        return f

    def build(self) -> None:
        proc = self.proc
        steps = list(proc.steps)
        index = {s.id: i for i, s in enumerate(steps)}
        cells = [self.grid.cells[s.id] for s in steps]
        task_ids = self.task_ids
        backs: dict[int, list[int]] = {}
        for i, s in enumerate(steps):
            if s.rework is not None:
                backs.setdefault(index[s.rework.to], []).append(i)
        entry: list[str] = []
        loop_of: dict[int, str] = {}
        exit_: list[str] = []
        for i, s in enumerate(steps):
            lane = cells[i].lane
            task = Shape(task_ids[i], "task", lane, name=s.name)
            self.nodes[task.id] = task
            first = task.id
            if i in backs:
                loop = self.new("xor", lane, f"{task.id}_loop")
                self.flow(loop.id, first)
                first = loop_of[i] = loop.id
            if len(s.after) >= 2:
                join = self.new("xor" if s.join == "any" else "and", lane, f"{task.id}_join")
                self.flow(join.id, first)
                first = join.id
            entry.append(first)
            last = task.id
            if s.rework is not None:
                rw = self.new("xor", lane, f"{task.id}_check")
                self.flow(last, rw.id)
                self.rework_gateways.add(rw.id)
                last = rw.id
            exit_.append(last)
        succ_plain: list[list[tuple[int, Any]]] = [[] for _ in steps]
        succ_p: list[list[tuple[int, Any]]] = [[] for _ in steps]
        for w, s in enumerate(steps):
            for e in s.after:
                (succ_p if e.p is not None else succ_plain)[index[e.step]].append((w, e))
        starts = [w for w, s in enumerate(steps) if not s.after]
        start = self.new("start", cells[starts[0]].lane if starts else 0, "StartEvent")
        self._fan(start.id, [entry[w] for w in starts], start)
        sinks: list[int] = []
        for i, s in enumerate(steps):
            src = self.nodes[exit_[i]]
            if s.rework is not None:
                self.flow(src.id, loop_of[index[s.rework.to]], p=s.rework.p, back=True,
                          condition=f"procsimp_rework == {_literal(s.id)}")
            targets = [entry[w] for w, _ in succ_plain[i]]
            choice = None
            if succ_p[i]:
                choice = self.new("xor", src.lane, f"{task_ids[i]}_choice")
                targets.append(choice.id)
            self._fan(src.id, targets, src)
            if choice is not None:
                outs = succ_p[i]
                for k, (w, e) in enumerate(outs):
                    f = self.flow(choice.id, entry[w], p=e.p)
                    if k == len(outs) - 1:
                        choice.default = f.id
                    else:
                        f.condition = f"procsimp_branch == {_literal(steps[w].id)}"
            if not targets:
                sinks.append(i)
        if not steps:
            end = self.new("end", 0, "EndEvent")
            self.flow(start.id, end.id)
        self._ends(sinks, exit_)

    def _ends(self, sinks: list[int], exit_: list[str]) -> None:
        """End events after the last steps: concurrent ones joined first (parallel gateway).

        Last steps that always run together are joined by a parallel gateway; a
        complete set of alternatives of one choice is merged by an exclusive gateway
        when it has to be joined with something concurrent; alternatives left at the
        top each get their own end event (a case ends at whichever it reaches). Where
        the choices are too tangled to tell, each last step keeps its own end event.
        """
        if not sinks:
            return
        analysis = self.proc.analysis
        branch_count = analysis.choices.branch_count
        items = [_Join("leaf", analysis.condition(self.proc.steps[i].id), node=exit_[i])
                 for i in sinks]
        changed = True
        while changed and len(items) > 1:
            changed = False
            groups: dict[Any, list[_Join]] = {}
            for it in items:
                if it.cond is not None:
                    groups.setdefault(it.cond, []).append(it)
            for cond, members in groups.items():
                if len(members) >= 2:
                    items = [it for it in items if it not in members]
                    items.append(_Join("and", cond, parts=members))
                    changed = True
                    break
            if changed:
                continue
            alts: dict[tuple[Any, int], dict[int, _Join]] = {}
            for it in items:
                if it.cond is None or len(it.cond) != 1:
                    continue
                (term,) = it.cond
                for split, branch in term:
                    alts.setdefault((term - {(split, branch)}, split), {})[branch] = it
            for (rest, split), by_branch in alts.items():
                if len(by_branch) == branch_count[split]:
                    members = list(by_branch.values())
                    items = [it for it in items if it not in members]
                    items.append(_Join("xor", frozenset({rest}), parts=members))
                    changed = True
                    break
        for it in items:
            self._end(it)

    def _end(self, item: _Join) -> None:
        if item.kind == "xor":
            for part in item.parts:
                self._end(part)
            return
        node = self._emit(item)
        end = self.new("end", self.nodes[node].lane, f"{node}_end")
        self.flow(node, end.id)

    def _emit(self, item: _Join) -> str:
        """The node whose token stands for ``item`` (gateways created as needed)."""
        if item.kind == "leaf":
            return item.node
        parts = [self._emit(p) for p in item.parts]
        lanes = Counter(self.nodes[p].lane for p in parts)
        gw = self.new(item.kind, lanes.most_common(1)[0][0],
                      f"End_{'join' if item.kind == 'and' else 'merge'}")
        for p in parts:
            self.flow(p, gw.id)
        return gw.id

    def _fan(self, source: str, targets: list[str], near: Shape) -> str | None:
        """Flows from ``source`` to every target (through a parallel split if several)."""
        if not targets:
            return None
        if len(targets) == 1:
            return self.flow(source, targets[0]).id
        fork = self.new("and", near.lane, f"{source}_fork")
        first = self.flow(source, fork.id)
        for t in targets:
            self.flow(fork.id, t)
        return first.id

    # XML ----------------------------------------------------------------------------------

    def xml(self) -> str:
        proc = self.proc
        take = self.ids.take
        ids = {key: take(wanted) for key, wanted in (
            ("definitions", "Definitions_1"), ("collaboration", "Collaboration_1"),
            ("participant", "Participant_1"), ("laneset", "LaneSet_1"),
            ("diagram", "BPMNDiagram_1"), ("plane", "BPMNPlane_1"))}
        levels = [lane for lane in self.grid.lanes if lane.roles]
        for li, level in enumerate(levels):
            ids[f"level:{li}"] = take(f"Level_{level.level}")
            ids[f"levelset:{li}"] = take(f"LaneSet_{level.level}")
        for k, role in enumerate(self.grid.roles):
            ids[f"role:{k}"] = take(f"Lane_{role.role}")
        for element in [ids["participant"], *(ids[f"level:{k}"] for k in range(len(levels))),
                        *(ids[f"role:{k}"] for k in range(len(self.grid.roles))),
                        *self.nodes, *(f.id for f in self.flows)]:
            ids[f"di:{element}"] = take(f"{element}_di")
        # the namespaces the document uses, declared on the root in prefix order
        uses = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "procsimp": PROCSIMP}
        if any(f.condition is not None for f in self.flows):
            uses["xsi"] = XSI
        root = ET.Element("bpmn:definitions", {
            **{f"xmlns:{prefix}": uri for prefix, uri in sorted(uses.items())},
            "id": ids["definitions"], "targetNamespace": "urn:procsimp:process",
            "exporter": "procsimp", "exporterVersion": _version()})
        collab = ET.SubElement(root, "bpmn:collaboration", {"id": ids["collaboration"]})
        ET.SubElement(collab, "bpmn:participant", {
            "id": ids["participant"], "name": _clean(proc.name), "processRef": self.pid})
        pel = ET.SubElement(root, "bpmn:process", {
            "id": self.pid, "name": _clean(proc.name), "isExecutable": "true"})
        header = proc.model_dump(mode="json", exclude_defaults=True, exclude={"steps"})
        _add_ext(pel, "process", header)
        lane_set = ET.SubElement(pel, "bpmn:laneSet", {"id": ids["laneset"]})
        members: dict[int, list[str]] = {}
        for node in self.nodes.values():
            members.setdefault(node.lane, []).append(node.id)
        ri = 0
        for li, level in enumerate(levels):
            outer = ET.SubElement(lane_set, "bpmn:lane", {
                "id": ids[f"level:{li}"], "name": _clean(level.label)})
            mine = range(ri, ri + len(level.roles))
            for k in mine:
                for nid in members.get(k, []):
                    ET.SubElement(outer, "bpmn:flowNodeRef").text = nid
            child = ET.SubElement(outer, "bpmn:childLaneSet", {"id": ids[f"levelset:{li}"]})
            for k, role in zip(mine, level.roles, strict=True):
                lane = ET.SubElement(child, "bpmn:lane", {
                    "id": ids[f"role:{k}"], "name": _clean(role.label)})
                _add_ext(lane, "role", role.role)
                for nid in members.get(k, []):
                    ET.SubElement(lane, "bpmn:flowNodeRef").text = nid
            ri += len(level.roles)
        step_of = dict(zip(self.task_ids, self.proc.steps, strict=True))
        outs: dict[str, list[Edge]] = {}
        ins: dict[str, list[Edge]] = {}
        for f in self.flows:
            outs.setdefault(f.source, []).append(f)
            ins.setdefault(f.target, []).append(f)
        tag = {"task": "task", "xor": "exclusiveGateway", "and": "parallelGateway",
               "start": "startEvent", "end": "endEvent"}
        for node in self.nodes.values():
            attrs = {"id": node.id}
            step = step_of.get(node.id) if node.kind == "task" else None
            if step is not None:
                attrs["name"] = _clean(step.name)
            if node.default:
                attrs["default"] = node.default
            el = ET.SubElement(pel, f"bpmn:{tag[node.kind]}", attrs)
            if step is not None:
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
        add_diagram(root, self.grid, self.nodes, self.flows, ids, _clean(proc.name))
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
    (outer lanes, highest rank on top; the lanes of :func:`procsimp.layout.lanes`;
    a role that performs no step gets no lane, and is kept in the extension).
    A step with several predecessors is
    entered through a parallel gateway (``join: all``) or a merging exclusive
    gateway (``join: any``); edges with ``p`` leave through an exclusive
    gateway whose flows carry conditions (the last flow is the default); a
    rework loop is an exclusive gateway after the sender whose conditional
    flow goes back, the way on being the default flow.

    A process without steps has no BPMN form (a BPMN process needs a task; the file
    could not be read back): it is refused with a :class:`~procsimp.FileFormatError`.
    """
    if not process.steps:
        raise FileFormatError(f"process {process.name!r} has no steps, and BPMN needs at "
                              f"least one task to describe a process; save it as .yaml or "
                              f".json instead")
    writer = _Writer(process)
    writer.build()
    return writer.xml()
