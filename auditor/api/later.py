"""The modules the report's writing loads on first use, loaded earlier where the main thread would
otherwise wait: while the big input files are still being parsed (``load.ahead``), their parse lets
go of the GIL and the main thread has nothing to do until they are read.  Imported once a process;
a process that never writes a report (or parses nothing ahead) never comes here."""

from __future__ import annotations

import importlib
from collections.abc import Callable

# what write_outputs imports (openpyxl with them: about 0.15-0.2 s on one core), then what the report's
# first grouping in Arrow loads
LATER = ("auditor.report.workbook", "auditor.report.firms", "auditor.report.prepare", "pyarrow.acero")


def import_while(busy: Callable[[], bool]) -> None:
    """Import the modules of ``LATER`` one after the other as long as ``busy()``."""
    for name in LATER:
        if not busy():
            return
        importlib.import_module(name)
