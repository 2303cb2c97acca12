"""The clerk's page on ``auditor serve --history --base-url``: what it shows of the latest court run (links,
answers, acceptances ending, messages), who may open it (a browser on the server itself, or the clerk
after signing in with the password; never a firm's link or session), its sign-in's CSRF token and limit
on wrong passwords.  Real server, real history on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re

import httpx
import pytest
from sqlalchemy import select, update

from auditor.history import schema as S
from auditor.history.answers import Answer, record_answers
from auditor.history.store import open_store
from auditor.notify import record
from auditor.web.config import WebConfig
from tests.web.conftest import Server, free_port
from tests.web.test_portal_web import court_export, csrf_of, links, record as record_run

PASSWORD = "correct horse battery staple"


def words(page: httpx.Response) -> str:
    """The page's text as a person reads it: tags and runs of white space gone."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def section(text: str, title: str) -> str:
    start = text.index(title)
    ends = [text.find(t, start + 1) for t in ("Firms that", "Acceptances ending", "Messages sent", "Only the court")]
    return text[start:min(e for e in ends if e > start)]


def answered_world(folder, history) -> dict[str, str]:
    """Three firms' findings of November with links; Firm0000 answered one of its two findings, Firm0001
    both (one accepted until 10 days from now), Firm0002 none; the court accepted one of Firm0002's
    findings until 5 days from now in its report; Firm0002's notice was refused."""
    record_run(court_export(folder), history, "2026-11-30")
    port = free_port()
    made = links(history, f"http://127.0.0.1:{port}")
    today = dt.date.today()
    store = open_store(history, create=False)
    try:
        with store.engine.begin() as conn:
            run_id, scope = conn.execute(select(S.runs.c.id, S.runs.c.scope)).first()
            invites = dict(conn.execute(select(S.invites.c.firm_key, S.invites.c.id)).all())
            f = S.run_findings
            ids = {}
            for key, fid in conn.execute(select(f.c.firm_key, f.c.finding_id).order_by(f.c.finding_id)).all():
                ids.setdefault(key, []).append(fid)
            for key, answers in (("firm0000 llp", [Answer(ids["firm0000 llp"][0], "fixed")]),
                                 ("firm0001 llp", [Answer(ids["firm0001 llp"][0], "accepted", today + dt.timedelta(days=10),
                                                          "retiring at year end"),
                                                   Answer(ids["firm0001 llp"][1], "will_fix", today + dt.timedelta(days=20))])):
                record_answers(conn, scope=scope, run_id=run_id, invite_id=invites[key], firm_key=key, answers=answers,
                               together=False)
            st = S.finding_state
            conn.execute(update(st).where(st.c.finding_id == ids["firm0002 llp"][0])
                         .values(status="Accepted", accepted_until=today + dt.timedelta(days=5)))
        ref = record.find_run(store, None, run=run_id)
        record.save(store, ref, "firm0002 llp", firm_name="Firm0002 LLP", recipients="boss@firm2.example",
                    state=record.REFUSED, answer="550 5.1.1 user unknown", attempts=1, message_id="<n@x>")
    finally:
        store.close()
    return {"port": str(port), **made}


@contextlib.contextmanager
def clerk_server(folder, history, **config):
    made = answered_world(folder, history)
    port = int(made.pop("port"))
    config = {"workers": 1, **config}   # the clerk's page audits nothing: one worker is enough
    with Server(WebConfig(history=history, base_url=f"http://127.0.0.1:{port}", **config), port=port) as server:
        yield server, made


def firm_cookie(server, link: str) -> dict:
    r = httpx.post(link, data={"csrf": csrf_of(httpx.get(link).text)}, headers={"origin": server.url})
    return {"auditor_portal": r.cookies["auditor_portal"]}


def test_the_clerk_sees_links_answers_acceptances_and_messages(tmp_path, history_url):
    with clerk_server(tmp_path, history_url) as (server, _made):
        page = httpx.get(server.url + "/clerk")
        assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
        text = words(page)
        assert "The court's audit of 2026-11-30" in text
        assert "3 firms with findings; 3 have a link to their page." in text
        assert "2 answered on their page; 1 has not answered." in text
        waiting = section(text, "Firms that have not answered (1)")
        assert "Firm0002 LLP" in waiting and "Notice: Refused by the mail server" in waiting
        ends = (dt.datetime.now() + dt.timedelta(days=15)).date().isoformat()
        assert ends in waiting and "Firm0000" not in waiting and "Firm0001" not in waiting
        answered = section(text, "Firms that answered (2)")
        assert "Firm0000 LLP 2 Answered 1 of 2" in answered and "Firm0001 LLP 2 Answered all" in answered
        ending = section(text, "Acceptances ending within 30 days (2)")
        soon, later = ((dt.date.today() + dt.timedelta(days=n)).isoformat() for n in (5, 10))
        assert ending.index(soon) < ending.index(later)                        # the soonest first
        assert re.search(soon + r" Firm0002 LLP Person0002\w, \w+ .+ the court's report", ending)
        assert re.search(later + r" Firm0001 LLP Person0001\w, \w+ .+ the firm", ending)
        sent = section(text, "Messages sent this month (1)")
        assert "Firm0002 LLP Notice boss@firm2.example Refused by the mail server 550 5.1.1 user unknown" in sent


@pytest.fixture(scope="module")
def local_only(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clerk-local")
    with clerk_server(folder, str(folder / "h.sqlite"), allowed_hosts=("127.0.0.1", "audit.example-court.gov")) as s:
        yield s


def test_without_a_password_only_this_machine_opens_it(local_only):
    server, made = local_only
    assert httpx.get(server.url + "/clerk").status_code == 200
    assert httpx.head(server.url + "/clerk").status_code == 200
    cookie = firm_cookie(server, made["Firm0001 LLP"])
    for headers in ({"x-forwarded-for": "203.0.113.9"}, {"forwarded": "for=203.0.113.9"}, {"x-real-ip": "203.0.113.9"},
                    {"via": "1.1 proxy"}, {"host": "audit.example-court.gov"}):   # through a proxy, or by its name
        for r in (httpx.get(server.url + "/clerk", headers=headers),
                  httpx.get(server.url + "/clerk", headers=headers, cookies=cookie)):
            assert r.status_code == 404 and "Firm0002" not in r.text, headers
    signed = httpx.post(server.url + "/clerk/sign-in", data={"password": PASSWORD}, headers={"x-forwarded-for": "1.2.3.4"})
    assert signed.status_code == 404 and "set-cookie" not in signed.headers


@pytest.fixture(scope="module")
def with_password(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clerk-password")
    with clerk_server(folder, str(folder / "h.sqlite"), clerk_password=PASSWORD) as s:
        yield s


def sign_in(server, password: str, csrf: str | None = None) -> httpx.Response:
    if csrf is None:
        csrf = re.search(r'name="csrf" value="([^"]+)"', httpx.get(server.url + "/clerk").text).group(1)
    return httpx.post(server.url + "/clerk/sign-in", data={"csrf": csrf, "password": password},
                      headers={"origin": server.url})


def test_with_a_password_the_clerk_signs_in_and_out_and_wrong_passwords_are_limited(with_password):
    server, made = with_password
    first = httpx.get(server.url + "/clerk")                          # even from this machine: the sign-in form
    assert first.status_code == 401 and "Password" in first.text and "Firm0002" not in first.text
    firm = firm_cookie(server, made["Firm0001 LLP"])
    assert httpx.get(server.url + "/clerk", cookies=firm).status_code == 401
    assert httpx.get(server.url + "/clerk", cookies={"auditor_clerk": firm["auditor_portal"]}).status_code == 401
    assert sign_in(server, PASSWORD, csrf="").status_code == 403       # the form's own token is needed
    r = sign_in(server, PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/clerk"
    cookie = r.headers["set-cookie"]
    assert all(p in cookie for p in ("HttpOnly", "SameSite=strict", "Path=/clerk", "Max-Age=28800"))
    jar = {"auditor_clerk": r.cookies["auditor_clerk"]}
    page = httpx.get(server.url + "/clerk", cookies=jar)
    assert page.status_code == 200 and "Firm0002 LLP" in page.text and "Sign out" in page.text
    out_token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert httpx.post(server.url + "/clerk/sign-out", cookies=jar, data={"csrf": "1." + "0" * 64},
                      headers={"origin": server.url}).status_code == 403
    assert httpx.get(server.url + "/clerk", cookies=jar).status_code == 200
    out = httpx.post(server.url + "/clerk/sign-out", cookies=jar, data={"csrf": out_token}, headers={"origin": server.url})
    assert out.status_code == 200 and httpx.get(server.url + "/clerk", cookies=jar).status_code == 401
    # wrong passwords: five from one address, then none is tried (the right one neither) for 15 minutes
    tries = [sign_in(server, "not the password at all") for _ in range(5)]
    assert [t.status_code for t in tries] == [401] * 5 and "That password is not right." in tries[0].text
    assert "set-cookie" not in tries[-1].headers
    blocked = sign_in(server, PASSWORD)
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "900"


def test_serve_refuses_what_it_cannot_use_in_one_line(tmp_path):
    """Through the real command line: a short clerk's password, new links without the portal, a relay
    whose password is not set; each is one line and exit code 2, before anything listens."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "court.toml").write_text('[court]\nfrom_address = "a@b.example"\n[smtp]\nhost = "127.0.0.1"\n'
                                         'username = "relay"\npassword_env = "AUDITOR_TEST_UNSET"\n')
    history = str(tmp_path / "h.sqlite")
    record_run(court_export(tmp_path, 1), history, "2026-11-30")
    exe = str(Path(sys.executable).with_name("auditor"))
    portal = ["serve", "--port", str(free_port()), "--history", history, "--base-url", "http://127.0.0.1:1"]
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_TEST_UNSET"} | {"SHORT": "eleven char"}
    for args, said in ((portal + ["--clerk-password-env", "SHORT"], "at least 12 characters"),
                       (portal + ["--clerk-password-env", "AUDITOR_TEST_UNSET"], "$AUDITOR_TEST_UNSET, which is not set"),
                       (["serve", "--settings", str(tmp_path / "court.toml")], "give --history and --base-url"),
                       (portal + ["--settings", str(tmp_path / "court.toml")], "relay's password is read from $AUDITOR_TEST_UNSET")):
        done = subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert "serving" not in done.stderr


def test_with_a_public_base_url_and_no_password_the_page_is_off(tmp_path):
    """A proxy at its defaults passes the upstream's loopback name and no forwarding header: a request it
    forwards looks like a browser on the server.  So a portal offered to firms under a public name serves
    the clerk's page only behind a password."""
    history = str(tmp_path / "h.sqlite")
    record_run(court_export(tmp_path), history, "2026-11-30")
    port = free_port()
    config = WebConfig(history=history, base_url="https://audit.example-court.gov", workers=1,
                       allowed_hosts=("127.0.0.1", "audit.example-court.gov"))
    with Server(config, port=port) as server:
        for host in ("127.0.0.1", "audit.example-court.gov"):
            r = httpx.get(server.url + "/clerk", headers={"host": host})
            assert r.status_code == 404 and "There is no such page" in r.text
