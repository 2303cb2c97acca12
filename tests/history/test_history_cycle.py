"""Six monthly audits as a clerk runs them, through the real command line, on SQLite and PostgreSQL: edits
typed into the report itself and into a re-made copy (rows sorted and deleted), a status set on the
Changes sheet, a month run twice into the same report, a month dated a year ahead by mistake and taken
back, an unedited month; then every finding's lifecycle, status, first sight and due date is checked
against the reports, and the history's list and export against the months."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import run_cli, sheet_rows

CLOSED = ("Resolved", "Accepted")


@pytest.fixture(scope="module")
def six(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("six")
    done = run_cli("sample", "--rows", 300, "--out", out, "--months", 6)
    assert done.returncode == 0, done.stderr
    return out


def inputs(folder: Path) -> list:
    args = []
    for p in sorted(folder.glob("*.csv")):
        args += [("--court-accounts" if p.name.startswith("court") else
                  "--pacer-accounts" if p.name.startswith("pacer") else "--roster"), p]
    return args


def audit(folder: Path, as_of: str, out: Path, history: str, *extra, code: int = 0):
    done = run_cli("audit", *inputs(folder), "--as-of", as_of, "--out", out, "--history", history, *extra)
    assert done.returncode == code, done.stdout + done.stderr
    return done


def day(v):
    return v.date() if isinstance(v, dt.datetime) else v


def edit_in_place(report: Path, sheet: str, changes: dict[str, dict]) -> None:
    """As a clerk types into the report itself: cells of the rows of some findings."""
    wb = openpyxl.load_workbook(report)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for row in range(2, ws.max_row + 1):
        fid = ws.cell(row, col["Finding ID"]).value
        for name, value in changes.get(fid, {}).items():
            ws.cell(row, col[name]).value = value
    wb.save(report)


def remade_copy(report: Path, path: Path, drop: set[str], changes: dict[str, dict]) -> None:
    """A new workbook with the Findings rows re-made: sorted by person, some deleted, some edited."""
    rows = sheet_rows(report, "Findings")
    rows = sorted((r for r in rows if r["finding_id"] not in drop), key=lambda r: str(r["person_name"]))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "To follow up"
    ws.append(["Finding ID", "Person", "Status", "Notes", "Accepted until"])
    for r in rows:
        c = changes.get(r["finding_id"], {})
        ws.append([r["finding_id"], r["person_name"], c.get("Status", r["status"]), c.get("Notes", r["notes"]),
                   c.get("Accepted until", r["accepted_until"])])
    wb.save(path)


def test_six_months(six, tmp_path, history_url):
    plan = json.loads((six / "months.json").read_text())["months"]
    dates = [m["as_of"] for m in plan]
    folders = [six / m["folder"] for m in plan]
    r = [tmp_path / f"{m['folder']}.xlsx" for m in plan]

    # June: the first month
    audit(folders[0], dates[0], r[0], history_url)
    f1 = sheet_rows(r[0], "Findings")
    high = [f["finding_id"] for f in f1 if f["severity"] == "high"]
    a, b, c, d, e, g, h = high[:7]
    # typed into June's report itself: a "no end" acceptance, a note, an acceptance without a reason, an
    # acceptance already over; and a status set on the Changes sheet only
    edit_in_place(r[0], "Findings", {
        a: {"Status": "Accepted", "Notes": "court's test account", "Accepted until": dt.datetime(9999, 12, 31)},
        b: {"Status": "In progress", "Notes": "called the firm"},
        d: {"Status": "Accepted"},
        g: {"Status": "Accepted", "Notes": "was fine for a while", "Accepted until": dt.datetime(2026, 7, 15)},
    })
    edit_in_place(r[0], "Changes", {c: {"Status": "In progress"}})

    # July, carrying June's edits
    done = audit(folders[1], dates[1], r[1], history_url, "--previous", r[0])
    s2 = {f["finding_id"]: f for f in sheet_rows(r[1], "Findings")}
    longest = dt.date(2027, 7, 31)   # 12 months after July's audit date
    assert (s2[a]["status"], day(s2[a]["accepted_until"])) == ("Accepted", longest)
    assert (s2[b]["status"], s2[b]["notes"]) == ("In progress", "called the firm")
    assert s2[c]["status"] == "In progress"
    assert s2[d]["status"] == "Open" and s2[g]["status"] == "Open"
    changes2 = {x["finding_id"]: x for x in sheet_rows(r[1], "Changes")}
    assert changes2[d]["note"] == "marked Accepted without a reason in notes: left Open"
    assert changes2[g]["note"] == "acceptance expired on 2026-07-15"
    problems = {x["finding_id"]: x["problem"] for x in sheet_rows(r[1], "Status import")}
    assert set(problems) == {a, d}, problems   # only real problems: no row of the report's own sheets twice
    assert "9999-12-31" in problems[a] and "12 months" in problems[a] and longest.isoformat() in problems[a]
    assert "previous report: 3 statuses carried, 2 problems" in done.stdout

    # August, from a re-made copy of July: rows sorted, a's row deleted (its acceptance and reason stay as
    # the history holds them), b marked Resolved though still found, h given a note
    copy = tmp_path / "july-follow-up.xlsx"
    remade_copy(r[1], copy, drop={a}, changes={b: {"Status": "Resolved"}, h: {"Notes": "letter sent"}})
    audit(folders[2], dates[2], r[2], history_url, "--previous", copy)
    s3 = {f["finding_id"]: f for f in sheet_rows(r[2], "Findings")}
    assert (s3[a]["status"], s3[a]["notes"], day(s3[a]["accepted_until"])) == ("Accepted", "court's test account", longest)
    assert s3[b]["status"] == "Open"
    assert {x["finding_id"]: x["note"] for x in sheet_rows(r[2], "Changes")}[b] == "marked Resolved but still found: Open again"
    assert s3[h]["notes"] == "letter sent"

    # August again, into the same report, after the clerk typed into it: the run replaces August's, the
    # typed status is carried and the old report kept beside the new one
    edit_in_place(r[2], "Findings", {e: {"Status": "In progress", "Notes": "firm replied"}})
    again = audit(folders[2], dates[2], r[2], history_url, "--previous", copy)
    assert "replacing run 3" in again.stdout
    assert "held statuses or notes typed since it was written (1 findings): they are carried" in again.stdout
    kept = sorted(tmp_path.glob(f"{plan[2]['folder']} (replaced *).xlsx"))
    assert len(kept) == 1 and {x["finding_id"]: x for x in sheet_rows(kept[0], "Findings")}[e]["status"] == "In progress"
    s3 = {x["finding_id"]: x for x in sheet_rows(r[2], "Findings")}
    assert (s3[e]["status"], s3[e]["notes"]) == ("In progress", "firm replied")
    assert s3[h]["notes"] == "letter sent" and s3[a]["status"] == "Accepted"
    # its Changes compare with July, not with the August it replaces
    kinds = [x["change"] for x in sheet_rows(r[2], "Changes") if x.get("change")]
    assert kinds.count("new") == len(plan[2]["new"]) and kinds.count("resolved") == len(plan[2]["fixed"])
    assert kinds.count("reopened") == len(plan[2]["reopened"])
    # the same again, nothing typed since: nothing kept
    audit(folders[2], dates[2], r[2], history_url)
    assert len(sorted(tmp_path.glob(f"{plan[2]['folder']} (replaced *).xlsx"))) == 1

    # September typed as next year: refused for the history unless confirmed; confirmed, then taken back
    wrong = tmp_path / "wrong.xlsx"
    refused = audit(folders[3], "2027-09-30", wrong, history_url, code=2)
    assert len(refused.stderr.strip().splitlines()) == 1 and "--record-future-date" in refused.stderr
    assert not wrong.exists()
    audit(folders[3], "2027-09-30", wrong, history_url, "--record-future-date")
    ahead = run_cli("audit", *inputs(folders[3]), "--as-of", dates[3], "--out", r[3], "--history", history_url)
    assert ahead.returncode == 2 and "2027-09-30" in ahead.stderr and "history remove" in ahead.stderr
    listed = run_cli("history", "--history", history_url).stdout.splitlines()
    wrong_run = listed[-1].split()[0]
    asked = run_cli("history", "remove", wrong_run, "--history", history_url)
    assert asked.returncode == 2 and "--yes" in asked.stderr and len(asked.stderr.strip().splitlines()) == 1
    removed = run_cli("history", "remove", wrong_run, "--yes", "--history", history_url)
    assert removed.returncode == 0, removed.stderr
    audit(folders[3], dates[3], r[3], history_url, "--previous", r[2])

    # October, nobody edited anything; November from October's report as it was written
    audit(folders[4], dates[4], r[4], history_url)
    audit(folders[5], dates[5], r[5], history_url, "--previous", r[4])

    # every month's Changes against the reports of the months before it, as they stand
    seen: dict[str, dict] = {}
    before: set[str] = set()
    for n, report in enumerate(r):
        now = {x["finding_id"]: x for x in sheet_rows(report, "Findings")}
        changes = {x["finding_id"]: x["change"] for x in sheet_rows(report, "Changes") if x.get("change")}
        for fid, f in now.items():
            want = "new" if fid not in seen else "persisting" if fid in before else "reopened"
            assert changes[fid] == want, (dates[n], fid)
            first = seen.setdefault(fid, {"first": dates[n], "due": f["due_date"]})
            assert day(f["first_seen"]).isoformat() == first["first"]
            assert f["due_date"] == first["due"]
        assert {i for i, ch in changes.items() if ch == "resolved"} == before - set(now)
        notes = {x["finding_id"]: x["note"] for x in sheet_rows(report, "Changes") if x.get("change") == "reopened"}
        assert not any("marked Resolved" in (v or "") for v in notes.values()), notes
        before = set(now)
    last = {x["finding_id"]: x for x in sheet_rows(r[5], "Findings")}
    assert [last[x]["status"] for x in (a, b, c, e)] == ["Accepted", "Open", "In progress", "In progress"]
    assert last[h]["notes"] == "letter sent"

    # the Trend: each month once, in order
    trend = [t for t in sheet_rows(r[5], "Trend") if isinstance(t.get("Run date"), dt.datetime)]
    assert [day(t["Run date"]).isoformat() for t in trend] == dates

    # the list: the replaced and the removed runs stay, said so
    listed = [line.split() for line in run_cli("history", "--history", history_url).stdout.splitlines()[1:]]
    states = [" ".join(x[x.index("False") + 1:] if "False" in x else x[-1:]) for x in listed]
    assert sum(s.startswith("replaced by run") for s in states) == 2
    assert sum(s.startswith("removed") for s in states) == 1
    assert sum(s == "current" for s in states) == 6
    if "://" not in history_url:   # SQLite is listed without SQLAlchemy: the very rows of the full path
        from auditor.history.query import list_runs
        from auditor.history.sqlite_file import quick_runs
        from auditor.history.store import open_store

        store = open_store(history_url, create=False, write=False)
        try:
            assert quick_runs(history_url) == list_runs(store)
        finally:
            store.close()

    # the export: each current month once, with status, notes, accepted-until and the resolved rows
    target = tmp_path / "over-time.csv"
    done = run_cli("history", "export", "--history", history_url, "--out", target)
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert sorted(frame["as_of"].unique()) == dates
    nov = frame[frame["as_of"] == dates[5]].set_index("finding_id")
    assert nov.loc[a, "status"] == "Accepted" and nov.loc[a, "notes"] == "court's test account"
    assert nov.loc[a, "accepted_until"] == longest.isoformat()
    for n in range(1, 6):
        month = frame[frame["as_of"] == dates[n]]
        gone = {x["finding_id"] for x in sheet_rows(r[n], "Changes") if x.get("change") == "resolved"}
        assert set(month.loc[month["change"] == "resolved", "finding_id"]) == gone
        assert set(month.loc[month["change"] == "resolved", "status"]) <= {"Resolved"}
