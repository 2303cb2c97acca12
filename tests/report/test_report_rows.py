"""The rows of the big sheets (written column-wise, not by openpyxl cell by cell) read back as written."""

import datetime as dt
import re
import zipfile

import openpyxl

from auditor.report.workbook import write_report
from auditor.report.format import HEADER_IDS, SEVERITY_FILLS
from test_report import finding, findings_frame, issues_frame, make_result

ODD_TEXT = ["a < b & c > d", "  spaced  ", "Zoë 😀 Ōtsuka", "]]></t></is></c><c r=\"A9\"><f>1+1</f>",
            '=HYPERLINK("http://x","y")', "#N/A", "line\none", "123", "TRUE"]


def test_odd_values_read_back_exactly(tmp_path):
    rows = [finding(i, person_name=text, evidence=f"evidence: {text}") for i, text in enumerate(ODD_TEXT)]
    rows += [finding(90, person_name="", bar_id=None, severity="weird", due_date=None),
             finding(91, severity="high", due_date=dt.date(1999, 12, 31), first_seen=dt.date(2026, 3, 1))]
    rows += [finding(100 + i, person_name=" same padded name ") for i in range(len(rows))]  # a value repeated
    issues = issues_frame([{"file": "x.csv", "sheet": "", "row": 123456, "column": "c", "value": "=1+1",
                            "reason": "bad <b> & worse", "code": "bad-date", "severity": "rejected",
                            "firm_name": None}])
    path = write_report(make_result(findings_frame(rows), issues), tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["Findings"]
    header = [HEADER_IDS[c.value] for c in ws[1]]
    cells = {r[header.index("finding_id")].value: dict(zip(header, r)) for r in ws.iter_rows(min_row=2)}
    assert len(cells) == len(rows) and ws.max_row == len(rows) + 1
    assert cells["F00100"]["person_name"].value == " same padded name "
    # white space at either end of a text is marked to be kept (Excel drops it otherwise), and only there
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    texts = re.findall(r"<t( xml:space=\"preserve\")?>([^<]*)</t>", sheet)
    assert texts and all(bool(kept) == (text != text.strip()) for kept, text in texts)
    assert sum(1 for kept, _ in texts if kept) >= len(rows) // 2
    for i, text in enumerate(ODD_TEXT):
        row = cells[f"F{i:05d}"]
        assert row["person_name"].value == text and row["person_name"].data_type == "s"
        assert row["evidence"].value == f"evidence: {text}" and row["evidence"].alignment.wrap_text
        assert row["due_date"].is_date and row["due_date"].value.date() == dt.date(2026, 2, 1)
    odd = cells["F00090"]
    assert odd["person_name"].value is None and odd["bar_id"].value is None and odd["due_date"].value is None
    assert odd["severity"].value == "weird" and odd["severity"].fill.fgColor.rgb in (None, "00000000")
    high = cells["F00091"]
    assert high["severity"].fill.fgColor.rgb[-6:] == SEVERITY_FILLS["high"][0] and high["severity"].font.b
    assert high["due_date"].value.date() == dt.date(1999, 12, 31)
    assert high["first_seen"].value.date() == dt.date(2026, 3, 1)
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    di = openpyxl.load_workbook(path)["Data issues"]
    assert [c.value for c in di[2]] == ["x.csv", None, 123456, "c", "=1+1", "bad <b> & worse", "bad-date", "rejected",
                                      None]
    assert di.cell(2, 3).data_type == "n" and di.cell(2, 5).data_type == "s"


def test_related_findings_name_the_others_on_the_same_pacer_account(tmp_path):
    """Findings on one PACER account name each other (five at most, then "and N more"); an account
    with one finding names none; usernames differing only in case are one account."""
    rows = [finding(i, pacer_username="SHARED1" if i % 2 else "shared1") for i in range(8)]
    rows += [finding(20, pacer_username="pair9"), finding(21, pacer_username="pair9"), finding(30, pacer_username="alone")]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["Findings"]
    header = [HEADER_IDS[c.value] for c in ws[1]]
    related = {r[header.index("finding_id")]: r[header.index("related")]
               for r in ws.iter_rows(min_row=2, values_only=True)}
    assert related["F00020"] == "F00021" and related["F00021"] == "F00020"
    assert related["F00030"] is None
    shared = [f"F{i:05d}" for i in range(8)]
    for fid in shared:
        named = related[fid].split(", ")
        assert named[-1] == "and 2 more", related[fid]
        assert len(named) == 6 and fid not in named[:5] and set(named[:5]) <= set(shared)
        assert named[:5] == sorted(named[:5])   # in the sheet's order


def test_recurring_texts_of_a_big_sheet_are_shared_and_read_back_as_written_cell_by_cell(tmp_path, monkeypatch):
    """A big sheet's recurring texts (steps, titles, firms, odd values) are written once as the workbook's
    shared strings: every cell reads back the same as when each cell holds its own text (value, type,
    style, quote prefix, row height), and white space at either end is still marked to be kept."""
    import auditor.report.rows as rows_module
    import auditor.report.shared_strings as shared_module
    import auditor.report.sheet_xml as sheet_xml

    odd = [*ODD_TEXT, "", " padded ", "\t=1+1"]
    rows = [finding(i, person_name=odd[i % len(odd)], firm_name=odd[(i + 1) % len(odd)], bar_id=None if i % 5 else "x",
                    severity=("high", "weird", None, "low")[i % 4], remediation="Step one.\nStep two.\n" * (i % 3),
                    evidence=f"unique {i}") for i in range(60)]
    result = make_result(findings_frame(rows))
    each_cell = write_report(result, tmp_path / "cells.xlsx")
    for module in (rows_module, shared_module):   # the big-sheet path on a small sheet, in chunks of 7 rows
        monkeypatch.setattr(module, "FEW_ROWS", 5)
    monkeypatch.setattr(sheet_xml, "CHUNK_ROWS", 7)
    monkeypatch.setattr(rows_module, "CHUNK_ROWS", 7)
    shared = write_report(result, tmp_path / "shared.xlsx")
    with zipfile.ZipFile(shared) as z:
        strings = z.read("xl/sharedStrings.xml").decode()
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert ' t="s"><v>' in sheet and "unique 7" in sheet   # shared texts named by number, unique ones inline
    texts = re.findall(r"<si><t( xml:space=\"preserve\")?>([^<]*)</t></si>", strings)
    assert texts and all(bool(kept) == (text != text.strip()) for kept, text in texts)

    def cells(path):
        ws = openpyxl.load_workbook(path)["Findings"]
        heights = [ws.row_dimensions[r].height for r in range(2, ws.max_row + 1)]
        return heights, [(c.coordinate, c.value, c.data_type, c.style_id, c.quotePrefix)
                         for row in ws.iter_rows() for c in row]

    assert cells(shared) == cells(each_cell)
