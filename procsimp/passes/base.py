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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

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

    def decorate(function: PassFunction) -> PassFunction:
        if name in _REGISTRY and not replace:
            raise OptionError(f"a pass named {name!r} is already registered; pass "
                              f"replace=True to override it")
        doc = (function.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = PassInfo(name, function, options, doc[0] if doc else name)
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
