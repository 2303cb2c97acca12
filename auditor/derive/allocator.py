"""The C library's allocator kept from handing memory back to the system while the fields are derived.

The families make and drop many arrays of a million rows and more (codes, masks, positions), one
after the other.  glibc's malloc gives each such block its own mapping from the system and unmaps it
when it is freed (or trims the top of its heap), so the next array of the same size is taken from the
system again, page by page: at 1M court rows about 90,000 page faults and 0.7-0.9 s of system time on
the derive stage's main thread, a third of its CPU.  While ``kept`` is in force large blocks come from
the heap and what is freed stays there for the next array; at its end the allocator's limits are set
back to glibc's defaults (a block of 128 KiB or more mapped of its own, at most 128 KiB kept free at
the top of the heap), and ``derive``'s ``release`` then hands back what is free.  Left at the largest
values glibc's adaptive limits reach (32 MiB and 64 MiB), the later stages peaked 0.05-0.1 GiB higher.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3    # mallopt's parameters (malloc.h)
_HELD_MMAP = _HELD_TRIM = 1 << 30               # (mallopt takes a C int) no block of derive is this large
_AFTER_MMAP = _AFTER_TRIM = 128 << 10          # glibc's defaults (malloc.h)


def _mallopt():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):   # another C library (musl): nothing to set
        return None


@contextmanager
def kept() -> Iterator[None]:
    """Freed memory stays with the allocator for the next array until the block ends."""
    mallopt = _mallopt()
    if mallopt is None:
        yield
        return
    mallopt(_M_MMAP_THRESHOLD, _HELD_MMAP)
    mallopt(_M_TRIM_THRESHOLD, _HELD_TRIM)
    try:
        yield
    finally:
        mallopt(_M_MMAP_THRESHOLD, _AFTER_MMAP)
        mallopt(_M_TRIM_THRESHOLD, _AFTER_TRIM)
