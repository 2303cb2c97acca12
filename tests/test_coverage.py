"""Coverage: a check that could not run says "not checked" (with what it needs) everywhere a result is
shown, never 0, and a figure that needs a missing fact reads "unknown: needs ...", never a number."""

from __future__ import annotations

import csv
import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest

from auditor import api
from conftest import ROOT, run_cli, write_csv

AS_OF = "2026-11-30"
# One court's filers: two attorneys sharing one PACER account, one on a legacy username, one unlinked,
# one inactive (not an active filer), the others ready.
PEOPLE = [
    ["jsmith1", "Smith, John A.", "Attorney", "NC10001", "jsmith@smithlaw.com", "jsmith00001", "Active", "Smith Law"],
    ["mjones2", "Jones, Mary B.", "Attorney", "NC10002", "mjones@smithlaw.com", "jsmith00001", "Active", "Smith Law"],
    ["bbrown3", "Brown, Bob C.", "Attorney", "NC10003", "bbrown@brownlaw.com", "bb1234", "Active", "Brown Law"],
    ["cwhite4", "White, Carol D.", "Attorney", "NC10004", "cwhite@whitelaw.com", "", "Active", "White Law"],
    ["dgreen5", "Green, Dan E.", "Attorney", "NC10005", "dgreen@greenlaw.com", "dgreen00005", "Inactive", "Green Law"],
] + [[f"ready{i}", f"Ready, Person {i}", "Attorney", f"NC2000{i}", f"ready{i}@readylaw.com", f"ready{i:05d}",
      "Active", "Ready Law"] for i in range(1, 11)]
CANONICAL = ["Login", "Filer Name", "Role", "Bar Number", "Email", "PACER Username", "Status", "Firm"]
# The court export as one court writes it: two title rows above, its own spellings, a phone column.
AS_EXPORTED = ["User Login", "Attorney Name", "Type", "Bar #", "E-Mail Address", "PACER Acct", "Acct Status",
               "Law Firm", "Office Phone"]


def _court(path, header, rows, titles=()):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for t in titles:
            w.writerow([t] + [""] * (len(header) - 1))
        w.writerow(header)
        w.writerows(rows)
    return path


def _audit(tmp_path, *args, name="r.xlsx"):
    out = tmp_path / name
    proc = run_cli("audit", "--as-of", AS_OF, "--no-history", "--out", out, *args)
    return proc, out


def _summary(path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [[c for c in r if c is not None] for r in wb["Summary"].iter_rows(values_only=True)]
    wb.close()
    return [r for r in rows if r]


def _figure(rows, label):
    """A Summary figure as it reads: a number, or "unknown: needs ..." (the reason in the next cell)."""
    row = next(r for r in rows if r[0] == label)
    return f"unknown: {row[2]}" if row[1] == "unknown:" else row[1]


def _by_rule(rows) -> dict[str, object]:
    start = next(i for i, r in enumerate(rows) if r == ["Findings by rule and severity"])
    out = {}
    for r in rows[start + 2:]:
        if r[0] == "Total":
            return out
        out[r[0]] = r[2]   # rule, severity, findings or "not checked", title, then why not everywhere
    return out


def _rules_sheet(path) -> dict[str, tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Rules"].iter_rows(values_only=True))
    wb.close()
    head = [str(h).lower() for h in rows[0]]   # "Findings" or "findings": the header as the sheet writes it
    return {r[0]: dict(zip(head, r)) for r in rows[1:]}


def test_the_export_as_a_court_writes_it_is_never_a_false_all_clear(tmp_path):
    """Today's false all-clear: 'PACER Acct' and 'Acct Status' were not recognised, and the report said
    every active filer was ready, the inactive one counted.  Whatever the header recognition knows, the
    result is the canonical file's result, or it says what it could not check and gives no figure."""
    canonical, _ = _audit(tmp_path, "--court", "ncmb", "--court-accounts",
                          _court(tmp_path / "canonical.csv", CANONICAL, PEOPLE), name="c.xlsx")
    assert canonical.returncode == 0, canonical.stderr
    rows = [r + ["555-0100"] for r in PEOPLE]
    exported = _court(tmp_path / "filers.csv", AS_EXPORTED, rows, titles=["Filer accounts", "Run 11/30/2026"])
    proc, out = _audit(tmp_path, "--court", "ncmb", "--court-accounts", exported)
    assert proc.returncode in (0, 2), proc.stderr   # 2: the audit asks which column is which
    if proc.returncode == 2:
        assert "PACER" in proc.stderr and not out.exists()
        return
    first = _summary(tmp_path / "c.xlsx")
    got = _summary(out)
    assert _figure(first, "Share ready") == pytest.approx(10 / 14) and _figure(first, "Active filers") == 14
    if "column in filers.csv" in proc.stdout:   # the spelling was not recognised: said, and no figure
        assert str(_figure(got, "Share ready")).startswith("unknown: needs")
        assert re.match(r"\d+ of \d+ NOT CHECKED: ", _figure(got, "Checks"))
    else:
        assert proc.stdout.split(" in ")[0] == canonical.stdout.split(" in ")[0]
        assert _figure(got, "Share ready") == _figure(first, "Share ready")
        assert _figure(got, "Active filers") == 14


def test_a_key_column_truly_absent_is_said_everywhere(tmp_path):
    """No PACER username and no status column (and a column nothing can recognise): the terminal, the
    Summary's top, Findings by rule, the Rules sheet, each firm's workbook and the findings export
    say which checks did not run and why, and no readiness figure is given."""
    header = ["Login", "Filer Name", "Role", "Bar Number", "Email", "Zorblat", "Firm"]
    rows = [[r[0], r[1], r[2], r[3], r[4], "blue" if i % 2 else "green", r[7]] for i, r in enumerate(PEOPLE)]
    court = _court(tmp_path / "court.csv", header, rows, titles=["Filer accounts", ""])
    proc, out = _audit(tmp_path, "--court", "ncmb", "--court-accounts", court, "--split-by-firm",
                       "--findings-csv", tmp_path / "f.csv")
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.splitlines()[0]
    assert re.search(r"not checked: \d+ of \d+ checks not run \(no PACER username column in court\.csv: \d+", line)
    assert "readiness unknown: needs an account status and a PACER username column in court.csv" in line
    assert "no PACER account list" in line
    rows = _summary(out)
    assert rows[1][0] == "Checks" and re.match(r"\d+ of \d+ NOT CHECKED: no PACER username column in court\.csv: ",
                                               rows[1][1]), rows[1]
    assert _figure(rows, "Share ready") == "unknown: needs an account status and a PACER username column in court.csv"
    assert _figure(rows, "Active filers") == "unknown: needs an account status column in court.csv"
    assert _figure(rows, "Ready filers") == "unknown"
    assert not any(r[0] == "Share ready" and isinstance(r[1], float) for r in rows)
    by_rule = _by_rule(rows)
    for rule in ("unlinked-filing-account", "shared-filing-account", "legacy-username", "holder-name-mismatch"):
        assert by_rule[rule] == "not checked", (rule, by_rule)
    assert "Nothing to do" not in str(rows) and "all clear" not in str(rows)
    rules = _rules_sheet(out)
    assert rules["unlinked-filing-account"]["findings"] == "not checked"
    assert rules["duplicate-filing-accounts"]["findings"] == 0   # it ran: a real 0
    # a firm's own workbook
    firm = tmp_path / "r-firms" / "Smith Law.xlsx"
    frows = _summary(firm)
    assert re.match(r"\d+ of \d+ NOT CHECKED: ", frows[1][1])
    assert "court.csv" not in str(frows[1]) and "no PACER username column in the court filer accounts" in frows[1][1]
    assert str(_figure(frows, "Share ready")).startswith("unknown: needs")
    assert _by_rule(frows)["unlinked-filing-account"] == "not checked"
    assert _rules_sheet(firm)["unlinked-filing-account"]["findings"] == "not checked"
    index = (tmp_path / "r-firms" / "index.csv").read_text(encoding="utf-8")
    assert "Smith Law,Smith Law.xlsx," in index and ",unknown,unknown," in index and "all clear" not in index
    # the findings export's coverage, beside it
    cover = pd.read_csv(tmp_path / "f.coverage.csv", keep_default_na=False)
    unlinked = cover[cover["item"] == "unlinked-filing-account"].iloc[0]
    assert unlinked["status"] == "not checked" and unlinked["findings"] == ""
    assert unlinked["why"] == "needs a PACER username column in court.csv"
    ready = cover[cover["item"] == "readiness"].iloc[0]
    assert ready["status"] == "unknown" and "account status and a PACER username column in court.csv" in ready["why"]
    assert f"(checks run: {tmp_path / 'f.coverage.csv'})" in proc.stdout
    # a scheduled run: any check not run is exit 3, and the report is still written
    again, out2 = _audit(tmp_path, "--court", "ncmb", "--court-accounts", court, "--fail-on-not-checked",
                         name="r2.xlsx")
    assert again.returncode == 3 and out2.exists(), again.stderr


def test_a_roster_alone_says_which_checks_need_the_court_export_or_the_pacer_list(tmp_path):
    roster = ROOT / "sample_data" / "roster_whitfield-pemberton-llp.csv"
    proc, out = _audit(tmp_path, "--roster", roster)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.splitlines()[0]
    assert re.search(r"not checked: \d+ of \d+ checks not run \(.*no PACER account list: \d+.*no court export: \d+",
                     line), line
    assert "readiness unknown: needs the court's CM/ECF filer export (--court-accounts)" in line
    rows = _summary(out)
    by_rule = _by_rule(rows)
    assert by_rule["unlinked-filing-account"] == "not checked"
    assert by_rule["mfa-not-enrolled"] == "not checked" and by_rule["paa-not-upgraded"] == "not checked"
    titles = {r[0]: " ".join(map(str, r)) for r in rows if r and r[0] in by_rule}
    assert "needs the court's CM/ECF filer export (--court-accounts)" in titles["unlinked-filing-account"]
    assert "needs the PACER account list (--pacer-accounts)" in titles["mfa-not-enrolled"]
    assert isinstance(by_rule["shared-filing-account"], int)   # it ran over the roster
    assert str(_figure(rows, "Share ready")).startswith("unknown: needs the court's CM/ECF filer export")


def test_every_check_ran_on_the_sample_and_the_api_says_so(tmp_path):
    folder = ROOT / "sample_data"
    proc, out = _audit(tmp_path, "--court-accounts", folder / "court_accounts.csv", "--pacer-accounts",
                       folder / "pacer_accounts.csv", "--roster", *sorted(folder.glob("roster_*")),
                       "--fail-on-not-checked")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not checked" not in proc.stdout and "unknown" not in proc.stdout
    rows = _summary(out)
    assert re.fullmatch(r"All \d+ checks ran on every audited row\.", rows[1][1])
    assert isinstance(_figure(rows, "Share ready"), float)
    result = api.audit(court_accounts=[folder / "court_accounts.csv"], as_of=dt.date(2026, 11, 30))
    cov = result.coverage.as_dict()
    assert not cov["complete"] and "unlinked-filing-account" not in cov["not_checked"]
    assert "mfa-not-enrolled" in cov["not_checked"] and cov["readiness"] == "known"
    check = result.coverage.status_of("mfa-not-enrolled")
    assert check.findings is None and check.why == "needs the PACER account list (--pacer-accounts)"


def test_a_roster_without_a_column_leaves_the_other_firms_figures_known(tmp_path):
    """One firm's roster has no departure column, so a readiness check could not judge its people: the
    run's figure is unknown and so is that firm's; the other firm's own workbook keeps its figure."""
    court = _court(tmp_path / "court.csv", CANONICAL, PEOPLE)
    header = ["Firm", "Name", "Role", "Bar Number", "PACER Login", "PACER Use", "Left Firm"]
    smith = write_csv(tmp_path / "smith.csv", header, [
        ["Smith Law", "John A. Smith", "Attorney", "NC10001", "jsmith00001", "efiling", ""],
        ["Smith Law", "Gone Away", "Attorney", "NC10009", "gaway00009", "efiling", "2026-01-31"]])
    ready = write_csv(tmp_path / "ready.csv", header[:-1], [
        ["Ready Law", f"Person {i} Ready", "Attorney", f"NC2000{i}", f"ready{i:05d}", "efiling"] for i in (1, 2)])
    proc, out = _audit(tmp_path, "--court", "ncmb", "--court-accounts", court, "--roster", smith, "--roster", ready,
                       "--split-by-firm")
    assert proc.returncode == 0, proc.stderr
    assert "readiness unknown: needs a left-firm date column in ready.csv" in proc.stdout
    assert str(_figure(_summary(out), "Share ready")).startswith("unknown: needs a left-firm date column in ready.csv")
    folder = tmp_path / "r-firms"
    assert str(_figure(_summary(folder / "Ready Law.xlsx"), "Share ready")).startswith("unknown: needs")
    # Smith Law: two court accounts sharing jsmith00001 (one its roster's), its own roster judged: 0 of 3 ready
    assert _figure(_summary(folder / "Smith Law.xlsx"), "Share ready") == 0
    assert _figure(_summary(folder / "Smith Law.xlsx"), "Active filers") == 3
    index = (folder / "index.csv").read_text(encoding="utf-8")
    assert re.search(r"Ready Law,Ready Law\.xlsx,(\d+,){6}12,unknown,unknown,", index), index
    assert re.search(r"Smith Law,Smith Law\.xlsx,(\d+,){6}3,0,0\.000,", index), index
