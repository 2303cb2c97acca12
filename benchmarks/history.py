"""Benchmark of the run history (SQLite).

1. Overhead: what recording the history adds to a 1,000,000-row audit (synthetic data, as ``bench.py``
   makes it), set against the audit without a history (load .. report written).  Target: at most 15%.
   Measured two ways, each over several rounds (the median is kept; the machine is shared):
   - in one process: the audit runs once and its report is written once untimed (what any run pays
     the first time: imports, caches); then each round records a first month into a new store
     (everything new) and a second month into the same store (every finding compared with the
     first), each with its report, and each just after writing the report without a history.  The
     cost of a month is the time of ``recording`` and its report, less that report without a history.
     Its part before the report (reading the store, comparing) is recorded too.
   - end to end: the ``auditor audit`` command, without a history, then a first and a second month,
     as a clerk runs it (imports, store creation and the commit included).
2. Trend: a store holding 60 runs of 200,000 findings each (made once with SQL and kept under
   benchmarks/data/), then the 12-run trend that the report's Trend sheet reads.  Target: under 1 s.

    python benchmarks/history.py                   # all, 1M rows
    python benchmarks/history.py --rows 100000     # a quicker overhead run
    python benchmarks/history.py --rounds 9 --skip-cli

Results are appended to benchmarks/results/history-<date>.csv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench import AS_OF, data_dir, input_files  # noqa: E402
from results_file import save_rows  # noqa: E402

TARGET_OVERHEAD = 0.15
TARGET_TREND_S = 1.0
TREND_RUNS, TREND_FINDINGS = 60, 200_000
SCOPE = "courts:bench"


def _row(measure: str, rows: int, findings: int, seconds: float, base: float | str = "", target="", ok="") -> dict:
    return {"measure": measure, "rows": rows, "findings": findings, "seconds": round(seconds, 3),
            "base_seconds": round(base, 3) if base != "" else "", "ratio": round(seconds / base, 4) if base != "" else "",
            "target": target, "ok": ok}


def _verdict(label: str, cost: float, base: float, costs: list[float]) -> tuple[str, bool]:
    share = cost / base
    ok = share <= TARGET_OVERHEAD
    spread = ", ".join(f"{c:.2f}" for c in costs)
    return (f"  {label}: history adds {cost:.2f} s (median of {spread}) = {share:.1%} of {base:.2f} s "
            f"[target <= {TARGET_OVERHEAD:.0%}: {'ok' if ok else 'MISSED'}]"), ok


def overhead(rows: int, rounds: int, data: Path, seed: int = 0) -> list[dict]:
    from auditor import api
    from auditor.history import recording

    folder = data_dir(data, rows, "csv", seed)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        files = input_files(folder)
        result = api.audit(court_accounts=files["court_accounts"], roster=files["roster"],
                           pacer_accounts=files["pacer_accounts"], as_of=AS_OF)
        t_audit = time.perf_counter() - t
        findings = result.findings
        api.write(result, tmp / "first.xlsx")   # untimed: what the first report of any run pays once
        plain, cost, before = [], {1: [], 2: []}, {1: [], 2: []}
        for r in range(rounds):
            store = tmp / f"history-{r}.sqlite"
            for month in (1, 2):   # each month against the report without a history written just before it
                t = time.perf_counter()
                api.write(result, tmp / "plain.xlsx")
                plain.append(time.perf_counter() - t)
                t = time.perf_counter()
                with recording(result, store) as view:
                    before[month].append(time.perf_counter() - t)
                    api.write(view.applied(result), tmp / f"month{month}.xlsx", on_commit=view.commit)
                cost[month].append(time.perf_counter() - t - plain[-1])
            print(f"  round {r + 1}: report {plain[-2]:.2f} s, then month 1 adds {cost[1][-1]:.2f} s; "
                  f"report {plain[-1]:.2f} s, then month 2 adds {cost[2][-1]:.2f} s")
        base = t_audit + statistics.median(plain)
        print(f"  audit {t_audit:.2f} s + report {statistics.median(plain):.2f} s = {base:.2f} s, "
              f"{len(findings):,} findings")
        for month in (1, 2):
            c = statistics.median(cost[month])
            line, ok = _verdict(f"month {month}", c, base, cost[month])
            print(line + f" (of which {statistics.median(before[month]):.2f} s before the report)")
            out.append(_row(f"overhead month {month}", rows, len(findings), c, base, TARGET_OVERHEAD, ok))
            out.append(_row(f"overhead month {month}: before the report", rows, len(findings),
                            statistics.median(before[month]), base))
    return out


def cli_overhead(rows: int, rounds: int, data: Path, seed: int = 0) -> list[dict]:
    """The ``auditor audit`` command end to end: no history, a first month, a second month."""
    folder = data_dir(data, rows, "csv", seed)
    files = input_files(folder)
    exe = Path(sys.executable).with_name("auditor")
    cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "auditor"]), "audit",
           "--court-accounts", *map(str, files["court_accounts"]), "--roster", *map(str, files["roster"]),
           "--pacer-accounts", *map(str, files["pacer_accounts"]), "--as-of", AS_OF.isoformat(), "-q"]
    times = {"none": [], 1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def run(key, *extra) -> None:
            t = time.perf_counter()
            subprocess.run([*cmd, *extra], check=True, stdout=subprocess.DEVNULL, env={**os.environ})
            times[key].append(time.perf_counter() - t)

        for r in range(rounds):
            run("none", "--out", str(tmp / f"plain-{r}.xlsx"), "--no-history")
            store = str(tmp / f"history-{r}.sqlite")
            run(1, "--out", str(tmp / f"month1-{r}.xlsx"), "--history", store)
            run(2, "--out", str(tmp / f"month2-{r}.xlsx"), "--history", store)
            print(f"  round {r + 1}: no history {times['none'][-1]:.2f} s, month 1 {times[1][-1]:.2f} s, "
                  f"month 2 {times[2][-1]:.2f} s")
    base = statistics.median(times["none"])
    out = []
    for month in (1, 2):
        costs = [t - b for t, b in zip(times[month], times["none"])]
        c = statistics.median(times[month]) - base
        line, ok = _verdict(f"auditor audit, month {month}", c, base, costs)
        print(line)
        out.append(_row(f"command overhead month {month}", rows, "", c, base, TARGET_OVERHEAD, ok))
    return out


def _seed(path: Path) -> None:
    """60 runs of 200,000 findings, their per-run counts, through SQL (the schema by the migrations)."""
    from auditor.history.store import open_store

    open_store(path).close()
    db = sqlite3.connect(path)
    with db:
        for run in range(1, TREND_RUNS + 1):
            day = (dt.date(2021, 12, 1) + dt.timedelta(days=31 * run)).replace(day=28)
            db.execute("INSERT INTO runs (id, scope, scope_label, as_of, recorded_at, auditor_version, rules_version,"
                       " findings, open_findings, new, resolved, reopened, persisting, active_filers, ready_filers,"
                       " backfill) VALUES (?, ?, 'bench', ?, ?, 'bench', 'bench', ?, ?, 0, 0, 0, ?, 900000, ?, 0)",
                       (run, SCOPE, day.isoformat(), f"{day} 12:00:00", TREND_FINDINGS, TREND_FINDINGS,
                        TREND_FINDINGS, 800000 + run * 1000))
            db.execute(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
                "INSERT INTO run_findings (run_id, finding_id, rule_id, severity, firm_key, change, status, due_date) "
                "SELECT ?, printf('F-%016X', i + ? * 7919), 'rule-' || (i % 15), "
                "CASE i % 4 WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' ELSE 'info' END, "
                "'firm ' || (i % 3000), 'persisting', CASE WHEN i % 10 = 0 THEN 'Resolved' ELSE 'Open' END, NULL "
                "FROM n", (TREND_FINDINGS, run, run))
            db.execute("INSERT INTO run_counts (run_id, rule_id, severity, firm_key, findings, open_findings) "
                       "SELECT run_id, rule_id, severity, firm_key, COUNT(*), "
                       "SUM(CASE WHEN status IN ('Resolved', 'Accepted') THEN 0 ELSE 1 END) "
                       "FROM run_findings WHERE run_id = ? GROUP BY run_id, rule_id, severity, firm_key", (run,))
    db.close()


def trend_speed(data: Path) -> list[dict]:
    from auditor.history import open_store, trend

    path = data / f"history-{TREND_RUNS}x{TREND_FINDINGS}.sqlite"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        _seed(partial)
        partial.rename(path)
        print(f"  made a store of {TREND_RUNS} runs x {TREND_FINDINGS:,} findings in {time.perf_counter() - t:.0f} s")
    out = []
    os.sync()   # what the overhead runs wrote is on disk first, so that its write-back is not timed here
    for attempt in (1, 2):  # a cold and a warm read
        t = time.perf_counter()
        store = open_store(path)
        runs, counts = trend(store, SCOPE)
        store.close()
        took = time.perf_counter() - t
        ok = took < TARGET_TREND_S and len(runs) == 12
        print(f"  12-run trend ({'cold' if attempt == 1 else 'warm'}): {took:.3f} s, {len(runs)} runs, "
              f"{int(counts['open_findings'].sum()):,} open findings counted [target < {TARGET_TREND_S} s: "
              f"{'ok' if ok else 'MISSED'}]")
        out.append({"measure": f"trend {('cold', 'warm')[attempt - 1]}", "rows": TREND_RUNS * TREND_FINDINGS,
                    "findings": TREND_FINDINGS, "seconds": round(took, 3), "base_seconds": "", "ratio": "",
                    "target": TARGET_TREND_S, "ok": ok})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="court account rows of the audit (default 1M)")
    ap.add_argument("--data", type=Path, default=HERE / "data", help="where the generated inputs are kept")
    ap.add_argument("--results", type=Path, default=HERE / "results", help="folder of the results CSV")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the in-process measure (default 5)")
    ap.add_argument("--cli-rounds", type=int, default=3, help="rounds of the command measure (default 3)")
    ap.add_argument("--skip-trend", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    ap.add_argument("--skip-cli", action="store_true", help="leave out the end-to-end command measure")
    args = ap.parse_args(argv)
    records = []
    if not args.skip_overhead:
        print(f"history overhead on a {args.rows:,}-row audit (SQLite):")
        records += overhead(args.rows, args.rounds, args.data)
    if not args.skip_overhead and not args.skip_cli:
        print(f"history overhead of the auditor audit command, {args.rows:,} rows (SQLite):")
        records += cli_overhead(args.rows, args.cli_rounds, args.data)
    if not args.skip_trend:
        print("trend over a large store (SQLite):")
        records += trend_speed(args.data)
    if records:
        when = dt.datetime.now().isoformat(timespec="seconds")
        results = save_rows([{"when": when, **r} for r in records], args.results, "history", append=True)
        print(f"results appended to {results}")
    return 0 if all(r["ok"] for r in records if r["target"] != "") else 1


if __name__ == "__main__":
    sys.exit(main())
