"""A written run for the notify tests: the shipped sample audited with --split-by-firm into a history,
a contacts list naming every firm that has something to do, and the court's settings file."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, run_cli

AS_OF = "2026-11-30"


def audit(inputs: Path, out: Path, history: str, as_of: str = AS_OF) -> Path:
    report = out / "report.xlsx"
    done = run_cli("audit", "--court-accounts", *sorted(inputs.glob("court_accounts*")),
                   "--roster", *sorted(inputs.glob("roster*")), "--pacer-accounts", *sorted(inputs.glob("pacer_accounts*")),
                   "--as-of", as_of, "--split-by-firm", "--out", report, "--history", history, "-q",
                   *(["--record-future-date"] if as_of > dt.date.today().isoformat() else []))
    assert done.returncode in (0, 1), done.stderr
    return report


def acting_firms(report: Path) -> list[str]:
    """The firms the index counts with findings to act on (high, medium or low)."""
    with (report.parent / f"{report.stem}-firms" / "index.csv").open(encoding="utf-8") as fh:
        return [r["firm"] for r in csv.DictReader(fh) if int(r["high"]) + int(r["medium"]) + int(r["low"]) > 0]


def address(firm: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", firm.lower()).strip("-")[:40] or "firm"
    return f"admin@{slug}.example.com"


def write_contacts(path: Path, firms: list[str], *, skip: tuple = (), override: dict | None = None) -> Path:
    override = override or {}
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Firm", "Contact name", "E-mail"])
        for firm in firms:
            if firm not in skip:
                w.writerow([firm, f"Administrator of {firm}", override.get(firm, address(firm))])
    return path


def write_settings(path: Path, port: int = 25, *, security: str = "none", username: str = "",
                   extra: str = "") -> Path:
    path.write_text(f"""
[court]
name = "United States Bankruptcy Court for the Middle District of North Carolina"
clerk_name = "Office of the Clerk"
address = "101 South Edgeworth Street, Greensboro, NC 27401"
phone = "(336) 358-4000"
reply_to = "nextgen@ncmb.example.gov"
from_address = "nextgen@ncmb.example.gov"
clerk_email = "clerk@ncmb.example.gov"

[smtp]
host = "127.0.0.1"
port = {port}
security = "{security}"
username = "{username}"
timeout_seconds = 10
{extra}
""", encoding="utf-8")
    return path


def copy_run(report: Path, into: Path) -> Path:
    """The report, its firm workbooks and its history, copied (a test records deliveries of its own)."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy2(report, into / report.name)
    shutil.copytree(report.parent / f"{report.stem}-firms", into / f"{report.stem}-firms")
    shutil.copy2(report.parent / "history.sqlite", into / "history.sqlite")
    return into / report.name


def pdf_text(data: bytes, tmp: Path, *args) -> str:
    path = tmp / "notice.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def notify(*args, cwd=None):
    return run_cli("notify", *args, cwd=cwd)


__all__ = ["ROOT", "AS_OF", "audit", "acting_firms", "address", "write_contacts", "write_settings", "copy_run",
           "pdf_text", "notify", "sys"]
