"""With CI set, a missing Chromium, PostgreSQL or LibreOffice fails the run instead of skipping it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT
from parts import missing


def test_a_missing_part_skips_on_a_developer_machine(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="LibreOffice"):
        missing("LibreOffice is not installed")


def test_a_missing_part_fails_when_ci_is_set(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="LibreOffice is not installed.*CI is set"):
        missing("LibreOffice is not installed")


@pytest.mark.parametrize("ci", ["", "1"], ids=["without CI", "with CI"])
def test_the_print_test_without_libreoffice_skips_or_fails(ci):
    """The real suite, run where LibreOffice cannot be found (PATH holds only the virtual environment)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS")}
    env.update(PATH=str(os.path.dirname(sys.executable)), **({"CI": ci} if ci else {}))
    test = "tests/report/test_report.py::test_libreoffice_opens_the_report"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:playwright", "-rs",
                           test], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    if ci:
        assert done.returncode == 1 and "2 errors" in done.stdout, done.stdout   # failed in its fixture
        assert "LibreOffice (soffice) is not installed" in done.stdout and "CI is set" in done.stdout
    else:
        assert done.returncode == 0 and "2 skipped" in done.stdout, done.stdout
        assert "LibreOffice (soffice) is not installed" in done.stdout
