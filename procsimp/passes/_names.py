"""Option fields that name a level, role or step of the process, and how to find them.

An option whose strings name levels, roles or steps says so in its type
(:data:`LevelId`, :data:`RoleId`, :data:`StepId`, alone or in a tuple, list,
mapping or ``| None``); the runner checks them against the process before a
pass runs, and the options strategies draw them from the process's ids. A
mapping's keys are checked only when their type is marked too
(``Mapping[RoleId, RoleId]``): with ``Mapping[str, RoleId]`` the pass checks its
keys itself (``delayer``'s ``signatories``, whose posts a first run may remove).
"""

from __future__ import annotations

import collections.abc as cabc
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel

from procsimp.errors import OptionError

if TYPE_CHECKING:
    from procsimp.model import Process

NameKind = Literal["level", "role", "step"]


@dataclass(frozen=True)
class Names:
    """Marks an option whose strings name a ``level``, ``role`` or ``step`` of the process."""

    kind: NameKind


#: An option value that is the id of a level of the process (checked before the pass runs).
LevelId = Annotated[str, Names("level")]
#: An option value that is the id of a role of the process (checked before the pass runs).
RoleId = Annotated[str, Names("role")]
#: An option value that is the id of a step of the process (checked before the pass runs).
StepId = Annotated[str, Names("step")]


def markers(annotation: Any) -> Iterable[Names]:
    """Every :class:`Names` marker inside a type (``tuple[LevelId, ...] | None``, ...)."""
    if isinstance(annotation, Names):
        yield annotation
        return
    if typing.get_origin(annotation) is Annotated:
        yield from (m for m in annotation.__metadata__ if isinstance(m, Names))
    for arg in typing.get_args(annotation):
        if arg is not Ellipsis:
            yield from markers(arg)


def keys_named(annotation: Any) -> bool:
    """Whether the keys of a mapping option name something (``Mapping[RoleId, RoleId]``; not
    ``Mapping[str, RoleId]``, whose keys the pass checks itself)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return keys_named(typing.get_args(annotation)[0])
    if isinstance(origin, type) and issubclass(origin, cabc.Mapping):
        args = typing.get_args(annotation)
        return bool(args) and any(True for _ in markers(args[0]))
    return any(keys_named(arg) for arg in typing.get_args(annotation) if arg is not Ellipsis)


def named_fields(options: type[BaseModel]) -> dict[str, NameKind]:
    """The option fields that name levels, roles or steps, with what they name."""
    out: dict[str, NameKind] = {}
    for name, info in options.model_fields.items():
        kinds = {m.kind for m in (*markers(info.annotation), *markers(tuple(info.metadata)))}
        if len(kinds) > 1:
            raise OptionError(f"option {name!r} of {options.__name__} names both "
                              f"{' and '.join(sorted(kinds))}s; give each kind its own option")
        if kinds:
            out[name] = kinds.pop()
    return out



def ids_of(process: Process, kind: NameKind) -> list[str]:
    """The ids of the levels, roles or steps of ``process``, in file order."""
    if kind == "level":
        return [lv.id for lv in process.levels]
    if kind == "role":
        return [r.id for r in process.roles]
    return [s.id for s in process.steps]




__all__ = ["LevelId", "NameKind", "Names", "RoleId", "StepId", "ids_of", "keys_named", "markers",
           "named_fields"]
