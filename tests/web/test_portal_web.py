"""The firm portal on ``auditor serve --history --base-url``: a link opens a confirmation page that
redeems nothing (a mail scanner's HEAD and GETs leave it working), only the page's button starts a
session, and the firm's page shows that firm's findings and nothing of any other firm.  Real server,
real history on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from sqlalchemy import func, select, update

from auditor import api
from auditor.history import recording
from auditor.history import schema as S
from auditor.history.store import open_store
from auditor.portal.invites import make_invites
from auditor.portal.sessions import find_session, firm_findings
from auditor.web.config import WebConfig
from tests.conftest import write_csv
from tests.web.conftest import ONE_WORKER, Server, free_port

HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "Firm", "PACER Login", "Status"]


def court_export(folder, n_firms: int = 3):
    rows = []
    for n in range(n_firms):   # every filer unlinked: each firm has findings; names say whose they are
        firm = f"Firm{n:04d} LLP"
        rows.append(["ncmb", f"f{n:04d}a", f"Person{n:04d}a, Ann", "Attorney", f"NC{n}1", firm, "", "Active"])
        rows.append(["ncmb", f"f{n:04d}b", f"Person{n:04d}b, Bob", "Attorney", f"NC{n}2", firm, "", "Active"])
    return write_csv(folder / "court.csv", HEADER, rows)


def record(path, history, as_of: str) -> None:
    result = api.audit(court_accounts=[path], as_of=dt.date.fromisoformat(as_of))
    with recording(result, history, future=True) as view:   # month-ends after today too
        view.commit()


def sessions(history) -> int:
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(S.portal_sessions)).scalar()
    finally:
        store.close()


def links(history, base: str, firms=()) -> dict[str, str]:
    store = open_store(history, create=False)
    try:
        return {i.firm_name: i.link for i in make_invites(store, base, firms)}
    finally:
        store.close()


@pytest.fixture
def portal(tmp_path, history_url):
    """(server, history, {firm: link}) with three firms' findings of November recorded."""
    record(court_export(tmp_path), history_url, "2026-11-30")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Server(WebConfig(history=history_url, base_url=base, **ONE_WORKER), port=port) as server:
        yield server, history_url, links(history_url, base)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', html).group(1)


def press(server, link: str, csrf: str, origin: str | None = None) -> httpx.Response:
    headers = {"origin": origin if origin is not None else server.url}
    return httpx.post(link, data={"csrf": csrf}, headers=headers, follow_redirects=False)


def test_a_scanner_does_not_use_the_link_up(portal):
    server, history, made = portal
    link = made["Firm0001 LLP"]
    assert httpx.head(link).status_code == 200
    pages = [httpx.get(link), httpx.get(link)]
    for p in pages:
        assert p.status_code == 200 and "Firm0001 LLP" in p.text and "Open the findings" in p.text
        assert p.headers["referrer-policy"] == "no-referrer" and "set-cookie" not in p.headers
    assert "Person0001a" not in pages[0].text          # the confirmation page shows no finding
    assert sessions(history) == 0
    r = press(server, link, csrf_of(pages[1].text))
    assert r.status_code == 303 and r.headers["location"] == "/firm"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie                      # served over http here
    assert sessions(history) == 1
    jar = {"auditor_portal": r.cookies["auditor_portal"]}
    page = httpx.get(server.url + "/firm", cookies=jar)
    assert page.status_code == 200
    assert "Person0001a, Ann" in page.text and "Person0001b, Bob" in page.text
    assert "Link the filer" in page.text or "PACER" in page.text          # what to do, from the rule
    assert not re.search(r"Person000[02]|f000[02]|Firm000[02]", page.text)
    assert httpx.get(link).status_code == 200          # the link still opens after the session began
    assert httpx.get(server.url + "/firm").status_code == 401             # no cookie, no findings
    token = re.search(r'action="/firm/leave"><input type="hidden" name="csrf" value="([0-9a-f]{64})"', page.text)[1]
    refused = httpx.post(server.url + "/firm/leave", cookies=jar, headers={"origin": server.url})
    assert refused.status_code == 403 and httpx.get(server.url + "/firm", cookies=jar).status_code == 200
    out = httpx.post(server.url + "/firm/leave", cookies=jar, headers={"origin": server.url}, data={"csrf": token})
    assert out.status_code == 200 and httpx.get(server.url + "/firm", cookies=jar).status_code == 401


def test_the_button_needs_its_csrf_token_and_this_site(portal):
    server, history, made = portal
    link = made["Firm0000 LLP"]
    good = csrf_of(httpx.get(link).text)
    assert press(server, link, "0" * 64).status_code == 403
    assert press(server, link, good, origin="https://evil.example").status_code == 403
    other = made["Firm0002 LLP"]
    assert press(server, other, good).status_code == 403   # one link's token does not open another
    assert sessions(history) == 0
    assert press(server, link, good).status_code == 303


def test_bad_and_ended_links_get_one_plain_page_then_429(portal):
    server, history, made = portal
    link = made["Firm0000 LLP"]
    store = open_store(history, create=False)
    try:
        with store.engine.begin() as conn:   # Firm0002's link ended yesterday
            conn.execute(update(S.invites).where(S.invites.c.firm_name == "Firm0002 LLP")
                         .values(expires_at=dt.datetime.now() - dt.timedelta(days=1)))
    finally:
        store.close()
    wrong = httpx.get(server.url + "/invite/" + "A" * 43)
    ended = httpx.get(made["Firm0002 LLP"])
    assert wrong.status_code == ended.status_code == 404
    assert wrong.text == ended.text and "This link does not work" in wrong.text
    for _ in range(3):
        assert httpx.get(server.url + "/invite/nothing").status_code == 404
    limited = httpx.get(link)                     # the sixth in a minute: refused, even a good one
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"


def test_the_next_month_ends_the_session(portal, tmp_path):
    server, history, made = portal
    link = made["Firm0000 LLP"]
    r = press(server, link, csrf_of(httpx.get(link).text))
    jar = {"auditor_portal": r.cookies["auditor_portal"]}
    assert httpx.get(server.url + "/firm", cookies=jar).status_code == 200
    record(court_export(tmp_path, 2), history, "2026-12-31")
    assert httpx.get(server.url + "/firm", cookies=jar).status_code == 401
    assert httpx.get(link).status_code == 404


def test_a_session_lasts_8_hours_and_is_secure_over_https(tmp_path):
    history = str(tmp_path / "h.sqlite")
    record(court_export(tmp_path, 1), history, "2026-11-30")
    port = free_port()
    base = "https://audit.example-court.gov"
    with Server(WebConfig(history=history, base_url=base, **ONE_WORKER), port=port) as server:
        link = links(history, base)["Firm0000 LLP"].replace(base, server.url)
        r = httpx.post(link, data={"csrf": csrf_of(httpx.get(link).text)}, headers={"origin": base})
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]
        assert "127.0.0.1" not in r.headers["location"]
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            cookie = r.cookies["auditor_portal"]
            assert find_session(conn, cookie) is not None
            assert find_session(conn, cookie, now=dt.datetime.now() + dt.timedelta(hours=8, minutes=1)) is None
    finally:
        store.close()


def test_no_firm_sees_another_firms_rows(tmp_path):
    """2,500 firms: every firm's session reads its own rows only; 25 firms' pages over HTTP likewise, and
    their answer routes refuse every other firm's finding id."""
    history = str(tmp_path / "h.sqlite")
    record(court_export(tmp_path, 2500), history, "2026-11-30")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    made = links(history, base)
    assert len(made) == 2500
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            scopes = conn.execute(select(S.invites.c.id, S.invites.c.firm_name)).all()
            from auditor.portal.invites import find_invite
            for firm, url in made.items():
                scope = find_invite(conn, url.rsplit("/", 1)[1])
                n = firm[4:8]
                rows = firm_findings(conn, scope)
                assert rows and {r["person_name"][:11] for r in rows} <= {f"Person{n}a", f"Person{n}b"}
                assert {r["cmecf_login"][:5] for r in rows} == {f"f{n}"}
            assert len(scopes) == 2500
            names = dict(conn.execute(select(S.invites.c.firm_name, S.invites.c.firm_key)).all())
            findings_of: dict[str, list[str]] = {}
            for fid, key in conn.execute(select(S.run_findings.c.finding_id, S.run_findings.c.firm_key)):
                findings_of.setdefault(key, []).append(fid)
    finally:
        store.close()
    with Server(WebConfig(history=history, base_url=base, **ONE_WORKER), port=port) as server:
        for firm in list(made)[::100]:
            n = firm[4:8]
            link = made[firm]
            r = press(server, link, csrf_of(httpx.get(link).text))
            jar = {"auditor_portal": r.cookies["auditor_portal"]}
            page = httpx.get(server.url + "/firm", cookies=jar)
            people = set(re.findall(r"Person(\d{4})", page.text)) | set(re.findall(r"\bf(\d{4})[ab]\b", page.text))
            assert page.status_code == 200 and people == {n}
            assert set(re.findall(r"Firm(\d{4})", page.text)) == {n}
            # the answer routes: another firm's finding id is refused in the same words, nothing of it shown
            neighbour = f"Firm{(int(n) + 1) % 2500:04d} LLP"
            answered = answer_leaks(server, jar, page.text, findings_of[names[neighbour]])
            assert set(re.findall(r"Person(\d{4})", answered)) == {n}
        for firm in list(made)[::1250]:     # the roster upload too, naming the next firm's filer as ours
            roster_leaks(server, made[firm], firm[4:8], tmp_path)
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:   # every answer recorded is its own firm's finding
            a, f = S.answers, S.run_findings
            rows = conn.execute(select(a.c.firm_key, f.c.firm_key).select_from(
                a.join(f, (f.c.finding_id == a.c.finding_id) & (f.c.run_id == a.c.run_id)))).all()
            assert len(rows) == 25 and all(x == y for x, y in rows)
    finally:
        store.close()


def answer_leaks(server, jar, page: str, theirs: list[str]) -> str:
    """Post another firm's finding ids to every answer route: each refused with the same words and
    nothing of the other firm; then answer one's own finding.  The firm's page afterwards."""
    from tests.web.test_portal_answers import alerts, answer_form

    csrf, mine = answer_form(page)
    for path, ids in (("/firm/answer", theirs[:1]), ("/firm/answer/preview", [mine[0], theirs[0]]),
                      ("/firm/answer/confirm", theirs)):
        r = httpx.post(server.url + path, cookies=jar, headers={"origin": server.url},
                       data={"csrf": csrf, "finding_id": ids, "kind": "fixed", "rule_id": "x"})
        assert r.status_code == 400 and alerts(r.text) == ["That finding is not one of your firm's findings."]
        assert "Person" not in r.text and not re.search(r"Firm\d{4}", r.text)
    ok = httpx.post(server.url + "/firm/answer", cookies=jar, headers={"origin": server.url},
                    data={"csrf": csrf, "finding_id": mine[0], "kind": "fixed"})
    assert ok.status_code == 303
    return httpx.get(server.url + "/firm?answered=1", cookies=jar).text


def test_a_browser_without_origin_still_needs_the_token(portal):
    server, history, made = portal
    link = made["Firm0000 LLP"]
    good = csrf_of(httpx.get(link).text)
    assert press(server, link, "", origin="null").status_code == 403
    assert sessions(history) == 0
    assert press(server, link, good, origin="null").status_code == 303


def test_an_upload_is_not_recorded_into_the_courts_history(portal, tmp_path):
    """With the portal on, the public upload page cannot record a court run that would end every link."""
    server, history, made = portal
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            before = conn.execute(select(func.count()).select_from(S.runs)).scalar()
    finally:
        store.close()
    later = court_export(tmp_path, 1)
    r = httpx.post(server.url + "/audit", data={"kind": "court_accounts", "mapping": "auto", "as_of": "2026-12-31"},
                   files=[("files", ("court.csv", later.read_bytes(), "text/csv"))], timeout=120)
    assert r.status_code == 200, r.text[:300]
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(S.runs)).scalar() == before
    finally:
        store.close()
    assert httpx.get(made["Firm0000 LLP"]).status_code == 200


def roster_leaks(server, link: str, n: str, folder) -> None:
    """Upload a roster from firm ``n``'s page that lists its two filers and, as if one of its own, the
    next firm's filer with his bar number: the page and the workbook name no other firm and nobody of it."""
    from tests.web.test_portal_roster import shown, upload, workbook_text

    m = f"{(int(n) + 1) % 2500:04d}"
    path = write_csv(folder / f"staff-{n}.csv", ["Name", "Role", "Bar Number", "PACER Login"], [
        [f"Person{n}a, Ann", "Attorney", f"NC{int(n)}1", ""],
        [f"Person{n}b, Bob", "Attorney", f"NC{int(n)}2", ""],
        [f"Person{m}a, Ann", "Attorney", f"NC{int(m)}1", ""],
    ])
    r = press(server, link, csrf_of(httpx.get(link).text))
    page = upload(server, {"auditor_portal": r.cookies["auditor_portal"]}, path)
    assert page.status_code == 200, shown(page.text)[:300]
    for text in (shown(page.text), workbook_text(server, page.text)):
        assert f"Person{n}" in text                 # the court's findings about the firm's own filers
        assert set(re.findall(r"Person(\d{4})", text)) == {n}
        assert set(re.findall(r"Firm(\d{4})", text)) <= {n}
        assert not re.search(rf"\bf{m}[ab]\b|NC{int(m)}[12]\b", text)


def test_a_form_with_more_fields_than_it_takes_is_told_so(portal):
    server, _, made = portal
    link = next(iter(made.values()))
    r = httpx.post(link, data={f"f{i}": "x" for i in range(8)}, headers={"origin": server.url})
    assert r.status_code == 400 and "The form could not be read" in r.text and "no such page" not in r.text
    assert "Upload files" not in r.text          # a firm's page does not send it to the upload page
