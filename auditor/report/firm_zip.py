"""A firm workbook's zip file, put together in memory from its template's parts and written in one go.

``rows.Template.render`` hands each part to Python's ``zipfile`` on the open file: a header written,
the data, then a seek back to write the header again with the sizes, for each of the workbook's
twenty-five parts.  Thousands of small workbooks spent more in that than in compressing their sheets.
Here each part is compressed (with the level ``Template.render`` gives it) and its header made from
the same ``zipfile.ZipInfo`` fields, so the bytes are those ``zipfile`` writes; the file is written
once.  A part that many workbooks share (the laid-out parts, the Rules sheet of the same counts, the
sheet of a firm with no such rows, the same print areas) is compressed once and reused.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from auditor.report.firm_rows import BankedRows
from auditor.report.rows import COMPRESS_LEVEL, CellRows, Pending, Template, _last_printed, _print_areas, _REF

# the zip format's records (PKWARE's APPNOTE), as zipfile packs them
_LOCAL, _LOCAL_SIG = struct.Struct("<4s2B4HL2L2H"), b"PK\003\004"
_CENTRAL, _CENTRAL_SIG = struct.Struct("<4s4B4HL2L5H2L"), b"PK\001\002"
_END, _END_SIG = struct.Struct("<4s4H2LH"), b"PK\005\006"
_ZIP64_VERSION = 45
_ZIP64_LIMIT = (1 << 31) - 1
_MAX_PARTS = (1 << 16) - 1
_ZIP64_EXTRA = struct.Struct("<HHQQ")
_DEFAULT_LEVEL = zlib.Z_DEFAULT_COMPRESSION   # zipfile's level for a ZipInfo that names none
_CACHED_BYTES = 64 << 20                      # shared parts kept compressed, at most
_FILTER = re.compile(rb'(<autoFilter ref="[A-Z]+\d+:[A-Z]+)\d+"')


@dataclass(frozen=True)
class _Part:
    """One part compressed, with what its headers hold (``zipfile``'s fields for it)."""

    name: bytes
    flags: int
    method: int
    dostime: int
    dosdate: int
    crc: int
    size: int
    data: bytes          # compressed
    zip64: bool          # the local header carries the sizes in a zip64 field (``force_zip64``)
    versions: tuple[int, int, int]   # create version, create system, extract version
    attrs: tuple[int, int]           # internal, external attributes

    def local(self) -> bytes:
        extra, csize, size, extract = b"", len(self.data), self.size, self.versions[2]
        if self.zip64:
            extra = _ZIP64_EXTRA.pack(1, 16, size, csize)
            csize = size = 0xFFFFFFFF
        return _LOCAL.pack(_LOCAL_SIG, extract, 0, self.flags, self.method, self.dostime,
                           self.dosdate, self.crc, csize, size, len(self.name), len(extra)) + self.name + extra

    def central(self, offset: int) -> bytes:
        create, system, extract = self.versions
        return _CENTRAL.pack(_CENTRAL_SIG, create, system, extract, 0, self.flags, self.method,
                             self.dostime, self.dosdate, self.crc, len(self.data), self.size, len(self.name),
                             0, 0, 0, self.attrs[0], self.attrs[1], offset) + self.name


def _part(info: zipfile.ZipInfo, data: bytes, level: int | None, zip64: bool = False) -> _Part:
    """``data`` as ``zipfile`` writes it under ``info`` (``level``: deflated at that level; None: stored)."""
    if level is None:
        packed, method = data, zipfile.ZIP_STORED
    else:
        z = zlib.compressobj(level, zlib.DEFLATED, -15)
        packed, method = z.compress(data) + z.flush(), zipfile.ZIP_DEFLATED
    try:
        name, flags = info.filename.encode("ascii"), 0
    except UnicodeEncodeError:
        name, flags = info.filename.encode("utf-8"), 0x800
    y, mo, d, h, mi, s = info.date_time
    version = _ZIP64_VERSION if zip64 else 0
    return _Part(name, flags, method, h << 11 | mi << 5 | s // 2, (y - 1980) << 9 | mo << 5 | d,
                 zlib.crc32(data), len(data), packed, zip64,
                 (max(version, info.create_version), info.create_system, max(version, info.extract_version)),
                 (info.internal_attr, info.external_attr or 0o600 << 16))


class _Collect:
    """Takes the one part ``Template._sheet`` writes (a stand-in for the ``zipfile.ZipFile``)."""

    def __init__(self):
        self.chunks: list = []
        self.info: zipfile.ZipInfo | None = None

    def open(self, info, mode="w", force_zip64=False):
        self.info = info
        return self

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


class FirmTemplate:
    """A firm workbook's :class:`rows.Template`, rendered into one zip in memory."""

    def __init__(self, template: Template):
        self.template = template
        self.stored = template.fixed_compression == zipfile.ZIP_STORED
        # parts with extra fields or comments: zipfile writes them (openpyxl writes none)
        self.plain = all(not m.info.extra and not m.info.comment for m in template.members)
        self._shared: dict[tuple[str, bytes], _Part] = {}
        self._shared_bytes = 0
        self._empty: dict[tuple[str, int], tuple[Pending, _Part]] = {}   # (part, id of its rows) -> part

    def _shared_part(self, info: zipfile.ZipInfo, data: bytes, level: int | None, zip64: bool = False) -> _Part:
        key = (info.filename, data)
        part = self._shared.get(key)
        if part is None:
            part = _part(info, data, level, zip64)
            if self._shared_bytes + len(data) <= _CACHED_BYTES:
                self._shared[key] = part
                self._shared_bytes += len(data)
        return part

    def parts(self, pending: list) -> list[_Part]:
        """The workbook's parts, in the template's order, with each sheet's placeholder row replaced."""
        todo = {p.sheet: p for p in pending}
        tables = {p.table: p for p in pending if isinstance(p, Pending) and p.table}
        areas = {p.sheet: _last_printed(p) for p in pending}
        out = []
        for m in self.template.members:
            p = todo.get(m.sheet)
            if areas and m.info.filename == "xl/workbook.xml":
                out.append(self._shared_part(m.info, _print_areas(m.data, areas), _DEFAULT_LEVEL))
            elif m.table in tables:
                last = max(tables[m.table].rows, 1) + tables[m.table].first_row - 1
                out.append(self._shared_part(m.info, _REF.sub(rb'\g<1>%d"' % last, m.data), _DEFAULT_LEVEL))
            elif p is None or m.placeholder is None:
                out.append(self._shared_part(m.info, m.data, None if self.stored else _DEFAULT_LEVEL))
            elif isinstance(p, BankedRows) and p.rows and m.placeholder is not None and m.styles is not None:
                head, tail = m.data[:m.placeholder[0]], m.data[m.placeholder[1]:]
                if p.table is None:   # a sheet filter covers the rows written (as Template._sheet does)
                    tail = _FILTER.sub(rb'\g<1>%d"' % (p.rows + p.first_row - 1), tail)
                info = zipfile.ZipInfo(m.info.filename, date_time=m.info.date_time)
                out.append(_part(info, b"".join((head, p.xml(m.styles), tail)), COMPRESS_LEVEL, zip64=True))
            elif isinstance(p, Pending) and not p.rows and (m.info.filename, id(p)) in self._empty:
                out.append(self._empty[(m.info.filename, id(p))][1])   # the laid-out empty sheet, as before
            else:
                sheet = _Collect()
                self.template._sheet(sheet, m, p)   # type: ignore[arg-type]  # takes what a ZipFile is given
                assert sheet.info is not None
                data = b"".join(sheet.chunks)
                shared = (isinstance(p, CellRows) and p.cache_key is not None) or (isinstance(p, Pending) and not p.rows)
                out.append(self._shared_part(sheet.info, data, COMPRESS_LEVEL, zip64=True) if shared
                           else _part(sheet.info, data, COMPRESS_LEVEL, zip64=True))
                if isinstance(p, Pending) and not p.rows:   # one object, the layout's: the same part each time
                    self._empty[(m.info.filename, id(p))] = (p, out[-1])
        return out

    def render(self, pending: list, path) -> None:
        """Write the workbook to ``path`` (a path, or a file open for writing)."""
        if not self.plain:
            self.template.render(pending, path)
            return
        chunks: list[bytes] = []
        central: list[bytes] = []
        offset = 0
        for part in self.parts(pending):
            central.append(part.central(offset))
            head = part.local()
            chunks += (head, part.data)
            offset += len(head) + len(part.data)
        directory = b"".join(central)
        if offset + len(directory) > _ZIP64_LIMIT or len(central) > _MAX_PARTS:
            self.template.render(pending, path)   # needs the zip64 end records: zipfile writes them
            return
        chunks += (directory, _END.pack(_END_SIG, 0, 0, len(central), len(central), len(directory),
                                        offset, 0))
        data = b"".join(chunks)
        if hasattr(path, "write"):
            path.write(data)
        else:
            Path(path).write_bytes(data)
