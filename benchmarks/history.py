"""Benchmark of the run history (SQLite).

1. Overhead: a 1,000,000-row audit (synthetic data, as ``bench.py`` makes it) is run once, its report
   written without history, then recorded into a new store twice (a first month, then a second month
   over the same store, when every finding is compared with the first).  The cost of the history is
   the time spent opening the store, comparing, inserting and committing (the report writing inside
   the transaction is not counted twice), plus what the report's history sheets (Changes, Trend) add
   to its writing, set against the audit's own time (load .. write).  Target: at most 15%.  The two
   parts (database, report sheets) are also written to the results, without a target of their own.
2. Trend: a store holding 60 runs of 200,000 findings each (made once with SQL and kept under
   benchmarks/data/), then the 12-run trend that the report's Trend sheet reads.  Target: under 1 s.

    python benchmarks/history.py                   # both, 1M rows
    python benchmarks/history.py --rows 100000     # a quicker overhead run

Results are appended to benchmarks/results/history-<date>.csv.  The machine is shared: figures vary.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench import AS_OF, data_dir, input_files  # noqa: E402

TARGET_OVERHEAD = 0.15
TARGET_TREND_S = 1.0
TREND_RUNS, TREND_FINDINGS = 60, 200_000
SCOPE = "courts:bench"


def overhead(rows: int, seed: int = 0) -> list[dict]:
    from auditor import api
    from auditor.history import recording

    folder = data_dir(HERE / "data", rows, "csv", seed)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        files = input_files(folder)
        result = api.audit(court_accounts=files["court_accounts"], roster=files["roster"],
                           pacer_accounts=files["pacer_accounts"], as_of=AS_OF)
        t_audit = time.perf_counter() - t
        t = time.perf_counter()
        api.write(result, tmp / "plain.xlsx")
        t_write = time.perf_counter() - t
        base = t_audit + t_write
        print(f"  audit {t_audit:.2f} s + report {t_write:.2f} s = {base:.2f} s, {len(result.findings):,} findings")
        store = tmp / "auditor-history.sqlite"
        for month in (1, 2):
            t = time.perf_counter()
            with recording(result, store):
                t_enter = time.perf_counter() - t
                w = time.perf_counter()
                api.write(result, tmp / f"month{month}.xlsx")
                t_inner = time.perf_counter() - w
                c = time.perf_counter()
            t_commit = time.perf_counter() - c
            # what the history adds to the run: comparing, inserting, committing, and the report's
            # larger size (Changes and Trend sheets, history columns)
            cost = t_enter + t_commit + max(0.0, t_inner - t_write)
            share = cost / base
            ok = share <= TARGET_OVERHEAD
            print(f"  month {month}: history adds {cost:.2f} s (compare+insert {t_enter:.2f} s, commit {t_commit:.2f} s, "
                  f"report {t_inner:.2f} s instead of {t_write:.2f} s) = {share:.1%} of the audit "
                  f"[target <= {TARGET_OVERHEAD:.0%}: {'ok' if ok else 'MISSED'}]")
            out.append({"measure": f"overhead month {month}", "rows": rows, "findings": len(result.findings),
                        "seconds": round(cost, 3), "base_seconds": round(base, 3), "ratio": round(share, 4),
                        "target": TARGET_OVERHEAD, "ok": ok})
            # the two parts of that cost, for the record (no target of their own)
            for part, took in (("database", t_enter + t_commit), ("report sheets", max(0.0, t_inner - t_write))):
                out.append({"measure": f"overhead month {month}: {part}", "rows": rows,
                            "findings": len(result.findings), "seconds": round(took, 3),
                            "base_seconds": round(base, 3), "ratio": round(took / base, 4), "target": "", "ok": ""})
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


def trend_speed() -> list[dict]:
    from auditor.history import open_store, trend

    path = HERE / "data" / f"history-{TREND_RUNS}x{TREND_FINDINGS}.sqlite"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        _seed(partial)
        partial.rename(path)
        print(f"  made a store of {TREND_RUNS} runs x {TREND_FINDINGS:,} findings in {time.perf_counter() - t:.0f} s")
    out = []
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
    ap.add_argument("--skip-trend", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args(argv)
    records = []
    if not args.skip_overhead:
        print(f"history overhead on a {args.rows:,}-row audit (SQLite):")
        records += overhead(args.rows)
    if not args.skip_trend:
        print("trend over a large store (SQLite):")
        records += trend_speed()
    results = HERE / "results" / f"history-{dt.date.today()}.csv"
    results.parent.mkdir(parents=True, exist_ok=True)
    new = not results.exists()
    with results.open("a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["when", "measure", "rows", "findings", "seconds", "base_seconds",
                                           "ratio", "target", "ok"])
        if new:
            w.writeheader()
        for r in records:
            w.writerow({"when": dt.datetime.now().isoformat(timespec="seconds"), **r})
    print(f"results appended to {results}")
    return 0 if all(r["ok"] for r in records if r["target"] != "") else 1


if __name__ == "__main__":
    sys.exit(main())
