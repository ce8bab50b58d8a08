"""Field sets shared between frozen models, and quick copies of models: fewer objects
and calls for the garbage collector and the interpreter on large processes.

pydantic gives every validated model its own ``set`` of the fields that were set
(``model_fields_set``). A set is always tracked by the garbage collector, so a
100,000-step file left 270,000 of them behind (one per step, duration and predecessor),
each scanned again by every full collection while the file is read. procsimp's models
are frozen, so nothing adds to that set after validation (pydantic copies it before
``model_copy(update=...)`` changes it, and a frozen model refuses assignment): models
with the same fields set can share one set.
"""

from __future__ import annotations

from typing import Any

_object_setattr = object.__setattr__

#: One set per distinct combination of fields set (a handful per model class).
_SETS: dict[frozenset[str], set[str]] = {}


def share_fields_set(model: Any) -> None:
    """Give a new, frozen ``model`` the shared set equal to its own ``model_fields_set``
    (a model of a subclass that is not frozen keeps its own: assigning a field adds to it)."""
    if not type(model).model_config.get("frozen"):
        return
    own = model.__pydantic_fields_set__
    _object_setattr(model, "__pydantic_fields_set__", _SETS.setdefault(frozenset(own), own))


def replaced(model: Any, **fields: Any) -> Any:
    """A copy of a validated model with ``fields`` replaced by values already valid for them,
    without pydantic's per-copy work (``model_copy(update=...)`` also copies and extends the
    field set): the copy keeps the original's field set, extra and private attributes."""
    new = object.__new__(type(model))
    _object_setattr(new, "__dict__", {**model.__dict__, **fields})
    for slot in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        _object_setattr(new, slot, getattr(model, slot))
    return new
