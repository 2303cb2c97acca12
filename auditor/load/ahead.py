"""Big CSV files parsed ahead, on two threads, while the command line goes on loading the audit's code
and checking its outputs, history and rules (a third of a second and more on one core).

The command line starts this as soon as what reading needs (pandas, pyarrow, this package) is
imported, so that no import runs on these threads while the main thread imports the rest (the few
modules a reader would load on first use are imported with this one).  Only CSV files from
``BIG_BYTES`` on are parsed ahead: Arrow parses them without the GIL, while a small file's parse or
a workbook's (calamine builds Python objects) is mostly Python, which would hold back the imports
beside it.  Each file is parsed (``table.read_table``) with the kind, limits and header map the
audit will read it with; ``parsed`` hands a reader the table, or the file's ``InputError``, once,
and the reader reads a file itself when no thread has begun it yet or when it asks with other
settings.  The biggest files go first, as ``validate.both_cores`` reads them.

>>> with parsing_ahead([("court_accounts", "ncmb.csv")], limits=Limits(), header_map=None):
...     raw = parsed("ncmb.csv", "court_accounts", Limits(), None)   # RawTable, or None: read it yourself
"""

from __future__ import annotations

import contextlib
import encodings.cp437  # noqa: F401 - zip member names; imported here, not on a parsing thread
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyarrow.pandas_compat   # what a table's first frame loads: imported here, not on a parsing thread
import pyarrow.vendored.version  # noqa: F401 - (and what that loads on first use)

from auditor.errors import InputError
from auditor.load.limits import Limits
from auditor.load.prefetch import CSV_SUFFIXES
from auditor.load.table import RawTable, read_table

THREADS = 2
BIG_BYTES = 8 << 20   # CSV files parsed ahead from this size on


class _Job:
    def __init__(self, path: str, kind: str, size: int):
        self.path, self.kind, self.size = path, kind, size
        self.state = "queued"   # queued -> parsing -> done -> taken, or queued -> left (its reader reads it)
        self.result: RawTable | BaseException | None = None
        self.done = threading.Event()


class _Ahead:
    def __init__(self, jobs: list[_Job], limits: Limits, header_map: dict | None):
        self.jobs = {(j.path, j.kind): j for j in jobs}
        self.queue = sorted(self.jobs.values(), key=lambda j: -j.size)
        self.limits, self.header_map = limits, header_map
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = [threading.Thread(target=self._run, name=f"parse-ahead-{i}") for i in range(THREADS)]
        for t in self.threads:
            t.start()

    def _next(self) -> _Job | None:
        with self.lock:
            while self.queue and not self.stopping:
                job = self.queue.pop(0)
                if job.state == "queued":
                    job.state = "parsing"
                    return job
        return None

    def _run(self) -> None:
        while (job := self._next()) is not None:
            try:
                job.result = read_table(job.path, job.kind, limits=self.limits, header_map=self.header_map)
            except InputError as exc:
                job.result = exc
            except Exception as exc:   # noqa: BLE001 - raised again in the reader, as if it had read the file
                job.result = exc
            finally:
                job.state = "done"
                job.done.set()

    def take(self, path: str, kind: str, limits: Limits, header_map: Mapping | None) -> RawTable | None:
        job = self.jobs.get((path, kind))
        if job is None or limits != self.limits or dict(header_map or {}) != (self.header_map or {}):
            return None
        with self.lock:
            if job.state == "queued":
                job.state = "left"
                return None
        job.done.wait()
        with self.lock:
            if job.state != "done":
                return None   # the same file named twice: the second reader reads it itself
            job.state, result, job.result = "taken", job.result, None
        if isinstance(result, BaseException):
            raise result
        return result

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
        for t in self.threads:
            t.join()
        for job in self.jobs.values():
            job.result = None


_ahead: _Ahead | None = None


@contextlib.contextmanager
def parsing_ahead(todo: Iterable[tuple[str, str | os.PathLike]], *, limits: Limits,
                  header_map: Mapping[str, str | None] | None) -> Iterator[None]:
    """Parse each (kind, path) of ``todo`` ahead while the block runs.  At its end the threads stop
    after the file each is parsing, and are waited for; what no reader took is let go."""
    global _ahead
    jobs = []
    for kind, p in todo:
        path = _key(p)
        try:
            size = os.stat(path).st_size
        except OSError:
            continue   # its reader says what is wrong
        if size >= BIG_BYTES and path.lower().endswith(CSV_SUFFIXES):
            jobs.append(_Job(path, kind, size))
    if _ahead is not None or not jobs:   # one run at a time parses ahead
        yield
        return
    _ahead = ahead = _Ahead(jobs, limits, dict(header_map) if header_map else None)
    try:
        yield
    finally:
        _ahead = None
        ahead.stop()


def parsing() -> bool:
    """Whether a file is still waiting to be parsed ahead or being parsed."""
    ahead = _ahead
    return ahead is not None and any(j.state in ("queued", "parsing") for j in ahead.jobs.values())


def parsed(path, kind: str, limits: Limits, header_map: Mapping[str, str | None] | None) -> RawTable | None:
    """The table of ``path`` read as ``kind`` with these limits and header map, parsed ahead (waiting
    while it is being parsed); raises the file's InputError.  None: not parsed ahead, read it."""
    ahead = _ahead
    return ahead.take(_key(path), kind, limits, header_map) if ahead is not None else None


def _key(path) -> str:
    return os.fspath(Path(path))
