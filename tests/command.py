"""The ``auditor`` command as a user runs it, for the tests: in this process (``run_cli``, most tests) or in a
process of its own (``run_process``, for what only a real process shows).

Starting the command costs about a second of imports (pandas and the rest) each time; run in the test
process, which has them already, the same entry point the installed script calls gives the same exit code
and the same standard output and error: both are read from the process's own file descriptors 1 and 2
for the length of the run, so a line written below Python (a library's native code, a worker process the
run starts) is caught as a real process's would be.  What a run changes for its whole process (signal
handlers, the unraisable hook, warning filters, the working folder, the stop state) is put back or reset.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Python's own warning filters (no -W option): what the real command shows on standard error.
_PLAIN_WARNINGS = [("default", DeprecationWarning, "__main__"), ("ignore", DeprecationWarning, ""),
                   ("ignore", PendingDeprecationWarning, ""), ("ignore", ImportWarning, ""),
                   ("ignore", ResourceWarning, "")]


def run_process(*args, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    """The installed ``auditor`` script in a process of its own: for signals, the exit status a shell
    sees, the installed script itself."""
    exe = Path(sys.executable).with_name("auditor")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT,
                          timeout=timeout, env=env)


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """``auditor ARGS`` run in this process: exit code, standard output and error as from a process."""
    argv = [str(a) for a in args]
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    hook, code = sys.unraisablehook, 0
    _fresh_process_state()
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        try:
            with contextlib.chdir(cwd or ROOT), _descriptors_to(out_file, err_file) as (out, err), \
                    contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
                warnings.resetwarnings()
                for action, category, module in reversed(_PLAIN_WARNINGS):
                    warnings.filterwarnings(action, category=category, module=module)
                warnings.showwarning = _show_warning
                try:
                    _entry_point()(argv)
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                    if exc.code is not None and not isinstance(exc.code, int):
                        print(exc.code, file=sys.stderr)   # what sys.exit("text") does on its way out
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)
            sys.unraisablehook = hook
        return subprocess.CompletedProcess(["auditor", *argv], code, _text(out_file), _text(err_file, "backslashreplace"))


def _find_entry_point() -> str:
    """What the installed ``auditor`` script calls (its console_scripts entry point, ``module:function``),
    looked up once when the suite starts: a build running beside the tests may rewrite the metadata."""
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="auditor")
    return script.value


_ENTRY = _find_entry_point()


def _entry_point():
    module, _, name = _ENTRY.partition(":")
    return getattr(importlib.import_module(module), name)


@contextlib.contextmanager
def _descriptors_to(out_file, err_file):
    """File descriptors 1 and 2 pointed at the two files, with text streams over them for sys.stdout and
    sys.stderr (line-buffered, as on a terminal, so that their lines and native writes keep their order)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(out_file.fileno(), 1)
        os.dup2(err_file.fileno(), 2)
        with open(1, "w", encoding="utf-8", newline="", buffering=1, closefd=False) as out, \
                open(2, "w", encoding="utf-8", errors="backslashreplace", newline="", buffering=1,
                     closefd=False) as err:
            try:
                yield out, err
            finally:
                out.flush()
                err.flush()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _text(file, errors: str = "strict") -> str:
    file.seek(0)
    text = file.read().decode("utf-8", errors)
    return text.replace("\r\n", "\n").replace("\r", "\n")   # as subprocess.run(text=True) reads it


def _fresh_process_state() -> None:
    """What a new process starts with: no output of a run staged or published yet."""
    for name in ("auditor.outputs.journal", "auditor.outputs.signals", "auditor.outputs.stopping",
                 "auditor.publish"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if isinstance(getattr(module, "STATE", None), dict):
            module.STATE["outputs"] = None
            return
    # no module keeps it: how far a run's outputs got lives in that run (auditor.outputs.signals), so
    # nothing carries over from one command to the next
