"""The programs the suite drives for real (Chromium, PostgreSQL, LibreOffice with poppler), found or missed.

Where one is missing its tests skip and name it, so that a developer without it can still run the rest;
with the ``CI`` environment variable set they fail instead, so that a CI run cannot pass without having
run them.  ``scripts/system-deps.sh`` installs them (and with ``CI`` set, fails when it cannot).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")   # Debian's; Playwright's own browser download is not used
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFINFO = shutil.which("pdfinfo")


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def missing(reason: str) -> None:
    """A part the test needs is not here: skip with ``reason``, or with ``CI`` set, fail with it."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so a missing part fails the run instead of skipping)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def postgres_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture
def soffice() -> str:
    """LibreOffice's command, to convert a report to PDF as a clerk would print it."""
    if not SOFFICE:
        missing("LibreOffice (soffice) is not installed; scripts/system-deps.sh installs libreoffice-calc")
    return SOFFICE


@pytest.fixture
def pdfinfo(soffice) -> str:
    """LibreOffice and poppler's pdfinfo (pdftotext beside it), to read the printed PDF back."""
    if not PDFINFO or not shutil.which("pdftotext"):
        missing("poppler (pdfinfo, pdftotext) is not installed; scripts/system-deps.sh installs poppler-utils")
    return PDFINFO
