"""Portal sessions and what a session may read: one firm's findings of one court run.

A session starts only when a person presses the invite page's button (a POST), never when a link is
opened: mail scanners open links, and opening changes nothing.  Its cookie is random; the history keeps
only its SHA-256.  A session lasts at most 8 hours, and ends early when the next month of its court is
recorded.  Everything a session reads is selected by the firm key, scope and run of its invite, in SQL:
no row of another firm is ever read into the page's process.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import and_, delete, func, insert, select

from auditor.history import schema as S
from auditor.model import SEVERITIES
from auditor.portal.invites import TOKEN_BYTES, Scope, _next_month, token_hash

SESSION_LIFETIME = dt.timedelta(hours=8)


def start_session(conn, invite: Scope, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """(the new session's cookie value, when it ends); the caller commits."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    s = S.portal_sessions
    conn.execute(delete(s).where(s.c.expires_at <= now))   # expired sessions are not kept
    cookie = secrets.token_urlsafe(TOKEN_BYTES)
    ends = now + SESSION_LIFETIME
    conn.execute(insert(s).values(id_hash=token_hash(cookie), invite_id=invite.invite_id, created_at=now,
                                  expires_at=ends))
    return cookie, ends


def find_session(conn, cookie: str | None, now: dt.datetime | None = None) -> Scope | None:
    """The firm, scope and run a session cookie opens, while the session holds; else None."""
    if not cookie or len(cookie) > 200:
        return None
    now = now or dt.datetime.now()
    s, i, r = S.portal_sessions, S.invites, S.runs
    row = conn.execute(select(i.c.id, i.c.scope, i.c.run_id, i.c.as_of, i.c.firm_key, i.c.firm_name,
                              s.c.expires_at).select_from(s.join(i, i.c.id == s.c.invite_id))
                       .where(s.c.id_hash == token_hash(cookie))).first()
    if row is None or row.expires_at <= now:
        return None
    later = conn.execute(select(func.count()).select_from(r).where(
        r.c.scope == row.scope, r.c.as_of >= _next_month(row.as_of))).scalar()
    if later:
        return None
    return Scope(row.id, row.id, row.scope, row.run_id, row.as_of, row.firm_key, row.firm_name, row.expires_at)


def end_session(conn, cookie: str | None) -> None:
    if cookie and len(cookie) <= 200:
        conn.execute(delete(S.portal_sessions).where(S.portal_sessions.c.id_hash == token_hash(cookie)))


def firm_findings(conn, scope: Scope) -> list[dict]:
    """The firm's findings in its invite's run: person, logins, rule, severity, due date, status."""
    f, st = S.run_findings, S.finding_state
    rows = conn.execute(
        select(st.c.person_name, st.c.cmecf_login, st.c.pacer_username, f.c.rule_id, f.c.severity,
               f.c.due_date, f.c.status, f.c.finding_id)
        .select_from(f.join(st, and_(st.c.scope == scope.scope, st.c.finding_id == f.c.finding_id)))
        .where(f.c.run_id == scope.run_id, f.c.firm_key == scope.firm_key, st.c.firm_key == scope.firm_key)
    ).mappings().all()
    order = {s: n for n, s in enumerate(SEVERITIES)}
    return sorted((dict(r) for r in rows),
                  key=lambda r: (order.get(r["severity"], 99), r["due_date"] or dt.date.max,
                                 (r["person_name"] or "").casefold(), r["finding_id"]))
