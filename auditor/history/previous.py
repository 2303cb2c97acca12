"""Statuses typed into last month's workbook, read back by value (the file is never written).

Every sheet whose header row (within its first rows) holds a finding id column is read, so that a
workbook whose rows were sorted, filtered, partly deleted or copied into a new file still imports.
Headers are matched loosely ("Finding ID", "finding_id", "Accepted until").  Rows that cannot be used
(no id, an unknown status, a bad date, an id given twice with different values) are listed, never fatal.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import python_calamine

from auditor.errors import InputError
from auditor.load.table import Limits
from auditor.load.workbook import read_workbook_grid
from auditor.model import STATUSES

HEADER_ROWS = 20
_STATUS = {re.sub(r"[^a-z]", "", s.lower()): s for s in STATUSES}
EDIT_COLUMNS = ("status", "notes", "accepted_until")
PROBLEM_COLUMNS = ["sheet", "row", "finding_id", "problem"]


def _key(header) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


def _header_row(grid: pd.DataFrame) -> int | None:
    for row in grid.index[:HEADER_ROWS]:
        if "finding_id" in {_key(v) for v in grid.loc[row]}:
            return row
    return None


def read_previous(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(edits, problems): one row per finding id with the columns the workbook has of status, notes,
    accepted_until (plus sheet and row); and the rows not used, with the reason."""
    path = Path(path)
    name = path.name
    if path.suffix.lower() != ".xlsx":
        raise InputError(name, "--previous must be an earlier report of this auditor (.xlsx)")
    if not path.is_file():
        raise InputError(name, "--previous: no such file")
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = list(wb.sheet_names)
        wb.close()
    except BaseException as exc:  # the reader raises several types (and Rust panics)
        if isinstance(exc, KeyboardInterrupt):
            raise   # Ctrl-C or SIGTERM stops the run, it does not make the file unreadable
        raise InputError(name, f"--previous cannot be read as a workbook ({' '.join(str(exc).split())[:200]})") from None
    frames, problems = [], []
    for sheet in sheets:
        grid, _, _ = read_workbook_grid(str(path), name, sheet, Limits())
        if grid.empty:
            continue
        head = _header_row(grid)
        if head is None:
            continue
        cols = {_key(v): c for c, v in grid.loc[head].items() if _key(v)}
        body = grid.loc[grid.index > head]
        part = pd.DataFrame({"finding_id": body[cols["finding_id"]].str.strip()}, index=body.index)
        for c in EDIT_COLUMNS:
            if c in cols:
                part[c] = body[cols[c]].str.strip()
        part["sheet"] = sheet
        part["row"] = body.index
        frames.append(part.reset_index(drop=True))
    if not frames:
        raise InputError(name, "--previous has no sheet with a finding_id column: give last month's report")
    rows = pd.concat(frames, ignore_index=True)
    blank = rows.drop(columns=["sheet", "row"]).replace("", pd.NA).isna().all(axis=1)
    rows = rows[~blank]

    def drop(mask, why) -> None:
        nonlocal rows
        bad = rows[mask]
        problems.append(pd.DataFrame({"sheet": bad["sheet"], "row": bad["row"], "finding_id": bad["finding_id"],
                                      "problem": why if isinstance(why, str) else why[mask]}))
        rows = rows[~mask]

    drop(rows["finding_id"].isna() | (rows["finding_id"] == ""), "no finding_id on this row")
    if "status" in rows:
        given = rows["status"].fillna("").str.lower().str.replace(r"[^a-z]", "", regex=True)
        canon = given.map(_STATUS)
        bad = (given != "") & canon.isna()
        drop(bad, "status " + rows["status"].fillna("").map(repr) + " is not one of " + ", ".join(STATUSES)
             + ": the earlier status is kept")
        rows["status"] = canon[~bad].where(lambda s: s.notna(), None)
    if "accepted_until" in rows:
        text = rows["accepted_until"].replace("", pd.NA)
        when = pd.to_datetime(text, errors="coerce", format="mixed")
        bad = text.notna() & when.isna()
        drop(bad, "accepted_until " + rows["accepted_until"].fillna("").map(repr) + " is not a date")
        rows["accepted_until"] = when[~bad]
    if "notes" in rows:
        rows["notes"] = rows["notes"].replace("", None)
    values = [c for c in EDIT_COLUMNS if c in rows]
    first = rows.drop_duplicates("finding_id")
    dup = rows.duplicated("finding_id") & ~rows.duplicated(["finding_id", *values])
    drop(dup, "the same finding_id appears again above with other values: the first is used")
    rows = first.reset_index(drop=True)
    problems_frame = (pd.concat(problems, ignore_index=True) if problems
                      else pd.DataFrame(columns=PROBLEM_COLUMNS))
    return rows.reindex(columns=["finding_id", *values, "sheet", "row"]), problems_frame.reindex(columns=PROBLEM_COLUMNS)
