"""A firm's roster uploaded from its portal page, audited with the court's export and PACER list of the
run its link belongs to: the firm sees the court's findings about its own people and what its roster
raises, never anything of another firm, even when its roster names another firm's filer.  The court's
files moved or changed since: one plain sentence, and "not checked".  Real server, real history on
SQLite and PostgreSQL; nothing of the upload is recorded."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import httpx
import openpyxl
from sqlalchemy import func, select

from auditor import api
from auditor.history import recording
from auditor.history import schema as S
from auditor.history.store import open_store
from auditor.web.config import WebConfig
from tests.conftest import write_csv
from tests.web.conftest import Server, free_port, stored_files
from tests.web.test_portal_web import csrf_of, links, press

COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "E-mail", "Firm", "PACER Login", "Status"]
PACER_HEADER = ["PACER Username", "Account Holder", "Account Type", "Upgraded", "MFA", "Email Address"]
ROSTER_HEADER = ["Firm", "Name", "Role", "Bar Number", "E-mail", "PACER Login", "Left Firm"]
# everything of the other firm (Theirs PC) that the court's data holds: never on Ours LLP's page or workbook
THEIRS = ["Theirs PC", "Zimmer", "zed9", "zed@theirs.com", "NC909", "Young", "yul8", "yul@theirs.com", "NC808",
          "young00008"]


def court_files(folder):
    """Ours LLP: Ann (her PACER account also used by Zed of Theirs PC) and Bob (no PACER account linked)."""
    court = write_csv(folder / "ncmb-2026-11.csv", COURT_HEADER, [
        ["ncmb", "ann1", "Adams, Ann", "Attorney", "NC101", "ann@ours.com", "Ours LLP", "adams00001", "Active"],
        ["ncmb", "bob1", "Brown, Bob", "Attorney", "NC102", "bob@ours.com", "Ours LLP", "", "Active"],
        ["ncmb", "zed9", "Zimmer, Zed", "Attorney", "NC909", "zed@theirs.com", "Theirs PC", "adams00001", "Active"],
        ["ncmb", "yul8", "Young, Yul", "Attorney", "NC808", "yul@theirs.com", "Theirs PC", "young00008", "Active"],
    ])
    pacer = write_csv(folder / "pacer.csv", PACER_HEADER, [
        ["adams00001", "Ann Adams", "Individual", "Yes", "Yes", "ann@ours.com"],
        ["young00008", "Yul Young", "Individual", "Yes", "No", "yul@theirs.com"],
    ])
    return court, pacer


def roster(folder):
    """Ours LLP's roster as the firm keeps it: one row says "Theirs PC" (the session decides the firm) and
    one names the other firm's filer Yul Young, with his bar number and e-mail."""
    return write_csv(folder / "our staff.csv", ROSTER_HEADER, [
        ["Ours LLP", "Ann Adams", "Attorney", "NC101", "ann@ours.com", "adams00001", ""],
        ["Ours LLP", "Bob Brown", "Attorney", "NC102", "bob@ours.com", "", ""],
        ["Theirs PC", "Cara Cole", "Paralegal", "", "cara@ours.com", "colec00003", ""],
        ["Ours LLP", "Young, Yul", "Attorney", "NC808", "yul@theirs.com", "young00008", ""],
    ])


def record_run(court, pacer, history) -> None:
    result = api.audit(court_accounts=[court], pacer_accounts=[pacer], as_of=dt.date(2026, 11, 30))
    with recording(result, history, future=True) as view:   # a month-end after today too
        view.commit()


def recorded(history) -> tuple[int, int]:
    """(runs, finding states) in the history."""
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            return tuple(conn.execute(select(func.count()).select_from(t)).scalar()
                         for t in (S.runs, S.finding_state))
    finally:
        store.close()


def session(server, link: str) -> dict:
    r = press(server, link, csrf_of(httpx.get(link).text))
    return {"auditor_portal": r.cookies["auditor_portal"]}


def roster_token(page: str) -> str:
    return re.search(r'action="/firm/roster"[^>]*>\s*<input type="hidden" name="csrf" value="([0-9a-f]{64})"', page)[1]


def upload(server, jar, path, csrf=None, origin=None, mapping="auto") -> httpx.Response:
    """The roster form sent; ``mapping="auto"`` goes straight to the audit when every column is found."""
    if csrf is None:
        csrf = roster_token(httpx.get(server.url + "/firm", cookies=jar).text)
    with open(path, "rb") as fh:
        return httpx.post(server.url + "/firm/roster", cookies=jar, data={"csrf": csrf, "mapping": mapping},
                          files={"roster": (path.name, fh, "text/csv")},
                          headers={"origin": origin or server.url}, timeout=120)


def shown(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def workbook_text(server, html: str) -> str:
    href = re.search(r'href="(/report/[^"]+)"', html)[1]
    r = httpx.get(server.url + href)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    path = server.jobs.root / "downloaded.xlsx"
    path.write_bytes(r.content)
    wb = openpyxl.load_workbook(path, read_only=True)
    text = "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    wb.close()
    path.unlink()
    return text


def test_a_roster_is_audited_with_the_courts_data_and_shows_nothing_of_another_firm(tmp_path, history_url):
    court, pacer = court_files(tmp_path)
    record_run(court, pacer, history_url)
    before = recorded(history_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Server(WebConfig(history=history_url, base_url=base, workers=1, max_file_bytes=4096), port=port) as server:
        jar = session(server, links(history_url, base)["Ours LLP"])
        mine = roster(tmp_path)
        big = tmp_path / "big.csv"
        big.write_text(mine.read_text() * 20)
        refused = upload(server, jar, big)                 # the upload page's limits hold here too
        assert refused.status_code == 413 and "larger than the limit of 4 KB" in shown(refused.text)

        assert upload(server, {}, mine, csrf="0" * 64).status_code == 401            # no session
        assert upload(server, jar, mine, csrf="0" * 64).status_code == 403           # not the page's form
        assert upload(server, jar, mine, origin="https://evil.example").status_code == 403

        page = upload(server, jar, mine)
        assert page.status_code == 200, page.text
        text = shown(page.text)
        # the court's finding about the firm's own filer: Bob's CM/ECF account is not linked
        assert "Filing account not linked to a PACER account" in text and "Brown, Bob" in text
        # Ann's PACER account is used by another firm's filer: shown, without naming him
        assert "PACER account shared by e-filers" in text and "(a person outside this firm)" in text
        assert "1 finding about people or accounts that the court's records do not list at your firm" in text
        assert "no longer where it was" not in text
        for word in THEIRS:
            assert word not in page.text, word
        book = workbook_text(server, page.text)
        assert "Brown, Bob" in book and "Ann Adams" in book and "Ours LLP" in book
        for word in THEIRS:
            assert word not in book, word
        assert recorded(history_url) == before             # the firm's view is not a court run

        # next month's clerk moved the export away and overwrote the PACER list
        court.rename(tmp_path / "archived.csv")
        pacer.write_text("PACER Username,Account Holder\nsomeone,Some One\n")
        page = upload(server, jar, mine)
        assert page.status_code == 200, page.text
        text = shown(page.text)
        assert ("The court's CM/ECF filer export and PACER account list from its audit of 2026-11-30 is no "
                "longer where it was, or has changed since, so your roster was checked on its own") in text
        assert "not checked" in text and "needs the court's CM/ECF filer export" in text
        assert "bob1" not in text and "Brown, Bob" not in text and "Every check ran" not in text   # nothing of the court's
        for word in THEIRS:
            assert word not in page.text, word
        assert recorded(history_url) == before


def test_a_roster_with_unfamiliar_headers_is_mapped_on_the_upload_pages_step_then_audited(tmp_path):
    court, pacer = court_files(tmp_path)
    history = str(tmp_path / "h.sqlite")
    record_run(court, pacer, history)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    people = write_csv(tmp_path / "people.csv", ["Colleague", "Job", "Licence", "Inbox", "Court Login"], [
        ["Ann Adams", "Attorney", "NC101", "ann@ours.com", "adams00001"],
        ["Bob Brown", "Attorney", "NC102", "bob@ours.com", ""],
        ["Young, Yul", "Attorney", "NC808", "yul@theirs.com", "young00008"],
    ])
    with Server(WebConfig(history=history, base_url=base, workers=1), port=port) as server:
        made = links(history, base)
        jar, other = session(server, made["Ours LLP"]), session(server, made["Theirs PC"])
        page = upload(server, jar, people)     # even "auto": a required column is not found
        assert page.status_code == 200, page.text
        text = shown(page.text)
        assert "Check how your columns were read" in text and "Not found: Person, Role" in text
        assert 'name="map-0-firm_name"' not in page.text and 'name="firm"' not in page.text   # the session's
        action = re.search(r'<form method="post" action="(/firm/roster/[^"]+/confirm)"', page.text)[1]
        token = csrf_of(page.text)
        chosen = {"map-0-person_name": "Colleague", "map-0-role": "Job", "map-0-bar_id": "Licence",
                  "map-0-email": "Inbox", "map-0-pacer_username": "Court Login"}

        def confirm(cookies, data):
            return httpx.post(server.url + action, cookies=cookies, data=data, headers={"origin": server.url},
                              timeout=120)

        # another firm's session (with its own page's token), no session, no token: refused, roster kept
        their_token = roster_token(httpx.get(server.url + "/firm", cookies=other).text)
        assert confirm(other, {"csrf": their_token, **chosen}).status_code == 404
        assert confirm({}, {"csrf": token, **chosen}).status_code == 404
        assert confirm(jar, chosen).status_code == 403
        assert [p.name for p in stored_files(server)] == ["1.csv"]

        done = confirm(jar, {"csrf": token, **chosen})
        assert done.status_code == 200, done.text
        text = shown(done.text)
        assert "Ours LLP: your roster" in text
        assert "Filing account not linked to a PACER account" in text and "Brown, Bob" in text
        assert "PACER account shared by e-filers" in text and "(a person outside this firm)" in text
        for word in THEIRS:
            assert word not in done.text, word
        assert [p.name for p in stored_files(server)] == ["report.xlsx"]   # the roster is gone once checked
        assert confirm(jar, {"csrf": token, **chosen}).status_code == 404   # its token works once

        # a roster left at the step is deleted when the firm leaves its page
        assert upload(server, other, people, mapping="confirm").status_code == 200
        assert len(stored_files(server)) == 2
        firm_page = httpx.get(server.url + "/firm", cookies=other).text
        leave = re.search(r'action="/firm/leave"><input type="hidden" name="csrf" value="([0-9a-f]{64})"', firm_page)[1]
        assert httpx.post(server.url + "/firm/leave", cookies=other, data={"csrf": leave},
                          headers={"origin": server.url}).status_code == 200
        assert [p.name for p in stored_files(server)] == ["report.xlsx"]
