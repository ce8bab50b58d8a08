"""What Mermaid and Graphviz DOT export share: lanes by level, labels, edge captions.

The lanes and the order of steps in them come from the shared layout
(:func:`procsimp.layout.lanes`), as in the figures and the BPMN diagram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from procsimp.durations import mean_of
from procsimp.layout import lanes
from procsimp.model import Process

__all__ = ["Edge", "Lane", "lanes_and_edges", "printable"]

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with control characters and line breaks turned into spaces."""
    return _CONTROL.sub(" ", text)


@dataclass(frozen=True)
class Lane:
    """A level and the steps performed at it (node ids ``n0``, ``n1``, ... in step order)."""

    label: str
    nodes: tuple[tuple[str, str, str], ...]
    """(node id, step label, step kind) per step at this level."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    caption: str
    rework: bool = False


def lanes_and_edges(process: Process) -> tuple[list[Lane], list[Edge]]:
    """Lanes (one per level that performs a step, highest rank first) and captioned edges."""
    node = {s.id: f"n{i}" for i, s in enumerate(process.steps)}
    step = {s.id: s for s in process.steps}

    def entry(sid: str) -> tuple[str, str, str]:
        s = step[sid]
        mean = mean_of(s.duration)  # the mean, to 3 significant digits, with its unit
        unit = process.time_unit + ("" if mean == 1 else "s")
        return node[sid], f"{printable(s.name)} ({printable(s.role)}, {mean:.3g} {unit})", s.kind

    out = [Lane(printable(lane.label), tuple(entry(sid) for sid in lane.steps))
           for lane in lanes(process) if lane.steps]
    edges: list[Edge] = []
    for s in process.steps:
        for e in s.after:
            edges.append(Edge(node[e.step], node[s.id], f"p={e.p:g}" if e.p is not None else ""))
        if s.rework is not None:
            edges.append(Edge(node[s.id], node[s.rework.to],
                              f"rework p={s.rework.p:g}", rework=True))
    return out, edges
