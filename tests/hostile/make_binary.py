"""Minimal binary workbooks written record by record: .xlsb ([MS-XLSB]) and .xls (BIFF8 in an OLE2
compound file, [MS-XLS] and [MS-CFB]).  No maintained Python library writes either format, and the
hostile cases need what no well-behaved writer produces: a cell past the last column, a size record
that lies.

- ``range_bomb.xlsb``: the two-row table plus one cell at ``XFD300000``;
- ``range_bomb_3000.xlsb``: the same with the far cell at ``XFD3000``;
- ``range_bomb_wide.xlsb``: a far cell in column 4,000,000 (the format stores columns as 32 bits);
- ``range_bomb_decoy.xlsb``: the XFD300000 bomb after a block the reader skips that holds the
  records which end a sheet (``DECOY``);
- ``range_bomb.xls``: the table plus one cell at ``IV65536``, the last cell of a BIFF8 sheet;
- ``range_bomb_wide.xls``: a far cell in column 65,535 of row 60,000 (the format stores 16 bits);
- ``lying_dimensions.xls``: the table with a size record claiming 4 billion rows by 60,000 columns;
- ``hidden_stream.xls``: an innocent Workbook stream in the directory tree, and the column-65,535
  bomb in an earlier directory entry of the same name, which is the one the reader takes;
- ``stream_size_lie.xls``: a directory entry that says the Workbook stream holds 2 GB;
- ``truncated_sheet.xlsb``: a sheet part that ends in the middle of a cell record;
- ``record_past_end.xls``: a cell record that claims more bytes than the Workbook stream holds;
- ``past_last_row.xlsb``: 200 rows, then a cell at XFD1048578, in a row the reader never reads (it
  ends the sheet at a row past 1,048,576), so the file is audited;
- ``range_ok.xlsb`` / ``range_ok.xls``: a stray cell at F40, near the table (audited).

Cell positions are 0-based (row, column) pairs; values are text or numbers.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from make_bombs import HEAD, ROW

Cells = list[tuple[int, int, object]]


def table_cells(rows: list[list[object]]) -> Cells:
    return [(r, c, v) for r, values in enumerate(rows) for c, v in enumerate(values) if v not in (None, "")]


# --- .xlsb -------------------------------------------------------------------------------------

def _record(kind: int, body: bytes = b"") -> bytes:
    head = bytes([kind & 0x7F | 0x80, kind >> 7]) if kind >= 0x80 else bytes([kind])
    size, length = len(body), bytearray()
    while True:
        byte, size = size & 0x7F, size >> 7
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    return head + bytes(length) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb_sheet(cells: Cells, dimension: tuple[int, int, int, int] | None = None,
               strings: dict[str, int] | None = None, preamble: bytes = b"") -> bytes:
    """The sheet part: BrtBeginSheet, BrtWsDim, BrtBeginSheetData, rows of cells, the end records.
    Text is written in the cell (BrtCellSt), or as an index into ``strings`` (BrtCellIsst) as Excel does."""
    cells = sorted(cells, key=lambda c: (c[0], c[1]))
    if dimension is None:
        dimension = (cells[0][0], max(r for r, _, _ in cells), min(c for _, c, _ in cells),
                     max(c for _, c, _ in cells)) if cells else (0, 0, 0, 0)
    out = [_record(0x81), _record(0x94, struct.pack("<4I", *dimension)), preamble, _record(0x91)]
    row = None
    for r, c, value in cells:
        if r != row:
            row = r   # BrtRowHdr: rw, ixfe, miyRw, flags, no column spans
            out.append(_record(0x00, struct.pack("<IIHHBI", r, 0, 300, 0, 0, 0)))
        if isinstance(value, str) and strings is not None:
            out.append(_record(0x07, struct.pack("<III", c, 0, strings[value])))      # BrtCellIsst
        elif isinstance(value, str):
            out.append(_record(0x06, struct.pack("<II", c, 0) + _wide(value)))        # BrtCellSt
        else:
            out.append(_record(0x05, struct.pack("<IId", c, 0, float(value))))       # BrtCellReal
    out += [_record(0x92), _record(0x82)]
    return b"".join(out)


_XLSB_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
    '<Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/>'
    '</Types>')
_REL = ('<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        '{kind}" Target="{target}"/>')


def _rels(*rels: tuple[str, str, str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(_REL.format(id=i, kind=k, target=t) for i, k, t in rels) + "</Relationships>")


def _sst(strings: dict[str, int]) -> bytes:
    items = b"".join(_record(0x13, b"\0" + _wide(text)) for text in strings)   # BrtSSTItem
    return _record(0x9F, struct.pack("<II", len(strings), len(strings))) + items + _record(0xA0)


def xlsb(path: Path, cells: Cells, sheet: str = "Accounts", dimension=None, shared: bool = False,
         preamble: bytes = b"") -> Path:
    strings = dict.fromkeys(v for _, _, v in cells if isinstance(v, str)) if shared else None
    if strings is not None:
        strings = {text: i for i, text in enumerate(strings)}
    book = b"".join([_record(0x83), _record(0x8F),
                     _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet)),  # BrtBundleSh
                     _record(0x90), _record(0x84)])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _XLSB_TYPES)
        z.writestr("_rels/.rels", _rels(("rId1", "officeDocument", "xl/workbook.bin")))
        z.writestr("xl/workbook.bin", book)
        rels = [("rId1", "worksheet", "worksheets/sheet1.bin")]
        if strings is not None:
            rels.append(("rId2", "sharedStrings", "sharedStrings.bin"))
        z.writestr("xl/_rels/workbook.bin.rels", _rels(*rels))
        z.writestr("xl/worksheets/sheet1.bin", xlsb_sheet(cells, dimension, strings, preamble))
        if strings is not None:
            z.writestr("xl/sharedStrings.bin", _sst(strings))
    return path


# --- .xls --------------------------------------------------------------------------------------

def _biff(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(dt: int) -> bytes:
    return _biff(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x0206))


def xls_stream(cells: Cells, sheet: str = "Accounts", dimension=None) -> bytes:
    """The Workbook stream: globals (BOF, code page, one BoundSheet8, EOF), then the sheet."""
    cells = sorted(cells, key=lambda c: (c[0], c[1]))
    if dimension is None:   # rwMic, rwMac (last + 1), colMic, colMac (last + 1, as far as 16 bits go)
        rows, cols = [r for r, _, _ in cells] or [0], [c for _, c, _ in cells] or [0]
        dimension = (min(rows), max(rows) + 1, min(cols), min(max(cols) + 1, 0xFFFF))
    name = sheet.encode("latin-1")
    bound = lambda pos: _biff(0x0085, struct.pack("<IBBBB", pos, 0, 0, len(name), 0) + name)  # noqa: E731
    head = _bof(0x0005) + _biff(0x0042, struct.pack("<H", 1200))
    pos = len(head) + len(bound(0)) + len(_biff(0x000A))
    body = [_bof(0x0010), _biff(0x0200, struct.pack("<IIHHH", *dimension, 0))]
    for r, c, value in cells:
        if isinstance(value, str):
            text = value.encode("utf-16-le")   # XLUnicodeString, two bytes a character
            body.append(_biff(0x0204, struct.pack("<HHHHB", r, c, 0, len(value), 1) + text))   # Label
        else:
            body.append(_biff(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))           # Number
    body.append(_biff(0x000A))
    return head + bound(pos) + _biff(0x000A) + b"".join(body)


_SECTOR = 512
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _dir_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _FREE, _FREE, child) + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))


def compound_file(stream: bytes, stream_name: str = "Workbook", hidden: bytes | None = None) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding one stream, kept at 4,096 bytes
    or more so that it lives in ordinary sectors rather than the mini stream.  ``hidden`` is a second
    stream of the same name, stored first but left out of the directory tree."""
    streams = [hidden, stream] if hidden is not None else [stream]
    streams = [s.ljust(max(4096, -(-len(s) // _SECTOR) * _SECTOR), b"\0") for s in streams]
    data_sectors = sum(len(s) // _SECTOR for s in streams)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + 1 + data_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("stream too large for a compound file without DIFAT sectors")
    directory = fat_sectors               # sectors: FAT..., directory, the streams
    fat, starts, first = [_FATSECT] * fat_sectors + [_END], [], directory + 1
    for s in streams:
        count = len(s) // _SECTOR
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [_END]
        first += count
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIII", 0, fat_sectors, directory, 0, 4096, _END, 0, _END) + struct.pack("<I", 0)
              + struct.pack("<109I", *difat))
    entries = _dir_entry("Root Entry", 5, len(streams), _END, 0)   # the tree reaches the last stream only
    entries += b"".join(_dir_entry(stream_name, 2, _FREE, at, len(s)) for at, s in zip(starts, streams))
    entries += _dir_entry("", 0, _FREE, _FREE, 0) * (3 - len(streams))
    return header + struct.pack(f"<{len(fat)}I", *fat) + entries + b"".join(streams)


def xls(path: Path, cells: Cells, sheet: str = "Accounts", dimension=None) -> Path:
    path.write_bytes(compound_file(xls_stream(cells, sheet, dimension)))
    return path


def _table_and(far: tuple[int, int] | None) -> Cells:
    cells = table_cells([HEAD, ROW])
    return cells + [(*far, "stray")] if far else cells


# A view block (BrtBeginWsViews .. BrtEndWsViews), which the reader skips whole on its way to the
# sheet data, holding what would end the sheet early: BrtBeginSheetData, a row past 1,048,576,
# BrtEndSheetData.
DECOY = (_record(0x85) + _record(0x91) + _record(0x00, struct.pack("<IIHHBI", 0x200000, 0, 300, 0, 0, 0))
         + _record(0x92) + _record(0x86))


def hidden_stream_xls(path: Path, far: tuple[int, int] = (59_999, 65_535)) -> Path:
    """The table in the Workbook stream the directory tree shows, and the table plus a cell at
    ``far`` in an earlier entry of the same name that only a reader of the flat directory finds."""
    path.write_bytes(compound_file(xls_stream(_table_and(None)), hidden=xls_stream(_table_and(far))))
    return path


def stream_size_lie_xls(path: Path) -> Path:
    """The table, with a directory entry that says its Workbook stream holds 2 GB."""
    data = bytearray(compound_file(xls_stream(_table_and(None))))
    struct.pack_into("<I", data, _SECTOR * 2 + 128 + 120, 0x7FFFFFF0)   # header, FAT, then entry 1's size
    path.write_bytes(bytes(data))
    return path


def truncated_xlsb(path: Path) -> Path:
    xlsb(path, _table_and(None))
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.bin"]
    cut = sheet.rindex(b"\x06")            # inside the last text cell, the sheet data never closed
    parts["xl/worksheets/sheet1.bin"] = sheet[:cut + 5]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def record_past_end_xls(path: Path) -> Path:
    stream = bytearray(xls_stream(_table_and(None)))
    last = stream.rindex(b"\x04\x02")        # the last Label record: its length becomes 65,535
    struct.pack_into("<H", stream, last + 2, 0xFFFF)
    path.write_bytes(compound_file(bytes(stream)))
    return path


BUILDERS = {
    "range_bomb.xlsb": lambda p: xlsb(p, _table_and((299_999, 16_383))),
    "range_bomb_3000.xlsb": lambda p: xlsb(p, _table_and((2_999, 16_383))),
    "range_bomb_wide.xlsb": lambda p: xlsb(p, _table_and((5, 3_999_999))),
    "range_ok.xlsb": lambda p: xlsb(p, _table_and((39, 5))),
    "past_last_row.xlsb": lambda p: xlsb(p, table_cells([HEAD] + [ROW] * 200) + [(0x100001, 16_383, "stray")]),
    "range_bomb_decoy.xlsb": lambda p: xlsb(p, _table_and((299_999, 16_383)), preamble=DECOY),
    "range_bomb.xls": lambda p: xls(p, _table_and((65_535, 255))),
    "range_bomb_wide.xls": lambda p: xls(p, _table_and((59_999, 65_535))),
    "lying_dimensions.xls": lambda p: xls(p, _table_and(None), dimension=(0, 0xFFFFFFFF, 0, 60_000)),
    "range_ok.xls": lambda p: xls(p, _table_and((39, 5))),
    "hidden_stream.xls": hidden_stream_xls,
    "stream_size_lie.xls": stream_size_lie_xls,
    "truncated_sheet.xlsb": truncated_xlsb,
    "record_past_end.xls": record_past_end_xls,
}
