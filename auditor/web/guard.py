"""What every request must pass before the page looks at it: a Host it answers to, an Origin of its
own on a form post, and a body that arrives within its time.

- Host: a name in ``WebConfig.hosts`` (by default the address it listens on and localhost), so a page
  elsewhere that rebinds its own name to 127.0.0.1 (DNS rebinding) cannot drive the server.
- Origin: a browser says where a form post comes from (``Sec-Fetch-Site``, ``Origin``); one from another
  site, or an ``Origin: null`` the browser does not vouch for as same-origin, is refused, so a page
  elsewhere cannot post uploads in a visitor's name.  Scripts send neither and pass.
- Body: the whole body must arrive within ``body_seconds``; a client trickling a byte every few
  seconds is answered 408 and cut off.  (The request's head has its own limit, ``timeouts``.)
  Outside the upload paths a body may hold at most ``small_body`` bytes (the portal's forms are a few
  fields): more is answered 413, from its Content-Length or as it streams in.
- At once: at most ``in_flight`` requests to the ``gated`` paths (the portal's) are handled at a time;
  one more waits up to ``wait_seconds`` for a turn, then is answered 503 with Retry-After.

The Origin check applies to every form post.  The portal's forms carry a token of their own, so there an
``Origin: null`` without ``Sec-Fetch-Site`` (an older browser on a page sent without a referrer) is left
to that token; on the upload page, whose post carries none, it is refused.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


FORMS = "/audit"   # the upload page's posts, which carry no token of their own (the portal's forms check theirs)
PORTAL_PATHS = ("/invite", "/firm", "/clerk", "/new-link")   # the portal's paths, counted at once
UPLOADS = ("/audit", "/firm/roster")   # paths whose bodies are uploads, held to the upload limits (``WebConfig``) instead


class BodyTooSlow(Exception):
    """The request body did not arrive within its time."""


class BodyTooLarge(Exception):
    """The request body is larger than its path allows."""


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):                       # [::1]:8000
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _answer(send, status: int, text: str, *more: tuple[bytes, bytes]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"), *more]})
    await send({"type": "http.response.body", "body": text.encode()})


class RequestGuard:
    def __init__(self, app, *, hosts: list[str], body_seconds: float, origins: tuple[str, ...] = (),
                 small_body: int = 64 * 1024, gated: tuple[str, ...] = (), in_flight: int = 32,
                 wait_seconds: float = 30.0):
        self.app, self.hosts, self.body_seconds = app, {h.lower() for h in hosts}, body_seconds
        self.origins = {o.rstrip("/").lower() for o in origins}   # the public address (--base-url), behind a proxy
        self.small_body, self.gated, self.wait_seconds = small_body, gated, wait_seconds
        self.turns = asyncio.Semaphore(in_flight)

    def host_ok(self, host: str) -> bool:
        return "*" in self.hosts or _hostname(host) in self.hosts

    def origin_ok(self, headers: dict[bytes, bytes], host: str, tokened: bool = False) -> bool:
        """A browser names where a form post comes from: ``Sec-Fetch-Site`` (same-origin for the page's own
        forms) and ``Origin``, which is ``null`` for the page's own forms too, as the page sends no referrer.
        ``tokened``: the form carries its own token, which decides an unvouched ``null``."""
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
        if site in ("cross-site", "same-site"):
            return False
        origin = headers.get(b"origin")
        if origin is None:
            return True
        text = origin.decode("latin-1").strip()
        if text == "null":
            return site == "same-origin" or (tokened and not site)
        if text.rstrip("/").lower() in self.origins:
            return True
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower() \
            and self.host_ok(parts.netloc)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.host_ok(host):
            return await _answer(send, 400, "This server does not answer to that host name.\n")
        path = scope["path"]
        if (scope["method"] not in ("GET", "HEAD")
                and not self.origin_ok(headers, host, tokened=not path.startswith(FORMS))):
            return await _answer(send, 403, "A form from another site cannot be posted here.\n")
        limit = None if path.startswith(UPLOADS) else self.small_body
        if limit is not None and _length(headers) > limit:
            return await _answer(send, 413, "The request is too large.\n")
        if not (self.gated and path.startswith(self.gated)):
            return await self._pass(scope, receive, send, limit)
        try:
            await asyncio.wait_for(self.turns.acquire(), self.wait_seconds)
        except TimeoutError:
            return await _answer(send, 503, "Busy: please try again in a minute.\n", (b"retry-after", b"30"))
        try:
            await self._pass(scope, receive, send, limit)
        finally:
            self.turns.release()

    async def _pass(self, scope, receive, send, limit: int | None) -> None:

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_seconds
        done = False
        started = False
        seen = 0

        async def timed_receive():
            nonlocal done, seen
            if done:
                return await receive()
            left = deadline - loop.time()
            try:
                if left <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), left)
            except TimeoutError:
                raise BodyTooSlow() from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                done = True
            seen += len(message.get("body", b""))
            if limit is not None and seen > limit:
                raise BodyTooLarge()
            return message

        async def watch(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, watch)
        except BodyTooSlow:
            if not started:
                await _answer(send, 408, "The request did not arrive in time.\n")
        except BodyTooLarge:
            if not started:
                await _answer(send, 413, "The request is too large.\n")


def _length(headers: dict[bytes, bytes]) -> int:
    try:
        return int(headers.get(b"content-length", b"0"))
    except ValueError:
        return 0
