"""The BPMN diagram (BPMNDI): a layered, orthogonal layout of every flow node.

The writer hands over its flow nodes (tasks, gateways, events), each in the
role lane of :func:`procsimp.layout.grid` (levels and roles in the order of
:func:`procsimp.layout.lanes`), and its sequence flows. This module places
them so that a diagram opened in bpmn.io or Camunda Modeler reads cleanly:

- every flow node gets a *column*: the longest chain of forward flows before
  it (send-back flows excluded), so gateways and events have columns of their
  own and never sit on a task;
- inside its role lane a node gets a *row* among the nodes of its column
  (ordered by the rows of its predecessors, which keeps crossings down); a
  flow that skips columns reserves an empty slot in each column it passes, so
  its horizontal run crosses no shape;
- flows are orthogonal: horizontal inside the rows of their own nodes,
  vertical only in the channels between columns, each source on a track of
  its own; a gateway's branches to other rows leave from its top or bottom
  corner, so they part at the gateway; a send-back flow leaves its gateway from below, runs in the
  gutter under the rows (where no shape is) and enters the loop gateway
  from below;
- a task is as large as its wrapped name needs, a lane as tall as its
  label, the start event sits right of the lane titles.

The sizes use a conservative estimate of bpmn-js's 12 px Arial
(:func:`text_width`); ``tests/test_bpmn_layout.py`` checks the geometry and
the browser test measures the rendered labels.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from procsimp.layout import Grid

__all__ = ["Edge", "Layout", "Shape", "add_diagram", "layout", "text_width", "wrap"]

#: Default task box (bpmn.io's), gateway and event sizes, px.
TASK_W, TASK_H, GATEWAY, EVENT = 100, 80, 50, 36
#: Widest task box before a long name makes it taller instead.
TASK_MAX_W = 200
#: Width of a pool or lane title band.
HEADER = 30
#: Space between the lane titles and the first column, above and below a row's shapes.
MARGIN, PAD = 40, 20
#: Channel between two columns: fixed part and one track per flow source.
CHANNEL, TRACK = 30, 10
#: Gutter under a row for send-back flows: fixed part and one track per flow.
GUTTER, GUTTER_TRACK = 24, 8
#: How far a branch leaving a gateway's top or bottom corner runs before it turns (less
#: than half the gutter, where send-back flows run).
EXIT = 6
#: Line height of bpmn-js's labels (12 px font, 1.2 line height) and the inner padding.
LINE_H, TEXT_PAD = 15.0, 8.0


def text_width(text: str) -> float:
    """A generous estimate (px) of ``text`` in bpmn-js's 12 px Arial.

    >>> text_width("Sign") < text_width("Sign the letter")
    True
    """
    w = 0.0
    for ch in text:
        if ch == " ":
            w += 3.6
        elif unicodedata.east_asian_width(ch) in "WF":
            w += 12.5
        elif ch in "mwMW@%":
            w += 11.0
        elif ch.isupper() or ch.isdigit():
            w += 8.4
        elif ch in "iljtfI.,;:!'|":
            w += 4.0
        else:
            w += 7.0
    return w


def wrap(text: str, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` px (long words split).

    >>> wrap("Check the application", 80)
    ['Check the', 'application']
    """
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for word in para.split():
            while text_width(word) > width and len(word) > 1:
                cut = max(1, max(k for k in range(1, len(word) + 1)
                                 if text_width(word[:k]) <= width or k == 1))
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:cut])
                word = word[cut:]
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return [ln for ln in lines if ln] or [""]


def task_size(name: str) -> tuple[float, float]:
    """Width and height of a task box that holds ``name`` wrapped inside it.

    Wide enough for its longest word (up to :data:`TASK_MAX_W`), so no word is broken
    ("Recommendati-on"), then taller as the name needs.

    >>> task_size("Sign"), task_size("Recommendation signed")
    ((100.0, 80.0), (120.0, 80.0))
    """
    longest = max((text_width(word) for word in name.split()), default=0.0)
    width = float(min(TASK_MAX_W, max(TASK_W, 20 * math.ceil((longest + 2 * TEXT_PAD) / 20))))
    while True:
        lines = wrap(name, width - 2 * TEXT_PAD)
        height = len(lines) * LINE_H + 2 * TEXT_PAD
        if height <= TASK_H or width >= TASK_MAX_W:
            return width, max(float(TASK_H), math.ceil(height / 10) * 10)
        width += 20


@dataclass
class Shape:
    """A flow node of the written process and the role lane it sits in."""

    id: str
    kind: str  # task | xor | and | start | end
    lane: int  # role lane (index into Grid.roles)
    name: str = ""
    default: str | None = None

    @property
    def size(self) -> tuple[float, float]:
        if self.kind == "task":
            return task_size(self.name)
        if self.kind in ("start", "end"):
            return EVENT, EVENT
        return GATEWAY, GATEWAY


@dataclass
class Edge:
    """A sequence flow of the written process."""

    id: str
    source: str
    target: str
    p: float | None = None
    condition: str | None = None
    back: bool = False


Box = tuple[float, float, float, float]
Point = tuple[float, float]


@dataclass
class Layout:
    """Where everything goes, in px: node boxes, flow waypoints, pool and lanes."""

    boxes: dict[str, Box] = field(default_factory=dict)
    points: dict[str, list[Point]] = field(default_factory=dict)
    pool: Box = (0.0, 0.0, 0.0, 0.0)
    level_lanes: list[Box] = field(default_factory=list)
    role_lanes: list[Box] = field(default_factory=list)


def _lane_height(label: str, content: float) -> float:
    """A lane tall enough for its content and for its title on one line."""
    return max(content, text_width(label) + 2 * PAD)


def layout(grid: Grid, shapes: dict[str, Shape], edges: Sequence[Edge],
           title: str = "") -> Layout:
    """Place ``shapes`` and route ``edges`` (see the module docstring)."""
    n_lanes = max(1, len(grid.roles))
    forward = [e for e in edges if not e.back]
    outs: dict[str, list[Edge]] = defaultdict(list)
    ins: dict[str, list[Edge]] = defaultdict(list)
    for e in forward:
        outs[e.source].append(e)
        ins[e.target].append(e)
    # columns: longest chain of forward flows (Kahn's order, linear time)
    column = {nid: 0 for nid in shapes}
    indeg = {nid: len(ins[nid]) for nid in shapes}
    queue = [nid for nid in shapes if indeg[nid] == 0]
    for nid in queue:
        for e in outs[nid]:
            column[e.target] = max(column[e.target], column[nid] + 1)
            indeg[e.target] -= 1
            if indeg[e.target] == 0:
                queue.append(e.target)
    n_cols = max(column.values(), default=0) + 1
    # slots: (lane, column) -> ordered items; an item is a node id or a (flow id, column) pass
    chain: dict[str, list[str | tuple[str, int]]] = {}
    items: dict[str | tuple[str, int], tuple[int, int]] = {}  # item -> (lane, column)
    for nid, node in shapes.items():
        items[nid] = (min(node.lane, n_lanes - 1), column[nid])
    for e in forward:
        lane = items[e.source][0]
        passes: list[str | tuple[str, int]] = []
        for c in range(column[e.source] + 1, column[e.target]):
            items[(e.id, c)] = (lane, c)
            passes.append((e.id, c))
        chain[e.id] = [e.source, *passes, e.target]
    preds: dict[str | tuple[str, int], list[str | tuple[str, int]]] = defaultdict(list)
    for seq in chain.values():
        for a, b in itertools.pairwise(seq):
            preds[b].append(a)
    by_slot: dict[tuple[int, int], list[str | tuple[str, int]]] = defaultdict(list)
    for item, slot in items.items():
        by_slot[slot].append(item)
    row: dict[str | tuple[str, int], int] = {}
    order_key: dict[str | tuple[str, int], float] = {}
    created = {item: k for k, item in enumerate(items)}
    for c in range(n_cols):
        for lane in range(n_lanes):
            mine = by_slot.get((lane, c), [])

            def bary(item: str | tuple[str, int]) -> tuple[float, int]:
                ps = [order_key[p] for p in preds[item] if p in order_key]
                return (sum(ps) / len(ps) if ps else math.inf, created[item])

            mine.sort(key=bary)
            for r, item in enumerate(mine):
                row[item] = r
                order_key[item] = lane * 10_000 + r
    size = {nid: node.size for nid, node in shapes.items()}
    # column widths and channel tracks (one per source node whose flow turns in the channel)
    col_w = [0.0] * n_cols
    for nid, (_, c) in ((n, items[n]) for n in shapes):
        col_w[c] = max(col_w[c], size[nid][0])
    # row bands per lane: shape height, then the gutter for send-back flows
    n_rows = [0] * n_lanes
    for item, (lane, _) in items.items():
        n_rows[lane] = max(n_rows[lane], row[item] + 1)
    row_h = [[0.0] * n_rows[lane] for lane in range(n_lanes)]
    for nid in shapes:
        lane, _ = items[nid]
        row_h[lane][row[nid]] = max(row_h[lane][row[nid]], size[nid][1])
    backs = [e for e in edges if e.back]
    gutter_tracks: dict[tuple[int, int], int] = defaultdict(int)
    back_track: dict[str, tuple[int, int]] = {}
    for e in backs:
        s_slot = (items[e.source][0], row[e.source])
        t_slot = (items[e.target][0], row[e.target])
        ks = gutter_tracks[s_slot]
        gutter_tracks[s_slot] += 1
        if t_slot != s_slot:
            kt = gutter_tracks[t_slot]
            gutter_tracks[t_slot] += 1
        else:
            kt = ks
        back_track[e.id] = (ks, kt)
    band_top: dict[tuple[int, int], float] = {}
    lane_top = [0.0] * n_lanes
    lane_h = [0.0] * n_lanes
    labels = [r.label for r in grid.roles] or [""]
    y = 0.0
    for lane in range(n_lanes):
        lane_top[lane] = y
        inner = float(PAD)
        for r in range(n_rows[lane]):
            band_top[(lane, r)] = y + inner
            inner += max(row_h[lane][r], 1.0) + GUTTER + GUTTER_TRACK * gutter_tracks[(lane, r)]
        lane_h[lane] = _lane_height(labels[lane], max(inner + PAD - GUTTER / 2, 100.0))
        y += lane_h[lane]
    # level lanes and the pool must also hold their titles: grow the last role lane
    level_spans: list[tuple[int, int, str]] = []
    first = 0
    for level in (lv for lv in grid.lanes if lv.roles):
        level_spans.append((first, first + len(level.roles), level.label))
        first += len(level.roles)
    for lo, hi, label in [*level_spans, (0, n_lanes, title)]:
        if hi <= lo:
            continue
        need = text_width(label) + 2 * PAD
        have = sum(lane_h[lo:hi])
        if have < need:
            lane_h[hi - 1] += need - have
    lane_top = [sum(lane_h[:k]) for k in range(n_lanes)]
    # recompute band tops from the final lane tops (bands keep their offsets in the lane)
    for lane in range(n_lanes):
        inner = float(PAD)
        for r in range(n_rows[lane]):
            band_top[(lane, r)] = lane_top[lane] + inner
            inner += max(row_h[lane][r], 1.0) + GUTTER + GUTTER_TRACK * gutter_tracks[(lane, r)]
    total_h = sum(lane_h)

    def center_y(item: str | tuple[str, int]) -> float:
        lane, _ = items[item]
        return band_top[(lane, row[item])] + row_h[lane][row[item]] / 2

    def gutter_y(lane: int, r: int, k: int) -> float:
        return band_top[(lane, r)] + row_h[lane][r] + GUTTER / 2 + GUTTER_TRACK * k

    # channel tracks: forward flows that change height between two columns, by source
    turn_sources: list[dict[str, int]] = [{} for _ in range(n_cols + 1)]
    segments: list[tuple[str, int, str | tuple[str, int], str | tuple[str, int]]] = []
    for e in forward:
        seq = chain[e.id]
        for a, b in itertools.pairwise(seq):
            c = items[a][1]
            segments.append((e.id, c, a, b))
            if abs(center_y(a) - center_y(b)) > 1e-9:
                key = a if isinstance(a, str) else e.id
                turn_sources[c + 1].setdefault(key, len(turn_sources[c + 1]))
    back_channel: dict[str, int] = {}
    for e in backs:
        c = items[e.target][1]
        back_channel[e.id] = len(turn_sources[c])
        turn_sources[c][f"back:{e.id}"] = back_channel[e.id]
    chan_w = [CHANNEL + TRACK * max(0, len(t) - 1) for t in turn_sources]
    x0 = 3 * HEADER + MARGIN  # pool, level and role titles, then a margin
    col_x = [0.0] * n_cols
    x = float(x0)
    for c in range(n_cols):
        if c:
            x += chan_w[c]
        col_x[c] = x
        x += col_w[c]
    width = x + MARGIN

    def channel_x(c: int, k: int) -> float:
        """Track ``k`` of the channel left of column ``c``."""
        left = col_x[c] - chan_w[c] if c else x0 - MARGIN
        span = chan_w[c] if c else MARGIN
        n = max(1, len(turn_sources[c]))
        return left + span / 2 + (k - (n - 1) / 2) * TRACK

    out = Layout()
    for nid in shapes:
        w, h = size[nid]
        c = items[nid][1]
        cx = col_x[c] + col_w[c] / 2
        cy = center_y(nid)
        out.boxes[nid] = (cx - w / 2, cy - h / 2, w, h)
    points: dict[str, list[Point]] = defaultdict(list)
    splits = {nid for nid, node in shapes.items()
              if node.kind in ("xor", "and") and len(outs[nid]) >= 2}
    for eid, c, a, b in segments:
        ya, yb = center_y(a), center_y(b)
        if isinstance(a, str):
            bx, by, bw, bh = out.boxes[a]
            start = (bx + bw, by + bh / 2)
        else:
            start = (col_x[c], ya)
        if isinstance(b, str):
            bx, by, bw, bh = out.boxes[b]
            end = (bx, by + bh / 2)
        else:
            end = (col_x[c + 1] + col_w[c + 1], yb)
        pts = points[eid]
        turns = abs(ya - yb) > 1e-9
        if isinstance(a, str) and a in splits and turns:
            # a branch to another row leaves its gateway from the top or bottom corner, so
            # the branches (and the default-flow mark) part at the gateway
            gx, gy, gw, gh = out.boxes[a]
            down = yb > ya
            corner = (gx + gw / 2, gy + gh if down else gy)
            ya = corner[1] + (EXIT if down else -EXIT)
            pts += [corner, (corner[0], ya)]
        if not pts:
            pts.append(start)
        if turns:
            key = a if isinstance(a, str) else eid
            xc = channel_x(c + 1, turn_sources[c + 1][key])
            pts += [(xc, ya), (xc, yb)]
        elif not isinstance(b, str):
            continue  # straight on through the empty slot
        pts.append(end)
    for e in backs:
        sx, sy, sw, sh = out.boxes[e.source]
        tx, ty, tw, th = out.boxes[e.target]
        ks, kt = back_track[e.id]
        ls, lt = items[e.source][0], items[e.target][0]
        gs = gutter_y(ls, row[e.source], ks)
        gt = gutter_y(lt, row[e.target], kt)
        xc = channel_x(items[e.target][1], back_channel[e.id])
        pts = [(sx + sw / 2, sy + sh), (sx + sw / 2, gs), (xc, gs), (xc, gt),
               (tx + tw / 2, gt), (tx + tw / 2, ty + th)]
        points[e.id] = [p for k, p in enumerate(pts) if k == 0 or p != pts[k - 1]]
    out.points = {e.id: _simplify(points[e.id]) for e in edges}
    out.pool = (0.0, 0.0, width, max(total_h, 100.0))
    for lo, hi, _ in level_spans:
        out.level_lanes.append((HEADER, lane_top[lo], width - HEADER, sum(lane_h[lo:hi])))
    for lane in range(len(grid.roles)):
        out.role_lanes.append((2 * HEADER, lane_top[lane], width - 2 * HEADER, lane_h[lane]))
    return out


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated and collinear middle points."""
    out: list[Point] = []
    for p in points:
        if out and abs(p[0] - out[-1][0]) < 1e-9 and abs(p[1] - out[-1][1]) < 1e-9:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (abs(ax - bx) < 1e-9 and abs(bx - p[0]) < 1e-9) or (
                    abs(ay - by) < 1e-9 and abs(by - p[1]) < 1e-9):
                out[-1] = p
                continue
        out.append(p)
    return out


def add_diagram(root: ET.Element, grid: Grid, shapes: dict[str, Shape], edges: list[Edge],
                ids: dict[str, str], title: str = "") -> None:
    """Append the ``bpmndi:BPMNDiagram`` of the collaboration to ``root``.

    ``ids`` gives the document's ids of the diagram, the plane, the participant and
    the lanes (keys ``diagram``, ``plane``, ``participant``, ``collaboration``,
    ``level:K``, ``role:K``) and of each element's shape (``di:ID``).
    """
    placed = layout(grid, shapes, edges, title)
    diagram = ET.SubElement(root, "bpmndi:BPMNDiagram", {"id": ids["diagram"]})
    plane = ET.SubElement(diagram, "bpmndi:BPMNPlane", {
        "id": ids["plane"], "bpmnElement": ids["collaboration"]})

    def shape(element: str, bounds: Box, **extra: str) -> None:
        s = ET.SubElement(plane, "bpmndi:BPMNShape", {
            "id": ids[f"di:{element}"], "bpmnElement": element, **extra})
        ET.SubElement(s, "dc:Bounds", dict(zip(
            ("x", "y", "width", "height"), (_num(v) for v in bounds), strict=True)))

    shape(ids["participant"], placed.pool, isHorizontal="true")
    for k, bounds in enumerate(placed.level_lanes):
        shape(ids[f"level:{k}"], bounds, isHorizontal="true")
    for k, bounds in enumerate(placed.role_lanes):
        shape(ids[f"role:{k}"], bounds, isHorizontal="true")
    for node in shapes.values():
        extra = {"isMarkerVisible": "true"} if node.kind == "xor" else {}
        shape(node.id, placed.boxes[node.id], **extra)
    for f in edges:
        e = ET.SubElement(plane, "bpmndi:BPMNEdge", {"id": ids[f"di:{f.id}"],
                                                      "bpmnElement": f.id})
        for px, py in placed.points[f.id]:
            ET.SubElement(e, "di:waypoint", {"x": _num(px), "y": _num(py)})


def _num(v: float) -> str:
    return f"{round(v, 2):g}"
