"""Making every firm's message and getting it out: drafts to a folder, or SMTP to the court's relay.

Messages are made in worker processes (``auditor.notify.pool``: a notice takes tens of milliseconds to lay
out) while this process hands the ready ones, in order, to the relay over one connection.  Before the first message, every firm about
to be sent is recorded as queued; each answer is recorded as it comes.  A firm already sent (or refused,
to the same addresses) for the same month is skipped, so running the command again sends nothing twice.
A "try later" answer is tried again after a pause that doubles each time, a bounded number of times.
"""

from __future__ import annotations

import os
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from auditor.notify import pool, record
from auditor.notify.message import build, message_id
from auditor.notify.smtp import LATER, REFUSED, TAKEN, Relay
from auditor.notify.source import Part, load_part

MAX_PAUSE_S = 60.0


@dataclass
class Item:
    part: Part
    contacts: list[tuple[str, str]]
    source: str = ""          # where the addresses came from: the contacts list, or the inputs (the firm's PAA)

    @property
    def recipients(self) -> str:
        return ", ".join(e for _, e in self.contacts)


@dataclass
class Plan:
    items: list[Item]                   # firms with something to do and a contact
    no_contact: list[str]               # firms with something to do and no contact
    problems: list[str] = field(default_factory=list)   # rows of the contacts list not used


def plan(run, contacts) -> Plan:
    """Each firm with something to do and its contacts (matched to the run's firms by ``firm_match``)."""
    from auditor.notify.firm_match import resolve

    contacts = resolve(contacts, {p.key: p.name for p in run.firms if p.key})
    items, none = [], []
    for part in run.firms:
        if part.listed == 0:
            continue
        people = contacts.by_firm.get(part.key, [])
        (items.append(Item(part, people, contacts.source(part.key))) if people else none.append(part.name))
    return Plan(items, none, list(contacts.problems))


# -- making the messages ---------------------------------------------------------------------------------
def _make(job: dict, item: Item):
    """One firm's message (in a worker process, or in this one): (bytes, attachments in it, its findings),
    or None when the firm has nothing to act on."""
    part = load_part(item.part)
    if not part.needs_notice:
        return None
    link, ends = job["links"].get(part.key, ("", None))
    data, attached = build(part, job["run"], job["settings"], item.contacts, run_id=job["run_id"],
                           templates=job["templates"], draft=job["draft"], today=job["today"], link=link,
                           link_ends=ends)
    return data, attached, part.findings


def messages(items: list[Item], run, settings, *, run_id, templates: str, draft: bool, workers: int | None = None,
             today=None, links: dict | None = None):
    """(item, message bytes, attachments in it) for each item with something to do, in order, made in worker
    processes when there are enough firms (``auditor.notify.pool``); ``links``: firm key -> (its link to the
    portal, when the link ends), put in the firm's message and notice."""
    job = {"run": run, "settings": settings, "run_id": run_id, "templates": templates, "draft": draft,
           "today": today, "links": links or {}}
    with closing(pool.ordered(_make, items, job, workers=workers)) as made:
        for item, out in zip(items, made):
            if out is not None:
                item.part.findings = out[2]
                yield item, out[0], out[1]


# -- drafts ------------------------------------------------------------------------------------------------
def write_drafts(items, run, settings, folder: Path, *, templates: str = "", run_id="draft", workers=None,
                 progress=lambda _m: None, links: dict | None = None, today=None) -> list[tuple[str, Path]]:
    """One ``.eml`` per firm in ``folder``, marked unsent; (firm, file) of each written."""
    from auditor.report.firms import file_names

    folder.mkdir(parents=True, exist_ok=True)
    names = file_names({i.part.key: i.part.name for i in items})
    out = []
    with closing(messages(items, run, settings, run_id=run_id, templates=templates, draft=True, workers=workers,
                          links=links, today=today)) as made:
        for item, data, _attached in made:
            path = folder / (names.get(item.part.key, "firm.xlsx")[:-5] + ".eml")
            _write(path, data)
            out.append((item.part.name, path))
            if len(out) % 100 == 0:
                progress(f"drafts: {len(out):,} of {len(items):,}")
    return out


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- sending -----------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    firm: str
    recipients: str
    state: str
    answer: str
    attached: bool = True


@dataclass
class Sending:
    sent: list[Outcome] = field(default_factory=list)
    before: list[Outcome] = field(default_factory=list)      # sent (or refused) by an earlier run
    failed: list[Outcome] = field(default_factory=list)      # failed for now: the next run tries again
    refused: list[Outcome] = field(default_factory=list)
    stopped_at_limit: bool = False
    links: dict = field(default_factory=dict)                 # firm key -> (link, when it ends), made for this sending
    links_ended: int = 0                                       # firms whose earlier link was ended for a new one


def send_all(items, run, settings, relay: Relay, store, ref, *, templates: str = "", retries: int = 3,
             pause: float = 2.0, limit: int | None = None, workers=None, progress=lambda _m: None,
             make_links=None) -> Sending:
    """Send each item's message not sent before; ``make_links(items)`` -> (firm key -> (link, ends), earlier
    links ended), called for the firms about to be sent only (a firm sent before gets no new link)."""
    out = Sending()
    done = record.deliveries(store, ref)
    todo = []
    for item in items:
        was = done.get(item.part.key)
        if was and (was["state"] == record.SENT or (was["state"] == record.REFUSED
                                                       and was["recipients"] == item.recipients)):
            out.before.append(Outcome(item.part.name, was["recipients"], was["state"], was["answer"] or "",
                                      bool(was["attached"])))
            continue
        todo.append(item)
    if limit is not None and len(todo) > limit:
        todo, out.stopped_at_limit = todo[:limit], True
    if make_links is not None and todo:
        out.links, out.links_ended = make_links(todo)
    record.queue_all(store, ref, [{"key": i.part.key, "firm": i.part.name, "recipients": i.recipients,
                                   "message_id": message_id(ref.run_id, i.part.key, settings)} for i in todo])
    sender = settings.sender
    count = 0
    made = messages(todo, run, settings, run_id=ref.run_id, templates=templates, draft=False, workers=workers,
                    links=out.links)
    with record.connection(store) as conn, closing(made):
        for item, data, attached in made:
            count += 1
            _send_one(item, data, attached, relay, sender, store, ref, conn, settings, retries, pause, out)
            if count % 100 == 0:
                progress(f"sent {count:,} of {len(todo):,}")
    return out


def _send_one(item, data, attached, relay, sender, store, ref, conn, settings, retries, pause, out, *,
              kind: str = record.NOTICE, msg_id: str = "") -> None:
    """Hand one firm's message to the relay, again after a pause while it answers "try later"; record it
    (as its ``kind``: the notice, or a reminder)."""
    emails = [e for _, e in item.contacts]
    attempts = 0
    while True:
        attempts += 1
        answer = relay.send(sender, emails, data)
        if answer.outcome != LATER or attempts > retries:
            break
        time.sleep(min(pause * 2 ** (attempts - 1), MAX_PAUSE_S))
    state = {TAKEN: record.SENT, LATER: record.FAILED, REFUSED: record.REFUSED}[answer.outcome]
    record.save(store, ref, item.part.key, conn=conn, firm_name=item.part.name, recipients=item.recipients,
                state=state, answer=answer.text, attempts=attempts, attached=attached, kind=kind,
                message_id=msg_id or message_id(ref.run_id, item.part.key, settings))
    o = Outcome(item.part.name, item.recipients, state, answer.text, attached)
    {record.SENT: out.sent, record.FAILED: out.failed, record.REFUSED: out.refused}[state].append(o)
    if answer.refused and state == record.SENT:   # some addresses refused, the others took it
        out.refused.append(Outcome(item.part.name, ", ".join(answer.refused), record.REFUSED, answer.text))
