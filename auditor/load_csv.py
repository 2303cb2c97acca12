"""Read a CSV file into a grid of text cells numbered as the user sees them.

The encoding is found by its byte-order mark, else UTF-8 is tried, else
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
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import InputError

STRING = pd.StringDtype("pyarrow")
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar (|)"}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def decode(data: bytes, name: str) -> tuple[str, str]:
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
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
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
    for d in DELIMITERS:
        recs = _head_records(text, d)
        if not recs:
            continue
        key = max((score_row(r), len(r)) for r in recs)
        if key > best_key:
            best, best_key = d, key
    return best


def _parse_fast(data: bytes, delimiter: str, ncols: int) -> pd.DataFrame | None:
    """pyarrow parse of UTF-8 bytes; None when the file needs the careful parser."""
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(ncols)},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError):
        return None
    if table.num_columns != ncols:
        return None
    frame = table.to_pandas(types_mapper={pa.string(): STRING, pa.large_string(): STRING}.get)
    frame.columns = range(ncols)
    return frame


def _parse_careful(text: str, delimiter: str, name: str) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(name, f"cannot be read as CSV ({exc})", row=reader.line_num) from None
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    return frame.astype(STRING)


def read_csv_grid(data: bytes, name: str, score_row) -> tuple[pd.DataFrame, dict]:
    """Grid of text cells (columns 0..n-1, index = record number from 1) and facts about the file."""
    text, encoding = decode(data, name)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(name, "is empty")
    delimiter = sniff_delimiter(text, score_row)
    first = next(iter(csv.reader(io.StringIO(text[:256 * 1024], newline=""), delimiter=delimiter)), [])
    frame = None
    # the fast parser wants UTF-8 and no blank line anywhere (a blank line is a record to number)
    if len(first) > 0 and "\n\n" not in text and "\n\r\n" not in text and "\r\r" not in text:
        raw = data if encoding == "utf-8" else text.encode("utf-8")
        frame = _parse_fast(raw, delimiter, len(first))
    if frame is None:
        frame = _parse_careful(text, delimiter, name)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame, {"encoding": encoding, "delimiter": delimiter}
