"""Worker processes started from a fork server where the system has one, else fresh ("spawn").

Never a plain fork of a process that may hold a thread's lock.  A process has one fork server: the
modules it preloads are those named by whichever caller started it first; a worker forked from a server
started by another caller imports what it needs itself, as a spawned worker does.
"""

from __future__ import annotations

import multiprocessing


def worker_context(preload: list[str]):
    """A multiprocessing context whose workers start with ``preload`` imported (forked from a server that
    imported them once), or "spawn" where there is no fork server (Windows)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(preload)
        return ctx
    return multiprocessing.get_context("spawn")
