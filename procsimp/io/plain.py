"""A process as plain data and back: what every format reads into and writes from.

:func:`from_data` validates parsed data (a mapping such as YAML or JSON give)
as a :class:`~procsimp.Process`, wrapping every problem in one
:class:`~procsimp.ModelError` that names the source; :func:`to_data` is the
inverse, with defaults left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from procsimp.errors import FileFormatError, ModelError
from procsimp.model import Process
from procsimp.validation import format_errors

__all__ = ["MAX_LISTED", "from_data", "to_data"]

#: Problems a ModelError's message lists (all of them are in its ``problems``).
MAX_LISTED = 50


def from_data(data: Any, *, source: str = "<data>") -> Process:
    """Validate parsed data as a process, wrapping problems in a :class:`ModelError`."""
    if not isinstance(data, dict):
        raise FileFormatError(f"{source}: expected a mapping with keys such as name, levels, "
                              f"roles and steps, got {type(data).__name__}")
    try:
        return Process.model_validate(data)
    except ValidationError as exc:
        problems = format_errors(exc)
        noun = "problem" if len(problems) == 1 else "problems"
        listing = "\n".join(f"  - {line}" for line in problems[:MAX_LISTED])
        if len(problems) > MAX_LISTED:
            listing += (f"\n  ... and {len(problems) - MAX_LISTED} more (all are in the "
                        f"error's .problems)")
        raise ModelError(f"{source}: {len(problems)} {noun} in the process description:\n"
                         f"{listing}", problems) from None
    except RecursionError:
        raise FileFormatError(f"{source}: nesting too deep to be a process description") from None



def to_data(process: Process) -> dict[str, Any]:
    """The process as plain data (what a file holds): defaults left out."""
    return process.model_dump(mode="json", exclude_defaults=True)
