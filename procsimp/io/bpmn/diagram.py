"""The BPMN diagram (BPMNDI): shapes and edges placed from the shared layout.

The writer places every flow node on the grid of :func:`procsimp.layout.grid`
(a column per step, a row in its role lane; gateways and events at fractions
of a column beside their task); this module turns those cells into pixels: a
pool, a lane per level holding a lane per role (highest rank on top), boxes,
and orthogonal edges (a rework edge runs below the boxes back to its target).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass

from procsimp.layout import Grid

__all__ = ["Edge", "Shape", "add_diagram"]

_TASK_W, _TASK_H, _GW, _EV = 100, 80, 50, 36
_COL, _ROW, _LABEL = 420, 110, 30


@dataclass
class Shape:
    """A flow node of the written process and where it sits on the grid."""

    id: str
    kind: str  # task | xor | and | start | end
    lane: int  # role lane (index into Grid.roles)
    x: float = 0.0
    """Column (fractions place gateways and events beside their task)."""
    y: float = 0.0
    """Row within the role lane."""
    default: str | None = None

    @property
    def size(self) -> tuple[float, float]:
        if self.kind == "task":
            return _TASK_W, _TASK_H
        if self.kind in ("start", "end"):
            return _EV, _EV
        return _GW, _GW


@dataclass
class Edge:
    """A sequence flow of the written process."""

    id: str
    source: str
    target: str
    p: float | None = None
    condition: str | None = None
    back: bool = False


def add_diagram(root: ET.Element, grid: Grid, shapes: dict[str, Shape],
                edges: list[Edge]) -> None:
    """Append the ``bpmndi:BPMNDiagram`` of the collaboration to ``root``."""
    roles = grid.roles
    levels = [lane for lane in grid.lanes if lane.roles]
    lane_rows = Counter[int]()
    for node in shapes.values():
        lane_rows[node.lane] = max(lane_rows[node.lane], int(node.y) + 1)
    heights = [max(1, lane_rows[ri]) * _ROW + 30 for ri in range(len(roles))]
    tops: dict[int, float] = {}
    y = 0.0
    for ri, h in enumerate(heights):
        tops[ri] = y
        y += h
    total_h = max(y, 120.0)
    max_x = max((n.x for n in shapes.values()), default=0.0)
    width = 2 * _LABEL + 140 + (max_x + 1.5) * _COL

    def place(node: Shape) -> tuple[float, float, float, float]:
        w, h = node.size
        cx = 2 * _LABEL + 120 + node.x * _COL + _TASK_W / 2
        cy = tops.get(node.lane, 0.0) + 15 + node.y * _ROW + _ROW / 2
        return cx - w / 2, cy - h / 2, w, h

    diagram = ET.SubElement(root, "bpmndi:BPMNDiagram", {"id": "BPMNDiagram_1"})
    plane = ET.SubElement(diagram, "bpmndi:BPMNPlane", {
        "id": "BPMNPlane_1", "bpmnElement": "Collaboration_1"})

    def shape(element: str, bounds: tuple[float, float, float, float], **extra: str) -> None:
        s = ET.SubElement(plane, "bpmndi:BPMNShape", {
            "id": f"{element}_di", "bpmnElement": element, **extra})
        ET.SubElement(s, "dc:Bounds", dict(zip(
            ("x", "y", "width", "height"), (f"{v:g}" for v in bounds), strict=True)))

    shape("Participant_1", (0, 0, width, total_h), isHorizontal="true")
    ri = 0
    for li, level in enumerate(levels):
        first = ri
        height = sum(heights[first:first + len(level.roles)])
        shape(f"Lane_Level_{li + 1}", (_LABEL, tops[first], width - _LABEL, height),
              isHorizontal="true")
        for _ in level.roles:
            shape(f"Lane_Role_{ri + 1}", (2 * _LABEL, tops[ri], width - 2 * _LABEL,
                                         heights[ri]), isHorizontal="true")
            ri += 1
    boxes = {}
    for node in shapes.values():
        boxes[node.id] = place(node)
        extra = {"isMarkerVisible": "true"} if node.kind == "xor" else {}
        shape(node.id, boxes[node.id], **extra)
    for f in edges:
        sx, sy, sw, sh = boxes[f.source]
        tx, ty, tw, th = boxes[f.target]
        if f.back:
            below = max(sy + sh, ty + th) + 12
            points = [(sx + sw / 2, sy + sh), (sx + sw / 2, below),
                      (tx + tw / 2, below), (tx + tw / 2, ty + th)]
        else:
            a = (sx + sw, sy + sh / 2)
            z = (tx, ty + th / 2)
            mid = (a[0] + z[0]) / 2
            points = [a, z] if a[1] == z[1] else [a, (mid, a[1]), (mid, z[1]), z]
        e = ET.SubElement(plane, "bpmndi:BPMNEdge", {"id": f"{f.id}_di", "bpmnElement": f.id})
        for px, py in points:
            ET.SubElement(e, "di:waypoint", {"x": f"{px:g}", "y": f"{py:g}"})
