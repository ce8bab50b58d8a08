"""networkx round trip: ``ps.to_networkx(proc)`` and ``ps.from_networkx(g)``.

``to_networkx`` returns a mutable :class:`networkx.DiGraph` (``proc.graph`` is
a frozen view for analysis; this one is for editing and for other networkx
tools):

- graph attributes: ``name``, ``description``, ``time_unit``, ``handoff_delay``,
  ``levels`` (tuple of :class:`~procsimp.Level`), ``roles`` (tuple of
  :class:`~procsimp.Role`);
- nodes: step ids in step order, with every :class:`~procsimp.Step` field
  except ``id`` and ``after`` (``name``, ``role``, ``kind``, ``duration``,
  ``work``, ``cost``, ``join``, ``needs``, ``produces``, ``rework``, ``locked``,
  ``applicant_facing``, ``digitizable``; durations are numbers or
  :mod:`procsimp.durations` models), plus ``level`` (the role's level,
  informative);
- edges ``u -> v`` for each predecessor, in ``after`` order, with ``p``,
  ``delay`` and ``hard``. Rework send-backs are the ``rework`` node attribute,
  not edges, so the graph stays acyclic.

``from_networkx`` reads the same attributes back (missing ones take their
defaults; ``level`` is ignored) and validates the result.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c"}, {"id": "b", "role": "c", "after": ["a"]}]})
>>> g = to_networkx(p)
>>> g.add_node("c", role="c"); g.add_edge("b", "c")
>>> [s.id for s in from_networkx(g).steps]
['a', 'b', 'c']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from procsimp._checks import validated
from procsimp.errors import FileFormatError
from procsimp.io.plain import from_data
from procsimp.model import Process, Step

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["from_networkx", "to_networkx"]

_HEADER = ("name", "description", "time_unit", "handoff_delay", "levels", "roles")
_STEP_FIELDS = tuple(f for f in Step.model_fields if f not in ("id", "after"))
_EDGE_FIELDS = ("p", "delay", "hard")


@validated
def to_networkx(process: Process) -> nx.DiGraph:
    """A mutable DiGraph of the process with the attributes in the module docstring."""
    import networkx as nx  # loaded on first use, not by `import procsimp`

    g = nx.DiGraph(**{key: getattr(process, key) for key in _HEADER})
    for s in process.steps:
        attrs = {f: getattr(s, f) for f in _STEP_FIELDS}
        g.add_node(s.id, **attrs, level=process.role(s.role).level)
    for s in process.steps:
        for e in s.after:
            g.add_edge(e.step, s.id, p=e.p, delay=e.delay, hard=e.hard)
    return g


@validated
def from_networkx(graph: nx.DiGraph, *, source: str = "<graph>") -> Process:
    """A process from a DiGraph laid out as :func:`to_networkx` makes it.

    Raises :class:`~procsimp.FileFormatError` for a graph that is not directed
    and :class:`~procsimp.ModelError` for an invalid process.
    """
    import networkx as nx  # loaded on first use, not by `import procsimp`

    if not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
        raise FileFormatError(f"{source}: expected a networkx DiGraph, got "
                              f"{type(graph).__name__}")
    data: dict[str, Any] = {k: graph.graph[k] for k in _HEADER if k in graph.graph}
    steps = []
    for node, attrs in graph.nodes(data=True):
        step: dict[str, Any] = {"id": node}
        step.update({k: v for k, v in attrs.items() if k in _STEP_FIELDS and v is not None})
        after = []
        for pred, edge in graph.pred[node].items():
            entry = {"step": pred, **{k: edge[k] for k in _EDGE_FIELDS
                                       if edge.get(k) is not None}}
            after.append(entry)
        if after:
            step["after"] = after
        steps.append(step)
    data["steps"] = steps
    return from_data(data, source=source)
