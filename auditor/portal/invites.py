"""Invites: one link per firm for the court's latest recorded run.

A link carries a random 256-bit token; the history keeps only its SHA-256, with the firm, the scope (the
court) and the run it opens.  A link ends 15 days after it was made, or as soon as a later month of the
same scope is recorded, whichever comes first.  Opening it does not use it up (mail scanners open links
before people do); the session it starts is what the portal trusts.  Links are built from the base URL
the court configures, never from a request's Host header.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, insert, select

from auditor.errors import UsageError
# the link, its token and the base URL check are the history's, shared with ``auditor notify --base-url``
from auditor.history.invites import (LIFETIME, PATH, TOKEN_BYTES, check_base_url, link,  # noqa: F401
                                     next_month as _next_month, token_hash)
from auditor.history.record import COURTS, courts_scope, scope_courts
from auditor.history.state import current
from auditor.history import schema as S
from auditor.history.store import Store, translated
from auditor.normalize import firm_key


@dataclass
class Invite:
    firm_name: str
    firm_key: str
    scope_label: str
    as_of: dt.date
    expires_at: dt.datetime
    link: str


@dataclass
class Scope:
    id: int
    invite_id: int
    scope: str
    run_id: int
    as_of: dt.date
    firm_key: str
    firm_name: str
    expires_at: dt.datetime


def latest_court_run(conn, courts=()):
    """(run id, scope, scope label, as_of) of the latest recorded court run, or None.

    ``courts`` (court ids) picks the scope of exactly those courts; without them, the latest court run of
    any scope."""
    r = S.runs
    where = [r.c.scope.like(COURTS + "%"), current()]   # not a run replaced or removed
    if courts:
        where.append(r.c.scope == court_scope(courts))
    return conn.execute(select(r.c.id, r.c.scope, r.c.scope_label, r.c.as_of).where(*where)
                        .order_by(r.c.as_of.desc(), r.c.id.desc()).limit(1)).first()


def court_scope(courts) -> str:
    """The history's scope key of the court ids ``courts`` as typed (any case, spaces around)."""
    return courts_scope(str(c).strip().lower() for c in courts if str(c).strip())[0]


def court_scopes(conn) -> list[tuple[str, dt.date]]:
    """(scope label, latest as_of) of every court scope with a current run, latest first."""
    r = S.runs
    rows = conn.execute(select(r.c.scope, func.max(r.c.scope_label), func.max(r.c.as_of))
                        .where(r.c.scope.like(COURTS + "%"), current()).group_by(r.c.scope)).all()
    return sorted(((label, as_of) for _scope, label, as_of in rows), key=lambda t: (t[1], t[0]), reverse=True)


def run_firms(conn, scope: str, run_id: int) -> dict[str, str]:
    """firm key -> firm name as written, for the firms with findings in the run."""
    f, st = S.run_findings, S.finding_state
    rows = conn.execute(select(st.c.firm_key, func.min(st.c.firm_name))
                        .select_from(f.join(st, and_(st.c.finding_id == f.c.finding_id, st.c.scope == scope)))
                        .where(f.c.run_id == run_id, st.c.firm_key != "")
                        .group_by(st.c.firm_key)).all()
    return {k: (n or k) for k, n in rows if k}


def make_invites(store: Store, base_url: str, firms=(), now: dt.datetime | None = None, *,
                 courts=(), one_scope: bool = False) -> list[Invite]:
    """One new link per firm (all firms with findings, or the named ``firms``) of the latest court run
    (of the scope of ``courts`` when given).  ``one_scope``: refuse, rather than pick the latest, when the
    history holds runs of several court scopes and ``courts`` does not say which."""
    base = check_base_url(base_url)
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with translated(store.label), store.engine.connect() as conn, conn.begin():
        store.lock(conn)
        scopes = court_scopes(conn) if one_scope and not courts else []
        if len(scopes) > 1:
            listed = "; ".join(f"{label} (latest {as_of.isoformat()})" for label, as_of in scopes)
            raise UsageError(f"history {store.label} holds runs of {len(scopes)} court scopes: {listed}; "
                             "name the courts with --court")
        latest = latest_court_run(conn, courts)
        if latest is None and courts:
            known = "; ".join(label for label, _ in court_scopes(conn)) or "none"
            raise UsageError(f"history {store.label} holds no run of {','.join(scope_courts(court_scope(courts)))} "
                             f"(exactly these courts; recorded: {known}): check --court")
        if latest is None:
            raise UsageError(f"history {store.label} holds no court run yet: record an audit of a court export first")
        run_id, scope, label, as_of = latest
        found = run_firms(conn, scope, run_id)
        if firms:
            wanted = dict(zip(firm_key(pd.Series(list(firms), dtype=object)).fillna(""), firms))
            unknown = [name for key, name in wanted.items() if key not in found]
            if unknown:
                raise UsageError(f"no findings for {', '.join(repr(n) for n in unknown)} in the latest court run "
                                 f"({label}, {as_of.isoformat()}): check the firm's name as the report writes it")
            found = {k: found[k] for k in wanted}
        out, rows = [], []
        for key, name in sorted(found.items(), key=lambda kv: kv[1].casefold()):
            token = secrets.token_urlsafe(TOKEN_BYTES)
            rows.append({"token_hash": token_hash(token), "scope": scope, "run_id": run_id, "as_of": as_of,
                         "firm_key": key, "firm_name": name, "created_at": now, "expires_at": now + LIFETIME})
            out.append(Invite(name, key, label, as_of, now + LIFETIME, link(base, token)))
        if rows:
            conn.execute(insert(S.invites), rows)
    return out


def find_invite(conn, token: str, now: dt.datetime | None = None) -> Scope | None:
    """The invite of ``token`` while it holds (not expired, no later month of its scope recorded), else None."""
    if not token or len(token) > 200:
        return None
    now = now or dt.datetime.now()
    i, r = S.invites, S.runs
    row = conn.execute(select(i.c.id, i.c.scope, i.c.run_id, i.c.as_of, i.c.firm_key, i.c.firm_name,
                              i.c.expires_at).where(i.c.token_hash == token_hash(token))).first()
    if row is None or row.expires_at <= now:
        return None
    later = conn.execute(select(func.count()).select_from(r).where(
        r.c.scope == row.scope, r.c.as_of >= _next_month(row.as_of), current())).scalar()
    if later:
        return None
    return Scope(row.id, row.id, row.scope, row.run_id, row.as_of, row.firm_key, row.firm_name, row.expires_at)
