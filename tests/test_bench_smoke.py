"""The benchmark script runs end to end at its smallest size and records its results (no timing asserted)."""

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_runs_at_2k_and_writes_its_csv(tmp_path):
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--sizes", "2000",
         "--data", str(tmp_path / "data"), "--results", str(results)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for stage in ("load", "derive", "evaluate", "write", "I/O floor", "peak memory"):
        assert stage in proc.stdout
    (path,) = results.glob("bench-*.csv")
    (row,) = list(csv.DictReader(path.open()))
    assert int(row["rows"]) == 2000 and int(row["court_rows"]) > 0
    assert int(row["findings"]) > 0 and float(row["total_s"]) > 0 and int(row["peak_bytes"]) > 0


def test_upload_bench_runs_through_the_real_server(tmp_path):
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_upload.py"), "--rows", "2000", "--repeat", "1",
         "--data", str(tmp_path / "data"), "--results", str(results)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "upload of 2,000 rows to its result page" in proc.stdout
    (path,) = results.glob("bench-upload-*.csv")
    (row,) = list(csv.DictReader(path.open()))
    assert row["rows_read_ok"] == "True" and float(row["upload_audit_s"]) > 0 and int(row["report_bytes"]) > 0


def test_history_bench_runs_in_process_and_through_the_command(tmp_path):
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "history.py"), "--rows", "500", "--rounds", "1", "--cli-rounds", "1", "--skip-trend",
         "--data", str(tmp_path / "data"), "--results", str(results)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr   # 1: a target missed (not asserted here)
    assert "month 2 adds" in proc.stdout and "auditor audit, month 2" in proc.stdout
    (path,) = results.glob("history-*.csv")
    measures = {row["measure"]: row for row in csv.DictReader(path.open())}
    for month in (1, 2):
        assert float(measures[f"overhead month {month}"]["base_seconds"]) > 0
        assert float(measures[f"command overhead month {month}"]["base_seconds"]) > 0
