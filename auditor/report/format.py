"""How the report looks: column labels, widths, colours and formats, and safe text.

The formatting decisions live here as plain data so that any XLSX writer can
apply them.  ``clean_strings`` (a column) and ``clean_value`` (one value) make
input text safe to place in a cell: control characters that XML cannot hold are
shown as visible ``\\x07``-style escapes and text longer than a cell can hold is
cut with a note saying so.  ``FORMULA_STARTS`` names the first characters that
make a spreadsheet read text as a formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor.model import DATA_ISSUE_COLUMNS, FINDING_COLUMNS, SEVERITIES, STATUSES

# Excel holds 1,048,576 rows per sheet: one header row and this many data rows.
EXCEL_MAX_DATA_ROWS = 1_048_575
EXCEL_MAX_CELL_CHARS = 32_767
TRUNCATION_NOTE = " [… cut: the full text is longer than an Excel cell can hold]"

DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"

SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
# Fill colour (RGB) and font colour of the severity cell.
SEVERITY_FILLS = {
    "high": ("FFC7CE", "9C0006"),    # red
    "medium": ("FFD8A8", "8A4B00"),  # orange
    "low": ("FFF2A8", "6B5A00"),     # yellow
    "info": ("DDEBF7", "1F4E78"),    # blue-grey
}
# Line and bar colour of each severity in the charts (the Summary's and the Trend sheet's).
SEVERITY_CHART_COLOURS = {"high": "C00000", "medium": "ED7D31", "low": "FFC000", "info": "5B9BD5"}
HEADER_FILL = "1F4E78"
HEADER_FONT = "FFFFFF"
TABLE_STYLE = "TableStyleMedium2"
STATUS_LIST = '"' + ",".join(STATUSES) + '"'

SUMMARY_TITLE = "NextGen account readiness audit"
READY_MEANING = (
    "A filer counts as ready when they have their own individual PACER account, "
    "upgraded, and linked to their CM/ECF filing account."
)


@dataclass(frozen=True)
class ReportColumn:
    """One report column: the id (its name in exports), the header a person reads, and how it is shown.
    ``printed``: on paper too (the printed columns come first: a sheet prints its leading printed columns,
    the rest stay on screen)."""

    id: str
    label: str = ""
    min_width: float = 8
    max_width: float = 40
    wrap: bool = False
    kind: str = "text"  # text | date | int | severity | status
    printed: bool = False

    @property
    def header(self) -> str:
        return self.label or self.id.replace("_", " ").capitalize()


def printed_columns(layout: list[ReportColumn]) -> int:
    """How many leading columns of ``layout`` print (all of them when none is marked)."""
    n = 0
    while n < len(layout) and layout[n].printed:
        n += 1
    assert not any(c.printed for c in layout[n:]), "printed columns come first"
    return n or len(layout)


# The Findings sheet, left to right: first what a reader of the printout needs (who, what, what to do, by
# when, how far along), printed; then on screen only the identifiers, the evidence, tracking and where the
# row came from.  Columns of FINDING_COLUMNS not named here follow at the end.
_FINDING_LAYOUT = [
    ReportColumn("severity", "Severity", 10, 10, kind="severity", printed=True),
    ReportColumn("person_name", "Person", 12, 18, wrap=True, printed=True),
    ReportColumn("firm_name", "Firm", 12, 18, wrap=True, printed=True),
    ReportColumn("title", "Problem", 16, 24, wrap=True, printed=True),
    ReportColumn("remediation", "What to do", 30, 50, wrap=True, printed=True),
    ReportColumn("due_date", "Due date", 12, 12, kind="date", printed=True),
    ReportColumn("status", "Status", 12, 12, kind="status", printed=True),
    ReportColumn("finding_id", "Finding ID", 11, 24),
    ReportColumn("email", "E-mail", 10, 20, wrap=True),
    ReportColumn("evidence", "Evidence", 30, 60, wrap=True),
    ReportColumn("owner", "Who acts", 10, 10, wrap=True),
    ReportColumn("notes", "Notes", 14, 18, wrap=True),
    ReportColumn("accepted_until", "Accepted until", 15, 15, kind="date"),
    *(ANSWER_LAYOUT := [ReportColumn("firm_answer", "Firm answer", 16, 30, wrap=True),
                        ReportColumn("firm_note", "Firm note", 14, 30, wrap=True),
                        ReportColumn("status_from", "Status from", 8, 10)]),
    ReportColumn("cmecf_login", "CM/ECF login", 13, 14, wrap=True),
    ReportColumn("pacer_username", "PACER username", 16, 16, wrap=True),
    ReportColumn("court_id", "Court", 7, 8),
    ReportColumn("bar_id", "Bar ID", 8, 11, wrap=True),
    ReportColumn("related", "Related findings", 12, 24, wrap=True),
    ReportColumn("rule_id", "Rule", 12, 16, wrap=True),
    ReportColumn("first_seen", "First seen", 12, 12, kind="date"),
    ReportColumn("last_seen", "Last seen", 12, 12, kind="date"),
    ReportColumn("source", "Source (file, row)", 14, 20, wrap=True),
]
_KNOWN = {c.id for c in _FINDING_LAYOUT}
# Shown in the workbook only, worked out when it is written: the other findings of the same account; and
# from the history: the firm's answer from the portal, and who set the status (``history.firm_answers``).
ANSWER_COLUMNS = ["firm_answer", "firm_note", "status_from"]
REPORT_ONLY_COLUMNS = ("related", *ANSWER_COLUMNS)
FINDING_LAYOUT = [c for c in _FINDING_LAYOUT if c.id in FINDING_COLUMNS or c.id in REPORT_ONLY_COLUMNS] + [
    ReportColumn(c, "", 10, 20, wrap=True, kind="date" if c.endswith(("_seen", "_until", "_date")) else "text")
    for c in FINDING_COLUMNS if c not in _KNOWN]

# Data issues: where (file, sheet, row, column), what (value) and why (reason) print; the code, the kind
# of issue and the firm stay on screen.
_DATA_ISSUE_LAYOUT = [
    ReportColumn("file", "File", 12, 26, wrap=True, printed=True),
    ReportColumn("sheet", "Sheet", 8, 14, wrap=True, printed=True),
    ReportColumn("row", "Row", 7, 8, kind="int", printed=True),
    ReportColumn("column", "Column", 10, 18, wrap=True, printed=True),
    ReportColumn("value", "Value", 12, 26, wrap=True, printed=True),
    ReportColumn("reason", "Reason", 30, 50, wrap=True, printed=True),
    ReportColumn("code", "Code", 12, 22),
    ReportColumn("severity", "Severity", 10, 10),
    ReportColumn("firm_name", "Firm", 12, 30, wrap=True),
]
_BY_ID = {c.id: c for c in _DATA_ISSUE_LAYOUT}
DATA_ISSUE_LAYOUT = [c for c in _DATA_ISSUE_LAYOUT if c.id in DATA_ISSUE_COLUMNS] + [
    ReportColumn(c, "", 10, 24, wrap=True) for c in DATA_ISSUE_COLUMNS if c not in _BY_ID]
# The Changes sheet (with a history): what changed since the previous run of the scope; what changed,
# for whom, and how late it is print.
CHANGES_LAYOUT = [
    ReportColumn("change", "Change", 10, 12, printed=True),
    ReportColumn("severity", "Severity", 10, 10, kind="severity", printed=True),
    ReportColumn("person_name", "Person", 12, 22, wrap=True, printed=True),
    ReportColumn("firm_name", "Firm", 12, 22, wrap=True, printed=True),
    ReportColumn("rule_id", "Rule", 12, 22, wrap=True, printed=True),
    ReportColumn("status", "Status", 12, 12, printed=True),
    ReportColumn("days_open", "Days open", 7, 7, kind="int", wrap=True, printed=True),
    ReportColumn("due_date", "Due date", 12, 12, kind="date", printed=True),
    ReportColumn("overdue", "Overdue", 10, 10, printed=True),
    ReportColumn("note", "Note", 20, 30, wrap=True, printed=True),
    *ANSWER_LAYOUT,
    ReportColumn("finding_id", "Finding ID", 11, 24), ReportColumn("court_id", "Court", 7, 8),
    ReportColumn("cmecf_login", "CM/ECF login", 13, 16, wrap=True),
    ReportColumn("first_seen", "First seen", 12, 12, kind="date"),
]
# Header text -> column id, for reading a report back by the names the exports use.
HEADER_IDS = {c.header: c.id for c in FINDING_LAYOUT + DATA_ISSUE_LAYOUT + CHANGES_LAYOUT}
HEADER_IDS["ReportColumn"] = "column"   # reports written before the Data issues sheet said "Column"

# The Rules sheet: (header, width, wrap); the first RULES_PRINTED columns print, the rest stay on screen.
RULES_LAYOUT = [
    ("Rule", 26, True), ("What it finds", 40, True), ("Severity", 10, False), ("Who acts", 11, True),
    ("Ran", 6, False), ("Findings", 10, False), ("Notes (why it did not run, or not everywhere)", 40, True),
    ("Turned on", 10, False), ("Applies to", 40, True), ("Source", 110, True), ("Rule file", 22, False),
]
RULES_PRINTED = 7
# the Rules sheet's headers read back as the names its columns had (id, title, enabled, ran...)
HEADER_IDS.update({h: i for (h, _, _), i in zip(RULES_LAYOUT, [
    "rule_id", "title", "severity", "owner", "ran", "findings", "notes", "enabled", "applies_to", "source",
    "rule_file"])})

# The inputs table on the Summary sheet: (header, width)
INPUTS_LAYOUT = [
    ("File", 30), ("Kind", 30), ("Sheet", 12), ("Rows read", 11), ("Rows audited", 11),
    ("Rows rejected", 16), ("Blank rows", 10), ("Read = audited + rejected", 14), ("Status", 10),
    ("Columns read as", 40), ("Reason / unknown columns", 30), ("SHA-256", 24),
]

_ILLEGAL_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"
_ILLEGAL = re.compile(_ILLEGAL_RE)
# Text starting with one of these is read as a formula by a spreadsheet when typed or imported;
# FORMULA_START_RE is the same test as a regular expression over a whole column.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START_RE = "^[=+\\-@\t\r]"


def _escape_control(text: str) -> str:
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _truncate(text: str) -> str:
    limit = EXCEL_MAX_CELL_CHARS - len(TRUNCATION_NOTE)
    cut = text[:limit]
    while _utf16_len(cut) > limit:  # characters outside the BMP count twice in Excel
        cut = cut[: len(cut) - (_utf16_len(cut) - limit + 1) // 2 - 1]
    return cut + TRUNCATION_NOTE


_PLAIN_BYTE = np.ones(256, dtype=bool)
_PLAIN_BYTE[:0x20] = False
_PLAIN_BYTE[[0x09, 0x0A, 0x0D]] = True   # tab, line feed, carriage return: allowed in a cell


def _bytes_seen(s: pd.Series) -> tuple[bool, int]:
    """(whether a control character may be in the column, the longest value's length in bytes), read
    off its Arrow buffers in one numpy pass: a byte under 0x20 is never part of a longer UTF-8
    character, and a value has at least as many bytes as characters.  A column that may hold either
    is then looked at value by value."""
    control, longest = False, 0
    for chunk in s.array._pa_array.chunks:
        found = arrow_text.layout(chunk)
        if found is None or not len(found[0]):
            continue
        data, starts, ends = found
        raw = data[starts[0]:ends[-1]]
        # (most columns hold no byte under 0x20 at all: their smallest byte says so, in one pass)
        control = control or (len(raw) > 0 and raw.min() < 0x20 and not _PLAIN_BYTE[raw[raw < 0x20]].all())
        longest = max(longest, int((ends - starts).max()))
    return control, longest


def _as_text(s: pd.Series) -> pd.Series:
    """``s`` as Arrow-backed strings; an object column with no value at all (a firm's note in a run no
    firm answered) made so at once: pandas looks at every cell of an object column (14 ms at 100,000)."""
    if s.dtype == object and s.isna().all():
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(len(s), pa.large_string())])),
                         index=s.index, name=s.name)
    return s.astype("string[pyarrow]")


def clean_strings(s: pd.Series) -> pd.Series:
    """Input text as it may be put in a cell, as Arrow-backed strings (missing = <NA>).

    Vectorised: only the rare values holding control characters or too long
    for a cell are treated one by one.
    """
    s = _as_text(s) if len(s) else s.astype(object)
    if len(s):
        control, longest = _bytes_seen(s)
        bad = s.str.contains(_ILLEGAL_RE, regex=True).fillna(False).astype(bool) if control else None
        if bad is not None and bad.any():
            s = s.copy()
            s[bad] = s[bad].map(_escape_control).astype("string[pyarrow]")
        long = (s.str.len() > EXCEL_MAX_CELL_CHARS // 2).fillna(False).astype(bool) if longest > EXCEL_MAX_CELL_CHARS // 2 \
            else None
        if long is not None and long.any():
            fixed = s[long].map(lambda t: _truncate(t) if _utf16_len(t) > EXCEL_MAX_CELL_CHARS else t)
            s = s.copy()
            s[long] = fixed.astype("string[pyarrow]")
    return s


# For the findings CSV: a value a spreadsheet would run as a formula, even behind leading spaces
# or invisible characters (NBSP, zero-width space and joiners, word joiner, BOM) or written with a
# full-width sign (＝ ＋ － ＠), which some spreadsheets fold to the ASCII sign.
CSV_FORMULA_RE = ("^[\\t\\r\\n]|^[ \\t\\r\\n\u00a0\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]*"
                  "[=+\\-@\uff1d\uff0b\uff0d\uff20]")
_CSV_CONTROL_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"


def csv_safe(s: pd.Series) -> pd.Series:
    """Text for the findings CSV: control characters (NUL, ESC...) written as ``\\xNN`` and a
    leading apostrophe on anything a spreadsheet could take for a formula."""
    s = s.astype("string[pyarrow]")
    bad = s.str.contains(_CSV_CONTROL_RE, regex=True).fillna(False).astype(bool)
    if bad.any():
        s = s.copy()
        s[bad] = s[bad].str.replace(_CSV_CONTROL_RE, lambda m: f"\\x{ord(m.group()):02x}", regex=True)
    formula = s.str.contains(CSV_FORMULA_RE, regex=True).fillna(False).astype(bool)
    return s.where(~formula, "'" + s)


def clean_value(value) -> str | None:
    """One text value (from an input or a rules file) made safe for a cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = _escape_control(str(value))
    if len(text) > EXCEL_MAX_CELL_CHARS // 2 and _utf16_len(text) > EXCEL_MAX_CELL_CHARS:
        text = _truncate(text)
    return text


def column_widths(df: pd.DataFrame, layout: list[ReportColumn]) -> list[float]:
    """Widths that fit the longest value (or header), within each column's bounds."""
    widths = []
    for col in layout:
        longest = max(map(len, col.header.split())) if col.wrap else len(col.header)
        if col.kind == "date":
            longest = max(longest, 10)
        elif col.id in df and len(df):
            m = _longest(df[col.id], col.max_width - 2)
            if m is not None:
                longest = max(longest, m)
        widths.append(float(min(max(longest + 2, col.min_width), col.max_width)))
    return widths


def _longest(s: pd.Series, enough: float | None = None) -> int | None:
    """The length of the longest value as text, in characters (None when every value is missing); with
    ``enough``, any length of at least ``enough`` when the longest is that long."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":   # read in Arrow, no copy
        data = s.array._pa_array
        if enough is not None:   # a value of 4n bytes has at least n characters: no need to count them
            most = max((int((found[2] - found[1]).max()) for chunk in data.chunks
                        if (found := arrow_text.layout(chunk)) is not None), default=0)
            if most >= 4 * enough:
                return most // 4
        m = pc.max(pc.utf8_length(data)).as_py()
        return None if m is None else int(m)
    m = _as_text(s).str.len().max()
    return None if pd.isna(m) else int(m)


def part_names(base: str, rows: int, max_rows: int) -> list[tuple[str, int, int]]:
    """Sheet names and row slices: "Findings", "Findings (2)", ... (always at least one)."""
    parts = max(1, -(-rows // max_rows))
    return [
        (base if i == 0 else f"{base} ({i + 1})", i * max_rows, min(rows, (i + 1) * max_rows))
        for i in range(parts)
    ]
