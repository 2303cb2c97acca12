"""Before any input is read, an SQLite history file is checked with ``sqlite3`` alone where it can be
(``sqlite_file.quick_reachable``); anything unusual is left to the full check, which says what is wrong."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from auditor.history.sqlite_file import HistoryError, quick_reachable
from auditor.history.store import check_reachable, open_store


def _made(path):
    open_store(str(path)).close()   # a store of the current schema, as an audit makes it
    return path


def test_a_missing_file_is_reachable_and_not_made(tmp_path):
    path = tmp_path / "new" / "h.sqlite"
    assert quick_reachable(path) is True
    assert not path.exists() and not path.parent.exists()


def test_a_store_of_the_current_schema_is_reachable(tmp_path):
    assert quick_reachable(_made(tmp_path / "h.sqlite")) is True


def test_a_planted_trigger_is_left_to_the_full_check_which_refuses_it(tmp_path):
    path = _made(tmp_path / "h.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("CREATE TRIGGER wipe AFTER INSERT ON runs BEGIN DELETE FROM run_findings; END")
    assert quick_reachable(path) is False
    with pytest.raises(HistoryError, match="not made by the auditor"):
        check_reachable(path)


def test_a_store_of_another_schema_is_left_to_the_full_check(tmp_path):
    path = _made(tmp_path / "h.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0001'")
    assert quick_reachable(path) is False


def test_a_file_that_is_not_a_history_is_refused_in_the_same_words(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database at all\n")
    with pytest.raises(HistoryError) as quick:
        quick_reachable(path)
    with pytest.raises(HistoryError) as full:
        check_reachable(path)
    assert str(quick.value) == str(full.value) and "not an SQLite database" in str(quick.value)


def test_a_database_url_is_left_to_the_full_check():
    assert quick_reachable("postgresql://user:secret@db.example/history") is False


def test_the_quick_check_needs_no_sqlalchemy(tmp_path):
    path = _made(tmp_path / "h.sqlite")
    code = ("import sys\nfrom auditor.history.sqlite_file import quick_reachable\n"
            f"assert quick_reachable({str(path)!r})\nprint('sqlalchemy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
