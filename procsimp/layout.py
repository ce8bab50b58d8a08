"""Where steps go in a picture of a process: lanes, columns and rows, no drawing.

One layout serves every picture procsimp makes, so they all show the same
lanes in the same order and the same steps in the same order:

- :func:`lanes`: a lane per hierarchy level (highest rank first, the order of
  ``process.levels``), inside it a lane per role of that level (the order of
  ``process.roles``), each holding its steps in step order. The figures,
  Mermaid and DOT draw the level lanes; BPMN draws both (role lanes inside
  level lanes).
- :func:`grid`: a column per step (the longest chain of predecessors before
  it, from :attr:`procsimp.Process.analysis`) and a row among the steps of its
  role lane in that column, for diagrams laid out by precedence (BPMN's
  diagram interchange).
- :func:`swimlane`: the figures' layout on a time axis: each step in its level
  lane at its expected start on mean durations
  (:meth:`procsimp.analysis.Analysis.mean_schedule`), as wide as its expected
  duration; steps of one lane that overlap in time are stacked in sub-rows.
  Above ``max_boxes`` steps the diagram is *aggregated*: the steps off the
  critical path merge into one block per busy stretch of a lane (labelled with
  how many steps it holds) and only the critical path keeps its own boxes and
  arrows.

Nothing here imports matplotlib.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["head", "staff"],
...     "roles": [{"id": "clerk", "level": "staff"}, {"id": "boss", "level": "head"}],
...     "steps": [{"id": "a", "role": "clerk"}, {"id": "b", "role": "boss", "after": ["a"]},
...               {"id": "c", "role": "clerk", "after": ["a"]}]})
>>> [(lane.level, lane.steps) for lane in lanes(p)]
[('head', ('b',)), ('staff', ('a', 'c'))]
>>> g = grid(p)
>>> g.cells["b"], g.cells["c"]
(Cell(lane=0, column=1, row=0), Cell(lane=1, column=1, row=0))
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from procsimp.metrics import measure
from procsimp.model import Process

__all__ = ["MAX_BOXES", "Arrow", "Box", "Cell", "Grid", "Lane", "LevelLane", "RoleLane",
           "Swimlane", "columns", "grid", "lanes", "level_names", "swimlane", "union_levels"]

#: Above this many steps a swimlane is aggregated rather than drawn box by box.
MAX_BOXES = 60


# --- lanes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleLane:
    """A role and the steps it performs, in step order."""

    role: str
    label: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class LevelLane:
    """A hierarchy level: its roles (in declaration order) and its steps (in step order)."""

    level: str
    label: str
    roles: tuple[RoleLane, ...]
    steps: tuple[str, ...]


def lanes(process: Process, *, levels: Sequence[str] | None = None,
          labels: Mapping[str, str] | None = None) -> tuple[LevelLane, ...]:
    """A lane per level of ``process`` (or per id in ``levels``), highest rank first.

    Every level is listed, also one without roles or steps (a caller draws the ones it
    needs); ``labels`` overrides the names the process gives its levels (else their ids).
    """
    names = {lv.id: lv.name or lv.id for lv in process.levels}
    names.update(labels or {})
    level_ids = list(levels) if levels is not None else [lv.id for lv in process.levels]
    by_role: dict[str, list[str]] = {r.id: [] for r in process.roles}
    by_level: dict[str, list[str]] = {lv: [] for lv in level_ids}
    level_of = {r.id: r.level for r in process.roles}
    for s in process.steps:
        by_role[s.role].append(s.id)
        by_level.setdefault(level_of[s.role], []).append(s.id)
    out = []
    for lv in level_ids:
        roles = tuple(RoleLane(r.id, r.name or r.id, tuple(by_role[r.id]))
                      for r in process.roles if r.level == lv)
        out.append(LevelLane(lv, names.get(lv, lv), roles, tuple(by_level[lv])))
    return tuple(out)


def union_levels(*processes: Process) -> list[str]:
    """Levels performing a step in any of ``processes``, highest rank first.

    The order is that of the first process's levels, then any level only a later
    one declares.
    """
    order: list[str] = []
    for p in processes:
        order += [lv.id for lv in p.levels if lv.id not in order]
    used = {lane.level for p in processes for lane in lanes(p) if lane.steps}
    return [lv for lv in order if lv in used]


def level_names(*processes: Process) -> dict[str, str]:
    """Display name of every level of ``processes`` (the first name given wins)."""
    names: dict[str, str] = {}
    for p in reversed(processes):
        names.update({lv.id: lv.name for lv in p.levels if lv.name})
    return names


# --- columns and rows --------------------------------------------------------------------------


def columns(process: Process) -> dict[str, int]:
    """The column of each step: the number of steps on the longest chain before it."""
    a = process.analysis
    column: dict[str, int] = {}
    for sid in a.order_ids():
        column[sid] = max((column[u] + 1 for u in a.predecessors(sid)), default=0)
    return column


@dataclass(frozen=True)
class Cell:
    """Where a step sits in a :class:`Grid`."""

    lane: int
    """Index of its role lane (role lanes numbered across levels, top to bottom)."""
    column: int
    row: int
    """Among the steps of the same role lane and column, in step order."""


@dataclass(frozen=True)
class Grid:
    """Steps laid out by precedence: role lanes top to bottom, columns left to right."""

    lanes: tuple[LevelLane, ...]
    roles: tuple[RoleLane, ...]
    """Every role lane, in the order of :attr:`lanes` (the index a :class:`Cell` gives)."""
    cells: dict[str, Cell]
    """By step id, in step order."""


def grid(process: Process) -> Grid:
    """The precedence layout of ``process`` (see the module docstring)."""
    level_lanes = lanes(process)
    roles = tuple(r for lane in level_lanes for r in lane.roles)
    role_lane = {r.role: i for i, r in enumerate(roles)}
    column = columns(process)
    taken: Counter[tuple[int, int]] = Counter()
    cells: dict[str, Cell] = {}
    for s in process.steps:
        key = (role_lane[s.role], column[s.id])
        cells[s.id] = Cell(key[0], key[1], taken[key])
        taken[key] += 1
    return Grid(level_lanes, roles, cells)


# --- the figures' swimlane on a time axis ------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    """One horizontal lane of a swimlane figure: a hierarchy level."""

    level: str
    label: str
    rows: int
    """Sub-rows the lane needs for steps that overlap in time."""


@dataclass(frozen=True)
class Box:
    """A step (or, aggregated, a busy stretch of a lane) as a box."""

    key: str
    """The step id, or ``lane:LEVEL:k`` for an aggregate block."""
    label: str
    lane: int
    row: int
    start: float
    finish: float
    kind: str
    """Step kind, or ``aggregate``."""
    critical: bool = False
    ghost: bool = False
    count: int = 1
    """Steps this box stands for."""


@dataclass(frozen=True)
class Arrow:
    """A precedence edge between two boxes (a handoff when their roles differ)."""

    source: str
    target: str
    critical: bool
    handoff: bool


@dataclass(frozen=True)
class Swimlane:
    """The layout of one swimlane diagram."""

    title: str
    time_unit: str
    lanes: tuple[Lane, ...]
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    span: float
    """Expected finish of the last step (the right end of the time axis)."""
    aggregated: bool
    critical_path: tuple[str, ...]

    def box(self, key: str) -> Box:
        return next(b for b in self.boxes if b.key == key)


#: A step placed on the time axis: (id, lane, start, finish, kind, label, critical, ghost).
_Entry = tuple[str, int, float, float, str, str, bool, bool]


def swimlane(process: Process, *, levels: Sequence[str] | None = None,
             labels: Mapping[str, str] | None = None, ghost_steps: Collection[str] = (),
             max_boxes: int = MAX_BOXES) -> Swimlane:
    """Lay out ``process`` as lanes of boxes on a time axis.

    ``levels`` fixes the lanes (highest rank first; default: the process's
    levels that perform a step), ``labels`` their names (default: the names the
    process gives its levels, else their ids). ``ghost_steps`` are drawn faded: in a "before"
    diagram, the steps a simplification removed or merged away.
    """
    shown = [lane for lane in lanes(process, levels=levels, labels=labels)
             if levels is not None or lane.steps]
    lane_ids = [lane.level for lane in shown]
    lane_of = {lv: i for i, lv in enumerate(lane_ids)}
    level_of = {r.id: r.level for r in process.roles}
    when = process.analysis.mean_schedule()
    critical = measure(process).critical_path if process.steps else ()
    on_path = set(critical)
    ghost_set = set(ghost_steps)
    entries: list[_Entry] = []
    for step in process.steps:
        lane = lane_of.get(level_of[step.role])
        if lane is None:
            continue
        start, finish = when[step.id]
        entries.append((step.id, lane, start, finish, step.kind, step.name,
                        step.id in on_path, step.id in ghost_set))
    span = max((e[3] for e in entries), default=0.0)
    aggregated = len(entries) > max_boxes
    boxes: list[Box] = []
    rows = [1] * len(lane_ids)
    if aggregated:
        boxes = _aggregate(entries, lane_ids, span)
    else:
        for lane in range(len(lane_ids)):
            mine = sorted((e for e in entries if e[1] == lane), key=lambda e: (e[2], e[3]))
            ends: list[float] = []  # finish of the last box in each sub-row
            for e in mine:
                width = max(e[3] - e[2], span * 0.01)
                row = next((k for k, end in enumerate(ends) if end <= e[2] + 1e-9), len(ends))
                if row == len(ends):
                    ends.append(0.0)
                ends[row] = e[2] + width
                boxes.append(Box(e[0], e[5], lane, row, e[2], e[3], e[4], e[6], e[7]))
            rows[lane] = max(1, len(ends))
    drawn = {b.key for b in boxes}
    role_of = {s.id: s.role for s in process.steps}
    arrows = []
    path_edges = set(itertools.pairwise(critical))
    for step in process.steps:
        for u in process.analysis.predecessors(step.id):
            if u in drawn and step.id in drawn:
                arrows.append(Arrow(u, step.id, (u, step.id) in path_edges,
                                    role_of[u] != step.role))
    out_lanes = tuple(Lane(lane.level, lane.label, rows[i]) for i, lane in enumerate(shown))
    return Swimlane(process.name, process.time_unit, out_lanes, tuple(boxes), tuple(arrows),
                    span, aggregated, tuple(critical))


def _aggregate(entries: list[_Entry], lane_ids: list[str], span: float) -> list[Box]:
    """Critical steps keep their boxes; the others merge into busy stretches per lane."""
    boxes = [Box(e[0], e[5], e[1], 0, e[2], e[3], e[4], True, e[7])
             for e in entries if e[6]]
    gap = span * 0.02  # stretches closer than this merge, so a lane shows a few blocks
    for lane, level in enumerate(lane_ids):
        mine = sorted((e[2], e[3]) for e in entries if e[1] == lane and not e[6])
        merged: list[list[float]] = []
        for s, f in mine:
            if merged and s <= merged[-1][1] + gap:
                merged[-1][1] = max(merged[-1][1], f)
                merged[-1][2] += 1
            else:
                merged.append([s, f, 1])
        for k, (s, f, n) in enumerate(merged):
            boxes.append(Box(f"lane:{level}:{k}", f"{int(n)} steps" if n > 1 else "1 step",
                             lane, 0, s, f, "aggregate", count=int(n)))
    return boxes
