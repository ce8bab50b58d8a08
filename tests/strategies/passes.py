"""Pass options and pipelines for the property tests, read off the pass table.

Each options model draws its own options (``PassOptions.strategy``); nothing
here names a pass, so a pass added to the table is covered the day it is added.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import procsimp as ps
from procsimp.passes import BUILTIN_PASSES
from procsimp.passes.base import get_pass

#: The built-in passes, in table order.
BUILTIN: tuple[str, ...] = tuple(row.name for row in BUILTIN_PASSES)


def pass_options(name: str, process: ps.Process) -> st.SearchStrategy[dict[str, Any]]:
    """Valid options for the registered pass ``name`` on ``process`` (its model's strategy)."""
    return get_pass(name).options.strategy(process)


def pipelines(names: list[str] | tuple[str, ...], max_size: int = 4
              ) -> st.SearchStrategy[list[str]]:
    """Random pipelines of registered passes (repeats allowed)."""
    return st.lists(st.sampled_from(names), min_size=1, max_size=max_size)
