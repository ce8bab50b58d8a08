"""What every simplification pass shares: :class:`Change`, options, the pass table.

A pass is a pure function ``(Process, options) -> (Process, list[Change])``
registered under its name with :func:`register_pass`, together with a
pydantic model of its options (``extra="forbid"``, so a misspelt option is an
error, not a silent no-op). Every pass is a row (:class:`PassInfo`) of one
ordered table: the built-in rows come first, declared in
:data:`procsimp.passes.BUILTIN_PASSES`; :func:`register_pass` appends a
user's row, so a user's pass is a first-class citizen:

>>> import procsimp as ps
>>> class ScaleOptions(ps.PassOptions):
...     factor: float = 0.5
>>> @ps.register_pass("halve_signatures", options=ScaleOptions)
... def halve_signatures(process, options):
...     '''Halve the duration of every signature step.'''
...     return process, []
>>> "halve_signatures" in ps.available_passes()
True
>>> ps.unregister_pass("halve_signatures")

An option that names a level, role or step of the process says so in its type
(:data:`LevelId`, :data:`RoleId`, :data:`StepId`, alone or in a tuple, list or
``| None``); the runner checks every such name against the process the pass
receives before the pass runs, and raises :class:`~procsimp.OptionError`
listing what the process has, with the closest match:

>>> class SignOptions(ps.PassOptions):
...     signers: tuple[LevelId, ...] = ()
>>> named_fields(SignOptions)
{'signers': 'level'}
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from procsimp._checks import validated
from procsimp.errors import OptionError
from procsimp.passes._names import (
    LevelId,
    NameKind,
    RoleId,
    StepId,
    ids_of,
    keys_named,
    named_fields,
)

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from procsimp.model import Process

ChangeKind = Literal["removed", "merged", "reassigned", "retimed", "reordered", "edge_dropped",
                     "skipped"]


class Change(BaseModel):
    """One thing a pass did (or deliberately did not do), in words a head of agency reads.

    ``steps`` lists the ids of the steps it covers (for ``merged``: every step
    merged, the first being the id the merged step keeps); ``edges`` the
    precedence edges ``(from, to)`` it dropped or added; ``before``/``after``
    the values it changed (roles, mean durations, delays, predecessor lists).
    ``skipped`` records a change a pass would have made but did not, and why
    (a locked step, a choice it would break).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    pass_name: str
    """The pass that made the change."""
    kind: ChangeKind
    """``removed | merged | reassigned | retimed | reordered | edge_dropped | skipped``."""
    steps: tuple[str, ...]
    """Ids of the steps concerned."""
    reason: str
    """One sentence saying what changed and why."""
    edges: tuple[tuple[str, str], ...] = ()
    """Precedence edges ``(from, to)`` dropped (``edge_dropped``, ``reordered``)."""
    added_edges: tuple[tuple[str, str], ...] = ()
    """Precedence edges ``(from, to)`` added (``reordered``, ``removed``: the bypass)."""
    before: Any = None
    """The value before (a role, a mean duration, ...), as plain data."""
    after: Any = None
    """The value after, as plain data."""

    def __str__(self) -> str:
        return f"[{self.pass_name}] {self.kind}: {self.reason}"


def amount(value: float) -> str:
    """A mean duration or delay as a reason writes it: six significant digits, never in
    exponent notation; a value below 0.001 (but not 0) is ``<0.001`` (the Change's
    ``before``/``after`` keep the exact figure).

    >>> amount(0.25), amount(3.0), amount(1234567.0), amount(5e-324), amount(0.0)
    ('0.25', '3', '1,234,567', '<0.001', '0')
    """
    if value != 0 and abs(value) < 1e-3:
        return "<0.001" if value > 0 else ">-0.001"
    text = f"{value:g}"
    return f"{value:,.0f}" if "e" in text else text  # "inf" stays "inf"


def _strings(value: Any, keys: bool = True) -> Iterable[str]:
    """The strings of an option value (itself, or the items of a tuple, list or set; of a
    mapping, its values and, with ``keys``, its keys)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if keys:
                yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            yield from _strings(item)


#: Names listed in an error message at most (a process can have 100,000 steps).
LISTED = 12


def _listing(ids: list[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f", ... ({len(ids)} in all)" if len(ids) > LISTED else "") or "(none)"


def _did_you_mean(value: str, ids: list[str]) -> str:
    """`` (did you mean 'x'?)`` with the id closest to ``value``, or nothing."""
    close = difflib.get_close_matches(value, ids, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class PassOptions(BaseModel):
    """Base of every pass's options: frozen, unknown options refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    @validated
    def strategy(cls, process: Process) -> SearchStrategy[dict[str, Any]]:
        """A hypothesis strategy of valid options for this pass on ``process``, as a mapping.

        The property tests run every pass of the table with options drawn from it.
        The default draws each field from its type (booleans, ``Literal`` values,
        numbers within the field's bounds, ids of ``process`` for :data:`LevelId`,
        :data:`RoleId` and :data:`StepId`, tuples and ``| None`` of these) or leaves
        it out, so it takes its default; a field of another type keeps its default.
        Override it when the fields constrain each other (a validator that refuses
        some combinations) or need values of their own. Needs ``hypothesis``.
        """
        from procsimp.passes._strategies import from_fields

        return from_fields(cls, process)


class NoOptions(PassOptions):
    """A pass without options."""


#: ``function(process, options) -> (process, changes)``; with ``context=True`` the first
#: argument is a :class:`~procsimp.passes.context.PassContext` instead of the process.
PassFunction = Callable[[Any, Any], "tuple[Process, list[Change]]"]


@dataclass(frozen=True)
class PassInfo:
    """A row of the pass table: name, function, options model, default, one-line summary."""

    name: str
    function: PassFunction
    options: type[PassOptions]
    summary: str
    names: Mapping[str, NameKind] = field(default_factory=dict)
    """Option fields that name levels, roles or steps (see :func:`named_fields`)."""
    default: bool = False
    """Runs in the default pipeline (``simplify(process)`` with no passes named)."""
    context: bool = False
    """The function takes a :class:`~procsimp.passes.context.PassContext`, not the process."""

    def check_names(self, process: Process, options: PassOptions) -> None:
        """:class:`OptionError` when an option names a level, role or step ``process`` lacks.

        Every unknown name is listed, each with the closest id the process has and
        the ids it has.
        """
        if not self.names:
            return
        have: dict[str, list[str]] = {}
        problems = []
        for option, kind in self.names.items():
            if kind not in have:
                have[kind] = ids_of(process, kind)
            known = set(have[kind])
            keys = keys_named(self.options.model_fields[option].annotation)
            for value in dict.fromkeys(_strings(getattr(options, option, None), keys)):
                if value in known:
                    continue
                problems.append(f"option {option!r} names {kind} {value!r}, which process "
                                f"{process.name!r} does not have"
                                f"{_did_you_mean(value, have[kind])}; its {kind}s are "
                                f"{_listing(have[kind])}")
        if problems:
            raise OptionError(f"pass {self.name!r}: {'; '.join(problems)}")

    def parse_options(self, given: PassOptions | dict[str, Any] | None) -> PassOptions:
        """Validate user options for this pass; :class:`OptionError` names what is wrong."""
        if isinstance(given, self.options):
            return given
        if given is None:
            given = {}
        if isinstance(given, PassOptions):
            given = given.model_dump()
        if not isinstance(given, dict):
            raise OptionError(f"options of pass {self.name!r} must be a mapping, got "
                              f"{type(given).__name__}")
        try:
            return self.options.model_validate(given)
        except RecursionError:
            raise OptionError(f"pass {self.name!r}: the options are nested too deeply to "
                              f"read; give plain values") from None
        except ValidationError as exc:
            valid = ", ".join(self.options.model_fields) or "(none)"
            lines = []
            for err in exc.errors(include_url=False):
                where = ".".join(str(p) for p in err["loc"]) or "(options)"
                if err["type"] == "extra_forbidden":
                    lines.append(f"option {where!r} is not known")
                else:
                    lines.append(f"option {where!r}: {err['msg']}")
            raise OptionError(f"pass {self.name!r}: {'; '.join(lines)}; valid options: "
                              f"{valid}") from None
        except Exception as exc:  # a validator of a user's options model that raised
            raise OptionError(f"pass {self.name!r}: its options model rejected {given!r} with "
                              f"{type(exc).__name__}: {exc}") from exc


def pass_row(function: PassFunction, options: type[PassOptions] = NoOptions, *,
             name: str | None = None, default: bool = False, context: bool = False) -> PassInfo:
    """One row of the pass table: named like ``function`` unless ``name`` is given, its
    summary the first line of the function's docstring."""
    name = function.__name__ if name is None else name
    names = _checked(name, options)
    doc = (function.__doc__ or "").strip().splitlines()
    return PassInfo(name, function, options, doc[0] if doc else name, names,
                    default=default, context=context)


def _checked(name: object, options: object) -> dict[str, NameKind]:
    """The named fields of a row's options; :class:`OptionError` for a bad name or model."""
    if not isinstance(name, str) or not name.isidentifier():
        raise OptionError(f"a pass name must be an identifier, got {name!r}")
    if not (isinstance(options, type) and issubclass(options, PassOptions)):
        raise OptionError(f"options of pass {name!r} must be a PassOptions subclass")
    return named_fields(options)


#: The pass table: every registered pass by name, in order (the built-in rows first).
_REGISTRY: dict[str, PassInfo] = {}


def add_row(row: PassInfo, *, replace: bool = False) -> None:
    """Append ``row`` to the pass table (in place of a row of that name with ``replace``)."""
    if row.name in _REGISTRY and not replace:
        raise OptionError(f"a pass named {row.name!r} is already registered; pass "
                          f"replace=True to override it")
    _REGISTRY[row.name] = row


@validated
def register_pass(name: str, *, options: type[PassOptions] = NoOptions, replace: bool = False,
                  context: bool = False) -> Callable[[PassFunction], PassFunction]:
    """Decorator registering ``function(process, options) -> (process, changes)`` as a pass.

    The function must be pure (never mutate its input), record every step it
    removes, merges, reassigns or re-times in a :class:`Change`, never increase
    the lead time, and be idempotent. ``options`` is a :class:`PassOptions`
    subclass describing its options. With ``context=True`` the function receives
    a :class:`~procsimp.passes.context.PassContext` (the process, its analysis, a
    draft to edit and the facts passes share) instead of the process. The pass
    becomes the last row of the pass table; it does not run by default.
    """
    _checked(name, options)  # refused at once, before a function is decorated

    def decorate(function: PassFunction) -> PassFunction:
        add_row(pass_row(function, options, name=name, context=context), replace=replace)
        return function

    return decorate


@validated
def unregister_pass(name: str) -> None:
    """Remove a registered pass (mainly for tests and notebooks)."""
    _REGISTRY.pop(name, None)


def get_pass(name: str) -> PassInfo:
    """The registered pass of this name; :class:`OptionError` lists the valid names."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise OptionError(f"unknown pass {name!r}; available passes: "
                          f"{', '.join(_REGISTRY)}") from None


def pass_table() -> tuple[PassInfo, ...]:
    """Every row of the pass table, in order: the built-in passes, then the registered ones."""
    return tuple(_REGISTRY.values())


def available_passes() -> dict[str, str]:
    """Registered pass names with their one-line summaries, in the table's order."""
    return {name: info.summary for name, info in _REGISTRY.items()}


__all__ = [
    "Change",
    "ChangeKind",
    "LevelId",
    "NoOptions",
    "PassFunction",
    "PassInfo",
    "PassOptions",
    "RoleId",
    "StepId",
    "add_row",
    "amount",
    "available_passes",
    "get_pass",
    "ids_of",
    "named_fields",
    "pass_row",
    "pass_table",
    "register_pass",
    "unregister_pass",
]
