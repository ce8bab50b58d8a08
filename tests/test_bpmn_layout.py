"""The BPMN export's diagram, checked geometrically from the written XML alone.

Over every example, every simplified example, every corpus import and random
processes: no two flow-node shapes overlap; every flow is orthogonal, starts on
its source and ends on its target, and no segment of it crosses a shape it does
not connect; every node sits inside the content area of its role lane (off the
lane titles); every task name, wrapped the way bpmn-js wraps it, fits inside its
box, and every lane and pool title fits along its lane. Text is measured with
Liberation Sans (metric-compatible with Arial, bpmn-js's font), not with the
writer's own estimate.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from bpmn_exports import Diagram, case_process, export_cases, read_diagram
from hypothesis import HealthCheck, given, settings
from strategies import processes

import procsimp as ps
from procsimp.io.bpmn import dumps_bpmn

FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
EPS = 0.5
CASES = export_cases()


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Interiors of two boxes (x, y, w, h) intersect."""
    return (a[0] + EPS < b[0] + b[2] and b[0] + EPS < a[0] + a[2]
            and a[1] + EPS < b[1] + b[3] and b[1] + EPS < a[1] + a[3])


def segment_hits(p: tuple[float, float], q: tuple[float, float],
                 box: tuple[float, ...]) -> bool:
    """An axis-parallel segment enters the interior of a box."""
    x, y, w, h = box
    if abs(p[1] - q[1]) < 1e-9:  # horizontal
        lo, hi = sorted((p[0], q[0]))
        return y + EPS < p[1] < y + h - EPS and lo < x + w - EPS and hi > x + EPS
    lo, hi = sorted((p[1], q[1]))
    return x + EPS < p[0] < x + w - EPS and lo < y + h - EPS and hi > y + EPS


def on_border(pt: tuple[float, float], box: tuple[float, ...]) -> bool:
    x, y, w, h = box
    inside = x - EPS <= pt[0] <= x + w + EPS and y - EPS <= pt[1] <= y + h + EPS
    border = (min(abs(pt[0] - x), abs(pt[0] - x - w)) <= EPS
              or min(abs(pt[1] - y), abs(pt[1] - y - h)) <= EPS)
    return inside and border


def check_geometry(d: Diagram) -> None:
    nodes = list(d.kinds)
    assert set(nodes) <= set(d.boxes), "every flow node has a shape"
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            assert not overlap(d.boxes[a], d.boxes[b]), f"{a} overlaps {b}"
    for fid, (src, tgt) in d.ends.items():
        pts = d.points[fid]
        assert len(pts) >= 2, fid
        assert on_border(pts[0], d.boxes[src]), f"{fid} does not start on {src}"
        assert on_border(pts[-1], d.boxes[tgt]), f"{fid} does not end on {tgt}"
        for p, q in itertools.pairwise(pts):
            assert abs(p[0] - q[0]) < 1e-9 or abs(p[1] - q[1]) < 1e-9, f"{fid} is not orthogonal"
            for n in nodes:
                if n not in (src, tgt):
                    assert not segment_hits(p, q, d.boxes[n]), f"{fid} crosses {n}"
    # every node inside its innermost lane, right of the three title bands
    for lane in d.inner:
        lx, ly, lw, lh = d.boxes[lane]
        for n in d.members[lane]:
            x, y, w, h = d.boxes[n]
            assert x >= lx + 30 - EPS and x + w <= lx + lw + EPS, f"{n} outside {lane}"
            assert y >= ly - EPS and y + h <= ly + lh + EPS, f"{n} outside {lane}"
    px, py, pw, ph = d.boxes[d.pool]
    for lane in d.lanes:
        x, y, w, h = d.boxes[lane]
        assert px - EPS <= x and x + w <= px + pw + EPS and py - EPS <= y
        assert y + h <= py + ph + EPS


def check_labels(d: Diagram) -> None:
    font = pytest.importorskip("PIL.ImageFont")
    if not FONT.is_file():
        pytest.skip("Liberation Sans (Debian fonts-liberation) is not installed")
    face = font.truetype(str(FONT), 12)

    def width(text: str) -> float:
        return float(face.getlength(text))

    def lines(text: str, room: float) -> int:
        """Greedy word wrap (bpmn-js's), a word too long for a line split by characters."""
        count = 0
        for para in text.splitlines() or [""]:
            line = ""
            for word in para.split():
                while width(word) > room and len(word) > 1:
                    k = max(1, max(j for j in range(1, len(word) + 1)
                                   if width(word[:j]) <= room or j == 1))
                    count += 1 if not line else 2
                    line, word = "", word[k:]
                cand = f"{line} {word}" if line else word
                if line and width(cand) > room:
                    count += 1
                    line = word
                else:
                    line = cand
            count += 1 if line else 0
        return max(count, 1)

    for n, kind in d.kinds.items():
        if kind == "task" and d.names[n]:
            _, _, w, h = d.boxes[n]
            assert lines(d.names[n], w - 10) * 14.4 <= h - 10, f"name of {n} overflows its box"
    for lane, name in [*d.lanes.items(), (d.pool, d.pool_name)]:
        _, _, _, h = d.boxes[lane]
        assert width(name) <= h - 10, f"title of {lane} overflows it"


@pytest.mark.parametrize(("path", "how"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_export_diagram_is_clean(path: Path, how: str | None) -> None:
    d = read_diagram(dumps_bpmn(case_process(path, how)))
    check_geometry(d)
    check_labels(d)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(processes(choices=True, rework=True, needs=True, open_choices=True, text_ids=True))
def test_random_processes_lay_out_cleanly(proc: ps.Process) -> None:
    check_geometry(read_diagram(dumps_bpmn(proc)))


def test_back_edge_runs_below_the_boxes() -> None:
    """A send-back flow leaves its gateway downward and stays below every task it passes."""
    proc = ps.Process.model_validate({
        "levels": ["l"], "roles": [{"id": "r", "level": "l"}],
        "steps": [{"id": "a", "role": "r"}, {"id": "b", "role": "r", "after": ["a"]},
                  {"id": "c", "role": "r", "after": ["b"], "rework": {"to": "a", "p": 0.2}}]})
    d = read_diagram(dumps_bpmn(proc))
    back = next(f for f, (s, t) in d.ends.items() if s == "c_check" and t == "a_loop")
    pts = d.points[back]
    lowest_task = max(d.boxes[t][1] + d.boxes[t][3] for t in ("a", "b", "c"))
    assert pts[1][1] > pts[0][1]  # leaves downward
    assert all(y >= lowest_task for _, y in pts[1:-1])
    assert d.boxes["StartEvent"][0] >= 90  # right of the pool, level and role titles


def test_long_names_grow_the_box_and_the_lane() -> None:
    long = "Verify the applicant's supporting documents against the statutory checklist"
    proc = ps.Process.model_validate({
        "levels": ["l"], "roles": [{"id": "r", "level": "l", "name": "A very long role title"}],
        "steps": [{"id": "a", "role": "r", "name": long}]})
    d = read_diagram(dumps_bpmn(proc))
    _, _, w, h = d.boxes["a"]
    assert (w, h) != (100, 80)
    check_labels(d)


def test_roles_without_steps_get_no_lane_but_survive_the_round_trip() -> None:
    """After delayering, the echelon posts perform nothing: no empty lanes for them."""
    proc = ps.Process.model_validate({
        "levels": ["head", "echelon_4", "staff"],
        "roles": [{"id": "boss", "level": "head"}, {"id": "section", "level": "echelon_4"},
                  {"id": "idle", "level": "staff"}, {"id": "clerk", "level": "staff"}],
        "steps": [{"id": "a", "role": "clerk"}, {"id": "b", "role": "boss", "after": ["a"]}]})
    text = dumps_bpmn(proc)
    d = read_diagram(text)
    assert sorted(d.lanes[lane] for lane in d.inner) == ["boss", "clerk"]
    assert sorted(d.lanes.values()) == ["boss", "clerk", "head", "staff"]
    check_geometry(d)
    assert ps.loads(text, "bpmn") == proc
