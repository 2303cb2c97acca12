"""Work running on threads of its own beside the main one (the run history's rows, written while the
report is): waited for before the process forks workers, since a forked child has no thread but the
one that forked, and a lock another thread held at that moment would stay held in the child."""

from __future__ import annotations

import threading
import weakref

_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def start(thread: threading.Thread) -> None:
    """Start ``thread`` and keep it known until it ends."""
    _THREADS.add(thread)
    thread.start()


def settle() -> None:
    """Wait for every thread started here to end (call before forking)."""
    for thread in list(_THREADS):
        thread.join()
