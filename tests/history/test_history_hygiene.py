"""The history store's hygiene, through the real command line: database passwords never printed, a
URL that is not one refused without echoing it, a symbolic link refused, triggers and views planted
in the file refused before they can run, a history listed from a read-only disk, and a database that
cannot be reached found before the inputs are read."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli
from postgres_server import _free_port, new_database
from test_history_faults import audit, one_line_error, runs

SECRET = "s3cretPW"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    done = run_cli("sample", "--rows", 120, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_a_password_given_in_the_query_is_never_printed(sample, tmp_path, postgres_server):
    url = new_database(postgres_server) + f"?password={SECRET}&application_name=auditor"
    done = audit(sample, tmp_path / "r.xlsx", url)
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("history:"))
    assert SECRET not in done.stdout + done.stderr and "password=***" in line
    listed = run_cli("history", "--history", url, "show", "99")
    assert listed.returncode == 2 and SECRET not in listed.stdout + listed.stderr and "no run 99" in listed.stderr


@pytest.mark.parametrize("url, words", [
    (f"postgresql://clerk:{SECRET}@db.example:54x2/history", "port"),
    (f"://clerk:{SECRET}@db.example/history", "not a database URL"),
    (f"postgresql//clerk:{SECRET}@db.example/history", "missing the ':'"),
    (f"postgres:/clerk:{SECRET}@db.example/history", "missing the ':'"),
])
def test_a_url_that_cannot_be_used_is_refused_in_one_line_without_its_password(sample, tmp_path, url, words):
    done = subprocess.run([*audit_cmd(sample, tmp_path / "r.xlsx", url)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    err = one_line_error(done, words)
    assert SECRET not in done.stdout + err and "ValueError" not in err
    assert not (tmp_path / "r.xlsx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []      # no folder named after the URL
    listed = run_cli("history", "--history", url, cwd=tmp_path)
    assert listed.returncode == 2 and SECRET not in listed.stdout + listed.stderr


def audit_cmd(sample, out, history):
    from test_history_faults import audit_args

    return audit_args(sample, out, history)


def test_a_history_that_is_a_symbolic_link_is_refused(sample, tmp_path):
    target = tmp_path / "elsewhere" / "planted.sqlite"
    link = tmp_path / "auditor-history.sqlite"
    link.symlink_to(target)                                        # dangling: the store would be made there
    err = one_line_error(audit(sample, tmp_path / "r.xlsx", link), "symbolic link")
    assert str(link) in err and not target.exists() and not target.parent.exists()
    real = tmp_path / "real.sqlite"
    assert audit(sample, tmp_path / "r0.xlsx", real).returncode == 0
    link.unlink()
    link.symlink_to(real)                                           # a link to a real history: refused too
    one_line_error(audit(sample, tmp_path / "r.xlsx", link), "symbolic link")
    assert [r[0] for r in runs(str(real))] == ["1"]


@pytest.mark.parametrize("planted", [
    "CREATE TRIGGER wipe AFTER INSERT ON runs BEGIN DELETE FROM run_findings; END",
    "CREATE VIEW peek AS SELECT * FROM runs",
])
def test_triggers_and_views_planted_in_the_history_are_refused_before_anything_runs(sample, tmp_path, planted):
    store = tmp_path / "h.sqlite"
    assert audit(sample, tmp_path / "r1.xlsx", store, "2026-10-31").returncode == 0
    with sqlite3.connect(store) as db:
        before = db.execute("SELECT count(*) FROM run_findings").fetchone()[0]
        db.execute(planted)
    assert before > 0
    one_line_error(audit(sample, tmp_path / "r2.xlsx", store), "not made by the auditor")
    assert not (tmp_path / "r2.xlsx").exists()
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM run_findings").fetchone()[0] == before
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    listed = run_cli("history", "--history", store)
    assert listed.returncode == 2 and "not made by the auditor" in listed.stderr


def test_the_history_is_listed_from_a_read_only_disk(sample, tmp_path):
    if not shutil.which("unshare"):
        pytest.skip("unshare is not installed")
    folder = tmp_path / "ro"
    folder.mkdir()
    store = folder / "h.sqlite"
    assert audit(sample, tmp_path / "r.xlsx", store).returncode == 0
    auditor = str(Path(sys.executable).with_name("auditor"))
    script = (f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && "
              f"{auditor} history --history {store} && {auditor} history --history {store} show 1")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {folder} {folder} && "
                            f"mount -o remount,ro,bind {folder} && touch {folder}/x"], capture_output=True, text=True)
    if "Read-only file system" not in probe.stderr:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()[:200]}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2026-11-30" in done.stdout and "Traceback" not in done.stderr


def test_a_database_that_cannot_be_reached_is_found_before_the_inputs_are_read(tmp_path):
    bad = tmp_path / "court.csv"
    bad.write_text("not,an,export\n1,2,3\n")
    url = f"postgresql://clerk:{SECRET}@127.0.0.1:{_free_port()}/history"
    start = time.monotonic()
    done = run_cli("audit", "--court-accounts", bad, "--as-of", "2026-11-30", "--out", tmp_path / "r.xlsx",
                   "--history", url)
    assert time.monotonic() - start < 60
    err = done.stderr.strip()
    assert done.returncode == 2 and err.startswith("auditor: history postgresql+psycopg://clerk:***@127.0.0.1"), err
    assert "court.csv" not in err and SECRET not in done.stdout + done.stderr
