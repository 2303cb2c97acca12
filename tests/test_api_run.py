"""``auditor.api.run``: one audit from input files to published outputs, in one order, for every caller."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from auditor import api
from auditor.errors import UsageError
from auditor.history import recording
from tests.conftest import ROOT, sheet_rows

SAMPLE = ROOT / "sample_data"
FILES = {"court_accounts": [SAMPLE / "court_accounts.csv"], "roster": sorted(SAMPLE.glob("roster_*")),
         "pacer_accounts": [SAMPLE / "pacer_accounts.csv"]}


def test_run_publishes_every_output_by_name_and_records_the_run(tmp_path):
    told = []
    out = tmp_path / "november.xlsx"
    given = {k: list(v) for k, v in FILES.items()}
    first = api.run(**given, as_of=dt.date(2026, 11, 30), out=out, split_by_firm=True,
                    findings_csv=tmp_path / "f.csv", findings_parquet=tmp_path / "f.parquet",
                    history=tmp_path / "h.sqlite", tell=told.append)
    assert given == FILES   # nothing given is changed
    w = first.written
    assert w.report == out and w.index == tmp_path / "november-firms" / "index.csv"
    assert w.findings_csv == tmp_path / "f.csv" and w.findings_parquet == tmp_path / "f.parquet"
    assert len(w.firm_workbooks) > 1 and all(p.parent == w.index.parent and p.suffix == ".xlsx"
                                             for p in w.firm_workbooks)
    assert all(p.is_file() for p in w.paths) and w.paths[0] == out
    assert first.history is not None and first.history.run_id == 1 and first.comparison is None
    assert set(pd.read_csv(w.findings_csv)["finding_id"]) == set(first.findings["finding_id"])
    assert [r["finding_id"] for r in sheet_rows(out, "Findings")] == list(
        pd.read_csv(w.findings_csv)["finding_id"])
    assert first.readiness["active_filers"] > 0
    assert told == list(first.notes)

    second = api.run(**given, as_of=dt.date(2026, 12, 31), out=tmp_path / "december.xlsx",
                     history=tmp_path / "h.sqlite", future=True)   # December's month-end, after today
    assert second.history.run_id == 2 and second.written.index is None and second.written.firm_workbooks == ()
    assert second.comparison["still_open"] == len(first.findings) and second.comparison["new"] == 0
    assert "Changes" in openpyxl.load_workbook(second.written.report, read_only=True).sheetnames
    assert (second.findings["first_seen"].dropna().astype(str).str[:10] == "2026-11-30").all()


def test_run_without_a_history_records_nothing(tmp_path):
    outcome = api.run(roster=FILES["roster"], as_of=dt.date(2026, 11, 30), out=tmp_path / "r.xlsx")
    assert outcome.history is None and outcome.comparison is None
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]
    with pytest.raises(UsageError, match="--previous"):
        api.run(roster=FILES["roster"], out=tmp_path / "s.xlsx", previous=tmp_path / "r.xlsx")


def test_recording_changes_nothing_it_is_given(tmp_path):
    result = api.audit(**FILES, as_of=dt.date(2026, 11, 30))
    with recording(result, tmp_path / "h.sqlite"):
        pass
    result = api.audit(**FILES, as_of=dt.date(2026, 12, 31))
    findings = result.findings.copy()
    with recording(result, tmp_path / "h.sqlite", future=True) as view:   # December's month-end
        shown = view.applied(result)
    assert result.history is None and result.previous is None
    pd.testing.assert_frame_equal(result.findings, findings)
    assert shown.history is view and shown.previous == view.comparison and shown.previous["still_open"] > 0
    # first seen in November as the history says, where the audit alone says this month
    assert (shown.findings["first_seen"] == pd.Timestamp(2026, 11, 30)).all()
    assert (result.findings["first_seen"] == pd.Timestamp(2026, 12, 31)).all()
