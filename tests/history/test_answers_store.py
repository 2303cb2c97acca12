"""The answers store: a firm's answers recorded with their invite, kind, date, note and batch; another
firm's finding refused whole; the latest answer per finding read back for the portal, for the next audit
and for reminders; on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from auditor.history import schema as S
from auditor.history.answers import (
    Answer, NotTheFirms, answers_for_audit, firm_progress, latest_answers, months_ahead, problem,
    record_answers,
)
from auditor.history.store import open_store
from auditor.portal.invites import make_invites
from tests.test_portal_invites import BASE, court_export, record

TODAY = dt.date(2026, 12, 7)


def _ids(conn, run_id, firm):
    f = S.run_findings
    return conn.execute(select(f.c.finding_id, f.c.rule_id).where(f.c.run_id == run_id, f.c.firm_key == firm)
                        .order_by(f.c.finding_id)).all()


def test_answers_recorded_read_back_and_kept_to_their_firm(tmp_path, history_url):
    run_id = record(court_export(tmp_path, firms=("Alpha Law LLP", "Beta & Co, P.C.", "Gamma LLP")),
                    history_url, "2026-11-30")
    store = open_store(history_url, create=False)
    try:
        invites = {i.firm_name: i for i in make_invites(store, BASE)}
        with store.engine.connect() as conn:
            inv = {r.firm_key: r.id for r in conn.execute(select(S.invites.c.firm_key, S.invites.c.id))}
            alpha, beta = invites["Alpha Law LLP"].firm_key, invites["Beta & Co, P.C."].firm_key
            mine, theirs = _ids(conn, run_id, alpha), _ids(conn, run_id, beta)
        assert len(mine) == 2 and len(theirs) == 2
        who = {"scope": "courts:ncmb", "run_id": run_id, "invite_id": inv[alpha], "firm_key": alpha}
        at = dt.datetime(2026, 12, 7, 10, 0)
        with store.engine.connect() as conn, conn.begin():
            one = record_answers(conn, **who, answers=[Answer(mine[0][0], "will_fix", dt.date(2027, 1, 15),
                                                              " New account asked for. ")], today=TODAY, now=at)
            assert one is None     # a single answer is no batch
        with store.engine.connect() as conn, conn.begin():   # both of one kind answered together, later
            batch = record_answers(conn, **who, answers=[Answer(i, "fixed", None, "Linked") for i, _ in mine],
                                   today=TODAY, now=at + dt.timedelta(minutes=5))
        assert batch and len(batch) == 16
        # another firm's finding, alone or among the firm's own: refused whole, nothing written
        for chosen in ([theirs[0][0]], [mine[0][0], theirs[1][0]], ["no-such-id"]):
            with pytest.raises(NotTheFirms, match="not one of your firm's findings"):
                with store.engine.connect() as conn, conn.begin():
                    record_answers(conn, **who, answers=[Answer(i, "fixed") for i in chosen], today=TODAY)
        with pytest.raises(NotTheFirms, match="reason"):
            with store.engine.connect() as conn, conn.begin():
                record_answers(conn, **who, answers=[Answer(mine[0][0], "accepted", dt.date(2027, 3, 1), " ")],
                               today=TODAY)
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(S.answers)).scalar() == 3
            rows = conn.execute(select(S.answers).order_by(S.answers.c.id)).mappings().all()
            assert rows[0]["note"] == "New account asked for." and rows[0]["on_date"] == dt.date(2027, 1, 15)
            assert rows[0]["invite_id"] == inv[alpha] and rows[0]["rule_id"] == mine[0][1]
            assert rows[0]["answered_at"] == at and rows[0]["batch_id"] is None
            assert {r["batch_id"] for r in rows[1:]} == {batch}

            latest = latest_answers(conn, scope="courts:ncmb", run_id=run_id, firm_key=alpha)
            assert set(latest) == {i for i, _ in mine}
            assert {a["kind"] for a in latest.values()} == {"fixed"}   # the later answer stands in front
            assert latest_answers(conn, scope="courts:ncmb", run_id=run_id, firm_key=beta) == {}

            progress = {p.firm_name: p for p in firm_progress(conn, scope="courts:ncmb", run_id=run_id)}
            assert [(p.findings, p.answered) for p in progress.values()] == [(2, 2), (2, 0), (2, 0)]
            assert progress["Alpha Law LLP"].last_answered_at == at + dt.timedelta(minutes=5)
            assert progress["Beta & Co, P.C."].last_answered_at is None

            # the next audit reads answers about earlier months only
            assert answers_for_audit(conn, scope="courts:ncmb", before=dt.date(2026, 11, 30)) == {}
            later = answers_for_audit(conn, scope="courts:ncmb", before=dt.date(2026, 12, 31))
            assert set(later) == {i for i, _ in mine}
            assert {a["as_of"] for a in later.values()} == {dt.date(2026, 11, 30)}
            assert answers_for_audit(conn, scope="courts:other", before=dt.date(2026, 12, 31)) == {}
    finally:
        store.close()


@pytest.mark.parametrize("kind, on, note, says", [
    ("will_fix", None, "", "Give the date by which it will be fixed."),
    ("will_fix", dt.date(2026, 12, 6), "", "between today and December 7, 2027"),
    ("will_fix", dt.date(2027, 12, 8), "", "between today and December 7, 2027"),
    ("left_firm", dt.date(2026, 12, 8), "", "today or earlier"),
    ("left_firm", None, "", "Give the date the person left the firm."),
    ("accepted", dt.date(2026, 12, 7), "Retiring", "must end after today"),
    ("accepted", dt.date(2027, 12, 8), "Retiring", "12 months ahead"),
    ("accepted", dt.date(2027, 6, 1), "  ", "Give the reason you accept it"),
    ("shrug", None, "", "Choose one of the answers."),
    ("fixed", None, "x" * 2001, "The note is too long"),
])
def test_answers_that_cannot_be_recorded_say_why(kind, on, note, says):
    assert says in problem(kind, on, note, TODAY)


@pytest.mark.parametrize("kind, on, note", [
    ("will_fix", TODAY, ""), ("will_fix", dt.date(2027, 12, 7), ""), ("fixed", None, ""),
    ("not_ours", None, ""), ("left_firm", TODAY, ""), ("accepted", dt.date(2027, 12, 7), "Retiring in June"),
])
def test_answers_that_can_be_recorded(kind, on, note):
    assert problem(kind, on, note, TODAY) is None


def test_twelve_months_ahead_keeps_to_the_month():
    assert months_ahead(dt.date(2026, 12, 7)) == dt.date(2027, 12, 7)
    assert months_ahead(dt.date(2027, 2, 28)) == dt.date(2028, 2, 28)
    assert months_ahead(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert months_ahead(dt.date(2026, 3, 31), 1) == dt.date(2026, 4, 30)
