"""A firm answers its findings on its page: one finding, or several of one kind after a preview that
records nothing, recorded together; a wrong date or a missing reason is one plain sentence and nothing
recorded; every form needs its token and this site; another firm's finding is refused.  Real server,
real history on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

import httpx
from sqlalchemy import select

from auditor.history import schema as S
from auditor.history.store import open_store
from tests.web import test_portal_web as web
from tests.web.test_portal_web import csrf_of, press

portal = web.portal   # the fixture: three firms' findings of November, a real server

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def session(server, link) -> dict:
    r = press(server, link, csrf_of(httpx.get(link).text))
    return {"auditor_portal": r.cookies["auditor_portal"]}


def answer_form(page: str) -> tuple[str, list[str]]:
    """(the answer forms' token, the finding ids of the per-finding forms, in page order)."""
    token = re.search(r'action="/firm/answer">\s*<input type="hidden" name="csrf" value="([0-9a-f]{64})"', page)
    ids = re.findall(r'action="/firm/answer">\s*<input[^>]*>\s*<input type="hidden" name="finding_id" value="([^"]+)"',
                     page)
    return token.group(1), ids


def stored(history) -> list[dict]:
    store = open_store(history, create=False)
    try:
        with store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(S.answers).order_by(S.answers.c.id)).mappings()]
    finally:
        store.close()


def alerts(text: str) -> list[str]:
    return [html.unescape(" ".join(a.split())) for a in re.findall(r'role="alert">(.*?)</p>', text, re.S)]


def test_a_firm_answers_one_finding_then_two_together(portal):
    server, history, made = portal
    jar = session(server, made["Firm0001 LLP"])
    page = httpx.get(server.url + "/firm", cookies=jar).text
    assert "not answered yet" in page and "2 findings, 0 answered." in " ".join(page.split())
    csrf, ids = answer_form(page)
    assert len(ids) == 2
    post = lambda path, **data: httpx.post(server.url + path, cookies=jar, headers={"origin": server.url},  # noqa: E731
                                           data={"csrf": csrf, **data})
    # a wrong answer: one plain sentence next to the form, what was typed kept, nothing recorded
    bad = post("/firm/answer", finding_id=ids[0], kind="accepted", on_date="2027-03-01", note="  ")
    assert bad.status_code == 400
    assert alerts(bad.text)[-1] == "Give the reason you accept it: the court reads it."
    assert 'value="accepted" required checked' in bad.text and 'value="2027-03-01"' in bad.text
    past = post("/firm/answer", finding_id=ids[0], kind="will_fix", on_date="2020-01-01", note="")
    assert past.status_code == 400 and "between today and" in alerts(past.text)[-1]
    unread = post("/firm/answer", finding_id=ids[0], kind="left_firm", on_date="31/01/2027")
    assert unread.status_code == 400 and "could not be read" in alerts(unread.text)[-1]
    assert stored(history) == []

    done = post("/firm/answer", finding_id=ids[0], kind="will_fix", on_date=TOMORROW, note="New account asked for")
    assert done.status_code == 303 and done.headers["location"].startswith("/firm?answered=1")
    page = httpx.get(server.url + "/firm?answered=1", cookies=jar).text
    assert "Your answer was recorded." in page and f"Will fix by {TOMORROW}" in page
    assert "New account asked for" in page

    # two of one kind: the preview lists both and records nothing
    rule = re.search(r'name="rule_id" value="([^"]+)"', page).group(1)
    shown = post("/firm/answer/preview", rule_id=rule, finding_id=ids, kind="fixed", note="Both linked")
    assert shown.status_code == 200 and "Check before recording" in shown.text
    text = " ".join(re.sub(r"<[^>]+>", " ", shown.text).split())
    assert "2 findings will get this answer, recorded together" in text
    assert "Person0001a, Ann" in text and "Person0001b, Bob" in text and "Both linked" in text
    assert f"Now answered: Will fix by {TOMORROW}; this answer replaces it." in text
    assert len(stored(history)) == 1
    confirm = post("/firm/answer/confirm", rule_id=rule, finding_id=ids, kind="fixed", note="Both linked")
    assert confirm.status_code == 303 and "answered=2" in confirm.headers["location"]
    rows = stored(history)
    assert len(rows) == 3 and rows[1]["batch_id"] and rows[1]["batch_id"] == rows[2]["batch_id"]
    assert rows[0]["batch_id"] is None and {r["kind"] for r in rows[1:]} == {"fixed"}
    assert len({r["firm_key"] for r in rows}) == 1
    assert len({r["invite_id"] for r in rows}) == 1 and {r["note"] for r in rows[1:]} == {"Both linked"}
    page = httpx.get(server.url + "/firm?answered=2", cookies=jar).text
    assert "Your 2 answers were recorded together." in page and page.count("<strong>Fixed</strong>") == 2
    # nobody ticked: said, nothing recorded
    none = post("/firm/answer/preview", rule_id=rule, kind="fixed")
    assert none.status_code == 400 and alerts(none.text)[-1] == "Tick at least one person."


def test_answer_forms_need_their_token_this_site_and_the_firms_own_findings(portal):
    server, history, made = portal
    jar = session(server, made["Firm0000 LLP"])
    csrf, mine = answer_form(httpx.get(server.url + "/firm", cookies=jar).text)
    other_jar = session(server, made["Firm0002 LLP"])
    other_csrf, theirs = answer_form(httpx.get(server.url + "/firm", cookies=other_jar).text)
    data = {"finding_id": mine[0], "kind": "fixed"}
    for token, origin, cookies in (("0" * 64, server.url, jar), (csrf, "https://evil.example", jar),
                                   (other_csrf, server.url, jar), (csrf, server.url, {})):
        r = httpx.post(server.url + "/firm/answer", cookies=cookies, headers={"origin": origin},
                       data={"csrf": token, **data})
        assert r.status_code == 403, (token, origin)
    # another firm's finding, alone, among the firm's own, or in a preview: refused in the same words
    for path, ids in (("/firm/answer", theirs[:1]), ("/firm/answer/preview", [mine[0], theirs[0]]),
                      ("/firm/answer/confirm", theirs), ("/firm/answer", ["F-0000000000000000"])):
        r = httpx.post(server.url + path, cookies=jar, headers={"origin": server.url},
                       data={"csrf": csrf, "finding_id": ids, "kind": "fixed", "rule_id": "x"})
        assert r.status_code == 400 and alerts(r.text) == ["That finding is not one of your firm's findings."]
        assert "Person0002" not in r.text and "Firm0002" not in r.text
    assert stored(history) == []
    # a session that has ended records nothing
    left = httpx.post(server.url + "/firm/leave", cookies=jar, headers={"origin": server.url}, data={"csrf": csrf})
    assert left.status_code == 200
    r = httpx.post(server.url + "/firm/answer", cookies=jar, headers={"origin": server.url},
                   data={"csrf": csrf, **data})
    assert r.status_code == 401 and stored(history) == []
