"""Data passed between the stages: load -> validate -> derive -> evaluate -> report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

# Bookkeeping columns carried on every record frame from load to report.
FILE_COL = "_file"      # display name of the input file (basename)
SHEET_COL = "_sheet"    # sheet name, or "" for CSV
ROW_COL = "_row"        # the row number a user sees in Excel / a text editor (header = 1)
KIND_COL = "_kind"      # court_accounts | roster | pacer_accounts

DATA_ISSUE_COLUMNS = ["file", "sheet", "row", "column", "value", "reason", "severity", "firm_name"]
# severity of a data issue: "rejected" (the row was set aside) or "warning" (row audited, cell ignored);
# firm_name: the row's firm where known, so that a firm's own workbook can hold its own issues

FINDING_COLUMNS = [
    "finding_id", "rule_id", "severity", "title", "court_id", "firm_name", "person_name", "bar_id",
    "cmecf_login", "pacer_username", "evidence", "remediation", "owner", "due_date", "status",
    "first_seen", "source",
]
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
