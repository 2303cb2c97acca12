"""Property-based tests: random tables, headers, encodings and cell values at the loader and the report.

Invariants, whatever hypothesis throws:
- reading never raises anything but InputError, whose message is one line naming the file;
- rows read = rows audited + rejected, and rows read = the non-blank data rows written;
- every record's row number is unique and within the file;
- the report reopens, holds no formula (no cell of type "f", no <f> in any sheet's XML), no
  hyperlink, and shows every offending input value on the Data issues sheet verbatim
  (control characters that XML cannot hold are shown escaped as \\xNN; a carriage return
  inside a value reads back as a line feed, as in Excel).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import columns as C
from auditor.api import audit_tables
from auditor.errors import InputError
from auditor.report.format import HEADER_IDS
from auditor.report.workbook import write_report
from auditor.api import load_input

SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", 60)), deadline=None, suppress_health_check=list(HealthCheck))
KIND = C.COURT_ACCOUNTS
TRICKY = ["=1+1", "+1-555", "@SUM(A1)", "-2", "\t=x", "\r=x", '=HYPERLINK("http://evil.example","x")',
          "=cmd|' /C calc'!A0", "#N/A", "#REF!", "00412345", "12345", "1e5", "TRUE", "NaN", "null", "-",
          "Smith, John \"JJ\"", "Ünïcödé Ñame", "张伟", "O'Brien", "a\nb", "x;y", "a\tb", "'quoted",
          "2024-02-30", "44000", "=", "==", " =spaced", "@", "\u200b", "e\u0301", "ﬁrm", "😀 emoji"]
CONTROL = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r")


def _text(alphabet=None, max_size=30):
    if alphabet is None:
        alphabet = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    return st.text(alphabet=alphabet, max_size=max_size)


cell = st.one_of(
    st.sampled_from(TRICKY),
    _text(),
    _text(st.sampled_from(CONTROL + "ab=+-@ "), 8),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(lambda d: d.strftime(st_choice_fmt(d))),
    st.text(alphabet="xyz", min_size=300, max_size=2000),
    st.just(""),
)


def st_choice_fmt(d: dt.date) -> str:
    return ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")[d.toordinal() % 3]


@st.composite
def tables(draw):
    """(header, rows): canonical columns under random aliases, junk columns, random cells, blank rows."""
    header, required = [], []
    for col in C.columns(KIND):
        if col.required or draw(st.booleans()):
            if col.required and draw(st.integers(0, 30)) == 0:
                continue  # a required column missing now and then: the file must be refused cleanly
            header.append(draw(st.sampled_from(col.aliases)))
            required.append(col.required)
    junk = draw(st.lists(st.sampled_from(["Notes", "Extra", "", "Column 7", "=SUM(A:A)", "Kommentar ü"]),
                         max_size=3))
    header += junk
    draw(st.randoms()).shuffle(header)
    n = draw(st.integers(0, 12))
    rows = []
    for _ in range(n):
        if draw(st.integers(0, 8)) == 0:
            # a blank row between data: empty, or only spaces of one kind or another
            rows.append([draw(st.sampled_from(["", " ", "\t", "\u00a0", "\u2003", "\u3000", "  \t "]))
                         for _ in header])
            continue
        row = [draw(cell) for _ in header]
        row[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(["anchor", "Row", "zz9"]))
        rows.append(row)
    return header, rows


def _nonblank(rows) -> int:
    return sum(1 for r in rows if any(v.strip() for v in r))


def _write_csv(path: Path, header, rows, encoding: str, delimiter: str) -> bool:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    try:
        path.write_bytes(buf.getvalue().encode(encoding))
    except UnicodeEncodeError:
        return False
    return True


def _write_xlsx(path: Path, header, rows) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [header, *rows]:
        # control characters cannot be stored in a workbook at all: an exporting program drops them
        ws.append([openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", v) or None for v in r])
        for c in ws[ws.max_row]:
            if isinstance(c.value, str):
                c.data_type = "s"
    wb.save(path)
    return [[openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", v) for v in r] for r in rows]


def _check_table(path: Path, header, rows):
    """Load ``path``; check the invariants; the InputTable, or None when refused."""
    try:
        table = load_input(path, KIND, court="ncmb")
    except InputError as exc:
        msg = str(exc)
        assert msg.startswith(path.name) and "\n" not in msg, msg
        return None
    assert table.rows_read == table.rows_audited + table.rows_rejected
    rownums = table.records["_row"]
    assert rownums.is_unique
    if len(rownums):
        assert rownums.min() >= 2 and rownums.max() <= len(rows) + 1
    return table


@SETTINGS
@given(data=tables(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_random_csv_loads_cleanly(tmp_path_factory, data, encoding, delimiter):
    header, rows = data
    path = tmp_path_factory.mktemp("csv") / "export.csv"
    if not _write_csv(path, header, rows, encoding, delimiter):
        return
    table = _check_table(path, header, rows)
    if table is not None:
        assert table.rows_read == _nonblank(rows), "rows lost or invented"


@SETTINGS
@given(data=tables())
def test_random_xlsx_loads_cleanly(tmp_path_factory, data):
    header, rows = data
    path = tmp_path_factory.mktemp("xlsx") / "export.xlsx"
    stored = _write_xlsx(path, header, rows)
    table = _check_table(path, header, stored)
    if table is not None:
        assert table.rows_read == _nonblank(stored), "rows lost or invented"


def _expected_shown(value: str) -> str:
    text = unicodedata.normalize("NFC", value.strip())
    text = text if len(text) <= 200 else text[:200] + "…"
    # a carriage return inside a value reads back as a line feed: XML (and so Excel) normalises line ends
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 32 and c not in "\t\n\r" else c for c in text)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=tables(), as_xlsx=st.booleans())
def test_report_of_random_tables_is_safe(tmp_path_factory, data, as_xlsx):
    header, rows = data
    d = tmp_path_factory.mktemp("report")
    path = d / ("export.xlsx" if as_xlsx else "export.csv")
    if as_xlsx:
        rows = _write_xlsx(path, header, rows)
    else:
        _write_csv(path, header, rows, "utf-8", ",")
    table = _check_table(path, header, rows)
    if table is None:
        return
    result = audit_tables([table], as_of=dt.date(2026, 11, 30))
    out = write_report(result, d / "report.xlsx")

    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
                assert "<hyperlink" not in xml, name
        assert not any("externalLink" in n for n in z.namelist())
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        assert not ws._hyperlinks
        for r in ws.iter_rows():
            for c in r:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                assert c.hyperlink is None
    # every offending value is shown verbatim on Data issues, at the row and column it came from
    ws = wb["Data issues"]
    got = list(ws.iter_rows(values_only=True))
    head = [HEADER_IDS.get(h, h) for h in got[0]]  # plain-word headers, read as the column ids
    written = {h.strip(): i for i, h in enumerate(header)}
    source = dict(enumerate([header, *rows], start=1))
    checked = 0
    for values in got[1:]:
        issue = dict(zip(head, values))
        if issue.get("file") != path.name or not issue.get("row") or issue.get("column") not in written:
            continue
        raw = source[int(issue["row"])][written[issue["column"]]]
        checked += 1
        assert (issue["value"] or "") == _expected_shown(raw), issue
    wb.close()
    assert checked or not len(table.issues) or all(table.issues["column"].map(lambda c: c not in written))
