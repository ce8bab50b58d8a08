"""Argument checks at the entry points of the public API.

Every public function of procsimp checks its arguments before any work and raises an
:class:`~procsimp.OptionError` naming the function, the argument and what it accepts,
never an ``AttributeError`` or ``TypeError`` from deep inside. :func:`validated` does
the type half from the function's own annotations; the range half (a probability in
[0, 1], a number of cases within the budget) is one of the small ``check_*`` helpers,
called in the function's body.

>>> @validated
... def half(x: float, label: str | None = None) -> float:
...     return check_number(x, "half", "x") / 2
>>> half(3)
1.5
>>> half(3, label=4)
Traceback (most recent call last):
...
procsimp.errors.OptionError: half: label must be text or None, got int 4
"""

from __future__ import annotations

import ast
import collections.abc as cabc
import functools
import inspect
import math
import numbers
import os
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from procsimp.errors import OptionError

P = ParamSpec("P")
R = TypeVar("R")

_SKIP = object()  # an annotation the check cannot resolve: accept anything


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _ok(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint`` (containers: their own kind, and
    the items of a list or tuple)."""
    if hint is Any or hint is _SKIP or isinstance(hint, (TypeVar, str)):
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _ok(value, typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_ok(value, h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is bool:
        return isinstance(value, (bool, __import__("numpy").bool_))
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if origin is not None:
        if origin is os.PathLike:
            return isinstance(value, os.PathLike)
        if origin is type:
            return isinstance(value, type)
        if origin is cabc.Callable:
            return callable(value)
        if origin is cabc.Sequence and type(value).__name__ == "ndarray":
            # an array of axes (what pyplot.subplots returns) is a sequence of them
            args = typing.get_args(hint)
            return not args or all(_ok(v, args[0]) for v in value.ravel()[:10_000])
        if not isinstance(origin, type) or not isinstance(value, origin):
            return False
        args = typing.get_args(hint)
        if isinstance(value, (list, tuple)) and len(args) == 1 and len(value) <= 10_000:
            return all(_ok(v, args[0]) for v in value)
        return True
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


_WORDS = {bool: "True or False", int: "an integer", float: "a number", str: "text",
          bytes: "bytes", type(None): "None", list: "a list", dict: "a mapping",
          tuple: "a tuple"}


def _unwrapped(hint: Any) -> Any:
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    return hint


def describe(hint: Any) -> str:
    """What an annotation accepts, in words: ``str | None`` -> ``'text or None'``."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return describe(typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        parts = [_unwrapped(h) for h in typing.get_args(hint)]
        if len(parts) > 2 and all(h is float or "dist" in getattr(h, "model_fields", ())
                                  for h in parts):  # procsimp.Duration
            return "a duration (a number or a distribution)"
        return " or ".join(dict.fromkeys(describe(h) for h in typing.get_args(hint)))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if hint is None:
        return "None"
    if origin is os.PathLike:
        return "a path"
    if origin in (cabc.Mapping, dict):
        return "a mapping"
    if origin in (cabc.Sequence, list, tuple):
        args = typing.get_args(hint)
        return f"a list of {describe(args[0]).removeprefix('a ')}" if args else "a list"
    if origin in (cabc.Iterable,):
        return "an iterable"
    if origin is cabc.Callable:
        return "a function"
    if origin is type:
        return "a class"
    if hint in _WORDS:
        return _WORDS[hint]
    name = getattr(hint, "__name__", str(hint))
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


class _Names(dict):  # type: ignore[type-arg]
    """A module's names, then the package's public names, each of those looked up (and so
    imported) only when asked for."""

    def __init__(self, module: dict[str, Any], package: types.ModuleType | None) -> None:
        super().__init__(module)
        self.package = package

    def __missing__(self, key: str) -> Any:
        if self.package is not None and key in getattr(self.package, "__all__", ()):
            return getattr(self.package, key)
        raise KeyError(key)


def _type_checking_imports(module: types.ModuleType) -> dict[str, ast.stmt]:
    """The ``import`` statements under the module's ``if TYPE_CHECKING:``, by the name each
    binds (``Axes`` -> ``from matplotlib.axes import Axes``)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return {}
    out: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    for alias in stmt.names:
                        out[(alias.asname or alias.name).split(".")[0]] = stmt
    return out


def _resolve(raw: str, namespace: Mapping[str, Any], module: types.ModuleType | None) -> Any:
    """Evaluate the annotation text ``raw``; a name the module imports only for type checking
    is imported now (a class from an optional package that is missing: ``_SKIP``)."""
    try:
        return eval(raw, {}, namespace)
    except NameError:
        pass
    if module is None:
        return _SKIP
    imports = _type_checking_imports(module)
    extra: dict[str, Any] = {}
    for name in {n.id for n in ast.walk(ast.parse(raw, mode="eval")) if isinstance(n, ast.Name)}:
        if name in imports and name not in namespace:
            try:
                exec(compile(ast.Module([imports[name]], []), "<annotation>", "exec"), extra)
            except ImportError:
                return _SKIP
    try:
        return eval(raw, extra, namespace)
    except Exception:
        return _SKIP


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    """The annotations of ``func``'s parameters, each one it cannot resolve as ``_SKIP``."""
    import sys

    module = inspect.getmodule(func)
    # names the module imports only for type checking (Process, Result, ...) are public:
    # the package gives them on first use (its names load lazily)
    names = _Names(vars(module or types.ModuleType("none")), sys.modules.get("procsimp"))
    out = {}
    for name, raw in getattr(func, "__annotations__", {}).items():
        if name == "return":
            continue
        try:
            out[name] = _resolve(raw, names, module) if isinstance(raw, str) else raw
        except Exception:  # an annotation that is not an expression
            out[name] = _SKIP
    return out


def validated(func: Callable[P, R]) -> Callable[P, R]:
    """Check the arguments of ``func`` against its annotations on every call.

    A mismatch raises :class:`~procsimp.OptionError` ``"<func>: <argument> must be
    <what it accepts>, got <type> <value>"`` before ``func`` runs; so does a float that is
    nan or infinite (no argument of procsimp takes one). ``**options`` and ``*args`` are left
    to ``func``, and so is the range of a number (checked in the body, e.g.
    :func:`check_number`). A class the module imports only for type checking (``Axes``,
    ``pandas.DataFrame``) is imported on the first call; when its package is missing, the
    argument is not checked (no value can be of that class then).
    """
    signature = inspect.signature(func)
    who = func.__qualname__.replace(".<locals>", "")
    if who.split(".")[0][:1].islower() and "." in who:
        who = who.split(".")[-1]
    checked: list[tuple[str, Any]] | None = None

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        nonlocal checked
        if checked is None:  # resolved on the first call: every module is loaded by then
            hints = _hints(func)
            checked = [(name, hints[name]) for name, p in signature.parameters.items()
                       if name in hints and hints[name] is not _SKIP
                       and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise OptionError(f"{who}: {exc}; its arguments are {signature}") from None
        for name, hint in checked:
            if name not in bound.arguments:
                continue
            value = bound.arguments[name]
            if not _ok(value, hint):
                raise OptionError(f"{who}: {name} must be {describe(hint)}, got "
                                  f"{_shown(value)}")
            if isinstance(value, float) and not math.isfinite(value):
                raise OptionError(f"{who}: {name} must be a finite number, got {_shown(value)}")
            if isinstance(value, (str, os.PathLike)) and _admits_path(hint):
                check_path(value, who, name)
        return func(*args, **kwargs)

    return wrapper


def check_number(value: Any, who: str, name: str, *, low: float | None = None,
                 high: float | None = None, low_open: bool = False,
                 high_open: bool = False) -> float:
    """``value`` as a finite float within ``[low, high]`` (ends open when asked), or an
    :class:`~procsimp.OptionError` naming ``who``'s argument ``name`` and the range.

    >>> check_number(0.9, "quantile", "q", low=0, high=1)
    0.9
    >>> check_number(2, "quantile", "q", low=0, high=1)
    Traceback (most recent call last):
    ...
    procsimp.errors.OptionError: quantile: q must be a number in [0, 1], got int 2
    """
    left = "(" if low_open or low is None else "["  # an infinite end is never included
    right = ")" if high_open or high is None else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    wanted = f"a number in {left}{lo}, {hi}{right}"
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        try:
            v = float(value)
        except OverflowError:  # an integer beyond any float
            v = math.inf
        ok = (math.isfinite(v)
              and (low is None or (v > low if low_open else v >= low))
              and (high is None or (v < high if high_open else v <= high)))
    if not ok:
        raise OptionError(f"{who}: {name} must be {wanted}, got {_shown(value)}")
    return v


def check_count(value: Any, who: str, name: str, *, low: int = 0, high: int | None = None,
                why: str = "") -> int:
    """``value`` as an integer within ``[low, high]``, or an :class:`~procsimp.OptionError`
    naming the argument, the range and (``why``) what bounds it.

    >>> check_count(10**9, "compare", "bootstrap", high=100_000,
    ...             why="resamples")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    procsimp.errors.OptionError: compare: bootstrap must be an integer from 0 to 100000 \
(resamples), got int 1000000000
    """
    integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integer or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise OptionError(f"{who}: {name} must be an integer {span}"
                          f"{f' ({why})' if why else ''}, got {_shown(value)}")
    return int(value)


def _admits_path(hint: Any) -> bool:
    """Whether an annotation is (or includes) ``os.PathLike``: the argument names a file."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_admits_path(h) for h in typing.get_args(hint))
    return hint is os.PathLike or typing.get_origin(hint) is os.PathLike


def check_path(path: Any, who: str, name: str = "path") -> str:
    """``path`` as text: a non-empty str or path-like without a NUL byte (which no file
    system takes); :func:`validated` applies it to every argument annotated as a path.

    >>> check_path("a\\x00.yaml", "save")
    Traceback (most recent call last):
    ...
    procsimp.errors.OptionError: save: path must be a file path without NUL bytes, \
got str 'a\\x00.yaml'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise OptionError(f"{who}: {name} must be a file path (text or a pathlib.Path), got "
                          f"{_shown(path)}")
    text = os.fspath(path)
    if not isinstance(text, str) or "\x00" in text:
        raise OptionError(f"{who}: {name} must be a file path without NUL bytes, got "
                          f"{_shown(text)}")
    if not text:
        raise OptionError(f"{who}: {name} must name a file, got an empty path")
    return text


__all__ = ["check_count", "check_number", "check_path", "describe", "validated"]
