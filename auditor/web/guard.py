"""What every request must pass before the page looks at it: a Host it answers to, an Origin of its
own on a form post, and a body that arrives within its time.

- Host: a name in ``WebConfig.hosts`` (by default the address it listens on and localhost), so a page
  elsewhere that rebinds its own name to 127.0.0.1 (DNS rebinding) cannot drive the server.
- Origin: a browser says where a form post comes from (``Sec-Fetch-Site``, ``Origin``); one from another
  site, or an ``Origin: null`` the browser does not vouch for as same-origin, is refused, so a page
  elsewhere cannot post uploads in a visitor's name.  Scripts send neither and pass.
- Body: the whole body must arrive within ``body_seconds``; a client trickling a byte every few
  seconds is answered 408 and cut off.  (The request's head has its own limit, ``timeouts``.)
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


FORMS = "/audit"   # the upload page's posts, which carry no token of their own (the portal's forms check theirs)


class BodyTooSlow(Exception):
    """The request body did not arrive within its time."""


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):                       # [::1]:8000
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _answer(send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text.encode()})


class RequestGuard:
    def __init__(self, app, *, hosts: list[str], body_seconds: float, origins: tuple[str, ...] = ()):
        self.app, self.hosts, self.body_seconds = app, {h.lower() for h in hosts}, body_seconds
        self.origins = {o.rstrip("/").lower() for o in origins}   # the public address (--base-url), behind a proxy

    def host_ok(self, host: str) -> bool:
        return "*" in self.hosts or _hostname(host) in self.hosts

    def origin_ok(self, headers: dict[bytes, bytes], host: str) -> bool:
        """A browser names where a form post comes from: ``Sec-Fetch-Site`` (same-origin for the page's own
        forms) and ``Origin``, which is ``null`` for the page's own forms too, as the page sends no referrer."""
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
        if site in ("cross-site", "same-site"):
            return False
        origin = headers.get(b"origin")
        if origin is None:
            return True
        text = origin.decode("latin-1").strip()
        if text == "null":
            return site == "same-origin"
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
        if (scope["method"] not in ("GET", "HEAD") and scope["path"].startswith(FORMS)
                and not self.origin_ok(headers, host)):
            return await _answer(send, 403, "A form from another site cannot be posted here.\n")

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_seconds
        done = False
        started = False

        async def timed_receive():
            nonlocal done
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
