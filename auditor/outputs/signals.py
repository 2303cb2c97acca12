"""SIGINT and SIGTERM: they stop a run by raising :class:`Interrupted` (which cleans up what the run had
begun), wait while a run's outputs are being moved into place (:func:`signals_blocked`), and end it
with one line and 130 / 143."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading


@contextlib.contextmanager
def signals_blocked():
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
        for s in dict.fromkeys(caught):
            signal.raise_signal(s)


STATE = {"outputs": None}   # None: this process staged no output; "staged"; "published"


class Interrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM: the run stops, cleaning up what it had begun; args[0] is the signal."""


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
    words = {None: "", "staged": "; the outputs were left as they were before this run",
             "published": "; every output of this run had been written"}[STATE["outputs"]]
    return f"auditor: stopped by {signal.Signals(signum).name}{words}", 128 + int(signum)


def exit_on_late_signals() -> None:
    """The run is over: a Ctrl-C or SIGTERM while Python shuts down ends it at once with the stopped
    line and 130 / 143 (not Python's own exit by the signal, or a traceback)."""

    def stop(signum, _frame):
        line, code = interrupted_line(Interrupted(signum))
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.write(2, (line + "\n").encode())
        os._exit(code)

    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, stop)
