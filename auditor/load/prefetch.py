"""The bytes and checksums of a run's CSV files read ahead, on one thread, while the program is still
loading what reading needs (pandas, pyarrow and the rest take most of a second on one core).

Reading a big file and working out its checksum let go of the GIL, so they take the other core, which
is idle then; the reader (``load.table.read_table``) then finds both ready.  Only what a reader would
take whole is read ahead: CSV files (by their name) within the file size limit, biggest first.  A file
changed since it was read ahead (another size, time or inode) is read again by its reader, and a file
the thread has not begun when its reader comes is read by that reader, as without this module.

Nothing here imports more than the standard library: the command line starts it before pandas.

>>> with reading_ahead(["ncmb.csv"], max_bytes=512 << 20):
...     got = taken("ncmb.csv")   # (bytes, sha256) or None
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")   # the CSV family of load.detect
_CHUNK = 16 << 20   # bytes read and hashed at a time: a stop is heard within one chunk


@dataclass
class _File:
    path: str
    size: int
    state: str = "queued"   # queued -> reading -> done (or gone), or queued -> left (its reader reads it)
    data: bytearray | None = None
    sha256: str = ""
    seen: tuple = ()        # (size, modification time, inode, device) of the file as read
    done: threading.Event = field(default_factory=threading.Event)


class _Ahead:
    def __init__(self, files: list[_File]):
        self.files = {f.path: f for f in files}
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, args=(files,), name="read-ahead")
        self.thread.start()

    def _run(self, files: list[_File]) -> None:
        for f in files:
            with self.lock:
                if self.stopping:
                    break
                if f.state != "queued":
                    continue
                f.state = "reading"
            try:
                self._read(f)
            except (OSError, ValueError, MemoryError):   # its reader reads it and says what is wrong
                f.data = None
            finally:
                f.state = "done" if f.data is not None else "gone"
                f.done.set()

    def _read(self, f: _File) -> None:
        with open(f.path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = bytearray(st.st_size)
            view, digest, at = memoryview(data), hashlib.sha256(), 0
            with view:
                while at < st.st_size:
                    if self.stopping:
                        return
                    n = fh.readinto(view[at:at + _CHUNK])
                    if not n:
                        return   # shorter than it was a moment ago: its reader reads it as it is now
                    digest.update(view[at:at + n])
                    at += n
            f.data, f.sha256, f.seen = data, digest.hexdigest(), _seen(st)

    def take(self, path: str) -> tuple[bytearray, str] | None:
        f = self.files.get(path)
        if f is None:
            return None
        with self.lock:
            if f.state == "queued":
                f.state = "left"
                return None
        f.done.wait()
        data, f.data = f.data, None   # taken once: the reader owns it
        if data is None:
            return None
        try:
            now = _seen(os.stat(path))
        except OSError:
            return None
        return (data, f.sha256) if now == f.seen else None

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
        self.thread.join()
        for f in self.files.values():
            f.data = None


def _key(path) -> str:
    return os.fspath(Path(path))   # as the readers name it (load_inputs makes a Path of each)


def _seen(st: os.stat_result) -> tuple:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


_ahead: _Ahead | None = None


@contextlib.contextmanager
def reading_ahead(paths: Iterable[str], *, max_bytes: int) -> Iterator[None]:
    """Read the CSV files among ``paths`` (as ``load.detect.input_files`` gives them) ahead while the
    block runs; what no reader took is let go at its end, and the thread is stopped (within one chunk)
    and waited for, so no thread outlives the block."""
    global _ahead
    files = []
    for p in dict.fromkeys(map(_key, paths)):
        if not p.lower().endswith(CSV_SUFFIXES):
            continue
        try:
            size = os.stat(p).st_size
        except OSError:
            continue
        if 0 < size <= max_bytes:
            files.append(_File(p, size))
    if _ahead is not None or not files:   # one run at a time reads ahead
        yield
        return
    files.sort(key=lambda f: -f.size)
    _ahead = ahead = _Ahead(files)
    try:
        yield
    finally:
        _ahead = None
        ahead.stop()


def taken(path: str) -> tuple[bytearray, str] | None:
    """The bytes and sha256 of ``path`` read ahead (waiting while they are being read), or None: not
    read ahead (its caller reads it itself), or changed since."""
    ahead = _ahead
    return ahead.take(_key(path)) if ahead is not None else None
