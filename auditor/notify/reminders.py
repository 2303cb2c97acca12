"""Reminders (``auditor notify --reminders``): a short message to each firm whose findings of the run are
not all answered on the portal, at most three a month per firm.

A firm is reminded only when its notice for the run was sent, some of its findings that ask for action
(high, medium or low, open or in progress) have no answer on the portal yet (items for information only
need none), and fewer than three reminders went to it for the month of the run (every run of that month
of the court counted).  Each reminder is recorded in the deliveries with
its kind, ``reminder-1`` to ``reminder-3``: one sent, refused or written as a draft (the clerk sends it
by hand) counts; one that failed for now is sent again, as the same reminder, by the next run.  A firm
that answered everything gets none; a fourth is refused with a line saying so.  With ``--base-url`` a
reminder carries a new link to the firm's page (its earlier links end, as for notices).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy import and_, func, select

from auditor.history import schema as S
from auditor.history.store import Store, translated
from auditor.notify import record
from auditor.notify.deliver import Item, Sending, _send_one, _write
from auditor.notify.message import _CONTROL, _address
from auditor.notify.render import render
from auditor.notify.source import ACTING, OPEN_STATUSES

MAX_PER_MONTH = 3
PREFIX = "reminder-"


@dataclass
class Due:
    item: Item              # the firm and its contacts
    number: int             # 1 to 3: the firm's reminder of the month
    unanswered: int
    findings: int
    notice_sent: dt.datetime | None


@dataclass
class Plan:
    due: list[Due] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # one plain line per firm not reminded, saying why


def _month(d: dt.date) -> tuple[dt.date, dt.date]:
    start = d.replace(day=1)
    return start, dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)


@dataclass
class Progress:
    findings: int       # the firm's findings to act on in the run (high, medium, low; open or in progress)
    answered: int       # how many of those have an answer on the portal


def _progress(conn, ref) -> dict[str, Progress]:
    """Per firm, its findings that ask for action and how many of them are answered.  Items for information
    only are left out: they ask for no answer, so a firm is never reminded of them."""
    f, a = S.run_findings, S.answers
    acting = and_(f.c.run_id == ref.run_id, f.c.firm_key != "", f.c.severity.in_(ACTING),
                  f.c.status.in_(OPEN_STATUSES))
    found = conn.execute(select(f.c.firm_key, func.count()).where(acting).group_by(f.c.firm_key)).all()
    done = dict(conn.execute(
        select(f.c.firm_key, func.count(func.distinct(a.c.finding_id)))
        .select_from(f.join(a, and_(a.c.finding_id == f.c.finding_id, a.c.run_id == f.c.run_id,
                                    a.c.scope == ref.scope)))
        .where(acting).group_by(f.c.firm_key)).all())
    return {key: Progress(n, done.get(key, 0)) for key, n in found}


def plan(store: Store, ref, items) -> Plan:
    """Which of ``items`` (firms with something to do and a contact) get a reminder now, and why not the others."""
    d = S.deliveries
    start, end = _month(ref.as_of)
    with translated(store.label), store.engine.connect() as conn:
        progress = _progress(conn, ref)
        rows = conn.execute(select(d.c.firm_key, d.c.kind, d.c.state, d.c.as_of, d.c.updated_at)
                            .where(d.c.scope == ref.scope, d.c.as_of >= start, d.c.as_of < end)).all()
    notices: dict[str, dt.datetime] = {}
    reminded: dict[str, int] = {}
    for key, kind, state, as_of, at in rows:
        if kind == record.NOTICE and state == record.SENT and as_of == ref.as_of:
            notices[key] = at
        elif kind.startswith(PREFIX) and _counted(state):
            reminded[key] = reminded.get(key, 0) + 1
    out = Plan()
    month = f"{ref.as_of:%B %Y}"
    for item in items:
        key, name = item.part.key, item.part.name
        p = progress.get(key)
        if p is None or p.answered >= p.findings:
            out.skipped.append(f"{name}: no reminder: every finding is answered" if p is not None
                               else f"{name}: no reminder: the history has no findings of this firm in run "
                                    f"{ref.run_id}")
        elif key not in notices:
            out.skipped.append(f"{name}: no reminder: its notice for this run was not sent (send it first)")
        elif reminded.get(key, 0) >= MAX_PER_MONTH:
            out.skipped.append(f"{name}: no reminder: it had {MAX_PER_MONTH} reminders in {month} already "
                               f"(at most {MAX_PER_MONTH} a month)")
        else:
            out.due.append(Due(item, reminded.get(key, 0) + 1, p.findings - p.answered, p.findings,
                               notices[key]))
    return out


def message_id(ref, due: Due, settings) -> str:
    domain = (settings.sender.rpartition("@")[2] or "auditor.invalid").strip()
    digest = hashlib.sha256(due.item.part.key.encode("utf-8")).hexdigest()[:20]
    return f"<nextgen-{ref.run_id}-reminder{due.number}-{digest}@{domain}>"


def build(due: Due, ref, settings, *, templates: str = "", link: str = "", link_ends=None, draft: bool = False,
          today: dt.date | None = None) -> bytes:
    """The reminder as sent (CRLF lines): plain text with an HTML alternative, no attachments."""
    item = due.item
    names = [n for n, _ in item.contacts if n]
    ctx = {"court": settings, "firm_name": item.part.name, "as_of": ref.as_of, "number": due.number,
           "most": MAX_PER_MONTH, "unanswered": due.unanswered, "findings": due.findings,
           "notice_sent": due.notice_sent, "link": link, "link_ends": link_ends if link else None,
           "greeting": ", ".join(names) if 0 < len(names) <= 3 else f"colleagues at {item.part.name}"}
    msg = EmailMessage(policy=SMTP)
    if settings.sender:
        msg["From"] = _address(settings.court_name, settings.sender)
    msg["To"] = [_address(name, email) for name, email in item.contacts]
    if settings.reply_to:
        msg["Reply-To"] = _address(settings.clerk_name, settings.reply_to)
    n = due.unanswered
    msg["Subject"] = _CONTROL.sub(" ", f"Reminder: {n} NextGen CM/ECF {'finding' if n == 1 else 'findings'} at "
                                       f"{item.part.name} without an answer")
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC) if today is None else
                                  dt.datetime.combine(today, dt.time(9), dt.UTC))
    msg["Message-ID"] = message_id(ref, due, settings)
    if draft:
        msg["X-Unsent"] = "1"
    msg.set_content(render("reminder.txt", templates, **ctx))
    msg.add_alternative(render("reminder.html", templates, **ctx), subtype="html")
    return msg.as_bytes()


DRAFTED = "drafted"      # a reminder written as a draft: counted, since the clerk sends it by hand


def _counted(state: str) -> bool:
    return state in record.DONE or state == DRAFTED


def send_all(todo: Plan, ref, settings, relay, store, *, templates: str = "", retries: int = 3, pause: float = 2.0,
             links: dict | None = None):
    """Send each due reminder over ``relay`` and record it (queued first, then its answer)."""
    links = links or {}
    out = Sending()
    for due in todo.due:
        item = due.item
        record.save(store, ref, item.part.key, firm_name=item.part.name, recipients=item.recipients,
                    state=record.QUEUED, kind=f"{PREFIX}{due.number}", message_id=message_id(ref, due, settings))
    with record.connection(store) as conn:
        for due in todo.due:
            link, ends = links.get(due.item.part.key, ("", None))
            data = build(due, ref, settings, templates=templates, link=link, link_ends=ends)
            _send_one(due.item, data, False, relay, settings.sender, store, ref, conn, settings, retries, pause, out,
                      kind=f"{PREFIX}{due.number}", msg_id=message_id(ref, due, settings))
    return out


def write_drafts(todo: Plan, ref, settings, folder, *, store, templates: str = "", links: dict | None = None):
    """One ``.eml`` per due reminder in ``folder``, marked unsent, each recorded as drafted; (firm, file)."""
    from pathlib import Path

    from auditor.report.firms import file_names

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    links = links or {}
    names = file_names({d.item.part.key: d.item.part.name for d in todo.due})
    out = []
    for due in todo.due:
        item = due.item
        link, ends = links.get(item.part.key, ("", None))
        path = folder / f"{names.get(item.part.key, 'firm.xlsx')[:-5]} - reminder {due.number}.eml"
        _write(path, build(due, ref, settings, templates=templates, link=link, link_ends=ends, draft=True))
        record.save(store, ref, item.part.key, firm_name=item.part.name, recipients=item.recipients, state=DRAFTED,
                    kind=f"{PREFIX}{due.number}", message_id=message_id(ref, due, settings))
        out.append((item.part.name, path))
    return out
