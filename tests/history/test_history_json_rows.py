"""Many rows go to an SQLite store as JSON text (``history.json_rows``): each value is stored as the
driver stores it when it binds the rows one by one (the same value, the same SQLite type, the same row
order), whatever the text; a text JSON cannot carry as it is (a control character) goes the driver's way."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from auditor.columns import STRING
from auditor.history import bulk, json_rows, schema as S
from auditor.history.state import DATES
from auditor.history.store import open_store

N = 1500    # enough rows to be written as JSON
TEXTS = ["it's", "50% done", "why?", "back\\slash", "'); DROP TABLE runs; --", "Müller & Søn", "two\nlines",
         'a "quoted" word', "tab\there", "cr\r", "party 🎉", "", "null", "[1, 2]", "123", " padded "]


def _state(texts: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    ids = [f"F-{i:05d}" for i in rng.permutation(N)]
    text = [texts[i % len(texts)] if i % 7 else None for i in range(N)]
    days = pd.to_datetime("2026-11-30") + pd.to_timedelta(rng.integers(-400, 400, N), unit="D")
    digest = rng.integers(-(2 ** 63), 2 ** 63 - 1, N, dtype=np.int64)
    digest[:3] = [-(2 ** 63), 2 ** 63 - 1, 0]
    return pd.DataFrame({
        "scope": "courts:ncmb", "finding_id": pd.array(ids, dtype=STRING),
        "rule_id": pd.array([f"rule-{i % 5}" for i in range(N)], dtype=STRING), "severity": "high",
        "court_id": pd.array([None if i % 3 == 0 else "ncmb" for i in range(N)], dtype=STRING),
        "firm_key": pd.array([t or "" for t in text], dtype=STRING), "firm_name": pd.array(text, dtype=STRING),
        "person_name": pd.Series(text[::-1], dtype=object),     # as read back from a store: Python objects
        "first_seen": pd.Timestamp("2026-11-30"), "last_seen": pd.Timestamp("2026-11-30"),
        "due_date": pd.Series(days).where(rng.random(N) > 0.2),
        "status": pd.array(["Open", "Accepted", "In progress"] * (N // 3), dtype=STRING),
        "notes": pd.Series([t if i % 2 else None for i, t in enumerate(text)], dtype=object),
        "accepted_until": pd.Series(pd.NaT, index=range(N), dtype="datetime64[ns]"),
        "open": rng.random(N) > 0.5, "resolved_on": pd.Series(pd.NaT, index=range(N), dtype="datetime64[ns]"),
        "digest": pd.array(digest, dtype="Int64"),
        "added_by": pd.array([None if i % 4 == 0 else 3 for i in range(N)], dtype="Int64"),
    })


def _stored(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(finding_state)")]
        picked = ", ".join(f"typeof({c}), {c}" for c in columns)
        return conn.execute(f"SELECT {picked} FROM finding_state ORDER BY rowid").fetchall()


@pytest.mark.parametrize("texts", [TEXTS, [*TEXTS, "a bell\x07"]], ids=["as-json", "a-control-character"])
def test_rows_given_as_json_are_stored_as_bound(tmp_path, monkeypatch, texts):
    state = _state(texts)
    order = np.argsort(state["finding_id"].to_numpy(dtype=object), kind="stable")   # written sorted by id
    as_json = [json_rows.tokens(state[c], c in DATES, order) is not None for c in state]
    assert all(as_json) if texts == TEXTS else not all(as_json)   # the driver's way only for the bell
    for way, from_rows in (("json", bulk._AS_JSON), ("bound", N + 1)):
        monkeypatch.setattr(bulk, "_AS_JSON", from_rows)
        store = open_store(tmp_path / f"{way}.sqlite")
        try:
            with store.engine.begin() as conn:
                bulk.bulk_insert(conn, S.finding_state, state, DATES, order)
        finally:
            store.close()
    stored = _stored(tmp_path / "json.sqlite")
    assert len(stored) == N and stored == _stored(tmp_path / "bound.sqlite")
    assert stored[0][3] == "F-00000" and {r[3] for r in stored} == set(state["finding_id"])
    assert {r[13] for r in stored} >= {"two\nlines", "back\\slash", 'a "quoted" word', "party 🎉", "", "null", None}
    assert {r[37] for r in stored} >= {-(2 ** 63), 2 ** 63 - 1, 0}
