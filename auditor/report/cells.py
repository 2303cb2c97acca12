"""Cells of sheet XML built from Arrow arrays, for several columns at once: the rows of a sheet of a
few rows (``report.sheet_xml`` lays out longer ones with one gather).

A column's cells are built by a dozen Arrow kernels (style, escaping, white space, empty text).  Each
kernel call costs some microseconds whatever its length, so a sheet of a few rows, like most sheets of
a firm's own workbook, spends nearly all its time in those calls: its columns are put end to end and
every kernel runs once over all of them.  Each value's cell is the same whichever way it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor.report.heights import lines_of, paragraph_lines
from auditor.report.heights import LINE_POINTS, MAX_ROW_POINTS
from auditor.report.sheet_xml import escape, formula_like, sattr

if TYPE_CHECKING:
    from auditor.report.rows import CellColumn, Pending

STR = pa.large_string()
NUMERIC = ("date", "int")
FEW_ROWS = 2_000   # a sheet of up to this many rows (most sheets of a firm's workbook) is laid out here


def join(*parts) -> pa.Array:
    """Element-wise concatenation; null when any part is null (the cell is then left out)."""
    arrays = [p if isinstance(p, (pa.Array, pa.ChunkedArray)) else pa.scalar(p, STR) for p in parts]
    return pc.binary_join_element_wise(*arrays, pa.scalar("", STR))


def _flat(values) -> pa.Array:
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return values.cast(STR)


def _each(texts: list[str], sizes: list[int]) -> pa.Array:
    """``texts[i]`` repeated ``sizes[i]`` times, end to end."""
    return pa.array(texts, type=STR).take(pa.array(np.repeat(np.arange(len(texts)), sizes)))


def text_tails(parts: list[tuple[CellColumn, pa.Array]], styles: dict[str, str]) -> pa.Array:
    """What follows the cell reference of each text value of each (column, values) pair, end to end: its
    style, its type and the text."""
    values = pa.concat_arrays([_flat(v) for _, v in parts]) if len(parts) > 1 else _flat(parts[0][1])
    sizes = [len(v) for _, v in parts]
    pieces, quoted, risky_cols = [], [], []
    for col, v in parts:
        if col.kind == "severity":
            known = list(col.styles)
            pos = pc.index_in(_flat(v), value_set=pa.array(known, type=STR))
            attrs = pa.array([sattr(styles.get(col.styles[k])) for k in known], type=STR)
            pieces.append(pc.fill_null(pc.take(attrs, pos), "") if known else pa.repeat(pa.scalar("", STR), len(v)))
            quoted.append("")
            risky_cols.append(False)
        else:
            pieces.append(pa.repeat(pa.scalar(sattr(styles.get(col.letter)), STR), len(v)))
            q = col.styles.get("quoted")
            quoted.append(sattr(styles.get(q)) if q else "")
            risky_cols.append(bool(q))
    style = pa.concat_arrays(pieces) if len(pieces) > 1 else pieces[0]
    if any(risky_cols):   # formula-like text in a column that has a style for it (shown quoted)
        where = np.repeat(np.array(risky_cols), sizes) & formula_like(values)
        style = pc.if_else(pa.array(where), _each(quoted, sizes), style)
    # white space at either end is kept only when marked so (as openpyxl marks it)
    padded = pc.not_equal(pc.binary_length(pc.utf8_trim_whitespace(values)), pc.binary_length(values))
    start = pc.if_else(padded, pa.scalar('><is><t xml:space="preserve">', STR), pa.scalar("><is><t>", STR))
    body = join(start, escape(values), "</t></is></c>")
    empty = pc.equal(pc.binary_length(values), 0)
    if pc.any(empty).as_py():  # an empty text is an empty string cell, as openpyxl writes it
        body = pc.if_else(empty, pa.scalar(" />", STR), body)
    return join('"', style, ' t="inlineStr"', body)


def column_tails(columns: list[CellColumn], values: list, n: int, styles: dict[str, str]) -> list:
    """What follows each cell's row number, column by column in the sheet's order (``values``: each
    column's ``n`` values): the text columns' kernels run once for all of them, the numbers' too."""
    text = [(c, v) for c, v in zip(columns, values) if c.kind not in NUMERIC]
    numeric = [(c, v) for c, v in zip(columns, values) if c.kind in NUMERIC]
    tails = {}
    if text:
        tails["text"] = text_tails(text, styles)
    if numeric:
        heads = _each([f'"{sattr(styles.get(c.letter))} t="n"><v>' for c, _ in numeric], [n] * len(numeric))
        tails["numeric"] = join(heads, pa.concat_arrays([_flat(v) for _, v in numeric]), "</v></c>")
    at = {"text": 0, "numeric": 0}
    ordered = []
    for c in columns:
        group = "numeric" if c.kind in NUMERIC else "text"
        ordered.append(tails[group].slice(at[group] * n, n))
        at[group] += 1
    return ordered


def cells_together(columns: list[CellColumn], values: list, rownum: pa.Array, styles: dict[str, str]) -> list:
    """Each column's cells for one stretch of rows (``values``: each column's values there; ``rownum``:
    the rows' numbers as text), empty text where a value is missing: the kernels run once for all."""
    n = len(rownum)
    ordered = column_tails(columns, values, n, styles)
    refs = _each([f'<c r="{c.letter}' for c in columns], [n] * len(columns))
    rows = pa.concat_arrays([rownum.cast(STR)] * len(columns)) if len(columns) > 1 else rownum.cast(STR)
    cells = pc.fill_null(join(refs, rows, pa.concat_arrays(ordered)), "")
    return [cells.slice(i * n, n) for i in range(len(columns))]


def lines_together(columns: list[CellColumn], values: list, n: int) -> np.ndarray:
    """The most lines any wrapped cell of each row takes (at least 1), as ``heights.lines_of`` counts
    them column by column, with the kernels run once for all wrapped columns."""
    from auditor.report.heights import chars_per_line

    wrapped = [(chars_per_line(c.width), v) for c, v in zip(columns, values) if c.width is not None]
    if not wrapped:
        return np.ones(n, dtype=np.float64)
    if len(wrapped) == 1:
        return np.maximum(np.ones(n, dtype=np.float64), lines_of(wrapped[0][1], wrapped[0][0]))
    texts = pa.concat_arrays([_flat(v) for _, v in wrapped])
    per_line = np.repeat([w for w, _ in wrapped], n)
    size = pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False)
    lines = np.maximum(np.ceil(size / per_line), 1.0)
    broken = np.flatnonzero(pc.fill_null(pc.count_substring(texts, "\n"), 0).to_numpy(zero_copy_only=False))
    if len(broken):
        lines[broken] = paragraph_lines(texts.take(pa.array(broken)), per_line[broken])
    return np.maximum(np.ones(n, dtype=np.float64), lines.reshape(len(wrapped), n).max(axis=0))


def few_rows(p: Pending, styles: dict[str, str]) -> memoryview:
    """The XML of a sheet of a few rows (a firm's own, mostly), the same as ``sheet_xml.row_chunks``
    makes: each Arrow kernel runs once over all the columns put end to end."""
    rownum = pc.cast(pa.array(np.arange(p.first_row, p.rows + p.first_row, dtype=np.int64)), STR)
    values = [c.values[:p.rows] for c in p.columns]
    cells = cells_together(p.columns, values, rownum, styles)
    lines = lines_together(p.columns, values, p.rows)
    heights = pc.cast(pa.array(np.round(np.minimum(lines * LINE_POINTS + 1.5, MAX_ROW_POINTS), 1)), STR)
    rows = join('<row r="', rownum, '" ht="', heights, '" customHeight="1">', *cells, "</row>")
    return arrow_text.joined(rows)
