"""The rows of the big sheets (Findings, Data issues), written as sheet XML built column-wise.

openpyxl lays out every sheet: the Excel table, filters, frozen header,
widths, the status drop-down, styles.  On a big sheet it writes the header
and one row of *sample cells* only, one per column with that column's style
(and, past the last column, one per severity colour).  :func:`finish` then
replaces that sample row with the real rows, built with Arrow string kernels
over whole columns (no Python per row or cell), and takes each cell's style
id from the sample row.  openpyxl streams about 8 µs per cell; this writes a
100,000-row Findings sheet in well under a second.

Every text value is an inline string (``t="inlineStr"``), XML-escaped: never
a formula, an error value or a number, whatever it looks like.  Dates are
Excel serial days with the date style of the sample cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor.normalize import arrow

from auditor.report.format import FORMULA_START_RE, clean_strings

SAMPLE_ROW = 2                    # the row openpyxl writes sample cells in (row 1 is the header)
CHUNK_ROWS = 50_000               # rows built and compressed at a time (bounds memory)
COMPRESS_LEVEL = 1                # zlib level for the big sheets: fast; repeated text still compresses well
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_STR = pa.large_string()


@dataclass
class Column:
    """One column's values: ``kind`` text | severity | date | int; ``values`` an Arrow array."""

    letter: str
    kind: str
    values: pa.Array
    styles: dict = field(default_factory=dict)   # severity -> sample column letter (severity kind only)


@dataclass
class Pending:
    """A sheet whose sample row is to be replaced by ``rows`` real rows."""

    sheet: str
    rows: int
    columns: list[Column]


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


def _escape(a: pa.Array) -> pa.Array:
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        a = pc.replace_substring(a, pattern=old, replacement=new)
    return a


def _join(*parts) -> pa.Array:
    """Element-wise concatenation; null when any part is null (the cell is then left out)."""
    parts = [p if isinstance(p, (pa.Array, pa.ChunkedArray)) else pa.scalar(p, _STR) for p in parts]
    return pc.binary_join_element_wise(*parts, pa.scalar("", _STR))


def _sattr(style: str | None) -> str:
    return f' s="{style}"' if style else ""


def _cells(col: Column, values: pa.Array, rownum: pa.Array, styles: dict[str, str]) -> pa.Array:
    ref = f'<c r="{col.letter}'
    if col.kind in ("date", "int"):
        kind = ' t="n"'
        return _join(ref, rownum, f'"{_sattr(styles.get(col.letter))}{kind}><v>', values, "</v></c>")
    if col.kind == "severity":
        known = list(col.styles)
        pos = pc.index_in(values, value_set=pa.array(known, type=_STR))
        attrs = pa.array([_sattr(styles.get(col.styles[k])) for k in known], type=_STR)
        sattr = pc.fill_null(pc.take(attrs, pos), "") if known else pa.repeat(pa.scalar("", _STR), len(values))
    else:
        sattr = _sattr(styles.get(col.letter))
        quoted = col.styles.get("quoted")
        if quoted:
            risky = pc.fill_null(pc.match_substring_regex(values, pattern=FORMULA_START_RE), False)
            sattr = pc.if_else(risky, pa.scalar(_sattr(styles.get(quoted)), _STR), pa.scalar(sattr, _STR))
    body = _join('><is><t xml:space="preserve">', _escape(values), "</t></is></c>")
    empty = pc.equal(pc.binary_length(values), 0)
    if pc.any(empty).as_py():  # an empty text is an empty string cell, as openpyxl writes it
        body = pc.if_else(empty, pa.scalar(" />", _STR), body)
    return _join(ref, rownum, '"', sattr, ' t="inlineStr"', body)


def _row_chunks(p: Pending, styles: dict[str, str]):
    """The sheet's rows as XML, CHUNK_ROWS rows at a time (bytes-like)."""
    for start in range(0, p.rows, CHUNK_ROWS):
        stop = min(p.rows, start + CHUNK_ROWS)
        rownum = pc.cast(pa.array(np.arange(start + SAMPLE_ROW, stop + SAMPLE_ROW, dtype=np.int64)), _STR)
        cells = [pc.fill_null(_cells(c, c.values[start:stop], rownum, styles), "") for c in p.columns]
        rows = _join('<row r="', rownum, '">', *cells, "</row>")
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
        yield memoryview(rows.buffers()[2])[int(offsets[0]):int(offsets[-1])]


_SAMPLE = re.compile(rb'<row r="%d"[^>]*>.*?</row>' % SAMPLE_ROW, re.S)
_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)%d"(?: s="(\d+)")?' % SAMPLE_ROW)


def _sheet_files(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its XML."""
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.findall("p:Relationship", _NS)}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    out = {}
    for s in book.find("m:sheets", _NS).findall("m:sheet", _NS):
        t = target[s.get(f"{{{_NS['r']}}}id")]
        out[s.get("name")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return out


def finish(workbook: bytes, pending: list[Pending], path) -> None:
    """Write ``workbook`` (openpyxl's bytes) to ``path`` (a path or an open binary file) with each
    pending sheet's sample row replaced."""
    todo = {p.sheet: p for p in pending}
    with zipfile.ZipFile(io.BytesIO(workbook)) as zin, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zout:
        members = {v: k for k, v in _sheet_files(zin).items() if k in todo}
        for info in zin.infolist():
            data = zin.read(info.filename)
            sheet = members.get(info.filename)
            if sheet is None:
                zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
                continue
            m = _SAMPLE.search(data)
            if m is None:
                raise RuntimeError(f"sheet {sheet!r} has no sample row")
            styles = {k.decode(): (v.decode() if v else None) for k, v in _CELL_STYLE.findall(m.group())}
            out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            out.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(out, "w", force_zip64=True) as fh, ThreadPoolExecutor(1) as pool:
                fh.write(data[:m.start()])
                # Compressing a chunk (zlib, which releases the GIL) overlaps building the next one.
                pending_write = None
                for chunk in _row_chunks(todo[sheet], styles):
                    if pending_write is not None:
                        pending_write.result()
                    pending_write = pool.submit(fh.write, chunk)
                if pending_write is not None:
                    pending_write.result()
                fh.write(data[m.end():])


def sample_date() -> dt.date:
    return dt.date(2000, 1, 1)
