"""The ``auditor`` command's entry point: Ctrl-C and SIGTERM are handled from the first moment, so
that a stop while the program is still loading ends with one line and 130 / 143, as later, rather
than a traceback.

Run as the program (no ``argv`` given: the installed script, ``python -m auditor``), it ends the
process as soon as the command is done: every output is written and closed by then, so the exit
handlers run and the output is flushed, but the interpreter's teardown (freeing every module and
object one by one, about 0.2-0.4 s after an audit) is skipped.  Called with ``argv`` (from Python),
it returns or raises ``SystemExit`` as any function would."""

from __future__ import annotations

import atexit
import os
import sys
import threading


def main(argv=None) -> None:
    from auditor.outputs.signals import interrupted_line, stop_on_signals

    stop_on_signals()
    try:
        try:
            from auditor.cli.main import main as run
        except KeyboardInterrupt as exc:
            line, code = interrupted_line(exc)
            print(line, file=sys.stderr)
            sys.exit(code)
        run(argv)
    except SystemExit as exc:
        if argv is None:
            _end(exc.code)
        raise
    if argv is None:
        _end(0)


def _end(code) -> None:
    """Leave the process with ``code`` (as ``sys.exit`` takes it) without the interpreter's teardown,
    when nothing else is still running; otherwise Python's own exit does it."""
    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return   # a thread still at work is waited for, as on a normal exit
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)   # what sys.exit("text") does on its way out
        code = 1
    atexit._run_exitfuncs()   # (temporary files, worker processes, ...)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:   # noqa: BLE001 - a closed pipe: Python's own exit reports it as it always has
        return
    os._exit(code or 0)
