"""Hostile inputs through the installed command: each must be refused or audited in seconds.

Builds each case in a scratch folder, runs ``auditor`` once per case in a fresh process and
prints wall time, peak memory of the child and exit code; results go to
``benchmarks/results/bench-hostile-<date>.csv``.

    python benchmarks/bench_hostile.py [--data DIR] [--results DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import make_binary  # noqa: E402
import make_bombs  # noqa: E402
import make_large  # noqa: E402
from results_file import save_rows  # noqa: E402

EXE = Path(sys.executable).with_name("auditor")
AS_OF = "2026-11-30"


def cases(d: Path) -> dict[str, list[str]]:
    bomb = make_bombs.xlsx_with_far_cell(d / "range_bomb.xlsx", "XFD300000", 300000)
    ods = make_bombs.ods(d / "repeated_rows.ods", rows=20_000_000)
    wide = make_large.wide_header_csv(d / "very_wide.csv", 100_000)
    shared = d / "shared.csv"
    with shared.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Firm", "Name", "Role", "Bar ID", "PACER Username", "PACER Use"])
        w.writerows([f"Firm {i % 400} LLP", f"Person Number{i}", "Attorney", f"NC{i}", "sharedacct1", "efiling"]
                    for i in range(2000))
    courts = d / "courts.csv"
    with courts.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["court_id", "name", "type", "nextgen_go_live"])
        w.writerows([f"c{i}x", f"Court {i}", "district", "2025-01-01"] for i in range(8000))
    terms = " or ".join(f'filer_name == "n{i}"' for i in range(20_000))
    huge = d / "huge_rule.yaml"
    huge.write_text(f"rules:\n  - id: huge\n    title: T\n    severity: low\n    applies_to: court_accounts\n"
                    f"    when: '{terms}'\n    owner: court\n    evidence: x\n    remediation: x\n    source: x\n"
                    "    examples: {fires: [{record: {filer_name: n1}}], passes: [{record: {filer_name: z}}]}\n")
    small = make_large.many_rows_csv(d / "court.csv", 200)
    binary = {n: make_binary.BUILDERS[n](d / n) for n in ("range_bomb.xlsb", "range_bomb_wide.xls",
                                                             "lying_dimensions.xls", "range_bomb.xls")}
    out = ["--as-of", AS_OF, "--out"]
    return {
        "xlsx cell at XFD300000 (refused)": ["--court-accounts", str(bomb), *out, str(d / "o1" / "r.xlsx")],
        "xlsb cell at XFD300000 (refused)": ["--court-accounts", str(binary["range_bomb.xlsb"]), *out,
                                             str(d / "o7" / "r.xlsx")],
        "xls cell in column 65,536 (refused)": ["--court-accounts", str(binary["range_bomb_wide.xls"]), *out,
                                                str(d / "o8" / "r.xlsx")],
        "xls size record claiming 4 billion rows (refused)": [
            "--court-accounts", str(binary["lying_dimensions.xls"]), *out, str(d / "o9" / "r.xlsx")],
        "xls cell at IV65536 (16.7M cells, within the limits)": [
            "--court-accounts", str(binary["range_bomb.xls"]), *out, str(d / "o10" / "r.xlsx")],
        ".ods 20,000,000 repeated rows (refused)": ["--court-accounts", str(ods), *out, str(d / "o2" / "r.xlsx")],
        "CSV of 100,000 columns (refused)": ["--court-accounts", str(wide), *out, str(d / "o3" / "r.xlsx")],
        "2,000 people on one username, 400 firms, --split-by-firm": [
            "--roster", str(shared), "--split-by-firm", *out, str(d / "o4" / "r.xlsx")],
        "8,000 user courts": ["--court-accounts", str(small), "--courts", str(courts), *out, str(d / "o5" / "r.xlsx")],
        "condition of 20,000 terms (refused)": ["--court-accounts", str(small), "--rules", str(huge), *out,
                                                str(d / "o6" / "r.xlsx")],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / "benchmarks" / "data" / "hostile"))
    ap.add_argument("--results", default=str(ROOT / "benchmarks" / "results"))
    args = ap.parse_args()
    d = Path(args.data)
    d.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, argv in cases(d).items():
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.execv(str(EXE), [str(EXE), "audit", *argv, "--quiet"])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        rows.append({"case": name, "exit": code, "wall_s": round(wall, 2), "peak_mb": usage.ru_maxrss // 1024})
        print(f"{name:60s} exit {code}  {wall:6.1f} s  {usage.ru_maxrss / 1024:7.0f} MB", flush=True)
    path = save_rows(rows, Path(args.results), "bench-hostile")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
