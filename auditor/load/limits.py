"""The size limits of input files (options of the command line and the upload page)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Limits:
    """Size limits that protect the machine from huge or hostile files."""

    max_file_bytes: int = 512 << 20        # 512 MiB: a CSV takes up to about 25 times its size in memory
    max_rows: int = 5_000_000
    max_columns: int = 1_000               # no account export has more; 100,000 columns cost minutes
    max_cells: int = 32_000_000            # a workbook's used range (rows x columns), read as a dense grid:
                                           # about 80 bytes and 0.8 µs a cell, so at most ~2.5 GB and ~25 s
    max_cell_chars: int = 32_767           # Excel's own cell limit
    max_blank_cells: int = 4_000_000       # empty cells in a sheet's used range, beyond 10 for each cell that
                                           # holds something: at 80 bytes and 0.8 µs a cell, ~0.3 GB and ~3 s
    max_repeated_rows: int = 10_000        # .ods: rows made by repeating a row that holds something
                                           # (a 900-byte file repeating one row 2,000,000 times took 55 s, 5.7 GB)
    max_unzipped_bytes: int = 4 << 30      # XLSX: total uncompressed size of the zip members
    max_zip_ratio: int = 200               # XLSX: uncompressed/compressed ratio of any member
