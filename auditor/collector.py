"""The cyclic garbage collector's full passes, kept off a run's long-lived objects.

An audit keeps its modules, frames and arrays alive from start to end, and they are freed by their
reference counts when the run lets them go.  A full pass of the collector walks every one of them with
every thread stopped and finds nothing to free: in the 1M-row audit two or three such passes cost
0.07-0.19 s each on the critical path.  Inside :func:`older_left_out` the full passes leave out every
object alive when the outermost block began, and those alive at each :func:`leave_out_now`; objects
made since are collected as always.  When the outermost block ends every object is the collector's
again (a server or a test process that audits many times frees the cycles a run left).

>>> @older_left_out()
... def run(): ...
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0


@contextmanager
def older_left_out() -> Iterator[None]:
    """Within the block (nested blocks, and blocks on other threads, share the outermost one), full
    passes leave out the objects alive at its start."""
    global _depth
    with _lock:
        _depth += 1
        gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()


def leave_out_now() -> None:
    """Inside a block: the objects alive now are left out of full passes too (outside one: nothing)."""
    with _lock:
        if _depth:
            gc.freeze()
