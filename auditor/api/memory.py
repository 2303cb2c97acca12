"""Which allocator Arrow's buffers come from (``lean_pool``), and the memory a finished stage freed,
given back to the system before the next stage takes more (``give_back``).

Where Arrow's allocator is jemalloc (``lean_pool``), it and the C library's (numpy's arrays, Python's
larger objects) each keep memory freed to them for later use, but neither can use what the other
keeps: the arrays the derive stage frees are of no use to the Arrow buffers the report is written
from, so without this the run's peak is the sum of both.  Measured on the 1,000,000-row sample: the report's stage
peaked about 0.2 GB lower.
"""

from __future__ import annotations

import ctypes
import os
import sys


def lean_pool() -> None:
    """Arrow's buffers, for the rest of the process, from jemalloc rather than its default (mimalloc);
    from the C library's allocator instead where the process's address space is capped
    (``RLIMIT_AS``: the upload page's workers, a ``ulimit -v``) or this pyarrow has no jemalloc.
    Unless the user chose (``ARROW_DEFAULT_MEMORY_POOL``).  Buffers allocated before keep the
    allocator that gave them.

    mimalloc gives the pages of freed buffers back to the system early and takes them again page by
    page for the next buffers: on the 1,000,000-row sample, alternated whole audits (8 of each) spent
    3.3-4.5 s of system time against 2.8-3.6 s with jemalloc and 2.2-3.1 s with the C library's,
    and peaked at 1.32-1.37 GiB against 1.19-1.20 and 1.24-1.27 GiB; median wall times 8.3, 8.1
    and 8.1 s.  jemalloc reserves more address space, though: the same audit's peak address space
    was 4.4 GiB against 3.2 (mimalloc) and 2.9 GiB (the C library's), and under a 4 GiB cap it ran
    out of memory where the others finished."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    want = "system" if _address_space_capped() else "jemalloc"
    if pa.default_memory_pool().backend_name == want:
        return
    pool = pa.system_memory_pool()
    if want == "jemalloc":
        try:
            pool = pa.jemalloc_memory_pool()
        except NotImplementedError:   # a pyarrow built without it (Windows)
            pass
    pa.set_memory_pool(pool)


def _address_space_capped() -> bool:
    try:
        import resource
    except ImportError:   # (Windows)
        return False
    return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def give_back() -> None:
    """Return the memory both allocators hold unused (where the C library can: glibc's malloc_trim)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):   # another C library (musl): nothing to trim
            pass
