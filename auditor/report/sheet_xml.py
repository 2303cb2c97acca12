"""The rows of a big sheet as sheet XML, put together by one gather.

Every row is the same sequence of pieces: the row's start, then for each cell its reference, its
style and type, its text, its end.  Each piece is either the same text on every row, text of a
column (one per row), or one of a few texts (a style with or without Excel's quote prefix, a
severity's colour) chosen per row by a code.  All the texts go into one Arrow array and a numpy
array of positions says, row by row, piece by piece, which text comes next: one ``take`` then lays
the whole chunk of XML out in one buffer, copying each byte once.  (Joining the pieces element-wise,
cell by cell and then row by row, copied every cell's text three times.)

The XML is the same, byte for byte: ``<c r="A2" s="3" t="inlineStr"><is><t>text</t></is></c>``,
a text padded at either end marked ``xml:space="preserve"``, an empty text an empty string cell
``<c r="A2" s="3" t="inlineStr" />``, a missing value no cell at all; a date or a number
``<c r="F2" s="4" t="n"><v>46000</v></c>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor.report.format import FORMULA_START_RE, FORMULA_STARTS
from auditor.report.heights import LINE_POINTS, MAX_ROW_POINTS, chars_per_line, lines_of, paragraph_lines

if TYPE_CHECKING:
    from auditor.report.rows import CellColumn, Pending
    from auditor.report.shared_strings import Shared, SharedStrings

CHUNK_ROWS = 20_000               # rows built and compressed at a time (bounds memory)
_STR = pa.large_string()
_OPEN = ("><is><t>", '><is><t xml:space="preserve">', " />")   # a text, a padded text, an empty text
_CLOSE = ("</t></is></c>", "</t></is></c>", "")


def sattr(style: str | None) -> str:
    return f' s="{style}"' if style else ""


def escape(a: pa.Array) -> pa.Array:
    found = arrow_text.layout(a) if isinstance(a, pa.Array) else None
    raw = found[0][found[1][0]:found[2][-1]] if found is not None and len(found[0]) else None
    for byte, old, new in ((0x26, "&", "&amp;"), (0x3C, "<", "&lt;"), (0x3E, ">", "&gt;")):
        # a character the texts do not hold is not looked for in every text (a numpy pass over the
        # bytes costs a tenth of Arrow's replacing, which copies every text; "&amp;" adds no < or >)
        if raw is None or (raw == byte).any():
            a = pc.replace_substring(a, pattern=old, replacement=new)
    return a


class _Gather:
    """The pieces of ``n`` rows: texts, and per piece the position of each row's text among them."""

    def __init__(self, n: int):
        self.n = n
        self.texts: list[pa.Array] = []
        self.size = 0
        self.at: list[np.ndarray] = []
        self._const: dict[str, int] = {}
        self.empty = self._add(pa.array([""], _STR))

    def _add(self, texts: pa.Array) -> int:
        base = self.size
        self.texts.append(texts.cast(_STR))
        self.size += len(texts)
        return base

    def const(self, text: str, omit: np.ndarray | None = None) -> None:
        """The same text on every row (none where ``omit``)."""
        if text not in self._const:
            self._const[text] = self._add(pa.array([text], _STR))
        self.coded([self._const[text]], np.zeros(self.n, dtype=np.int64), omit, positions=True)

    def column(self, texts: pa.Array, omit: np.ndarray | None = None) -> None:
        """A text per row (none where ``omit``; a missing text is none)."""
        base = self._add(pc.fill_null(texts, ""))
        self._put(base + np.arange(self.n, dtype=np.int64), omit)

    def coded(self, texts, codes: np.ndarray, omit: np.ndarray | None = None, positions: bool = False) -> None:
        """One of a few ``texts`` (a list or an Arrow array) per row, by ``codes`` (with ``positions``:
        ``texts`` are positions among the texts already given)."""
        if positions:
            self._put(np.asarray(texts, dtype=np.int64)[codes], omit)
        else:
            self._put(self._add(texts if isinstance(texts, pa.Array) else pa.array(texts, _STR)) + codes, omit)

    def _put(self, at: np.ndarray, omit: np.ndarray | None) -> None:
        self.at.append(at if omit is None else np.where(omit, self.empty, at))

    def xml(self) -> memoryview:
        """The rows' XML: every piece of the first row, then of the second..."""
        order = np.stack(self.at, axis=1).ravel()
        return arrow_text.joined(pa.concat_arrays(self.texts).take(pa.array(order)))


def _text_cell(g: _Gather, col: CellColumn, values: pa.Array, rownum: pa.Array, styles: dict[str, str],
               distinct: bool = False) -> None:
    """A text cell per row: its reference, style and type, text (escaped), end; no cell where missing.
    ``distinct``: the column's texts are known to be mostly distinct (not looked for repeats again)."""
    # a column of few distinct values (severity, rule, status, a remedy's steps) is worked out once per value
    # (the XML is the same either way)
    coded = None if distinct else pc.dictionary_encode(values)
    if isinstance(coded, pa.ChunkedArray):
        coded = coded.combine_chunks()
    if coded is not None and len(coded.dictionary) * 2 <= len(values):
        texts = coded.dictionary
        codes = pc.fill_null(coded.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        texts, codes = values, np.arange(len(values), dtype=np.int64)
    missing = values.is_null().to_numpy(zero_copy_only=False)
    if missing.all():   # no cell on any row
        return
    attrs, style = _style_of(col, texts, styles)
    # white space at either end is kept only when marked so (as openpyxl marks it); an empty text is an
    # empty string cell, as openpyxl writes it
    padded = pc.not_equal(pc.binary_length(pc.utf8_trim_whitespace(texts)), pc.binary_length(texts))
    empty = pc.equal(pc.binary_length(texts), 0)
    form = np.where(pc.fill_null(empty, False).to_numpy(zero_copy_only=False), 2,
                    pc.fill_null(padded, False).to_numpy(zero_copy_only=False).astype(np.int64))
    g.const(f'<c r="{col.letter}', missing)
    g.column(rownum, missing)
    g.coded([f'"{a} t="inlineStr"{o}' for a in attrs for o in _OPEN], (style * 3 + form)[codes], missing)
    if texts is values:
        g.column(escape(values), missing)
    else:
        g.coded(escape(texts), codes, missing)
    g.coded(list(_CLOSE), form[codes], missing)


def _style_of(col: CellColumn, texts: pa.Array, styles: dict[str, str]) -> tuple[list[str], np.ndarray]:
    """The style attributes a column's cells take, and which of them each text takes: a severity its
    colour, text a spreadsheet would take for a formula the style with Excel's quote prefix."""
    if col.kind == "severity":
        known = list(col.styles)
        attrs = [sattr(styles.get(col.styles[k])) for k in known] + [""]   # unknown severities stay plain
        pos = pc.index_in(texts, value_set=pa.array(known, type=_STR))
        return attrs, pc.fill_null(pos, len(known)).to_numpy(zero_copy_only=False).astype(np.int64)
    attrs = [sattr(styles.get(col.letter))]
    style = np.zeros(len(texts), dtype=np.int64)
    quoted = col.styles.get("quoted")
    if quoted:   # text a spreadsheet would take for a formula keeps Excel's quote prefix
        attrs.append(sattr(styles.get(quoted)))
        style = formula_like(texts).astype(np.int64)
    return attrs, style


_FORMULA_BYTE = np.zeros(256, dtype=bool)   # the first bytes of FORMULA_START_RE (each character one byte)
_FORMULA_BYTE[[ord(c) for c in FORMULA_STARTS]] = True


def formula_like(texts: pa.Array) -> np.ndarray:
    """Whether each text starts as a formula would (FORMULA_START_RE; a missing text does not): its first
    byte looked up, instead of the regular expression run on every text."""
    found = arrow_text.layout(texts) if isinstance(texts, pa.Array) else None
    if found is None or not len(found[0]):
        risky = pc.fill_null(pc.match_substring_regex(texts, pattern=FORMULA_START_RE), False)
        return risky.to_numpy(zero_copy_only=False).astype(bool)
    data, starts, ends = found
    return _FORMULA_BYTE[arrow_text.first_bytes(data, starts)] & (ends > starts)


def _shared_tails(col: CellColumn, shared: Shared, styles: dict[str, str]) -> pa.Array:
    """Each shared text's cell after its reference: style and type, the text's number, the end (an empty
    text an empty string cell, as in ``_text_cell``).  One piece per cell instead of three."""
    attrs, style = _style_of(col, shared.texts, styles)
    opening = pa.array([f'"{a} t="s"><v>' for a in attrs] + [f'"{a} t="inlineStr" />' for a in attrs], _STR)
    head = opening.take(pa.array(style + len(attrs) * shared.empty.astype(np.int64)))
    close = pc.if_else(pa.array(shared.empty), pa.scalar("", _STR), pa.scalar("</v></c>", _STR))
    return pc.binary_join_element_wise(head, shared.numbers, close, pa.scalar("", _STR))


def _shared_cell(g: _Gather, col: CellColumn, tails: pa.Array, codes: pa.Array, rownum: pa.Array) -> None:
    """A cell per row naming its text among the workbook's shared strings (``tails``: each text's cell
    after its reference); no cell where missing."""
    missing = codes.is_null().to_numpy(zero_copy_only=False)
    if missing.all():
        return
    g.const(f'<c r="{col.letter}', missing)
    g.column(rownum, missing)
    g.coded(tails, pc.fill_null(codes, 0).to_numpy(zero_copy_only=False).astype(np.int64), missing)


def _number_cell(g: _Gather, col: CellColumn, values: pa.Array, rownum: pa.Array, styles: dict[str, str]) -> None:
    missing = values.is_null().to_numpy(zero_copy_only=False)
    g.const(f'<c r="{col.letter}', missing)
    g.column(rownum, missing)
    g.const(f'"{sattr(styles.get(col.letter))} t="n"><v>', missing)
    g.column(values, missing)
    g.const("</v></c>", missing)


def _heights(p: Pending, start: int, stop: int, shared: dict[str, tuple[Shared, np.ndarray, pa.Array]]) -> pa.Array:
    """Each row's height in points (as text): the most lines any of its wrapped cells needs (a column of
    shared texts has each text measured once)."""
    lines = np.ones(stop - start, dtype=np.float64)
    for c in p.columns:
        if c.width is None:
            continue
        if c.letter in shared:
            column, each, _ = shared[c.letter]
            codes = column.codes[start:stop]
            at = pc.fill_null(codes, 0).to_numpy(zero_copy_only=False).astype(np.int64)
            lines = np.maximum(lines, np.where(codes.is_null().to_numpy(zero_copy_only=False), 1.0, each[at]))
        else:
            lines = np.maximum(lines, lines_of(c.values[start:stop], chars_per_line(c.width)))
    points = np.minimum(lines * LINE_POINTS + 1.5, MAX_ROW_POINTS)
    return pc.cast(pa.array(np.round(points, 1)), _STR)


def row_chunks(p: Pending, styles: dict[str, str], strings: SharedStrings | None = None) -> Iterator[memoryview]:
    """The sheet's rows as XML, CHUNK_ROWS rows at a time; the columns ``strings`` holds name their texts
    among the workbook's shared strings."""
    shared = {}
    known = strings.distinct if strings is not None else set()
    for c in p.columns:
        column = strings.column(p.sheet, c.letter) if strings is not None else None
        if column is not None:
            each = (paragraph_lines(column.texts, chars_per_line(c.width)) if c.width is not None
                    else np.ones(len(column.texts)))   # lines each text takes (a wrapped column's)
            shared[c.letter] = (column, each, _shared_tails(c, column, styles))
    for start in range(0, p.rows, CHUNK_ROWS):
        stop = min(p.rows, start + CHUNK_ROWS)
        rownum = pc.cast(pa.array(np.arange(start + p.first_row, stop + p.first_row, dtype=np.int64)), _STR)
        g = _Gather(stop - start)
        g.const('<row r="')
        g.column(rownum)
        g.const('" ht="')
        g.column(_heights(p, start, stop, shared))
        g.const('" customHeight="1">')
        for c in p.columns:
            if c.letter in shared:
                column, _, tails = shared[c.letter]
                _shared_cell(g, c, tails, column.codes[start:stop], rownum)
                continue
            values = c.values[start:stop]
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            if c.kind in ("date", "int"):
                _number_cell(g, c, values.cast(_STR), rownum, styles)
            else:
                _text_cell(g, c, values.cast(_STR), rownum, styles, distinct=(p.sheet, c.letter) in known)
        g.const("</row>")
        yield g.xml()
