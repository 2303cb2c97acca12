"""Firms' notices and messages made in worker processes, handed back in the firms' order.

A notice takes from a few to a few hundred milliseconds to lay out, all of it Python, so on a machine with
two cores or more the making is spread over one worker per core while the calling process writes or sends
what is ready, one firm after the other, in order.  The workers are started with ``forkserver`` (or
``spawn`` where there is none, as on Windows), never forked from a process that may hold a thread's lock;
each worker loads the run, the settings, the templates and the fonts once, when it starts.  A handful of
firms is made in this process: starting workers costs more than they save.

Ctrl-C belongs to the calling process: the workers ignore it, and when the caller stops (Ctrl-C, an error,
or it has taken what it needed) the firms not yet begun are dropped and the workers end.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from auditor.processes import worker_context

MIN_FIRMS = 40          # below this many firms, one process (a pool starts in about a second of CPU)
AHEAD = 4               # firms handed to each worker ahead of the one the caller waits for

T = TypeVar("T")
R = TypeVar("R")
_JOB: Any = None        # the job of this worker process, set when it starts


def cores() -> int:
    """The cores this process may use (at most ``os.cpu_count()``)."""
    n = os.cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        n = min(n, len(os.sched_getaffinity(0)))
    return max(n, 1)


def worker_count(firms: int, requested: int | None = None) -> int:
    """How many worker processes for ``firms`` firms: 1 (no pool) with one core or few firms."""
    if requested is not None:
        return max(1, min(requested, cores(), firms))
    return 1 if firms < MIN_FIRMS else min(cores(), firms)


# the server imports the notice code once; each worker forked from it starts with it loaded
PRELOAD = ["auditor.notify.deliver", "auditor.notify.pdf"]


def warm(job: dict) -> None:
    """Load what every firm needs (templates, fonts) once; a template that cannot be used is reported by
    the first firm's making, as in one process."""
    from auditor.notify.notice import font_files
    from auditor.notify.render import environment

    try:
        env = environment(job.get("templates") or "")
        for name in ("notice.html", "message.txt", "message.html"):
            env.get_template(name)
        settings = job.get("settings")
        if settings is not None:
            font_files(settings.font)
    except Exception:  # noqa: BLE001 - the same error comes back with the first firm, in plain words
        pass


def _start(job: dict) -> None:
    global _JOB
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C stops the caller, which ends the pool
    _JOB = job
    warm(job)


def _call(fn: Callable[[dict, T], R], item: T) -> R:
    return fn(_JOB, item)


def ordered(fn: Callable[[dict, T], R], items: Iterable[T], job: dict, *,
            workers: int | None = None) -> Generator[R, None, None]:
    """``fn(job, item)`` for each item, in order: in worker processes when there are enough items and cores.
    ``fn`` is a module-level function (the workers import it by name); close the iterator (or use it in
    ``contextlib.closing``) to stop early."""
    items = list(items)
    n = worker_count(len(items), workers)
    if n <= 1:
        for item in items:
            yield fn(job, item)
        return
    ctx = worker_context(PRELOAD)
    server = _server() if ctx.get_start_method() == "forkserver" else None
    ours = server is not None and getattr(server, "_forkserver_pid", 0) is None   # started here: stopped here
    pool = ProcessPoolExecutor(n, mp_context=ctx, initializer=_start, initargs=(job,))
    try:
        rest = iter(items)
        pending: deque[Future] = deque(pool.submit(_call, fn, item) for _, item in zip(range(n * AHEAD), rest))
        while pending:
            out = pending.popleft().result()
            for item in rest:      # one more in, for the one taken out
                pending.append(pool.submit(_call, fn, item))
                break
            yield out
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if ours:
            _stop(server)


def _server():
    from multiprocessing import forkserver

    return getattr(forkserver, "_forkserver", None)


def _stop(server) -> None:
    """End the fork server this call started, and wait for it: its workers' CPU time is then counted as this
    process's children's (``RUSAGE_CHILDREN``), as a spawned worker's is, and no process is left behind."""
    stop = getattr(server, "_stop", None)
    if stop is not None:
        try:
            stop()
        except OSError:
            pass
