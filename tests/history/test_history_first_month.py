"""A scope's first month takes a shorter way through the lifecycle (nothing before it to compare with):
what it gives is held to what the general way gives for the same findings, frame by frame and type by
type, on the sample's findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from auditor import api
from auditor.history import lifecycle

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def findings() -> pd.DataFrame:
    files = sorted(SAMPLE.glob("*.csv")) + sorted(SAMPLE.glob("*.xlsx"))
    result = api.audit(court_accounts=[p for p in files if p.name.startswith("court")],
                       pacer_accounts=[p for p in files if p.name.startswith("pacer")],
                       roster=[p for p in files if p.name.startswith("roster")], as_of=AS_OF)
    assert len(result.findings) > 20
    return result.findings


def _closed_long_ago() -> pd.DataFrame:
    """A state of one finding resolved months ago and not found now: the general way runs, and it changes
    nothing this month shows (not in the Changes, not counted)."""
    prior = lifecycle.empty_state().drop(columns="last_change")
    prior.loc[0] = {"finding_id": "F-GONE", "rule_id": "r", "severity": "low", "court_id": None, "firm_key": "",
                    "firm_name": None, "person_name": None, "cmecf_login": None, "pacer_username": None,
                    "first_seen": pd.Timestamp("2026-01-31"), "last_seen": pd.Timestamp("2026-02-28"),
                    "due_date": pd.Timestamp("2026-02-14"), "status": "Resolved", "notes": None,
                    "accepted_until": pd.NaT, "open": False, "resolved_on": pd.Timestamp("2026-03-31")}
    dates = ("first_seen", "last_seen", "due_date", "accepted_until", "resolved_on")
    return prior.astype(dict.fromkeys(dates, "datetime64[ns]"))   # as the store's state is read


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2026, 12, 20)])   # none overdue; some
def test_a_first_month_is_what_the_general_way_gives(findings, as_of):
    first = lifecycle.apply(findings, lifecycle.empty_state().drop(columns="last_change"), None, as_of)
    general = lifecycle.apply(findings, _closed_long_ago(), None, as_of)
    assert first.counts == general.counts and first.counts["new"] == len(findings)
    assert first.counts["overdue"] == int((findings["due_date"] < pd.Timestamp(as_of)).sum())
    assert (first.counts["overdue"] > 0) == (as_of > AS_OF)
    assert first.problems == general.problems == []
    pd.testing.assert_frame_equal(first.findings, general.findings, check_exact=True)
    pd.testing.assert_frame_equal(first.changes, general.changes, check_exact=True)
    # the general state has the old finding below this month's rows (its dates put under theirs)
    assert general.state["finding_id"].iloc[-1] == "F-GONE" and len(general.state) == len(findings) + 1
    pd.testing.assert_frame_equal(first.state, general.state.iloc[:-1], check_exact=True, check_dtype=False)
    assert first.state.dtypes.to_dict() == {**general.state.dtypes.to_dict(), "last_seen": first.state["last_seen"].dtype}
    assert set(first.changes["change"]) == {"new"} and set(first.findings["status"]) == {"Open"}
