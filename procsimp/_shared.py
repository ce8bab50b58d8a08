"""Field sets shared between frozen models: fewer objects for the garbage collector.

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
    key = frozenset(own)
    shared = _SETS.get(key)
    if shared is None:
        shared = _SETS.setdefault(key, own)
    _object_setattr(model, "__pydantic_fields_set__", shared)
