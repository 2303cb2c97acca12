"""The installed package carries what its commands need: a wheel installed on its own lists every shipped rule."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

from auditor.rulebook.catalogue import load_catalogue
from conftest import ROOT


def test_a_wheel_installed_elsewhere_has_every_rule_and_the_calendar(tmp_path):
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # built from a copy of the sources: a build writes its metadata into the tree it builds, which the
    # tests running beside this one read (the installed script's entry point)
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".*", "*.egg-info", "build", "__pycache__", "tests", "benchmarks", "reports", "docs", "sample_data"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels),
                    str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("nextgen_auditor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "auditor/_rules/courts.csv" in names
    assert "auditor/web/templates/index.html" in names and "auditor/web/static/style.css" in names  # auditor serve
    assert "auditor/history/migrations/versions/0002_run_counts.py" in names  # the history's migrations
    assert {f"auditor/notify/templates/{t}" for t in ("notice.html", "message.txt", "message.html",
                                                      "digest.txt")} <= set(names)   # auditor notify
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import auditor, sys; from auditor.cli.main import main; "
            "assert auditor.__file__.startswith(sys.argv[1]), auditor.__file__; "
            "sys.argv = ['auditor', 'rules']; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    shipped = load_catalogue()
    assert len(shipped) >= 14
    for rule in shipped:
        assert f"{rule.id} " in proc.stdout, rule.id
        assert f"auditor/_rules/{rule.id}.yaml" in names
    # the court calendar is found too: an audit that needs it runs from the installed copy
    roster = elsewhere / "roster.csv"
    roster.write_text("Firm,Name,Role,Bar Number,PACER Login\nS&J,Ann Lee,Attorney,NC1,al1234\n")
    code = ("import sys; from auditor.cli.main import main; "
            "sys.argv = ['auditor', 'audit', '--roster', 'roster.csv', '--as-of', '2026-11-30', '--out', 'r.xlsx']; "
            "main()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (elsewhere / "r.xlsx").stat().st_size > 0
    assert (elsewhere / "auditor-history.sqlite").stat().st_size > 0  # recorded through the shipped migrations
