"""Hostile values that once stopped every run: out-of-range dates, absurd options, huge calendars.

Each goes through the installed command; the run either goes on with a warning on the Data issues
sheet or stops at once with one usage line.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, sheet_rows

HOSTILE = ROOT / "tests" / "hostile"
AS_OF = "2026-11-30"


def test_far_dates_are_cell_warnings_and_9999_end_means_still_at_the_firm(tmp_path):
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", HOSTILE / "far_dates.csv", "--roster",
                   HOSTILE / "far_dates_roster.csv", "--as-of", AS_OF, "--out", out)
    assert proc.returncode == 0, proc.stderr
    issues = {(r["file"], r["row"], r["column"]): r["reason"] for r in sheet_rows(out, "Data issues")}
    assert "after the year 2262" in issues[("far_dates.csv", 2, "Linked")]
    assert "before the year 1678" in issues[("far_dates.csv", 2, "Last Filed")]
    assert "after the year 2262" in issues[("far_dates.csv", 3, "Linked")]       # Excel serial 2958465
    assert "before the year 1678" in issues[("far_dates.csv", 4, "Linked")]
    assert "after the year 2262" in issues[("far_dates.csv", 4, "Last Filed")]
    assert issues[("far_dates_roster.csv", 2, "End Date")] == "a date after the year 2262, read as no end date"
    # Jane Smith's end date 12/31/9999 is "no end": she is not reported as having left the firm
    left = [f for f in sheet_rows(out, "Findings") if "left" in str(f.get("rule_id", "")).lower()
            and f.get("person_name") == "Jane Smith"]
    assert not left


def test_validate_reads_far_dates(tmp_path):
    proc = run_cli("validate", HOSTILE / "far_dates.csv", "--kind", "court_accounts")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "2262" in proc.stdout


def test_far_go_live_date_in_a_courts_file(tmp_path):
    courts = tmp_path / "courts.csv"
    courts.write_text("court_id,name,type,on_nextgen,nextgen_go_live\n"
                      "zzmb,Test Bankruptcy,bankruptcy,,9999-12-31\nyymb,Other,bankruptcy,yes,0001-01-01\n")
    data = tmp_path / "zz.csv"
    data.write_text("Court,CM/ECF Login,Filer Name,Filer Type,Bar Number,PACER Login\n"
                    "zzmb,jsmith,\"Smith, Jane\",Attorney,NC1,js\nyymb,jroe,\"Roe, Al\",Attorney,NC2,jr\n")
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", data, "--courts", courts, "--as-of", AS_OF, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert out.exists()


@pytest.mark.parametrize("args, words", [
    (["--as-of", "9999-12-25"], "outside 1990-2200"),
    (["--as-of", "0001-01-01"], "outside 1990-2200"),
    (["--max-file-mb", "inf"], "--max-file-mb"),
    (["--max-file-mb", "nan"], "not a number of megabytes"),
    (["--max-columns", "0"], "--max-columns"),
])
def test_absurd_options_are_usage_errors(tmp_path, args, words):
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", HOSTILE / "crlf.csv", *args, "--out", out)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_eight_thousand_user_courts_load_in_seconds(tmp_path):
    courts = tmp_path / "courts.csv"
    with courts.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["court_id", "name", "type", "nextgen_go_live"])
        w.writerows([f"c{i}x", f"Court {i}", "district", "2025-01-01"] for i in range(8000))
    out = tmp_path / "r.xlsx"
    start = time.monotonic()
    proc = run_cli("audit", "--court-accounts", HOSTILE / "crlf.csv", "--courts", courts, "--as-of", AS_OF,
                   "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 60   # it ran past 300 s when each court was merged one at a time


def test_range_bomb_is_skipped_with_skip_bad_files_and_refused_by_validate(tmp_path):
    import sys

    sys.path.insert(0, str(HOSTILE))
    import make_bombs

    bomb = make_bombs.xlsx_with_far_cell(tmp_path / "bomb.xlsx", "XFD300000", 300000)
    ods = make_bombs.ods(tmp_path / "rows.ods", rows=20_000_000)
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", bomb, "--court-accounts", ods, "--court-accounts",
                   HOSTILE / "crlf.csv", "--skip-bad-files", "--as-of", AS_OF, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "skipped: bomb.xlsx, rows.ods" in proc.stdout
    assert out.exists()
    proc = run_cli("validate", bomb, ods)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "XFD300000" in proc.stdout + proc.stderr and "20,000,001" in proc.stdout + proc.stderr


def _binary_bombs(folder: Path) -> dict[str, Path]:
    import sys

    sys.path.insert(0, str(HOSTILE))
    import make_binary

    names = ("range_bomb.xlsb", "range_bomb_wide.xls", "lying_dimensions.xls")
    return {n: make_binary.BUILDERS[n](folder / n) for n in names}


def test_binary_range_bombs_are_skipped_with_skip_bad_files_and_refused_by_validate(tmp_path):
    bombs = _binary_bombs(tmp_path)
    out = tmp_path / "r.xlsx"
    args = [a for p in bombs.values() for a in ("--court-accounts", p)]
    proc = run_cli("audit", *args, "--court-accounts", HOSTILE / "crlf.csv", "--skip-bad-files", "--as-of", AS_OF,
                   "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "skipped: range_bomb.xlsb, range_bomb_wide.xls, lying_dimensions.xls" in proc.stdout
    summary = {r[0]: [str(v) for v in r if v is not None] for r in _summary(out)}
    assert any("XFD300000" in v for v in summary["range_bomb.xlsb"])
    proc = run_cli("validate", *bombs.values())
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stdout.strip().splitlines()
    assert lines == [
        "refused: range_bomb.xlsb: sheet 'Accounts' has cells across 16,384 columns (cell XFD300000), more than "
        "the limit of 1,000 columns (raise it with --max-columns)",
        "refused: range_bomb_wide.xls: sheet 'Accounts' has cells across 65,536 columns (cell CRXP60000), more "
        "than the limit of 1,000 columns (raise it with --max-columns)",
        "refused: lying_dimensions.xls: sheet 'Accounts' is damaged and cannot be read (its size record claims "
        "4,294,967,295 rows by 60,000 columns)"]


def _summary(report: Path) -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(report, read_only=True)
    try:
        return [r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]]
    finally:
        wb.close()


def _long_xlsb(path: Path, rows: int, stray: tuple[int, int] | None = None) -> Path:
    """An .xlsb of ``rows`` accounts laid out as Excel does (shared strings, numbers), so that the range
    check reads it in bulk; ``stray`` puts one more cell (0-based row, column) in the middle of it."""
    import sys

    sys.path.insert(0, str(HOSTILE))
    import make_binary

    head = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "PACER Login"]
    table = [head] + [["ncmb", f"user{i}", f"Filer, Number {i}", "Attorney", 100_000 + i, f"pacer{i:07d}"]
                      for i in range(rows)]
    cells = make_binary.table_cells(table) + ([(*stray, "stray")] if stray else [])
    return make_binary.xlsb(path, cells, shared=True)


def test_long_xlsb_is_read_whole_and_a_far_cell_inside_it_is_found(tmp_path):
    honest = _long_xlsb(tmp_path / "long.xlsb", 20_000)
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", honest, "--as-of", AS_OF, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "20000 rows read, 0 rejected" in proc.stdout
    stray = _long_xlsb(tmp_path / "stray.xlsb", 20_000, stray=(9_999, 16_383))
    proc = run_cli("audit", "--court-accounts", stray, "--as-of", AS_OF, "--out", tmp_path / "r2.xlsx")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("auditor: stray.xlsb: sheet 'Accounts' has cells across 16,384 columns "
                                  "(cell XFD20001)"), proc.stderr   # the corner of the used range
    assert not (tmp_path / "r2.xlsx").exists()


def test_the_grid_limit_is_an_option_named_when_it_refuses(tmp_path):
    """A stray cell at ALL5000 below a 3-row table makes a 5-million-cell grid: refused under
    --max-cells 2500000 with the option named; at the default refused as mostly empty (--max-blank-cells,
    4,000,000 by default), and read (the stray column kept as unknown) when that limit is raised."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "PACER Login"])
    for i in range(3):
        ws.append(["ncmb", f"l{i}", f"Name {i}", "Attorney", f"NC{i}", f"pacer{i:05d}"])
    ws["ALL5000"] = "x"
    path = tmp_path / "stray.xlsx"
    wb.save(path)
    refused = run_cli("validate", path, "--max-cells", "2500000")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert ("spans 5,000 rows by 1,000 columns (to cell ALL5000), more than the limit of 2,500,000 cells"
            in refused.stdout + refused.stderr) and "--max-cells" in refused.stdout + refused.stderr
    sparse = run_cli("validate", path)
    assert sparse.returncode == 2 and "only 25 cells hold anything" in sparse.stdout + sparse.stderr
    read = run_cli("validate", path, "--max-blank-cells", "5000000")
    assert read.returncode == 0 and "4 rows read" in read.stdout, read.stdout + read.stderr
