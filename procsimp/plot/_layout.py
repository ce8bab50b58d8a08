"""Where things go in a swimlane diagram: a pure computation, no drawing.

:func:`swimlane` places each step of a process in the lane of its hierarchy
level (highest rank on top), at its expected start on mean durations
(:func:`procsimp.metrics.schedule`), as wide as its expected duration.
Steps of one lane that overlap in time are stacked in sub-rows. Above
``max_boxes`` steps the diagram is *aggregated*: the steps off the critical
path merge into one block per busy stretch of a lane (labelled with how many
steps it holds) and only the critical path keeps its own boxes and arrows.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from procsimp.metrics import measure
from procsimp.model import Process

if TYPE_CHECKING:
    from procsimp.compare import Report

#: Above this many steps a swimlane is aggregated rather than drawn box by box.
MAX_BOXES = 60


@dataclass(frozen=True)
class Lane:
    """One horizontal lane: a hierarchy level."""

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


def swimlane(process: Process, *, levels: Sequence[str] | None = None,
             labels: Mapping[str, str] | None = None, ghost_steps: Collection[str] = (),
             max_boxes: int = MAX_BOXES) -> Swimlane:
    """Lay out ``process`` as lanes of boxes on a time axis.

    ``levels`` fixes the lanes (highest rank first; default: the process's
    levels that perform a step), ``labels`` their names (default: the names the
    process gives its levels, else their ids). ``ghost_steps`` are drawn faded: in a "before"
    diagram, the steps a simplification removed or merged away.
    """
    ids = [lv.id for lv in process.levels]
    names = {lv.id: lv.name or lv.id for lv in process.levels}
    names.update(labels or {})
    roles = {r.id: r for r in process.roles}
    used = {roles[s.role].level for s in process.steps}
    lane_ids = list(levels) if levels is not None else [lv for lv in ids if lv in used]
    lane_of = {lv: i for i, lv in enumerate(lane_ids)}
    c = process.analysis
    start, finish = c.schedule
    critical = measure(process).critical_path if process.steps else ()
    on_path = set(critical)
    ghost_set = set(ghost_steps)
    entries = []  # (id, lane, start, finish, kind, label, critical, ghost)
    for v, step in enumerate(c.steps):
        lane = lane_of.get(roles[step.role].level)
        if lane is None:
            continue
        entries.append((step.id, lane, start[v], finish[v], step.kind, step.name,
                        step.id in on_path, step.id in ghost_set))
    span = max((e[3] for e in entries), default=0.0)
    aggregated = len(entries) > max_boxes
    boxes: list[Box] = []
    if aggregated:
        boxes = _aggregate(entries, lane_ids, span)
        rows = [1] * len(lane_ids)
    else:
        rows = [1] * len(lane_ids)
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
    arrows = []
    path_edges = set(itertools.pairwise(critical))
    for step in process.steps:
        for u in step.predecessors:
            if u in drawn and step.id in drawn:
                arrows.append(Arrow(u, step.id, (u, step.id) in path_edges,
                                    process.step(u).role != step.role))
    lanes = tuple(Lane(lv, names.get(lv, lv), rows[i]) for i, lv in enumerate(lane_ids))
    return Swimlane(process.name, process.time_unit, lanes, tuple(boxes), tuple(arrows), span,
                    aggregated, tuple(critical))


def _aggregate(entries: list, lane_ids: list[str], span: float) -> list[Box]:
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


def union_levels(*processes: Process) -> list[str]:
    """Levels performing a step in any of ``processes``, highest rank first.

    The order is that of the first process's levels, then any level only a later
    one declares.
    """
    order: list[str] = []
    for p in processes:
        order += [lv.id for lv in p.levels if lv.id not in order]
    used = set()
    for p in processes:
        roles = {r.id: r.level for r in p.roles}
        used |= {roles[s.role] for s in p.steps}
    return [lv for lv in order if lv in used]


def level_names(*processes: Process) -> dict[str, str]:
    """Display name of every level of ``processes`` (the first name given wins)."""
    names: dict[str, str] = {}
    for p in reversed(processes):
        names.update({lv.id: lv.name for lv in p.levels if lv.name})
    return names


def headline(report: Report) -> str:
    """The one headline of a before/after figure, from :func:`procsimp.compare`'s report.

    ``layers 4 -> 2, lead time 16.9 -> 13.1 days`` on its first line: the simulated mean
    lead time (what cases experience, the figure to quote), and on the second the cut with
    its 95 % interval from the paired cases. A report without simulation (``n=0``) gives
    the expected lead time on mean durations and says so.
    """
    layers = report.metric("layers")
    unit = report.time_unit + "s"
    sim = report.simulation
    if sim is None:
        lead = report.metric("lead_time")
        return (f"layers {layers.before:.0f} -> {layers.after:.0f}, lead time "
                f"{lead.before:.1f} -> {lead.after:.1f} {unit}\n"
                f"expected on mean durations (not simulated)")
    cut = sim.mean_cut
    # enough decimals that a narrow interval does not print as its own end points
    d = 1 if cut.ci[1] - cut.ci[0] >= 0.2 else 2
    return (f"layers {layers.before:.0f} -> {layers.after:.0f}, lead time "
            f"{sim.before.mean:.1f} -> {sim.after.mean:.1f} {unit}\n"
            f"mean of {report.n:,} simulated cases; cut {cut.value:.{d}f} {unit} "
            f"(95% CI {cut.ci[0]:.{d}f} to {cut.ci[1]:.{d}f})")
