"""Every speed target of the product measured in one run (``make bench``), as a clerk meets them.

Each measure runs the real program in a child process, times it from command to exit, and takes
the child's CPU time (user + system, its own worker processes included) and peak memory from the
operating system (``os.wait4``).  The machine is shared: the load average is read before and after
every measure, and CPU time is shown beside wall time (on two otherwise idle cores a single-threaded
step's wall time is about its CPU time; a step on both cores takes about half).

  audit 1M     ``auditor audit`` over 1,000,000 court rows (the sample generator's, with rosters and the
               PACER list: 1.9 million rows) with the default history (a new store beside the report),
               against the I/O floor measured in the same run: pyarrow reading the same CSV files and
               rustpy-xlsxwriter writing the report's Findings cells, nothing else (bench.py's floor).
               Targets: 10 s or less, at most 3x the floor, peak memory under 1.5 GB.
  export 30k   ``auditor audit`` over a large court's export (30,000 rows) and its PACER list (18,000
               rows), default history: 2 s or less (median of 3).
  error        ``auditor audit`` naming an input file that is not there: 0.5 s or less (median of 5).
  history      ``auditor history`` listing the runs of a store: 0.5 s or less (median of 5).
  split        ``bench_split.py --rows 200000``: every firm named in any input gets its workbook (about
               7,700), with a 12-month history; at least 300 workbooks a second.
  upload       ``bench_upload.py``: a 50,000-row roster from upload to its result page: 2 s or less.

Results: one row per measure in ``benchmarks/results/targets-<date>.csv`` (appended), and the table
between the markers in ``docs/performance.md`` (replaced).  ``--only`` runs some of them.

    python benchmarks/targets.py                       # what make bench runs (a few minutes)
    python benchmarks/targets.py --only error,history  # seconds
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench import AS_OF, data_dir, input_files  # noqa: E402
from results_file import save_rows  # noqa: E402

EXE = Path(sys.executable).with_name("auditor")
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- make bench: targets -->", "<!-- make bench: end -->"
MEASURES = ("error", "history", "export", "audit", "split", "upload")
GB = 1 << 30
FIELDS = ["run_at", "machine", "measure", "target", "value", "unit", "limit", "met", "wall_s", "cpu_s", "runs",
          "load_before", "load_after", "peak_mb", "findings", "floor_s", "floor_cpu_s", "floor_read_s",
          "floor_write_s", "workbooks", "cpu_per_book_ms"]


def _env() -> dict:
    # as a user's install runs: modules compiled once and kept (a development shell may say not to
    # write bytecode, which makes every start compile the auditor's own modules again: 0.3 s)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def timed(cmd: list, cwd: Path | None = None) -> dict:
    """Run ``cmd``; its wall time, CPU time (its children's included) and peak memory, and its output."""
    load = _load()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, stdout=out, stderr=err, env=_env())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, error = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_bytes": usage.ru_maxrss * 1024,
            "code": proc.returncode, "stdout": text, "stderr": error, "load_before": load, "load_after": _load()}


def _inputs(folder: Path, kinds=("court_accounts", "roster", "pacer_accounts")) -> list[str]:
    args = []
    for kind, paths in input_files(folder).items():
        if kind in kinds:
            for p in paths:
                args += [f"--{kind.replace('_', '-')}", str(p)]
    return args


def _row(measure: str, target: str, value: float, unit: str, limit: float, met: bool, runs: list[dict],
         **extra) -> dict:
    wall = [r["wall_s"] for r in runs]
    cpu = [r["cpu_s"] for r in runs]
    return {"measure": measure, "target": target, "value": round(value, 3), "unit": unit, "limit": limit,
            "met": met, "wall_s": round(statistics.median(wall), 3), "cpu_s": round(statistics.median(cpu), 3),
            "runs": len(runs), "load_before": min(r["load_before"] for r in runs),
            "load_after": max(r["load_after"] for r in runs), **extra}


def _check(done: dict, what: str) -> dict:
    if done["code"] not in (0, 1):
        raise SystemExit(f"{what} failed (exit {done['code']}): {done['stderr'][-2000:]}")
    return done


def measure_error(work: Path, data: Path) -> list[dict]:
    timed([EXE, "--help"])   # modules compiled and cached once, as on a user's machine
    runs = [timed([EXE, "audit", "--roster", "gone.csv", "--as-of", "2026-11-30", "--out", "r.xlsx"], cwd=work)
            for _ in range(5)]
    if any(r["code"] != 2 or "gone.csv: file not found" not in r["stderr"] for r in runs):
        raise SystemExit(f"the missing-file run did not say so: {runs[0]['stderr']}")
    wall = statistics.median(r["wall_s"] for r in runs)
    return [_row("error", "a missing input file said in 0.5 s or less", wall, "s", 0.5, wall <= 0.5, runs)]


def _export(work: Path, data: Path) -> tuple[list[dict], Path]:
    folder = data_dir(data, 30_000, "csv", 7)
    args = _inputs(folder, ("court_accounts", "pacer_accounts"))
    out = work / "export"
    runs = []
    for i in range(4):   # the first run compiles what the others find cached; it is not counted
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        done = _check(timed([EXE, "audit", *args, "--as-of", AS_OF.isoformat(), "--out", out / "report.xlsx"]),
                      "the 30,000-row audit")
        if i:
            runs.append(done)
    return runs, out / "auditor-history.sqlite"


def measure_export(work: Path, data: Path) -> list[dict]:
    runs, _ = _export(work, data)
    wall = statistics.median(r["wall_s"] for r in runs)
    return [_row("export", "30,000-row court export and its PACER list (18,000 rows) to a report in 2 s or "
                 "less", wall, "s", 2.0, wall <= 2.0, runs, peak_mb=round(max(r["peak_bytes"] for r in runs) / 2**20))]


def measure_history(work: Path, data: Path) -> list[dict]:
    store = work / "export" / "auditor-history.sqlite"
    if not store.exists():
        _, store = _export(work, data)
    timed([EXE, "history", "--history", store])
    runs = [timed([EXE, "history", "--history", store]) for _ in range(5)]
    if any(r["code"] != 0 for r in runs):
        raise SystemExit(f"auditor history failed: {runs[0]['stderr']}")
    wall = statistics.median(r["wall_s"] for r in runs)
    return [_row("history", "auditor history in 0.5 s or less", wall, "s", 0.5, wall <= 0.5, runs)]


def _floor(folder: Path, report: Path, work: Path) -> dict:
    """bench.py's I/O floor on the same files, writing the cells of the report's Findings sheet."""
    code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); sys.path.insert(0, {str(ROOT)!r})\n"
            "import pandas as pd\nfrom pathlib import Path\nfrom bench import io_floor\n"
            f"findings = pd.read_excel({str(report)!r}, sheet_name='Findings', engine='calamine')\n"
            f"print(json.dumps(io_floor(Path({str(folder)!r}), findings, Path({str(work)!r}))))\n")
    done = timed([sys.executable, "-c", code])
    if done["code"]:
        raise SystemExit(f"the I/O floor failed: {done['stderr'][-2000:]}")
    return json.loads(done["stdout"].strip().splitlines()[-1])


def measure_audit(work: Path, data: Path) -> list[dict]:
    folder = data_dir(data, 1_000_000, "csv", 7)
    out = work / "million"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    done = _check(timed([EXE, "audit", *_inputs(folder), "--as-of", AS_OF.isoformat(), "--out", out / "report.xlsx"]),
                  "the 1,000,000-row audit")
    floor = _floor(folder, out / "report.xlsx", work)
    findings = re.search(r"^(\d+) findings", done["stdout"], re.M)
    extra = {"findings": int(findings.group(1)) if findings else "", "floor_s": round(floor["wall"], 3),
             "floor_cpu_s": round(floor["cpu"], 3), "floor_read_s": round(floor["read_s"], 3),
             "floor_write_s": round(floor["write_s"], 3), "peak_mb": round(done["peak_bytes"] / 2**20)}
    shutil.rmtree(out, ignore_errors=True)
    ratio = done["wall_s"] / floor["wall"]
    peak = done["peak_bytes"]
    return [
        _row("audit", "1,000,000 court rows with the default history in 10 s or less", done["wall_s"], "s", 10.0,
             done["wall_s"] <= 10.0, [done], **extra),
        _row("audit/floor", "the same audit at most 3x the I/O floor measured in the same run", ratio, "x", 3.0,
             ratio <= 3.0, [done], **extra),
        _row("memory", "the same audit's peak memory under 1.5 GB", peak / GB, "GB", 1.5, peak < 1.5 * GB, [done],
             **extra),
    ]


def measure_split(work: Path, data: Path) -> list[dict]:
    results = work / "split-results"
    done = _check(timed([sys.executable, HERE / "bench_split.py", "--rows", "200000", "--data", data,
                         "--results", results]), "bench_split.py")
    with next(results.glob("split-*.csv")).open(newline="") as fh:
        last = list(csv.DictReader(fh))[-1]
    books, wall, cpu = int(last["firm_workbooks"]), float(last["wall_s"]), float(last["cpu_s"])
    rate = books / wall
    run = {**done, "wall_s": wall, "cpu_s": cpu}
    return [_row("split", "--split-by-firm: at least 300 firm workbooks a second", rate, "workbooks/s", 300,
                 rate >= 300, [run], workbooks=books, cpu_per_book_ms=round(cpu / books * 1000, 2))]


def measure_upload(work: Path, data: Path) -> list[dict]:
    results = work / "upload-results"
    done = _check(timed([sys.executable, HERE / "bench_upload.py", "--rows", "50000", "--repeat", "3",
                         "--data", data, "--results", results]), "bench_upload.py")
    with next(results.glob("bench-upload-*.csv")).open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    fastest = min(rows, key=lambda r: float(r["upload_audit_s"]))
    best = float(fastest["upload_audit_s"])
    run = {**done, "wall_s": best, "cpu_s": float(fastest["cpu_s"])}
    return [_row("upload", "a 50,000-row roster from upload to its result page in 2 s or less (best of 3)", best,
                 "s", 2.0, best <= 2.0, [run])]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = names[0] if names else cpu
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 2**20:.0f} GB memory"
    except (OSError, AttributeError):
        pass
    return f"{cores} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.system()}"


def _value(r: dict) -> str:
    if r["unit"] == "s":
        return f"{r['value']:.2f} s"
    if r["unit"] == "x":   # the CPU ratio beside it: less swayed by other work on the machine
        return (f"{r['value']:.2f}x (floor {r['floor_s']:.2f} s; CPU {r['cpu_s']:.1f} s against the floor's "
                f"{r['floor_cpu_s']:.1f} s: {r['cpu_s'] / r['floor_cpu_s']:.1f}x)")
    if r["unit"] == "GB":
        return f"{r['value']:.2f} GB"
    return f"{r['value']:,.0f} {r['unit']}"


def table(rows: list[dict], when: str, where: str) -> str:
    lines = [START, "", f"Last `make bench`: {when}, on {where}.  Wall time is from command to exit; CPU is user + "
             "system time of the command and its worker processes; load is the 1-minute load average before "
             "and after the measure (above 2 on these 2 cores, other work was running and wall times are "
             "longer than on a quiet machine).", "",
             "| target | measured | CPU | wall | load | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['target']} | {_value(r)} | {r['cpu_s']:.2f} s | {r['wall_s']:.2f} s | "
                     f"{r['load_before']:.1f}-{r['load_after']:.1f} | {'yes' if r['met'] else '**no**'} |")
    lines += ["", "Every run's figures: `benchmarks/results/targets-<date>.csv`.", "", END]
    return "\n".join(lines)


def write_doc(text: str, doc: Path = DOC) -> None:
    old = doc.read_text(encoding="utf-8")
    if START in old and END in old:
        new = old[:old.index(START)] + text + old[old.index(END) + len(END):]
    else:   # first time: after the title and the paragraph under it
        head, intro, rest = old.split("\n\n", 2)
        new = f"{head}\n\n{intro}\n\n## The targets, measured together (`make bench`)\n\n{text}\n\n{rest}"
    doc.write_text(new, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help=f"comma-separated, of {', '.join(MEASURES)}")
    ap.add_argument("--data", type=Path, default=HERE / "data", help="where generated inputs are kept")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    ap.add_argument("--no-doc", action="store_true", help=f"leave {DOC.relative_to(ROOT)} as it is")
    args = ap.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(MEASURES)
    unknown = set(chosen) - set(MEASURES)
    if unknown:
        ap.error(f"unknown measure(s): {', '.join(sorted(unknown))}")
    where = machine()
    when = dt.datetime.now().astimezone().isoformat(timespec="minutes")
    print(f"targets on {where}; load average {_load()}", flush=True)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="auditor-targets-") as tmp:
        work = Path(tmp)
        for name in MEASURES:
            if name in chosen:
                print(f"-- {name}", flush=True)
                for r in globals()[f"measure_{name}"](work, args.data):
                    print(f"   {'met   ' if r['met'] else 'MISSED'} {r['target']}: {_value(r)} "
                          f"(CPU {r['cpu_s']:.2f} s, wall {r['wall_s']:.2f} s, load {r['load_before']}-"
                          f"{r['load_after']})", flush=True)
                    rows.append(r)
    stamp = {"run_at": when, "machine": where}
    path = save_rows([{k: {**stamp, **r}.get(k, "") for k in FIELDS} for r in rows], args.results, "targets",
                     append=True)
    print(f"results: {path}")
    if not args.no_doc and not args.only:
        write_doc(table(rows, when, where))
        print(f"table: {DOC}")
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
