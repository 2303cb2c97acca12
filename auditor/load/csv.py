"""Read a CSV file into a grid of text cells numbered as the user sees them.

The encoding is found by its byte-order mark, else UTF-8 is tried, else
UTF-8 with the stray Windows-1252 bytes of a mixed file read as such, else
Windows-1252 (Latin-1 as a last resort).  The delimiter is chosen among
comma, semicolon, tab and bar by how well the header line reads.  Big files
go through pyarrow's parser; files it cannot take (blank lines, ragged rows)
go through Python's csv module, which numbers blank lines the same way.
Every cell stays text, so ``00412345`` keeps its zeros.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from auditor.errors import InputError
from auditor.columns import STRING

DELIMITERS = (",", ";", "\t", "|")
_BLOCK = 16 << 20   # bytes Arrow's parser takes at a time
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar (|)"}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CP1252_FALLBACK = "auditor-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes that are not UTF-8 as Windows-1252 (Latin-1 for its five unused bytes)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), exc.end


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def utf16_without_bom(head: bytes | bytearray) -> str | None:
    """"utf-16-le" or "utf-16-be" for text saved as UTF-16 without its byte order mark (mostly Latin
    letters, so every other byte is zero), else None."""
    h = head[:4096]
    h = h[:len(h) // 2 * 2]
    if len(h) < 8:
        return None
    even, odd = h[0::2], h[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes | bytearray, name: str) -> tuple[str, str]:
    """(text, encoding name) for the bytes of a CSV file."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(name, f"starts as UTF-16 text but is damaged at byte {exc.start:,}") from None
    if (utf16 := utf16_without_bom(data)) is not None:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise InputError(name, f"reads as UTF-16 text but is damaged at byte {exc.start:,}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):
        # UTF-8 text with some Windows-1252 bytes (rows pasted from two systems): each part is read
        # in its own encoding, so "Müller" in UTF-8 does not turn into "MÃ¼ller"
        return data.decode("utf-8", errors=_CP1252_FALLBACK), "utf-8 with some cp1252"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _head_records(text: str, delimiter: str, limit: int = 25) -> list[list[str]]:
    """The first non-blank records of ``text`` parsed with ``delimiter``."""
    out: list[list[str]] = []
    try:
        for rec in csv.reader(io.StringIO(text[:256 * 1024], newline=""), delimiter=delimiter):
            if any(c.strip() for c in rec):
                out.append(rec)
                if len(out) >= limit:
                    break
    except csv.Error:
        pass
    return out


def sniff_delimiter(text: str, score_row) -> str:
    """The delimiter whose header reads best.

    ``score_row(cells)`` gives how many canonical columns a row's cells name;
    the delimiter giving the best-scoring row among the first records wins,
    ties going to the one giving more columns on that row (then to the comma).
    """
    best, best_key = ",", (-1, -1)
    head = text[:256 * 1024]
    for i, d in enumerate(DELIMITERS):
        # a row scores at most its number of cells, so a delimiter whose widest row cannot beat the best
        # so far is passed over unscored (one absent from the text gives rows of one cell)
        if best_key >= (1, 1) and d not in head:
            continue
        recs = _head_records(text, d)
        if not recs:
            continue
        widest = max(map(len, recs))
        if (widest, widest) <= best_key:
            continue
        if best_key < (1, 1) and not any(o in head for o in DELIMITERS[i + 1:]) and any(
                score_row(r) >= 1 for r in recs):
            return d   # it beats the best so far, and every later delimiter would be passed over
        key = (-1, -1)
        for r in recs:   # the best (score, cells) of a row; a row scores at most its number of cells
            if (len(r), len(r)) > key:
                key = max(key, (score_row(r), len(r)))
        if key > best_key:
            best, best_key = d, key
    return best


def _parse_fast(data: bytes | bytearray, delimiter: str, ncols: int) -> pd.DataFrame | None:
    """pyarrow parse of UTF-8 bytes; None when the file needs the careful parser.

    The parse without newlines inside values is twice as fast; a quoted newline
    makes it fail (a record cut in two cannot have the right number of fields
    twice), and then the parse allowing them is tried.  Columns come out as
    large_string, the text type pandas keeps, so no copy is made to convert them.
    """
    table = None
    for newlines in ((False, True) if ncols > 1 else (True,)):
        try:
            table = pacsv.read_csv(
                pa.BufferReader(data),   # read in place (a file object is read a block at a time into copies)
                # one block read on this thread: handing it to Arrow's threads costs more than it saves
                read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=_BLOCK,
                                               use_threads=len(data) > _BLOCK),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines,
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types={f"f{i}": pa.large_string() for i in range(ncols)},
                    strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
            break
        except (pa.ArrowException, ValueError):
            continue
    if table is None or table.num_columns != ncols:
        return None
    frame = pd.DataFrame({i: pd.arrays.ArrowStringArray(table.column(i)) for i in range(ncols)})
    return frame


def _has_empty_row(frame: pd.DataFrame) -> bool:
    """Some row of the grid has every cell empty (as a blank line reads)."""
    empty = None
    for _, s in frame.items():
        e = pc.equal(pc.binary_length(s.array._pa_array), 0)
        empty = e if empty is None else pc.and_(empty, e)
        if not pc.any(empty).as_py():
            return False
    return empty is not None and pc.any(empty).as_py()


def _parse_careful(text: str, delimiter: str, name: str) -> tuple[pd.DataFrame, list[int] | None]:
    """The grid, and the number of fields of each record when they differ (else None)."""
    rows = _records(text, delimiter, name)
    if not rows:
        return pd.DataFrame(), None
    widths = list(map(len, rows))
    width = max(widths)
    ragged = any(n != width for n in widths)
    if ragged:
        rows = [r + [""] * (width - len(r)) if len(r) != width else r for r in rows]
    frame = pd.DataFrame(rows)
    return frame.astype(STRING), (widths if ragged else None)


def _records(text: str, delimiter: str, name: str) -> list[list[str]]:
    """Every record of ``text``; InputError for a quoted value that is never closed.

    A quote opened and never closed makes the rest of the file one cell, so
    every later row would vanish into it: the file is refused, naming the row
    where the quote opens.  Other quoting slips (text after a closing quote)
    are read leniently, as spreadsheet programs do.
    """
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for rec in reader:
            rows.append(rec)
        return rows
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise InputError(name, (
                "a quoted value opened on this row is never closed (a \" without its closing \"), so "
                "the rest of the file would be read as one cell; fix the quotes and try again"),
                row=len(rows) + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:
        raise InputError(name, f"cannot be read as CSV ({exc})", row=reader.line_num) from None


def read_csv_grid(data: bytes | bytearray, name: str, score_row, max_columns: int | None = None) -> tuple[pd.DataFrame, dict]:
    """Grid of text cells (columns 0..n-1, index = record number from 1) and facts about the file.

    A first record of more than ``max_columns`` cells is refused before the file is parsed."""
    if data.startswith(codecs.BOM_UTF8):
        raw, encoding = data[3:], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(data):
        text, encoding = decode(data, name)
        raw = text.encode("utf-8")
    else:
        raw, encoding = data, "utf-8"
    if not raw or raw.isspace():
        raise InputError(name, "is empty")
    head = raw[:256 * 1024].decode("utf-8", errors="replace")
    delimiter = sniff_delimiter(head, score_row)
    first = next(iter(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)), [])
    if max_columns is not None:
        cut = len(raw) > len(head.encode()) and "\n" not in head and "\r" not in head
        _check_width(name, len(first), max_columns, "at least " if cut else "")
    frame, widths = None, None
    # the fast parser wants UTF-8 and no blank line anywhere (a blank line is a record to number);
    # pyarrow reads a blank line as a row of empty cells, so the bytes are searched for blank lines
    # only when such a row came out
    if first:
        frame = _parse_fast(raw, delimiter, len(first))   # fails on bytes that are not UTF-8
        if frame is not None and _has_empty_row(frame) and (
                b"\n\n" in raw or b"\n\r\n" in raw or b"\r\r" in raw):
            frame = None
    if frame is None:
        text, encoding = decode(data, name)
        if text.startswith("\ufeff"):
            text = text[1:]
        if encoding not in ("utf-8", "utf-8-sig"):
            delimiter = sniff_delimiter(text[:256 * 1024], score_row)
        frame, widths = _parse_careful(text, delimiter, name)
    if max_columns is not None:
        _check_width(name, frame.shape[1], max_columns)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    # widths: fields of each record (record n at position n - 1) when records differ, so that a row
    # with more fields than its header (a comma inside an unquoted name) can be told apart
    return frame, {"encoding": encoding, "delimiter": delimiter, "ascii": raw.isascii(), "widths": widths}


def _check_width(name: str, columns: int, max_columns: int, at_least: str = "") -> None:
    if columns > max_columns:
        raise InputError(name, f"has {at_least}{columns:,} columns, more than the limit of {max_columns:,} "
                               "(raise it with --max-columns)")
