"""What the runner hands a pass: the process, its analysis, a draft and the shared facts.

A built-in pass (and a user's pass registered with ``context=True``) is called
as ``function(context, options)``. The context is built once per run of a pass;
its facts are computed on first use, so a pass pays only for what it reads.
:meth:`PassContext.change` builds a :class:`~procsimp.passes.base.Change`
under the pass's name (the runner stamps that name on every Change anyway).

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c", "produces": ["form"]},
...               {"id": "b", "role": "c", "after": ["a"], "needs": ["form"],
...                "rework": {"to": "a", "p": 0.1}}]})
>>> ctx = PassContext(p, "example")
>>> ctx.order, sorted(ctx.needed), sorted(ctx.rework_targets)
(('a', 'b'), ['form'], ['a'])
>>> ctx.change("skipped", ("b",), "Kept.").pass_name
'example'
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from procsimp._checks import validated
from procsimp.passes._edit import Draft
from procsimp.passes.base import Change, ChangeKind

if TYPE_CHECKING:
    from procsimp.analysis import Analysis
    from procsimp.model import Process


class PassContext:
    """One run of one pass: the process it receives and what passes need to know about it."""

    def __init__(self, process: Process, name: str) -> None:
        self.process = process
        """The process the pass receives (never to be modified)."""
        self.name = name
        """The name the pass runs under, stamped on its Changes."""

    @property
    def analysis(self) -> Analysis:
        """The process's frozen :class:`~procsimp.analysis.Analysis`."""
        return self.process.analysis

    @cached_property
    def draft(self) -> Draft:
        """A working copy of the process to edit (built on first use, one per run)."""
        return Draft(self.process)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Step ids in topological order (file order breaks ties)."""
        return self.analysis.order_ids()

    @cached_property
    def needed(self) -> frozenset[str]:
        """Artifacts some step of the process needs."""
        return frozenset(a for s in self.process.steps for a in s.needs)

    @cached_property
    def rework_targets(self) -> frozenset[str]:
        """Ids of the steps files are sent back to (a rework's ``to``)."""
        return frozenset(s.rework.to for s in self.process.steps if s.rework is not None)

    @validated
    def change(self, kind: ChangeKind, steps: tuple[str, ...], reason: str,
               **values: Any) -> Change:
        """A :class:`Change` made by this pass (``values``: ``edges``, ``before``, ...)."""
        return Change(pass_name=self.name, kind=kind, steps=steps, reason=reason, **values)


__all__ = ["PassContext"]
