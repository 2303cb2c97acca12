"""The Python API: one audit from input files to published outputs (``run``), and its stages (load,
validate, derive, evaluate: ``audit``; the outputs: ``write``).  The command line and the upload page
only wrap it.

>>> from auditor.api import run
>>> outcome = run(court_accounts=["ncmb.xlsx"], pacer_accounts=["pacer.csv"], as_of=date(2026, 11, 30),
...               out="reports/ncmb-2026-11.xlsx", history="reports/auditor-history.sqlite")
>>> outcome.written.report, len(outcome.findings), outcome.comparison

- :mod:`auditor.api.run`          the order of one run: outputs checked, audit, history, write, commit
- :mod:`auditor.api.audit`        the stages: ``load_inputs``, ``audit_tables``, ``audit``, ``write``
- :mod:`auditor.api.cross_check`  both rule engines over the same inputs, compared finding by finding
"""

from auditor.api.audit import (
    ENGINES, Written, as_of_warning, audit, audit_tables, check_as_of, check_outputs, load_input, load_inputs,
    rename_input, write, write_findings, write_outputs,
)
from auditor.api.run import RunOutcome, run
from auditor.coverage import summary_words as coverage_words
from auditor.errors import AuditorError

__all__ = ["run", "RunOutcome", "Written", "audit", "audit_tables", "load_input", "load_inputs", "check_outputs",
           "write", "write_outputs", "write_findings", "as_of_warning", "check_as_of", "rename_input", "ENGINES",
           "coverage_words", "AuditorError"]
