"""Benchmark behind the limits of ``--previous`` (``--max-previous-rows``, ``--max-note-chars``).

A workbook of ROWS rows on a Findings sheet (finding id, status, a note of NOTE characters), as a hostile
or careless ``--previous`` may be, read by ``auditor.history.previous.read_previous`` in a fresh process:
seconds and peak memory (resident set).  Then the Status import list those rows would make (all unknown
ids), capped as the report writes it.

    python benchmarks/previous_limits.py                       # 1,000,000 rows, 40-character notes
    python benchmarks/previous_limits.py --rows 200000 --note 4000

Results are appended to benchmarks/results/previous-limits-<date>.csv.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results_file import save_rows  # noqa: E402

_CHILD = """
import json, resource, sys, time
from auditor.history.previous import read_previous, limit_problems
t = time.perf_counter()
p = read_previous(sys.argv[1], max_rows=10**9, max_note_chars=10**9)
took = time.perf_counter() - t
t = time.perf_counter()
listed = limit_problems(p.edits.assign(problem="not found")[["sheet", "row", "finding_id", "problem"]], 10_000)
print(json.dumps({"rows": len(p.edits), "seconds": took, "listed": len(listed),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make(path: Path, rows: int, note: int) -> float:
    import openpyxl

    t = time.perf_counter()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Findings")
    ws.append(["Finding ID", "Status", "Notes", "Accepted until"])
    text = ("n" * note) if note else None
    for i in range(rows):
        ws.append([f"F-{i:016X}", "Accepted", text, None])
    wb.save(path)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--note", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "previous.xlsx"
        made = make(book, args.rows, args.note)
        size = book.stat().st_size
        done = subprocess.run([sys.executable, "-c", _CHILD, str(book)], capture_output=True, text=True, check=True)
        got = json.loads(done.stdout)
    row = {"rows": args.rows, "note_chars": args.note, "file_mb": round(size / 2**20, 1), "made_s": round(made, 1),
           "read_s": round(got["seconds"], 2), "peak_mb": round(got["peak_mb"]), "listed": got["listed"]}
    print(row)
    save_rows([row], HERE / "results", "previous-limits", append=True)


if __name__ == "__main__":
    main()
