"""Benchmark of ``--split-by-firm``: one workbook per firm, at the size of a national run's firms.

Generates synthetic inputs (``auditor.sample.files.generate``, kept in
benchmarks/data/ and reused) whose firms number about 2,500, runs the audit,
then times writing the report, every firm's workbook and the index the way
``auditor audit --split-by-firm`` does (``auditor.api.write``).  Prints the
wall time, the CPU time of this process and its worker processes, workbooks
per second and whether the target is met: 2,500 firm workbooks in 30 s.

As an audit run from the command line does, the run is recorded in a run history (a temporary SQLite
file) holding the earlier months of the same audit, so every firm's workbook has its Changes sheet and
its own Trend sheet over those months (``--history-runs``; 0 writes without a history).

The wall time depends on what else the machine runs: the load average is
printed, and the CPU seconds divided by the cores used show what an
otherwise idle machine takes.

    python benchmarks/bench_split.py                   # the make bench run
    python benchmarks/bench_split.py --rows 200000     # a bigger court export
    python benchmarks/bench_split.py --history-runs 0  # no history: no Changes or Trend sheets
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench import AS_OF, data_dir, input_files  # noqa: E402

TARGET_BOOKS = 2_500
TARGET_SECONDS = 30.0
DEFAULT_ROWS = 52_000    # court account rows whose firms number about 2,500


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextlib.contextmanager
def _history(result, store: Path, runs: int):
    """The run recorded in ``store`` after ``runs - 1`` earlier months of the same audit (the recording
    is committed when the block ends, as the command line does after writing)."""
    from dataclasses import replace

    from auditor.history import recording
    from auditor.sample.months import month_ends

    dates = month_ends(result.as_of, runs)
    started = time.perf_counter()
    for when in dates[:-1]:
        with recording(replace(result, as_of=when), store):
            pass
    with recording(result, store) as view:
        print(f"  history: {runs} runs recorded in {time.perf_counter() - started:.1f} s "
              f"(not part of the time below)", flush=True)
        yield view


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="court account rows to generate")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--history-runs", type=int, default=12,
                    help="runs in the history, this one included (the Trend sheet's months)")
    ap.add_argument("--data", default=str(HERE / "data"), help="where generated inputs are kept")
    ap.add_argument("--results", default=str(HERE / "results"), help="where the CSV of results goes")
    args = ap.parse_args(argv)

    from auditor import api

    folder = data_dir(Path(args.data), args.rows, "csv", args.seed)
    files = input_files(folder)
    print(f"split by firm: {args.rows:,} court account rows", flush=True)
    result = api.audit(**files, as_of=AS_OF)
    out = Path(tempfile.mkdtemp(prefix="bench-split-"))
    try:
        done = []

        def progress(msg: str) -> None:
            done.append(msg)
            print(f"\r  {msg}", end="", file=sys.stderr, flush=True)

        with contextlib.ExitStack() as stack:
            shown = result
            if args.history_runs > 0:
                shown = stack.enter_context(_history(result, out / "history.sqlite", args.history_runs)).applied(result)
            cpu, start = _cpu(), time.perf_counter()
            written = api.write(shown, out / "national.xlsx", split_by_firm=True, progress=progress)
            wall, cpu = time.perf_counter() - start, _cpu() - cpu
            print(file=sys.stderr)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    books = len(written) - 2
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    per_2500 = wall * TARGET_BOOKS / books
    idle = cpu / cores * TARGET_BOOKS / books
    print(f"  {books:,} firm workbooks + report + index in {wall:.1f} s wall ({books / wall:,.0f} per second), "
          f"{cpu:.1f} s CPU on {cores} cores; load average {load:.1f}")
    print(f"  for {TARGET_BOOKS:,} workbooks: {per_2500:.1f} s wall here, about {idle:.1f} s on an idle machine")
    met = per_2500 <= TARGET_SECONDS
    print(f"  [{'ok' if met else 'MISSED'}] {TARGET_BOOKS:,} firm workbooks in {TARGET_SECONDS:.0f} s or less"
          + ("" if met or load <= cores else f" (the machine was busy: load {load:.1f} on {cores} cores; "
             f"idle estimate {'meets' if idle <= TARGET_SECONDS else 'misses'} it)"))
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    line = results / f"split-{dt.date.today():%Y-%m-%d}.csv"
    new = not line.exists()
    with line.open("a", encoding="utf-8") as fh:
        if new:
            fh.write("rows,firm_workbooks,wall_s,cpu_s,cores,load,seconds_per_2500,target_met\n")
        fh.write(f"{args.rows},{books},{wall:.2f},{cpu:.2f},{cores},{load:.2f},{per_2500:.2f},{met}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
