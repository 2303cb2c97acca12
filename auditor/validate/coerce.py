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

from auditor import columns as C
from auditor.columns import STRING

EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                "#N/A!")
EMAIL_RE = r"[^@\s]+@[^@\s]+\.[^@\s.]+"
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
# What people type in a username cell to say there is no account.
NO_ACCOUNT = ("n/a", "na", "n.a.", "none", "-", "--", "---", "\u2013", "\u2014", "null", "nil", "no account",
              "not applicable", "unknown", "tbd", "?")
_TRUE = {C.header_key(v) for v in C.BOOL_TRUE}
_FALSE = {C.header_key(v) for v in C.BOOL_FALSE}


def _by_unique(s: pd.Series, fn, dtype) -> pd.Series:
    """Apply ``fn`` (a function of an array of distinct non-blank values) via factorize."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = fn(pd.Series(uniques, dtype=STRING))
    mapped = pd.array(mapped, dtype=dtype)
    if len(mapped) == 0:
        return pd.Series(pd.array([pd.NA] * len(s), dtype=dtype), index=s.index)
    taken = mapped.take(codes, allow_fill=True)
    return pd.Series(taken, index=s.index)


def is_excel_error(s: pd.Series) -> pd.Series:
    # every error value starts with "#": one Arrow pass says whether any cell does
    if not pc.any(pc.starts_with(pa.array(s.astype(STRING).array), "#")).as_py():
        return pd.Series(np.zeros(len(s), dtype=bool), index=s.index)
    return s.str.upper().isin(EXCEL_ERRORS).fillna(False).astype(bool)


def coerce_category(s: pd.Series, col: C.Column) -> tuple[pd.Series, pd.Series]:
    """(canonical value, or the text as read when unknown; mask of unknown values)."""
    cmap = C.category_map(col)

    def fn(u: pd.Series):
        return [cmap.get(C.header_key(v)) for v in u]
    canon = _by_unique(s, fn, STRING)
    bad = s.notna() & canon.isna()
    return canon.where(~bad, s).astype(STRING), bad.astype(bool)


def coerce_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    def fn(u: pd.Series):
        out = []
        for v in u:
            k = C.header_key(v)
            out.append(True if k in _TRUE else False if k in _FALSE else pd.NA)
        return out
    val = _by_unique(s, fn, "boolean")
    bad = s.notna() & val.isna()
    return val, bad.astype(bool)


# the dates pandas can hold (nanoseconds since 1970 in 64 bits): about 1677-09-22 to 2262-04-11
FIRST_DAY = pd.Timestamp.min.ceil("D").to_datetime64().astype("datetime64[us]")
LAST_DAY = pd.Timestamp.max.floor("D").to_datetime64().astype("datetime64[us]")


def _parse_dates(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[ns] for distinct date texts, NaT where not understood or out of range;
    -1 / 0 / 1 where the date was before, within or after the range pandas can hold)."""
    out = pd.Series(pd.NaT, index=u.index, dtype="datetime64[us]")
    if len(u) == 0:
        return out.to_numpy().astype("datetime64[ns]"), np.zeros(0, dtype=np.int8)
    serial = u.str.fullmatch(r"\d{1,7}(\.\d+)?").fillna(False).astype(bool)
    if serial.any():
        num = pd.to_numeric(u.where(serial), errors="coerce").astype("float64")
        days = np.floor(num)
        ok = (days >= 1) & (days <= _EXCEL_MAX_SERIAL) & (days != 60)
        # Excel's 1900 system counts a 29 Feb 1900 that never was (serial 60)
        base = np.where(days < 60, np.datetime64("1899-12-31", "D"), np.datetime64("1899-12-30", "D"))
        td = np.where(ok, days, 0).astype("int64").astype("timedelta64[D]")
        dates = pd.Series((base + td).astype("datetime64[us]"), index=u.index)
        out = out.mask(ok, dates)
    for fmt, pattern in _DATE_FORMATS:
        left = out.isna()
        if not left.any():   # every distinct text read already
            break
        todo = left & u.str.fullmatch(pattern).fillna(False).astype(bool)
        if not todo.any():
            continue
        parsed = pd.to_datetime(u[todo], format=fmt, errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert(None)
        out.loc[todo] = parsed.astype("datetime64[us]").to_numpy()
    days = out.dt.floor("D").to_numpy()
    side = np.where(days < FIRST_DAY, -1, np.where(days > LAST_DAY, 1, 0)).astype(np.int8)
    days = np.where(side == 0, days, np.datetime64("NaT", "us"))
    return days.astype("datetime64[ns]"), side


def coerce_date(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(dates; mask of cells not understood; -1/1 where a date was understood but lies before
    or after the years pandas can hold (1677-2262), else 0).  Out-of-range dates come out blank."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    parsed, side = _parse_dates(pd.Series(uniques, dtype=STRING))
    if len(parsed):
        take = np.where(codes >= 0, codes, 0)
        vals = np.where(codes >= 0, parsed[take], np.datetime64("NaT", "ns"))
        sides = np.where(codes >= 0, side[take], 0).astype(np.int8)
    else:
        vals = np.full(len(s), np.datetime64("NaT", "ns"))
        sides = np.zeros(len(s), dtype=np.int8)
    out = pd.Series(vals.astype("datetime64[ns]"), index=s.index)
    side_of = pd.Series(sides, index=s.index)
    bad = s.notna() & out.isna() & (side_of == 0)
    return out, bad.astype(bool), side_of


def coerce_email(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = s.str.lower()
    arr = pa.array(low.array)
    ok = pc.match_substring_regex(arr, "^" + EMAIL_RE + "$")
    ok = pd.Series(pc.fill_null(ok, True).to_numpy(zero_copy_only=False), index=s.index)
    bad = s.notna() & ~ok
    return low.mask(bad).astype(STRING), bad.astype(bool)


def coerce_court(s: pd.Series, known_courts) -> tuple[pd.Series, pd.Series]:
    """(court id lower-cased and mapped to its canonical id; mask of ids not in the calendar)."""
    known = None
    if known_courts is not None:
        known = {str(k).strip().lower(): v for k, v in known_courts.items()}

    def fn(u: pd.Series):
        low = ["".join(str(v).split()).lower() for v in u]
        if known is None:
            return low
        return [known.get(v, "\0" + v) for v in low]
    mapped = _by_unique(s, fn, STRING)
    bad = mapped.str.startswith("\0").fillna(False).astype(bool)
    if bad.any():
        mapped = mapped.where(~bad, mapped.str.slice(1))
    return mapped.astype(STRING), bad


def no_account(s: pd.Series) -> pd.Series:
    """Mask of cells saying there is no account ("N/A", "none", "-"...), compared trimmed and in
    lower case."""
    a = pc.utf8_lower(pc.utf8_trim_whitespace(pa.array(s.astype(STRING).array)))
    hit = pc.fill_null(pc.is_in(a, value_set=pa.array(NO_ACCOUNT, a.type)), False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)
