"""Data passed between the stages: load -> validate -> derive -> evaluate -> report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from auditor.coverage import Coverage

# Bookkeeping columns carried on every record frame from load to report.
FILE_COL = "_file"      # display name of the input file (basename)
SHEET_COL = "_sheet"    # sheet name, or "" for CSV
ROW_COL = "_row"        # the row number a user sees in Excel / a text editor (header = 1)
KIND_COL = "_kind"      # court_accounts | roster | pacer_accounts

DATA_ISSUE_COLUMNS = ["file", "sheet", "row", "column", "value", "reason", "code", "severity", "firm_name"]
# reason: the plain message; code: its kind, one of DATA_ISSUE_CODES, for filtering;
# severity of a data issue: "rejected" (the row was set aside) or "warning" (row audited, cell ignored);
# firm_name: the row's firm where known, so that a firm's own workbook can hold its own issues

# Every data issue code, with what it means.  Codes are stable: a program may filter on them.
DATA_ISSUE_CODES = {
    "title-row": "A title or note row above the header row; it is not audited.",
    "duplicate-column": "Two columns hold the same field; only the first is audited.",
    "footer-row": "A totals or \"report generated\" line below the table; it is not audited.",
    "column-values": "A column whose header names a field but whose values are not of that kind (7-digit "
                     "account numbers under \"PACER Acct\"): it is not read as that field.",
    "wrong-kind": "The file's columns look like another kind of input than the option it was given with.",
    "ragged-row": "A row has more fields than the header (often a comma inside an unquoted name), so its "
                  "values are shifted; the row is not audited.",
    "too-long": "A cell is longer than the limit (--max-cell-chars); the row is not audited.",
    "excel-error": "A cell holds an Excel error value such as #N/A; the cell is ignored, or the row is not "
                   "audited when the column is required.",
    "blank-required": "A column the audit cannot do without is blank; the row is not audited.",
    "unknown-category": "A value outside the accepted list (an account status of \"Frozen\"); the cell is ignored, "
                        "or the row is not audited when the column is required.",
    "unknown-role": "A filer or roster role the auditor does not know; the row is audited with the role other, so "
                    "the rules about attorneys do not look at it (no other rule needs the role).",
    "unknown-court": "A court id that is not in the court calendar; the court counts as live on NextGen.",
    "no-account": "A PACER username or PAA cell holding N/A, none, - or the like: read as blank (no account).",
    "bad-date": "A date the auditor cannot read; the cell is ignored.",
    "date-out-of-range": "A date before 1678 or after 2262 (such as 12/31/9999): the cell is ignored; in a "
                         "departure (end date) column a date that far ahead means the person has not left.",
    "bad-bool": "A yes/no cell the auditor cannot read; the cell is ignored.",
    "bad-email": "Not a valid e-mail address; the cell is ignored.",
    "attorney-without-bar": "An attorney without a bar id: the person is identified by name.",
}

FINDING_COLUMNS = [
    "finding_id", "rule_id", "severity", "title", "court_id", "firm_name", "person_name", "email", "bar_id",
    "cmecf_login", "pacer_username", "evidence", "remediation", "owner", "due_date", "status", "notes",
    "accepted_until", "first_seen", "last_seen", "source",
]
# notes: free text for the person working the finding (empty when the audit writes it)
# dates among them (written as real dates; ISO in CSV)
FINDING_DATE_COLUMNS = ("due_date", "accepted_until", "first_seen", "last_seen")
SEVERITIES = ("high", "medium", "low", "info")
STATUSES = ("Open", "In progress", "Resolved", "Accepted")


@dataclass
class InputTable:
    """One input file after loading and validation."""

    path: str               # path as given (never written into the report)
    name: str               # display name (basename)
    kind: str
    sheet: str              # sheet read, "" for CSV
    sha256: str
    rows_read: int
    records: pd.DataFrame   # audited rows: canonical typed columns + _file/_sheet/_row/_kind
    rows_rejected: int
    issues: pd.DataFrame    # DATA_ISSUE_COLUMNS
    rows_blank: int = 0      # wholly blank rows between data: not records, counted apart
    unknown_columns: list[str] = field(default_factory=list)
    present_columns: list[str] = field(default_factory=list)  # canonical columns the file had
    column_map: dict[str, str] = field(default_factory=dict)  # canonical column -> its header as written
    status: str = "audited"  # audited | skipped
    reason: str = ""         # why skipped

    @property
    def rows_audited(self) -> int:
        return len(self.records)


@dataclass
class RuleRun:
    id: str
    title: str
    severity: str
    enabled: bool
    ran: bool
    reason: str             # why not run (or partly not run); "" when it ran over everything
    findings: int
    source: str
    owner: str
    applies_to: list[str]
    origin: str = ""        # rule file it came from
    # what kept it from checking some records: (kind, file, column); file "" = every file of that kind,
    # column "" = no input of that kind was given (see ``auditor.coverage``)
    gaps: list[tuple[str, str, str]] = field(default_factory=list)
    blocks_readiness: bool = False


@dataclass
class AuditResult:
    as_of: dt.date
    courts: list[str]
    inputs: list[InputTable]
    findings: pd.DataFrame          # FINDING_COLUMNS
    data_issues: pd.DataFrame       # DATA_ISSUE_COLUMNS
    rules: list[RuleRun]
    readiness: dict                 # active_filers, ready_filers, share (None when no filers)
    engine: str = "pandas"
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    previous: dict | None = None    # new / resolved / still_open counts, when a previous report is given
    history: object | None = None   # auditor.history.record.HistoryView, when the run is recorded
    coverage: Coverage | None = None  # which checks ran, which could not and why


AS_OF_RANGE = (dt.date(1990, 1, 1), dt.date(2200, 12, 31))


def check_as_of(as_of: dt.date) -> dt.date:
    """The audit date, or UsageError when it is no date an audit can be run on (due dates are
    reckoned from it)."""
    if not AS_OF_RANGE[0] <= as_of <= AS_OF_RANGE[1]:
        raise UsageError(f"audit date {as_of.isoformat()} is outside {AS_OF_RANGE[0].year}-{AS_OF_RANGE[1].year}")
    return as_of
