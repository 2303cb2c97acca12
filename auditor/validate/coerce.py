"""Vectorised coercion of text cells to the canonical column types.

Each function takes a Series of trimmed text (``<NA>`` for blank) and returns
the typed Series plus a boolean mask of the cells that were not blank but
could not be understood.  Work is done once per distinct value (dates,
categories, yes/no values repeat a lot), so a million rows cost little.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor import columns as C
from auditor.columns import STRING
from auditor.normalize import at
from auditor.validate.emails import email_shaped

EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                "#N/A!")
_EXCEL_MAX_SERIAL = 2_958_465       # 9999-12-31
_DATE_FORMATS = (
    ("%Y-%m-%d", r"\d{4}-\d{1,2}-\d{1,2}"),
    ("ISO8601", r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),
    ("%m/%d/%Y", r"\d{1,2}/\d{1,2}/\d{4}"),
    ("%m/%d/%y", r"\d{1,2}/\d{1,2}/\d{2}"),
    ("%Y/%m/%d", r"\d{4}/\d{1,2}/\d{1,2}"),
    ("%m/%d/%Y %H:%M:%S", r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}"),
    ("%m/%d/%Y %H:%M", r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}"),
)
_ZONE_AT_END = r"(?:Z|[+-]\d{2}:?\d{2})$"
# What people type in a username cell to say there is no account.
NO_ACCOUNT = ("n/a", "na", "n.a.", "none", "-", "--", "---", "\u2013", "\u2014", "null", "nil", "no account",
              "not applicable", "unknown", "tbd", "?")
_TRUE = {C.header_key(v) for v in C.BOOL_TRUE}
_FALSE = {C.header_key(v) for v in C.BOOL_FALSE}


def is_excel_error(s: pd.Series) -> pd.Series:
    if not may_hold_excel_error(s):
        return pd.Series(np.zeros(len(s), dtype=bool), index=s.index)
    return s.str.upper().isin(EXCEL_ERRORS).fillna(False).astype(bool)


def may_hold_excel_error(s: pd.Series) -> bool:
    """Whether some cell starts with "#", as every error value does: the first bytes looked at in place."""
    arr = pa.array(as_text(s).array)
    for chunk in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        found = arrow_text.layout(chunk)
        if found is None:
            if pc.any(pc.starts_with(chunk, "#")).as_py():
                return True
            continue
        data, starts, ends = found
        if len(data) and bool(((arrow_text.first_bytes(data, starts) == 0x23) & (ends > starts)).any()):
            return True
    return False


def as_text(s: pd.Series) -> pd.Series:
    """The column as pyarrow-backed text, as it is when it already is."""
    return s if s.dtype == STRING else s.astype(STRING)


def distinct(s: pd.Series) -> tuple[np.ndarray, list[str], pa.Array]:
    """(code of each cell, -1 where blank; the distinct texts in code order; the codes as Arrow
    indices, null where blank).  Arrow's dictionary encoding straight on the column's own chunks,
    without pandas' factorize around it (its int64 copy of the codes and its wrapping of the uniques)."""
    arr = pa.array(as_text(s).array)
    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks() if enc.num_chunks else pa.array([], pa.dictionary(pa.int32(), arr.type))
    indices = enc.indices
    codes = (pc.fill_null(indices, -1) if indices.null_count else indices).to_numpy()
    return codes, enc.dictionary.to_pylist(), indices


def coerce_category(s: pd.Series, col: C.Column) -> tuple[pd.Series, pd.Series]:
    """(canonical value, or the text as read when unknown; mask of unknown values)."""
    cmap = _category_map(col)
    codes, uniques, indices = distinct(s)
    canon = [cmap.get(C.header_key(v)) for v in uniques]
    # by code (a blank: no value, not unknown): the canonical value, and whether it is unknown
    bad = at(np.array([c is None for c in canon], dtype=bool), codes, False)
    arr = pa.array(as_text(s).array)
    out = pa.array(canon, arr.type).take(indices)
    if bad.any():   # an unknown value is kept as read, for the schema to judge
        out = pc.if_else(pa.array(bad), arr, out)
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index), pd.Series(bad, index=s.index)


_CATEGORY_MAPS: dict[int, tuple[C.Column, dict[str, str]]] = {}


def _category_map(col: C.Column) -> dict[str, str]:
    """``columns.category_map`` of a column, worked out once a process (0.5 ms for each file)."""
    got = _CATEGORY_MAPS.get(id(col))
    if got is None or got[0] is not col:   # the column is kept with its map, so its id is not reused
        got = _CATEGORY_MAPS[id(col)] = (col, C.category_map(col))
    return got[1]


def coerce_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    codes, uniques, _ = distinct(s)   # each distinct spelling looked at once
    keys = [C.header_key(v) for v in uniques]
    # by code (a blank: neither): yes, and whether the text says yes or no at all
    yes = at(np.array([k in _TRUE for k in keys], dtype=bool), codes, False)
    said = at(np.array([k in _TRUE or k in _FALSE for k in keys], dtype=bool), codes, False)
    val = pd.Series(pd.arrays.BooleanArray(yes, ~said), index=s.index)
    return val, pd.Series((codes >= 0) & ~said, index=s.index)


# the dates pandas can hold (nanoseconds since 1970 in 64 bits): about 1677-09-22 to 2262-04-11
FIRST_DAY = pd.Timestamp.min.ceil("D").to_datetime64().astype("datetime64[us]")
LAST_DAY = pd.Timestamp.max.floor("D").to_datetime64().astype("datetime64[us]")


def _fullmatcher(u: pd.Series):
    """``pattern -> mask (numpy) of the texts of u that match it whole``.  Texts all in ASCII go
    straight to Arrow's regular expressions, where ``\\d`` means what it means in Python's; pandas
    decides so too, only after parsing the pattern again on every call."""
    arr = pa.array(u.array)
    if len(arr) and not pc.all(pc.string_is_ascii(arr)).as_py():
        return lambda pattern: u.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)

    def match(pattern: str) -> np.ndarray:
        hit = pc.fill_null(pc.match_substring_regex(arr, f"^({pattern})$"), False)
        return hit.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    return match


def _iso_dates(texts: pd.Series) -> np.ndarray:
    """ISO 8601 date-times: one with a zone (Z, +01:00) is read as that moment in UTC, one without as
    written.  pandas refuses a column that mixes the two, or mixes zones, so each kind is read apart."""
    zoned = texts.str.contains(_ZONE_AT_END, regex=True).fillna(False).to_numpy(dtype=bool)
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[us]")
    if zoned.any():
        at = pd.to_datetime(texts[zoned], format="ISO8601", errors="coerce", utc=True)
        out[zoned] = at.dt.tz_convert(None).astype("datetime64[us]").to_numpy()
    if not zoned.all():
        out[~zoned] = pd.to_datetime(texts[~zoned], format="ISO8601", errors="coerce").astype("datetime64[us]").to_numpy()
    return out


def _parse_dates(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[ns] for distinct date texts, NaT where not understood or out of range;
    -1 / 0 / 1 where the date was before, within or after the range pandas can hold).
    Worked in numpy arrays: a roster's few hundred dates cost pandas' fixed costs, not their own."""
    out = np.full(len(u), np.datetime64("NaT"), dtype="datetime64[us]")
    if len(u) == 0:
        return out.astype("datetime64[ns]"), np.zeros(0, dtype=np.int8)
    fullmatch = _fullmatcher(u)
    serial = fullmatch(r"\d{1,7}(\.\d+)?")
    if serial.any():
        num = pd.to_numeric(u.where(serial), errors="coerce").astype("float64").to_numpy()
        days = np.floor(num)
        ok = (days >= 1) & (days <= _EXCEL_MAX_SERIAL) & (days != 60)
        # Excel's 1900 system counts a 29 Feb 1900 that never was (serial 60)
        base = np.where(days < 60, np.datetime64("1899-12-31", "D"), np.datetime64("1899-12-30", "D"))
        td = np.where(ok, days, 0).astype("int64").astype("timedelta64[D]")
        out[ok] = (base + td).astype("datetime64[us]")[ok]
    for fmt, pattern in _DATE_FORMATS:
        left = np.isnat(out)
        if not left.any():   # every distinct text read already
            break
        todo = left & fullmatch(pattern)
        if not todo.any():
            continue
        if fmt == "ISO8601":
            out[todo] = _iso_dates(u[todo])
            continue
        out[todo] = pd.to_datetime(u[todo], format=fmt, errors="coerce").astype("datetime64[us]").to_numpy()
    days = out.astype("datetime64[D]").astype("datetime64[us]")   # numpy floors to the day, as pandas does
    side = np.where(days < FIRST_DAY, -1, np.where(days > LAST_DAY, 1, 0)).astype(np.int8)
    days = np.where(side == 0, days, np.datetime64("NaT", "us"))
    return days.astype("datetime64[ns]"), side


# date text -> (nanoseconds since 1970 or NaT's integer, side): what ``_parse_dates`` made of it earlier
# in this process.  Fifty rosters spell mostly the same few hundred days; each text is parsed once.
_DATE_MEMO: dict[str, tuple[int, int]] = {}
_DATE_MEMO_MAX = 1 << 16   # about 13 MB at most, in a worker of the upload page that lives long


def _dates_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``_parse_dates`` of distinct texts, each text parsed only the first time it is seen."""
    found = _DATE_MEMO.copy()   # as it is now: the other thread reading a file may clear the shared one
    new = [t for t in texts if t not in found]
    if len(new) == len(texts):
        parsed, side = _parse_dates(pd.Series(new, dtype=STRING))
        _remember(new, parsed, side)
        return parsed, side
    if new:
        parsed, side = _parse_dates(pd.Series(new, dtype=STRING))
        found.update(_remember(new, parsed, side))
    got = [found[t] for t in texts]
    values = np.fromiter((g[0] for g in got), dtype=np.int64, count=len(got)).astype("datetime64[ns]")
    return values, np.fromiter((g[1] for g in got), dtype=np.int8, count=len(got))


def _remember(texts: list[str], parsed: np.ndarray, side: np.ndarray) -> dict[str, tuple[int, int]]:
    """The texts' results by text, kept in the memo too unless they are countless (a file of junk)."""
    got = dict(zip(texts, zip(parsed.astype("int64").tolist(), side.tolist())))
    if len(texts) <= _DATE_MEMO_MAX // 4:
        if len(_DATE_MEMO) + len(texts) > _DATE_MEMO_MAX:
            _DATE_MEMO.clear()
        _DATE_MEMO.update(got)
    return got


def coerce_date(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(dates; mask of cells not understood; -1/1 where a date was understood but lies before
    or after the years pandas can hold (1677-2262), else 0).  Out-of-range dates come out blank."""
    codes, uniques, _ = distinct(s)
    parsed, side = _dates_of(uniques)
    parsed, side = parsed.astype("datetime64[ns]"), side.astype(np.int8)
    unread = np.isnat(parsed) & (side == 0)
    # by code (a blank: no date, on no side, not a text misread)
    return (pd.Series(at(parsed, codes, np.datetime64("NaT", "ns")), index=s.index),
            pd.Series(at(unread, codes, False), index=s.index), pd.Series(at(side, codes, np.int8(0)), index=s.index))


def coerce_email(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    arr = pa.array(s.astype(STRING).array)
    lowered = _lower(arr)
    low = pd.Series(pd.arrays.ArrowStringArray(lowered), index=s.index)
    ok = pd.Series(email_shaped(lowered), index=s.index)
    bad = s.notna() & ~ok
    if not bad.any():
        return low, bad.astype(bool)
    return low.mask(bad).astype(STRING), bad.astype(bool)


def _lower(arr: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Text in lower case; text all in ASCII the ASCII way, which gives the same text ten times faster."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return pa.chunked_array([pc.ascii_lower(c) if _ascii(c) else pc.utf8_lower(c) for c in chunks], arr.type)


def _ascii(chunk: pa.Array) -> bool:
    """Whether every byte of a text array's cells is ASCII (looked at in place)."""
    layout = arrow_text.layout(chunk)
    if layout is None:
        return False
    data, starts, ends = layout
    return not len(data) or int(data[starts[0]:ends[-1]].max(initial=0)) < 0x80


def coerce_court(s: pd.Series, known_courts) -> tuple[pd.Series, pd.Series]:
    """(court id lower-cased and mapped to its canonical id; mask of ids not in the calendar)."""
    known = None
    if known_courts is not None:
        known = {str(k).strip().lower(): v for k, v in known_courts.items()}

    codes, uniques, indices = distinct(s)   # each distinct id looked at once
    low = ["".join(str(v).split()).lower() for v in uniques]
    ids = low if known is None else [known.get(v, v) for v in low]
    # by code (a blank: no id, not unknown): the id, and whether the calendar lacks it
    unknown = at(np.array([known is not None and v not in known for v in low], dtype=bool), codes, False)
    out = pa.array(ids, pa.large_string()).take(indices)
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index), pd.Series(unknown, index=s.index)


def no_account(s: pd.Series) -> pd.Series:
    """Mask of cells saying there is no account ("N/A", "none", "-"...), compared trimmed and in
    lower case.  Only cells whose first byte could begin such a word are compared."""
    arr = pa.array(s.astype(STRING).array)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    maybe = [m for m in map(_may_say_no_account, chunks) if m is not None]
    if len(maybe) < len(chunks):
        return pd.Series(_says_no_account(arr), index=s.index, dtype=bool)
    hit = np.zeros(len(s), dtype=bool)
    start = 0
    for chunk, m in zip(chunks, maybe):   # chunk by chunk: a chunked array's take joins its chunks first
        some = np.flatnonzero(m)
        if len(some):
            hit[start + some] = _says_no_account(chunk.take(pa.array(some)))
        start += len(chunk)
    return pd.Series(hit, index=s.index, dtype=bool)


def _says_no_account(a: pa.Array | pa.ChunkedArray) -> np.ndarray:
    a = pc.utf8_lower(pc.utf8_trim_whitespace(a))
    return pc.fill_null(pc.is_in(a, value_set=pa.array(NO_ACCOUNT, a.type)), False).to_numpy(zero_copy_only=False)


# The first bytes of a cell that may say "no account": the first letter of a word of NO_ACCOUNT in either
# case, white space (trimmed off before comparing), and any byte of a character outside ASCII (some are
# white space, some are in lower case an ASCII letter, as the Kelvin sign is a k).
_NO_ACCOUNT_FIRST = np.zeros(256, dtype=bool)
_NO_ACCOUNT_FIRST[[ord(c) for w in NO_ACCOUNT for c in {w[0].lower(), w[0].upper()} if c.isascii()]] = True
_NO_ACCOUNT_FIRST[:0x21] = True
_NO_ACCOUNT_FIRST[0x80:] = True


def _may_say_no_account(chunk: pa.Array) -> np.ndarray | None:
    """Mask of the cells of a text array whose first byte may begin a word of NO_ACCOUNT (an empty
    cell never does); None for an array not laid out as text."""
    if len(chunk) == 0:
        return np.zeros(0, dtype=bool)
    layout = arrow_text.layout(chunk)
    if layout is None:
        return None
    data, starts, ends = layout
    if not len(data):
        return np.zeros(len(chunk), dtype=bool)
    return _NO_ACCOUNT_FIRST[arrow_text.first_bytes(data, starts)] & (ends > starts)
