"""The used range of a binary workbook (.xlsb, .xls), measured from its own records.

The workbook reader turns the cells of a sheet into a dense grid from the
first to the last one, and it reads a whole .xls as soon as it opens it, so
a cell at ``XFD300000`` in a 1 KB .xlsb, or one at column 65,535 of an .xls,
asks for a hundred gigabytes.  These functions walk the records the reader
walks and note the row and column of every cell it would keep:

- .xlsb ([MS-XLSB]): the sheet part streamed out of the zip, a few megabytes
  at a time; rows come from ``BrtRowHdr``, columns from the cell records.
- .xls ([MS-XLS], BIFF5 and BIFF8): the Workbook stream of the compound file
  (read with olefile), every sheet from its ``BOF`` to its ``EOF``; and the
  sheet's size record, which the reader trusts to reserve memory.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import numpy as np

CHUNK = 4 << 20
LAST_XLSB_ROW = 0x100000          # the reader ends a sheet at a row past this one

_U32 = struct.Struct("<I").unpack_from
_U16 = struct.Struct("<H").unpack_from
_U16x2 = struct.Struct("<HH").unpack_from
_U16x4 = struct.Struct("<HHHH").unpack_from


class Damaged(ValueError):
    """Records that break the format where the reader would read garbage or fail."""


# --- .xlsb -----------------------------------------------------------------------------------

def _header(data: bytes, pos: int) -> tuple[int, int, int]:
    """(record type, offset of its body, body size) of the record at ``pos``."""
    kind = data[pos]
    pos += 1
    if kind & 0x80:
        kind = (kind & 0x7F) | (data[pos] & 0x7F) << 7
        pos += 1
    b = data[pos]
    size, shift = b & 0x7F, 7
    pos += 1
    while b & 0x80 and shift < 28:
        b = data[pos]
        size |= (b & 0x7F) << shift
        shift += 7
        pos += 1
    return kind, pos, size


def _xlsb_records(stream):
    """(type, body) of each record of a small part (workbook.bin), read a piece at a time."""
    data, pos, final = b"", 0, False
    while not final:
        block = stream.read(1 << 16)
        final = not block
        data, pos = data[pos:] + block, 0
        n = len(data)
        while pos < n and (final or pos + 6 <= n):
            kind, start, size = _header(data, pos)
            if start + size > n:
                if final:
                    raise Damaged("a record runs past the end of its part")
                break
            yield kind, data[start:start + size]
            pos = start + size


def _wide(data: bytes, pos: int) -> tuple[str, int]:
    n = _U32(data, pos)[0]
    end = pos + 4 + 2 * n
    if end > len(data):
        raise Damaged("a name runs past the end of its record")
    return data[pos + 4:end].decode("utf-16-le", "replace"), end


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    return text.translate(_LOWER)


def xlsb_sheet_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the sheet named ``sheet``, found the way the reader finds it: the first
    ``BrtBundleSh`` of that name, its relationship's target under ``xl/``, matched without case."""
    rels = {}
    if "xl/_rels/workbook.bin.rels" in z.namelist():
        for rel in ET.fromstring(z.read("xl/_rels/workbook.bin.rels")).iter():
            if rel.tag.rsplit("}", 1)[-1] == "Relationship":   # the reader looks at no namespace
                rels[rel.get("Id")] = rel.get("Target")
    with z.open("xl/workbook.bin") as book:
        for kind, record in _xlsb_records(book):
            if kind == 0x90:                   # BrtEndBundleShs
                break
            if kind != 0x9C or _U32(record, 8)[0] == 0xFFFFFFFF:   # BrtBundleSh with a relationship
                continue
            rel_id, end = _wide(record, 8)
            if _wide(record, end)[0] == sheet:
                target = rels.get(rel_id)
                if target is None:
                    return None
                names = z.namelist()
                members = {_ascii_lower(m.replace("\\", "/")): m for m in names}
                part = f"xl/{target}"
                return members.get(_ascii_lower(part)) or (part if part in names else None)
    return None


def xlsb_extent(path: str, sheet: str) -> tuple[int, int, int] | None:
    """(last row, last column), 1-based, of the cells the reader keeps from sheet ``sheet``, and how
    many cells it keeps; None when the sheet is not found (the reader then says what is wrong)."""
    with zipfile.ZipFile(path) as z:
        part = xlsb_sheet_part(z, sheet)
        if part is None:
            return None
        with z.open(part) as stream:
            return _walk_xlsb(stream)


# Records whose size says what they are, which make up nearly all of a sheet's data, the most
# frequent first: BrtCellIsst and BrtCellRk (12 bytes), BrtCellReal (16), BrtRowHdr (17 and 8 more
# for each column span), BrtCellError and BrtCellBool (9), BrtCellBlank (8, not kept by the reader),
# BrtCellSt (12 and 2 for each character, even, up to 126).  So 8 is a blank cell, an odd size of 17
# or more a row header, any other a cell with a value.
_ALTS = b"|".join([rb"[\x02\x07]\x0c.{12}", rb"\x05\x10.{16}", rb"\x00\x19.{25}", rb"\x00\x11.{17}",
                   rb"[\x03\x04]\x09.{9}", rb"\x01\x08.{8}"]
                  + [re.escape(bytes((0, 17 + 8 * k))) + b".{%d}" % (17 + 8 * k) for k in range(2, 14)]
                  + [rb"\x06(?:" + b"|".join(re.escape(bytes((n,))) + b".{%d}" % n for n in range(12, 127, 2))
                     + b")"])
_RUN = re.compile(b"(?:" + _ALTS + b")++", re.DOTALL)      # possessive: a run never gives records back
_SIZE = re.compile(b"(?=.(.))(?:" + _ALTS + b")", re.DOTALL)  # each record's size byte (a shared object)
# blocks the reader skips whole on its way from BrtWsDim to BrtBeginSheetData: views, AutoFilter
# content, column widths (start -> end)
_SKIPPED_BLOCKS = {0x85: 0x86, 0x25: 0x26, 0x186: 0x187}
_BULK = 2048                               # bytes of fixed-size records worth handing to numpy at once


def _walk_xlsb(stream) -> tuple[int, int, int]:
    """The reach of the cells of a sheet part, walked as the reader walks it: past BrtWsDim, then
    to BrtBeginSheetData, then each record to BrtEndSheetData or a row past 1,048,576.  The
    records the reader keeps a cell for are types 2 to 10 (BrtCellRk .. BrtFmlaBool), each starting
    with its column; BrtRowHdr (type 0) gives the row.  Runs of records whose size says what they
    are (_ALTS) are cut apart by a regular expression and read with numpy (a 100,000-row sheet has
    some 700,000 records); any other record one at a time."""
    rows = columns = row = filled = 0
    phase, skip_to = 0, None                   # 0: before BrtWsDim, 1: before BrtBeginSheetData, 2: in it
    data, pos, final = b"", 0, False
    while not final:
        block = stream.read(CHUNK)
        final = not block
        data, pos = data[pos:] + block, 0
        n = len(data)
        limit = n if final else n - 6          # a record header is at most 6 bytes
        while pos < limit:
            run = _RUN.match(data, pos) if phase == 2 else None
            if run is not None and run.end() - pos >= _BULK:
                r, c, row, stop, n = _bulk(data, pos, run.end(), row)
                rows, columns, filled = max(rows, r), max(columns, c), filled + n
                if stop:
                    return rows, columns, filled
                pos = run.end()
                continue
            start = pos
            kind, pos, size = _header(data, pos)
            end = pos + size
            if end > n:
                if final:
                    raise Damaged("the sheet ends inside a record")
                pos = start
                break
            if phase < 2:                      # the reader's way to its sheet data; nothing read there
                if skip_to is not None:
                    skip_to = None if kind == skip_to else skip_to
                elif phase == 0:
                    phase = 1 if kind == 0x94 else 0           # BrtWsDim
                elif kind == 0x91:                             # BrtBeginSheetData
                    phase = 2
                else:
                    skip_to = _SKIPPED_BLOCKS.get(kind)
                pos = end
                continue
            if kind <= 10:
                if size < 8 and kind != 1:     # the reader would take the column from stale bytes
                    raise Damaged(f"a record of type {kind} is {size} bytes long")
                if kind == 0:                  # BrtRowHdr
                    row = _U32(data, pos)[0]
                    if row > LAST_XLSB_ROW:
                        return rows, columns, filled
                elif kind != 1:                # a cell with a value (BrtCellBlank is not kept)
                    col = _U32(data, pos)[0]
                    columns, rows, filled = max(columns, col + 1), max(rows, row + 1), filled + 1
            elif kind == 0x92:                 # BrtEndSheetData
                return rows, columns, filled
            pos = end
    return rows, columns, filled


def _bulk(data: bytes, start: int, end: int, row: int) -> tuple[int, int, int, bool, int]:
    """(rows, columns, current row, stop) after the run of fixed-size records from ``start`` to
    ``end``, entered in row ``row``; stop when a row past the reader's last one came up.  The run
    is cut into records by their sizes alone, so no Python object is made per record."""
    sizes = np.frombuffer(b"".join(_SIZE.findall(data, start, end)), dtype=np.uint8).astype(np.int64)
    at = start + 2 + np.concatenate(([0], np.cumsum(sizes[:-1] + 2)))   # first byte of each body
    raw = np.frombuffer(data, dtype=np.uint8)
    value = raw[at].astype(np.int64) | raw[at + 1].astype(np.int64) << 8 | raw[at + 2].astype(np.int64) << 16 \
        | raw[at + 3].astype(np.int64) << 24
    is_row = (sizes >= 17) & (sizes % 2 == 1)
    past = np.flatnonzero(is_row & (value > LAST_XLSB_ROW))
    stop = past.size > 0
    if stop:
        sizes, value, is_row = sizes[:past[0]], value[:past[0]], is_row[:past[0]]
    last = np.maximum.accumulate(np.where(is_row, np.arange(sizes.size), -1))
    row_of = np.where(last >= 0, value[np.maximum(last, 0)], row)
    cells = ~is_row & (sizes != 8)
    if not cells.any():
        return 0, 0, int(row_of[-1]) if row_of.size else row, stop, 0
    return (int(row_of[cells].max()) + 1, int(value[cells].max()) + 1, int(row_of[-1]), stop,
            int(cells.sum()))


# --- .xls ------------------------------------------------------------------------------------

# Number, Label, RString, BoolErr, RK, LabelSst, Formula: one cell each, row and column first
_CELLS = frozenset((0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006))
_MULRK, _DIMENSIONS, _BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x00BD, 0x0200, 0x0809, 0x000A, 0x0085, 0x002F
_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")


def xls_sheets(path: str) -> list[tuple[str, tuple[int, int, int], tuple[int, int]]]:
    """For every sheet of an .xls, in order: (name, (last row, last column) of its cells, 1-based, and
    how many cells it holds, (rows, columns) its size record makes the reader reserve room for)."""
    data = _workbook_stream(path)
    sheets, biff8 = [], True
    for kind, pos, size in _biff_records(data, 0):
        if kind == _BOF:
            biff8 = size < 2 or _U16(data, pos)[0] >= 0x0600
        elif kind == _BOUNDSHEET:
            if size < 7:
                raise Damaged("a sheet record is too short")
            sheets.append((_U32(data, pos)[0], _sheet_name(data[pos + 6:pos + size], biff8)))
        elif kind == _FILEPASS and size >= 2 and _U16(data, pos)[0] != 0:
            return []                          # encrypted: the reader refuses it as password-protected
        elif kind == _EOF:
            break
    return [(name, *_walk_xls(data, start)) for start, name in sheets]


def _workbook_stream(path: str) -> bytes:
    """The stream the reader reads: the first directory entry, in the order they are stored (not
    only those the directory tree reaches), named exactly Workbook, else Book, WORKBOOK, BOOK.
    olefile reads the compound file's sector chains; it finds names in the tree without regard to
    case, so the entries are read here as the reader reads them."""
    import os

    import olefile

    limit = os.path.getsize(path)
    with olefile.OleFileIO(path) as opened:
        ole: Any = opened   # read below its documented API: directory_fp, sectorsize, _open
        ole.directory_fp.seek(0)
        raw = ole.directory_fp.read()
        entries = []
        for at in range(0, len(raw) - 127, 128):
            name = raw[at:at + 64].decode("utf-16-le", "replace").split("\0", 1)[0]
            start, size = struct.unpack_from("<IQ", raw, at + 116)
            entries.append((name, start, size & 0xFFFFFFFF if ole.sectorsize == 512 else size))
        for wanted in _STREAMS:
            found = next(((start, size) for name, start, size in entries if name == wanted), None)
            if found is not None:
                start, size = found
                if size > limit or (size < 4096 and entries[0][2] > limit):   # the mini stream is the root's
                    raise Damaged("a stream claims to be larger than the file")
                ole.minisectorcutoff = 4096    # the reader's threshold for the mini stream, not the header's
                return ole._open(start, size, force_FAT=size >= 4096).read()
    raise Damaged("it has no Workbook stream")


def _sheet_name(body: bytes, biff8: bool) -> str:
    cch = body[0]
    if not biff8:
        text = body[1:1 + cch].decode("cp1252", "replace")
    elif len(body) > 1 and body[1] & 1:
        text = body[2:2 + 2 * cch].decode("utf-16-le", "replace")
    else:
        text = body[2:2 + cch].decode("latin-1")
    return text.replace("\0", "")


def _biff_records(data: bytes, pos: int):
    """(type, body offset, body size) of each BIFF record from ``pos``."""
    n = len(data)
    while pos < n:
        if pos + 4 > n:
            raise Damaged("the Workbook stream ends inside a record")
        kind, size = _U16x2(data, pos)
        pos += 4
        if pos + size > n:
            raise Damaged("a record runs past the end of the Workbook stream")
        yield kind, pos, size
        pos += size


def _walk_xls(data: bytes, start: int) -> tuple[tuple[int, int, int], tuple[int, int]]:
    """The reach of the cells of the sheet whose BOF is at ``start``, through its EOF (cells of a
    substream nested in it counted too), and the room its size record asks the reader for.  One
    loop without calls but one unpack a record: a 65,536-row sheet has some 400,000 records."""
    n = len(data)
    if start >= n:
        raise Damaged("a sheet starts past the end of the Workbook stream")
    rows = columns = depth = filled = 0
    reserve = (0, 0)
    pos = start
    while pos < n:
        if pos + 8 <= n:
            kind, size, r, c = _U16x4(data, pos)   # the header and, for a cell, its row and column
        elif pos + 4 <= n:
            (kind, size), r, c = _U16x2(data, pos), 0, 0
        else:
            raise Damaged("the Workbook stream ends inside a record")
        body, pos = pos + 4, pos + 4 + size
        if pos > n:
            raise Damaged("a record runs past the end of the Workbook stream")
        if kind in _CELLS:
            if size < 4:
                raise Damaged(f"a cell record of type {kind:#06x} is {size} bytes long")
            filled += 1
        elif kind == _MULRK:                   # row, first column, RK values, last column
            if size < 6:
                raise Damaged("a MULRK record is too short")
            last = _U16(data, pos - 2)[0]
            filled += max(1, last - c + 1)
            c = max(c, last)
        elif kind == _DIMENSIONS:
            reserve = _reservation(data[body:pos])
            continue
        elif kind == _BOF:
            depth += 1
            continue
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
            continue
        else:
            continue
        if r >= rows:
            rows = r + 1
        if c >= columns:
            columns = c + 1
    return (rows, columns, filled), reserve


def _reservation(body: bytes) -> tuple[int, int]:
    """(rows, columns) the reader reserves room for from a DIMENSIONS record, computed as it does
    (in 32 bits, which wrap when the last row comes before the first)."""
    if len(body) == 10:
        rf, rl, cf, cl = struct.unpack_from("<4H", body)
    elif len(body) == 14:
        rf, rl, cf, cl = struct.unpack_from("<IIHH", body)
    else:
        raise Damaged("its size record has the wrong length")
    if cf > 0xFF or cl < cf:
        cf = 0
    end_r, end_c = (rl - 1, cl - 1) if rl >= 1 and cl >= 1 else (rf, cf)
    return (end_r - rf + 1) & 0xFFFFFFFF, (end_c - cf + 1) & 0xFFFFFFFF
