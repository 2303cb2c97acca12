"""Benchmark of ``auditor notify --send``: every firm's notice and message, sent to a local SMTP server.

Generates synthetic inputs (``auditor.sample.files.generate``), runs the audit once with
``--split-by-firm`` into a history (both kept in benchmarks/data/ and reused), writes a contacts list
naming the first 2,500 firms that have something to do, then times the command as a clerk runs it:
``auditor notify --send`` to an SMTP server on loopback (aiosmtpd, in this process), from reading the
report to the clerk's digest.  Each round starts from the history as the audit left it (no delivery
recorded), so every firm is sent.  Prints the wall time, the CPU time of the command, messages per second
and whether the target is met: 2,500 firms' messages in 60 s on 2 cores.

    python benchmarks/bench_notify.py                 # the make bench run
    python benchmarks/bench_notify.py --rounds 3
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench import AS_OF, data_dir, input_files  # noqa: E402

TARGET_FIRMS = 2_500
TARGET_SECONDS = 60.0
DEFAULT_ROWS = 206_000   # court account rows whose firms with something to do number over 2,500 (seed 0)


def _exe(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def written_run(base: Path, rows: int, seed: int) -> Path:
    """The audit's report, firm workbooks and history, written once and kept."""
    folder = base / f"notify-{rows}-seed{seed}"
    report = folder / "report.xlsx"
    if (folder / "done").exists():
        return report
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    inputs = input_files(data_dir(base, rows, "csv", seed))
    args = [_exe("auditor"), "audit", "--as-of", AS_OF.isoformat(), "--split-by-firm", "--out", str(report),
            "--history", str(folder / "history.sqlite"), "-q"]
    for opt, key in (("--court-accounts", "court_accounts"), ("--roster", "roster"),
                     ("--pacer-accounts", "pacer_accounts")):
        for f in inputs.get(key, []):
            args += [opt, str(f)]
    t = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"the audit failed: {done.stderr}")
    print(f"  audit with --split-by-firm in {time.perf_counter() - t:.1f} s -> {folder}", flush=True)
    (folder / "done").touch()
    return report


def contacts_for(report: Path, out: Path, limit: int) -> int:
    with (report.parent / "report-firms" / "index.csv").open(encoding="utf-8") as fh:
        firms = [r["firm"] for r in csv.DictReader(fh) if int(r["high"]) + int(r["medium"]) + int(r["low"]) > 0]
    firms = firms[:limit]
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["firm_name", "contact_name", "email"])
        for i, firm in enumerate(firms):
            w.writerow([firm, f"Administrator {i}", f"admin{i}@firm{i}.example.com"])
    return len(firms)


class _Count:
    def __init__(self):
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.bytes += len(envelope.original_content or b"")
        return "250 2.0.0 Ok"


def one_round(report: Path, contacts: Path, work: Path) -> dict:
    from aiosmtpd.controller import Controller

    history = work / "history.sqlite"
    shutil.copy2(report.parent / "history.sqlite", history)
    settings = work / "court.toml"
    port = _port()
    settings.write_text(f'[court]\nname = "United States Bankruptcy Court"\nfrom_address = "nextgen@court.example.gov"\n'
                        f'reply_to = "nextgen@court.example.gov"\nclerk_email = "clerk@court.example.gov"\n'
                        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n', encoding="utf-8")
    handler = _Count()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        done = subprocess.run([_exe("auditor"), "notify", "--send", "--report", str(report), "--contacts", str(contacts),
                               "--history", str(history), "--settings", str(settings), "-q"],
                              capture_output=True, text=True)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        server.stop()
    if done.returncode != 0:
        sys.exit(f"auditor notify failed: {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "messages": handler.messages,
            "mb_sent": round(handler.bytes / 1e6, 1), "summary": done.stdout.splitlines()[0] if done.stdout else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    ap.add_argument("--firms", type=int, default=TARGET_FIRMS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args()
    report = written_run(args.data, args.rows, args.seed)
    records = []
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
        work = Path(tmp)
        firms = contacts_for(report, work / "contacts.csv", args.firms)
        print(f"notify --send: {firms:,} firms' messages to a local SMTP server "
              f"(load average {os.getloadavg()[0]:.2f}, {len(os.sched_getaffinity(0))} cores)", flush=True)
        for i in range(args.rounds):
            r = one_round(report, work / "contacts.csv", work)
            ok = r["messages"] >= firms and r["wall_s"] <= TARGET_SECONDS * firms / TARGET_FIRMS
            print(f"  round {i + 1}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, {r['messages']:,} messages "
                  f"({r['mb_sent']} MB; {r['messages'] / r['wall_s']:.0f}/s); {r['summary']}; "
                  f"target {TARGET_SECONDS:.0f} s for {TARGET_FIRMS:,}: {'met' if ok else 'NOT met'}", flush=True)
            records.append({"rows": args.rows, "firms": firms, "round": i + 1, **{k: v for k, v in r.items()
                                                                               if k != "summary"},
                            "load_avg": round(os.getloadavg()[0], 2), "target_s": TARGET_SECONDS, "met": ok})
    from results_file import save_rows

    print(f"results: {save_rows(records, args.results, 'notify', append=True)}")


if __name__ == "__main__":
    main()
