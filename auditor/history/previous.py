"""Statuses typed into last month's workbook, read back by value (the file is never written).

The edits are read where a clerk makes them: every sheet whose header row (within its first rows) holds
a finding id column and at least one editable column (status, notes, accepted until): the Findings
sheet, or a copy of some of its rows in a new workbook (sorted, filtered, partly deleted, headed in
plain words).  The report's own Changes sheet offers only a status: it is read for that, and where it
and the Findings sheet disagree :func:`settle` decides (the one the clerk changed wins; a real conflict
is listed once).  The Status import sheet (this module's own problems list) is never read back.

Rows that cannot be used (an unknown status word, a bad or out-of-range date, an id given twice with
other values) are listed as problems, never fatal.  What is refused whole, before the audit runs: a
file that is no workbook, more rows than ``max_rows``, a note longer than ``max_note_chars``.

A firm's own workbook (``--split-by-firm``: its Summary says "firm copy" and names the firm) gives
statuses for that firm's findings only (:attr:`Previous.firm`).
"""

from __future__ import annotations

import re
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine

from auditor.errors import InputError
from auditor.history.lifecycle import LAST_DAY
from auditor.load.table import Limits
from auditor.load.workbook import read_workbook_grid
from auditor.model import STATUSES
from auditor.normalize import firm_key

HEADER_ROWS = 20
_STATUS = {re.sub(r"[^a-z]", "", s.lower()): s for s in STATUSES}
EDIT_COLUMNS = ("status", "notes", "accepted_until")
PROBLEM_COLUMNS = ["sheet", "row", "finding_id", "problem"]
NEVER_READ = ("status import",)         # the report's own list of problems: never read back
STATUS_ONLY = ("changes",)              # the report's Changes sheet: its Note column is the auditor's, not yours

# Limits of --previous, for a 24 GB machine (measured with benchmarks/previous_limits.py, see README):
# rows of every sheet read together (a report of a million findings has about two million, with its
# Changes sheet); 1,000,000 rows took 67 s and 0.9 GB at peak on a shared 2-core machine
MAX_ROWS = 3_000_000
MAX_NOTE_CHARS = 4_000      # a note: a long paragraph; the history keeps every run's notes


@dataclass
class Previous:
    """What a previous report gives: one row per finding id (``edits``), the rows not used (``problems``,
    PROBLEM_COLUMNS) and, for a firm's own workbook, the firm's key."""

    name: str
    edits: pd.DataFrame
    problems: pd.DataFrame
    firm: str | None = None
    firm_name: str | None = None
    as_of: dt.date | None = None     # the audit date its Summary gives (which run wrote it)


def _key(header) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


def _header_row(grid: pd.DataFrame) -> int | None:
    for row in grid.index[:HEADER_ROWS]:
        keys = {_key(v) for v in grid.loc[row]}
        if "finding_id" in keys and keys & set(EDIT_COLUMNS):
            return row
    return None


def _sheets(path: Path, name: str, max_rows: int) -> tuple[list[str], tuple]:
    """The sheets to read (the Status import sheet left out) and the firm of a firm's own workbook;
    refuses more than ``max_rows`` rows in them (counted from the sheets' sizes, before any is read)."""
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            sheets = [s for s in wb.sheet_names if s.strip().casefold() not in NEVER_READ]
            rows = sum(int(wb.get_sheet_by_name(s).height or 0) for s in sheets)
            firm = _summary(wb) if "Summary" in wb.sheet_names else (None, None)
        finally:
            wb.close()
    except BaseException as exc:  # the reader raises several types (and Rust panics)
        if isinstance(exc, KeyboardInterrupt):
            raise   # Ctrl-C or SIGTERM stops the run, it does not make the file unreadable
        raise InputError(name, f"--previous cannot be read as a workbook ({' '.join(str(exc).split())[:200]})") from None
    if rows > max_rows:
        raise InputError(name, f"--previous has {rows:,} rows, more than --max-previous-rows ({max_rows:,}): "
                               "give last month's report, or a copy of the rows you edited")
    return sheets, firm


def _summary(wb) -> tuple[str | None, dt.date | None]:
    """(the firm of a firm's own workbook or None, the audit date) from the top of the Summary sheet."""
    head = wb.get_sheet_by_name("Summary").to_python(nrows=6)
    firm = as_of = None
    copy = bool(head and head[0] and "firm copy" in str(head[0][0]))
    for row in head[1:]:
        label = str(row[0]).strip() if row else ""
        if len(row) > 1 and label == "Firm" and copy:
            firm = str(row[1]).strip() or None
        if len(row) > 1 and label == "Audit date":
            value = row[1]
            as_of = value.date() if isinstance(value, dt.datetime) else value if isinstance(value, dt.date) else None
    return firm, as_of


def _read_sheet(path: Path, name: str, sheet: str) -> pd.DataFrame | None:
    grid, _, _ = read_workbook_grid(str(path), name, sheet, Limits())
    if grid.empty:
        return None
    head = _header_row(grid)
    if head is None:
        return None
    cols: dict = {}
    for c, v in grid.loc[head].items():
        cols.setdefault(_key(v), c)
    body = grid.loc[grid.index > head]
    part = pd.DataFrame({"finding_id": body[cols["finding_id"]].str.strip()}, index=body.index)
    editable = ("status",) if sheet.strip().casefold() in STATUS_ONLY else EDIT_COLUMNS
    for c in editable:
        part[f"has_{c}"] = c in cols
        part[c] = body[cols[c]].str.strip() if c in cols else None
    part["sheet"] = sheet
    part["row"] = body.index
    return part.reset_index(drop=True)


def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(dates, beyond): the typed dates (NaT where blank or no date) and where a date is typed beyond
    LAST_DAY (12/31/9999, the usual "no end", and any year past 2200): read as LAST_DAY, never wrapped."""
    text = text.replace("", pd.NA)
    when = pd.to_datetime(text, errors="coerce", format="mixed")
    year = text.str.extract(r"(?<!\d)(\d{4,})(?!\d)", expand=False).astype("Float64")
    beyond = (text.notna() & ((when.dt.year > LAST_DAY.year) | (when.isna() & (year > LAST_DAY.year)))).fillna(False)
    when = when.where(~beyond, pd.Timestamp(LAST_DAY))
    return when, beyond.astype(bool)


def read_previous(path, *, max_rows: int = MAX_ROWS, max_note_chars: int = MAX_NOTE_CHARS) -> Previous:
    """Read the edits of an earlier report (see the module doc); refuses what cannot be used at all."""
    path = Path(path)
    name = path.name
    if path.suffix.lower() != ".xlsx":
        raise InputError(name, "--previous must be an earlier report of this auditor (.xlsx)")
    if not path.is_file():
        raise InputError(name, "--previous: no such file")
    sheets, (firm, as_of) = _sheets(path, name, max_rows)
    frames = [f for f in (_read_sheet(path, name, s) for s in sheets) if f is not None]
    if not frames:
        raise InputError(name, "--previous has no sheet with a finding_id column and a status, notes or "
                               "accepted until column: give last month's report")
    rows = pd.concat(frames, ignore_index=True)
    for c in EDIT_COLUMNS:
        rows[f"has_{c}"] = rows[f"has_{c}"].fillna(False).astype(bool)
    rows = rows[rows["finding_id"].fillna("") != ""]   # a blank or title row: nothing to carry
    long = rows["notes"].fillna("").str.len() > max_note_chars
    if long.any():
        at = rows[long].iloc[0]
        raise InputError(name, f"--previous sheet {at['sheet']!r} row {at['row']}: a note of "
                               f"{len(at['notes']):,} characters is longer than --max-note-chars ({max_note_chars:,})")
    problems = []

    def drop(mask, why) -> None:
        nonlocal rows
        bad = rows[mask]
        problems.append(pd.DataFrame({"sheet": bad["sheet"], "row": bad["row"], "finding_id": bad["finding_id"],
                                      "problem": why if isinstance(why, str) else why[mask]}))
        rows = rows[~mask]

    given = rows["status"].fillna("").str.lower().str.replace(r"[^a-z]", "", regex=True)
    canon = given.map(_STATUS)
    bad = (given != "") & canon.isna()
    problems.append(pd.DataFrame({"sheet": rows["sheet"][bad], "row": rows["row"][bad],
                                  "finding_id": rows["finding_id"][bad],
                                  "problem": "status " + rows["status"][bad].map(repr) + " is not one of "
                                             + ", ".join(STATUSES) + ": the earlier status is kept"}))
    rows["status"] = canon.where(canon.notna(), None)
    rows["has_status"] &= rows["status"].notna().to_numpy()    # blank or unknown: the earlier status stays
    typed = rows["accepted_until"].fillna("")
    when, beyond = parse_dates(typed)
    nodate = (typed != "") & when.isna()
    drop(nodate, "accepted_until " + typed.map(repr) + " is not a date: the earlier one is kept")
    rows["accepted_until"] = when[~nodate]
    rows["until_typed"] = typed[~nodate].where(beyond[~nodate], None)
    rows["notes"] = rows["notes"].replace("", None)
    main = rows[~rows["sheet"].str.strip().str.casefold().isin(STATUS_ONLY)]
    side = rows[rows["sheet"].str.strip().str.casefold().isin(STATUS_ONLY) & rows["has_status"]]
    keys = ["finding_id", "status", "notes", "accepted_until"]
    same = main.drop_duplicates(keys)
    twice = same["finding_id"].duplicated(keep=False)
    if twice.any():   # one line per finding id given with other values, naming the rows used and not
        first = same[twice].drop_duplicates("finding_id", keep="first")
        others = same[twice].groupby("finding_id", sort=False)["row"].apply(lambda r: ", ".join(map(str, r.iloc[1:])))
        problems.append(pd.DataFrame({"sheet": first["sheet"], "row": first["row"], "finding_id": first["finding_id"],
                                      "problem": "given again with other values (rows " + first["finding_id"].map(others)
                                                 + "): the first is used"}))
    main = same.drop_duplicates("finding_id")
    side = side.drop_duplicates("finding_id")
    edits = main.merge(side[["finding_id", "status", "sheet", "row"]].rename(
        columns={"status": "alt_status", "sheet": "alt_sheet", "row": "alt_row"}), on="finding_id", how="outer")
    only_side = edits["sheet"].isna()
    edits["changes_only"] = only_side   # a row of the Changes sheet only: a finding resolved in that report
    edits.loc[only_side, "status"] = edits.loc[only_side, "alt_status"]
    edits.loc[only_side, "sheet"] = edits.loc[only_side, "alt_sheet"]
    edits.loc[only_side, "row"] = edits.loc[only_side, "alt_row"]
    edits.loc[only_side, "alt_status"] = None
    for c in EDIT_COLUMNS:
        edits[f"has_{c}"] = edits[f"has_{c}"].astype("boolean").fillna(False).astype(bool)
    edits.loc[only_side.to_numpy(), "has_status"] = True
    edits["accepted_until"] = pd.to_datetime(edits["accepted_until"])
    frame = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return Previous(name, edits.reset_index(drop=True), frame.reindex(columns=PROBLEM_COLUMNS),
                    firm_key(pd.Series([firm])).iloc[0] if firm else None, firm, as_of)


def settle(edits: pd.DataFrame, shown: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(edits, problems): where the Findings and the Changes sheets give a finding different statuses,
    the one that differs from what the report showed (``shown``: finding_id, status) is the clerk's
    edit; when both differ (or nothing was shown), the Findings sheet's is used and the conflict listed
    once."""
    if "alt_status" not in edits:
        return edits, pd.DataFrame(columns=PROBLEM_COLUMNS)
    edits = edits.copy()
    two = edits["alt_status"].notna() & (edits["alt_status"] != edits["status"]).fillna(True)
    was = edits["finding_id"].map(shown.drop_duplicates("finding_id").set_index("finding_id")["status"])
    use_alt = two & (edits["status"] == was).fillna(False) & edits["has_status"]
    use_alt |= two & ~edits["has_status"]
    conflict = two & ~use_alt & (edits["alt_status"] != was).fillna(True)
    edits.loc[use_alt, "status"] = edits.loc[use_alt, "alt_status"]
    edits.loc[use_alt, "has_status"] = True
    bad = edits[conflict]
    problems = pd.DataFrame({
        "sheet": bad["sheet"], "row": bad["row"], "finding_id": bad["finding_id"],
        "problem": ("status " + bad["status"].map(repr) + " here and " + bad["alt_status"].map(repr) + " on sheet "
                    + bad["alt_sheet"].astype(str).map(repr) + " row " + bad["alt_row"].astype("Int64").astype(str)
                    + ": the one on this sheet is used")})
    return edits.drop(columns=["alt_status", "alt_sheet", "alt_row"]), problems.reindex(columns=PROBLEM_COLUMNS)


def limit_problems(problems: pd.DataFrame, at_most: int) -> pd.DataFrame:
    """At most ``at_most`` problem rows, the last one saying how many more were not listed."""
    if len(problems) <= at_most:
        return problems
    rest = len(problems) - at_most + 1
    tail = pd.DataFrame([{"sheet": "", "row": np.nan, "finding_id": "",
                          "problem": f"and {rest:,} more rows not used, not listed here"}])
    return pd.concat([problems.iloc[:at_most - 1], tail], ignore_index=True)
