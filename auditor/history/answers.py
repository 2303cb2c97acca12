"""Firms' answers to their findings, given on the portal, and what reads them back.

Every answer is one new row (nothing is rewritten): the firm, the scope (the court), the run and the
invite it came through, the finding and its rule, the kind of answer, the date it names, the note, when,
and a batch id shared by the findings of one kind answered together.  A later answer to the same
finding stands in front of the earlier ones; the earlier ones stay as the record.

Recording checks, in the same SQL as the insert, that every finding is the firm's own in the invite's
run: an id of another firm's finding is refused whole (:class:`NotTheFirms`), nothing recorded.

Readers:

- :func:`latest_answers`    the latest answer per finding, of one run (and firm), for the portal's page
- :func:`answers_for_audit` the latest answer per finding of a scope given before an audit date, for
                            the next audit's report
- :func:`firm_progress`     per firm with findings in a run: how many findings, how many answered, when
                            last (``answered == 0`` means the firm has not answered; reminders read this)
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, insert, select

from auditor.history import schema as S

# the kinds of answer, and how the firm's page and the report name them
KINDS = {
    "will_fix": "Will fix by",
    "fixed": "Fixed",
    "not_ours": "Not our person",
    "left_firm": "Left the firm",
    "accepted": "Accepted until",
}
DATED = {"will_fix", "left_firm", "accepted"}     # the kinds that name a date (required for them)
MAX_NOTE_CHARS = 2_000
MAX_AHEAD_DAYS = 366                              # at most 12 months ahead (a leap year's too)
MAX_BATCH = 2_000                                 # findings answered together, at most


def words(kind: str, on_date: dt.date | None) -> str:
    """An answer in plain words, as the firm's page and the court's report write it."""
    dated = {"will_fix": "Will fix by", "left_firm": "Left the firm on", "accepted": "Accepted until"}
    if kind in dated:
        return f"{dated[kind]} {on_date.isoformat() if on_date else '(no date)'}"
    return KINDS.get(kind, kind)


class NotTheFirms(ValueError):
    """A finding id that is not one of the firm's findings in the invite's run (or a bad answer)."""


@dataclass(frozen=True)
class Answer:
    finding_id: str
    kind: str
    on_date: dt.date | None = None
    note: str = ""


def months_ahead(today: dt.date, months: int = 12) -> dt.date:
    """The same day ``months`` later (the month's last day where it has fewer days)."""
    y, m = divmod(today.month - 1 + months, 12)
    year, month = today.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(today.day, last))


def problem(kind: str, on_date: dt.date | None, note: str, today: dt.date) -> str | None:
    """One plain sentence saying what is wrong with an answer, or None when it can be recorded."""
    if kind not in KINDS:
        return "Choose one of the answers."
    if len(note) > MAX_NOTE_CHARS:
        return f"The note is too long: at most {MAX_NOTE_CHARS:,} characters."
    latest = months_ahead(today)
    if kind in DATED and on_date is None:
        return {"will_fix": "Give the date by which it will be fixed.",
                "left_firm": "Give the date the person left the firm.",
                "accepted": "Give the date until which you accept it."}[kind]
    if kind == "will_fix" and on_date is not None and not today <= on_date <= latest:
        return (f"The date to fix it by must be between today and {latest:%B} {latest.day}, {latest.year}"
                " (12 months ahead).")
    if kind == "left_firm" and on_date is not None and not dt.date(1900, 1, 1) <= on_date <= today:
        return "The date the person left must be today or earlier."
    if kind == "accepted":
        if on_date is not None and not today < on_date <= latest:
            return (f"An acceptance can last until {latest:%B} {latest.day}, {latest.year} at most "
                    "(12 months ahead), and must end after today.")
        if not note.strip():
            return "Give the reason you accept it: the court reads it."
    return None


def record_answers(conn, *, scope: str, run_id: int, invite_id: int, firm_key: str, answers: list[Answer],
                   today: dt.date | None = None, now: dt.datetime | None = None,
                   together: bool | None = None) -> str | None:
    """Record ``answers`` of one firm through one invite, in the caller's transaction (the caller commits).

    Every finding must be the firm's own in the run, else :class:`NotTheFirms` and nothing is written;
    every answer must pass :func:`problem`, else :class:`NotTheFirms` with its sentence.  Findings
    answered together (``together``, by default when there are several) share a batch id, returned."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    today = today or now.date()
    if not answers or len(answers) > MAX_BATCH:
        raise NotTheFirms("No findings were chosen." if not answers else "Too many findings at once.")
    for a in answers:
        said = problem(a.kind, a.on_date, a.note, today)
        if said:
            raise NotTheFirms(said)
    ids = sorted({a.finding_id for a in answers})
    if len(ids) != len(answers):
        raise NotTheFirms("A finding was chosen twice.")
    f = S.run_findings
    owned = dict(conn.execute(select(f.c.finding_id, f.c.rule_id).where(
        f.c.run_id == run_id, f.c.firm_key == firm_key, f.c.finding_id.in_(ids))).all())
    if len(owned) != len(ids):
        raise NotTheFirms("That finding is not one of your firm's findings.")
    batch = secrets.token_hex(8) if (together if together is not None else len(answers) > 1) else None
    conn.execute(insert(S.answers), [
        {"scope": scope, "run_id": run_id, "invite_id": invite_id, "firm_key": firm_key,
         "finding_id": a.finding_id, "rule_id": owned[a.finding_id], "kind": a.kind,
         "on_date": a.on_date if a.kind in DATED else None, "note": a.note.strip(), "batch_id": batch,
         "answered_at": now} for a in answers])
    return batch


_COLUMNS = ("id", "finding_id", "firm_key", "rule_id", "kind", "on_date", "note", "batch_id", "answered_at",
            "invite_id", "run_id")


def _latest(where) -> Select:
    """The latest answer per finding among the rows ``where`` selects (ties: the higher id)."""
    a = S.answers
    ranked = select(*[a.c[c] for c in _COLUMNS], func.row_number().over(
        partition_by=a.c.finding_id, order_by=(a.c.answered_at.desc(), a.c.id.desc())).label("n")).where(where)
    sub = ranked.subquery()
    return select(*[sub.c[c] for c in _COLUMNS]).where(sub.c.n == 1).order_by(sub.c.finding_id)


def latest_answers(conn, *, scope: str, run_id: int, firm_key: str | None = None) -> dict[str, dict]:
    """finding id -> its latest answer (a dict of the row) given through invites of ``run_id``."""
    a = S.answers
    where = and_(a.c.scope == scope, a.c.run_id == run_id)
    if firm_key is not None:
        where = and_(where, a.c.firm_key == firm_key)
    return {r["finding_id"]: dict(r) for r in conn.execute(_latest(where)).mappings()}


def answers_for_audit(conn, *, scope: str, before: dt.date) -> dict[str, dict]:
    """finding id -> the latest answer given about a run of ``scope`` audited before ``before`` (answers
    about this month's own run, or a later one, are not the next audit's to read).  Each row carries the
    ``as_of`` of the run it answered."""
    a, r = S.answers, S.runs
    rows = conn.execute(_latest(and_(a.c.scope == scope, a.c.run_id.in_(
        select(r.c.id).where(r.c.scope == scope, r.c.as_of < before))))).mappings().all()
    as_of = dict(conn.execute(select(r.c.id, r.c.as_of).where(
        r.c.id.in_({row["run_id"] for row in rows}))).all()) if rows else {}
    return {row["finding_id"]: {**row, "as_of": as_of.get(row["run_id"])} for row in rows}


@dataclass(frozen=True)
class FirmProgress:
    firm_key: str
    firm_name: str
    findings: int
    answered: int
    last_answered_at: dt.datetime | None


def firm_progress(conn, *, scope: str, run_id: int) -> list[FirmProgress]:
    """Each firm with findings in the run: its findings, how many it answered, and when it last did."""
    f, st, a = S.run_findings, S.finding_state, S.answers
    found = conn.execute(
        select(f.c.firm_key, func.min(st.c.firm_name), func.count())
        .select_from(f.join(st, and_(st.c.scope == scope, st.c.finding_id == f.c.finding_id), isouter=True))
        .where(f.c.run_id == run_id, f.c.firm_key != "").group_by(f.c.firm_key)).all()
    done = {k: (n, last) for k, n, last in conn.execute(
        select(a.c.firm_key, func.count(func.distinct(a.c.finding_id)), func.max(a.c.answered_at))
        .where(a.c.scope == scope, a.c.run_id == run_id).group_by(a.c.firm_key)).all()}
    out = [FirmProgress(k, name or k, n, *done.get(k, (0, None))) for k, name, n in found]
    return sorted(out, key=lambda p: (p.firm_name.casefold(), p.firm_key))


def for_audit(conn, scope: str, as_of: dt.date):
    """(the answers an audit of ``scope`` dated ``as_of`` reads, as ``firm_answers.answers_frame``; each
    firm's progress on the previous run when links were made for it, else []).  (None, []) on a first run."""
    from auditor.history.firm_answers import answers_frame
    from auditor.history.state import current

    r, i = S.runs, S.invites
    prev = conn.execute(select(r.c.id, r.c.as_of).where(r.c.scope == scope, r.c.as_of < as_of, current())
                        .order_by(r.c.as_of.desc(), r.c.id.desc()).limit(1)).first()
    if prev is None:
        return None, []
    now = answers_for_audit(conn, scope=scope, before=as_of)
    before = answers_for_audit(conn, scope=scope, before=prev.as_of) if now else {}
    asked = conn.execute(select(func.count()).select_from(i).where(i.c.run_id == prev.id)).scalar()
    return answers_frame(now, before), firm_progress(conn, scope=scope, run_id=prev.id) if asked else []
