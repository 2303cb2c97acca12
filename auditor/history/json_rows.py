"""Many rows into SQLite as JSON text, a block of rows a statement (``bulk.bulk_insert``'s way on SQLite).

Python's ``sqlite3`` binds every value of every row with the GIL held, and gives the GIL up and takes
it back around each row's step: 106,000 state rows took 0.4-0.5 s of CPU, nearly all of it holding the
GIL (SQLite's own insert of the same rows takes 0.07 s), and the thread that writes them beside the
report traded the GIL with the report's thread twice a row.  Here each column's values are made JSON in
Arrow, each row a JSON array of them and each block of rows one JSON text; SQLite takes them apart in
one statement per block (``json_each``, ``json_extract``) without the GIL.

The values stored are those the driver stores: text as text, whole numbers and booleans as integers,
dates as ISO text, missing values as NULL, and the rows in the order given.  A column of any other kind
(fractions, a mix of objects) or a text with a control character other than tab, newline or carriage
return is not written this way: :func:`insert` answers False and the caller binds the rows as before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor.normalize import arrow

BLOCK = 25_000      # rows a statement (each block's JSON text a few megabytes)
_TEXT = pa.large_string()
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_PLAIN_JSON = sqlite3.sqlite_version_info >= (3, 38)   # JSON functions always built in from 3.38


def usable(conn) -> bool:
    return conn.dialect.name == "sqlite" and _PLAIN_JSON


def _quoted(a: pa.Array) -> pa.Array | None:
    """Texts as JSON strings (None: one holds a control character JSON would need spelt as a code)."""
    a = a.cast(_TEXT)
    data = a.buffers()[2]
    if data is not None and len(a):
        # a quick look at the bytes (of the values, and maybe a few beyond them): most columns need no escape
        raw = np.frombuffer(data, dtype=np.uint8)
        if ((raw < 0x20) | (raw == 0x22) | (raw == 0x5C)).any():
            for char, escaped in _ESCAPES:
                if pc.any(pc.match_substring(a, char)).as_py():
                    a = pc.replace_substring(a, char, escaped)
            if pc.any(pc.match_substring_regex(a, _OTHER_CONTROL)).as_py():
                return None
    quote = pa.scalar('"', _TEXT)
    return pc.binary_join_element_wise(quote, a, quote, pa.scalar("", _TEXT))


def _numbers(a: pa.Array) -> pa.Array:
    return a.cast(pa.int64()).cast(_TEXT)


def tokens(s: pd.Series, date: bool, rows: np.ndarray | None) -> pa.Array | None:
    """The column's values (at ``rows``, in that order, or all) as JSON texts, null where missing; None for
    a column not written this way."""
    take: Callable[[pa.Array], pa.Array] = (lambda a: a) if rows is None else (lambda a: a.take(pa.array(rows)))
    if date:
        days = pd.to_datetime(s).to_numpy(dtype="datetime64[D]")
        a = pa.array(days.view(np.int64).astype(np.int32), mask=np.isnat(days)).cast(pa.date32())
        return _quoted(take(a).cast(pa.string()))
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
        return _numbers(take(pa.array(s, from_pandas=True)))
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return _quoted(take(arrow(s)))
    if s.dtype != object:
        return None
    try:
        a = take(pa.array(s.to_numpy(dtype=object), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if pa.types.is_null(a.type) or pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
        return _quoted(a.cast(_TEXT))
    return _numbers(a) if pa.types.is_integer(a.type) or pa.types.is_boolean(a.type) else None


def same(a: pa.Array):
    """The one value of every row (as Python), if the column holds one and no missing value; else None."""
    if not len(a) or a.null_count:
        return None
    low, high = pc.min_max(a).values()
    return json.loads(low.as_py()) if low == high else None


def insert(table_sql: str, names: list[str], columns: list[pa.Array], literals: list[str],
           execute: Callable[[str, tuple], None]) -> None:
    """INSERT into ``table_sql`` the columns ``names``: first those given as JSON ``columns`` (their
    :func:`tokens`), then those given as ``literals`` (the same on every row), by ``execute(sql, params)``."""
    width = len(columns)
    picked = [f"json_extract(value, '$[{i}]')" for i in range(width)] + literals
    sql = f"INSERT INTO {table_sql} ({', '.join(names)}) SELECT {', '.join(picked)} FROM json_each(?)"
    comma = pa.scalar(",", _TEXT)
    values = [pc.fill_null(c, pa.scalar("null", _TEXT)) for c in columns]
    opening, closing, nothing = (pa.scalar(t, _TEXT) for t in ("[", "]", ""))
    rows = pc.binary_join_element_wise(*values, comma) if width > 1 else values[0]
    rows = pc.binary_join_element_wise(opening, rows, closing, nothing)      # each row: [v0,v1,...]
    for start in range(0, len(rows), BLOCK):
        block = rows.slice(start, BLOCK)
        one = pa.LargeListArray.from_arrays(pa.array([0, len(block)], pa.int64()), block)
        text = pc.binary_join_element_wise(opening, pc.binary_join(one, comma), closing, nothing)
        execute(sql, (text[0].as_py(),))
