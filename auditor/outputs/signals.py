"""SIGINT and SIGTERM: they stop a run by raising :class:`Interrupted` (which cleans up what the run had
begun), wait while a run's outputs are being moved into place (:func:`signals_blocked`), and end it
with one line and 130 / 143."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM received inside the block take effect after it (main thread only).

    Both blocked in this thread (pthread_sigmask) and their handlers set to only note them: a
    signal the kernel hands to another thread (a reader's pool) still runs its Python handler here."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    sigs = (signal.SIGINT, signal.SIGTERM)
    mask = getattr(signal, "pthread_sigmask", None)   # not on Windows: the handlers alone note them
    old = mask(signal.SIG_BLOCK, sigs) if mask else None
    saved = {s: signal.signal(s, lambda n, _f: caught.append(n)) for s in sigs}
    try:
        yield
    finally:
        if mask:
            mask(signal.SIG_SETMASK, old)   # pending ones are noted now
        for s, handler in saved.items():
            signal.signal(s, handler)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)


STAGED, PUBLISHED = "staged", "published"


class Interrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM: the run stops, cleaning up what it had begun; args[0] is the signal.
    ``outputs`` says how far the run's outputs had got when it passed them: None (none staged yet),
    ``STAGED`` (written aside, the outputs in place untouched) or ``PUBLISHED`` (all in place)."""

    outputs: str | None = None


def note_outputs(exc: BaseException, outputs: str | None) -> None:
    """Mark the stop behind ``exc`` (itself, or the error cleaning up after it raised) with how far the
    outputs had got, unless a step nearer to it already did."""
    seen = set()
    at: BaseException | None = exc
    while at is not None and id(at) not in seen:
        if isinstance(at, Interrupted) and at.outputs is None:
            at.outputs = outputs
        seen.add(id(at))
        at = at.__cause__ or at.__context__


def _interrupt(signum, _frame):
    raise Interrupted(signum)


def stop_on_signals() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` (in the main thread only)."""
    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, _interrupt)


def interrupted_line(exc: BaseException) -> tuple[str, int]:
    """The one line a stopped run prints, and its exit code (128 + the signal: 130 SIGINT, 143 SIGTERM)."""
    signum = exc.args[0] if isinstance(exc, Interrupted) and exc.args else signal.SIGINT
    outputs = exc.outputs if isinstance(exc, Interrupted) else None
    words = {None: "", STAGED: "; the outputs were left as they were before this run",
             PUBLISHED: "; every output of this run had been written"}[outputs]
    return f"auditor: stopped by {signal.Signals(signum).name}{words}", 128 + int(signum)


def exit_on_late_signals(outputs: str | None = None) -> None:
    """The run is over (``outputs``: how far its outputs got): a Ctrl-C or SIGTERM while Python shuts
    down ends it at once with the stopped line and 130 / 143 (not Python's own exit by the signal, or
    a traceback)."""

    def stop(signum, _frame):
        late = Interrupted(signum)
        late.outputs = outputs
        line, code = interrupted_line(late)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.write(2, (line + "\n").encode())
        os._exit(code)

    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, stop)
