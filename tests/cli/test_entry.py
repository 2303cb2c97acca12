"""The command starts as users start it, in processes of their own: the installed script, and
``python -m auditor`` where no script is on the PATH (a Windows PC, a locked-down machine)."""

from __future__ import annotations

import subprocess
import sys

from conftest import run_process


def test_python_dash_m_auditor_is_the_auditor_command(tmp_path):
    version = subprocess.run([sys.executable, "-m", "auditor", "--version"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("auditor, version"), version.stderr
    bad = subprocess.run([sys.executable, "-m", "auditor", "audit", "--roster", "missing.csv", "--out", "x.xlsx"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2 and bad.stderr == "auditor: missing.csv: file not found\n", bad.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_the_installed_script_prints_its_help():
    done = run_process("--help")
    assert done.returncode == 0 and "audit" in done.stdout and "Usage: auditor" in done.stdout, done.stderr
