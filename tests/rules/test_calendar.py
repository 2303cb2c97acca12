"""The court calendar decides whether a court is live on the audit date; users can add or override courts."""

from __future__ import annotations

import pytest

from auditor.court_calendar import Calendar
from auditor.errors import RulesError
from conftest import run_cli, sheet_rows, write_csv

HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "PACER Login", "Status"]
ROWS = [["ncmb", "unlinked1", "Ann Lee", "Attorney", "", "Active"],
        ["NCWBK", "unlinked2", "Bo Park", "Attorney", "", "Active"],
        ["zzb", "unlinked3", "Cy Dunn", "Attorney", "", "Active"]]


def rules_fired(tmp_path, *extra):
    court = write_csv(tmp_path / "court.csv", HEADER, ROWS)
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", court, "--out", out, *extra)
    assert proc.returncode == 0, proc.stderr
    return {f["cmecf_login"]: f["rule_id"] for f in sheet_rows(out, "Findings")}, out


def test_every_pacer_court_and_the_seed_dates_are_shipped():
    cal = Calendar.load().frame.set_index("court_id")
    assert len(cal) >= 200
    assert cal.loc["ncmb", "nextgen_go_live"] == "2020-04-13"
    assert cal.loc["ncwb", "nextgen_go_live"] == "2019-10-21"
    assert (cal["nextgen_go_live"] != "").sum() == 47
    assert cal["source"].str.len().gt(0).all()


def test_go_live_decides_unlinked_or_prepare(tmp_path):
    # 2020-01-01: ncwb live (2019-10-21), ncmb not yet (2020-04-13); an unknown court counts as live
    fired, out = rules_fired(tmp_path, "--as-of", "2020-01-01")
    assert fired == {"unlinked1": "prepare-for-nextgen", "unlinked2": "unlinked-filing-account",
                     "unlinked3": "unlinked-filing-account"}
    issues = sheet_rows(out, "Data issues")
    assert any("zzb" in str(i["value"]) and i["row"] == 4 for i in issues)  # the unknown court is reported
    fired, _ = rules_fired(tmp_path, "--as-of", "2020-04-13")
    assert fired["unlinked1"] == "unlinked-filing-account"


def test_users_calendar_adds_and_overrides_courts(tmp_path):
    mine = tmp_path / "courts.csv"
    mine.write_text("court_id,name,type,nextgen_go_live,source\n"
                    "zzb,Test Bankruptcy Court,bankruptcy,2030-01-01,our notice\n"
                    "ncwb,,,2026-12-31,our notice\n")
    fired, out = rules_fired(tmp_path, "--as-of", "2026-11-30", "--courts", mine)
    assert fired == {"unlinked1": "unlinked-filing-account", "unlinked2": "prepare-for-nextgen",
                     "unlinked3": "prepare-for-nextgen"}
    assert not [i for i in sheet_rows(out, "Data issues") if "zzb" in str(i["value"])]


@pytest.mark.parametrize("body, words", [
    ("court_id,nextgen_go_live\nzzb,next year\n", ["row 2", "YYYY-MM-DD"]),
    ("court,go_live\nzzb,2020-01-01\n", ["court_id"]),
    ("court_id,type\nzzb,county\n", ["type", "county"]),
    ("court_id\nzzb\nzzb\n", ["twice"]),
])
def test_broken_calendar_refused(tmp_path, body, words):
    bad = tmp_path / "cal.csv"
    bad.write_text(body)
    with pytest.raises(RulesError) as err:
        Calendar.load([bad])
    for w in words:
        assert w in str(err.value)
    assert "cal.csv" in str(err.value)
