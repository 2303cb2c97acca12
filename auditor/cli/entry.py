"""The ``auditor`` command's entry point: Ctrl-C and SIGTERM are handled from the first moment, so
that a stop while the program is still loading ends with one line and 130 / 143, as later, rather
than a traceback."""

from __future__ import annotations

import sys


def main(argv=None) -> None:
    from auditor.outputs.signals import interrupted_line, stop_on_signals

    stop_on_signals()
    try:
        from auditor.cli.main import main as run
    except KeyboardInterrupt as exc:
        line, code = interrupted_line(exc)
        print(line, file=sys.stderr)
        sys.exit(code)
    run(argv)
