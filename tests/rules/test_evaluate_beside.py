"""The pandas engine evaluates the kinds other than the largest on a second thread: the findings, the
rules' counts and the readiness are the same as when the kinds are evaluated one after the other."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pandas as pd

from auditor.api import audit_tables, load_inputs
from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER
from auditor.engines import evaluate as ev
from auditor.engines.pandas_engine import pandas_matcher

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _tables():
    return load_inputs({COURT_ACCOUNTS: sorted(SAMPLE.glob("court_accounts*")),
                        ROSTER: sorted(SAMPLE.glob("roster*")),
                        PACER_ACCOUNTS: sorted(SAMPLE.glob("pacer_accounts*"))})


def test_kinds_beside_each_other_find_what_one_after_the_other_finds():
    threads: dict[str, set[str]] = {}

    def watched(rules, kind, frame):   # pandas' matcher, noting the thread of each kind
        threads.setdefault(kind, set()).add(threading.current_thread().name)
        return pandas_matcher(rules, kind, frame)

    original = ev.pandas_matcher
    try:   # the two-thread path is taken for the pandas matcher alone: make the watched one it
        ev.pandas_matcher = watched
        beside = audit_tables(_tables(), as_of=dt.date(2026, 11, 30), matcher=watched)
    finally:
        ev.pandas_matcher = original
    in_turn = audit_tables(_tables(), as_of=dt.date(2026, 11, 30),
                           matcher=lambda rules, kind, frame: pandas_matcher(rules, kind, frame))

    assert set(threads) == {COURT_ACCOUNTS, ROSTER, PACER_ACCOUNTS}
    assert len(set().union(*threads.values())) == 2   # the largest kind on the calling thread, the rest beside
    assert len(beside.findings) > 0
    pd.testing.assert_frame_equal(beside.findings, in_turn.findings)
    assert [(r.id, r.findings, r.ran, r.reason) for r in beside.rules] == \
        [(r.id, r.findings, r.ran, r.reason) for r in in_turn.rules]
    assert beside.readiness == in_turn.readiness
