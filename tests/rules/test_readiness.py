"""The readiness figure follows the rule files: a filer is ready unless a readiness-blocking finding names them.

A roster cannot show whether an account is linked, so the figure needs the court's export beside it: the
same three attorneys' court accounts (New Atty unlinked, Old Hand on a legacy username, Trusty ready)."""

from __future__ import annotations

import openpyxl
import pytest

from conftest import run_cli, write_csv

HEADER = ["Firm", "Name", "Role", "Bar Number", "PACER Login", "PACER Use", "Left Firm"]
ROSTER = [["S&J", "New Atty", "Attorney", "NC1", "", "efiling", ""],          # no account: not ready
          ["S&J", "Old Hand", "Attorney", "NC2", "oh1234", "efiling", ""],    # legacy username: not ready
          ["S&J", "Trusty", "Attorney", "NC3", "trusty2020", "efiling", ""],  # ready
          ["S&J", "Gone", "Attorney", "NC4", "gone12", "efiling", "2020-01-01"],  # left the firm: not counted
          ["S&J", "Clerk", "Paralegal", "", "clerk2020x", "research", ""]]    # no e-filing: not counted
COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "PACER Login", "Status"]
COURT = [["ncmb", "natty", "Atty, New", "Attorney", "NC1", "", "Active"],
         ["ncmb", "ohand", "Hand, Old", "Attorney", "NC2", "oh1234", "Active"],
         ["ncmb", "trusty", "Trusty", "Attorney", "NC3", "trusty2020", "Active"]]


def readiness(tmp_path, *rules_text, court=True):
    roster = write_csv(tmp_path / "roster.csv", HEADER, ROSTER)
    out = tmp_path / "r.xlsx"
    args = ["audit", "--roster", roster, "--as-of", "2026-11-30", "--out", out]
    if court:
        args += ["--court-accounts", write_csv(tmp_path / "court.csv", COURT_HEADER, COURT)]
    for i, text in enumerate(rules_text):
        f = tmp_path / f"rules{i}.yaml"
        f.write_text(text)
        args += ["--rules", f]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    rows = list(openpyxl.load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True))
    pairs = {r[0]: f"unknown: {r[2]}" if r[1] == "unknown:" else r[1] for r in rows
             if r and r[0] in ("Active filers", "Ready filers", "Share ready")}
    return pairs["Active filers"], pairs["Ready filers"], pairs["Share ready"]


def test_shipped_rules_decide_readiness(tmp_path):
    assert readiness(tmp_path) == (6, 2, pytest.approx(2 / 6))


def test_a_roster_alone_cannot_say_who_is_ready(tmp_path):
    active, ready, share = readiness(tmp_path, court=False)
    assert active == 3 and ready == "unknown"
    assert share == "unknown: needs the court's CM/ECF filer export (--court-accounts) to know who is linked"


def test_disabling_a_blocking_rule_changes_the_figure(tmp_path):
    assert readiness(tmp_path, "rules:\n  - id: legacy-username\n    enabled: false\n") == (6, 4, pytest.approx(4 / 6))


def test_regrading_a_rule_keeps_the_figure(tmp_path):
    assert readiness(tmp_path, "rules:\n  - id: legacy-username\n    severity: low\n") == (6, 2, pytest.approx(2 / 6))


def test_a_rules_file_can_say_a_rule_no_longer_blocks_readiness(tmp_path):
    text = "rules:\n  - id: attorney-without-pacer-account\n    blocks_readiness: false\n"
    assert readiness(tmp_path, text) == (6, 3, pytest.approx(3 / 6))


def test_a_users_own_rule_can_block_readiness(tmp_path):
    text = """
rules:
  - id: attorney-named-trusty
    title: Attorney named Trusty
    severity: low
    blocks_readiness: true
    applies_to: [roster]
    when: person_name == "Trusty"
    owner: filer
    evidence: "{person_name}"
    remediation: Check.
    source: [https://example.org]
    examples:
      fires: [{record: {person_name: Trusty}}]
      passes: [{record: {person_name: Other}}]
"""
    assert readiness(tmp_path, text) == (6, 1, pytest.approx(1 / 6))


def test_blocks_readiness_must_be_true_or_false(tmp_path):
    roster = write_csv(tmp_path / "roster.csv", HEADER, ROSTER)
    rules = tmp_path / "bad.yaml"
    rules.write_text("rules:\n  - id: legacy-username\n    blocks_readiness: maybe\n")
    proc = run_cli("audit", "--roster", roster, "--rules", rules, "--out", tmp_path / "r.xlsx")
    assert proc.returncode == 2
    assert "legacy-username" in proc.stderr and "blocks_readiness must be true or false" in proc.stderr
