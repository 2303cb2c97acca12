"""Rows written in bulk (``history.bulk``) read back as written, on SQLite and PostgreSQL: a column the same
on every row is written into the statement only when it is plain (a number, a boolean, a date, a text
of letters, digits and a little punctuation); any other text is bound, whatever it holds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from auditor.columns import STRING
from auditor.history import schema as S
from auditor.history.bulk import bulk_insert, fetch_columns
from auditor.history.store import open_store

# texts that must never be written into a statement: each would end the literal or be taken for a parameter
HOSTILE = ["it's", "50% done", "why?", "back\\slash", "'); DROP TABLE runs; --", "Müller & Søn", "two\nlines"]


def _rows(run_id: int, note: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "run_id": run_id, "finding_id": pd.array([f"F-{i:04d}" for i in range(n)], dtype=STRING),
        "rule_id": pd.array(["shared-filing-account"] * n, dtype=STRING), "severity": "high",
        "firm_key": pd.array([note] * n, dtype=STRING), "change": "new", "status": "Open",
        "due_date": pd.Series([pd.Timestamp("2026-12-14")] * n), "notes": pd.array([note] * n, dtype=STRING),
        "accepted_until": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
    })


@pytest.mark.parametrize("n", [1, 1200])   # one row (every column the same) and enough to take the coded path
def test_rows_read_back_as_written_whatever_their_text(history_url, n):
    store = open_store(history_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(S.runs.insert(), [dict(
                id=i, scope="s", scope_label="s", as_of=dt.date(2026, 11, 30), recorded_at=dt.datetime(2026, 12, 1),
                auditor_version="t", rules_version="t", findings=0, open_findings=0, new=0, resolved=0, reopened=0,
                persisting=0, backfill=False) for i in range(1, len(HOSTILE) + 2)])
            for i, note in enumerate([*HOSTILE, "plain text: a-b_c.d"], 1):
                bulk_insert(conn, S.run_findings, _rows(i, note, n), ("due_date", "accepted_until"))
            f = S.run_findings
            got = conn.execute(select(f.c.run_id, f.c.notes, f.c.firm_key, f.c.due_date, f.c.accepted_until,
                                      f.c.status).order_by(f.c.run_id, f.c.finding_id)).all()
            columns = fetch_columns(conn, ["run_id", "notes"], "FROM run_findings WHERE run_id = 1", ())
    finally:
        store.close()
    assert len(got) == n * (len(HOSTILE) + 1)
    for i, note in enumerate([*HOSTILE, "plain text: a-b_c.d"], 1):
        mine = [r for r in got if r.run_id == i]
        assert {(r.notes, r.firm_key, r.due_date, r.accepted_until, r.status) for r in mine} == \
            {(note, note, dt.date(2026, 12, 14), None, "Open")}
    assert [list(c) for c in columns] == [[1] * n, [HOSTILE[0]] * n]


def test_a_boolean_or_number_the_same_on_every_row_is_stored_as_bound(history_url):
    store = open_store(history_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(S.runs.insert().values(
                id=1, scope="s", scope_label="s", as_of=dt.date(2026, 11, 30), recorded_at=dt.datetime(2026, 12, 1),
                auditor_version="t", rules_version="t", findings=0, open_findings=0, new=0, resolved=0, reopened=0,
                persisting=0, backfill=False))
            n = 1500
            state = pd.DataFrame({
                "scope": "courts:ncmb", "finding_id": pd.array([f"F-{i:04d}" for i in range(n)], dtype=STRING),
                "rule_id": "r", "severity": "high", "firm_key": "", "first_seen": pd.Timestamp("2026-11-30"),
                "last_seen": pd.Timestamp("2026-11-30"), "status": "Open", "open": np.ones(n, dtype=bool),
                "digest": pd.array(np.full(n, -(2 ** 63) + 5), dtype="Int64"), "added_by": pd.array([1] * n, dtype="Int64"),
            })
            bulk_insert(conn, S.finding_state, state, ("first_seen", "last_seen"))
            s = S.finding_state
            got = set(conn.execute(select(s.c.scope, s.c.firm_key, s.c.open, s.c.digest, s.c.added_by,
                                          s.c.first_seen)).all())
    finally:
        store.close()
    assert got == {("courts:ncmb", "", True, -(2 ** 63) + 5, 1, dt.date(2026, 11, 30))}
