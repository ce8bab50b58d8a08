"""Mermaid flowchart export (``ps.save(proc, "x.mmd")``), for wikis, slides and Markdown.

One subgraph per hierarchy level (highest rank first); each step a node labelled
with its name, role and mean duration; approvals and signatures drawn as
hexagons; branch probabilities on edges; rework as a dotted edge back.
Node ids are generated (``n0``, ``n1``, ...) and every label is escaped with
Mermaid's entity codes, so no step name can break the diagram.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "name": 'say "hi"', "role": "c", "duration": 1}]})
>>> print(dumps_mermaid(p))
flowchart LR
  subgraph L0["staff"]
    n0["say #quot;hi#quot; (c, 1 day)"]
  end
<BLANKLINE>
"""

from __future__ import annotations

from procsimp.io.base import Format
from procsimp.io.diagram_text import lanes_and_edges
from procsimp.model import APPROVAL_KINDS, Process

__all__ = ["FORMAT", "dumps_mermaid", "escape"]

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;()/+=?!'")


def escape(text: str) -> str:
    """Text safe inside a double-quoted Mermaid label (entity codes for everything else).

    >>> escape('a "b" <c>')
    'a #quot;b#quot; #lt;c#gt;'
    """
    named = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "#": "#35;"}
    return "".join(ch if ch in _SAFE else named.get(ch, f"#{ord(ch)};") for ch in text)


def dumps_mermaid(process: Process) -> str:
    """The process as a Mermaid ``flowchart LR`` with one subgraph per level."""
    lanes, edges = lanes_and_edges(process)
    lines = ["flowchart LR"]
    for i, lane in enumerate(lanes):
        lines.append(f'  subgraph L{i}["{escape(lane.label)}"]')
        for node, label, kind in lane.nodes:
            left, right = ("{{", "}}") if kind in APPROVAL_KINDS else ("[", "]")
            lines.append(f'    {node}{left}"{escape(label)}"{right}')
        lines.append("  end")
    for e in edges:
        if e.rework:
            lines.append(f'  {e.source} -. "{escape(e.caption)}" .-> {e.target}')
        elif e.caption:
            lines.append(f'  {e.source} -- "{escape(e.caption)}" --> {e.target}')
        else:
            lines.append(f"  {e.source} --> {e.target}")
    return "\n".join(lines) + "\n"


#: Export-only: a diagram for people, not read back.
FORMAT = Format("mermaid", (".mmd",), None, dumps_mermaid)
