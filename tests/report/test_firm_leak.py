"""A firm's workbook says nothing about any other firm (multi-firm run through the real command line).

The sample world has many firms, people who share PACER usernames across firms, research-only
users and departed staff.  Every firm workbook of a ``--split-by-firm`` run is opened and searched
for every other firm's name, people's names, usernames, CM/ECF logins, e-mails, bar ids and the
other firms' roster file names.  The run is the second month recorded in the history, so each
workbook's Trend sheet holds two runs: searched like every sheet, and checked to hold the firm's own
figures, which add up with the other firms' to the court's.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import defaultdict
from pathlib import Path

import python_calamine
import pytest

from auditor.normalize import firm_key
from auditor.report.format import HEADER_IDS
from conftest import run_cli, sheet_values

AS_OF = "2026-11-30"
LAST_MONTH = "2026-10-31"
ROSTER_FIELDS = ("Employee", "State Bar Number", "E-mail Address", "PACER ID")
COURT_FIELDS = ("Filer Name", "CM/ECF Login", "Bar Number", "E-mail", "PACER Login")


def _key(name: str) -> str:
    import pandas as pd

    return firm_key(pd.Series([name], dtype=object)).iloc[0]


def _variants(name: str) -> set[str]:
    """A person's name as inputs write it ("Hughes, Matthew R.") and as the report may ("Matthew Hughes")."""
    out = {name}
    if "," in name:
        last, first = (p.strip() for p in name.split(",", 1))
        out.add(f"{first} {last}")
        out.add(f"{first.split()[0]} {last}" if first else last)
    return out


@functools.cache   # the module's one run: its workbooks are read once, searched by every test
def _workbook_text(path: Path) -> str:
    sheets = python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names
    return "\n".join(" | ".join(str(v) for v in row if v is not None)
                     for name in sheets for row in sheet_values(path, name)).lower()


def _firm_of(path: Path) -> str:
    rows = sheet_values(path, "Findings")
    summary = sheet_values(path, "Summary")[:3]
    col = [HEADER_IDS.get(h, h) for h in rows[0]].index("firm_name")
    # the firm the Summary names, and (an all-clear workbook has none) every finding's firm
    keys = {_key(r[col]) for r in rows[1:] if r[col]} | {_key(r[1]) for r in summary if r[0] == "Firm"}
    assert len(keys) == 1, (path.name, keys)
    return keys.pop()


@pytest.fixture(scope="module")
def split_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("leak")
    data, out = base / "in", base / "out"
    proc = run_cli("sample", "--rows", "400", "--out", data, "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    # A firm of its own: a research-only user on another firm's filer's PACER username (evidence of a
    # shared account lists everyone on it) and a roster without a departure column (the Rules sheet
    # says which file lacked it)
    first = sorted(data.glob("roster_*.csv"))[0]
    with first.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    filer = next(r for r in rows if r["Account Use"] == "Filing" and r["PACER ID"])
    # a second e-filer of the same firm on that username: a shared filing account, whose evidence
    # lists every user of the username, Beta's research-only user too (who has no finding of her own)
    with first.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, header).writerow({**filer, "Employee": "Zebulon Secondfiler", "State Bar Number": "NC77123",
                                             "E-mail Address": "zsecond@example.com"})
    with (data / "roster_beta-llp-confidential.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Law Firm", "Employee", "Title", "State Bar Number", "E-mail Address", "PACER ID", "Account Use"])
        w.writerow(["Beta LLP", "Rita Quillfeather", "Paralegal", "", "rquill@beta-confidential.example",
                    filer["PACER ID"], "Research"])
        w.writerow(["Beta LLP", "Otto Vantongeren", "Attorney", "ZZ99871", "ovan@beta-confidential.example",
                    "ovant", "Filing"])
    args = []
    for p in sorted(data.iterdir()):
        opt = ("--court-accounts" if p.name.startswith("court") else "--pacer-accounts" if p.name.startswith("pacer")
               else "--roster" if p.name.startswith("roster") else None)
        if opt:
            args += [opt, p]
    # last month's audit first, into the history beside the report: each firm's Trend sheet then holds
    # two runs, with its charts, and is searched like every other sheet
    for as_of in (LAST_MONTH, AS_OF):
        proc = run_cli("audit", *args, "--as-of", as_of, "--out", out / "report.xlsx", "--split-by-firm")
        assert proc.returncode == 0, proc.stderr
    return data, out


def _firm_tokens(data: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    """firm key -> what identifies its people and itself; firm key -> its roster file name."""
    tokens: dict[str, set[str]] = defaultdict(set)
    files: dict[str, str] = {}
    for p in data.glob("*.csv"):
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        if p.name.startswith("roster"):
            fields, firm_col = ROSTER_FIELDS, "Law Firm"
        elif p.name.startswith("court"):
            fields, firm_col = COURT_FIELDS, "Firm"
        else:
            continue
        for r in rows:
            firm = (r.get(firm_col) or "").strip()
            if not firm:
                continue
            k = _key(firm)
            tokens[k].add(firm)
            for f in fields:
                v = (r.get(f) or "").strip()
                if v:
                    tokens[k].update(_variants(v) if f in ("Employee", "Filer Name") else {v})
            if p.name.startswith("roster"):
                files[k] = p.name
    return tokens, files


WORD = re.compile(r"\w+")


def _found(token: str, text: str, words: set[str]) -> bool:
    """``token`` is in ``text`` as a whole (not inside a longer word).  A token that begins with a word
    character can only be there if its first word is one of the text's words (the match starts and that
    word ends at a word boundary): the regular expression is searched only then."""
    lead = WORD.match(token)
    if lead and lead.group() not in words:
        return False
    return re.search(rf"(?<!\w){re.escape(token)}(?!\w)", text) is not None


def test_no_firm_workbook_names_anything_of_another_firm(split_run):
    data, out = split_run
    tokens, files = _firm_tokens(data)
    books = [p for p in out.rglob("*.xlsx") if p.name != "report.xlsx"]
    assert len(books) >= 5, "the sample should give several firm workbooks"
    leaks = []
    for book in books:
        mine = _firm_of(book)
        text = _workbook_text(book)
        words = set(WORD.findall(text))
        own = {t.lower() for t in tokens[mine]}
        for other, theirs in tokens.items():
            if other == mine:
                continue
            for t in {t.lower() for t in theirs} - own:
                if len(t) >= 4 and _found(t, text, words):
                    leaks.append((book.name, other, t))
            if other in files and files[other].lower() in text:
                leaks.append((book.name, other, files[other]))
    assert not leaks, f"{len(leaks)} leaks, e.g. {sorted({leak[1:] for leak in leaks})[:20]}"


def test_each_trend_sheet_holds_its_firm_figures_only(split_run):
    data, out = split_run
    books = [p for p in out.rglob("*.xlsx") if p.name != "report.xlsx"]
    court = _trend(out / "report.xlsx")
    total = [0, 0]
    for book in books:
        trend = _trend(book)
        assert [r[0].date().isoformat() for r in trend] == [LAST_MONTH, AS_OF], book.name
        findings = sum(1 for r in sheet_values(book, "Findings")[1:] if r and r[0])
        assert trend[-1][5] == findings, book.name   # this month's open findings: its own Findings sheet
        total = [t + r[5] for t, r in zip(total, trend)]
    rows = sheet_values(out / "report.xlsx", "Findings")
    col = [HEADER_IDS.get(h, h) for h in rows[0]].index("firm_name")
    no_firm = sum(1 for r in rows[1:] if r[0] and not r[col])
    # the same inputs both months: each month, each finding is in one firm's trend only
    assert [r[5] for r in court] == [t + no_firm for t in total]


def _trend(path: Path) -> list[tuple]:
    rows = sheet_values(path, "Trend")[1:]
    return [r for r in rows if r and hasattr(r[0], "date")]


def test_the_shared_account_evidence_is_there_with_the_outsider_redacted(split_run):
    data, out = split_run
    assert "rita quillfeather (research)" in _workbook_text(out / "report.xlsx")
    texts = [_workbook_text(p) for p in out.rglob("*.xlsx") if p.name != "report.xlsx"]
    assert any("(a person outside this firm) (research)" in t and "zebulon secondfiler" in t for t in texts)


def test_the_main_report_still_names_everyone(split_run):
    """The search above would find the tokens: the main report does hold other firms' people."""
    data, out = split_run
    tokens, files = _firm_tokens(data)
    text = _workbook_text(out / "report.xlsx")
    assert all(f.lower() in text for f in files.values())
    found = sum(1 for ts in tokens.values() for t in ts if t.lower() in text)
    assert found > 100
