"""What the range check of .xlsb and .xls costs on honest large workbooks.

Before the workbook reader builds its grid, the loader walks the file's records to find the
used range (auditor/load/extent_binary.py).  This builds a 100,000-row .xlsb laid out as Excel
writes it (shared strings, numbers), the same with the text written in each cell, and a
25,000-row .xls, then times in this process, in CPU seconds (so that other work on the machine
does not skew the shares), best of ``--repeat``: the check alone, the reader's grid (check
included) and the whole load (``load_input``).  Results go to
``benchmarks/results/bench-binary-<date>.csv``.

    python benchmarks/bench_binary.py [--data DIR] [--results DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import make_binary  # noqa: E402

from auditor.api import load_input  # noqa: E402
from auditor.load.extent_binary import xls_sheets, xlsb_extent  # noqa: E402
from auditor.load.table import Limits  # noqa: E402
from auditor.load.workbook import read_workbook_grid  # noqa: E402
from results_file import save_rows  # noqa: E402

HEAD = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "PACER Login"]


def _cells(rows: int):
    table = [HEAD] + [["ncmb", f"user{i}", f"Filer, Number {i}", "Attorney", 100_000 + i, f"pacer{i:07d}"]
                      for i in range(rows)]
    return make_binary.table_cells(table)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / "benchmarks" / "data" / "binary"))
    ap.add_argument("--results", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    d = Path(args.data)
    d.mkdir(parents=True, exist_ok=True)
    files = {
        "xlsb, 100,000 rows, shared strings": (make_binary.xlsb(d / "shared.xlsb", _cells(100_000), shared=True),
                                               "xlsb"),
        "xlsb, 100,000 rows, text in the cells": (make_binary.xlsb(d / "inline.xlsb", _cells(100_000)), "xlsb"),
        "xls, 25,000 rows": (make_binary.xls(d / "rows.xls", _cells(25_000)), "xls"),
    }
    rows = []
    for case, (path, family) in files.items():
        check = ((lambda p=path: xlsb_extent(str(p), "Accounts")) if family == "xlsb"
                 else (lambda p=path: xls_sheets(str(p))))
        grid = lambda p=path, f=family: read_workbook_grid(str(p), p.name, None, Limits(), f)  # noqa: E731
        load = lambda p=path: load_input(p, "court_accounts")  # noqa: E731
        t_check, t_grid, t_load = (_best(fn, args.repeat) for fn in (check, grid, load))
        row = {"case": case, "mb": round(path.stat().st_size / 2**20, 1), "check_s": round(t_check, 3),
               "grid_s": round(t_grid, 3), "load_s": round(t_load, 3),
               "check_share_of_grid": round(t_check / t_grid, 2), "check_share_of_load": round(t_check / t_load, 2)}
        rows.append(row)
        print(f"{case:40s} check {t_check:6.3f} s  grid {t_grid:6.3f} s  load {t_load:6.3f} s  "
              f"(check {t_check / t_grid:4.0%} of the grid, {t_check / t_load:4.0%} of the load)", flush=True)
    path = save_rows(rows, Path(args.results), "bench-binary")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
