"""A firm asks the portal for a new link: sent through the court's relay (a real aiosmtpd server on
loopback) only to an address the court has on file for that firm, the page saying the same sentence
whatever the address, limits per client and per address, each link sent recorded in the deliveries
table beside the firm's notice.  SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import html
import re

import httpx
import pytest
from sqlalchemy import select

from auditor.history import schema as S
from auditor.history.store import open_store
from auditor.notify import record
from auditor.portal.relink import NEUTRAL
from auditor.web.config import WebConfig
from tests.conftest import write_csv
from tests.notify.notify_world import write_settings
from tests.notify.smtp_server import SmtpServer
from tests.web.conftest import Server, free_port
from tests.web.test_portal_web import court_export, csrf_of, links, record as record_run, sessions

NOTICE_TO = "boss@firm2.example"     # Firm0002's notice went here (recorded for the run)
LISTED = "admin@firm1.example"       # Firm0001's address in the court's contacts list


def form_token(html: str) -> str:
    return re.search(r'name="csrf" value="(\d+\.[0-9a-f]{64})"', html).group(1)


def ask(server, email: str, **headers) -> httpx.Response:
    token = form_token(httpx.get(server.url + "/new-link").text)
    return httpx.post(server.url + "/new-link", data={"csrf": token, "email": email},
                      headers={"origin": server.url, **headers})


def deliveries(history) -> list[dict]:
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            d = S.deliveries
            return [dict(r) for r in conn.execute(select(d).order_by(d.c.firm_name, d.c.kind)).mappings()]
    finally:
        store.close()


@contextlib.contextmanager
def started(tmp_path, history_url):
    """(server, smtp, history, {firm: link}): three firms' findings of November, Firm0001 in the contacts
    list, Firm0002's notice recorded as sent."""
    record_run(court_export(tmp_path), history_url, "2026-11-30")
    store = open_store(history_url, create=False)
    try:
        ref = record.find_run(store, None, run=1)
        record.save(store, ref, "firm0002 llp", firm_name="Firm0002 LLP", recipients=f"Ann <x@y.example>, {NOTICE_TO}",
                    state=record.SENT, answer="250 ok", attempts=1, message_id="<n@x>")
    finally:
        store.close()
    contacts = write_csv(tmp_path / "contacts.csv", ["firm_name", "contact_name", "email"],
                         [["Firm0001 LLP", "Ada Admin", LISTED], ["Firm 9999 LLP", "Nobody", "nobody@else.example"]])
    with SmtpServer() as smtp:
        settings = write_settings(tmp_path / "court.toml", smtp.port)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        config = WebConfig(history=history_url, base_url=base, settings=str(settings), contacts=str(contacts),
                           workers=1)
        with Server(config, port=port) as server:
            yield server, smtp, history_url, links(history_url, base)


@pytest.fixture
def relink(tmp_path):
    with started(tmp_path, str(tmp_path / "h.sqlite")) as parts:
        yield parts


@pytest.fixture
def relink_both(tmp_path, history_url):
    with started(tmp_path, history_url) as parts:
        yield parts


def test_a_contact_on_file_gets_a_new_link_and_an_unknown_address_nothing(relink_both):
    server, smtp, history, _made = relink_both
    worker = server.app.state.portal_extras.links
    answers = [ask(server, email) for email in ("stranger@evil.example", LISTED.upper(), NOTICE_TO,
                                                 "nobody@else.example")]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1 and NEUTRAL in html.unescape(answers[0].text)   # one sentence for every address
    worker.wait()
    assert smtp.to("stranger@evil.example") == [] and smtp.to("nobody@else.example") == []
    assert len(smtp.messages) == 2
    for address, firm, others in ((LISTED, "Firm0001 LLP", "Firm000[02]"), (NOTICE_TO, "Firm0002 LLP", "Firm000[01]")):
        (msg,) = smtp.to(address)
        assert [a.addr_spec for a in msg["To"].addresses] == [address]            # that address alone
        assert msg["From"].addresses[0].addr_spec == "nextgen@ncmb.example.gov" and firm in msg["Subject"]
        body = msg.get_body(("plain",)).get_content()
        assert firm in body and not re.search(others, body + msg["Subject"])
        link = re.search(r"(http://127\.0\.0\.1:\d+/invite/[\w-]{43})", body).group(1)
        # a mail scanner's HEAD and two GETs leave the new link working; the button opens the firm's page
        before = sessions(history)
        assert httpx.head(link).status_code == 200
        pages = [httpx.get(link), httpx.get(link)]
        assert all(p.status_code == 200 and firm in p.text for p in pages) and sessions(history) == before
        r = httpx.post(link, data={"csrf": csrf_of(pages[1].text)}, headers={"origin": server.url})
        assert r.status_code == 303
        page = httpx.get(server.url + "/firm", cookies={"auditor_portal": r.cookies["auditor_portal"]})
        assert page.status_code == 200 and firm in page.text and not re.search(others, page.text)
    rows = {(d["firm_name"], d["kind"]): d for d in deliveries(history)}
    assert set(rows) == {("Firm0001 LLP", "new-link"), ("Firm0002 LLP", "new-link"), ("Firm0002 LLP", "notice")}
    assert rows["Firm0001 LLP", "new-link"]["recipients"] == LISTED       # as on file, not as typed
    assert rows["Firm0001 LLP", "new-link"]["state"] == "sent" and "250" in rows["Firm0001 LLP", "new-link"]["answer"]
    notice = rows["Firm0002 LLP", "notice"]           # the notice's record is untouched by the new link
    assert notice["recipients"].endswith(NOTICE_TO) and notice["message_id"] == "<n@x>"


def test_asks_are_limited_per_address_and_per_client(relink):
    server, smtp, _history, _made = relink
    worker = server.app.state.portal_extras.links
    answers = [ask(server, LISTED) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4 and len({a.text for a in answers}) == 1
    worker.wait()
    assert len(smtp.to(LISTED)) == 3                    # three links an hour to one address, then none
    bad = ask(server, "not an address")
    assert bad.status_code == 400 and "Write one e-mail address" in bad.text
    more = [ask(server, f"n{i}@x.example").status_code for i in range(6)]
    assert more == [200] * 5 + [429]                    # ten asks an hour from one client address
    assert ask(server, "other@x.example").status_code == 429


def test_the_form_needs_its_token_and_this_site(relink):
    server, smtp, _history, _made = relink
    token = form_token(httpx.get(server.url + "/new-link").text)
    assert httpx.post(server.url + "/new-link", data={"email": LISTED},
                      headers={"origin": server.url}).status_code == 403
    assert httpx.post(server.url + "/new-link", data={"csrf": "1." + "0" * 64, "email": LISTED}).status_code == 403
    cross = httpx.post(server.url + "/new-link", data={"csrf": token, "email": LISTED},
                       headers={"origin": "https://evil.example"})
    assert cross.status_code == 403
    server.app.state.portal_extras.links.wait()
    assert smtp.messages == []


def test_without_the_relay_the_pages_send_to_the_clerk(tmp_path):
    history = str(tmp_path / "h.sqlite")
    record_run(court_export(tmp_path, 1), history, "2026-11-30")
    port = free_port()
    with Server(WebConfig(history=history, base_url=f"http://127.0.0.1:{port}", workers=1), port=port) as server:
        gone = httpx.get(server.url + "/invite/" + "A" * 43)
        assert gone.status_code == 404 and 'href="/new-link"' in gone.text
        page = httpx.get(server.url + "/new-link")
        assert page.status_code == 200 and "Ask the court's clerk's office" in html.unescape(page.text) and "<form" not in page.text
        assert httpx.post(server.url + "/new-link", data={"email": LISTED}).status_code == 404
