"""Benchmark of the whole audit at national scale.

For each size (court account rows; rosters and PACER accounts in proportion,
as the sample generator makes them) this generates synthetic inputs with
``auditor.sample.files.generate`` (kept in benchmarks/data/ and reused), then runs
the audit in a fresh process so that peak memory is that size's own:

  load      read every file (CSV via pyarrow, XLSX via calamine), type and check
            the cells, set bad rows aside: two files at a time, as the product does
  derive    the cross-record fields
  evaluate  the rules, building the findings
  write     the Excel report

and prints wall and CPU time per stage, rows per second, peak memory
(resource.getrusage), time per row relative to the smallest size, and the
I/O floor on the same data: reading the input files and writing the same
number of finding rows to an XLSX with the fastest writer available
(rustpy-xlsxwriter) and no other work.  It also times rule evaluation alone
(record-rule checks per second).  Results are appended to
benchmarks/results/bench-<date>.csv.

    python benchmarks/bench.py                      # 10k, 100k, 1M CSV and 100k XLSX
    python benchmarks/bench.py --sizes 2000         # the CI smoke run
    python benchmarks/bench.py --sizes 100000 --fmt xlsx --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

DEFAULT_RUNS = [(10_000, "csv"), (100_000, "csv"), (1_000_000, "csv"), (100_000, "xlsx")]
# "load" reads and validates every input, two files at a time, as auditor.api.load_inputs does.
STAGES = ("load", "derive", "evaluate", "write")
AS_OF = dt.date(2026, 11, 30)
# Targets from the product's performance issue (seconds, bytes); None: no target at that size.
TARGETS = {(1_000_000, "csv"): (10.0, 2 << 30), (100_000, "xlsx"): (5.0, None)}
TARGET_PER_ROW_RATIO = 1.5
TARGET_FLOOR_RATIO = 2.0
TARGET_CHECKS_PER_S = 5_000_000


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def data_dir(base: Path, rows: int, fmt: str, seed: int) -> Path:
    """Generate the inputs once per (size, format, seed); reuse them afterwards."""
    from auditor.sample.files import generate

    out = base / f"{fmt}-{rows}-seed{seed}"
    if not (out / "manifest.json").exists():
        t = time.perf_counter()
        generate(rows, out, seed=seed, fmt=fmt, as_of=AS_OF)
        print(f"  generated {rows:,} rows ({fmt}) in {time.perf_counter() - t:.1f} s -> {out}", flush=True)
    return out


def input_files(folder: Path) -> dict[str, list[Path]]:
    from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER

    files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx"))
    return {COURT_ACCOUNTS: [p for p in files if p.name.startswith("court_accounts")],
            ROSTER: [p for p in files if p.name.startswith("roster_")],
            PACER_ACCOUNTS: [p for p in files if p.name.startswith("pacer_accounts")]}


def run_audit(folder: Path, out_dir: Path) -> dict:
    """One full audit, stage by stage (the same calls as ``auditor.api.audit`` and ``write``)."""
    from auditor import api
    from auditor.api.memory import lean_pool
    from auditor.court_calendar import Calendar
    from auditor.rulebook.catalogue import load_rules

    lean_pool()   # as api.audit does before it reads
    rules = load_rules()
    calendar = Calendar.load()
    files = input_files(folder)
    wall = dict.fromkeys(STAGES, 0.0)
    cpu = dict.fromkeys(STAGES, 0.0)

    def add(stage, start):
        w, c = _clock()
        wall[stage] += w - start[0]
        cpu[stage] += c - start[1]
        return w, c

    t = _clock()
    tables = api.load_inputs(files, calendar=calendar)
    add("load", t)
    rows_in = sum(table.rows_read for table in tables)

    marks: list[tuple[str, float, float]] = []

    def progress(msg: str) -> None:
        marks.append((msg, *_clock()))

    result = api.audit_tables(tables, as_of=AS_OF, rules=rules, calendar=calendar, progress=progress)
    t1 = _clock()
    (_, dw, dc), (_, ew, ec) = marks[0], marks[-1]   # "deriving fields", "evaluating N rules"
    wall["derive"], cpu["derive"] = ew - dw, ec - dc
    wall["evaluate"], cpu["evaluate"] = t1[0] - ew, t1[1] - ec
    t = _clock()
    report = out_dir / "audit.xlsx"
    api.write(result, report)
    add("write", t)
    court_rows = sum(t.rows_read for t in tables if t.kind == "court_accounts")
    return {"wall": wall, "cpu": cpu, "rows_in": rows_in, "court_rows": court_rows,
            "findings": len(result.findings), "data_issues": len(result.data_issues),
            "report_bytes": report.stat().st_size, "result": result, "tables": tables, "rules": rules,
            "calendar": calendar}


def rule_checks(tables, rules, calendar) -> tuple[int, float]:
    """Record-rule checks and the seconds rule evaluation alone takes (derived records given)."""
    import pandas as pd


    from auditor.engines.pandas_engine import evaluate_condition
    from auditor.derive.registry import derive

    records = {}
    for kind in {t.kind for t in tables}:
        frames = [t.records for t in tables if t.kind == kind and len(t.records.columns)]
        records[kind] = pd.concat(frames, ignore_index=True)
    derived = derive(records, AS_OF, calendar)
    checks, seconds = 0, 0.0
    for rule in rules:
        if not rule.enabled:
            continue
        for kind in rule.applies_to:
            if kind not in derived:
                continue
            frame = derived[kind]
            t = time.perf_counter()
            evaluate_condition(rule.conditions[kind], frame)
            seconds += time.perf_counter() - t
            checks += len(frame)
    return checks, seconds


def io_floor(folder: Path, findings, out_dir: Path) -> dict:
    """Read the inputs and write as many finding rows to an XLSX, with the fastest tools and no other work."""
    import pyarrow.csv as pacsv
    import rustpy_xlsxwriter as rx
    from python_calamine import CalamineWorkbook

    t = _clock()
    for paths in input_files(folder).values():
        for p in paths:
            if p.suffix == ".csv":
                _ = pacsv.read_csv(p, read_options=pacsv.ReadOptions(autogenerate_column_names=False),
                               convert_options=pacsv.ConvertOptions(
                                   column_types={}, strings_can_be_null=False,
                                   auto_dict_encode=False)).num_rows
            else:
                wb = CalamineWorkbook.from_path(str(p))
                wb.get_sheet_by_index(0).to_python()
    read_w, read_c = _clock()
    frame = findings.copy()
    for c in frame.columns:  # the writer takes plain values
        if str(frame[c].dtype).startswith("string"):
            frame[c] = frame[c].astype(object)
    rx.write_worksheet(frame, str(out_dir / "floor.xlsx"), sheet_name="Findings", freeze_row=1,
                       datetime_format="yyyy-mm-dd")
    end = _clock()
    return {"read_s": read_w - t[0], "write_s": end[0] - read_w, "wall": end[0] - t[0], "cpu": end[1] - t[1]}


def one(rows: int, fmt: str, seed: int, base: Path, checks: bool) -> dict:
    """Measure one size in this (fresh) process; print a JSON line."""
    folder = data_dir(base, rows, fmt, seed)
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        out = Path(tmp)
        start_peak = _peak_bytes()
        r = run_audit(folder, out)
        peak = _peak_bytes()
        floor = io_floor(folder, r["result"].findings, out)
    rec = {"rows": rows, "fmt": fmt, "court_rows": r["court_rows"], "rows_in": r["rows_in"],
           "findings": r["findings"], "data_issues": r["data_issues"], "report_bytes": r["report_bytes"],
           "peak_bytes": peak, "baseline_bytes": start_peak,
           **{f"{s}_s": round(r["wall"][s], 4) for s in STAGES},
           **{f"{s}_cpu_s": round(r["cpu"][s], 4) for s in STAGES},
           "total_s": round(sum(r["wall"].values()), 4), "total_cpu_s": round(sum(r["cpu"].values()), 4),
           "floor_s": round(floor["wall"], 4), "floor_read_s": round(floor["read_s"], 4),
           "floor_write_s": round(floor["write_s"], 4)}
    if checks:
        n, secs = rule_checks(r["tables"], r["rules"], r["calendar"])
        rec["rule_checks"] = n
        rec["rule_eval_s"] = round(secs, 4)
    return rec


def measure(rows: int, fmt: str, seed: int, base: Path, checks: bool) -> dict:
    """Run ``one`` in a child process (peak memory then belongs to this size alone)."""
    cmd = [sys.executable, __file__, "--one", f"{rows}:{fmt}", "--seed", str(seed), "--data", str(base)]
    if not checks:
        cmd.append("--no-checks")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        raise SystemExit(f"benchmark of {rows:,} {fmt} rows failed (exit {proc.returncode})")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            print(line)
    return json.loads(lines[-1])


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def report(records: list[dict]) -> list[str]:
    """Print a table per size and the targets; return the lines of the verdict."""
    base = min((r for r in records if r["fmt"] == "csv"), key=lambda r: r["rows"], default=records[0])
    base_per_row = base["total_s"] / base["court_rows"]
    verdict = []
    for r in records:
        per_row = r["total_s"] / r["court_rows"]
        r["per_row_us"] = round(per_row * 1e6, 3)
        r["per_row_vs_smallest"] = round(per_row / base_per_row, 3)
        r["floor_ratio"] = round(r["total_s"] / r["floor_s"], 3) if r["floor_s"] else None
        r["rows_per_s"] = round(r["court_rows"] / r["total_s"])
        print(f"\n== {r['rows']:,} court account rows ({r['fmt'].upper()}); {r['rows_in']:,} input rows in all; "
              f"{r['findings']:,} findings, {r['data_issues']:,} data issues ==")
        print(f"  {'stage':<10}{'wall s':>9}{'cpu s':>9}")
        for s in STAGES:
            print(f"  {s:<10}{r[s + '_s']:>9.2f}{r[s + '_cpu_s']:>9.2f}")
        print(f"  {'total':<10}{r['total_s']:>9.2f}{r['total_cpu_s']:>9.2f}")
        print(f"  court rows per second: {r['rows_per_s']:,}   input rows per second: "
              f"{round(r['rows_in'] / r['total_s']):,}")
        print(f"  peak memory: {_mb(r['peak_bytes'])}   report: {_mb(r['report_bytes'])}")
        print(f"  time per row: {r['per_row_us']:.2f} us = {r['per_row_vs_smallest']:.2f} x the "
              f"{base['rows']:,}-row run")
        print(f"  I/O floor: {r['floor_s']:.2f} s (read {r['floor_read_s']:.2f} s, write "
              f"{r['floor_write_s']:.2f} s); audit / floor = {r['floor_ratio']:.2f}")
        if r.get("rule_eval_s"):
            r["checks_per_s"] = round(r["rule_checks"] / r["rule_eval_s"])
            print(f"  rule evaluation alone: {r['rule_checks']:,} record-rule checks in {r['rule_eval_s']:.2f} s "
                  f"= {r['checks_per_s'] / 1e6:.1f} million per second")
        target = TARGETS.get((r["rows"], r["fmt"]))
        if target:
            secs, mem = target
            verdict.append(_check(f"{r['rows']:,} {r['fmt'].upper()} rows in <= {secs:.0f} s", r["total_s"] <= secs,
                                  f"{r['total_s']:.2f} s"))
            if mem:
                verdict.append(_check(f"{r['rows']:,} rows peak memory < {_mb(mem)}", r["peak_bytes"] < mem,
                                      _mb(r["peak_bytes"])))
        if r is not base and r["fmt"] == "csv" and r["rows"] >= 1_000_000:
            verdict.append(_check(f"time per row at {r['rows']:,} within {TARGET_PER_ROW_RATIO}x of "
                                  f"{base['rows']:,}", r["per_row_vs_smallest"] <= TARGET_PER_ROW_RATIO,
                                  f"{r['per_row_vs_smallest']:.2f}x"))
        if r["rows"] >= 100_000:
            verdict.append(_check(f"{r['rows']:,} {r['fmt'].upper()}: audit within {TARGET_FLOOR_RATIO}x of "
                                  "its I/O floor", r["floor_ratio"] <= TARGET_FLOOR_RATIO, f"{r['floor_ratio']:.2f}x"))
        if r.get("checks_per_s") and r["rows"] >= 100_000:
            verdict.append(_check(f"{r['rows']:,}: rule evaluation >= 5 million checks/s",
                                  r["checks_per_s"] >= TARGET_CHECKS_PER_S, f"{r['checks_per_s'] / 1e6:.1f} M/s"))
    if verdict:
        print("\n== targets ==")
        for line in verdict:
            print("  " + line)
    return verdict


def _check(label: str, ok: bool, figure: str) -> str:
    return f"{'met   ' if ok else 'MISSED'} {label}: {figure}"


def write_csv(records: list[dict], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-{dt.date.today():%Y-%m-%d}.csv"
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    fields = ["run_at", "cpus", "load_avg", *records[0].keys()]
    for r in records:
        fields += [k for k in r if k not in fields]
    n = 2
    while path.exists() and path.read_text().split("\n", 1)[0] != ",".join(fields):
        path = out_dir / f"bench-{dt.date.today():%Y-%m-%d}-{n}.csv"  # the columns changed: a new file
        n += 1
    new = not path.exists()
    with path.open("a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        if new:
            w.writeheader()
        for r in records:
            w.writerow({"run_at": stamp, "cpus": os.cpu_count(), "load_avg": round(os.getloadavg()[0], 2), **r})
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", help="comma-separated court account rows (default 10000,100000,1000000 CSV "
                                    "and 100000 XLSX)")
    ap.add_argument("--fmt", choices=("csv", "xlsx"), default="csv", help="input format with --sizes")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest total is kept")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", default=str(HERE / "data"), help="where generated inputs are kept")
    ap.add_argument("--results", default=str(HERE / "results"), help="where the CSV of results goes")
    ap.add_argument("--no-checks", action="store_true", help="skip timing rule evaluation alone")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    base = Path(args.data)
    if args.one:
        rows, fmt = args.one.split(":")
        print(json.dumps(one(int(rows), fmt, args.seed, base, not args.no_checks)), flush=True)
        return 0
    runs = ([(int(s.replace("_", "")), args.fmt) for s in args.sizes.split(",")] if args.sizes else DEFAULT_RUNS)
    print(f"auditor benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
          "(timings on a shared machine are noisy: CPU time is shown beside wall time)", flush=True)
    records = []
    for rows, fmt in runs:
        print(f"-- {rows:,} rows, {fmt.upper()}", flush=True)
        best = None
        for _ in range(max(1, args.repeat)):
            rec = measure(rows, fmt, args.seed, base, not args.no_checks)
            if best is None or rec["total_s"] < best["total_s"]:
                best = rec
        records.append(best)
    report(records)
    path = write_csv(records, Path(args.results))
    print(f"\nresults appended to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
