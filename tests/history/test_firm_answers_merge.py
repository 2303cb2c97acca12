"""How a firm's answer meets the clerk's status (``history.firm_answers``), case by case: a new answer
sets In progress or Accepted once where the clerk typed nothing; the clerk's word wins and is said so;
an answer already read last month leaves the status as the clerk left it; reopened findings ignore
answers; fixed, not ours and left never change a status."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from auditor.history.firm_answers import Merge, answers_frame

AT = dt.datetime(2026, 12, 3, 9)
DUE = pd.Series(pd.to_datetime(["2027-01-31"]))


def one(kind, on=None, note="n", *, new=True, status="Open", typed=False, change="persisting", before=None):
    now = {"F-1": {"finding_id": "F-1", "id": 7, "kind": kind, "on_date": on, "note": note, "answered_at": AT}}
    before = {"F-1": {**now["F-1"], "id": 6, "kind": before}} if before else {} if new else now
    merge = Merge(pd.Series(["F-1"]), pd.Series([change]), answers_frame(now, before), ["F-1"] if typed else [])
    got, until, justified = merge.status(pd.Series([status], dtype=object), pd.Series([pd.NaT]))
    cols, note_text, _ = merge.shown(got.fillna("Open"), DUE)
    return got[0], until[0], bool(justified[0]), cols.iloc[0]["status_from"], note_text[0]


@pytest.mark.parametrize("case, expected", [
    (dict(kind="will_fix", on=dt.date(2027, 1, 15)), ("In progress", "firm", "firm will fix by 2027-01-15")),
    (dict(kind="will_fix", on=dt.date(2027, 3, 1)), ("In progress", "firm", "firm will fix by 2027-03-01, after the due date")),
    (dict(kind="accepted", on=dt.date(2027, 2, 1)), ("Accepted", "firm", "accepted by the firm")),
    # the clerk typed something for the finding this month: the clerk's status stands, and is said so
    (dict(kind="will_fix", on=dt.date(2027, 1, 15), typed=True, status="Open"),
     ("Open", "clerk", "clerk's status kept over the firm's answer (Will fix by)")),
    # a status the clerk set earlier (not Open) stands over a new answer too
    (dict(kind="accepted", on=dt.date(2027, 2, 1), status="In progress"),
     ("In progress", "clerk", "clerk's status kept over the firm's answer (Accepted until)")),
    # read last month already: the status is as the clerk left it (here put back to Open)
    (dict(kind="will_fix", on=dt.date(2027, 1, 15), new=False, status="Open"), ("Open", "", "firm will fix by 2027-01-15")),
    (dict(kind="will_fix", on=dt.date(2027, 1, 15), new=False, status="In progress"),
     ("In progress", "firm", "firm will fix by 2027-01-15")),
    # the firm changed its answer: its own earlier In progress gives way to its acceptance
    (dict(kind="accepted", on=dt.date(2027, 2, 1), status="In progress", before="will_fix"),
     ("Accepted", "firm", "accepted by the firm")),
    (dict(kind="fixed"), ("Open", "", "firm said fixed; still found")),
    (dict(kind="not_ours"), ("Open", "", "firm says this is not its person: for the clerk to judge")),
    (dict(kind="left_firm", on=dt.date(2026, 11, 2)),
     ("Open", "", "firm says the person left on 2026-11-02: for the clerk to judge")),
    (dict(kind="will_fix", on=dt.date(2027, 1, 15), change="reopened"), ("Open", "", "")),
])
def test_an_answer_meets_the_clerks_status(case, expected):
    status, _, _, source, note = one(**case)
    assert (status, source, note) == expected


def test_a_firms_acceptance_carries_its_date_and_reason():
    status, until, justified, _, _ = one("accepted", dt.date(2027, 2, 1), "Retires in January")
    assert status == "Accepted" and until == pd.Timestamp("2027-02-01") and justified
    assert not one("accepted", dt.date(2027, 2, 1), "  ")[2]      # no reason: not justified (left Open later)
