"""Hypothesis strategies of pass options, drawn from the options model's fields.

Imported only by :meth:`procsimp.passes.base.PassOptions.strategy` (and the
overrides of the built-in options models), so ``hypothesis`` is needed only
by whoever draws options: the property tests.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from procsimp.errors import MissingDependencyError
from procsimp.passes._names import NameKind, Names, ids_of, markers

try:
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis comes with the test extra
    raise MissingDependencyError("drawing pass options for tests needs hypothesis; install it "
                                 "with: pip install 'procsimp[test]'") from None

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

    from procsimp.model import Process
    from procsimp.passes.base import PassOptions

#: Largest number drawn for a field without an upper bound.
LARGEST = 10.0


def sometimes(percent: int) -> st.SearchStrategy[bool]:
    """True with about ``percent``% probability; shrinks to False."""
    return st.integers(0, 99).map(lambda x: x >= 100 - percent)


def ids(process: Process, kind: NameKind) -> list[str]:
    """The ids of the levels, roles or steps of ``process``."""
    return ids_of(process, kind)


def durations(max_value: float = 1.0) -> st.SearchStrategy[Any]:
    """A duration as written in a file: a number or a distribution of any family."""
    number = st.floats(0, max_value, allow_nan=False, allow_infinity=False)
    ordered = st.lists(number, min_size=3, max_size=3).map(sorted)
    return st.one_of(
        number,
        ordered.map(lambda x: {"dist": "triangular", "low": x[0], "mode": x[1], "high": x[2]}),
        ordered.map(lambda x: {"dist": "pert", "low": x[0], "mode": x[1], "high": x[2]}),
        st.lists(number, min_size=1, max_size=8).map(lambda x: {"dist": "empirical",
                                                                 "values": x}),
        ordered.map(lambda x: {"dist": "uniform", "low": x[0], "high": x[2]}),
        st.tuples(st.floats(0.01, max_value), st.floats(1, 5)).map(
            lambda m: {"dist": "lognormal", "median": m[0], "p90": m[0] * m[1]}),
    )


def from_fields(options: type[PassOptions], process: Process) -> st.SearchStrategy[dict[str, Any]]:
    """Options drawn field by field; an optional field is sometimes left to its default."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in options.model_fields.items():
        values = field_values(info, process)
        if info.is_required():
            if values is None:
                raise MissingDependencyError(
                    f"{options.__name__}.strategy cannot draw the required option {name!r} "
                    f"from its type; override the classmethod strategy to draw it")
            required[name] = values
        elif values is not None:
            optional[name] = values
    return st.fixed_dictionaries(required, optional=optional)


def field_values(info: FieldInfo, process: Process) -> st.SearchStrategy[Any] | None:
    """Valid values of one field, or None when its type says too little to draw them."""
    marker = next(iter(markers(tuple(info.metadata))), None)
    if marker is not None:  # a top-level LevelId, RoleId or StepId
        return _names(process, marker.kind)
    return _values(info.annotation, process, {type(m).__name__: m for m in info.metadata})


def _values(annotation: Any, process: Process,
            bounds: Mapping[str, Any] | None = None) -> st.SearchStrategy[Any] | None:
    bounds = bounds or {}
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        marker = next((m for m in annotation.__metadata__ if isinstance(m, Names)), None)
        return _names(process, marker.kind) if marker is not None else _values(args[0], process)
    if annotation is bool:
        return st.booleans()
    if origin is Literal:
        return st.sampled_from(args)
    if annotation in (int, float):
        low = getattr(bounds.get("Ge"), "ge", 0)
        high = getattr(bounds.get("Le"), "le", max(low, LARGEST))
        if annotation is int:
            return st.integers(int(low), int(min(high, low + LARGEST)))
        return st.floats(low, min(high, low + LARGEST), allow_nan=False, allow_infinity=False)
    if origin in (typing.Union, types.UnionType):
        parts = [_values(a, process) if a is not type(None) else st.none() for a in args]
        if any(p is None for p in parts):
            return None
        return st.one_of(*typing.cast("list[st.SearchStrategy[Any]]", parts))
    if origin in (tuple, list, set, frozenset) and args:
        item = _values(args[0], process)
        if item is None or (origin is tuple and not (len(args) == 2 and args[1] is Ellipsis)):
            return None
        return st.lists(item, unique=True, max_size=4)
    return None


def _names(process: Process, kind: NameKind) -> st.SearchStrategy[str] | None:
    """The ids of one kind in ``process`` (None when it has none: the field keeps its default)."""
    have = ids(process, kind)
    return st.sampled_from(have) if have else None

__all__ = ["durations", "field_values", "from_fields", "ids", "sometimes"]
