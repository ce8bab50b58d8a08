"""The exceptions procsimp raises for bad input.

Every error the library raises on purpose is a :class:`ProcsimpError`, so a
script can catch them all in one place; the subclasses say what went wrong.
``Process.model_validate`` alone raises pydantic's ``ValidationError`` (as
pydantic users expect); :func:`procsimp.load` wraps it in a :class:`ModelError`
that names the file.
"""

from __future__ import annotations


class ProcsimpError(Exception):
    """Base class of every error procsimp raises for bad input."""


class FileFormatError(ProcsimpError):
    """A file cannot be read or written: malformed YAML/JSON, unknown suffix, I/O failure."""


class ModelError(ProcsimpError):
    """A process description is invalid: unknown references, cycles, bad durations, ...

    ``problems`` holds one line per problem, each naming its location
    (``steps[2] 'sign'.role``) and what to do.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems or [])


class OptionError(ProcsimpError):
    """An unknown pass, an unknown option, or an option value that does not fit."""


class PassError(ProcsimpError):
    """A simplification pass failed, or returned something that is not a valid process.

    ``pass_name`` names the pass; ``problems`` holds one line per problem of its
    output (``steps[2] 'sign'.after[0]: ...``), empty when the pass raised.
    """

    def __init__(self, message: str, pass_name: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.pass_name = pass_name
        self.problems: list[str] = list(problems or [])


class SimulationError(ProcsimpError):
    """A process the simulation refuses up front (the message says why and what to change)."""


class MissingDependencyError(ProcsimpError):
    """An optional dependency a feature needs is not installed; the message says what to install."""


class UnrelatedWarning(UserWarning):
    """:func:`procsimp.compare` was given two processes that share no step.

    The figures are still computed, but the cut is then a difference between two
    unrelated services rather than the effect of a reform; the same words are in the
    report's ``notes``.
    """


class PrecisionWarning(UserWarning):
    """A simulated interval may cover less than it claims (too few cases, a heavy tail).

    The same reasons are in the result's ``notes``; see :mod:`procsimp.intervals`.
    """


__all__ = [
    "FileFormatError",
    "MissingDependencyError",
    "ModelError",
    "OptionError",
    "PassError",
    "PrecisionWarning",
    "ProcsimpError",
    "SimulationError",
    "UnrelatedWarning",
]
