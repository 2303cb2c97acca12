"""One firm's e-mail message: plain text with an HTML alternative, its notice and workbook attached.

A message over 8 MB once encoded (the courts' limit for e-mailed notices) is made again without the
attachments, and says how to get them.  Names and addresses from the contacts list go into headers through
the ``email`` package's address objects (a line break or a comma in a name cannot make a new header or
recipient).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from auditor.notify.notice import context, notice_pdf
from auditor.notify.render import render
from auditor.notify.settings import Settings
from auditor.notify.source import Part

MAX_BYTES = 8 * 1024 * 1024
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _address(name: str, email: str) -> Address:
    user, _, domain = email.rpartition("@")
    return Address(display_name=_CONTROL.sub(" ", name or "").strip(), username=user, domain=domain)


def message_id(run_id, key: str, settings: Settings) -> str:
    """The same for one firm and run every time: a message sent twice can be told for one."""
    domain = (settings.sender.rpartition("@")[2] or "auditor.invalid").strip()
    return f"<nextgen-{run_id}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:20]}@{domain}>"


def subject(part: Part, ctx: dict) -> str:
    n = ctx["finding_count"]
    due = f", first by {ctx['first_due']:%B} {ctx['first_due'].day}" if ctx["first_due"] else ""
    return _CONTROL.sub(" ", f"NextGen CM/ECF: {n} account {'problem' if n == 1 else 'problems'} at {part.name} "
                             f"to fix{due}")


def attachment_name(part: Part, suffix: str) -> str:
    from auditor.report.firms import file_stem

    return f"{file_stem(part.name) or 'firm'} - {suffix}"


def build(part: Part, run, settings: Settings, contacts: list[tuple[str, str]], *, run_id, templates: str = "",
          link: str = "", draft: bool = False, today: dt.date | None = None,
          notice: bytes | None = None, link_ends: dt.datetime | None = None) -> tuple[bytes, bool]:
    """(the message as sent, in CRLF lines; whether the attachments are in it)."""
    ctx = context(part, run, settings, link=link, today=today, link_ends=link_ends)
    names = [n for n, _ in contacts if n]
    ctx.update(greeting=", ".join(names) if 0 < len(names) <= 3 else f"colleagues at {part.name}",
               subject=subject(part, ctx))
    if notice is None:
        notice = notice_pdf(part, run, settings, templates=templates, link=link, today=today, link_ends=link_ends)
    workbook = part.workbook.read_bytes() if part.workbook is not None else None
    data = _make(part, settings, contacts, ctx, run_id, templates, draft, notice, workbook, today)
    if len(data) <= MAX_BYTES:
        return data, True
    size = len(data) / (1024 * 1024)
    return _make(part, settings, contacts, {**ctx, "size_mb": f"{size:.1f}"}, run_id, templates, draft,
                 None, None, today), False


def _make(part, settings, contacts, ctx, run_id, templates, draft, notice, workbook, today) -> bytes:
    ctx = {**ctx, "attached": notice is not None}
    ctx.setdefault("size_mb", "")
    msg = EmailMessage(policy=SMTP)
    if settings.sender:
        msg["From"] = _address(settings.court_name, settings.sender)
    msg["To"] = [_address(name, email) for name, email in contacts]
    if settings.reply_to:
        msg["Reply-To"] = _address(settings.clerk_name, settings.reply_to)
    msg["Subject"] = ctx["subject"]
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC) if today is None else
                                  dt.datetime.combine(today, dt.time(9), dt.UTC))
    msg["Message-ID"] = message_id(run_id, part.key, settings)
    if draft:
        msg["X-Unsent"] = "1"   # classic Outlook and Thunderbird open the file as a message ready to send
    msg.set_content(render("message.txt", templates, **ctx))
    msg.add_alternative(render("message.html", templates, **ctx), subtype="html")
    bodies: dict[bytes, bytes] = {}
    if notice is not None:
        _attach(msg, bodies, notice, ("application", "pdf"), attachment_name(part, "NextGen notice.pdf"))
    if workbook is not None and notice is not None and part.workbook is not None:
        _attach(msg, bodies, workbook, XLSX, part.workbook.name)
    data = msg.as_bytes()
    for stand_in, body in bodies.items():
        data = data.replace(stand_in, body, 1)
    return data


def _attach(msg: EmailMessage, bodies: dict, data: bytes, kind: tuple[str, str], filename: str) -> None:
    """Attach ``data`` (base64) as the ``email`` package would, with its body encoded in one C call: the part
    is made around a short stand-in whose encoded line is swapped for the whole body once the message is
    written (the package encodes and writes a large body line by line in Python, most of a message's time)."""
    stand_in = f"attachment-{secrets.token_hex(12)}".encode("ascii")
    msg.add_attachment(stand_in, maintype=kind[0], subtype=kind[1], filename=filename)
    encoded = base64.encodebytes(stand_in).rstrip(b"\n")          # one line of 76 or fewer characters
    bodies[encoded] = base64.encodebytes(data).rstrip(b"\n").replace(b"\n", b"\r\n")
