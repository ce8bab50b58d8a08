"""The simplification passes and the one table of them.

Each pass lives in a module named like its function. :data:`BUILTIN_PASSES`
is the table of the built-in ones, in the order a full reform applies them:
the ``all`` preset runs them in this order, the default pipeline runs the rows
marked ``default`` (those that need no options and change no posts), and
``available_passes()``, the command line's ``passes``, the docs index of passes
(:func:`procsimp.passes._docs.index_page`) and the property tests all read it.
A user's pass, registered with :func:`register_pass`, is appended to the same
table. Adding a built-in pass is its module and one line below.
"""

from procsimp.passes import (
    delayer,
    digitize,
    eliminate_duplicates,
    merge_sequential,
    parallelize,
    single_window,
)
from procsimp.passes.base import (
    Change,
    LevelId,
    PassInfo,
    PassOptions,
    RoleId,
    StepId,
    add_row,
    available_passes,
    get_pass,
    pass_row,
    pass_table,
    register_pass,
    unregister_pass,
)
from procsimp.passes.context import PassContext

#: The built-in passes, in order; ``default=True``: in the default pipeline. (Modules, not
#: their functions, are imported here, so ``procsimp.passes.delayer`` stays the module.)
BUILTIN_PASSES: tuple[PassInfo, ...] = (
    pass_row(delayer.delayer, delayer.DelayerOptions, context=True),
    pass_row(eliminate_duplicates.eliminate_duplicates,
             eliminate_duplicates.EliminateDuplicatesOptions, default=True, context=True),
    pass_row(single_window.single_window, single_window.SingleWindowOptions, context=True),
    pass_row(merge_sequential.merge_sequential, merge_sequential.MergeSequentialOptions,
             default=True, context=True),
    pass_row(parallelize.parallelize, parallelize.ParallelizeOptions, default=True,
             context=True),
    pass_row(digitize.digitize, digitize.DigitizeOptions, default=True, context=True),
)

for _row in BUILTIN_PASSES:
    add_row(_row)
del _row

__all__ = [
    "BUILTIN_PASSES",
    "Change",
    "LevelId",
    "PassContext",
    "PassInfo",
    "PassOptions",
    "RoleId",
    "StepId",
    "available_passes",
    "get_pass",
    "pass_table",
    "register_pass",
    "unregister_pass",
]
