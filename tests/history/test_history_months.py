"""Three monthly audits over the sample months, through the real command line, on SQLite and PostgreSQL:
the Changes sheet, first_seen, due dates fixed at first sight, statuses carried from an edited workbook
and from the history, an acceptance that expires, a reopened finding and the trend series."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli, sheet_rows

CLOSED = ("Resolved", "Accepted")


def audit(folder: Path, as_of: str, out: Path, history: str, *extra) -> tuple[list[dict], str]:
    inputs = []
    for p in sorted(folder.glob("*.csv")):
        kind = ("--court-accounts" if p.name.startswith("court") else
                "--pacer-accounts" if p.name.startswith("pacer") else "--roster")
        inputs += [kind, p]
    done = run_cli("audit", *inputs, "--as-of", as_of, "--out", out, "--history", history, *extra)
    assert done.returncode == 0, done.stderr
    return sheet_rows(out, "Findings"), done.stdout


def by_account(findings: list[dict], key: dict) -> dict:
    hit = [f for f in findings if f["rule_id"] == key["rule_id"] and f["court_id"] == key["court_id"]
           and f["cmecf_login"] == key["cmecf_login"]]
    assert len(hit) == 1, key
    return hit[0]


def day(v) -> dt.date | None:
    return v.date() if isinstance(v, dt.datetime) else v


def summary_block(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Summary"].iter_rows(values_only=True))
    wb.close()
    start = [i for i, r in enumerate(rows) if r and r[0] == "Compared with the previous report"]
    if not start:
        return {}
    out = {}
    for r in rows[start[0] + 1:]:
        if not r or r[0] is None:
            break
        out[r[0]] = r[1]
    return out


def clerk_copy(findings: list[dict], path: Path, picks: dict[str, tuple]) -> None:
    """As a clerk would: the rows they care about copied into a new workbook, in another order, under a
    title, columns re-ordered and headed in plain words, with their status, notes and dates typed in."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "My follow-up"
    ws.append(["Follow-up of the September audit"])
    ws.append(["Status", "Finding ID", "Person", "Notes", "Accepted until"])
    for fid, (status, notes, until) in reversed(list(picks.items())):
        person = next((f["person_name"] for f in findings if f["finding_id"] == fid), "someone")
        ws.append([status, fid, person, notes, until])
    ws.append([None, None, None, None, None])
    wb.save(path)


def test_three_monthly_audits(months, tmp_path, history_url):
    plan = json.loads((months / "months.json").read_text())["months"]
    dates = [m["as_of"] for m in plan]
    reports = [tmp_path / f"{m['folder']}.xlsx" for m in plan]

    # month 1: everything is new, first seen today
    f1, out1 = audit(months / plan[0]["folder"], dates[0], reports[0], history_url)
    assert "first run of this scope" in out1
    assert {r["change"] for r in sheet_rows(reports[0], "Changes")} == {"new"}
    assert {day(f["first_seen"]) for f in f1} == {dt.date.fromisoformat(dates[0])}
    assert summary_block(reports[0]) == {}

    # the clerk's follow-up, typed into a copy of some rows
    ids1 = {f["finding_id"]: f for f in f1}
    fixed2 = {by_account(f1, k)["finding_id"] for k in plan[1]["fixed"]}
    high = [f["finding_id"] for f in f1 if f["severity"] == "high" and f["finding_id"] not in fixed2
            and f["rule_id"] != "unlinked-filing-account"]
    a, b, c, d, e, bad = high[:6]
    picks = {
        a: ("In progress", "called the firm on 10/05", None),
        b: ("Accepted", "research-only account, approved by the clerk", dt.datetime(2026, 11, 10)),
        c: ("accepted", "court's own test account", None),
        d: ("Accepted", None, None),
        e: ("Resolved", "firm says fixed", None),
        bad: ("Done", None, None),
        "F-NOT-A-FINDING": ("Resolved", None, None),
    }
    edited = tmp_path / "september-follow-up.xlsx"
    clerk_copy(f1, edited, picks)
    before = hashlib.sha256(edited.read_bytes()).hexdigest()

    # month 2: statuses carried from the edited copy; fixed accounts resolved; new ones new
    f2, out2 = audit(months / plan[1]["folder"], dates[1], reports[1], history_url, "--previous", edited)
    assert hashlib.sha256(edited.read_bytes()).hexdigest() == before  # the clerk's file is never re-saved
    assert "3 problems" in out2 and "4 statuses carried" in out2
    s2 = {f["finding_id"]: f for f in f2}
    assert (s2[a]["status"], s2[a]["notes"]) == ("In progress", "called the firm on 10/05")
    assert (s2[b]["status"], day(s2[b]["accepted_until"])) == ("Accepted", dt.date(2026, 11, 10))
    assert (s2[c]["status"], day(s2[c]["accepted_until"])) == ("Accepted", dt.date(2026, 10, 31) + dt.timedelta(90))
    assert s2[d]["status"] == "Open" and s2[d]["accepted_until"] is None
    assert s2[e]["status"] == "Open"
    assert s2[bad]["status"] == "Open"
    problems = {r["finding_id"]: r["problem"] for r in sheet_rows(reports[1], "Status import")}
    assert set(problems) == {d, bad, "F-NOT-A-FINDING"}
    assert "justification" in problems[d] and "'Done'" in problems[bad]

    changes2 = sheet_rows(reports[1], "Changes")
    kinds2 = {r["finding_id"]: r for r in changes2}
    assert {i for i, r in kinds2.items() if r["change"] == "resolved"} == set(ids1) - set(s2) == fixed2
    new2 = {by_account(f2, k)["finding_id"] for k in plan[1]["new"]}
    assert {i for i, r in kinds2.items() if r["change"] == "new"} == set(s2) - set(ids1) == new2
    assert kinds2[e]["note"] == "marked Resolved but still found: Open again"
    for fid, f in s2.items():   # first seen and due date stay as first seen in September
        if fid in ids1:
            assert day(f["first_seen"]) == dt.date.fromisoformat(dates[0])
            assert f["due_date"] == ids1[fid]["due_date"]
            assert kinds2[fid]["change"] == "persisting"
            assert kinds2[fid]["days_open"] == (dt.date.fromisoformat(dates[1]) - dt.date.fromisoformat(dates[0])).days
            due = day(f["due_date"])
            overdue = due is not None and due < dt.date.fromisoformat(dates[1]) and f["status"] not in CLOSED
            assert (kinds2[fid]["overdue"] == "yes") == overdue
    assert summary_block(reports[1])["New findings"] == len(new2)
    assert summary_block(reports[1])["Resolved"] == len(fixed2)
    assert summary_block(reports[1])["Marked Resolved but still found"] == 1

    # month 3, nobody edited anything: statuses from the history; the acceptance of b has expired
    f3, out3 = audit(months / plan[2]["folder"], dates[2], reports[2], history_url)
    s3 = {f["finding_id"]: f for f in f3}
    assert (s3[a]["status"], s3[a]["notes"]) == ("In progress", "called the firm on 10/05")
    assert s3[b]["status"] == "Open" and s3[b]["notes"] == "research-only account, approved by the clerk"
    assert s3[c]["status"] == "Accepted"
    changes3 = {r["finding_id"]: r for r in sheet_rows(reports[2], "Changes")}
    assert changes3[b]["note"] == "acceptance expired on 2026-11-10"
    back = by_account(f3, plan[2]["reopened"][0])["finding_id"]
    assert back in fixed2 and changes3[back]["change"] == "reopened"
    assert day(s3[back]["first_seen"]) == dt.date.fromisoformat(dates[0])
    assert summary_block(reports[2])["Reopened"] == 1
    assert summary_block(reports[2])["Acceptances expired"] == 1

    # the trend: one row per month, open findings by severity as the Findings sheets show them
    trend = sheet_rows(reports[2], "Trend")
    trend = [t for t in trend if isinstance(t["Run date"], dt.datetime)]
    assert [day(t["Run date"]).isoformat() for t in trend] == dates
    for t, findings, report in zip(trend, (f1, f2, f3), reports):
        open_by = Counter(f["severity"] for f in findings if f["status"] not in CLOSED)
        for sev in ("high", "medium", "low", "info"):
            assert t[f"Open {sev}"] == open_by.get(sev, 0)
        wb = openpyxl.load_workbook(report, read_only=True)
        share = next(r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] == "Share ready")
        wb.close()
        assert t["Share ready"] == pytest.approx(share)

    listed = run_cli("history", "--history", history_url)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[1] for line in listed.stdout.splitlines()[1:]] == dates
