"""Text from inputs reaches other programs inert: the findings CSV and the terminal (real command line)."""

from __future__ import annotations

import csv
import datetime as dt

from auditor import api
from conftest import run_cli, write_csv

COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "E-mail", "Law Firm",
                "PACER Login", "Status", "Linked On", "Last Filed"]
HIDDEN_FORMULAS = ["\u200b=1+1", "\ufeff=SUM(A1)", "\uff1d1+1", "\u200b \u00a0=2+2", "\u2060@SUM(A1)",
                   "\uff0bcmd", "=plain"]


def _court(path, names):
    return write_csv(path, COURT_HEADER, [["ncmb", f"evil{i}", n, "Pro Se", "", "", "", "", "Active", "", ""]
                                          for i, n in enumerate(names)])


def test_formulas_behind_invisible_characters_and_control_bytes_are_neutralised_in_the_csv(tmp_path):
    data = _court(tmp_path / "court.csv", [*HIDDEN_FORMULAS, "Esc\x1b[31mRed", "Plain Name"])
    out, fcsv = tmp_path / "r.xlsx", tmp_path / "f.csv"
    proc = run_cli("audit", "--court-accounts", data, "--as-of", "2026-11-30", "--out", out, "--findings-csv", fcsv)
    assert proc.returncode == 0, proc.stderr
    raw = fcsv.read_bytes()
    assert b"\x1b" not in raw and b"\x00" not in raw
    with fcsv.open(newline="", encoding="utf-8") as fh:
        names = {r["person_name"] for r in csv.DictReader(fh)}
    for n in HIDDEN_FORMULAS:
        assert "'" + n in names, (n, names)
    assert "Esc\\x1b[31mRed" in names and "Plain Name" in names


def test_nul_bytes_never_reach_the_csv(tmp_path):
    data = _court(tmp_path / "court.csv", ["Some Body"])
    result = api.audit(court_accounts=[data], as_of=dt.date(2026, 11, 30))
    result.findings["person_name"] = "Nul\x00Name"
    path = api.write_findings(result, tmp_path / "f.csv", "csv")
    assert b"\x00" not in path.read_bytes() and b"Nul\\x00Name" in path.read_bytes()


def test_escape_sequences_in_file_names_are_not_sent_to_the_terminal(tmp_path):
    good = _court(tmp_path / "good\x1b[31m.csv", ["Plain Name"])
    empty = tmp_path / "bad\x1b[2J.csv"
    empty.write_text("")
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", good, "--as-of", "2026-11-30", "--out", out, "--progress",
                   "--findings-csv", tmp_path / "f\x1b[1m.csv")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr and "good\\x1b[31m.csv" in proc.stderr
    proc = run_cli("audit", "--court-accounts", empty, "--as-of", "2026-11-30", "--out", out)
    assert proc.returncode == 2 and "\x1b" not in proc.stderr and "bad\\x1b[2J.csv" in proc.stderr
    proc = run_cli("validate", good, empty)
    assert "\x1b" not in proc.stdout + proc.stderr
