"""Opening the history store: any SQLAlchemy URL, or a file path meaning SQLite.

SQLite is opened in WAL mode with a busy timeout, and every write transaction
starts with ``BEGIN IMMEDIATE``: two audits recording into one file take turns,
and the second reads the history only after the first has committed.  On
PostgreSQL (driver psycopg 3) a transaction-scoped advisory lock does the same.

The schema is created and upgraded by the Alembic migrations shipped in
``auditor/history/migrations``; a store made by an older version is migrated
in place, never reset.  A file that is not SQLite, a database holding other
tables, a store made by a newer version, a read-only or full disk: each is one
:class:`HistoryError` line, and nothing already recorded is touched.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from auditor.errors import AuditorError
from auditor.history import schema as S

DEFAULT_NAME = "auditor-history.sqlite"
BUSY_TIMEOUT_S = 600          # how long an audit waits for another one recording into the same store
_SQLITE_MAGIC = b"SQLite format 3\x00"
_LOCK_KEY = 7_315_042_210     # PostgreSQL advisory lock taken by every recording transaction
_OUR_TABLES = {"runs", "run_inputs", "run_findings", "run_counts", "run_firms", "finding_state", "deliveries",
               "invites", "portal_sessions",
               "alembic_version"}


# Alembic's record of the schema's revision, as Alembic makes it
_VERSION = Table("alembic_version", MetaData(), Column("version_num", String(32), nullable=False),
                 PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))


class HistoryError(AuditorError):
    """The history store cannot be opened, read or written."""


@dataclass
class Store:
    engine: Engine
    label: str          # the path, or the URL with any password hidden
    dialect: str        # sqlite | postgresql | ...

    def lock(self, conn: Connection) -> None:
        """Serialise recorders (SQLite already holds its write lock from BEGIN IMMEDIATE)."""
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")

    def close(self) -> None:
        self.engine.dispose()


def default_path(report) -> Path:
    """The default store: ``auditor-history.sqlite`` beside the report."""
    return Path(report).resolve().parent / DEFAULT_NAME


def _url(target):
    text = str(target)
    if "://" in text:
        try:
            url = make_url(text)
        except ArgumentError:
            raise HistoryError(f"history {text!r} is neither a file path nor a database URL") from None
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url, url.render_as_string(hide_password=True), None
    path = Path(text).expanduser()
    return make_url("sqlite://").set(database=str(path)), str(path), path


def _check_file(path: Path, create: bool) -> None:
    if path.is_dir():
        raise HistoryError(f"history {path} is a folder, not a history file")
    if not path.exists():
        if not create:
            raise HistoryError(f"no history at {path} (an audit records one there; or give --history)")
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
    if head and head != _SQLITE_MAGIC:
        raise HistoryError(f"history {path} is not an auditor history (not an SQLite database); "
                           "give another --history file or --no-history")


def _sqlite_engine(url, write: bool) -> Engine:
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA foreign_keys = ON")
        with contextlib.suppress(sqlite3.DatabaseError):  # a damaged file is reported by what reads it next
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                # in WAL mode a commit survives a crash of the process; power lost just after it may
                # undo that last run, never damage the file (SQLite's "synchronous" documentation)
                cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def reason(exc: BaseException) -> str:
    """A database error in plain words, one line."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    low = text.lower()
    if "readonly" in low or "read-only" in low or "read only" in low:
        return "cannot be written: it is on a read-only disk or you may not change it"
    if "disk is full" in low or "no space left" in low or "could not extend" in low:
        return "cannot be written: the disk is full"
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return "is damaged or not an auditor history (not a readable SQLite database)"
    if "unable to open database" in low:
        return "cannot be opened (the folder is missing or may not be written)"
    if "database is locked" in low:
        return f"is busy: another audit held it for more than {BUSY_TIMEOUT_S} s"
    return text.split(" [SQL:")[0][:300] or type(exc).__name__


@contextlib.contextmanager
def translated(label: str):
    """Database errors become one HistoryError line naming the store."""
    try:
        yield
    except HistoryError:
        raise
    except (DBAPIError, SQLAlchemyError, OSError, sqlite3.Error) as exc:
        why = reason(exc)
        if "disk i/o error" in why.lower() or "no space" in why.lower():
            why = f"cannot be written: {'the disk is full' if _disk_full(label) else 'the disk failed (disk I/O error)'}"
        raise HistoryError(f"history {label} {why}; the history already recorded is unchanged") from None


def _disk_full(label: str) -> bool:
    """SQLite reports a full disk met while growing its WAL as a plain I/O error: look at the disk."""
    import shutil

    folder = Path(label).parent
    try:
        return "://" not in label and shutil.disk_usage(folder).free < (1 << 20)
    except OSError:
        return False


def _alembic_config(conn: Connection | None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "auditor.history:migrations")
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    if head is None:
        raise HistoryError("the history's migrations have no head revision")
    return head


def _revision(conn: Connection, label: str) -> str | None:
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return None
    if "alembic_version" not in tables or not tables <= _OUR_TABLES:
        raise HistoryError(f"history {label} holds other data (it is not an auditor history); "
                           "give another --history or --no-history")
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def migrate(store: Store, target: str = "head") -> None:
    """Bring the schema to ``target`` (create it when empty), in one locked transaction.  A store already
    at the current schema is only looked at, and an empty one made at once with the current tables and
    marked with their revision (as Alembic's "stamp" does): Alembic is loaded only to upgrade a store."""
    with translated(store.label), store.engine.connect() as conn:
        current = _revision(conn, store.label)
        conn.rollback()
        want = S.REVISION if target == "head" else target
        if current == want:
            return
        if current is None and want == S.REVISION:
            with conn.begin():
                store.lock(conn)
                if _revision(conn, store.label) is None:  # nobody made it meanwhile
                    S.metadata.create_all(conn)
                    _VERSION.create(conn)
                    conn.execute(_VERSION.insert().values(version_num=want))
                    return
        from alembic import command
        from alembic.script import ScriptDirectory

        known = {s.revision for s in ScriptDirectory.from_config(_alembic_config(None)).walk_revisions()}
        current = _revision(conn, store.label)
        conn.rollback()
        if current is not None and current not in known:
            raise HistoryError(f"history {store.label} was written by a newer version of the auditor "
                               f"(schema {current}); upgrade the auditor to use it")
        with conn.begin():
            store.lock(conn)
            current = _revision(conn, store.label)  # another process may have migrated meanwhile
            if current != want:
                command.upgrade(_alembic_config(conn), target)


def open_store(target, *, create: bool = True, write: bool = True, upgrade: bool = True) -> Store:
    """Open (and, with ``create``, make) the store at a path or URL, migrated to the current schema."""
    url, label, path = _url(target)
    if path is not None:
        _check_file(path, create)
    try:
        if url.get_backend_name() == "sqlite":
            engine = _sqlite_engine(url, write)
        else:
            engine = create_engine(url, poolclass=NullPool)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise HistoryError(f"history {label}: this kind of database is not supported here ({exc})") from None
    store = Store(engine, label, url.get_backend_name())
    try:
        _while_locked(lambda: _prepare(store, upgrade=upgrade, write=write))
    except BaseException:
        store.close()
        raise
    return store


def _prepare(store: Store, *, upgrade: bool, write: bool) -> None:
    if upgrade:
        migrate(store)
    if write and store.dialect == "sqlite":
        _wal(store)


def _while_locked(step) -> None:
    """Run ``step``, again while SQLite answers "database is locked" at once (two audits creating or
    switching one new file to WAL at the same moment get that answer without waiting their turn)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.05
    while True:
        try:
            return step()
        except (sqlite3.OperationalError, OperationalError) as exc:
            if "database is locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
        except HistoryError as exc:
            if "is busy" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def _wal(store: Store) -> None:
    """WAL mode (readers never wait for the recorder), set only once the file is known to be ours."""
    with translated(store.label):
        raw = store.engine.raw_connection()
        try:
            cur = raw.cursor()
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            cur.close()
        finally:
            raw.close()
