"""The simplification passes, registered by name (the one table is in :mod:`.base`).

Each pass lives in a module named like its function; importing this package
registers them all.
"""

from procsimp.passes import (  # noqa: F401 - importing a pass module registers it
    delayer,
    digitize,
    eliminate_duplicates,
    merge_sequential,
    parallelize,
    single_window,
)
from procsimp.passes.base import (
    Change,
    PassInfo,
    PassOptions,
    available_passes,
    get_pass,
    register_pass,
    unregister_pass,
)

__all__ = [
    "Change",
    "PassInfo",
    "PassOptions",
    "available_passes",
    "get_pass",
    "register_pass",
    "unregister_pass",
]
