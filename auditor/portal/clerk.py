"""The clerk's page on ``auditor serve --history ... --base-url ...``: for the court's latest recorded run,
which firms were sent links and when those end, which firms answered and which did not, acceptances
ending soon, and the messages sent (``auditor.portal.overview`` reads them).

No firm link or firm session opens it.  Who may:

- Without a clerk's password, and only while the portal's base URL is on this machine too (a loopback
  name: the server is not offered to firms over the internet): only a browser on the server itself.  The request must come from a
  loopback address, name a loopback host (``localhost``, ``127.0.0.1``, ``[::1]``) and carry no
  forwarding header (``X-Forwarded-For``, ``Forwarded``, ``X-Real-IP``, ``Via``...): a request a
  reverse proxy passes on comes from the proxy's loopback address too, and is refused by those.
  Anyone else gets "no such page".  A reverse proxy left at its defaults (nginx passes the upstream's
  loopback name as Host and adds no forwarding header) looks exactly like such a browser, so with a
  public base URL the page needs a password and is not served at all without one.
- With a password (``--clerk-password-env VAR`` or ``--clerk-password-prompt``; never on the command
  line): from anywhere, after signing in.  Signing in starts a session of its own (an HttpOnly,
  SameSite=Strict cookie scoped to ``/clerk``, Secure over https, 8 hours at most, kept in this
  process only); its form and the sign-out form carry CSRF tokens; failed sign-ins are limited per
  client address and in all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from auditor.portal.forms import Attempts, FormTokens

COOKIE = "auditor_clerk"
SESSION_SECONDS = 8 * 3600
MIN_PASSWORD = 12
FAILS_PER_CLIENT = 5          # failed sign-ins from one client address in 15 minutes, then 429
FAILS_IN_ALL = 30             # failed sign-ins from all addresses in 15 minutes, then 429 for every address
FORWARDING = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-real-ip",
              b"via", b"x-client-ip", b"true-client-ip", b"cf-connecting-ip")
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def public_base_url(base_url: str) -> bool:
    """Whether the portal's links name a host other than this machine (firms reach it from elsewhere)."""
    return _host_name(urlsplit(base_url).netloc) not in LOOPBACK_NAMES


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"the clerk's password must be at least {MIN_PASSWORD} characters long"
    return None


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def on_this_machine(request: Request) -> bool:
    """A browser on the server itself: a loopback client, a loopback host name, no proxy in between."""
    client = request.client.host if request.client else ""
    try:
        if not ipaddress.ip_address(client).is_loopback:
            return False
    except ValueError:
        return False
    names = {k for k, _ in request.scope["headers"]}
    if any(h in names for h in FORWARDING):
        return False
    return _host_name(request.headers.get("host", "")) in LOOPBACK_NAMES


class ClerkDoor:
    """Who may open the clerk's page; the clerk's sessions when a password is set."""

    def __init__(self, password: str | None, secure: bool, public: bool = False):
        if password is not None and password_problem(password):
            raise ValueError(password_problem(password))
        self.key = secrets.token_bytes(32)
        self._password = self._mac(password) if password is not None else None
        self.secure = secure
        self.public = public            # the base URL names a host other than this machine
        self.tokens = FormTokens(self.key, max_age=2 * 3600)
        self.per_client = Attempts(FAILS_PER_CLIENT, 900)
        self.in_all = Attempts(FAILS_IN_ALL, 900)
        self._sessions: dict[str, float] = {}       # SHA-256 of the cookie -> when it ends (monotonic)
        self._lock = threading.Lock()

    @property
    def password_set(self) -> bool:
        return self._password is not None

    def _mac(self, text: str) -> bytes:
        return hmac.new(self.key, text.encode("utf-8", "replace"), hashlib.sha256).digest()

    def right(self, password: str) -> bool:
        return self._password is not None and hmac.compare_digest(self._mac(password[:1024]), self._password)

    def start(self) -> str:
        cookie = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            for k in [k for k, end in self._sessions.items() if end <= now]:
                del self._sessions[k]
            self._sessions[_digest(cookie)] = now + SESSION_SECONDS
        return cookie

    def session(self, cookie: str | None) -> str | None:
        """The session's digest while it holds, else None."""
        if not cookie or len(cookie) > 200:
            return None
        d = _digest(cookie)
        with self._lock:
            end = self._sessions.get(d)
            return d if end is not None and end > time.monotonic() else None

    def end(self, cookie: str | None) -> None:
        if cookie and len(cookie) <= 200:
            with self._lock:
                self._sessions.pop(_digest(cookie), None)


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


def clerk_routes(door: ClerkDoor, portal, page, message) -> list[Route]:
    def who(request: Request) -> str:
        return request.client.host if request.client else "?"

    def nothing(request: Request) -> Response:
        return message(request, "Not here", "There is no such page.", 404, again=False)

    def login(request: Request, status: int = 401, problem: str = "") -> Response:
        return page(request, "clerk_login.html", status, csrf=door.tokens.make("clerk-login"), problem=problem)

    def too_many() -> Response:
        return Response("Too many wrong passwords. Please wait 15 minutes.", 429,
                        headers={"retry-after": "900", "content-type": "text/plain; charset=utf-8"})

    def read(now: dt.datetime):
        from auditor.history.store import translated
        from auditor.portal.overview import overview

        store = portal.store()
        with translated(store.label), store.engine.connect() as conn:
            return overview(conn, portal.rule_text, now)

    async def show(request: Request) -> Response:
        bound = ""
        if door.password_set:
            bound = door.session(request.cookies.get(COOKIE)) or ""
            if not bound:
                return login(request)
        elif door.public or not on_this_machine(request):
            return nothing(request)
        view = await run_in_threadpool(read, dt.datetime.now())
        return page(request, "clerk.html", view=view, signed_in=bool(bound),
                    csrf=door.tokens.make("clerk-leave", bound) if bound else "")

    async def sign_in(request: Request) -> Response:
        if not door.password_set:
            return nothing(request)
        if door.per_client.blocked(who(request)) or door.in_all.blocked("*"):
            return too_many()
        async with request.form(max_files=0, max_fields=3, max_part_size=2048) as form:
            sent, password = str(form.get("csrf") or ""), str(form.get("password") or "")
        if not portal.same_site(request.headers.get("origin")) or not door.tokens.check(sent, "clerk-login"):
            return login(request, 403, "The page was too old or did not come from this site. Please sign in again.")
        if not door.right(password):
            door.per_client.add(who(request))
            door.in_all.add("*")
            return login(request, 401, "That password is not right.")
        response = RedirectResponse("/clerk", status_code=303)
        response.set_cookie(COOKIE, door.start(), max_age=SESSION_SECONDS, path="/clerk", httponly=True,
                            samesite="strict", secure=door.secure or request.url.scheme == "https")
        return response

    async def sign_out(request: Request) -> Response:
        if not door.password_set:
            return nothing(request)
        cookie = request.cookies.get(COOKIE)
        bound = door.session(cookie)
        async with request.form(max_files=0, max_fields=2, max_part_size=256) as form:
            sent = str(form.get("csrf") or "")
        if (not bound or not portal.same_site(request.headers.get("origin"))
                or not door.tokens.check(sent, "clerk-leave", bound)):
            return login(request, 403, "Please sign in again.")
        door.end(cookie)
        response = login(request, 200, "")
        response.delete_cookie(COOKIE, path="/clerk")
        return response

    return [
        Route("/clerk", show, methods=["GET"]),
        Route("/clerk/sign-in", sign_in, methods=["POST"]),
        Route("/clerk/sign-out", sign_out, methods=["POST"]),
    ]
