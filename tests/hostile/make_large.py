"""Write the large hostile inputs into a folder at test time (they are too big to keep in git).

- ``huge.csv``: a valid court export of about 2 MB, past a lowered ``--max-file-mb 1``;
- ``many_rows.csv`` / ``many_rows.xlsx``: 1,500 data rows, past a lowered ``--max-rows 1000``;
- ``zip_bomb.xlsx``: a workbook whose sheet is 300 MB of zeros squeezed into a few hundred KB,
  refused from the zip directory before anything is unpacked;
- ``zip_bomb_lying.xlsx``: the same, with a zip directory that claims the sheet is 1,000 bytes;
- ``long_cell.csv``: one cell of 40,000 characters, past Excel's 32,767 (the default cell limit);
- ``wide_header.csv``: 5,000 columns in the header;
- the workbooks of make_bombs and make_binary, tiny files whose used range is huge.

    python tests/hostile/make_large.py DIR
"""

from __future__ import annotations

import struct
import sys
import zipfile
from pathlib import Path

import openpyxl

import make_binary
import make_bombs

HEADER = "Court,CM/ECF Login,Filer Name,Filer Type,Bar Number,PACER Login\n"


def _row(i: int) -> str:
    return f"ncmb,user{i},\"Filer, Number {i}\",Attorney,NC{i:06d},pacer{i:07d}\n"


def huge_csv(path: Path, size: int = 2 << 20) -> Path:
    with path.open("w", newline="") as fh:
        fh.write(HEADER)
        i, written = 0, len(HEADER)
        while written < size:
            line = _row(i)
            fh.write(line)
            written += len(line)
            i += 1
    return path


def many_rows_csv(path: Path, rows: int = 1500) -> Path:
    path.write_text(HEADER + "".join(_row(i) for i in range(rows)), newline="")
    return path


def many_rows_xlsx(path: Path, rows: int = 1500) -> Path:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Accounts")
    ws.append(HEADER.strip().split(","))
    for i in range(rows):
        ws.append(["ncmb", f"user{i}", f"Filer {i}", "Attorney", f"NC{i:06d}", f"pacer{i:07d}"])
    wb.save(path)
    return path


def zip_bomb_xlsx(path: Path, unpacked: int = 300 << 20) -> Path:
    """A real workbook whose first sheet inflates to ``unpacked`` bytes of zeros."""
    wb = openpyxl.Workbook()
    wb.active.title = "Accounts"
    small = path.with_suffix(".seed.xlsx")
    wb.save(small)
    chunk = b"0" * (1 << 20)
    with zipfile.ZipFile(small) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                info = zipfile.ZipInfo(item.filename)
                info.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(info, "w", force_zip64=True) as fh:
                    for _ in range(unpacked // len(chunk)):
                        fh.write(chunk)
            else:
                zout.writestr(item, zin.read(item.filename))
    small.unlink()
    return path


def lying_zip_bomb_xlsx(path: Path, unpacked: int = 200 << 20) -> Path:
    """A workbook whose zip directory claims its 200 MB sheet unpacks to 1,000 bytes."""
    zip_bomb_xlsx(path, unpacked)
    data = bytearray(path.read_bytes())
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        name_len = struct.unpack_from("<H", data, i + 28)[0]
        if bytes(data[i + 46:i + 46 + name_len]) == b"xl/worksheets/sheet1.xml":
            extra = struct.unpack_from("<H", data, i + 30)[0]
            # zip64: the real sizes live in the extra field; claim 1,000 bytes there and in the local header
            start = i + 46 + name_len
            block = data[start:start + extra]
            j = block.find(b"\x01\x00")
            if j >= 0:
                struct.pack_into("<Q", data, start + j + 4, 1000)
            struct.pack_into("<I", data, i + 24, 1000)
            local = struct.unpack_from("<I", data, i + 42)[0]
            lname, lextra = struct.unpack_from("<HH", data, local + 26)
            lblock = local + 30 + lname
            k = bytes(data[lblock:lblock + lextra]).find(b"\x01\x00")
            if k >= 0:
                struct.pack_into("<Q", data, lblock + k + 4, 1000)
            struct.pack_into("<I", data, local + 22, 1000)
        i = data.find(b"PK\x01\x02", i + 4)
    path.write_bytes(bytes(data))
    return path


def long_cell_csv(path: Path, chars: int = 40_000) -> Path:
    path.write_text(HEADER + "ncmb,a1," + "N" * chars + ",Attorney,NC1,pacer0001\n" + _row(2), newline="")
    return path


def wide_header_csv(path: Path, cols: int = 5000) -> Path:
    extra = ",".join(f"Extra {i}" for i in range(cols))
    path.write_text(HEADER.strip() + "," + extra + "\n" + _row(1).strip() + "," * cols + "\n", newline="")
    return path


BUILDERS = {
    "huge.csv": huge_csv,
    "many_rows.csv": many_rows_csv,
    "many_rows.xlsx": many_rows_xlsx,
    "zip_bomb.xlsx": zip_bomb_xlsx,
    "zip_bomb_lying.xlsx": lying_zip_bomb_xlsx,
    "long_cell.csv": long_cell_csv,
    "wide_header.csv": wide_header_csv,
    "very_wide.csv": lambda p: wide_header_csv(p, 100_000),
    **make_bombs.BUILDERS,
    **make_binary.BUILDERS,
}


def make_all(folder) -> dict[str, Path]:
    """Build every large file into ``folder``; file name -> path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {name: build(folder / name) for name, build in BUILDERS.items()}


if __name__ == "__main__":
    for p in make_all(sys.argv[1] if len(sys.argv) > 1 else ".").values():
        print(p, p.stat().st_size)
