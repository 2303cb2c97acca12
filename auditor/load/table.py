"""Read an input file (CSV or workbook) into a frame of text cells.

``read_table`` refuses what cannot be read safely (a file too big, a zip
bomb, macros, a password, a file that is not what its name says) with an
InputError, finds the header row, renames the columns it recognises to their
canonical names and keeps every cell as text, indexed by the row number the
user sees in Excel or a text editor.  Typing and checking the cells is the
validator's work (auditor.validate.table).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor import columns as C
from auditor.errors import InputError
from auditor.load.clean import arrow, clean
from auditor.load.csv import read_csv_grid
from auditor.load.detect import detect
from auditor.load.limits import Limits
from auditor.load.layout import first_true, footer_rows, last_true, values_at
from auditor.load.recognise import SAMPLE, recognise, user_map
from auditor.load.workbook import read_workbook_grid

HEADER_SEARCH_ROWS = 20
SAMPLE_ROWS = 2000     # rows looked at for a sample of a column's values
SHOWN_VALUE_CHARS = 200
ASIDE_BYTES = 8 << 20   # a CSV file's checksum worked out beside its parse from this size on


@dataclass
class RawTable:
    """One sheet or CSV file as read: text cells under canonical column names."""

    path: str
    name: str
    kind: str
    sheet: str
    sha256: str
    frame: pd.DataFrame
    unknown_columns: list[str]
    present_columns: list[str]
    rows_blank: int
    header_issues: list[dict]
    header_row: int
    # canonical column -> the header as the user wrote it
    headers: dict[str, str] = field(default_factory=dict)
    header_recognised: bool = True   # at least one header cell named a known column
    all_headers: list[str] = field(default_factory=list)  # every header cell as written, in order
    file_type: str = ""              # csv | xlsx | xlsb | xls | ods
    encoding: str = ""               # CSV only
    delimiter: str = ""              # CSV only
    # headers that could name several columns, the values not deciding: (header, candidate columns)
    ambiguous: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def excel_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def shown(value: object) -> str:
    """A cell value as shown in a data issue: cut to 200 characters."""
    text = "" if value is None or value is pd.NA else str(value)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS] + "…"


def _sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _aside(work: Callable[[], str]) -> Callable[[], str]:
    """``work`` (a file's checksum) done on a thread of its own while this one parses the file; the
    function returned waits for its answer.  hashlib lets go of the GIL over big buffers, so the two go
    side by side: a big file's parse no longer waits for its checksum."""
    pool = ThreadPoolExecutor(1)
    done = pool.submit(work)
    pool.shutdown(wait=False)   # its one task goes on; the thread ends with it
    return done.result


def _sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _scorer(kind: str):
    amap = C.alias_map(kind)

    keys: dict[str, str] = {}   # header_key of each cell text seen (the same few texts come back)

    def key(cell) -> str:
        k = keys.get(cell)
        if k is None:
            k = keys[cell] = C.column_key(cell)
        return k

    def score(cells) -> int:
        return len({amap[k] for k in (key(c) for c in cells if c is not None and c is not pd.NA) if k in amap})
    return score


def _title_issue(name, sheet, row, values) -> dict:
    text = " | ".join(str(v) for v in values if v is not pd.NA and v is not None)
    return {"file": name, "sheet": sheet, "row": int(row), "column": "", "value": shown(text),
            "reason": "title row above the header, not audited", "code": "title-row", "severity": "warning",
            "firm_name": pd.NA}


def _open(path: str, name: str, limits: Limits) -> bytes:
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise InputError(name, "file not found") from None
    except OSError as exc:
        raise InputError(name, f"cannot be opened ({exc.strerror or exc})") from None
    if os.path.isdir(path):
        raise InputError(name, "is a folder, not a file")
    if size > limits.max_file_bytes:
        raise InputError(name, (
            f"is {size / 2**20:,.0f} MB, more than the limit of {limits.max_file_bytes / 2**20:,.0f} MB "
            "(raise it with --max-file-mb)"))
    if size == 0:
        raise InputError(name, "is empty")
    try:
        with open(path, "rb") as fh:
            return fh.read(8192)
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror or exc})") from None


def read_table(path, kind: str, *, sheet: str | None = None, limits: Limits | None = None,
               header_map: Mapping[str, str | None] | None = None) -> RawTable:
    """Read one input file of ``kind`` (court_accounts, roster, pacer_accounts).

    ``header_map`` (header as written -> canonical column, or None for "not used") overrides the
    alias matching for this one file: the choice a user made for an upload.  A canonical column it
    names is taken by that header only.
    """
    if kind not in C.KINDS:
        raise ValueError(f"unknown input kind {kind!r}")
    path = os.fspath(path)
    name = os.path.basename(path)
    limits = limits or Limits()
    head = _open(path, name, limits)
    found = detect(path, name, head, limits)
    score = _scorer(kind)
    facts: dict = {}
    col_offset = 0
    sheet_name = ""
    if found.family == "csv":
        with open(path, "rb") as fh:
            data = fh.read()
        digest = _aside(partial(_sha256_of, data)) if len(data) >= ASIDE_BYTES else partial(_sha256_of, data)
        grid, facts = read_csv_grid(data, name, score, limits.max_columns)
        del data
    else:
        digest = _aside(lambda: _sha256(path))
        grid, sheet_name, col_offset = read_workbook_grid(path, name, sheet, limits, found.family, score)
    sha = digest()
    if grid.shape[1] == 0 or len(grid) == 0:
        raise InputError(name, "is empty" if found.family == "csv" else f"sheet {sheet_name!r} is empty")
    grid = clean(grid, ascii_only=facts.get("ascii", False))
    return _table(grid, path, name, kind, sheet_name, sha, score, col_offset, limits, found.family, facts,
                  dict(header_map or {}))


def _table(grid, path, name, kind, sheet_name, sha, score, col_offset, limits, family, facts,
           header_map: dict[str, str | None]) -> RawTable:
    arrays = [arrow(s) for _, s in grid.items()]   # the cleaned text of each column
    blank = _blank_rows(grid, arrays)
    nonblank = first_true(~blank.to_numpy(), HEADER_SEARCH_ROWS)
    if len(nonblank) == 0:
        raise InputError(name, "is empty (every cell is blank)" if family == "csv"
                         else f"sheet {sheet_name!r} is empty (every cell is blank)")
    ncols = grid.shape[1]
    candidates = grid.index[nonblank]
    cells_of = dict(zip(candidates, map(list, zip(*(_cells(a, nonblank) for a in arrays)))))
    best_row, best = candidates[0], -1
    most = min(ncols, len(set(C.alias_map(kind).values())))   # no row can name more columns than this
    for r in candidates:
        s = score(cells_of[r])
        if s > best:
            best_row, best = r, s
            if best >= most:   # no later row can do better
                break
    if best < (1 if ncols == 1 else 2):
        best_row = candidates[0]
        best = score(cells_of[best_row])
    header_row = int(best_row)
    issues = [_title_issue(name, sheet_name, r, cells_of[r]) for r in candidates if r < header_row]

    header_cells = cells_of[header_row]
    data = grid.iloc[grid.index.get_loc(header_row) + 1:]
    footer = footer_rows(data, blank, ncols, lambda r: _row_cells(arrays, grid.index.get_loc(r)))
    if footer:
        issues.extend(_title_issue(name, sheet_name, r, grid.loc[r].tolist()) | {
            "reason": "totals or report line below the table, not audited", "code": "footer-row"}
            for r in sorted(footer))
        data = data.drop(index=footer)
    width = ncols
    if facts.get("widths"):   # a CSV whose records differ in length: rows longer than the header
        widths = np.asarray(facts["widths"])
        width = int(widths[header_row - 1])
        issues.extend(_ragged_rows(data, widths[data.index.to_numpy() - 1], width, name))
    # drop trailing columns with neither a header nor any data (formatting), and the fields of rows
    # longer than the header (reported above)
    keep = [i for i, h in enumerate(header_cells)
            if i < width and (h is not pd.NA or data[grid.columns[i]].notna().any())]
    amap = C.alias_map(kind)
    written_all = [f"column {excel_letter(i + col_offset)}" if header_cells[i] is pd.NA else str(header_cells[i])
                   for i in keep]
    cells = [None if header_cells[i] is pd.NA else str(header_cells[i]) for i in keep]
    header_map = user_map(kind, name, header_map, written_all)

    first = grid.index.get_loc(header_row) + 1

    def sample(j: int) -> list[str]:
        if footer:   # rows below the table are no values of its columns
            return data[grid.columns[keep[j]]].iloc[:SAMPLE_ROWS].dropna().iloc[:SAMPLE].astype(str).tolist()
        return arrays[keep[j]].slice(first, SAMPLE_ROWS).drop_null().slice(0, SAMPLE).to_pylist()

    found = recognise(kind, cells, sample, header_map)
    names: list[str] = []
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    unknown: list[str] = []
    all_headers: list[str] = []
    winners: dict[int, str] = {}
    for j, column in sorted(found.canon.items()):
        if column not in headers:
            headers[column], letters[column] = written_all[j], excel_letter(keep[j] + col_offset)
            winners[j] = column
    for j, i in enumerate(keep):
        letter = excel_letter(i + col_offset)
        written = written_all[j]
        all_headers.append(written)
        if j in winners:
            names.append(winners[j])   # the column the header was recognised as
            continue
        canon = found.canon.get(j) or found.duplicates.get(j)
        label = written
        if label in names or label in amap.values() or canon is not None:
            label = f"{written} (column {letter})"
        if canon is not None:
            issues.append({
                "file": name, "sheet": sheet_name, "row": header_row, "column": written, "value": written,
                "reason": (f"duplicate column: {written!r} (column {letter}) and {headers[canon]!r} "
                           f"(column {letters[canon]}) both hold {canon}; only column {letters[canon]} "
                           "is audited"),
                "code": "duplicate-column", "severity": "warning", "firm_name": pd.NA})
        names.append(label)
        unknown.append(label)
    for j, column, why in found.refused:
        issues.append({
            "file": name, "sheet": sheet_name, "row": header_row, "column": written_all[j],
            "value": written_all[j], "reason": (f"the column {written_all[j]!r} holds {why}, so it is not read "
                                                f"as {column}"),
            "code": "column-values", "severity": "warning", "firm_name": pd.NA})
    if footer or len(set(names)) < len(names):
        frame = data[[grid.columns[i] for i in keep]]
        frame.columns = names
    else:   # the kept columns below the header as they are (taking them from the grid copied each one)
        frame = pd.DataFrame({n: pd.arrays.ArrowStringArray(arrays[i].slice(first)) for n, i in zip(names, keep)},
                             index=data.index, copy=False)
    frame.index.name = None

    blank_data = values_at(blank, frame.index)
    rows_blank = 0
    if blank_data.any():   # the blank rows above the last row that is not blank are counted (rows go down)
        last = last_true(~blank_data, 1)
        rows_blank = int(blank_data[:last[0]].sum()) if len(last) else 0
        frame = frame.loc[~blank_data]
    if len(frame) > limits.max_rows:
        raise InputError(name, (
            f"has {len(frame):,} data rows, more than the limit of {limits.max_rows:,} "
            "(raise it with --max-rows)"))
    if any(_longest(a) > limits.max_cell_chars for a in arrays):   # else no cell of the table can be
        issues.extend(_long_cells(frame, name, sheet_name, headers, limits))
    return RawTable(
        path=path, name=name, kind=kind, sheet=sheet_name, sha256=sha, frame=frame,
        unknown_columns=unknown, present_columns=[c.name for c in C.columns(kind) if c.name in headers],
        rows_blank=rows_blank, header_issues=issues, header_row=header_row, headers=headers,
        header_recognised=best > 0, all_headers=all_headers, file_type=family, ambiguous=found.ambiguous,
        encoding=facts.get("encoding", ""), delimiter=facts.get("delimiter", ""))


def _blank_rows(grid: pd.DataFrame, arrays: list[pa.ChunkedArray]) -> pd.Series:
    """Whether each row of the grid is wholly blank; none is when some column has no blank cell."""
    if any(a.null_count == 0 for a in arrays):
        return pd.Series(np.zeros(len(grid), dtype=bool), index=grid.index)
    return grid.isna().all(axis=1)


def _longest(values: pa.ChunkedArray) -> int:
    """The most bytes in any cell of a column of text."""
    most = 0
    for chunk in values.chunks:
        found = arrow_text.layout(chunk)
        if found is None:
            most = max(most, pc.max(pc.binary_length(chunk)).as_py() or 0)
        else:
            _, starts, ends = found
            most = max(most, int((ends - starts).max()))
    return most


def _cells(values: pa.ChunkedArray, at: np.ndarray) -> list:
    """The cells of a column at the given places, as the frame gives them (text, <NA> for blank)."""
    top = int(at[0])
    head = values.slice(top, int(at[-1]) - top + 1).to_pylist()   # a few rows at the top: not the whole column
    return [pd.NA if (v := head[i - top]) is None else v for i in at.tolist()]


def _row_cells(arrays: list[pa.ChunkedArray], at: int) -> list:
    return [pd.NA if (v := a[at].as_py()) is None else v for a in arrays]


def _ragged_rows(data: pd.DataFrame, fields: np.ndarray, width: int, name: str) -> list[dict]:
    """A rejected-row issue for every CSV row with more fields than the header: its values are shifted
    (most often by a comma inside an unquoted name), so none of them can be trusted.  An empty field
    after the last one on every row (a trailing comma throughout) shifts nothing and is no such row."""
    blank_extra = ~data.iloc[:, width:].notna().any(axis=1).to_numpy()
    usual = pd.Series(fields).mode().iloc[0] if len(fields) else width
    longer = (fields > width) & ~(blank_extra & (fields == usual))
    if not longer.any():
        return []
    out = []
    for (r, cells), n in zip(data.loc[longer].iterrows(), fields[longer]):
        values = [("" if pd.isna(v) else str(v)) for v in cells.tolist()[:int(n)]]
        out.append({
            "file": name, "sheet": "", "row": int(r), "column": "", "value": shown(",".join(values)),
            "reason": (f"the row has {int(n)} fields but the header has {width}: a comma inside a "
                       "value that is not in quotes (such as \"Smith, John\") shifts every later column; "
                       "put that value in double quotes. The row is not audited"),
            "code": "ragged-row", "severity": "rejected", "firm_name": pd.NA})
    return out


def _long_cells(frame, name, sheet_name, headers, limits) -> list[dict]:
    """A rejected-row issue for every cell longer than the limit."""
    out = []
    for col, s in frame.items():
        if (pc.max(pc.binary_length(s.array._pa_array)).as_py() or 0) <= limits.max_cell_chars:
            continue   # no cell has more bytes than the limit, so none has more characters
        too_long = frame[col].str.len() > limits.max_cell_chars
        if not too_long.any():
            continue
        firm = frame["firm_name"] if "firm_name" in frame.columns else None
        for r in frame.index[too_long.fillna(False).to_numpy()]:
            out.append({
                "file": name, "sheet": sheet_name, "row": int(r),
                "column": headers.get(col, col),
                "value": shown(frame.at[r, col]),
                "reason": (f"cell holds {len(frame.at[r, col]):,} characters, more than the limit of "
                           f"{limits.max_cell_chars:,} (raise it with --max-cell-chars)"),
                "code": "too-long", "severity": "rejected",
                "firm_name": firm.at[r] if firm is not None else pd.NA})
    return out
