"""The findings export: every finding in one CSV or Parquet file, for other programs.

Unlike a worksheet it has no row limit.  Columns keep their machine names (``finding_id``,
``rule_id``...), rows are in the report's order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from auditor.errors import UsageError
from auditor.model import FINDING_COLUMNS, FINDING_DATE_COLUMNS, AuditResult
from auditor.report.format import ANSWER_COLUMNS, csv_safe
from auditor.report.prepare import related_ids, sort_findings

FINDINGS_FORMATS = ("csv", "parquet")


def write_findings_file(result: AuditResult, path, fmt: str) -> Path:
    """Every finding in one CSV or Parquet file for machine use (no sheet row limit); return the path.

    Columns as on the Findings sheet, by their machine names (``related_findings`` for Related findings;
    ``firm_answer``, ``firm_note`` and ``status_from``, blank without a firm's answer), rows in the same
    order.  Parquet holds the values exactly
    (dates as dates).  CSV is UTF-8 with ISO dates; control characters are written as ``\\xNN``
    and a text value that a spreadsheet would run as a formula (starting with = + - @, a tab or a
    carriage return, also behind spaces or invisible characters, or a full-width sign) gets a
    leading apostrophe there, as input text must never become a formula.  The file is replaced
    whole, through a temporary file beside it; it may not be one of the inputs.  The run's coverage
    (which checks ran) is written beside it (``coverage_path``).
    """
    from auditor.outputs.staging import atomic_file, check_outputs

    if fmt not in FINDINGS_FORMATS:
        raise UsageError(f"findings format must be {' or '.join(FINDINGS_FORMATS)}, not {fmt!r}")
    path = Path(path)
    check_outputs([(f"the findings {fmt.upper()} file", path), (f"the coverage {fmt.upper()} file", coverage_path(path))],
                  [t.path for t in result.inputs if t.path])
    with atomic_file(path) as fh:
        write_findings_to(result, fh, fmt)
    with atomic_file(coverage_path(path)) as fh:
        write_coverage_to(result, fh, fmt)
    return path


def coverage_path(path) -> Path:
    """The coverage file written beside a findings export: ``findings.csv`` -> ``findings.coverage.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.coverage{path.suffix}")


COVERAGE_COLUMNS = ["item", "kind", "status", "findings", "why"]


def write_coverage_to(result: AuditResult, fh, fmt: str) -> None:
    """The run's coverage for other programs, beside the findings: one row per check (status checked,
    checked in part, not checked or disabled; findings blank when not checked, never 0; why), then one
    per figure (readiness, active_filers: known or unknown, and what it needs)."""
    rows = result.coverage.rows() if result.coverage is not None else []
    frame = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    frame["findings"] = frame["findings"].astype("Int64")
    write_table_to(frame, fh, fmt)


def write_findings_to(result: AuditResult, fh, fmt: str) -> None:
    """The findings export written to an open binary file."""
    if fmt not in FINDINGS_FORMATS:
        raise UsageError(f"findings format must be {' or '.join(FINDINGS_FORMATS)}, not {fmt!r}")
    findings = sort_findings(result.findings.reindex(columns=[*FINDING_COLUMNS, *ANSWER_COLUMNS]))
    findings.insert(len(FINDING_COLUMNS), "related_findings", related_ids(findings).to_numpy())
    for c in ANSWER_COLUMNS:          # no answer: blank, with a history or without
        findings[c] = findings[c].where(findings[c].notna() & (findings[c].astype(object) != ""))
    write_table_to(findings, fh, fmt, dates=FINDING_DATE_COLUMNS)


def write_table_to(frame: pd.DataFrame, fh, fmt: str, *, dates=()) -> None:
    """A table as CSV or Parquet (as :func:`write_findings_file` says) to an open binary file; the
    ``dates`` columns as dates, the others as text."""
    columns = {}
    for c in frame.columns:
        s = frame[c]
        if c in dates:
            d = pd.to_datetime(s, errors="coerce")
            columns[c] = (pa.array(d.dt.date.astype(object).where(d.notna(), None), type=pa.date32())
                          if fmt == "parquet" else pa.array(d.dt.strftime("%Y-%m-%d").astype(object)
                                                            .where(d.notna(), None), type=pa.string()))
            continue
        s = s.astype("string[pyarrow]")
        if fmt == "csv":
            s = csv_safe(s)
        columns[c] = pa.array(s.astype(object).where(s.notna(), None), type=pa.string())
    table = pa.table(columns)
    if fmt == "parquet":
        import pyarrow.parquet as pq
        pq.write_table(table, fh)
    else:
        import pyarrow.csv as pacsv
        pacsv.write_csv(table, fh)


def write_table(frame: pd.DataFrame, path, fmt: str, *, dates=()) -> Path:
    """A table written whole to ``path`` (through a temporary file beside it); the run history's
    findings over time use it."""
    from auditor.outputs.staging import atomic_file

    path = Path(path)
    with atomic_file(path) as fh:
        write_table_to(frame, fh, fmt, dates=dates)
    return path


HISTORY_FORMATS = ("csv", "parquet")


def export_history(store, path, fmt: str | None = None) -> tuple[Path, int]:
    """Write every finding over time of the run history ``store`` to ``path`` (CSV or Parquet, from
    ``fmt`` or the file's suffix); return the path and the number of rows."""
    from auditor.history.query import findings_over_time

    path = Path(path)
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt not in HISTORY_FORMATS:
        raise UsageError(f"the export must be .csv or .parquet, not {path.name!r}")
    frame = findings_over_time(store)
    write_table(frame, path, fmt, dates=("as_of", "due_date", "first_seen", "accepted_until"))
    return path, len(frame)
