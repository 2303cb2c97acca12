"""The portal as a public site, at the HTTP level: on every portal route (GET, HEAD and POST) only the
allowed host names are answered, every answer carries the security headers (Referrer-Policy: no-referrer
first, as the link's page and the firm's page hold tokens), a form posted from another site or without its
CSRF token is refused, and the upload page's limits hold: the body's size, the head's and the body's
deadlines, and how many requests are handled at once."""

from __future__ import annotations

import contextlib
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from auditor.web.config import WebConfig
from auditor.web.guard import RequestGuard
from tests.web.conftest import Server, free_port, wait_until
from tests.web.test_portal_web import court_export, csrf_of, links, record, sessions
from tests.web.test_web_abuse import closed_within

PASSWORD = "correct horse battery staple"
LIMIT = 4096      # --max-confirm-kb 4: the largest form body
ROUTES = [("GET", "/invite/{link}"), ("HEAD", "/invite/{link}"), ("POST", "/invite/{link}"),
          ("GET", "/firm"), ("HEAD", "/firm"), ("POST", "/firm/leave"), ("POST", "/firm/answer"),
          ("POST", "/firm/answer/preview"), ("POST", "/firm/answer/confirm"), ("POST", "/firm/roster"),
          ("GET", "/clerk"), ("HEAD", "/clerk"), ("POST", "/clerk/sign-in"), ("POST", "/clerk/sign-out"),
          ("GET", "/new-link"), ("HEAD", "/new-link"), ("POST", "/new-link")]
POSTS = [path for method, path in ROUTES if method == "POST"]
FORMS = [path for path in POSTS if path != "/firm/roster"]   # the roster is an upload: the upload limits hold


class Site:
    """A portal server, a firm's link and session, the clerk's session, and the forms' tokens."""

    def __init__(self, folder, **config):
        history = str(folder / "h.sqlite")
        record(court_export(folder, 1), history, "2026-11-30")
        (folder / "court.toml").write_text('[court]\nfrom_address = "nextgen@ncmb.example.gov"\n'
                                           '[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n')
        self.port = free_port()
        self.history = history
        self.config = WebConfig(history=history, base_url=f"http://127.0.0.1:{self.port}", clerk_password=PASSWORD,
                                settings=str(folder / "court.toml"), max_confirm_bytes=LIMIT, workers=1, **config)

    @contextlib.contextmanager
    def started(self):
        with Server(self.config, port=self.port) as server:
            self.server, self.url = server, server.url
            self.link = links(self.history, self.url)["Firm0000 LLP"].removeprefix(self.url)
            invite = httpx.get(self.url + self.link).text
            r = httpx.post(self.url + self.link, data={"csrf": csrf_of(invite)}, headers={"origin": self.url})
            login = httpx.get(self.url + "/clerk").text
            c = httpx.post(self.url + "/clerk/sign-in", headers={"origin": self.url},
                           data={"csrf": _token(login), "password": PASSWORD})
            self.cookies = {"auditor_portal": r.cookies["auditor_portal"], "auditor_clerk": c.cookies["auditor_clerk"]}
            firm = httpx.get(self.url + "/firm", cookies=self.cookies).text
            clerk = httpx.get(self.url + "/clerk", cookies=self.cookies).text
            # the token each form carries, for the posts that must pass all but one check
            answers = re.search(r'action="/firm/leave"><input type="hidden" name="csrf" value="([^"]+)"', firm).group(1)
            roster = re.search(r'action="/firm/roster" [^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)"', firm).group(1)
            self.tokens = {"/firm/leave": answers, "/firm/answer": answers, "/firm/answer/preview": answers,
                           "/firm/answer/confirm": answers, "/firm/roster": roster,
                           "/clerk/sign-in": _token(login), "/clerk/sign-out": _token(clerk),
                           "/new-link": _token(httpx.get(self.url + "/new-link").text), "/invite/{link}": csrf_of(invite)}
            yield self

    def path(self, path: str) -> str:
        return path.replace("/invite/{link}", self.link)

    def send(self, method: str, path: str, *, csrf: bool = True, headers=None, **kw) -> httpx.Response:
        data = None
        if method == "POST":
            data = {"email": "someone@x.example", "password": "wrong password here"}
            if csrf:
                data["csrf"] = self.tokens[path]
        if path == "/firm/roster":   # an upload, as the page's form sends it
            kw["files"] = [("roster", ("roster.csv", b"Name,Email\nAnn Lee,ann@x.example\n", "text/csv"))]
        return httpx.request(method, self.url + self.path(path), data=data, cookies=self.cookies,
                             headers={"origin": self.url, **(headers or {})}, **kw)


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with Site(tmp_path_factory.mktemp("portal-limits"), header_seconds=1, body_seconds=2).started() as s:
        yield s


@pytest.mark.parametrize("method,path", ROUTES)
def test_other_host_names_are_refused(site, method, path):
    for host in ("attacker.example", f"attacker.example:{site.port}", "127.0.0.1.attacker.example"):
        r = site.send(method, path, headers={"host": host})
        assert r.status_code == 400, host


@pytest.mark.parametrize("method,path", ROUTES)
def test_every_answer_carries_the_security_headers(site, method, path):
    r = site.send(method, path, csrf=False)
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", POSTS)
def test_a_form_from_another_site_or_without_its_token_is_refused(site, path):
    before = sessions(site.history)
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                    {"origin": "null", "sec-fetch-site": "same-site"}, {"origin": "http://127.0.0.1:1"}):
        assert site.send("POST", path, headers=headers).status_code == 403, headers
    assert site.send("POST", path, csrf=False).status_code == 403
    assert site.send("POST", path, csrf=False, headers={"origin": "null"}).status_code == 403
    assert sessions(site.history) == before
    assert httpx.get(site.url + "/firm", cookies=site.cookies).status_code == 200      # still signed in
    assert httpx.get(site.url + "/clerk", cookies=site.cookies).status_code == 200


@pytest.mark.parametrize("path", FORMS)
def test_a_body_over_the_limit_is_refused(site, path):
    big = {"csrf": site.tokens[path], "email": "x" * LIMIT}
    r = httpx.post(site.url + site.path(path), data=big, cookies=site.cookies, headers={"origin": site.url})
    assert r.status_code == 413

    def chunks():                                    # no Content-Length: counted as it streams in
        for i in range(8):
            yield f"&f{i}=".encode() + b"x" * 1024

    r = httpx.post(site.url + site.path(path), content=chunks(), cookies=site.cookies,
                   headers={"origin": site.url, "content-type": "application/x-www-form-urlencoded"})
    if path.startswith("/firm/answer"):              # forms whose own field limits are above the cap
        assert r.status_code == 413
    else:   # a form of a few short fields may refuse it first by its own field limits
        assert r.status_code == 413 or (r.status_code == 400 and "The form could not be read" in r.text), r.text


def _raw(site, text: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", site.port), timeout=10)
    s.sendall(text.encode())
    return s


def test_slow_heads_and_bodies_are_cut_off_on_every_route(site):
    start = time.monotonic()
    heads = [_raw(site, f"{method} {site.path(path)} HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n")
             for method, path in ROUTES]
    form = "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail="
    upload = ("Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
              '--b\r\nContent-Disposition: form-data; name="roster"; filename="r.csv"\r\n\r\n')
    cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in site.cookies.items()) + "\r\n"
    bodies = [_raw(site, f"POST {site.path(path)} HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n{cookie}"
                         + (upload if path == "/firm/roster" else form))
              for path in POSTS]
    with ThreadPoolExecutor(len(heads) + len(bodies)) as pool:
        cut = list(pool.map(lambda s: closed_within(s, 8, trickle=b"X-Slow: 1\r\n"), heads))
        slow = list(pool.map(lambda s: closed_within(s, 8, trickle=b"x"), bodies))
    assert all(closed for closed, _ in cut)                                  # the head within 1 second
    late = [path for path, (closed, answer) in zip(POSTS, slow) if not (closed and answer.startswith(b"HTTP/1.1 408"))]
    assert late == []                                                        # the body within 2
    assert time.monotonic() - start < 7
    assert httpx.get(site.url + "/new-link").status_code == 200


def _guard(app) -> RequestGuard:
    layer = app.middleware_stack
    while not isinstance(layer, RequestGuard):
        layer = layer.app
    return layer


def test_requests_beyond_the_limit_wait_then_are_told_busy(tmp_path):
    """--portal-requests 1: while one request holds the turn, every other portal request waits
    --queue-seconds and is answered 503 with Retry-After; the upload page is not counted."""
    with Site(tmp_path, portal_requests=1, queue_wait_seconds=0.5, body_seconds=4).started() as s:
        guard = _guard(s.server.app)
        holder = _raw(s, f"POST /new-link HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=")
        assert wait_until(guard.turns.locked, 5)
        with ThreadPoolExecutor(len(ROUTES)) as pool:
            answers = list(pool.map(lambda r: s.send(*r), ROUTES))
        assert [a.status_code for a in answers] == [503] * len(ROUTES)
        assert all(a.headers["retry-after"] == "30" for a in answers)
        assert httpx.get(s.url + "/").status_code == 200
        holder.close()
        assert wait_until(lambda: not guard.turns.locked(), 8)
        assert s.send("GET", "/clerk").status_code == 200
