"""Portal links (invites) as the history keeps them, for whoever makes them: ``auditor invite`` and the
portal (``auditor.portal.invites``) and ``auditor notify --base-url`` (a link in each firm's message).

A link carries a random 256-bit token; the history keeps only its SHA-256, with the firm, the scope (the
court) and the run it opens.  A link ends 15 days after it was made, or as soon as a later month of the
same scope is recorded, whichever comes first.  Links are built from the base URL the court configures,
never from a request's Host header.  Since only the hash is kept, a link once printed or sent cannot be
shown again: a message that needs one gets a new one (``issue``), and the firm's earlier links to the
same run end then, so that one link per firm and run works at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from urllib.parse import urlsplit

from sqlalchemy import and_, func, insert, select, update

from auditor.errors import UsageError
from auditor.history import schema as S
from auditor.history.state import current

TOKEN_BYTES = 32                       # 256 bits
LIFETIME = dt.timedelta(days=15)
PATH = "/invite/"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; UsageError unless it is http(s)://host[:port][/path]."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--base-url {text!r} is not a web address: give one such as https://audit.example-court.gov")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise UsageError(f"--base-url {text!r} must be the server's address only, without ?query, #fragment or user")
    return text.rstrip("/")


def link(base_url: str, token: str) -> str:
    return f"{base_url}{PATH}{token}"


def next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def later_month_recorded(conn, scope: str, as_of: dt.date) -> bool:
    """A later month of the scope is recorded: links to a run of ``as_of`` no longer open."""
    r = S.runs
    return bool(conn.execute(select(func.count()).select_from(r).where(
        r.c.scope == scope, r.c.as_of >= next_month(as_of), current())).scalar())


def _live(scope: str, run_id: int, keys, now: dt.datetime):
    i = S.invites.c
    return and_(i.scope == scope, i.run_id == run_id, i.firm_key.in_(list(keys)), i.expires_at > now)


def live_links(conn, *, scope: str, run_id: int, keys, now: dt.datetime | None = None) -> int:
    """How many of these firms have a link to the run that still works."""
    now = now or dt.datetime.now()
    return conn.execute(select(func.count(func.distinct(S.invites.c.firm_key)))
                        .where(_live(scope, run_id, keys, now))).scalar() or 0


def issue(conn, *, scope: str, run_id: int, as_of: dt.date, firms: dict[str, str], base_url: str,
          now: dt.datetime | None = None) -> tuple[dict[str, tuple[str, dt.datetime]], int]:
    """A new link per firm (key -> name) to the run, in the caller's transaction; each firm's earlier links
    to the same run that still work end now (a session already opened from one keeps its hours).
    Returns (key -> (link, when it ends), how many firms had a working link that ended)."""
    base = check_base_url(base_url)
    now = (now or dt.datetime.now()).replace(microsecond=0)
    ends = now + LIFETIME
    out: dict[str, tuple[str, dt.datetime]] = {}
    ended = 0
    keys = list(firms)
    for start in range(0, len(keys), 500):        # a bounded IN list per statement
        chunk = keys[start:start + 500]
        ended += live_links(conn, scope=scope, run_id=run_id, keys=chunk, now=now)
        conn.execute(update(S.invites).where(_live(scope, run_id, chunk, now)).values(expires_at=now))
    rows = []
    for key in keys:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        rows.append({"token_hash": token_hash(token), "scope": scope, "run_id": run_id, "as_of": as_of,
                     "firm_key": key, "firm_name": firms[key] or key, "created_at": now, "expires_at": ends})
        out[key] = (link(base, token), ends)
    if rows:
        conn.execute(insert(S.invites), rows)
    return out, ended
