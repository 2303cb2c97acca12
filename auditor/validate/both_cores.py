"""Every input file read and checked on two threads, both kept busy to the end.

Arrow's CSV parser, calamine, hashlib and most of Arrow's kernels let go of the GIL, so a big court
export and a big PACER list load side by side.  The biggest files go first (the PACER list comes last in
the given order, and alone at the end it would keep one core idle).  A big table is checked on its
thread as soon as it is read; tables under ``joined_rows`` rows are checked together
(``validate_tables``), as soon as every file is read, on whichever thread is free: beside the check of
a big table rather than after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from auditor.errors import InputError
from auditor.load.table import RawTable
from auditor.model import InputTable
from auditor.validate.table import validate_table, validate_tables


def read_and_check(todo: list[tuple[str, Path]], read: Callable[[int, str, Path], RawTable], *,
                   joined_rows: int, court: str | None, firm: str | None,
                   known_courts: Mapping[str, str] | None) -> list[InputTable | InputError]:
    """For each (kind, path) of ``todo``, in that order: its checked table, or why the file is refused.
    ``read(number, kind, path)`` reads one file (``number`` counting from 1 in ``todo``'s order)."""
    small: dict[int, RawTable] = {}   # tables checked together once every file is read
    unread = [len(todo)]
    lock, all_read = threading.Lock(), threading.Event()

    def one(i: int, kind: str, path: Path) -> InputTable | InputError | None:
        raw: RawTable | InputError | None = None
        try:
            raw = read(i, kind, path)
        except InputError as exc:
            raw = exc
        finally:   # every file counted as read whatever happens, so that the wait for them all ends
            with lock:
                if isinstance(raw, RawTable) and len(raw.frame) < joined_rows:
                    small[i], raw = raw, None
                unread[0] -= 1
                if not unread[0]:
                    all_read.set()
        if not isinstance(raw, RawTable):
            return raw
        try:
            return validate_table(raw, court=court, firm=firm, known_courts=known_courts)
        except InputError as exc:
            return exc

    numbered = sorted(enumerate(todo, 1), key=lambda item: -_size(item[1][1]))
    with ThreadPoolExecutor(2) as pool:
        tasks = [(i, pool.submit(one, i, kind, path)) for i, (kind, path) in numbered]
        if todo:
            all_read.wait()
        order = [i for i, _ in numbered if i in small]   # biggest first, as the files were read
        together = pool.submit(validate_tables, [small[i] for i in order], court=court, firm=firm,
                               known_courts=known_courts)
        done = {i: got for i, task in tasks if (got := task.result()) is not None}
        done.update(zip(order, together.result()))
    return [done[i] for i in range(1, len(todo) + 1)]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:   # said by the file's own reading
        return 0
