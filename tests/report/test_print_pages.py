"""Every printed page measured as LibreOffice prints it: the sample report, one firm's workbook of it,
and the second of two 3,000-row months (``auditor sample --months 2``).  All three are printed to PDF
in one LibreOffice run shared by the tests here (see ``print_check``)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, run_cli
from parts import missing
from print_check import PDFTOTEXT, SOFFICE, Printout, calibri_twin, print_pdf

if not SOFFICE or not PDFTOTEXT or not calibri_twin():   # skip here, fail with CI set (tests/parts.py)
    missing("LibreOffice (soffice), poppler (pdftotext) or the Carlito font is not installed; "
            "scripts/system-deps.sh installs them")

DATA = ROOT / "sample_data"
FIRM = "Whitfield & Pemberton, LLP"
SEVERITY_ORDER = ["high", "medium", "low", "info"]


def _audit(folder: Path, out: Path, *extra, as_of: str = "2026-11-30") -> None:
    files = sorted(folder.iterdir())
    args = []
    for option, prefix in (("--court-accounts", "court_accounts"), ("--roster", "roster_"),
                           ("--pacer-accounts", "pacer_accounts")):
        args += [option, *[p for p in files if p.name.startswith(prefix)]]
    done = run_cli("audit", *args, "--as-of", as_of, "--out", out, *extra)
    assert done.returncode in (0, 1), done.stderr


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Printout]:
    work = tmp_path_factory.mktemp("print")
    sample = work / "sample" / "sample-audit.xlsx"
    _audit(DATA, sample, "--split-by-firm")          # with its history: Changes and Trend print too
    firm = sample.parent / "sample-audit-firms" / f"{FIRM}.xlsx"
    # the second of two months: its cover compares with the first, its Changes and Trend have both
    made = run_cli("sample", "--rows", 3000, "--months", 2, "--out", work / "months")
    assert made.returncode == 0, made.stderr
    history = work / "history.sqlite"
    first, second = sorted(p for p in (work / "months").iterdir() if p.is_dir())
    _audit(first, work / "month" / "month-1.xlsx", "--history", history, as_of=f"{first.name}-28")
    month = work / "month" / "month-3000.xlsx"
    _audit(second, month, "--history", history, as_of=f"{second.name}-28")
    books = {"sample": sample, "firm": firm, "month": month}
    pdfs, unit = print_pdf(list(books.values()), work / "pdf")
    return {name: Printout(path, pdf, unit) for (name, path), pdf in zip(books.items(), pdfs)}


WHICH = ["sample", "firm", "month"]


@pytest.mark.parametrize("which", WHICH)
def test_every_word_is_8_points_or_more(printed, which):
    p = printed[which]
    assert p.pages and not p.small_words(), p.small_words()[:10]


@pytest.mark.parametrize("which", WHICH)
def test_no_two_words_overlap(printed, which):
    assert not printed[which].overlaps()


@pytest.mark.parametrize("which", WHICH)
def test_every_printed_cell_shows_its_whole_text(printed, which):
    p = printed[which]
    assert not p.hashes()                 # no number or date too wide for its cell
    assert not p.clipped(), p.clipped()[:10]
    # what the issue found cut off or run together, in the report as it was
    text = p.text()
    for seen in ("Accepted un ", "PACER usernan", "0yes", "22026-12-30", "Days openDue date", "612026-10-14"):
        assert seen not in text


@pytest.mark.parametrize("which", WHICH)
def test_every_sheet_prints_and_the_summary_on_one_page(printed, which):
    p = printed[which]
    names = openpyxl.load_workbook(p.xlsx, read_only=True).sheetnames
    assert list(dict.fromkeys(p.sheets())) == names      # every sheet, in order
    assert len(p.pages_of("Summary")) == 1
    assert p.pages[0].width < p.pages[0].height                  # the cover portrait
    assert all(pg.width > pg.height for pg in p.pages[1:])       # the tables landscape


@pytest.mark.parametrize("which", WHICH)
def test_findings_print_what_a_reader_needs(printed, which):
    p = printed[which]
    findings = p.pages_of("Findings")
    assert findings
    for page in findings:   # the header line of every page: those seven columns and no other
        top = min(w.y0 for w in page.body)
        head = " ".join(w.text for w in sorted((w for w in page.body if w.y0 < top + 1), key=lambda w: w.x0))
        assert head == "Severity Person Firm Problem What to do Due date Status"
    assert "Finding ID" not in p.text("Findings") and "Source (file, row)" not in p.text("Findings")
    ws = openpyxl.load_workbook(p.xlsx, read_only=True)["Findings"]
    header = next(ws.iter_rows(max_row=1, values_only=True))
    assert {"Finding ID", "Evidence", "PACER username", "Source (file, row)"} <= set(header)   # on screen


def test_summary_says_what_to_do_first_most_severe_first(printed):
    for which in WHICH:
        p = printed[which]
        ws = openpyxl.load_workbook(p.xlsx)["Summary"]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        start = next(i for i, r in enumerate(rows) if r[0] == "What to do first")
        head = rows[start + 1]
        sev = head.index("Severity")
        items = []
        for r in rows[start + 2:]:
            if r[0] in ("The court's own items", "For firms and filers"):
                items.append([])
            elif r[sev] in SEVERITY_ORDER:
                items[-1].append(SEVERITY_ORDER.index(r[sev]))
            elif r[0] is None or str(r[0]).startswith("The "):
                break
        assert items and all(group == sorted(group) for group in items), (which, items)
        firms_group = items[-1]
        assert firms_group[0] == min(firms_group) and (firms_group[0] < 3 or set(firms_group) == {3})
        page = " ".join(w.text for w in p.pages_of("Summary")[0].words)
        assert "What to do first" in page
        assert ("Compared with the previous report" in page) == (which == "month")
        # what means nothing to a clerk or a firm stays off the printed cover, on screen below it
        assert "engine" not in page and "pandas" not in page and "SHA-256" not in page
        assert not re.search(r"\b[0-9a-f]{16,}\b", page)
        text = " ".join(str(v) for r in rows for v in r if v is not None)
        assert "SHA-256" in text and "Rule engine" in text


def test_rules_and_data_issues_headed_in_plain_words(printed):
    p = printed["sample"]
    rules = " ".join(w.text for w in p.pages_of("Rules")[0].body[:20])
    assert rules.startswith("Rule What it finds Severity Who acts Ran Findings Notes")
    issues = " ".join(w.text for w in p.pages_of("Data issues")[0].body[:8])
    assert issues.startswith("File Sheet Row Column Value Reason")
    assert "ReportColumn" not in p.text() and "enabled" not in p.text("Rules")
