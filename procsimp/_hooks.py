"""The display hooks of the model: conversions it offers but other parts perform.

``"svg"`` (the notebook picture of a process, drawn by :mod:`procsimp.plot`) and
``"frame"`` (its step table, by :mod:`procsimp.io.tables`), and ``"queues"``
(``simulate(..., queues=True)``, run by :mod:`procsimp.queues`, which imports the
simulation and so cannot be imported by it). ``procsimp/__init__.py`` fills this
table when the package is imported (before any submodule runs), so
:class:`~procsimp.Process` can offer them while the model imports neither plotting
nor io. These are the package's only hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HOOKS: dict[str, Callable[..., Any]] = {}

__all__ = ["HOOKS"]
