"""The generator's planted problems are found, and its look-alikes are not, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.sample.files import generate
from conftest import ROOT, run_cli, sheet_rows


def _audit(folder: Path, out: Path, as_of: str) -> list[dict]:
    manifest = json.loads((folder / "manifest.json").read_text())
    args = ["audit", "--as-of", as_of, "--out", out]
    for kind, option in (("court_accounts", "--court-accounts"), ("roster", "--roster"),
                         ("pacer_accounts", "--pacer-accounts")):
        for name in manifest["files"][kind]:
            args += [option, folder / name]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return sheet_rows(out, "Findings")


def _check(folder: Path, findings: list[dict]):
    manifest = json.loads((folder / "manifest.json").read_text())
    fired = {(f["rule_id"], f["source"].split(",")[0], int(f["source"].rsplit("row ", 1)[1])) for f in findings}
    missed = [p for p in manifest["planted"] if (p["rule_id"], p["file"], p["row"]) not in fired]
    wrong = [p for p in manifest["must_not_fire"] if (p["rule_id"], p["file"], p["row"]) in fired]
    assert not missed, f"planted problems not found: {missed[:5]}"
    assert not wrong, f"look-alikes reported: {wrong[:5]}"
    assert {p["rule_id"] for p in manifest["planted"]} <= {f["rule_id"] for f in findings}


def test_shipped_sample_data(tmp_path):
    folder = ROOT / "sample_data"
    manifest = json.loads((folder / "manifest.json").read_text())
    _check(folder, _audit(folder, tmp_path / "r.xlsx", manifest["as_of"]))


@pytest.mark.parametrize("seed, fmt", [(11, "csv"), (12, "xlsx")])
def test_generated_data(tmp_path, seed, fmt):
    folder = tmp_path / "data"
    manifest = generate(600, folder, seed=seed, fmt=fmt)
    _check(folder, _audit(folder, tmp_path / "r.xlsx", manifest["as_of"]))
