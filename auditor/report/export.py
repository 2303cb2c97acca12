"""The findings export: every finding in one CSV or Parquet file, for other programs.

Unlike a worksheet it has no row limit.  Columns keep their machine names (``finding_id``,
``rule_id``...), rows are in the report's order.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from auditor.errors import UsageError
from auditor.model import FINDING_COLUMNS, AuditResult
from auditor.report.format import FORMULA_START_RE
from auditor.report.workbook import sort_findings

FINDINGS_FORMATS = ("csv", "parquet")


def write_findings_file(result: AuditResult, path, fmt: str) -> Path:
    """Every finding in one CSV or Parquet file for machine use (no sheet row limit); return the path.

    Columns as on the Findings sheet, rows in the same order.  Parquet holds the values exactly
    (dates as dates).  CSV is UTF-8 with ISO dates; a text value that a spreadsheet would run as a
    formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe there, as
    input text must never become a formula.
    """
    if fmt not in FINDINGS_FORMATS:
        raise UsageError(f"findings format must be {' or '.join(FINDINGS_FORMATS)}, not {fmt!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    f = sort_findings(result.findings.reindex(columns=FINDING_COLUMNS))
    dates = ("due_date", "first_seen")
    columns = {}
    for c in FINDING_COLUMNS:
        s = f[c]
        if c in dates:
            d = pd.to_datetime(s, errors="coerce")
            columns[c] = (pa.array(d.dt.date.astype(object).where(d.notna(), None), type=pa.date32())
                          if fmt == "parquet" else pa.array(d.dt.strftime("%Y-%m-%d").astype(object)
                                                            .where(d.notna(), None), type=pa.string()))
            continue
        s = s.astype("string[pyarrow]")
        if fmt == "csv":
            s = s.where(~s.str.contains(FORMULA_START_RE, regex=True).fillna(False).astype(bool), "'" + s)
        columns[c] = pa.array(s.astype(object).where(s.notna(), None), type=pa.string())
    table = pa.table(columns)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq
            pq.write_table(table, tmp)
        else:
            import pyarrow.csv as pacsv
            pacsv.write_csv(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
