"""The portal's pages on ``auditor serve --history ... --base-url ...``.

- ``GET /invite/{token}`` (and HEAD): a confirmation page naming the firm and the court's run.  It
  redeems nothing, so a mail scanner that opens the link leaves it working for the person.
- ``POST /invite/{token}``: the page's button.  With the form's CSRF token (an HMAC of the link's hash
  under a key of this server) and a same-site Origin, it starts a session: an HttpOnly, SameSite=Lax
  cookie, Secure over https, for at most 8 hours; then the firm's page.
- ``GET /firm``: the firm's findings of that run, each with the firm's latest answer and a form to answer
  it (the answer routes are in :mod:`auditor.portal.answers`); nothing of any other firm.
- A bad or expired link gets one plain page, the same for both; more than ``BAD_PER_MINUTE`` bad links
  a minute from one address get 429.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from auditor.portal import answers
from auditor.portal.forms import Attempts
from auditor.portal.invites import check_base_url, find_invite, token_hash
from auditor.portal.sessions import SESSION_LIFETIME, end_session, find_session, firm_findings, start_session

COOKIE = "auditor_portal"
BAD_PER_MINUTE = 5
GONE_TITLE = "This link does not work"
GONE_TEXT = ("The link is wrong, or it has ended: links end 15 days after they are sent, or when the court "
             "records its next monthly audit. You can ask for a new link below, or ask the court's clerk's office.")


class Portal:
    def __init__(self, history: str, base_url: str):
        self.history, self.base_url = history, check_base_url(base_url)
        self.secure = urlsplit(self.base_url).scheme == "https"
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self.key = secrets.token_bytes(32)
        self.bad = Attempts(BAD_PER_MINUTE, 60.0)   # bad links per client address over the last minute
        self._store = None
        self._lock = threading.Lock()

    def store(self):
        with self._lock:
            if self._store is None:
                from auditor.history.store import open_store

                self._store = open_store(self.history, create=False)
            return self._store

    def same_site(self, origin: str | None) -> bool:
        """An Origin of this site; browsers send "null" from a page served with Referrer-Policy:
        no-referrer (as every page here is), and the form's CSRF token then decides."""
        return origin in (None, "null", self.origin)

    def rule_text(self, rule_id: str) -> tuple[str, str]:
        """(problem, what to do) of a rule, as the report writes them."""
        if not hasattr(self, "_rules"):
            from auditor.rulebook.catalogue import load_rules

            self._rules = {r.id: (r.title, r.remediation) for r in load_rules()}
        return self._rules.get(rule_id, (rule_id, ""))

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def csrf(self, token: str) -> str:
        return hmac.new(self.key, token_hash(token).encode(), hashlib.sha256).hexdigest()

    def roster_csrf(self, cookie: str | None) -> str:
        """The token of the firm page's roster form (``auditor.web.portal_roster``), bound to the session."""
        return self.csrf("roster:" + (cookie or ""))

    # the database work, each in one short transaction (run in a thread)
    def invite(self, token: str):
        with self.store().engine.connect() as conn:
            return find_invite(conn, token)

    def open_session(self, token: str):
        store = self.store()
        with store.engine.connect() as conn, conn.begin():
            found = find_invite(conn, token)
            if found is None:
                return None, None
            cookie, _ends = start_session(conn, found)
            return found, cookie

    def firm_page(self, cookie: str | None):
        with self.store().engine.connect() as conn:
            scope = find_session(conn, cookie)
            return (scope, firm_findings(conn, scope)) if scope is not None else (None, [])

    def leave(self, cookie: str | None) -> None:
        with self.store().engine.connect() as conn, conn.begin():
            end_session(conn, cookie)


def portal_routes(portal: Portal, page, message, rule_text) -> list[Route]:
    """The routes; ``page``/``message`` render templates as the upload page does, ``rule_text(rule_id)``
    gives (problem, what to do) in the report's words."""

    def who(request: Request) -> str:
        return request.client.host if request.client else "?"

    def gone(request: Request) -> Response:
        portal.bad.add(who(request))
        return page(request, "portal_gone.html", 404, title=GONE_TITLE, text=GONE_TEXT)   # offers a new link

    def too_many() -> Response:
        return Response("Too many wrong links from this address. Please wait a minute.", 429,
                        headers={"retry-after": "60", "content-type": "text/plain; charset=utf-8"})

    async def show_invite(request: Request) -> Response:
        if portal.bad.blocked(who(request)):
            return too_many()
        token = request.path_params["token"]
        found = await run_in_threadpool(portal.invite, token)
        if found is None:
            return gone(request)
        return page(request, "portal_invite.html", invite=found, csrf=portal.csrf(token), token=token)

    async def redeem(request: Request) -> Response:
        if portal.bad.blocked(who(request)):
            return too_many()
        token = request.path_params["token"]
        origin = request.headers.get("origin")
        async with request.form(max_files=0, max_fields=5, max_part_size=1024) as form:
            sent = str(form.get("csrf") or "")
        if not portal.same_site(origin) or not hmac.compare_digest(sent, portal.csrf(token)):
            return message(request, "Please open the link again",
                           "The page was too old or did not come from this site. Open the link from the "
                           "court's message again and press the button.", 403, again=False)
        found, cookie = await run_in_threadpool(portal.open_session, token)
        if found is None:
            return gone(request)
        response = RedirectResponse("/firm", status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=int(SESSION_LIFETIME.total_seconds()), path="/",
                            httponly=True, samesite="lax", secure=portal.secure or request.url.scheme == "https")
        return response

    async def firm(request: Request) -> Response:
        scope, rows = await run_in_threadpool(portal.firm_page, request.cookies.get(COOKIE))
        if scope is None:
            return message(request, "Please open your link again",
                           "Your session has ended (sessions last 8 hours, and end when the court records "
                           "its next monthly audit). Open the link from the court's message again.", 401,
                           again=False)
        findings = []
        for r in rows:
            problem, todo = rule_text(r["rule_id"])
            findings.append({**r, "problem": problem, "what_to_do": todo})
        extra = await run_in_threadpool(answers.context, portal, request.cookies.get(COOKIE), scope, findings,
                                        None, request.query_params.get("answered"))
        return page(request, "portal_firm.html", scope=scope, findings=findings, today=dt.date.today(), **extra)

    async def leave(request: Request) -> Response:
        async with request.form(max_files=0, max_fields=2, max_part_size=256) as form:
            sent = str(form.get("csrf") or "")
        origin = request.headers.get("origin")
        cookie = request.cookies.get(COOKIE)
        if not portal.same_site(origin) or not hmac.compare_digest(sent, answers.session_csrf(portal, cookie)):
            return message(request, "Please open the page again", "The page was too old or did not come from "
                           "this site. Open the link from the court's message again.", 403, again=False)
        await run_in_threadpool(portal.leave, request.cookies.get(COOKIE))
        if cookie and getattr(request.app.state, "jobs", None) is not None:   # a roster held at its mapping page
            request.app.state.jobs.drop_owned(token_hash(cookie))
        response = message(request, "Signed out", "You have left the firm's page. Open the link from the "
                           "court's message to come back.", 200, again=False)
        response.delete_cookie(COOKIE, path="/")
        return response

    return [
        Route("/invite/{token}", show_invite, methods=["GET"]),
        Route("/invite/{token}", redeem, methods=["POST"]),
        Route("/firm", firm, methods=["GET"]),
        Route("/firm/leave", leave, methods=["POST"]),
        *answers.answer_routes(portal, page, message, rule_text, COOKIE),
    ]
