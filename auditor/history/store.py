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

What is printed never holds a password (neither the URL's nor one given as
``?password=``), and a URL that cannot be used is refused without echoing it.
A history path that is a symbolic link is refused (the store would be made or
written wherever the link points), and so is a store holding triggers or
views: the auditor makes none, and one planted would run inside the audit's
own transaction.  A history only read (listing it) is opened read-only, so it
can be listed from a read-only disk.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from auditor.history import schema as S
from auditor.history.sqlite_file import (
    BUSY_TIMEOUT_S, DEFAULT_NAME, MISTYPED_URL as _MISTYPED_URL, OUR_TABLES as _OUR_TABLES, PLANTED_SQL,
    HistoryError, check_file as _check_file, default_path, read_only as _read_only, set_up,
)

__all__ = ["BUSY_TIMEOUT_S", "DEFAULT_NAME", "HistoryError", "Store", "default_path", "open_store"]

_LOCK_KEY = 7_315_042_210     # PostgreSQL advisory lock taken by every recording transaction


# Alembic's record of the schema's revision, as Alembic makes it
_VERSION = Table("alembic_version", MetaData(), Column("version_num", String(32), nullable=False),
                 PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))


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


_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key", re.IGNORECASE)


def shown_url(url) -> str:
    """The URL as printed: the password and any password-like query value (``?password=``) hidden."""
    pairs = [(k, "***" if _SECRET_KEY.search(k) else v) for k, vs in url.query.items()
             for v in (vs if isinstance(vs, tuple) else (vs,))]
    text = url.set(query={}).render_as_string(hide_password=True)
    return text + ("?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else "")


def _url(target):
    text = str(target)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        scheme = scheme if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", scheme) else ""
        try:
            url = make_url(text)
            url.port   # noqa: B018 - a port that is not a number fails here
        except ValueError:
            raise HistoryError(f"history {scheme}://… has a port that is not a number (write it as "
                               f"{scheme or 'postgresql'}://user:password@host:5432/database)") from None
        except ArgumentError:
            raise HistoryError(f"history {scheme}://… is not a database URL (write it as "
                               "postgresql://user:password@host/database, or give a file path)") from None
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url, shown_url(url), None
    mistyped = _MISTYPED_URL.match(text)
    if mistyped and mistyped.group(1).lower().split("+")[0] in _DIALECTS:
        scheme = mistyped.group(1)
        raise HistoryError(f"history {scheme}… looks like a database URL with its '://' mistyped (missing the ':' "
                           f"or a '/'): write {scheme}://user:password@host/database")
    path = Path(text).expanduser()
    return make_url("sqlite://").set(database=str(path)), str(path), path


_DIALECTS = {"postgresql", "postgres", "mysql", "mariadb", "sqlite", "oracle", "mssql", "cockroachdb"}


def _sqlite_engine(url, write: bool) -> Engine:
    if write:
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_S})
    else:
        engine = create_engine("sqlite://", poolclass=NullPool, creator=_read_only(url.database))

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        set_up(dbapi_conn)   # transactions are begun below, not by the driver

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
    _refuse_planted(store)
    if upgrade:
        migrate(store)
    if write and store.dialect == "sqlite":
        _wal(store)


def _refuse_planted(store: Store) -> None:
    """HistoryError when the store holds a trigger or a view: the auditor makes neither, and one
    planted in the file would run inside the audit's own transaction (or stand in for a table)."""
    with translated(store.label), store.engine.connect() as conn:
        if store.dialect == "sqlite":
            n = conn.exec_driver_sql(PLANTED_SQL).scalar()
        elif store.dialect == "postgresql":
            n = conn.exec_driver_sql(
                "SELECT (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE NOT t.tgisinternal "
                "AND s.nspname = current_schema()) + (SELECT count(*) FROM information_schema.views "
                "WHERE table_schema = current_schema())").scalar()
        else:
            n = len(inspect(conn).get_view_names())
        conn.rollback()
    if n:
        raise HistoryError(f"history {store.label} holds {n} trigger(s) or view(s) not made by the "
                           "auditor (it may have been tampered with); nothing was run or recorded: give another "
                           "--history, or remove them")


def check_reachable(target) -> None:
    """Before any input is read: the history can be used.  A database URL is connected to (a wrong
    password or host is found now, not after the audit); an existing file is opened read-only and
    checked; a missing one only checked (the audit makes it)."""
    _, _, path = _url(target)
    if path is not None and not path.exists() and not path.is_symlink():
        _check_file(path, create=True, make=False)
        return
    open_store(target, create=False, write=False, upgrade=False).close()


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
