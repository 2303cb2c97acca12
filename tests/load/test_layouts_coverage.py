"""Each layout of the sample data set written without one of its key columns says so: the terminal's
summary line and the top of the Summary name the column and the file, the checks that needed it read
"not checked" (never 0), and where the readiness figure needs it (a court export's or a roster's PACER
usernames, a court export's account status) no figure is given, only "unknown: needs ...".

A PACER list without its upgrade or account type column gives no readiness figure either: that list
speaks for every filer's account, and without the column a legacy account with a long username would
count as ready.
"""

from __future__ import annotations

import re

import openpyxl
import pytest

from auditor import api
from auditor.coverage import column_words
from conftest import run_cli
from test_layouts import AS_OF, KEY_COLUMN, LAYOUTS, canonical, inputs

CASES = [(layout, header) for layout, (_, keys, _) in LAYOUTS.items() for header in keys]
FIGURE_NEEDS = {"pacer_username", "account_status", "upgraded", "account_type"}   # the readiness figure cannot do without these


def _summary(path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [[c for c in r if c is not None] for r in wb["Summary"].iter_rows(values_only=True)]
    wb.close()
    return [r for r in rows if r]


def _without(layout, header, tmp_path):
    replaced, _, write = LAYOUTS[layout]
    folder = tmp_path / "in"
    folder.mkdir()
    return replaced, write(canonical(replaced).drop(columns=[header]), folder)


def test_every_layouts_key_column_is_named(tmp_path):
    assert len(CASES) >= 30


@pytest.mark.parametrize("layout, header", CASES)
def test_a_layout_without_its_key_column_says_so(layout, header, tmp_path):
    replaced, path = _without(layout, header, tmp_path)
    column = KEY_COLUMN[header]
    result = api.audit(as_of=AS_OF, **inputs(replaced, path))
    out = tmp_path / "report.xlsx"
    api.write(result, out)
    words = api.coverage_words(result)          # what the terminal's summary line adds
    named = f"{column_words(column)} column in {path.name}"
    assert named in words, (layout, header, words)
    rows = _summary(out)
    checks = rows[1]
    assert checks[0] == "Checks" and named in " ".join(map(str, checks[1:])), checks
    share = next(r for r in rows if r[0] == "Share ready")
    if column in FIGURE_NEEDS:
        assert share[1] == "unknown:" and named in share[2], share
        assert "readiness unknown: needs" in words
    else:
        assert isinstance(share[1], float), share
        assert re.search(r"\d+ of \d+ checks not run|checked only in part", words)


@pytest.mark.parametrize("layout, header", [("issue-file", "PACER Login"), ("issue-file", "Status"),
                                            ("pacer-abbreviated", "Upgraded"),
                                            ("roster-abbreviated", "PACER User Name")])
def test_the_terminal_line_says_so(layout, header, tmp_path):
    replaced, path = _without(layout, header, tmp_path)
    files = inputs(replaced, path)
    args = [a for kind, option in (("court_accounts", "--court-accounts"), ("roster", "--roster"),
                                   ("pacer_accounts", "--pacer-accounts")) for p in files[kind] for a in (option, p)]
    proc = run_cli("audit", *args, "--as-of", AS_OF.isoformat(), "--out", tmp_path / "r.xlsx", "--no-history",
                   "--fail-on-not-checked")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    line = proc.stdout.splitlines()[0]
    named = f"{column_words(KEY_COLUMN[header])} column in {path.name}"
    assert named in line, line
    assert (f"readiness unknown: needs {'an' if header in ('Status', 'Upgraded') else 'a'} {named}" in line) == (
        KEY_COLUMN[header] in FIGURE_NEEDS), line
