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


def test_each_firms_figure_counts_its_own_filers():
    """Each firm's active and ready e-filers, counted on codes of the firm keys, are what one reading of
    the records row by row gives: names spelt two ways are one firm, a firm with no filer is listed with
    none, a record without a firm counts only in the totals, and a firm with a filer of a file the figure
    cannot judge is named (its counts are not the figure)."""
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from auditor.columns import COURT_ACCOUNTS, ROSTER as ROSTER_KIND
    from auditor.engines.readiness import readiness as figure
    from auditor.normalize import firm_key

    court = pd.DataFrame({"firm_name": pd.array(["Smith & Jones", "smith and jones", None, "Ågren LLP", "Lone",
                                                 "  ", "Smith & Jones"], dtype="string[pyarrow]"),
                          "account_status": pd.array(["active", "active", "active", "active", "inactive", "active",
                                                      "active"], dtype="string[pyarrow]"),
                          "_file": ["c.csv"] * 7})
    roster = pd.DataFrame({"firm_name": pd.array(["Agren LLP", "Doe PC", "Doe PC"], dtype="string[pyarrow]"),
                           "has_left_firm": pd.array([False, False, True], dtype="boolean"),
                           "pacer_use": pd.array(["efiling", "research", "efiling"], dtype="string[pyarrow]"),
                           "role": pd.array(["attorney", "paralegal", "attorney"], dtype="string[pyarrow]"),
                           "_file": ["r.csv", "blind.csv", "r.csv"]})
    derived = {COURT_ACCOUNTS: court, ROSTER_KIND: roster}
    not_ready = {COURT_ACCOUNTS: np.array([False, True, False, False, False, False, True])}
    coverage = SimpleNamespace(unjudged=[(ROSTER_KIND, "r.csv")], readiness="", active_filers="")
    got = figure(derived, not_ready, coverage)

    expected: dict = {}
    unknown = set()
    for kind, frame in derived.items():
        keys = firm_key(frame["firm_name"]).tolist()
        for i, key in enumerate(keys):
            if kind == COURT_ACCOUNTS:
                filer = frame["account_status"].iloc[i] == "active"
            else:
                filer = (not frame["has_left_firm"].iloc[i]
                         and (frame["pacer_use"].iloc[i] in ("efiling", "both") or frame["role"].iloc[i] == "attorney"))
            ready = filer and not (kind in not_ready and not_ready[kind][i])
            if key is None or key is pd.NA:
                continue
            a, r = expected.get(key, (0, 0))
            expected[key] = (a + int(filer), r + int(ready))
            if filer and kind == ROSTER_KIND and frame["_file"].iloc[i] == "r.csv":
                unknown.add(key)
    assert got["by_firm"] == expected and list(got["by_firm"]) == sorted(expected)
    assert got["by_firm"]["smith and jones"] == (3, 1) and got["by_firm"]["lone"] == (0, 0)
    assert got["by_firm"]["agren llp"] == (2, 2) and got["by_firm"]["doe pc"] == (0, 0)
    assert got["unknown_firms"] == unknown == {"agren llp"}
    assert (got["active_filers"], got["ready_filers"]) == (7, 5)
