"""The history under faults, through the real command line: two audits at once, an audit killed half
way, a read-only store, a full disk, a damaged or foreign file, an older schema, a run out of order."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect

from conftest import run_cli, sheet_rows

AUDITOR = str(Path(sys.executable).with_name("auditor"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    done = run_cli("sample", "--rows", 300, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """Inputs large enough that writing the report takes long enough to stop it in once it says so (the
    kill is timed by the run's own "writing" line, not by a guess at how long it runs)."""
    out = tmp_path_factory.mktemp("big")
    done = run_cli("sample", "--rows", 3000, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def audit_args(folder: Path, out: Path, history: str, as_of="2026-11-30", *extra) -> list[str]:
    args = [AUDITOR, "audit"]
    for p in sorted(folder.glob("*.csv")):
        kind = ("--court-accounts" if p.name.startswith("court") else
                "--pacer-accounts" if p.name.startswith("pacer") else "--roster")
        args += [kind, str(p)]
    return args + ["--as-of", as_of, "--out", str(out), "--history", str(history), *map(str, extra)]


def audit(folder, out, history, as_of="2026-11-30", *extra) -> subprocess.CompletedProcess:
    """``auditor audit`` in this process (tests/conftest.py: run_cli); the tests of two audits at once and of
    a killed or stopped audit start real processes (audit_args)."""
    return run_cli(*audit_args(folder, out, history, as_of, *extra)[1:])


def runs(history: str) -> list[list[str]]:
    done = run_cli("history", "--history", history)
    assert done.returncode == 0, done.stderr
    return [line.split() for line in done.stdout.splitlines()[1:]]


def one_line_error(done: subprocess.CompletedProcess, *words) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    return err


def test_two_audits_at_once_both_land_in_order(sample, tmp_path, history_url):
    procs = [subprocess.Popen(audit_args(sample, tmp_path / f"r{i}.xlsx", history_url), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    listed = runs(history_url)
    assert [r[0] for r in listed] == ["1", "2"]
    # the second to commit saw the first: the same month recorded again, it replaced it (and so compares
    # with the month before, of which there is none: everything new again)
    assert listed[0][-4:] == ["replaced", "by", "run", "2"] and listed[1][-1] == "current"
    show = run_cli("history", "--history", history_url, "show", "2").stdout
    show1 = run_cli("history", "--history", history_url, "show", "1").stdout
    findings = int(show1.split("\nfindings: ")[1].split()[0])
    assert f"\nnew: {findings}\n" in show and f"\nnew: {findings}\n" in show1
    assert "\nsuperseded_by: 2\n" in show1


def test_killed_audit_records_nothing(sample, big, tmp_path, history_url):
    # the month recorded first and audited again after the kill is the small sample: the same courts (one
    # scope) and month as the big run killed between them, which alone needs the size
    assert audit(sample, tmp_path / "first.xlsx", history_url, "2026-11-30").returncode == 0
    proc = subprocess.Popen(audit_args(big, tmp_path / "killed.xlsx", history_url, "2026-11-30", "--progress"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # killed while the report is being written, its history rows already sent
        if "writing" in line:
            break
    else:
        pytest.fail("the audit ended before writing its report")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert [r[0] for r in runs(history_url)] == ["1"]
    if "://" not in history_url:
        with contextlib.closing(sqlite3.connect(history_url)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("SELECT COUNT(DISTINCT run_id) FROM run_findings").fetchone() == (1,)
    done = audit(sample, tmp_path / "again.xlsx", history_url, "2026-11-30")
    assert done.returncode == 0, done.stderr
    # the same month again: it replaces run 1 (the killed run left nothing to replace)
    assert "replacing run 1" in done.stdout and len(runs(history_url)) == 2


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small file system to fill or make read-only here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_ctrl_c_while_the_report_is_written_records_nothing(sample, big, tmp_path):
    """Ctrl-C while the report is written and the run's rows are being sent beside it: one line, exit
    130, nothing recorded, the store sound, no thread left waiting."""
    store = tmp_path / "auditor-history.sqlite"
    assert audit(sample, tmp_path / "first.xlsx", store, "2026-10-31").returncode == 0   # the courts of big
    proc = subprocess.Popen(audit_args(big, tmp_path / "stopped.xlsx", store, "2026-11-30", "--progress"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "writing" in line:
            break
    else:
        pytest.fail("the audit ended before writing its report")
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 130, "".join(lines) + rest
    assert rest.strip().startswith("auditor: stopped by SIGINT") and "Traceback" not in rest, rest
    assert not (tmp_path / "stopped.xlsx").exists()
    assert [r[1] for r in runs(str(store))] == ["2026-10-31"]
    with contextlib.closing(sqlite3.connect(store)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_read_only_store_one_line_history_intact(sample, tmp_path):
    with tmpfs(tmp_path / "ro", "16m") as disk:
        store = disk / "auditor-history.sqlite"
        assert audit(sample, tmp_path / "oct.xlsx", store, "2026-10-31").returncode == 0
        before = hashlib.sha256(store.read_bytes()).hexdigest()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        done = audit(sample, tmp_path / "nov.xlsx", store)
        one_line_error(done, str(store), "history already recorded is unchanged")
        assert not (tmp_path / "nov.xlsx").exists()  # the run is all or nothing
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert [r[1] for r in runs(str(store))] == ["2026-10-31"]


def test_full_disk_one_line_history_intact(sample, tmp_path):
    with tmpfs(tmp_path / "full", "2m") as disk:
        store = disk / "auditor-history.sqlite"
        assert audit(sample, tmp_path / "oct.xlsx", store, "2026-10-31").returncode == 0
        filler = disk / "filler"
        with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as fh:   # full: every write refused
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        done = audit(sample, tmp_path / "nov.xlsx", store)
        one_line_error(done, str(store), "cannot be written: the disk is full")
        assert not (tmp_path / "nov.xlsx").exists()
        filler.unlink()
        assert [r[1] for r in runs(str(store))] == ["2026-10-31"]
        with contextlib.closing(sqlite3.connect(store)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_failure_writing_the_findings_rows_publishes_nothing(sample, tmp_path):
    """The run's many rows are written while the report is; a failure there comes out at the commit
    point, as one line, with no report published and the history as it was."""
    store = tmp_path / "auditor-history.sqlite"
    assert audit(sample, tmp_path / "oct.xlsx", store, "2026-10-31").returncode == 0
    with contextlib.closing(sqlite3.connect(store)) as db:   # the table again, with a check no new row passes
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'run_findings'").fetchone()[0]
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute("ALTER TABLE run_findings RENAME TO kept")
        db.execute(sql[:sql.rindex(")")] + ", CONSTRAINT this_store_refuses_new_findings CHECK (0))")
        db.execute("INSERT INTO run_findings SELECT * FROM kept")
        db.execute("DROP TABLE kept")
        db.commit()
    done = audit(sample, tmp_path / "nov.xlsx", store)
    one_line_error(done, str(store), "this_store_refuses_new_findings", "history already recorded is unchanged")
    assert not (tmp_path / "nov.xlsx").exists()
    assert not list(tmp_path.glob(".auditor-run-*"))   # the run's staging folder is gone too
    assert [r[1] for r in runs(str(store))] == ["2026-10-31"]


@pytest.mark.parametrize("content,words", [
    (b"name,email\nAnn,ann@example.com\n", "not an auditor history (not an SQLite database)"),
    (b"SQLite format 3\x00" + b"\xff" * 4000, "is damaged or not an auditor history"),
    ("foreign", "holds other data"),
])
def test_damaged_or_foreign_store(sample, tmp_path, content, words):
    store = tmp_path / "history.sqlite"
    if content == "foreign":
        with contextlib.closing(sqlite3.connect(store)) as db:
            db.execute("CREATE TABLE clients (name TEXT)")
            db.execute("INSERT INTO clients VALUES ('Ann')")
            db.commit()
    else:
        store.write_bytes(content)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    one_line_error(audit(sample, tmp_path / "r.xlsx", store), words)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
    assert not (tmp_path / "r.xlsx").exists()
    one_line_error(run_cli("history", "--history", store), words)


def test_older_store_is_migrated_not_reset(sample, tmp_path, history_url):
    from sqlalchemy import text

    from auditor.history.store import head_revision, migrate, open_store

    store = open_store(history_url, upgrade=False)
    migrate(store, "0001")  # the first released schema, without the per-run counts
    with store.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO runs (scope, scope_label, as_of, recorded_at, auditor_version, rules_version, findings, "
            "open_findings, new, resolved, reopened, persisting, backfill) VALUES ('firms:old', 'firm Old LLP', "
            "'2026-06-30', '2026-06-30 10:00:00', '0.0.9', 'x', 2, 1, 2, 0, 0, 0, false)"))
        conn.execute(text(
            "INSERT INTO run_findings (run_id, finding_id, rule_id, severity, firm_key, change, status) VALUES "
            "(1, 'F-1', 'legacy-username', 'high', 'old llp', 'new', 'Open'), "
            "(1, 'F-2', 'legacy-username', 'high', 'old llp', 'new', 'Accepted')"))
    store.close()
    done = audit(sample, tmp_path / "r.xlsx", history_url)
    assert done.returncode == 0, done.stderr
    assert [r[0] for r in runs(history_url)] == ["1", "2"]
    shown = run_cli("history", "--history", history_url, "show", "1").stdout
    assert "high         2     1" in shown  # the old run's counts, computed by the migration
    store = open_store(history_url, create=False)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        conn.rollback()
        with conn.begin():
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    one_line_error(audit(sample, tmp_path / "r2.xlsx", history_url), "newer version of the auditor")


def test_a_run_dated_before_the_latest_needs_backfill(sample, tmp_path, history_url):
    assert audit(sample, tmp_path / "nov.xlsx", history_url, "2026-11-30").returncode == 0
    one_line_error(audit(sample, tmp_path / "oct.xlsx", history_url, "2026-10-31"), "--backfill", "2026-11-30")
    assert not (tmp_path / "oct.xlsx").exists()
    done = audit(sample, tmp_path / "oct.xlsx", history_url, "2026-10-31", "--backfill")
    assert done.returncode == 0, done.stderr
    listed = runs(history_url)
    assert [(r[0], r[1], r[-2], r[-1]) for r in listed] == [("1", "2026-11-30", "False", "current"),
                                                            ("2", "2026-10-31", "True", "current")]
    for fmt in ("csv", "parquet"):
        target = tmp_path / f"over-time.{fmt}"
        done = run_cli("history", "--history", history_url, "export", "--out", target)
        assert done.returncode == 0, done.stderr
        frame = pd.read_csv(target, dtype=str) if fmt == "csv" else pd.read_parquet(target)
        assert len(frame) == 2 * len(sheet_rows(tmp_path / "nov.xlsx", "Findings"))
        # the earlier month moved first sight (and so the fixed due date) back to October
        assert {str(v)[:10] for v in frame["first_seen"]} == {"2026-10-31"}
    nov = sheet_rows(tmp_path / "nov.xlsx", "Findings")
    assert {r["first_seen"].date().isoformat() for r in nov} == {"2026-11-30"}


def test_scopes_are_kept_apart_and_no_history_writes_none(sample, tmp_path):
    store = tmp_path / "h.sqlite"
    assert audit(sample, tmp_path / "court.xlsx", store).returncode == 0
    roster = sorted(sample.glob("roster_*.csv"))[0]
    done = run_cli("audit", "--roster", roster, "--as-of", "2026-11-30", "--out", tmp_path / "firm.xlsx",
                   "--history", store)
    assert done.returncode == 0, done.stderr
    assert "first run of this scope" in done.stdout and "run 2 of firm" in done.stdout
    again = audit(sample, tmp_path / "court2.xlsx", store)
    # the same scope and month again replaces run 1, not the firm's run 2
    assert "run 3 of courts" in again.stdout and "replacing run 1" in again.stdout
    assert [r[-1] for r in runs(str(store))] == ["3", "current", "current"]
    done = run_cli("audit", "--roster", roster, "--out", tmp_path / "plain" / "r.xlsx", "--no-history")
    assert done.returncode == 0 and not (tmp_path / "plain" / "auditor-history.sqlite").exists()
    import openpyxl
    assert "Changes" not in openpyxl.load_workbook(tmp_path / "plain" / "r.xlsx", read_only=True).sheetnames
    same = run_cli("audit", "--roster", roster, "--out", tmp_path / "court.xlsx", "--previous", tmp_path / "court.xlsx",
                   "--history", store)
    assert same.returncode == 2 and "--previous and --out name the same file" in same.stderr


def test_default_store_beside_the_report_and_firm_workbooks(sample, tmp_path):
    out = tmp_path / "reports" / "nov.xlsx"
    done = run_cli(*audit_args(sample, out, "x")[1:-2], "--split-by-firm")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reports" / "auditor-history.sqlite").exists()
    firm_books = sorted((tmp_path / "reports" / "nov-firms").glob("*.xlsx"))
    assert firm_books
    import openpyxl
    for book in firm_books:
        findings = sheet_rows(book, "Findings")
        changes = [r for r in sheet_rows(book, "Changes") if r.get("finding_id")]   # the firm's own only
        assert sorted(r["finding_id"] for r in changes) == sorted(r["finding_id"] for r in findings)
        assert all(r["change"] == "new" for r in changes)
        # the firm's own trend: the first run, in plain words and without a chart of one point
        trend = sheet_rows(book, "Trend")
        (row,) = [t for t in trend if t.get("Open findings") is not None]
        assert row["Run date"].date().isoformat() == "2026-11-30" and row["Open findings"] == len(findings)
        assert any("no earlier figures for" in str(t["Run date"]) for t in trend)
        wb = openpyxl.load_workbook(book)
        assert not wb["Trend"]._charts
        wb.close()
    trend = [t for t in sheet_rows(out, "Trend") if t.get("Open findings") is not None]
    assert trend[-1]["Open findings"] == len(sheet_rows(out, "Findings"))


def test_migrations_match_the_schema(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from auditor.history.schema import REVISION, metadata
    from auditor.history.store import head_revision, migrate, open_store

    assert REVISION == head_revision()
    migrated = open_store(tmp_path / "migrated.sqlite", upgrade=False)
    migrate(migrated, "0001")   # every migration in turn, as an older store goes through them
    migrate(migrated)
    made = open_store(tmp_path / "new.sqlite")   # a new store is made with the tables of this version at once
    for store in (migrated, made):
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn)
            assert compare_metadata(context, metadata) == []
            assert context.get_current_revision() == REVISION
        store.close()


def test_store_before_state_digests_is_migrated_and_kept(sample, tmp_path, history_url):
    """A store of schema 0002 (state rows with last_change, no digest), as an older version left it after an
    October audit: the November audit migrates it in place and carries first sight, due dates and a status."""
    from sqlalchemy import text

    from auditor.history.store import migrate, open_store

    scratch = tmp_path / "october.sqlite"
    assert audit(sample, tmp_path / "oct.xlsx", scratch, "2026-10-31").returncode == 0
    october = sheet_rows(tmp_path / "oct.xlsx", "Findings")
    kept = october[0]["finding_id"]
    dates = {"as_of", "due_date", "first_seen", "last_seen", "accepted_until", "resolved_on"}

    def rows(table: str, drop=()) -> list[dict]:
        with contextlib.closing(sqlite3.connect(scratch)) as db:
            cur = db.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cur.description]
            out = [dict(zip(names, r)) for r in cur.fetchall()]
        for r in out:
            for k in drop:
                r.pop(k)
            for k, v in r.items():
                if k in dates and v is not None:
                    r[k] = dt.date.fromisoformat(v)
                elif k in ("open", "backfill"):
                    r[k] = bool(v)
                elif k == "recorded_at":
                    r[k] = dt.datetime.fromisoformat(v)
        return out

    def put(conn, table: str, values: list[dict]) -> None:
        names = list(values[0])
        conn.execute(text(f"INSERT INTO {table} ({', '.join(chr(34) + n + chr(34) for n in names)}) "
                          f"VALUES ({', '.join(':' + n for n in names)})"), values)

    store = open_store(history_url, upgrade=False)
    migrate(store, "0002")
    state = rows("finding_state", drop=("digest", "added_by"))
    for r in state:
        r["last_change"] = "new"
        if r["finding_id"] == kept:
            r.update(status="Accepted", notes="approved by the clerk", accepted_until=dt.date(2027, 1, 31))
    with store.engine.begin() as conn:
        put(conn, "runs", rows("runs", drop=("id", "superseded_by", "removed_at", "undoable", "report_path")))
        run = conn.execute(text("SELECT MAX(id) FROM runs")).scalar()
        for table, newer in (("run_inputs", ("path", "headers")), ("run_findings", ("notes", "accepted_until")),
                             ("run_counts", ())):
            put(conn, table, [{**r, "run_id": run} for r in rows(table, drop=newer)])
        put(conn, "finding_state", state)
    store.close()

    done = audit(sample, tmp_path / "nov.xlsx", history_url, "2026-11-30")
    assert done.returncode == 0, done.stderr
    assert "0 new, 0 resolved" in done.stdout
    november = {f["finding_id"]: f for f in sheet_rows(tmp_path / "nov.xlsx", "Findings")}
    assert set(november) == {f["finding_id"] for f in october}
    for f in october:
        assert november[f["finding_id"]]["first_seen"].date() == dt.date(2026, 10, 31)
        assert november[f["finding_id"]]["due_date"] == f["due_date"]
    assert (november[kept]["status"], november[kept]["notes"]) == ("Accepted", "approved by the clerk")
    assert {r["change"] for r in sheet_rows(tmp_path / "nov.xlsx", "Changes") if r.get("change")} == {"persisting"}
    store = open_store(history_url, create=False)
    with store.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("finding_state")}
        assert "last_change" not in columns and "digest" in columns
        # the first run after the migration wrote every finding once, with its digest
        assert conn.execute(text("SELECT COUNT(*) FROM finding_state WHERE digest IS NULL")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM finding_state")).scalar() == len(state)
    store.close()


def test_previous_that_is_not_a_report_and_unknown_run(sample, tmp_path):
    store = tmp_path / "h.sqlite"
    other = tmp_path / "notes.xlsx"
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["name", "status"])
    wb.active.append(["Ann", "Resolved"])
    wb.save(other)
    one_line_error(audit(sample, tmp_path / "r.xlsx", store, "2026-11-30", "--previous", other),
                   "notes.xlsx", "no sheet with a finding_id column")
    assert not store.exists() and not (tmp_path / "r.xlsx").exists()
    assert audit(sample, tmp_path / "r.xlsx", store).returncode == 0
    one_line_error(run_cli("history", "--history", store, "show", "7"), "has no run 7")
    one_line_error(run_cli("history", "--history", tmp_path / "missing.sqlite"), "no history at")
    assert not (tmp_path / "missing.sqlite").exists()
