"""Worker processes started from a fork server where the system has one, else fresh ("spawn"); and
giving the C library's free memory back to the system.

Never a plain fork of a process that may hold a thread's lock.  A process has one fork server: the
modules it preloads are those named by whichever caller started it first; a worker forked from a server
started by another caller imports what it needs itself, as a spawned worker does.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import sys


def worker_context(preload: list[str]):
    """A multiprocessing context whose workers start with ``preload`` imported (forked from a server that
    imported them once), or "spawn" where there is no fork server (Windows)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(preload)
        return ctx
    return multiprocessing.get_context("spawn")


def trim_c_heap() -> None:
    """Give the memory the C library holds unused (numpy's arrays, Python's larger objects) back to the
    system: glibc's ``malloc_trim``.  Nothing where the C library has none (musl, Windows, macOS)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):   # another C library (musl): nothing to trim
            pass
