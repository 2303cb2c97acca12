"""A bounded pool of worker processes, each audit with a time limit.

Each worker is a long-lived process that has imported the auditor once, so an
audit starts at once.  Where the system has it, workers are forked from a fork
server that imported the audit code once (``auditor.web.preload``): a worker,
and each one that replaces a killed worker, starts in milliseconds instead of
importing pandas and the rules again (about a second of CPU); elsewhere they
are started fresh ("spawn").  A request takes a free worker or waits for one, but
only while fewer than ``queue`` requests wait and for ``queue_wait_seconds``
at most; otherwise the page answers "busy, try again".  An audit that passes
its time limit has its worker process killed (and a fresh one started): a
hostile or huge file cannot hold a worker for ever.  Each worker's address
space is capped (``RLIMIT_AS``, set before it imports anything): an audit that
needs more fails with MemoryError, is answered "needs too much memory", and
its worker is replaced; the server and the other workers are untouched.
The cap is set in the worker before it reads any upload.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from auditor.processes import worker_context


class Busy(Exception):
    """Every worker is taken and the waiting line is full (or the wait was too long)."""


class TimedOut(Exception):
    """The audit passed its time limit and was stopped."""


class WorkerFailed(Exception):
    """The worker process died (a crash in a reader) or failed."""


class OutOfMemory(WorkerFailed):
    """The audit needed more memory than the worker's limit."""


PRELOAD = ["auditor.web.preload"]


def _worker_main(conn, memory_bytes: int | None = None) -> None:
    if memory_bytes:   # first of all: the cap holds for everything the worker does
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from auditor.web import work   # imported once per worker: pandas, pyarrow, the rules

    work.warm()
    while True:
        try:
            name, kwargs = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            reply = ("ok", getattr(work, name)(**kwargs))
        except MemoryError:   # pyarrow's ArrowMemoryError too; the worker is replaced all the same
            reply = ("memory", "")
        except BaseException as exc:  # noqa: BLE001 - reported to the page as an internal error, by type only
            # at the cap, an allocation fails in many ways ("can't start new thread", an OSError)
            reply = ("memory", "") if _near_cap(memory_bytes) else ("error", type(exc).__name__)
        try:
            conn.send(reply)
        except MemoryError:
            return


def _near_cap(memory_bytes: int | None) -> bool:
    """The worker's address space reached within 5% of its cap (Linux: /proc/self/status VmPeak)."""
    if not memory_bytes:
        return False
    try:
        with open("/proc/self/status") as fh:
            peak = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmPeak:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return False
    return peak >= 0.95 * memory_bytes


class _Worker:
    def __init__(self, ctx, memory_bytes: int | None = None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_bytes), daemon=True,
                                   name="auditor-web-worker")
        self.process.start()
        child.close()

    def call(self, name: str, kwargs: dict, timeout: float):
        try:
            self.conn.send((name, kwargs))
            ready = self.conn.poll(timeout)
        except OSError:
            raise WorkerFailed() from None
        if not ready:
            raise TimedOut()
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError):
            raise WorkerFailed("died") from None
        if status == "memory":
            raise OutOfMemory()
        if status != "ok":
            raise WorkerFailed(value)
        return value

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class Pool:
    def __init__(self, workers: int, queue: int, queue_wait: float, job_seconds: float,
                 memory_bytes: int | None = None):
        self.size, self.queue, self.queue_wait, self.job_seconds = workers, queue, queue_wait, job_seconds
        self.memory_bytes = memory_bytes   # each worker's address space (RLIMIT_AS); None: no cap
        self._ctx = worker_context(PRELOAD)   # no fork of a threaded server
        self._lock = threading.Condition()
        self._free: deque[_Worker] = deque()
        self._all: list[_Worker] = []
        self.running = 0
        self.waiting = 0
        self._closed = False

    def start(self) -> None:
        for _ in range(self.size):
            w = _Worker(self._ctx, self.memory_bytes)
            with self._lock:
                self._all.append(w)
                self._free.append(w)
                self._lock.notify()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = self._all, []
            self._free.clear()
            self._lock.notify_all()
        for w in workers:
            w.stop()

    def _acquire(self) -> _Worker:
        with self._lock:
            if not self._free and self.waiting >= self.queue:
                raise Busy()
            self.waiting += 1
            try:
                deadline = time.monotonic() + self.queue_wait
                while not self._free:
                    left = deadline - time.monotonic()
                    if self._closed or left <= 0:
                        raise Busy()
                    self._lock.wait(left)
                self.running += 1
                return self._free.popleft()
            finally:
                self.waiting -= 1

    def _release(self, worker: _Worker, healthy: bool) -> None:
        """Give the worker back; one that timed out or failed is killed and a fresh one takes its place."""
        if not healthy:
            worker.stop()
            with self._lock:
                if worker in self._all:
                    self._all.remove(worker)
                if self._closed:
                    self.running -= 1
                    return
            worker = _Worker(self._ctx, self.memory_bytes)
            with self._lock:
                self._all.append(worker)
        with self._lock:
            self.running -= 1
            if not self._closed:
                self._free.append(worker)
                self._lock.notify()
                return
        worker.stop()   # the pool closed meanwhile

    def run(self, name: str, **kwargs):
        """Run ``auditor.web.work.<name>(**kwargs)`` in a worker; blocking (call it from a thread)."""
        worker = self._acquire()
        healthy = False
        try:
            value = worker.call(name, kwargs, self.job_seconds)
            healthy = True
            return value
        finally:
            self._release(worker, healthy)
