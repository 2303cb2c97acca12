"""Read one sheet of a workbook (.xlsx, .xlsb, .xls, .ods) into a grid of text cells.

Cells are read with calamine, which gives the value Excel last calculated
for a formula (never the formula).  Each value is written as text the way a
user reads it: ``12345`` for a whole number, ``2024-03-01`` for a date,
``TRUE``/``FALSE`` for a yes/no cell.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from itertools import zip_longest

import pandas as pd
import pyarrow as pa
import python_calamine

from auditor.errors import InputError
from auditor.load.extent import check_before_open, check_extent, refuse_extent



def _reader_failure(exc: BaseException) -> bool:
    """True for an error raised by the workbook reader on a damaged file.

    Besides ordinary exceptions, the Rust reader turns an internal panic into
    ``PanicException``, which derives from BaseException, not Exception; a
    damaged file must not escape as a traceback through that gap.
    """
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _cell_text(v: Any) -> str:   # whatever the reader gives: checked by exact type (fast per cell)
    t = type(v)
    if t is str:
        return v
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is dt.datetime:
        if v.hour == v.minute == v.second == v.microsecond == 0:
            return v.date().isoformat()
        return v.isoformat(sep=" ", timespec="seconds")
    if t is dt.date:
        return v.isoformat()
    if t is dt.time:
        return v.isoformat(timespec="seconds")
    if t is dt.timedelta:
        days = v.total_seconds() / 86400
        return str(int(days)) if days.is_integer() else repr(days)
    if v is None:
        return ""
    return str(v)


def _column_text(values) -> list[str]:
    return [v if type(v) is str else _cell_text(v) for v in values]


def _column_array(values) -> pd.arrays.ArrowStringArray:
    """One column as Arrow text; a column of text cells alone goes to Arrow without a Python pass."""
    try:
        arr = pa.array(values, type=pa.large_string())
        if arr.null_count:
            raise pa.ArrowInvalid("empty cells")
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers, dates, booleans: text as shown in Excel
        arr = pa.array(_column_text(values), type=pa.large_string())
    return pd.arrays.ArrowStringArray(arr)


HEADER_ROWS = 20   # rows of a sheet looked at for its header when choosing the sheet


def _best_sheet(wb, path: str, name: str, family: str, names: list[str], limits, score):
    """The sheet whose header names the most columns: a workbook may open on a notes or cover sheet
    before its data.  The first sheet is kept when it has a header (two columns named) or no other
    sheet names more; a sheet too large to read is not a candidate."""
    best, best_score, best_ws = names[0], -1, None
    for i, sheet in enumerate(names):
        try:
            check_extent(path, name, family, i, sheet, limits)
        except InputError:
            if i == 0:
                raise
            continue
        try:
            ws = wb.get_sheet_by_name(sheet)
            rows = [r for _, r in zip(range(HEADER_ROWS), ws.iter_rows())] if ws.start is not None else []
        except BaseException as exc:
            if not _reader_failure(exc):
                raise
            if i == 0:
                raise InputError(name, f"sheet {sheet!r} is damaged and cannot be read ({_short(exc)})") from None
            continue
        found = max((score([str(c) if c not in (None, "") else None for c in r]) for r in rows), default=0)
        if found > best_score:
            best, best_score, best_ws = sheet, found, ws
        if i == 0 and found >= 2:
            break
    return best, best_ws


def read_workbook_grid(path: str, name: str, sheet: str | None, limits,
                       family: str = "xlsx", score=None) -> tuple[pd.DataFrame, str, int]:
    """(grid, sheet name, first column offset) of one sheet: ``sheet``, or without it the first sheet
    that has a header (``score(cells)``: how many columns a row names).

    The grid's columns are 0..n-1 counted from the sheet's first used column
    (``offset`` columns from column A) and its index is the Excel row number.
    """
    check_before_open(path, name, family, limits)   # .ods, .xls: the reader reads every sheet on opening
    try:
        wb = python_calamine.CalamineWorkbook.from_path(path)
    except python_calamine.PasswordError:
        raise InputError(name, (
            "is password-protected (encrypted) and cannot be read. Open it, remove the password, "
            "save an unprotected copy and give that file")) from None
    except BaseException as exc:  # calamine raises several types for damaged files
        if not _reader_failure(exc):
            raise
        raise InputError(name, f"is damaged and cannot be read as a workbook ({_short(exc)})") from None
    try:
        names = list(wb.sheet_names)
        if not names:
            raise InputError(name, "has no sheets")
        chosen: str | None
        ws = None
        if sheet is None and score is not None and len(names) > 1:
            chosen, ws = _best_sheet(wb, path, name, family, names, limits, score)
        elif sheet is None:
            chosen = names[0]
        elif sheet in names:
            chosen = sheet
        else:
            folded = {n.strip().casefold(): n for n in names}
            chosen = folded.get(sheet.strip().casefold())
            if chosen is None:
                listed = ", ".join(repr(n) for n in names)
                raise InputError(name, f"has no sheet named {sheet!r}; its sheets are: {listed}")
        if ws is None:
            check_extent(path, name, family, names.index(chosen), chosen, limits)  # before the grid is allocated
        try:
            ws = ws or wb.get_sheet_by_name(chosen)
            start = ws.start
            if start is None:
                return pd.DataFrame(), chosen, 0
            refuse_extent(name, chosen, ws.height, ws.width, limits)
            rows = ws.to_python(skip_empty_area=True)
        except InputError:
            raise
        except BaseException as exc:
            if not _reader_failure(exc):
                raise
            raise InputError(name, f"sheet {chosen!r} is damaged and cannot be read ({_short(exc)})") from None
    finally:
        try:
            wb.close()
        except Exception:   # noqa: BLE001 - the sheet is read; a failure to let the file go changes nothing
            pass
    if not rows:
        return pd.DataFrame(), chosen, 0
    cols = list(zip_longest(*rows, fillvalue=""))
    del rows
    frame = pd.DataFrame({i: _column_array(c) for i, c in enumerate(cols)})
    frame.index = pd.RangeIndex(start[0] + 1, start[0] + 1 + len(frame))
    return frame, chosen, start[1]


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
