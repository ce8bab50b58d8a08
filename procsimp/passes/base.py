"""What every simplification pass shares: :class:`Change`, options, the registry.

A pass is a pure function ``(Process, options) -> (Process, list[Change])``
registered under its name with :func:`register_pass`, together with a
pydantic model of its options (``extra="forbid"``, so a misspelt option is an
error, not a silent no-op). The built-in passes register themselves the same
way, so a user's pass is a first-class citizen:

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
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from procsimp.errors import OptionError

if TYPE_CHECKING:
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


def _markers(annotation: Any) -> Iterable[Names]:
    """Every :class:`Names` marker inside a type (``tuple[LevelId, ...] | None``, ...)."""
    if isinstance(annotation, Names):
        yield annotation
        return
    if typing.get_origin(annotation) is Annotated:
        yield from (m for m in annotation.__metadata__ if isinstance(m, Names))
    for arg in typing.get_args(annotation):
        if arg is not Ellipsis:
            yield from _markers(arg)


def named_fields(options: type[BaseModel]) -> dict[str, NameKind]:
    """The option fields that name levels, roles or steps, with what they name."""
    out: dict[str, NameKind] = {}
    for name, info in options.model_fields.items():
        kinds = {m.kind for m in (*_markers(info.annotation), *_markers(tuple(info.metadata)))}
        if len(kinds) > 1:
            raise OptionError(f"option {name!r} of {options.__name__} names both "
                              f"{' and '.join(sorted(kinds))}s; give each kind its own option")
        if kinds:
            out[name] = kinds.pop()
    return out


def _strings(value: Any) -> Iterable[str]:
    """The strings of an option value (itself, or the items of a tuple, list or set)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
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


class PassOptions(BaseModel):
    """Base of every pass's options: frozen, unknown options refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoOptions(PassOptions):
    """A pass without options."""


PassFunction = Callable[["Process", Any], "tuple[Process, list[Change]]"]


@dataclass(frozen=True)
class PassInfo:
    """A registered pass: its name, function, options model and one-line summary."""

    name: str
    function: PassFunction
    options: type[PassOptions]
    summary: str
    names: Mapping[str, NameKind] = field(default_factory=dict)
    """Option fields that name levels, roles or steps (see :func:`named_fields`)."""

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
                items = {"level": process.levels, "role": process.roles,
                         "step": process.steps}[kind]
                have[kind] = [x.id for x in items]
            known = set(have[kind])
            for value in dict.fromkeys(_strings(getattr(options, option, None))):
                if value in known:
                    continue
                close = difflib.get_close_matches(value, have[kind], n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"option {option!r} names {kind} {value!r}, which process "
                                f"{process.name!r} does not have{hint}; its {kind}s are "
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


_REGISTRY: dict[str, PassInfo] = {}


def register_pass(name: str, *, options: type[PassOptions] = NoOptions,
                  replace: bool = False) -> Callable[[PassFunction], PassFunction]:
    """Decorator registering ``function(process, options) -> (process, changes)`` as a pass.

    The function must be pure (never mutate its input), record every step it
    removes, merges, reassigns or re-times in a :class:`Change`, never increase
    the lead time, and be idempotent. ``options`` is a :class:`PassOptions`
    subclass describing its options.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise OptionError(f"a pass name must be an identifier, got {name!r}")
    if not (isinstance(options, type) and issubclass(options, PassOptions)):
        raise OptionError(f"options of pass {name!r} must be a PassOptions subclass")
    names = named_fields(options)

    def decorate(function: PassFunction) -> PassFunction:
        if name in _REGISTRY and not replace:
            raise OptionError(f"a pass named {name!r} is already registered; pass "
                              f"replace=True to override it")
        doc = (function.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = PassInfo(name, function, options, doc[0] if doc else name, names)
        return function

    return decorate


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


def available_passes() -> dict[str, str]:
    """Registered pass names with their one-line summaries."""
    return {name: info.summary for name, info in _REGISTRY.items()}
