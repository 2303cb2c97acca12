"""Shared helpers: write real input files, run the real command line (tests/command.py), read the workbook
back."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from hypothesis import Phase, settings

from command import run_cli, run_process  # noqa: F401  (the command line, in this process or its own)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"   # broken and hostile input files (tests/load/test_hostile.py)

# A failing random example is reported as found, with the line that replays it: shrinking it
# to the smallest example can take Hypothesis five minutes, a third of the suite's budget.
# HYPOTHESIS_PROFILE=shrink runs the full search (shrinking and explaining) when replaying a failure.
settings.register_profile("suite", phases=[p for p in Phase if p not in (Phase.shrink, Phase.explain)])
settings.register_profile("shrink", phases=list(Phase))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def write_csv(path: Path, header: list[str], rows: list[list], *, encoding="utf-8", delimiter=",") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list], *, title: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Accounts"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed, even when it looks like a formula
    wb.save(path)
    return path


def sheet_values(path: Path, sheet: str) -> list[tuple]:
    """Every row of a sheet as its cells' values, read with calamine: what openpyxl's read-only
    ``values_only`` gives, about ten times faster, except that an empty text reads as an empty cell
    (None), as it shows.  Whole numbers read as int, dates as datetime, as openpyxl reads them."""
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()
    return [tuple(_as_openpyxl(v) for v in row) for row in rows]


def _as_openpyxl(v):
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    return v


def sheet_rows(path: Path, sheet: str) -> list[dict]:
    """A table sheet as a list of dicts keyed by its header row, headers read back as the column ids
    the exports use ("Finding ID" -> finding_id)."""
    from auditor.report.format import HEADER_IDS

    rows = sheet_values(path, sheet)
    header = [HEADER_IDS.get(h, h) for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]


def all_text(path: Path, sheet: str) -> str:
    return "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in sheet_values(path, sheet))


# The slowest test modules (CPU seconds of a whole-suite run, most first). make test hands modules out
# to the workers in this order (--no-loadscope-reorder), the rest after them in their usual order: the
# long ones start first and the many short ones fill in at the end, so both workers finish together.
# xdist's own order (most tests first) left the long modules of one or two tests to the end.
SLOWEST_FIRST = [
    "history/test_history_faults.py", "outputs/test_publish_commit.py", "history/test_history_firm_trend.py",
    "history/test_history_cycle.py", "load/test_layouts_coverage.py", "outputs/test_hardening_outputs.py",
    "load/test_hostile.py", "history/test_history_guards.py", "rules/test_durable.py", "test_bench_smoke.py",
    "web/test_web_http.py", "web/test_portal_web.py", "notify/test_notify_drafts.py", "load/test_layouts.py",
    "load/test_property.py", "notify/test_notify_send.py", "web/test_web_abuse.py", "report/test_firm_leak.py",
    "cli/test_inputs_cli.py", "web/test_portal_clerk_browser.py", "report/test_print_pages.py",
    "web/test_portal_many.py", "load/test_hardening_inputs.py", "outputs/test_commit_hardening.py",
    "history/test_history_hygiene.py", "web/test_portal_roster.py", "test_audit_e2e.py", "web/test_portal_clerk.py",
    "report/test_report_print.py", "report/test_report.py", "cli/test_wheel.py", "history/test_history_months.py",
]


def pytest_collection_modifyitems(items):
    rank = {f"tests/{m}": i for i, m in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))   # stable: same order within


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="module")
def months(tmp_path_factory) -> Path:
    """Three consecutive sample months (``auditor sample --months 3``) with their known changes."""
    out = tmp_path_factory.mktemp("months")
    done = run_cli("sample", "--rows", 300, "--out", out, "--months", 3)
    assert done.returncode == 0, done.stderr
    return out


from parts import pdfinfo, soffice  # noqa: E402,F401  (fixtures)
from postgres_server import history_url, postgres_server  # noqa: E402,F401  (fixtures)
