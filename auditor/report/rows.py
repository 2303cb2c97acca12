"""The rows of the big sheets (Findings, Data issues), written as sheet XML built column-wise.

openpyxl lays out every sheet: the Excel table, filters, frozen header,
widths, the status drop-down, styles.  On a big sheet it writes the header
and one row of *placeholder cells* only, one per column with that column's style
(and, past the last column, one per severity colour).  :func:`finish` then
replaces that placeholder row with the real rows, built with Arrow string kernels
over whole columns (no Python per row or cell), and takes each cell's style
id from the placeholder row.  openpyxl streams about 8 µs per cell; this writes a
100,000-row Findings sheet in well under a second.

Row heights are stored: each row is as tall as its longest wrapped text needs, estimated from
the text's length and the column's width, so that printed and on-screen rows do not overlap.

Small sheets of mixed rows (the Summary) are :class:`CellRows`: Python lists of (value, style)
rendered the same way with the placeholder row's style ids.  A workbook laid out once by openpyxl
can thus be filled many times (:class:`Template`), as the per-firm workbooks are.

Every text value is a string cell, XML-escaped: never a formula, an error value or a number, whatever
it looks like; inline (``t="inlineStr"``), or in the court's report, for a big sheet's recurring texts,
named among the workbook's shared strings (``t="s"``, ``report.shared_strings``).  Dates are
Excel serial days with the date style of the placeholder cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from functools import lru_cache
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.utils import get_column_letter

from auditor.normalize import arrow

try:
    from isal import isal_zlib
except ImportError:   # an environment installed before isal was a dependency: zlib, as before (slower)
    isal_zlib = None  # type: ignore[assignment]

from auditor.report.format import FORMULA_START_RE, clean_strings, clean_value
from auditor.report.cells import FEW_ROWS, few_rows
from auditor.report import shared_strings
from auditor.report.shared_strings import SharedStrings
from auditor.report.sheet_xml import CHUNK_ROWS, row_chunks, sattr as _sattr

PLACEHOLDER_ROW = 2                    # the row openpyxl writes placeholder cells in (row 1 is the header)
COMPRESS_LEVEL = 1                # zlib level for the big sheets: fast; repeated text still compresses well
# the court report's big sheets are deflated by ISA-L at its level 1 instead: the same format,
# about 4x less CPU than zlib's level 1 on a sheet's XML (0.45 -> 0.14 s for a 122 MB Findings sheet,
# 0.25 -> 0.06 s for a 63 MB Changes sheet) and as small within 2%
SHEET_LEVEL = 1
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_STR = pa.large_string()


@dataclass
class CellColumn:
    """One column's values: ``kind`` text | severity | date | int; ``values`` an Arrow array."""

    letter: str
    kind: str
    values: pa.Array
    styles: dict = field(default_factory=dict)   # severity -> placeholder column letter (severity kind only)
    width: float | None = None                   # column width when its text wraps (for row heights)


@dataclass
class Pending:
    """A sheet whose placeholder row is to be replaced by ``rows`` real rows."""

    sheet: str
    rows: int
    columns: list[CellColumn]
    table: str | None = None        # the Excel table over these rows (its range is set to fit them)
    empty_text: str | None = None   # written in place of the rows when there are none
    first_row: int = PLACEHOLDER_ROW


@dataclass
class CellRows:
    """A sheet whose placeholder row (one cell per named style) is replaced by ``rows`` of (value, style)."""

    sheet: str
    rows: list                      # list of rows; a row is a list of (value, style name) or None
    styles: dict                    # style name -> placeholder column letter
    first_row: int = 1
    heights: dict = field(default_factory=dict)   # row index (0-based) -> height in points
    cache_key: object = None        # rows with one key are the same XML: rendered once per template
    print_rows: int | None = None   # the print area ends at this row (else at the last row)
    xml: Callable[[dict], bytes] | None = None   # builds the rows' XML itself from the style ids (rows unused)


def text_values(s: pd.Series) -> pa.Array:
    """Cleaned text (see ``report_format.clean_strings``) as one Arrow array; missing stays null."""
    return _arrow(clean_strings(s))


def _arrow(s: pd.Series) -> pa.Array:
    return arrow(s).cast(_STR)


def date_values(s: pd.Series) -> pa.Array:
    """Excel serial day numbers as text (null where no date)."""
    d = pd.to_datetime(s, errors="coerce")
    days = d.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    serial = (days - _EXCEL_EPOCH).astype(np.int64)
    return pc.cast(pa.array(serial, mask=d.isna().to_numpy()), _STR)


def int_values(s: pd.Series) -> pa.Array:
    n = pd.to_numeric(s, errors="coerce").astype("Int64")
    return pc.cast(pa.array(n.to_numpy(dtype=np.int64, na_value=0), mask=n.isna().to_numpy()), _STR)


_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)\d+"(?: s="(\d+)")?')
_FORMULA = re.compile(FORMULA_START_RE)
_TABLE_NAME = re.compile(rb'displayName="([^"]+)"')
_REF = re.compile(rb'(ref="[A-Z]+\d+:[A-Z]+)\d+"')


def _placeholder(row: int) -> re.Pattern:
    return re.compile(rb'<row r="%d"[^>]*>.*?</row>' % row, re.S)


def _sheet_files(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its XML."""
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id", ""): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    out = {}
    for s in book.findall("m:sheets/m:sheet", _NS):
        t = target[s.get(f"{{{_NS['r']}}}id", "")]
        out[s.get("name", "")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return out


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=1 << 16, typed=True)   # a sheet's few values and styles recur down its rows (typed: 1, 1.0, True)
def _cell_tail(value, sattr: str, quoted_attr: str) -> str:
    """A cell's XML after its reference (``'<c r="A2"'`` + this); "" for no cell."""
    if value is None:
        return f"{sattr} />" if sattr else ""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, (dt.datetime, dt.date)):
        d = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (d - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        return f'{sattr} t="n"><v>{serial:.10g}</v></c>'
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f'{sattr} t="n"><v>{value!r}</v></c>' if not isinstance(value, float) \
            else f'{sattr} t="n"><v>{value:.15g}</v></c>'
    text = clean_value(str(value)) or ""   # whatever it came from: no control character reaches the XML
    if _FORMULA.match(text):
        sattr = quoted_attr or sattr
    return f'{sattr} t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


def _cell_rows_xml(p: CellRows, ids: dict) -> bytes:
    """``p``'s rows as sheet XML; ``ids``: placeholder column letter -> style id."""
    if p.xml is not None:
        return p.xml(ids)
    out = []
    attrs: dict = {}     # style name -> (its attribute, its quoted twin's)
    for i, row in enumerate(p.rows):
        r = p.first_row + i
        ht = p.heights.get(i)
        out.append(f'<row r="{r}" ht="{ht}" customHeight="1">' if ht else f'<row r="{r}">')
        for j, cell in enumerate(row or (), 1):
            if cell is None:
                continue
            value, style = cell
            a = attrs.get(style)
            if a is None:
                a = attrs[style] = (_sattr(ids.get(p.styles.get(style))), _sattr(ids.get(p.styles.get(f"{style}~q"))))
            tail = _cell_tail(value, a[0], a[1] if isinstance(value, str) else "")
            if tail:
                out.append(f'<c r="{get_column_letter(j)}{r}"{tail}')
        out.append("</row>")
    return "".join(out).encode("utf-8")


@dataclass
class _Member:
    info: zipfile.ZipInfo
    data: bytes
    sheet: str | None = None
    placeholder: tuple[int, int] | None = None   # span of the placeholder row in data
    styles: dict | None = None              # placeholder column letter -> style id
    table: str | None = None                # displayName, for a table part


class Template:
    """A workbook written by openpyxl (bytes), read once and filled any number of times."""

    def __init__(self, workbook: bytes, placeholder_rows: dict[str, int], *, store_fixed: bool = False,
                 shared_strings: bool = False, fast_deflate: bool = False):
        # store_fixed: parts every copy shares (styles, theme, chart...) are stored, not compressed again
        # for each copy (a few kilobytes more per file, much less time when writing thousands)
        self.fixed_compression = zipfile.ZIP_STORED if store_fixed else zipfile.ZIP_DEFLATED
        # shared_strings: a big sheet's recurring texts written once (``report.shared_strings``)
        self.shared_strings = shared_strings
        # fast_deflate: the big sheets deflated by ISA-L (SHEET_LEVEL), not zlib (the court's report)
        self.fast_deflate = fast_deflate
        self._rendered: dict = {}
        with zipfile.ZipFile(io.BytesIO(workbook)) as z:
            sheets = {v: k for k, v in _sheet_files(z).items()}
            self.members = []
            for info in z.infolist():
                m = _Member(info, z.read(info.filename), sheets.get(info.filename))
                if m.sheet in placeholder_rows:
                    found = _placeholder(placeholder_rows[m.sheet]).search(m.data)
                    if found is None:
                        raise RuntimeError(f"sheet {m.sheet!r} has no placeholder row")
                    m.placeholder = found.span()
                    m.styles = {k.decode(): (v.decode() if v else None)
                                for k, v in _CELL_STYLE.findall(found.group())}
                elif info.filename.startswith("xl/tables/"):
                    name = _TABLE_NAME.search(m.data)
                    m.table = name.group(1).decode() if name else None
                self.members.append(m)

    def render(self, pending: list, path: Path, strings: SharedStrings | None = None) -> None:
        """Write the workbook to ``path`` with each sheet's placeholder row replaced by its rows (``strings``:
        the shared strings of ``pending``, when already made)."""
        todo = {p.sheet: p for p in pending}
        tables = {p.table: p for p in pending if isinstance(p, Pending) and p.table}
        areas = {p.sheet: _last_printed(p) for p in pending}
        if not self.shared_strings:
            strings = None
        elif strings is None:
            strings = SharedStrings(pending)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zout:
            for m in self.members:
                p = todo.get(m.sheet)
                if strings and m.info.filename in (shared_strings.RELS, shared_strings.TYPES):
                    named = (strings.relationships if m.info.filename == shared_strings.RELS else strings.content_types)
                    zout.writestr(m.info, named(m.data), compress_type=zipfile.ZIP_DEFLATED)
                elif areas and m.info.filename == "xl/workbook.xml":
                    zout.writestr(m.info, _print_areas(m.data, areas), compress_type=zipfile.ZIP_DEFLATED)
                elif m.table in tables:
                    last = max(tables[m.table].rows, 1) + tables[m.table].first_row - 1
                    zout.writestr(m.info, _REF.sub(rb'\g<1>%d"' % last, m.data), compress_type=zipfile.ZIP_DEFLATED)
                elif p is None or m.placeholder is None:
                    zout.writestr(m.info, m.data, compress_type=self.fixed_compression)
                else:
                    self._sheet(zout, m, p, strings)
            if strings:
                zout.writestr(zipfile.ZipInfo(shared_strings.PART, date_time=self.members[0].info.date_time),
                              strings.xml(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)

    def _cell_rows(self, p: CellRows, ids: dict) -> bytes:
        if p.cache_key is None:
            return _cell_rows_xml(p, ids)
        key = (p.sheet, p.cache_key)
        if key not in self._rendered:
            self._rendered[key] = _cell_rows_xml(p, ids)
        return self._rendered[key]

    def _sheet(self, zout: zipfile.ZipFile, m: _Member, p, strings: SharedStrings | None = None) -> None:
        out = zipfile.ZipInfo(m.info.filename, date_time=m.info.date_time)
        out.compress_type = zipfile.ZIP_DEFLATED
        # a ZipInfo given to open() brings its own level (else zlib's 6); the attribute is private
        out._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
        if m.placeholder is None or m.styles is None:
            raise ValueError(f"sheet {m.sheet!r} was laid out without a placeholder row")
        head, tail = m.data[:m.placeholder[0]], m.data[m.placeholder[1]:]
        with zout.open(out, "w", force_zip64=True) as fh:
            if self.fast_deflate:
                _fast_deflate(fh)
            fh.write(head)
            if isinstance(p, CellRows):
                fh.write(self._cell_rows(p, m.styles))
            elif p.rows == 0:
                if p.empty_text:
                    fh.write(_cell_rows_xml(CellRows(p.sheet, [[(p.empty_text, "")]], {}, p.first_row), {}))
            elif p.rows <= FEW_ROWS:   # each kernel once for all columns: a call costs more than a few rows
                fh.write(few_rows(p, m.styles))
            elif p.rows <= CHUNK_ROWS:
                for chunk in row_chunks(p, m.styles, strings):
                    fh.write(chunk)
            else:
                _write_chunks(fh, row_chunks(p, m.styles, strings))
            if isinstance(p, Pending) and p.table is None:  # a sheet filter covers the rows written
                last = max(p.rows, 1) + p.first_row - 1
                tail = re.sub(rb'(<autoFilter ref="[A-Z]+\d+:[A-Z]+)\d+"', rb'\g<1>%d"' % last, tail)
            fh.write(tail)


def _fast_deflate(fh) -> None:
    """A part zipfile is about to deflate (nothing written yet) deflated by ISA-L instead: zipfile's
    writer takes any object with zlib's ``compress`` and ``flush`` (the attribute is private)."""
    if isal_zlib is not None and getattr(fh, "_compressor", None) is not None:
        fh._compressor = isal_zlib.compressobj(SHEET_LEVEL, isal_zlib.DEFLATED, -15)


def _last_printed(p) -> int:
    """The last row of a sheet's print area: its rows' last (or the Summary's cover's)."""
    if isinstance(p, CellRows):
        return p.print_rows or p.first_row + max(len(p.rows), 1) - 1
    return p.first_row + max(p.rows, 1) - 1


def _print_areas(book: bytes, areas: dict[str, int]) -> bytes:
    """workbook.xml with the print area of each sheet in ``areas`` ending at that row."""
    for sheet, last in areas.items():
        quoted = re.escape(_xml_text("'" + sheet.replace("'", "''") + "'").encode("utf-8"))
        book = re.sub(rb"(>%s!\$[A-Z]+\$\d+:\$[A-Z]+\$)\d+<" % quoted, rb"\g<1>%d<" % last, book)
    return book


def _write_chunks(fh, chunks) -> None:
    # Compressing a chunk (zlib and ISA-L release the GIL) overlaps building the next one.  (Building
    # the chunks on two threads as well cut the main thread's CPU but not the audit's time: with the
    # history's writer thread beside them, the threads waited for the GIL, and the write stage of the 1M
    # audit took longer, not shorter, at load 4-6.)
    with ThreadPoolExecutor(1) as pool:
        pending_write = None
        for chunk in chunks:
            if pending_write is not None:
                pending_write.result()
            pending_write = pool.submit(fh.write, chunk)
        if pending_write is not None:
            pending_write.result()


def placeholder_rows(pending: list) -> dict[str, int]:
    return {p.sheet: p.first_row for p in pending}


def finish(workbook: bytes, pending: list, path: Path, strings: SharedStrings | None = None) -> None:
    """Write ``workbook`` (openpyxl's bytes) to ``path`` with each pending sheet's placeholder row replaced
    (``strings``: ``SharedStrings(pending)``, when already made)."""
    Template(workbook, placeholder_rows(pending), shared_strings=True, fast_deflate=True).render(pending, path, strings)


def indices(rows) -> pa.Array:
    """Row positions as an Arrow array, to take one workbook's rows from values computed for all."""
    return pa.array(np.asarray(rows, dtype=np.int64))


def placeholder_date() -> dt.date:
    return dt.date(2000, 1, 1)
