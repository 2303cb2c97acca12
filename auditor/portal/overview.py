"""What the clerk's page shows, read from the history for the court's latest recorded run: each firm with
findings, its links (when sent, when they end), whether it answered, the messages sent to it (the
deliveries table), and acceptances that end soon (the firms' own and those typed into the report).

Everything is read in a few grouped queries (one per table), never one query per firm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from auditor.history import schema as S
from auditor.history.answers import firm_progress, latest_answers
from auditor.portal.invites import latest_court_run

SOON_DAYS = 30          # acceptances ending within this many days are listed
LINK_SOON_DAYS = 3      # links ending within this many days are marked
DELIVERY_WORDS = {"notice": "Notice", "new-link": "New link", "reminder-1": "Reminder 1", "reminder-2": "Reminder 2",
                  "reminder-3": "Reminder 3"}
STATE_WORDS = {"queued": "Waiting to be sent", "sent": "Sent", "failed-for-now": "Not sent yet (will be tried again)",
               "refused": "Refused by the mail server"}


@dataclass
class FirmLine:
    key: str
    name: str
    findings: int
    answered: int = 0
    last_answered: dt.datetime | None = None
    links: int = 0
    link_sent: dt.datetime | None = None     # the latest link made for the firm
    link_ends: dt.datetime | None = None     # when the latest link ends
    link_ends_soon: bool = False
    messages: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.answered == 0:
            return "Not answered"
        if self.answered < self.findings:
            return f"Answered {self.answered} of {self.findings}"
        return "Answered all"


@dataclass
class Overview:
    run_id: int
    scope: str
    label: str
    as_of: dt.date
    recorded_at: dt.datetime
    firms: list[FirmLine]
    ending: list[dict]                # acceptances ending within SOON_DAYS (firm, person, problem, until, by)
    deliveries: list[dict]            # every message recorded for the run's month
    today: dt.date

    @property
    def waiting(self) -> list[FirmLine]:
        return [f for f in self.firms if f.answered == 0]

    @property
    def answered(self) -> list[FirmLine]:
        return [f for f in self.firms if f.answered > 0]

    @property
    def invited(self) -> int:
        return sum(1 for f in self.firms if f.links)


def overview(conn, rule_text, now: dt.datetime | None = None) -> Overview | None:
    """The clerk's view of the latest court run, or None when no court run is recorded.  ``rule_text(rule_id)``
    gives (problem, what to do) in the report's words."""
    now = now or dt.datetime.now()
    today = now.date()
    latest = latest_court_run(conn)
    if latest is None:
        return None
    run_id, scope, label, as_of = latest
    recorded = conn.execute(select(S.runs.c.recorded_at).where(S.runs.c.id == run_id)).scalar()
    firms = {p.firm_key: FirmLine(p.firm_key, p.firm_name, p.findings, p.answered, p.last_answered_at)
             for p in firm_progress(conn, scope=scope, run_id=run_id)}
    i = S.invites
    for key, n, sent, ends in conn.execute(
            select(i.c.firm_key, func.count(), func.max(i.c.created_at), func.max(i.c.expires_at))
            .where(i.c.run_id == run_id).group_by(i.c.firm_key)).all():
        line = firms.get(key)
        if line is not None:
            line.links, line.link_sent, line.link_ends = n, sent, ends
            line.link_ends_soon = ends is not None and now < ends <= now + dt.timedelta(days=LINK_SOON_DAYS)
    d = S.deliveries
    sent_rows = [dict(r) for r in conn.execute(
        select(d.c.firm_key, d.c.firm_name, d.c.kind, d.c.recipients, d.c.state, d.c.answer, d.c.updated_at)
        .where(d.c.scope == scope, d.c.as_of == as_of)
        .order_by(d.c.firm_name, d.c.kind)).mappings()]
    for row in sent_rows:
        row["what"] = DELIVERY_WORDS.get(row["kind"], row["kind"])
        row["state_words"] = STATE_WORDS.get(row["state"], row["state"])
        if row["firm_key"] in firms:
            firms[row["firm_key"]].messages.append(row)
    lines = sorted(firms.values(), key=lambda f: (f.name.casefold(), f.key))
    return Overview(run_id, scope, label, as_of, recorded, lines,
                    _ending(conn, scope, run_id, firms, rule_text, today), sent_rows, today)


def _ending(conn, scope: str, run_id: int, firms: dict, rule_text, today: dt.date) -> list[dict]:
    """Acceptances of the run's findings that end within SOON_DAYS: the firms' answers "accepted until"
    (the latest answer of each finding) and the accepted-until dates the court's report carries."""
    until = today + dt.timedelta(days=SOON_DAYS)
    st, f = S.finding_state, S.run_findings
    out = {}
    for r in conn.execute(
            select(st.c.finding_id, st.c.firm_key, st.c.firm_name, st.c.person_name, st.c.rule_id,
                   st.c.accepted_until)
            .select_from(f.join(st, and_(st.c.scope == scope, st.c.finding_id == f.c.finding_id)))
            .where(f.c.run_id == run_id, st.c.status == "Accepted", st.c.accepted_until.is_not(None),
                   st.c.accepted_until <= until)).mappings():
        out[r["finding_id"]] = {**r, "until": r["accepted_until"], "by": "the court's report"}
    answers = latest_answers(conn, scope=scope, run_id=run_id)
    mine = {k: a for k, a in answers.items() if a["kind"] == "accepted" and a["on_date"] is not None
            and a["on_date"] <= until}
    if mine:
        people = {r.finding_id: r for r in conn.execute(
            select(st.c.finding_id, st.c.firm_name, st.c.person_name)
            .where(st.c.scope == scope, st.c.finding_id.in_(sorted(mine)))).all()}
        for fid, a in mine.items():
            p = people.get(fid)
            name = (p.firm_name if p is not None else None) or getattr(firms.get(a["firm_key"]), "name", a["firm_key"])
            out[fid] = {"finding_id": fid, "firm_key": a["firm_key"], "firm_name": name,
                        "person_name": p.person_name if p is not None else "", "rule_id": a["rule_id"],
                        "until": a["on_date"], "by": "the firm",
                        "note": a["note"]}
    rows = sorted(out.values(), key=lambda r: (r["until"], (r["firm_name"] or "").casefold(), r["finding_id"]))
    for r in rows:
        r["problem"] = rule_text(r["rule_id"])[0]
        r["ended"] = r["until"] < today
    return rows
