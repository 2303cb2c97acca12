"""The generator's planted problems are found, and its look-alikes are not, through the real CLI."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from auditor.sample.files import generate
from conftest import ROOT, run_cli, sheet_rows


def _audit(folder: Path, out: Path, as_of: str, *extra) -> list[dict]:
    manifest = json.loads((folder / "manifest.json").read_text())
    args = ["audit", "--as-of", as_of, "--out", out, *extra]
    for kind, option in (("court_accounts", "--court-accounts"), ("roster", "--roster"),
                         ("pacer_accounts", "--pacer-accounts")):
        for name in manifest["files"][kind]:
            args += [option, folder / name]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return sheet_rows(out, "Findings")


def _check(folder: Path, findings: list[dict]):
    """The findings are the planted problems rule for rule and row for row: none missed, none extra
    (a look-alike reported, or one problem reported twice), none twice."""
    manifest = json.loads((folder / "manifest.json").read_text())
    fired = Counter((f["rule_id"], f["source"].split(",")[0], int(f["source"].rsplit("row ", 1)[1])) for f in findings)
    planted = Counter((p["rule_id"], p["file"], p["row"]) for p in manifest["planted"])
    missed = sorted(planted - fired)
    extra = sorted(fired - planted)
    wrong = [p for p in manifest["must_not_fire"] if (p["rule_id"], p["file"], p["row"]) in fired]
    assert not missed, f"planted problems not found: {missed[:5]}"
    assert not wrong, f"look-alikes reported: {wrong[:5]}"
    assert not extra, f"findings the sample does not plant: {extra[:5]}"
    assert Counter(f["rule_id"] for f in findings) == Counter(manifest["planted_counts"])


def test_shipped_sample_data(tmp_path):
    """The shipped sample report: its findings match the manifest rule for rule, and the findings it got
    wrong before say the right thing, in the court's report and in a firm's own copy."""
    folder = ROOT / "sample_data"
    manifest = json.loads((folder / "manifest.json").read_text())
    findings = _audit(folder, tmp_path / "r.xlsx", manifest["as_of"], "--split-by-firm", "--no-history")
    _check(folder, findings)
    # Jessica Graham e-filing with Rebecca Cooper's account shares it: neither holds two accounts
    dup = [f for f in findings if f["rule_id"] == "duplicate-pacer-accounts"]
    assert [f["pacer_username"] for f in dup] == ["lturner00170"]      # one finding for one person
    assert "lturner00170, lturner00170x" in dup[0]["evidence"]
    assert not [f for f in findings if "appears to hold" in f["evidence"] and "rcooper00164" in f["evidence"]]
    shared = {f["person_name"] for f in findings if f["rule_id"] == "shared-filing-account"
              and f["pacer_username"] == "rcooper00164"}
    assert {"Rebecca Cooper", "Jessica Graham"} <= shared
    # a firm's own copy keeps the firm's own name
    whitfield = sheet_rows(tmp_path / "r-firms" / "Whitfield & Pemberton, LLP.xlsx", "Findings")
    hunter = [f for f in whitfield if f["person_name"] == "Donna Hunter" and f["rule_id"] == "departed-still-linked"]
    assert len(hunter) == 1 and hunter[0]["evidence"].startswith("Donna Hunter left Whitfield & Pemberton, LLP on ")


@pytest.mark.parametrize("seed, fmt", [(11, "csv"), (12, "xlsx")])
def test_generated_data(tmp_path, seed, fmt):
    folder = tmp_path / "data"
    manifest = generate(600, folder, seed=seed, fmt=fmt)
    _check(folder, _audit(folder, tmp_path / "r.xlsx", manifest["as_of"]))
