"""Each firm's own Trend sheet, through the real command line, on SQLite and PostgreSQL: three monthly
audits over the sample months split by firm, every firm's workbook opened and its trend checked against
the known changes of that firm (accounts fixed, one that comes back); a store from before firms' figures
were kept is migrated and its older run shown as not recorded, never lost."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from conftest import run_cli
from conftest import sheet_rows as read_sheet, sheet_values

SEVERITIES = ("high", "medium", "low", "info")
RULE = "unlinked-filing-account"


def audit(folder: Path, as_of: str, out: Path, history: str) -> None:
    inputs = []
    for p in sorted(folder.glob("*.csv")):
        kind = ("--court-accounts" if p.name.startswith("court") else
                "--pacer-accounts" if p.name.startswith("pacer") else "--roster")
        inputs += [kind, p]
    done = run_cli("audit", *inputs, "--as-of", as_of, "--out", out, "--history", history, "--split-by-firm")
    assert done.returncode == 0, done.stderr


@functools.cache
def _sheet(book: Path, sheet: str, _written: int) -> tuple[dict, ...]:
    return tuple(read_sheet(book, sheet))


def sheet_rows(book: Path, sheet: str) -> list[dict]:
    """``conftest.sheet_rows``, each sheet of a workbook as written read once: the checks below look at every
    firm's workbooks several times over (a workbook written again is read again)."""
    return [dict(r) for r in _sheet(book, sheet, book.stat().st_mtime_ns)]


def firm_books(report: Path) -> dict[str, Path]:
    """Firm name -> its workbook, from the index of the run's firm folder."""
    folder = report.with_name(f"{report.stem}-firms")
    with (folder / "index.csv").open(newline="", encoding="utf-8") as fh:
        return {r["firm"]: folder / r["file"] for r in csv.DictReader(fh) if r["file"]}


def trend_of(book: Path) -> tuple[list[dict], list[str]]:
    """The table rows of a Trend sheet, and the lines written under it."""
    rows = sheet_rows(book, "Trend")
    table = [r for r in rows if isinstance(r["Run date"], dt.datetime)]
    return table, [r["Run date"] for r in rows if isinstance(r["Run date"], str)]


def summary_share(book: Path):
    return _share(book, book.stat().st_mtime_ns)


@functools.cache
def _share(book: Path, _written: int):
    return next(r[1] for r in sheet_values(book, "Summary") if r and r[0] == "Share ready")


def open_by_severity(book: Path) -> list[int]:
    c = Counter(f["severity"] for f in sheet_rows(book, "Findings") if f["status"] not in ("Resolved", "Accepted"))
    return [c.get(s, 0) for s in SEVERITIES]


def firms_of_accounts(folder: Path) -> dict[tuple[str, str], str]:
    with (folder / "court_accounts.csv").open(newline="", encoding="utf-8-sig") as fh:
        return {(r["Court"], r["CM/ECF Login"]): r["Firm"] for r in csv.DictReader(fh)}


def test_each_firm_trend_follows_its_own_changes(months, tmp_path, history_url):
    plan = json.loads((months / "months.json").read_text())["months"]
    dates = [m["as_of"] for m in plan]
    reports = [tmp_path / f"{m['folder']}.xlsx" for m in plan]
    for m, report in zip(plan, reports):
        audit(months / m["folder"], m["as_of"], report, history_url)
    books = [firm_books(r) for r in reports]
    assert len(books[0]) >= 20 and set(books[0]) == set(books[2])

    # the known changes, by firm: an unlinked filing account fixed takes one high finding away; the one
    # that loses its link again brings it back (the new accounts of each month name no firm)
    account_firm = firms_of_accounts(months / plan[0]["folder"])
    change = defaultdict(lambda: [0, 0, 0])
    for n, m in enumerate(plan):
        for key in m["fixed"]:
            change[account_firm[(key["court_id"], key["cmecf_login"])]][n] -= 1
        for key in m["reopened"]:
            change[account_firm[(key["court_id"], key["cmecf_login"])]][n] += 1
        for key in m["new"]:
            assert not account_firm.get((key["court_id"], key["cmecf_login"]))
    assert len([f for f in change if any(change[f])]) >= 3
    first = {firm: open_by_severity(book) for firm, book in books[0].items()}

    for firm, book in books[2].items():
        table, lines = trend_of(book)
        assert [t["Run date"].date().isoformat() for t in table] == dates, firm
        expected, high = [], first[firm][0]
        for n in range(3):
            high += change[firm][n]
            expected.append([high, *first[firm][1:]])
        got = [[t[f"Open {s}"] for s in SEVERITIES] for t in table]
        assert got == expected, firm
        assert [t["Open findings"] for t in table] == [sum(e) for e in expected]
        # the share ready of the firm's own people, as each month's firm workbook gave it
        for t, month in zip(table, books):
            assert t.get("Share ready") == pytest.approx(summary_share(month[firm]))
        if change[firm][1] < 0:   # the fixed filer is ready now
            assert table[1]["Share ready"] > table[0]["Share ready"]
        assert open_by_severity(book) == got[-1]
        assert all(t.get("note") is None for t in table)
        said = " ".join(lines)
        assert f"Open findings of {firm} by severity" in said and "in the last 3 audits" in said

    # charts over the firm's own rows of this sheet; the court's report has the same sheet for the scope
    some = books[2][sorted(books[2])[0]]
    charts = openpyxl.load_workbook(some)["Trend"]._charts
    assert len(charts) == 2
    refs = [s.val.numRef.f for c in charts for s in c.series]
    assert len(refs) == 5 and all(r.startswith("'Trend'!") and r.endswith("$4") for r in refs)
    # every open finding is in its own firm's trend and in no other: the firms' rows add up to the
    # court's, less the findings that name no firm
    court, _ = trend_of(reports[2])
    for n, report in enumerate(reports):
        no_firm = sum(1 for f in sheet_rows(report, "Findings") if not f["firm_name"])
        assert court[n]["Open findings"] == no_firm + sum(trend_of(b)[0][n]["Open findings"] for b in books[2].values())

    # the first month: no earlier figures for any firm, said in plain words, one row and no chart
    for firm, book in books[0].items():
        table, lines = trend_of(book)
        assert [t["Run date"].date().isoformat() for t in table] == dates[:1]
        assert [t[f"Open {s}"] for s in SEVERITIES for t in table] == first[firm]
        assert any(f"no earlier figures for {firm}" in line for line in lines), lines
    wb = openpyxl.load_workbook(books[0][sorted(books[0])[0]])
    assert wb["Trend"]._charts == [] and wb["Trend"].page_setup.fitToHeight == 1
    assert wb["Trend"].oddFooter.right.text == f"Audit date {dates[0]}"


def test_store_from_before_firm_figures_is_migrated(months, tmp_path, history_url):
    from auditor.history.store import head_revision, open_store

    plan = json.loads((months / "months.json").read_text())["months"]
    report = tmp_path / "sep.xlsx"
    audit(months / plan[0]["folder"], plan[0]["as_of"], report, history_url)
    # the store as the previous version of the auditor left it: schema 0002, no firm figures (and the
    # finding state with last_change, without a digest)
    store = open_store(history_url, create=False)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE run_firms"))
        for table in ("answers", "state_undo", "portal_sessions", "invites", "deliveries"):   # made by 0005-0009
            conn.execute(text(f"DROP TABLE {table}"))
        for table, column in (("runs", "report_path"), ("runs", "superseded_by"), ("runs", "removed_at"), ("runs", "undoable"),
                              ("run_inputs", "path"), ("run_inputs", "headers"), ("run_findings", "notes"),
                              ("run_findings", "accepted_until"), ("finding_state", "added_by")):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("ALTER TABLE finding_state DROP COLUMN digest"))
        conn.execute(text("ALTER TABLE finding_state ADD COLUMN last_change VARCHAR(20) NOT NULL DEFAULT 'new'"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    store.close()

    later = tmp_path / "oct.xlsx"
    audit(months / plan[1]["folder"], plan[1]["as_of"], later, history_url)
    store = open_store(history_url, create=False)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        assert conn.execute(text("SELECT COUNT(*) FROM runs")).scalar() == 2
        assert conn.execute(text("SELECT COUNT(DISTINCT run_id) FROM run_firms")).scalar() == 1
    store.close()
    # the run recorded by the earlier version kept no record of what it changed: it cannot be taken back
    refused = run_cli("history", "remove", "1", "--yes", "--history", history_url)
    assert refused.returncode == 2 and "earlier version" in refused.stderr, refused.stderr
    before, after = firm_books(report), firm_books(later)
    firm = max(before, key=lambda f: sum(open_by_severity(before[f])))
    table, _ = trend_of(after[firm])
    assert len(table) == 2
    # September's counts were kept; its firm readiness was never recorded and is said so, not made up
    assert [table[0][f"Open {s}"] for s in SEVERITIES] == open_by_severity(before[firm])
    assert table[0].get("Share ready") is None and "not recorded" in table[0].get("note", "")
    assert table[1]["Share ready"] == pytest.approx(summary_share(after[firm])) and table[1].get("note") is None
