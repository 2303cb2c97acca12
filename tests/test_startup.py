"""The command line starts quickly where it has no data to read: ``--help``, listing the history or the
columns, a usage error and a missing input file do not load pandas or pyarrow (about a second of every
start), nor, but to show or export the history, SQLAlchemy (a third of a second)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import api
from tests.conftest import ROOT

EXE = Path(sys.executable).with_name("auditor")


def imported(*args, cwd) -> tuple[subprocess.CompletedProcess, set[str]]:
    """The real command run with Python's import log (-X importtime): its result and every module it loaded."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.M))
    assert "auditor.cli.main" in modules, done.stderr[-2000:]
    return done, modules


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("startup")
    api.run(roster=sorted((ROOT / "sample_data").glob("roster_*")), as_of=dt.date(2026, 11, 30),
            out=folder / "r.xlsx", history=folder / "h.sqlite")
    return folder / "h.sqlite"


@pytest.mark.parametrize("args, code, words", [
    (["--help"], 0, "Commands:"),
    (["columns"], 0, "# Input columns"),
    (["audit", "--roster", "a.csv", "--out", "report.txt"], 2, "--out must name an .xlsx file"),
    (["audit", "--roster", "a.csv", "--as-of", "1900-01-01", "--out", "r.xlsx"], 2, "outside 1990-2200"),
    (["no-such-command"], 2, "No such command"),
    (["audit", "--roster", "gone.csv", "--as-of", "2026-11-30", "--out", "r.xlsx"], 2, "auditor: gone.csv: file not found"),
    (["audit", "--court-accounts", "ncmb.csv", "--roster", "gone.csv", "--out", "r.xlsx", "--history", "h.sqlite"], 2,
     "auditor: ncmb.csv: file not found"),
])
def test_no_pandas_without_data(tmp_path, args, code, words):
    done, modules = imported(*args, cwd=tmp_path)
    assert done.returncode == code and words in done.stdout + done.stderr
    assert not {"pandas", "pyarrow", "numpy", "sqlalchemy"} & modules


def test_listing_the_history_needs_no_pandas(history, tmp_path):
    done, modules = imported("history", "--history", history, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.splitlines()[1].split()[:2] == ["1", "2026-11-30"]
    shown, more = imported("history", "--history", history, "show", "1", cwd=tmp_path)
    assert shown.returncode == 0 and "\nby severity:\n" in shown.stdout
    assert not {"pandas", "pyarrow"} & (modules | more)
    assert "sqlalchemy" not in modules and "sqlalchemy" in more   # an SQLite store is listed with sqlite3 alone


def test_a_missing_file_is_said_as_the_reader_says_it(tmp_path):
    """With --skip-bad-files a missing file is skipped by the reader (which then loads pandas), not refused."""
    roster = sorted((ROOT / "sample_data").glob("roster_*.csv"))[0]
    done, modules = imported("audit", "--roster", roster, "gone.csv", "--as-of", "2026-11-30", "--out", "r.xlsx",
                             "--no-history", "--skip-bad-files", cwd=tmp_path)
    assert done.returncode == 0 and "skipped: gone.csv" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "pandas" in modules


def test_an_audit_does_load_them(tmp_path):
    """The check above can fail: the log names pandas once an audit reads data."""
    roster = sorted((ROOT / "sample_data").glob("roster_*.csv"))[0]
    done, modules = imported("audit", "--roster", roster, "--as-of", "2026-11-30", "--out", "r.xlsx", "--no-history",
                             cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pandas" in modules


WARM_CHECK = """
import sys
from auditor.web import work
work.warm()
before = set(sys.modules)
done = work.audit([{"path": sys.argv[1], "name": "r.csv", "kind": "roster"}], "roster", "2026-11-30", {}, sys.argv[2],
                  auto=True)
assert "result" in done, done
print("\\n".join(sorted(set(sys.modules) - before)))
"""


def test_a_worker_of_the_upload_page_starts_warm(tmp_path):
    """A worker warmed at its start (``web.work.warm``) loads none of the auditor's modules, nor pandera,
    openpyxl or SQLAlchemy, for its first audit: the first upload it takes is as quick as the next."""
    roster = tmp_path / "r.csv"
    roster.write_text("Firm,Name,Title,Email\nAcme LLP,Ann Able,Attorney,ann@acme.example\n"
                      "Acme LLP,Bob Baker,Paralegal,bob@acme.example\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", WARM_CHECK, str(roster), str(tmp_path / "report.xlsx")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = done.stdout.split()
    assert not [m for m in loaded if m.split(".")[0] in ("auditor", "pandera", "openpyxl", "sqlalchemy")], loaded
    assert (tmp_path / "report.xlsx").is_file()
