"""Benchmark of the upload page: a 50,000-row firm roster from upload to its result page.

Starts the real ``auditor serve`` on 127.0.0.1 and a free port, waits until the
page answers and one small upload has gone through (the worker processes are
warm, as on a server that has been running), then uploads the roster as a
script does (multipart ``kind``, ``files``, ``mapping=auto``) and times:

  upload+audit  from the first byte sent to the whole result page received
                (streaming the upload, reading and checking the file, the rules,
                writing the Excel report, rendering the page)
  download      fetching the report once

The roster is made once from the product's sample generator (its firm rosters
put together) and kept in benchmarks/data/.  Results are appended to
benchmarks/results/bench-upload-<date>.csv.  Target: 5 s or less.

    python benchmarks/bench_upload.py                # 50,000 rows, best of 3
    python benchmarks/bench_upload.py --rows 10000 --repeat 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from results_file import save_rows

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5.0


def roster(rows: int, base: Path) -> Path:
    """A roster CSV of exactly ``rows`` people, made once from the sample generator's rosters."""
    import pandas as pd

    from auditor.columns import columns
    from auditor.load.table import read_table
    from auditor.sample.files import generate

    out = base / f"upload-roster-{rows}.csv"
    if out.exists():
        return out
    base.mkdir(parents=True, exist_ok=True)
    parts, have, seed = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        while have < rows:
            folder = Path(tmp) / f"s{seed}"
            manifest = generate(rows * 4 + 1000, folder, seed=seed)
            for name in manifest["files"]["roster"]:   # each firm spells its headers its own way
                frame = read_table(folder / name, "roster").frame
                frame = frame[[c for c in frame.columns if not c.startswith(("column ",))]]
                if seed:
                    frame["firm_name"] = frame["firm_name"] + f" {seed}"
                parts.append(frame)
                have += len(frame)
            seed += 1
    whole = pd.concat(parts, ignore_index=True).head(rows)
    known = [c.name for c in columns("roster") if c.name in whole.columns]
    whole[known].to_csv(out, index=False)
    print(f"  made {rows:,}-row roster -> {out}", flush=True)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and every process under it, from /proc (Linux);
    the server's worker processes do the audit."""
    try:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    except OSError:
        return float("nan")
    mine, todo = set(), [pid]
    while todo:
        p = todo.pop()
        mine.add(p)
        todo += [c for c, (parent, _) in stats.items() if parent == p and c not in mine]
    return sum(stats[p][1] for p in mine if p in stats) / os.sysconf("SC_CLK_TCK")


def post(url: str, path: Path, name: str):
    import httpx

    with path.open("rb") as fh:
        return httpx.post(url + "/audit", data={"kind": "roster", "mapping": "auto"},
                          files=[("files", (name, fh, "text/csv"))], timeout=300)


def main(argv=None) -> int:
    import httpx

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)

    path = roster(args.rows, args.data)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).with_name("auditor")
    server = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows_out = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 2
            time.sleep(0.2)
        with tempfile.TemporaryDirectory() as tmp:
            small = Path(tmp) / "warm.csv"
            small.write_text("Firm,Name,Title\nAcme,Ann Able,Attorney\n")
            t = time.perf_counter()
            warm = post(url, small, "warm.csv")
            print(f"  warm-up upload: {warm.status_code} in {time.perf_counter() - t:.2f} s", flush=True)
        for i in range(args.repeat):
            t, cpu = time.perf_counter(), tree_cpu(server.pid) + time.process_time()
            r = post(url, path, path.name)
            audit_s = time.perf_counter() - t
            cpu = tree_cpu(server.pid) + time.process_time() - cpu
            if r.status_code != 200:
                print(f"upload failed: {r.status_code}", file=sys.stderr)
                return 2
            link = re.search(r'href="(/report/[A-Za-z0-9_-]+)"', r.text).group(1)
            t = time.perf_counter()
            got = httpx.get(url + link, timeout=120)
            download_s = time.perf_counter() - t
            ok = f"{args.rows:,} rows read" in r.text
            print(f"  run {i + 1}: {args.rows:,} rows ({path.stat().st_size / 2**20:.1f} MB) upload+audit "
                  f"{audit_s:.2f} s (CPU of the server and this client {cpu:.2f} s), "
                  f"download {download_s:.2f} s ({len(got.content) / 2**20:.1f} MB report)"
                  + ("" if ok else "  [rows read not as expected]"), flush=True)
            rows_out.append({"date": dt.date.today().isoformat(), "rows": args.rows, "run": i + 1,
                             "upload_audit_s": round(audit_s, 3), "download_s": round(download_s, 3),
                             "report_bytes": len(got.content), "rows_read_ok": ok, "cpu_s": round(cpu, 3),
                             "load": round(os.getloadavg()[0], 2)})
    finally:
        server.terminate()
        server.wait(30)
    best = min(r["upload_audit_s"] for r in rows_out)
    verdict = "meets" if best <= TARGET_SECONDS else "MISSES"
    print(f"upload of {args.rows:,} rows to its result page: best {best:.2f} s; {verdict} the target of "
          f"{TARGET_SECONDS:g} s")
    save_rows(rows_out, args.results, "bench-upload", append=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
