"""An SQLite history file without SQLAlchemy: its default place, the checks of the file itself, the
connection settings every SQLite connection gets, and a quick listing of its runs.

``auditor history`` lists an SQLite store through :func:`quick_runs` and Python's own ``sqlite3``:
importing SQLAlchemy alone takes about 0.26 s of CPU, more than all the rest of the command.  Only a
store that passes the checks :mod:`auditor.history.store` makes before reading (the file, a read-only
opening, no planted trigger or view, only the auditor's tables, the current schema) is listed this
way; for anything else (a database URL, an older or newer schema, a damaged, foreign or busy file)
:func:`quick_runs` answers None and the caller opens the store as every other command does, which
migrates it or says in one line what is wrong.  An audit checks its history before reading any input
the same way (:func:`quick_reachable`), so that SQLAlchemy is imported later, beside the rules'
evaluation, instead of before the first file is read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError

REVISION = "0012"   # the migration that makes the tables of schema.py (a test checks it is the newest)
DEFAULT_NAME = "auditor-history.sqlite"
BUSY_TIMEOUT_S = 600          # how long an audit waits for another one recording into the same store
SQLITE_MAGIC = b"SQLite format 3\x00"
OUR_TABLES = {"runs", "run_inputs", "run_findings", "run_counts", "run_firms", "finding_state", "state_undo",
              "deliveries", "invites", "portal_sessions", "answers",
              "alembic_version"}
# the query that finds a trigger or a view planted in an SQLite store (store.py refuses such a store)
PLANTED_SQL = "SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view')"
# the tables of an SQLite store, as SQLAlchemy's inspector lists them (SQLite's own left out)
TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'"
# a database URL whose "://" was mistyped ("postgresql//user:pw@host/db", "postgres:/..."): not a path
MISTYPED_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)(?://|:/(?!/))")

RUN_COLUMNS = ["run", "as_of", "recorded_at", "scope", "inputs", "findings", "open", "new", "resolved",
               "reopened", "still_open", "backfill", "state"]


class HistoryError(AuditorError):
    """The history store cannot be opened, read or written."""


@dataclass(frozen=True)
class Rows:
    """Rows read back, as plain values (listing runs needs no pandas: the command line starts quickly)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Any]:
        at = self.columns.index(name)
        return [r[at] for r in self.rows]


def run_state(by, removed) -> str:
    """A listed run's state: "removed YYYY-MM-DD HH:MM", "replaced by run N", or "current"."""
    if removed is not None:
        return f"removed {removed:%Y-%m-%d %H:%M}"
    return f"replaced by run {by}" if by is not None else "current"


def default_path(report) -> Path:
    """The default store: ``auditor-history.sqlite`` beside the report."""
    return Path(report).resolve().parent / DEFAULT_NAME


def check_file(path: Path, create: bool, make: bool = True) -> None:
    """The file at ``path`` can be a history; with ``create`` it may be missing (its folder is made
    unless ``make`` is false)."""
    for p in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        if p.is_symlink():
            raise HistoryError(f"history {path} {'is' if p == path else f'has its {p.name} as'} a symbolic link; "
                               "give the history file itself (a link would be followed to wherever it points)")
    if path.is_dir():
        raise HistoryError(f"history {path} is a folder, not a history file")
    if not path.exists():
        if not create:
            raise HistoryError(f"no history at {path} (an audit records one there; or give --history)")
        if not make:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"history {path} cannot be made ({exc.strerror})") from None
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise HistoryError(f"history {path} cannot be read ({exc.strerror})") from None
    if head and head != SQLITE_MAGIC:
        raise HistoryError(f"history {path} is not an auditor history (not an SQLite database); "
                           "give another --history file or --no-history")


def read_only(path: str):
    """A connection that cannot write: ``mode=ro``; where even that cannot open the file (a store in WAL
    mode on a read-only disk, whose shared-memory file cannot be made), ``immutable``: nothing can
    change a file on a read-only disk."""
    uri = "file:" + urllib.parse.quote(str(Path(path).absolute()))

    def connect():
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if "unable to open" not in str(exc) and "readonly" not in str(exc):
                raise
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    return connect


def set_up(dbapi_conn) -> None:
    """What every SQLite connection to a history gets first: transactions begun by the caller, the
    busy wait, foreign keys, no function with side effects from the file's schema, and in WAL mode the
    synchronous level that keeps a commit through a crash of the process."""
    dbapi_conn.isolation_level = None  # transactions are begun by the caller, not by the driver
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA trusted_schema = OFF")   # no function with side effects from the file's schema
    with contextlib.suppress(sqlite3.DatabaseError):  # a damaged file is reported by what reads it next
        if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            # in WAL mode a commit survives a crash of the process; power lost just after it may
            # undo that last run, never damage the file (SQLite's "synchronous" documentation)
            cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


_LIST_SQL = (
    "SELECT r.id, r.as_of, r.recorded_at, r.scope_label, coalesce(n.n, 0), r.findings, r.open_findings, r.new, "
    "r.resolved, r.reopened, r.persisting, r.backfill, r.superseded_by, r.removed_at FROM runs AS r "
    "LEFT OUTER JOIN (SELECT run_id, count(*) AS n FROM run_inputs GROUP BY run_id) AS n ON n.run_id = r.id "
    "ORDER BY r.id")


def _when(text, kind):
    """A date or time as SQLAlchemy stores it in SQLite (ISO text), as the value SQLAlchemy reads back."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(text)
    return kind.fromisoformat(text)


def _listed(row: tuple) -> tuple:
    (run, as_of, recorded, scope, inputs, findings, open_, new, resolved, reopened, persisting, backfill, by,
     removed) = row
    if backfill not in (0, 1):
        raise ValueError(backfill)
    removed = _when(removed, dt.datetime)
    return (run, _when(as_of, dt.date), _when(recorded, dt.datetime), scope, inputs, findings, open_, new, resolved,
            reopened, persisting, bool(backfill), run_state(by, removed))


def quick_reachable(target) -> bool:
    """What ``store.check_reachable`` makes sure of before any input is read, for an SQLite history
    file, with ``sqlite3`` alone: a missing file's place is checked (the audit makes it); an existing
    one must pass the checks :func:`quick_runs` makes.  False where the store must be checked in full
    (a database URL, an older or newer schema, a damaged, foreign or busy file): the caller then
    checks it as before, which says in one line what is wrong.  The file's own checks raise
    :class:`HistoryError` as ``check_reachable`` does."""
    path = _local_path(target)
    if path is None:
        return False
    if not path.exists() and not path.is_symlink():
        check_file(path, create=True, make=False)
        return True
    return _our_store(path, "SELECT 1") is not None


def _local_path(target) -> Path | None:
    """The file a history target names; None for a database URL (or one with its "://" mistyped)."""
    text = str(target)
    if "://" in text or MISTYPED_URL.match(text):
        return None
    return Path(text).expanduser()


def _our_store(path: Path, sql: str) -> list[tuple] | None:
    """The rows of ``sql`` read from the SQLite history file at ``path`` with ``sqlite3`` alone, once
    the file has passed the checks; None where the store must be opened in full."""
    check_file(path, create=False)
    try:
        conn = read_only(str(path))()
    except sqlite3.Error:
        return None
    try:
        set_up(conn)
        conn.execute("BEGIN")
        if conn.execute(PLANTED_SQL).fetchone()[0]:
            return None
        tables = {name for (name,) in conn.execute(TABLES_SQL)}
        if "alembic_version" not in tables or not tables <= OUR_TABLES:
            return None
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        if revision != [(REVISION,)]:
            return None
        return conn.execute(sql).fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def quick_runs(target) -> Rows | None:
    """The runs of the SQLite history file ``target`` (what ``query.list_runs`` gives), read with
    ``sqlite3`` alone; None where the store must be opened in full (see the module's words).  The
    file's own checks raise :class:`HistoryError` as ``store.open_store`` does."""
    path = _local_path(target)
    rows = _our_store(path, _LIST_SQL) if path is not None else None
    if rows is None:
        return None
    try:
        return Rows(RUN_COLUMNS, [_listed(row) for row in rows])
    except (ValueError, TypeError):
        return None
