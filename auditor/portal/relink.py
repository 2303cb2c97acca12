"""A firm asks for a new link: from the "link does not work" page or the link's own page, a person writes
an e-mail address; when that address is a contact the court has on file for a firm with findings in the
latest court run, a new link for that firm is made and sent to that address alone.

- On file: an address of the firm in the court's contacts list (``auditor serve --contacts``), or one the
  firm's notice for that run was sent to (the ``deliveries`` table).  Nothing else: an address typed
  on the page is never trusted by itself, so a link only ever goes where the court already writes to.
- The page answers every address with the same sentence, at once: whether the address is on file is
  decided, and the message sent, by one worker thread after the answer, so neither the words nor the
  time taken tell which addresses the court has.
- At most ``PER_CLIENT`` asks an hour from one client address (then 429), and at most ``PER_EMAIL``
  links an hour to one e-mail address (further asks are answered the same, and send nothing).
- Sent through the court's relay of the notify settings file (``--settings``), and recorded in the
  ``deliveries`` table as a message of kind ``new-link`` for the firm and month.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import secrets
import threading
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy import and_, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auditor.errors import UsageError
from auditor.history import schema as S
from auditor.history.store import translated
from auditor.notify import record
from auditor.notify.contacts import EMAIL
from auditor.portal.forms import Attempts, FormTokens
from auditor.portal.invites import latest_court_run, make_invites, run_firms

log = logging.getLogger("auditor.web")   # counts and outcomes only: never an address or a firm's name
KIND = "new-link"
PER_CLIENT = 10          # asks an hour from one client address
PER_EMAIL = 3            # links an hour to one e-mail address
MAX_FIRMS = 5            # firms one address may get links for at once
QUEUE = 200              # asks waiting for the worker; beyond that they are dropped (and logged)
NEUTRAL = ("If that address is one the court has on file for your firm, a new link is on its way to it now. "
           "It can take a few minutes to arrive; look in your junk mail folder too. If nothing comes, ask the "
           "court's clerk's office.")
NOT_HERE = ("This court's server does not send links by itself. Ask the court's clerk's office for a new "
            "link.")


class NewLinks:
    def __init__(self, portal, settings_path: str | None, contacts_path: str | None, environ=os.environ):
        from auditor.notify.settings import load

        self.portal = portal
        self.settings = load(settings_path) if settings_path else None
        self.contacts = None
        if contacts_path:
            from auditor.notify.contacts import read_contacts

            self.contacts = read_contacts(contacts_path)
        self.password = self.token = ""
        settings = self.settings
        cfg = settings.smtp if settings else None
        if settings is not None and cfg is not None and not cfg.host:
            raise UsageError(f"{settings.source}: [smtp] has no host: a new link cannot be sent without the "
                             "court's mail relay")
        if cfg is not None and cfg.username:
            if cfg.oauth2_token_env:
                self.token = environ.get(cfg.oauth2_token_env, "")
                if not self.token:
                    raise UsageError(f"the relay's OAuth2 token is read from ${cfg.oauth2_token_env}, which is not set")
            else:
                self.password = environ.get(cfg.password_env, "")
                if not self.password:
                    raise UsageError(f"the relay's password is read from ${cfg.password_env}, which is not set")
        if settings is not None and not settings.sender:
            raise UsageError(f"{settings.source}: [court] has no from_address: new links need a sender")
        self.tokens = FormTokens(portal.key)
        self.per_client = Attempts(PER_CLIENT, 3600)
        self.per_email = Attempts(PER_EMAIL, 3600)
        self._asks: queue.Queue = queue.Queue(QUEUE)
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def on(self) -> bool:
        return self.settings is not None

    # -- the worker -------------------------------------------------------------------------------------
    def ask(self, email: str) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="new-links", daemon=True)
                self._worker.start()
        try:
            self._asks.put_nowait(email)
        except queue.Full:
            log.warning("new links: too many asks waiting; one dropped")

    def _work(self) -> None:
        while True:
            email = self._asks.get()
            try:
                if email is None:
                    return
                sent = self.handle(email)
                log.info("new links: %d sent", sent)
            except Exception as exc:   # noqa: BLE001  one ask failing must not stop the next
                log.warning("new links: an ask failed (%s)", type(exc).__name__)
            finally:
                self._asks.task_done()

    def wait(self) -> None:
        """Until every ask so far is handled (tests, and closing)."""
        self._asks.join()

    def close(self) -> None:
        if self._worker is not None:
            self._asks.put(None)
            self._worker.join(60)

    # -- one ask ------------------------------------------------------------------------------------------
    def firms_of(self, conn, email: str) -> tuple[tuple | None, list[tuple[str, str, str]]]:
        """(the latest court run, [(firm key, firm name, the address as on file)]) of the firms with findings
        in that run that have ``email`` on file (compared without regard to case)."""
        latest = latest_court_run(conn)
        if latest is None:
            return None, []
        run_id, scope, _label, as_of = latest
        firms = run_firms(conn, scope, run_id)
        want = email.strip().lower()
        found: dict[str, str] = {}
        if self.contacts is not None:
            for key, people in self.contacts.by_firm.items():
                match = next((e for _, e in people if e.lower() == want), None)
                if match is not None and key in firms:
                    found[key] = match
        d = S.deliveries
        for key, recipients in conn.execute(select(d.c.firm_key, d.c.recipients).where(
                d.c.scope == scope, d.c.as_of == as_of, d.c.kind == record.NOTICE)).all():
            for r in (recipients or "").split(","):
                address = r.strip().rpartition("<")[2].rstrip(">").strip()
                if address.lower() == want and key in firms and key not in found:
                    found[key] = address
        out = sorted(((k, firms[k], a) for k, a in found.items()), key=lambda t: t[1].casefold())
        return latest, out[:MAX_FIRMS]

    def handle(self, email: str) -> int:
        """Make and send a new link to ``email`` for each firm that has it on file; the number sent."""
        from auditor.notify.smtp import LATER, TAKEN, Relay

        store = self.portal.store()
        s = self.settings
        assert s is not None   # asks are taken only with settings
        with translated(store.label), store.engine.connect() as conn:
            latest, firms = self.firms_of(conn, email)
        if latest is None or not firms:
            return 0
        ref = record.RunRef(*latest)
        relay = Relay(s.smtp, password=self.password, token=self.token)
        sent = 0
        try:
            for key, name, address in firms:   # to the address as the court has it, not as typed
                made = make_invites(store, self.portal.base_url, [name])
                invite = next((i for i in made if i.firm_key == key), None)
                if invite is None:
                    continue
                mid, data = self.message(invite, address)
                answer = relay.send(s.sender, [address], data)
                state = {TAKEN: record.SENT, LATER: record.FAILED}.get(answer.outcome, record.REFUSED)
                self.save(store, ref, key, name, address, state, answer.text, mid)
                sent += state == record.SENT
        finally:
            relay.close()
        return sent

    def message(self, invite, email: str) -> tuple[str, bytes]:
        from auditor.notify.render import render

        s = self.settings
        assert s is not None
        domain = s.sender.rpartition("@")[2] or "auditor.invalid"
        mid = f"<nextgen-link-{secrets.token_hex(10)}@{domain}>"
        msg = EmailMessage(policy=SMTP)
        msg["From"] = _address(s.court_name, s.sender)
        msg["To"] = _address("", email)
        if s.reply_to:
            msg["Reply-To"] = _address(s.clerk_name, s.reply_to)
        msg["Subject"] = " ".join(f"NextGen CM/ECF: your new link to the findings of {invite.firm_name}".split())
        msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        msg["Message-ID"] = mid
        msg.set_content(render("new_link.txt", s.templates, greeting=f"colleague at {invite.firm_name}",
                               court=s, firm_name=invite.firm_name, link=invite.link, as_of=invite.as_of,
                               expires=invite.expires_at))
        return mid, msg.as_bytes()

    def save(self, store, ref, key: str, name: str, email: str, state: str, answer: str, mid: str) -> None:
        """The firm's new-link delivery of the month: the latest one sent, and how many were asked for."""
        d = S.deliveries
        now = dt.datetime.now().replace(microsecond=0)
        where = and_(d.c.scope == ref.scope, d.c.as_of == ref.as_of, d.c.firm_key == key, d.c.kind == KIND)
        with translated(store.label), store.engine.connect() as conn, conn.begin():
            store.lock(conn)
            before = conn.execute(select(d.c.attempts).where(where)).scalar()
            values = dict(run_id=ref.run_id, firm_name=name, recipients=email, state=state, answer=(answer or "")[:2000],
                          attempts=(before or 0) + 1, attached=False, message_id=mid, updated_at=now)
            if before is None:
                conn.execute(d.insert().values(scope=ref.scope, as_of=ref.as_of, firm_key=key, kind=KIND, **values))
            else:
                conn.execute(d.update().where(where).values(**values))


def _address(name: str, email: str) -> Address:
    user, _, domain = email.rpartition("@")
    return Address(display_name=" ".join((name or "").split()), username=user, domain=domain)


def email_ok(text: str) -> bool:
    return 3 <= len(text) <= 254 and bool(EMAIL.match(text))


def relink_routes(links: NewLinks, page, message) -> list[Route]:
    def who(request: Request) -> str:
        return request.client.host if request.client else "?"

    def form(request: Request, status: int = 200, problem: str = "", email: str = "") -> Response:
        return page(request, "portal_new_link.html", status, on=links.on, csrf=links.tokens.make("new-link"),
                    problem=problem, email=email, not_here=NOT_HERE)

    async def show(request: Request) -> Response:
        return form(request)

    async def asked(request: Request) -> Response:
        if not links.on:
            return message(request, "Not here", "There is no such page.", 404, again=False)
        if links.per_client.blocked(who(request)):
            return Response("Too many requests for new links from this address. Please try again in an hour.", 429,
                            headers={"retry-after": "3600", "content-type": "text/plain; charset=utf-8"})
        async with request.form(max_files=0, max_fields=3, max_part_size=1024) as data:
            sent, email = str(data.get("csrf") or ""), " ".join(str(data.get("email") or "").split())
        if not links.portal.same_site(request.headers.get("origin")) or not links.tokens.check(sent, "new-link"):
            return message(request, "Please try again",
                           "The page was too old or did not come from this site. Open it again and write your "
                           "e-mail address once more.", 403, again=False)
        links.per_client.add(who(request))
        if not email_ok(email):
            return form(request, 400, "Write one e-mail address, such as name@yourfirm.com.", email[:254])
        if links.per_email.take(email.lower()):
            links.ask(email)
        return page(request, "portal_new_link.html", 200, on=True, done=NEUTRAL, csrf="", problem="", email="",
                    not_here=NOT_HERE)

    return [Route("/new-link", show, methods=["GET"]), Route("/new-link", asked, methods=["POST"])]

