"""How the report prints: the page setup stored in the workbook, and LibreOffice's PDF of it."""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pytest

from auditor import api
from auditor.report.format import FINDING_LAYOUT
from auditor.report.workbook import write_report
from parts import PDFINFO, SOFFICE
from test_report import finding, findings_frame, firm_result, make_result


@pytest.fixture
def report(tmp_path):
    long = "PACER username jsmith is used to e-file by one person but is shared with 2 other people. " * 4
    rows = [finding(i, evidence=long if i == 0 else "short", remediation="1. Do this.\n2. Then that.")
            for i in range(30)]
    return write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx")


def test_every_sheet_has_a_print_layout(report):
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == ["Summary", "Findings", "Data issues", "Rules"]
    for ws in wb:
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert setup.fitToWidth in (1, None), ws.title   # one page wide (1 is the default)
        assert setup.orientation == ("portrait" if ws.title == "Summary" else "landscape"), ws.title
        footer = ws.oddFooter
        assert footer.left.text == "&A" and "&P" in footer.center.text and "&N" in footer.center.text
        assert footer.right.text == "Audit date 2026-01-15"
    for name, last in (("Findings", "G"), ("Data issues", "F"), ("Rules", "G")):
        ws = wb[name]
        assert ws.page_setup.fitToHeight == 0          # as many pages tall as the rows need
        assert ws.print_title_rows == "$1:$1"          # the header row on every page
        assert ws.print_area == f"'{name}'!$A$1:${last}${ws.max_row}"   # the columns a reader needs
    summary = wb["Summary"]
    assert summary.page_setup.fitToHeight == 1        # the cover: one page
    assert summary.print_title_rows is None
    rows = [r[0] for r in summary.iter_rows(values_only=True)]
    last = int(summary.print_area.rsplit("$", 1)[1])
    assert summary.print_area == f"'Summary'!$A$1:$F${last}"
    assert "What to do first" in rows[:last] and "Input files" in rows[last:]   # the details: on screen


def test_rows_are_as_tall_as_their_wrapped_text(report):
    ws = openpyxl.load_workbook(report)["Findings"]
    ids = [c.id for c in FINDING_LAYOUT]
    ev = ids.index("evidence") + 1
    fid = ids.index("finding_id") + 1
    heights = {ws.cell(r, fid).value: ws.row_dimensions[r].height for r in range(2, ws.max_row + 1)}
    tall, short = heights["F00000"], heights["F00001"]
    assert short and short >= 29          # "1. Do this.\n2. Then that.": two lines
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(ev)].width
    lines = len(ws.cell(2, ev).value) / width
    assert tall >= 14 * lines * 0.8 and tall > 2 * short   # the long evidence gets the room it needs
    assert all(h <= 409 for h in heights.values())


def test_summary_chart_sits_beside_the_cover(report):
    ws = openpyxl.load_workbook(report)["Summary"]
    (chart,) = ws._charts
    assert chart.anchor._from.col >= 7            # right of column F, where the printed cover ends
    series = [s.tx.strRef.f for s in chart.series]
    assert len(series) == 4 and all("Summary" in f for f in series)   # severity by who acts: 4 series


def _to_pdf(path, tmp_path):
    """The workbook printed to PDF by LibreOffice: (the PDF, its number of pages)."""
    out = tmp_path / "pdf"
    proc = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                           "--convert-to", "pdf", "--outdir", str(out), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    pdf = out / (path.stem + ".pdf")
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True).stdout
    return pdf, int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _pdf_pages(path, tmp_path) -> int:
    return _to_pdf(path, tmp_path)[1]


@pytest.mark.usefixtures("pdfinfo")   # LibreOffice and poppler: skip where missing, fail with CI set
def test_the_report_and_a_firm_copy_print_on_few_pages(report, tmp_path):
    # 30 findings: a two-page Summary, the findings on a few landscape pages one page wide, the rest one each
    assert _pdf_pages(report, tmp_path) <= 8
    paths = api.write(firm_result(), tmp_path / "split" / "ncmb.xlsx", split_by_firm=True)
    firm = next(p for p in paths if p.name == "Smith & Jones, LLP.xlsx")
    assert _pdf_pages(firm, tmp_path) <= 5


def test_one_problem_one_row_and_related_findings_point_to_each_other(tmp_path):
    """On the sample data: a PAA used as a login is not also a holder-name mismatch, nor an account several
    people e-file with; findings on one PACER account name each other under Related findings."""
    from pathlib import Path

    from conftest import sheet_rows

    data = Path(__file__).resolve().parents[2] / "sample_data"
    files = sorted(data.iterdir())
    result = api.audit(court_accounts=[p for p in files if p.name.startswith("court_accounts")],
                       roster=[p for p in files if p.name.startswith("roster_")],
                       pacer_accounts=[p for p in files if p.name.startswith("pacer_accounts")],
                       as_of=__import__("datetime").date(2026, 11, 30))
    rows = sheet_rows(api.write(result, tmp_path / "r.xlsx")[0], "Findings")
    by_source = {}
    for r in rows:
        by_source.setdefault((r["source"], (r["pacer_username"] or "").lower()), set()).add(r["rule_id"])
    paa = [k for k, rules in by_source.items() if "paa-used-as-login" in rules]
    assert paa and not any("holder-name-mismatch" in by_source[k] for k in paa)
    assert not any({"shared-filing-account", "holder-name-mismatch"} <= rules for rules in by_source.values())
    ids = {r["finding_id"]: r for r in rows}
    linked = [r for r in rows if r["related"]]
    assert linked
    for r in linked:
        for other in [x for x in r["related"].split(", ") if not x.startswith("and ")]:
            o = ids[other]
            assert (o["pacer_username"] or "").lower() == (r["pacer_username"] or "").lower()
            assert r["finding_id"] in (o["related"] or "") or "more" in (o["related"] or "")


@pytest.mark.usefixtures("pdfinfo")   # LibreOffice and poppler: skip where missing, fail with CI set
def test_a_firm_trend_sheet_prints_on_one_page(tmp_path):
    """A firm's workbook in the third month of its history: its Trend sheet, table and charts, prints on
    one landscape page laid out like the other sheets."""
    import datetime as dt
    from dataclasses import replace

    from auditor.history import recording

    store = tmp_path / "history.sqlite"
    for month in (dt.date(2025, 11, 30), dt.date(2025, 12, 31)):
        with recording(replace(firm_result(), as_of=month), store):
            pass
    result = firm_result()
    with recording(result, store) as view:
        paths = api.write(view.applied(result), tmp_path / "split" / "ncmb.xlsx", split_by_firm=True,
                          on_commit=view.commit)
    firm = next(p for p in paths if p.name == "Smith & Jones, LLP.xlsx")
    wb = openpyxl.load_workbook(firm)
    trend = wb["Trend"]
    assert len(trend._charts) == 2 and trend.max_row >= 4
    for ws in wb:   # every sheet prints one page wide, landscape (the Summary's cover portrait), with the footer
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.orientation == ("portrait" if ws.title == "Summary" else "landscape"), ws.title
        assert ws.oddFooter.left.text == "&A" and ws.oddFooter.right.text == "Audit date 2026-01-15", ws.title
    assert trend.page_setup.fitToHeight == 1 and trend.print_title_rows == "$1:$1"
    pdf, pages = _to_pdf(firm, tmp_path)
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    before = subprocess.run(["pdftotext", "-f", str(pages - 1), "-l", str(pages - 1), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout
    assert "Open findings of Smith & Jones, LLP" in last and "2026-01-15" in last and "Open high" in last
    assert "Run date" not in before    # the whole Trend sheet on its one (last) page
