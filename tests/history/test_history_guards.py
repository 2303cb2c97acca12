"""The history's guards, through the real command line: no output may be the history file; --previous is
checked before the audit, kept to its scope and to the firm whose workbook it is, within its limits; a
store holding 9999-12-31 is read; ``auditor history`` finds the store beside the reports and takes
--history on each subcommand; words on the Firms and Trend sheets."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import openpyxl
import pytest

from conftest import all_text, run_cli, sheet_rows
from test_history_cycle import inputs


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    done = run_cli("sample", "--rows", 200, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def one_line(done, *words) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    return err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_output_may_be_the_history(sample, tmp_path):
    store = tmp_path / "auditor-history.sqlite"
    first = run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", tmp_path / "nov.xlsx")
    assert first.returncode == 0, first.stderr
    before = digest(store)
    one_line(run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", tmp_path / "again.xlsx",
                     "--findings-csv", store), "--findings-csv", "run history", "every recorded month")
    one_line(run_cli("history", "export", "--history", store, "--out", store, "--format", "csv"),
             "--out", "run history")
    book = tmp_path / "book.xlsx"
    one_line(run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", book, "--history", book),
             "--out", "run history")
    one_line(run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", tmp_path / "x.xlsx",
                     "--findings-parquet", f"{store}-wal"), "--findings-parquet")
    assert digest(store) == before and not book.exists() and not (tmp_path / "again.xlsx").exists()
    assert len(run_cli("history", "--history", store).stdout.splitlines()) == 2


def test_previous_kept_to_its_firm_and_checked_first(sample, tmp_path):
    store = tmp_path / "h.sqlite"
    out = tmp_path / "oct.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-10-31", "--out", out, "--history", store, "--split-by-firm")
    assert done.returncode == 0, done.stderr
    findings = sheet_rows(out, "Findings")
    books = sorted((tmp_path / "oct-firms").glob("*.xlsx"))
    own_book = max(books, key=lambda b: (len(sheet_rows(b, "Findings")), b.name))
    own = {f["finding_id"] for f in sheet_rows(own_book, "Findings")}
    mine = sorted(own)[0]
    theirs = next(f["finding_id"] for f in findings if f["finding_id"] not in own and f["firm_name"])
    # the firm's administrator types into their own workbook, and adds another firm's finding as accepted
    wb = openpyxl.load_workbook(own_book)
    ws = wb["Findings"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, col["Finding ID"]).value == mine:
            ws.cell(row, col["Status"]).value = "In progress"
    extra = ws.max_row + 1
    ws.cell(extra, col["Finding ID"]).value = theirs
    ws.cell(extra, col["Status"]).value = "Accepted"
    ws.cell(extra, col["Notes"]).value = "not ours to fix"
    wb.save(own_book)
    nov = tmp_path / "nov.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", nov, "--history", store,
                   "--previous", own_book)
    assert done.returncode == 0, done.stderr
    now = {f["finding_id"]: f for f in sheet_rows(nov, "Findings")}
    assert now[mine]["status"] == "In progress"
    assert now[theirs]["status"] == "Open" and now[theirs]["notes"] is None
    problems = {p["finding_id"]: p for p in sheet_rows(nov, "Status import")}
    assert set(problems) == {theirs} and "whose own workbook this is" in problems[theirs]["problem"]
    assert problems[theirs]["row"] == extra

    # limits, and before the audit runs: a broken input is never reached
    broken = tmp_path / "court_broken.csv"
    broken.write_text("nothing,useful\n1,2\n")
    runs_before = run_cli("history", "--history", store).stdout
    one_line(run_cli("audit", "--court-accounts", broken, "--out", tmp_path / "d.xlsx", "--history", store,
                     "--previous", nov, "--max-previous-rows", 5), nov.name, "--max-previous-rows (5)")
    wb = openpyxl.load_workbook(nov)
    ws = wb["Findings"]
    ws.cell(2, [c.value for c in ws[1]].index("Notes") + 1).value = "x" * 5000
    wb.save(tmp_path / "long.xlsx")
    one_line(run_cli("audit", "--court-accounts", broken, "--out", tmp_path / "d.xlsx", "--history", store,
                     "--previous", tmp_path / "long.xlsx"), "long.xlsx", "row 2", "5,000 characters",
             "--max-note-chars (4,000)")
    assert run_cli("history", "--history", store).stdout == runs_before and not (tmp_path / "d.xlsx").exists()


def test_unknown_ids_listed_once_and_the_list_capped(sample, tmp_path):
    store = tmp_path / "h.sqlite"
    out = tmp_path / "oct.xlsx"
    assert run_cli("audit", *inputs(sample), "--as-of", "2026-10-31", "--out", out, "--history", store).returncode == 0
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Findings")
    ws.append(["Finding ID", "Status", "Notes"])
    for i in range(12_000):
        ws.append([f"F-UNKNOWN{i:06d}", "Resolved", None])
    wb.save(tmp_path / "many.xlsx")
    nov = tmp_path / "nov.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", nov, "--history", store,
                   "--previous", tmp_path / "many.xlsx")
    assert done.returncode == 0, done.stderr
    assert "0 statuses carried, 12000 problems" in done.stdout
    listed = sheet_rows(nov, "Status import")
    assert len(listed) == 10_000 and listed[-1]["problem"] == "and 2,001 more rows not used, not listed here"
    assert all("not found in this audit nor in the history" in p["problem"] for p in listed[:-1])


def test_store_holding_9999_is_read(sample, tmp_path, history_url):
    from sqlalchemy import text

    from auditor.history.store import open_store

    out = tmp_path / "oct.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-10-31", "--out", out, "--history", history_url)
    assert done.returncode == 0, done.stderr
    fid = sheet_rows(out, "Findings")[0]["finding_id"]
    store = open_store(history_url, create=False)
    with store.engine.begin() as conn:   # as an earlier version stored "no end"
        conn.execute(text("UPDATE finding_state SET status = 'Accepted', notes = 'no end', "
                          "accepted_until = '9999-12-31' WHERE finding_id = :f"), {"f": fid})
    store.close()
    nov = tmp_path / "nov.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", nov, "--history", history_url)
    assert done.returncode == 0, done.stderr
    f = {x["finding_id"]: x for x in sheet_rows(nov, "Findings")}[fid]
    assert (f["status"], f["notes"], f["accepted_until"].date()) == ("Accepted", "no end", dt.date(2027, 11, 30))


def test_history_found_beside_the_reports(sample, tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", reports / "nov.xlsx")
    assert done.returncode == 0, done.stderr
    store = reports / "auditor-history.sqlite"
    assert store.exists()
    listed = run_cli("history", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.splitlines()[1].split()[:2] == ["1", "2026-11-30"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    one_line(run_cli("history", cwd=elsewhere), "no history", "AUDITOR_HISTORY")
    for args in (["show", "1", "--history", store], ["--history", store, "show", "1"]):
        shown = run_cli("history", *args, cwd=elsewhere)
        assert shown.returncode == 0 and "as_of: 2026-11-30" in shown.stdout, shown.stderr
    export = run_cli("history", "export", "--out", elsewhere / "t.csv", "--history", store, cwd=elsewhere)
    assert export.returncode == 0, export.stderr
    env = run_cli_env({"AUDITOR_HISTORY": str(store)}, "history", cwd=elsewhere)
    assert env.returncode == 0 and "2026-11-30" in env.stdout


def run_cli_env(extra: dict, *args, cwd):
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("auditor")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **extra}, timeout=600)


def test_words_on_the_firms_and_trend_sheets(tmp_path):
    sample = tmp_path / "sample"   # enough firms for a Firms sheet
    assert run_cli("sample", "--rows", 1000, "--out", sample).returncode == 0
    store = tmp_path / "h.sqlite"
    nov = tmp_path / "nov.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", nov, "--history", store)
    assert done.returncode == 0, done.stderr
    firms = all_text(nov, "Firms")
    assert "Whitfield & Pemberton" in firms and "no workbook" not in firms   # no firm workbooks were asked for
    oct_ = tmp_path / "oct.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-10-31", "--out", oct_, "--history", store, "--backfill")
    assert done.returncode == 0, done.stderr
    trend = [t for t in sheet_rows(oct_, "Trend") if isinstance(t.get("Run date"), dt.datetime)]
    assert [t["Run date"].date().isoformat() for t in trend] == ["2026-10-31"]   # not November


def test_status_import_never_read_back(sample, tmp_path):
    store = tmp_path / "h.sqlite"
    oct_ = tmp_path / "oct.xlsx"
    assert run_cli("audit", *inputs(sample), "--as-of", "2026-10-31", "--out", oct_, "--history", store).returncode == 0
    fid = sheet_rows(oct_, "Findings")[0]["finding_id"]
    wb = openpyxl.load_workbook(oct_)
    ws = wb.create_sheet("Status import")
    ws.append(["sheet", "row", "finding_id", "problem", "status", "notes"])
    ws.append(["Findings", 2, fid, "whatever", "Resolved", "from the problems list"])
    wb.save(oct_)
    nov = tmp_path / "nov.xlsx"
    done = run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", nov, "--history", store,
                   "--previous", oct_)
    assert done.returncode == 0, done.stderr
    assert "0 statuses carried, 0 problems" in done.stdout
    f = {x["finding_id"]: x for x in sheet_rows(nov, "Findings")}[fid]
    assert (f["status"], f["notes"]) == ("Open", None)
    assert "Status import" not in openpyxl.load_workbook(nov, read_only=True).sheetnames


def test_a_report_that_cannot_be_put_in_place_is_not_recorded(sample, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("chattr"):
        pytest.skip("chattr is needed to make the report unreplaceable")
    store = tmp_path / "h.sqlite"
    out = tmp_path / "nov.xlsx"
    assert run_cli("audit", *inputs(sample), "--as-of", "2026-11-30", "--out", out, "--history", store).returncode == 0
    locked = subprocess.run(["chattr", "+i", str(out)], capture_output=True, text=True)
    if locked.returncode:
        pytest.skip(f"this file system cannot make a file immutable: {locked.stderr.strip()}")
    try:
        before = digest(out)
        done = run_cli("audit", *inputs(sample), "--as-of", "2026-12-01", "--out", out, "--history", store)
        one_line(done, "cannot replace nov.xlsx", "nothing was recorded")
        assert digest(out) == before
        assert len(run_cli("history", "--history", store).stdout.splitlines()) == 2   # header and run 1
    finally:
        subprocess.run(["chattr", "-i", str(out)], capture_output=True)
    assert not list(tmp_path.glob(".auditor-*"))
