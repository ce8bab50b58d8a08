"""Bulk building without the cyclic garbage collector rescanning what is being built.

Validating or rewriting a 100,000-step process makes about a million small objects
(models, their ``__dict__`` and field sets, tuples of edges). CPython's collector
runs a full collection each time the long-lived objects grow by a quarter, so while
such a process is being built it scans the growing heap again and again: on a
100,000-step file, six full collections took 3.3 s of a 5 s validation. None of
these objects forms a reference cycle (frozen models, tuples, dicts and strings are
freed by reference counting), so those scans find nothing.

:func:`bulk` pauses the automatic collector for one bounded piece of work that
builds such a structure and, on leaving it, places what was made during the pause
straight in the oldest generation (``gc.freeze()`` then ``gc.unfreeze()``, two
constant-time list moves) instead of leaving a young generation of a million objects
for the next collection to scan. Nothing is switched off beyond the block: the
collector runs as before once it ends, and a later full collection still examines
every object. The pause is skipped when the work is small (``size`` below
:data:`BULK_MIN`), when the collector is already disabled (the caller's choice is
kept), and the freeze step is skipped when the program itself froze objects (so its
frozen set is never unfrozen by procsimp).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Smallest piece of work (steps, roughly) for which :func:`bulk` pauses the collector.
BULK_MIN = 2_000

_lock = threading.Lock()
_depth = 0


@contextmanager
def bulk(size: int) -> Iterator[None]:
    """Pause the automatic cyclic collector while building ``size`` (steps) of objects.

    Nested blocks pause once; the outermost one restores the collector.
    """
    global _depth
    if size < BULK_MIN:
        yield
        return
    with _lock:
        outer = _depth == 0
        paused = outer and gc.isenabled()
        if paused:
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if paused:
                if gc.get_freeze_count() == 0:
                    # move every generation into the oldest, without a scan
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
