"""Many rows written, or read, at once through the driver (SQLAlchemy's per-row work skipped).

The values go to the driver as plain text, numbers, booleans and ISO dates, which SQLite stores as
SQLAlchemy would and PostgreSQL casts to the columns' types.  A column that holds the same value on
every row written (the scope, the run, a first month's dates and statuses) is written once into the
statement, as a literal, instead of being bound on every row: only a number, a boolean, a date or a
text of letters, digits and a little punctuation is written so (nothing that could end the literal or
be taken for a parameter), any other is bound as before.  The rows are handed to the driver one by one
as they are made (never all of them at once in a list): the same tuple is used again for each row.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.exc import DBAPIError

from auditor.normalize import arrow

_FEW = 1000     # rows below which a text column is handed to the driver as it is
# a text written into a statement as a literal: nothing that ends it (a quote, a backslash) or that a
# driver takes for a parameter ("?", "%")
_PLAIN = re.compile(r"[A-Za-z0-9 _.,:;|/@+-]*")


def mark(conn) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


class Same(NamedTuple):
    """A column's one value on every row written."""

    value: object


def values(s: pd.Series, date: bool = False, rows: np.ndarray | None = None) -> list:
    """A column as plain Python values for the driver, None where missing; dates as ISO text.  ``rows``:
    the positions to take, in that order (default all)."""
    found = _values(s, date, rows)
    return [found.value] * (len(s) if rows is None else len(rows)) if isinstance(found, Same) else found


def _values(s: pd.Series, date: bool = False, rows: np.ndarray | None = None) -> list | Same:
    """:func:`values`, or :class:`Same` when every row taken holds one value (not missing) where that is
    known without looking at each value in Python."""
    at = slice(None) if rows is None else rows
    if date:  # each distinct date written out once
        codes, days = pd.factorize(pd.to_datetime(s).to_numpy(dtype="datetime64[D]").view(np.int64))
        dates = np.asarray(days).view("datetime64[D]")
        text = np.datetime_as_string(dates).astype(object)
        text[np.isnat(dates)] = None
        taken = codes[at]
        if len(taken) and (taken == taken[0]).all() and taken[0] >= 0 and text[taken[0]] is not None:
            return Same(text[taken[0]])
        return text[taken].tolist()
    if pd.api.types.is_bool_dtype(s):
        flags = s.to_numpy(dtype=bool)[at]
        return Same(bool(flags[0])) if len(flags) and (flags.all() or not flags.any()) else flags.tolist()
    if pd.api.types.is_integer_dtype(s) and not s.hasnans:
        numbers = s.to_numpy(dtype=np.int64)[at]
        return Same(int(numbers[0])) if len(numbers) and numbers.min() == numbers.max() else numbers.tolist()
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow" and len(s) > _FEW:
        # a text of few values (rule, severity, court, firm, status, the scope) made a Python string once
        # per value, not once per row
        a = arrow(s)
        coded = a.dictionary_encode() if len(pc.unique(a.slice(0, _FEW))) <= _FEW // 4 else None   # a look first
        if coded is not None and len(coded.dictionary) <= len(s) // 4:
            texts = np.array([*coded.dictionary.to_pylist(), None], dtype=object)
            taken = coded.indices.fill_null(len(texts) - 1).to_numpy()[at]
            if len(taken) and (taken == taken[0]).all() and texts[taken[0]] is not None:
                return Same(texts[taken[0]])
            return texts[taken].tolist()
    if rows is not None and isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return arrow(s).take(pa.array(rows)).to_numpy(zero_copy_only=False).tolist()   # only the rows asked for
    return s.to_numpy(dtype=object, na_value=None)[at].tolist()  # type: ignore[call-overload]  # pandas-stubs: na_value


def _literal(value) -> str | None:
    """``value`` written into a statement (None: it is bound instead)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return f"'{value}'"
    return None


def bulk_insert(conn, table, frame: pd.DataFrame, dates=(), rows: np.ndarray | None = None) -> None:
    """Write the rows of ``frame`` (its columns named as the table's) into ``table``; ``dates``: the
    columns of dates.  ``rows``: the positions of the rows to write, in that order (default all)."""
    if not len(frame) or (rows is not None and not len(rows)):
        return
    # a column missing on every row is left to be NULL (as it is when not named; no column has a default):
    # fewer values for the driver to bind, as for the notes and dates of a first month's 100,000 findings
    at = slice(None) if rows is None else rows
    cols = [c for c in frame.columns if _given(table, c) or frame[c].notna().to_numpy()[at].any()]
    quote = conn.dialect.identifier_preparer.quote
    bound, written, lists = [], [], []
    for c in cols:
        found = _values(frame[c], c in dates, rows)
        literal = _literal(found.value) if isinstance(found, Same) else None
        if literal is not None:
            written.append((c, literal))
        else:
            bound.append(c)
            lists.append(values(frame[c], c in dates, rows) if isinstance(found, Same) else found)
    names = [*bound, *(c for c, _ in written)]
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) "
           f"VALUES ({', '.join([mark(conn)] * len(bound) + [v for _, v in written])})")
    if not bound:   # every column the same on every row: as many rows as asked, all alike
        lists = [[()] * (len(frame) if rows is None else len(rows))]
        executemany(conn, sql, lists[0])
        return
    executemany(conn, sql, zip(*lists))


def executemany(conn, sql: str, rows) -> None:
    """``sql`` once per row of ``rows`` (any iterable of tuples) on the connection's own transaction;
    the driver's errors raised as SQLAlchemy's (as ``exec_driver_sql`` raises them)."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc
    finally:
        cursor.close()


def _given(table, column: str) -> bool:
    """Whether ``column`` must be named in an INSERT: it has a default or is not nullable."""
    c = table.c[column]
    return c.default is not None or c.server_default is not None or not c.nullable


def fetch(conn, sql: str, params) -> np.ndarray:
    """All rows of a query as a 2-D object array, straight from the driver's cursor (no Row objects)."""
    cursor = conn.exec_driver_sql(sql, params).cursor
    rows = cursor.fetchall()
    out = np.empty((len(rows), len(cursor.description)), dtype=object)
    if rows:
        out[:] = rows
    return out


def fetch_columns(conn, columns: list[str], rest: str, params) -> list[np.ndarray]:
    """``SELECT columns rest`` (``rest``: its FROM and WHERE) as one object array per column.  SQLite
    hands each column over as one JSON array (its values in the order of the rows, as every column of
    one query aggregates them), parsed in C: no Python tuple per row.  The values are those the driver
    gives row by row (text, whole numbers, None), which any other database gives as before."""
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "sqlite":
        lists = ", ".join(f"json_group_array({quote(c)})" for c in columns)
        try:
            texts = conn.exec_driver_sql(f"SELECT {lists} {rest}", params).fetchone()
        except DBAPIError as exc:   # a value JSON cannot hold (a blob, never written by the auditor)
            if not isinstance(exc.orig, sqlite3.OperationalError):
                raise
        else:
            out = []
            for text in texts:
                found = json.loads(text)
                column = np.empty(len(found), dtype=object)
                column[:] = found
                out.append(column)
            return out
    rows = fetch(conn, f"SELECT {', '.join(quote(c) for c in columns)} {rest}", params)
    return [rows[:, i] for i in range(len(columns))]
