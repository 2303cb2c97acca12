"""The firm's answers on its page (``auditor serve --history --base-url``).

- ``POST /firm/answer``: one finding's answer (will fix by a date; fixed; not our person; the person left
  the firm on a date; accepted, with a reason, until a date at most 12 months ahead).
- ``POST /firm/answer/preview``: several findings of one kind, ticked one by one, with one answer: a page
  listing exactly what will be recorded, and nothing recorded yet.
- ``POST /firm/answer/confirm``: the preview's button; the answers are recorded together (one batch).

Every form carries a CSRF token (an HMAC of the session cookie under the server's key) and every post
must come from this site (Origin).  What a post may answer is decided by the session alone: the firm,
court and run of its invite; a finding id of any other firm is refused with the same words as an id
that does not exist, and nothing is recorded (:func:`auditor.history.answers.record_answers` checks it
in SQL).  A wrong date or a missing reason is one plain sentence next to the form, which keeps what was
typed.
"""

from __future__ import annotations

import datetime as dt
import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from auditor.history.answers import (
    DATED, MAX_BATCH, MAX_NOTE_CHARS, Answer, NotTheFirms, latest_answers, months_ahead, problem,
    record_answers, words,
)
from auditor.portal.sessions import find_session

NOT_YOURS = "That finding is not one of your firm's findings."
ENDED_TITLE = "Please open your link again"
ENDED_TEXT = ("Your session has ended (sessions last 8 hours, and end when the court records its next "
              "monthly audit). Nothing was recorded. Open the link from the court's message again.")
# what the form offers, in the order shown: (value, label, help)
CHOICES = [
    ("will_fix", "We will fix it by a date", "Give the date."),
    ("fixed", "Fixed", "The court's next audit checks it."),
    ("not_ours", "Not our person", "The person does not work at this firm."),
    ("left_firm", "The person left the firm", "Give the date they left."),
    ("accepted", "Accept it until a date", "Give the reason in the note, and a date at most 12 months ahead."),
]


def answer_words(kind: str, on_date: dt.date | None) -> str:
    return words(kind, on_date)


def session_csrf(portal, cookie: str | None) -> str:
    return portal.csrf("answers:" + (cookie or ""))


def _read(portal, cookie: str | None):
    """(scope, the firm's findings, their latest answers) of a session, or (None, [], {})."""
    from auditor.portal.sessions import firm_findings

    with portal.store().engine.connect() as conn:
        scope = find_session(conn, cookie)
        if scope is None:
            return None, [], {}
        return scope, firm_findings(conn, scope), latest_answers(
            conn, scope=scope.scope, run_id=scope.run_id, firm_key=scope.firm_key)


def _record(portal, cookie: str | None, answers: list[Answer], together: bool):
    """The session's scope after recording, or None when the session has ended (nothing recorded)."""
    with portal.store().engine.connect() as conn, conn.begin():
        scope = find_session(conn, cookie)
        if scope is None:
            return None
        record_answers(conn, scope=scope.scope, run_id=scope.run_id, invite_id=scope.invite_id,
                       firm_key=scope.firm_key, answers=answers, together=together)
        return scope


def context(portal, cookie: str | None, scope, findings: list[dict], answers: dict | None = None,
            answered: str | None = None) -> dict:
    """What the firm's page needs beyond its findings: each finding's latest answer, the groups of one
    kind that can be answered together, the form's token and limits.  Run in a thread."""
    if answers is None:
        with portal.store().engine.connect() as conn:
            answers = latest_answers(conn, scope=scope.scope, run_id=scope.run_id, firm_key=scope.firm_key)
    today = dt.date.today()
    for f in findings:
        a = answers.get(f["finding_id"])
        f["answer"] = None if a is None else {**a, "words": answer_words(a["kind"], a["on_date"])}
    groups: dict[str, list[dict]] = {}
    for f in findings:
        groups.setdefault(f["rule_id"], []).append(f)
    try:
        done = max(0, min(int(answered or 0), MAX_BATCH))
    except ValueError:
        done = 0
    return {"answer_csrf": session_csrf(portal, cookie), "roster_csrf": portal.roster_csrf(cookie),
            "choices": CHOICES, "dated": DATED,
            "groups": [(rule, rows[0]["problem"], rows) for rule, rows in groups.items() if len(rows) > 1],
            "answered_now": done, "answered_count": sum(1 for f in findings if f["answer"]),
            "min_date": today.isoformat(), "max_date": months_ahead(today).isoformat(),
            "max_note": MAX_NOTE_CHARS}


def _parse(fields: dict) -> tuple[str, dt.date | None, str, str | None]:
    """(kind, date, note, one plain sentence when something is wrong)."""
    kind = fields.get("kind", "")
    note = fields.get("note", "").replace("\r\n", "\n")
    text = fields.get("on_date", "").strip()
    on_date = None
    if text and kind in DATED:
        try:
            on_date = dt.date.fromisoformat(text)
        except ValueError:
            return kind, None, note, "The date could not be read: choose it from the calendar, or write it as 2027-01-31."
    return kind, on_date, note, problem(kind, on_date, note, dt.date.today())


def answer_routes(portal, page, message, rule_text, cookie_name: str) -> list[Route]:
    """The answer routes; ``page``/``message`` render templates, ``rule_text(rule_id)`` gives (problem,
    what to do) in the report's words, ``cookie_name`` is the session cookie's name."""

    def ended(request: Request) -> Response:
        return message(request, ENDED_TITLE, ENDED_TEXT, 401, again=False)

    def refused(request: Request, text: str, status: int = 400) -> Response:
        return page(request, "portal_notice.html", status, title="Nothing was recorded", text=text)

    async def fields_of(request: Request) -> tuple[dict, list[str]] | None:
        """The form's fields and its ticked finding ids; None when its token or Origin is wrong."""
        cookie = request.cookies.get(cookie_name)
        async with request.form(max_files=0, max_fields=MAX_BATCH + 10, max_part_size=4 * MAX_NOTE_CHARS) as form:
            ids = [str(v)[:80] for v in form.getlist("finding_id")]
            fields = {k: str(v) for k, v in form.items() if k != "finding_id"}
        if not portal.same_site(request.headers.get("origin")) or not hmac.compare_digest(
                fields.get("csrf", ""), session_csrf(portal, cookie)):
            return None
        return fields, ids

    async def again(request: Request, status: int, **extra) -> Response:
        """The firm's page once more, with a sentence next to the form that was sent and what it held."""
        cookie = request.cookies.get(cookie_name)
        scope, rows, answers = await run_in_threadpool(_read, portal, cookie)
        if scope is None:
            return ended(request)
        findings = []
        for r in rows:
            problem_words, todo = rule_text(r["rule_id"])
            findings.append({**r, "problem": problem_words, "what_to_do": todo})
        more = await run_in_threadpool(context, portal, cookie, scope, findings, answers)
        return page(request, "portal_firm.html", status, scope=scope, findings=findings, today=dt.date.today(),
                    **more, **extra)

    def forbidden(request: Request) -> Response:
        return message(request, "Please open the page again",
                       "The page was too old or did not come from this site. Nothing was recorded. Open the "
                       "link from the court's message again.", 403, again=False)

    async def answer_one(request: Request) -> Response:
        got = await fields_of(request)
        if got is None:
            return forbidden(request)
        fields, ids = got
        if len(ids) != 1:
            return refused(request, NOT_YOURS)
        kind, on_date, note, said = _parse(fields)
        if said:
            return await again(request, 400, error=said, error_for=ids[0], sent=fields)
        try:
            scope = await run_in_threadpool(_record, portal, request.cookies.get(cookie_name),
                                            [Answer(ids[0], kind, on_date, note)], False)
        except NotTheFirms as exc:
            return refused(request, str(exc))
        if scope is None:
            return ended(request)
        return RedirectResponse("/firm?answered=1#answered", status_code=303)

    async def chosen(request: Request):
        """(the form's fields, the firm's findings ticked, (kind, date, note)), or a Response saying why
        they cannot be answered together."""
        got = await fields_of(request)
        if got is None:
            return forbidden(request)
        fields, ids = got
        rule = fields.get("rule_id", "")
        if not ids:
            return await again(request, 400, error="Tick at least one person.", error_for="bulk:" + rule,
                               sent=fields)
        kind, on_date, note, said = _parse(fields)
        if said:
            return await again(request, 400, error=said, error_for="bulk:" + rule, sent=fields, ticked=ids)
        scope, rows, answers = await run_in_threadpool(_read, portal, request.cookies.get(cookie_name))
        if scope is None:
            return ended(request)
        mine = {r["finding_id"]: r for r in rows}
        if len(set(ids)) != len(ids) or any(i not in mine for i in ids):
            return refused(request, NOT_YOURS)
        picked = [mine[i] for i in ids]
        if {r["rule_id"] for r in picked} != {rule}:
            return refused(request, "Findings answered together must all be of one kind: choose them from one list.")
        for r in picked:
            r["problem"], r["what_to_do"] = rule_text(r["rule_id"])
            a = answers.get(r["finding_id"])
            r["answer"] = None if a is None else {**a, "words": answer_words(a["kind"], a["on_date"])}
        return fields, picked, (kind, on_date, note)

    async def preview(request: Request) -> Response:
        result = await chosen(request)
        if isinstance(result, Response):
            return result
        fields, picked, (kind, on_date, note) = result
        return page(request, "portal_preview.html", findings=picked, kind=kind, rule_id=fields.get("rule_id", ""),
                    on_date=on_date, note=note.strip(), words=answer_words(kind, on_date),
                    problem=picked[0]["problem"], answer_csrf=session_csrf(portal, request.cookies.get(cookie_name)))

    async def confirm(request: Request) -> Response:
        result = await chosen(request)
        if isinstance(result, Response):
            return result
        fields, picked, (kind, on_date, note) = result
        try:
            scope = await run_in_threadpool(_record, portal, request.cookies.get(cookie_name),
                                            [Answer(r["finding_id"], kind, on_date, note) for r in picked], True)
        except NotTheFirms as exc:
            return refused(request, str(exc))
        if scope is None:
            return ended(request)
        return RedirectResponse(f"/firm?answered={len(picked)}#answered", status_code=303)

    return [
        Route("/firm/answer", answer_one, methods=["POST"]),
        Route("/firm/answer/preview", preview, methods=["POST"]),
        Route("/firm/answer/confirm", confirm, methods=["POST"]),
    ]
