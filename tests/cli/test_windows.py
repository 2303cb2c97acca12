"""What Windows lacks does not stop an audit: ``os.fchmod`` (before Python 3.13) and
``os.sched_getaffinity``.  The README's Windows commands are checked for real where they can be (the same
commands with Python 3.11 on Linux, by hand); this checks the code paths they take."""

from __future__ import annotations

import os

from conftest import run_cli, sheet_rows, write_csv


def test_an_audit_writes_every_output_without_the_calls_windows_lacks(monkeypatch, tmp_path):
    monkeypatch.delattr(os, "fchmod")
    monkeypatch.delattr(os, "sched_getaffinity")
    roster = write_csv(tmp_path / "roster.csv", ["Firm", "Name", "Role", "Bar ID", "PACER Username"],
                       [["Acme LLP", "Ann Lee", "Attorney", "NC1", "shared1"],
                        ["Acme LLP", "Bo Park", "Attorney", "NC2", "shared1"],
                        ["Beta LLP", "Cy Dunn", "Attorney", "NC3", "cydunn99"]])
    out = tmp_path / "reports" / "r.xlsx"
    done = run_cli("audit", "--roster", roster, "--as-of", "2026-11-30", "--out", out, "--split-by-firm",
                   "--findings-csv", tmp_path / "reports" / "f.csv")
    assert done.returncode == 0, done.stderr
    assert {r["rule_id"] for r in sheet_rows(out, "Findings")} >= {"shared-filing-account"}
    books = sorted(p.name for p in (tmp_path / "reports" / "r-firms").iterdir())
    assert books == ["Acme LLP.xlsx", "Beta LLP.xlsx", "index.csv"]
    assert (tmp_path / "reports" / "f.csv").stat().st_size > 0
