"""Graphviz DOT export (``ps.save(proc, "x.dot")``); render with ``dot -Tsvg x.dot``.

One ``cluster`` subgraph per hierarchy level (highest rank first), steps as
rounded boxes labelled with name, role and mean duration (approvals and
signatures as hexagons), branch probabilities on edges, rework as a dashed
edge back that does not constrain the ranking. Node ids are generated
(``n0``, ``n1``, ...); every string is quoted and escaped.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c", "duration": 1}]})
>>> print(dumps_dot(p))  # doctest: +NORMALIZE_WHITESPACE
digraph "process" {
  rankdir=LR;
  node [shape=box, style=rounded, fontname="Helvetica"];
  subgraph "cluster_0" {
    label="staff";
    n0 [label="a (c, 1 day)"];
  }
}
<BLANKLINE>
"""

from __future__ import annotations

from procsimp.io.base import Format
from procsimp.io.diagram_text import lanes_and_edges, printable
from procsimp.model import APPROVAL_KINDS, Process

__all__ = ["FORMAT", "dumps_dot", "quote"]


def quote(text: str) -> str:
    """A DOT double-quoted string.

    >>> quote('say "hi" \\\\ bye')
    '"say \\\\"hi\\\\" \\\\\\\\ bye"'
    """
    return '"' + printable(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def dumps_dot(process: Process) -> str:
    """The process as a Graphviz ``digraph`` with one cluster per level."""
    lanes, edges = lanes_and_edges(process)
    lines = [f"digraph {quote(process.name)} {{", "  rankdir=LR;",
             '  node [shape=box, style=rounded, fontname="Helvetica"];']
    for i, lane in enumerate(lanes):
        lines.append(f'  subgraph "cluster_{i}" {{')
        lines.append(f"    label={quote(lane.label)};")
        for node, label, kind in lane.nodes:
            shape = ", shape=hexagon" if kind in APPROVAL_KINDS else ""
            lines.append(f"    {node} [label={quote(label)}{shape}];")
        lines.append("  }")
    for e in edges:
        attrs = []
        if e.caption:
            attrs.append(f"label={quote(e.caption)}")
        if e.rework:
            attrs.append("style=dashed, constraint=false")
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {e.source} -> {e.target}{tail};")
    lines.append("}")
    return "\n".join(lines) + "\n"


#: Export-only: a diagram for people, not read back.
FORMAT = Format("dot", (".dot",), None, dumps_dot)
