"""The used range of a workbook sheet, measured from the file before the reader allocates anything.

The workbook reader builds a dense grid from the first to the last cell that
holds something, so one cell at ``XFD300000`` in a 2 KB file asks for some
hundred gigabytes.  ``check_extent`` streams the sheet's XML out of the zip
(a few megabytes at a time) and reads every cell reference, not the
``<dimension>`` element a hostile file can lie in; for OpenDocument it counts
repeated rows and columns; for .xlsb and .xls it walks the binary records
(``extent_binary``).  A sheet whose cells reach past the row, column or cell
limits is refused before it is read.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from auditor.errors import InputError
from auditor.load.extent_binary import Damaged, xls_sheets, xlsb_extent

CHUNK = 4 << 20
BLANK_PER_FILLED = 10   # empty cells a sheet may hold for each cell that holds something (a table with
                        # a few filled columns out of 30 stays far below it), beyond limits.max_blank_cells
# a cell start tag that is not self-closing (``<c r="B7"/>`` holds nothing and is not read)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?(?<=\s)r="([A-Z]{1,4})([0-9]{1,9})"[^>]*(?<!/)>')
_CELL_ANY = re.compile(rb'<(?:\w+:)?c[\s>/]')
_CELL_R = re.compile(rb'<(?:\w+:)?c\s[^>]*?(?<=\s)r="')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?(?<=\s)r="([0-9]{1,9})"')
_ROW_ANY = re.compile(rb'<(?:\w+:)?row[\s>/]')
_TOKEN = re.compile(rb'<(?:\w+:)?(row|c)(?=[\s>/])([^>]*)>')
_R_ATTR = re.compile(rb'(?<=\s)r="([A-Z]{0,4})([0-9]{1,9})"')
_NS = {"main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
_ODS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}


@dataclass(frozen=True)
class Extent:
    rows: int      # last row that holds a cell (1-based)
    columns: int   # last column that holds a cell (1-based)
    filled: int = -1        # cells that hold something (-1: not counted)
    repeated: int = 0       # .ods: copies made by number-rows-repeated of rows that hold something
    most_repeated: int = 0  # .ods: the largest number-rows-repeated of such a row


def column_number(letters: bytes | str) -> int:
    """b"A" -> 1, b"XFD" -> 16384."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    out = ""
    while number:
        number, r = divmod(number - 1, 26)
        out = chr(65 + r) + out
    return out


_DAMAGED = (zipfile.BadZipFile, ET.ParseError, KeyError, OSError, EOFError, ValueError, struct.error,
            IndexError, zlib.error, NotImplementedError, RecursionError)


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, Damaged) else type(exc).__name__


def check_extent(path: str, name: str, family: str, sheet_index: int, sheet: str, limits) -> None:
    """InputError when sheet ``sheet`` (number ``sheet_index`` in workbook order) of an .xlsx or
    .xlsb reaches past the limits; the reader reads such a sheet only when asked for it."""
    if family not in ("xlsx", "xlsb"):
        return   # .ods, .xls: check_before_open, as the reader reads every sheet when it opens the file
    try:
        if family == "xlsx":
            extent = _xlsx_extent(path, sheet_index)
        else:
            reach = xlsb_extent(path, sheet)
            extent = None if reach is None else Extent(*reach)
    except _DAMAGED as exc:
        raise InputError(name, f"sheet {sheet!r} is damaged and cannot be read ({_why(exc)})") from None
    if extent is not None:
        refuse_extent(name, sheet, extent.rows, extent.columns, limits, extent.filled)


def check_before_open(path: str, name: str, family: str, limits) -> None:
    """InputError when any sheet of an .ods or .xls reaches past the limits: the reader expands every
    table of an .ods, and reads every sheet of an .xls, as soon as it opens the file."""
    if family not in ("ods", "xls"):
        return
    try:
        sheets = ([(sheet, e, (0, 0)) for sheet, e in _ods_extents(path)] if family == "ods"
                  else [(sheet, Extent(*reach), claimed) for sheet, reach, claimed in xls_sheets(path)])
    except _DAMAGED as exc:
        raise InputError(name, f"is damaged and cannot be read as a workbook ({_why(exc)})") from None
    for sheet, extent, (claimed_rows, claimed_columns) in sheets:
        refuse_extent(name, sheet, extent.rows, extent.columns, limits, extent.filled)
        if extent.repeated > limits.max_repeated_rows:
            raise InputError(name, (
                f"sheet {sheet!r} repeats rows {extent.repeated:,} times in all (one row is written once and "
                f"repeated {extent.most_repeated:,} times), more than the limit of {limits.max_repeated_rows:,} "
                "repeated rows; an account list does not repeat a row: raise --max-repeated-rows if it should"))
        if claimed_rows * claimed_columns > limits.max_cells:   # the reader reserves room for them
            raise InputError(name, (f"sheet {sheet!r} is damaged and cannot be read (its size record claims "
                                    f"{claimed_rows:,} rows by {claimed_columns:,} columns)"))


def refuse_extent(name: str, sheet: str, rows: int, columns: int, limits, filled: int = -1) -> None:
    """InputError when the used range passes the row, column or cell limits, or (``filled`` cells
    holding something, when counted) holds more empty cells than ``limits.max_blank_cells`` and
    ``BLANK_PER_FILLED`` for each cell that holds something."""
    cells = rows * columns
    far = f"{column_letters(columns)}{rows}" if columns else f"row {rows}"
    if rows > limits.max_rows + 10_000:
        raise InputError(name, (f"sheet {sheet!r} has cells down to row {rows:,} (cell {far}), more than the "
                                f"limit of {limits.max_rows:,} rows (raise it with --max-rows)"))
    if columns > limits.max_columns:
        raise InputError(name, (f"sheet {sheet!r} has cells across {columns:,} columns (cell {far}), more "
                                f"than the limit of {limits.max_columns:,} columns (raise it with --max-columns)"))
    if cells > limits.max_cells:
        raise InputError(name, (f"sheet {sheet!r} spans {rows:,} rows by {columns:,} columns (to cell {far}), "
                                f"more than the limit of {limits.max_cells:,} cells; delete the stray cells "
                                "far below or right of the table, or raise --max-cells"))
    if filled >= 0:
        blank = cells - filled
        if blank > limits.max_blank_cells + BLANK_PER_FILLED * filled:
            raise InputError(name, (
                f"sheet {sheet!r} spans {rows:,} rows by {columns:,} columns (to cell {far}) but only {filled:,} "
                f"cells hold anything: its {blank:,} empty cells are more than the limit of "
                f"{limits.max_blank_cells:,} (and {BLANK_PER_FILLED} for each cell that holds something); delete "
                "the stray cells far below or right of the table, or raise --max-blank-cells"))


def _chunks(stream):
    """The stream's bytes in pieces that never cut a tag in two."""
    carry = b""
    while True:
        block = stream.read(CHUNK)
        if not block:
            if carry:
                yield carry
            return
        data = carry + block
        cut = data.rfind(b"<")
        if cut <= 0:
            carry = data if len(data) < CHUNK * 4 else b""
            if not carry:
                yield data
            continue
        yield data[:cut]
        carry = data[cut:]


def _xlsx_sheet_part(z: zipfile.ZipFile, index: int) -> str | None:
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    sheets = wb.findall("main:sheets/main:sheet", _NS)
    if index >= len(sheets):
        return None
    rid = sheets[index].get(f"{{{_NS['r']}}}id")
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.findall("rel:Relationship", _NS):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def _xlsx_extent(path: str, index: int) -> Extent | None:
    with zipfile.ZipFile(path) as z:
        part = _xlsx_sheet_part(z, index)
        if part is None or part not in z.namelist():
            return None
        rows = columns = filled = 0
        with z.open(part) as stream:
            for data in _chunks(stream):
                if (len(_CELL_ANY.findall(data)) != len(_CELL_R.findall(data))
                        or len(_ROW_ANY.findall(data)) != len(_ROW_REF.findall(data))):
                    r, c, n = _walk(data, rows)   # a writer that leaves cells or rows unnumbered
                    rows, columns, filled = max(rows, r), max(columns, c), filled + n
                    continue
                refs = _CELL_REF.findall(data)
                if refs:
                    filled += len(refs)
                    columns = max(columns, max(column_number(c) for c in {c for c, _ in refs}))
                    rows = max(rows, max(int(r) for r in {r for _, r in refs}))
        return Extent(rows, columns, filled)


def _walk(data: bytes, start_row: int) -> tuple[int, int, int]:
    """Row and column reach of a piece whose cells or rows go unnumbered (counted in order, as the
    reader places them), and how many cells it holds."""
    row, col, rows, columns, filled = start_row, 0, 0, 0, 0
    for m in _TOKEN.finditer(data):
        kind, attrs = m.group(1), m.group(2)
        ref = _R_ATTR.search(attrs)
        if kind == b"row":
            row = int(ref.group(2)) if ref else row + 1
            col = 0
            continue
        col = column_number(ref.group(1)) if ref and ref.group(1) else col + 1
        if ref and not ref.group(1):
            row = int(ref.group(2))
        if not attrs.endswith(b"/"):
            rows, columns, filled = max(rows, row), max(columns, col), filled + 1
    return rows, columns, filled


def _ods_extents(path: str) -> list[tuple[str, Extent]]:
    """(name, extent) of every table of an OpenDocument spreadsheet, in order."""
    t, o, x = (f"{{{_ODS[k]}}}" for k in ("table", "office", "text"))
    table_tag, row_tag = f"{t}table", f"{t}table-row"
    cell_tags = (f"{t}table-cell", f"{t}covered-table-cell")
    out: list[tuple[str, Extent]] = []
    with zipfile.ZipFile(path) as z, z.open("content.xml") as stream:
        row = rows = columns = filled = repeated = most = 0
        for event, el in ET.iterparse(stream, events=("start", "end")):
            if el.tag == table_tag:
                if event == "start":
                    row = rows = columns = filled = repeated = most = 0
                else:
                    out.append((el.get(f"{t}name", ""), Extent(rows, columns, filled, repeated, most)))
                    el.clear()
                continue
            if event != "end" or el.tag != row_tag:
                continue
            repeat = int(el.get(f"{t}number-rows-repeated", "1"))
            col = last = held = 0
            for cell in el:
                if cell.tag not in cell_tags:
                    continue
                span = int(cell.get(f"{t}number-columns-repeated", "1"))
                col += span
                if cell.get(f"{o}value-type") is not None or cell.find(f"{x}p") is not None:
                    last, held = col, held + span
            if last:
                rows, columns = max(rows, row + repeat), max(columns, last)
                filled += held * repeat
                repeated, most = repeated + repeat - 1, max(most, repeat)
            row += repeat
            el.clear()
    return out
