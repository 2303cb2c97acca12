"""A firm answers on its page in a real headless Chromium, with the keyboard only: one finding "will fix
by" a date, then two of one kind "fixed" together after the preview; the clerk's next audit (the real
command line) shows the answers on the Findings and Changes sheets.  Pictures at 1280 and 390 px."""

from __future__ import annotations

import datetime as dt

import pytest

from auditor.web.config import WebConfig
from tests.conftest import run_cli, sheet_rows, write_csv
from tests.web.conftest import ONE_WORKER, Server, free_port
from tests.web.test_portal_web import links
from tests.web.test_web_browser import DOCS, _no_overflow

pytest.importorskip("playwright", reason="playwright is in the test extra: pip install -e '.[test]'")

HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "Firm", "PACER Login", "Status"]
SECOND = dt.date.today().replace(day=1) - dt.timedelta(days=1)      # the latest month-end
FIRST = SECOND.replace(day=1) - dt.timedelta(days=1)                 # the one before
FIX_BY = dt.date.today() + dt.timedelta(days=30)


def export(path, linked=()):
    people = [("Alpha LLP", "a1", "Adams, Ann"), ("Alpha LLP", "a2", "Baker, Bob"), ("Alpha LLP", "a3", "Cole, Cy"),
              ("Beta LLP", "b1", "Other, Olga"), ("Beta LLP", "b2", "Other, Oscar")]
    return write_csv(path, HEADER, [["ncmb", login, name, "Attorney", f"B{n}", firm,
                                     f"pacer{login}" if login in linked else "", "Active"]
                                    for n, (firm, login, name) in enumerate(people)])


def audit(tmp_path, name, as_of, history, linked=()):
    out = tmp_path / f"{name}.xlsx"
    done = run_cli("audit", "--court-accounts", export(tmp_path / f"{name}.csv", linked), "--as-of",
                   as_of.isoformat(), "--out", out, "--history", history)
    assert done.returncode == 0, done.stderr
    return out


def tab_to(page, text: str, tries: int = 40) -> None:
    """Press Tab until the focused element's text or label starts with ``text``."""
    seen = []
    for _ in range(tries):
        page.keyboard.press("Tab")
        now = page.evaluate("() => { const e = document.activeElement; return (e.innerText || e.value || '')"
                            ".trim() + '|' + (e.labels && e.labels[0] ? e.labels[0].innerText.trim() : '') }")
        seen.append(now)
        if any(part.startswith(text) for part in now.split("|")):
            return
    raise AssertionError(f"no focusable element {text!r} reached with Tab (went through: {seen!r})")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_firm_answers_with_the_keyboard_and_the_clerk_sees_it(page, tmp_path, width):
    history = str(tmp_path / "h.sqlite")
    audit(tmp_path, "first", FIRST, history)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    suffix = "" if width == 1280 else "-phone"
    page.set_viewport_size({"width": width, "height": 900})
    with Server(WebConfig(history=history, base_url=base, **ONE_WORKER), port=port):
        page.goto(links(history, base)["Alpha LLP"])
        page.bring_to_front()
        tab_to(page, "Open the findings")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Alpha LLP").wait_for()
        assert "3 findings, 0 answered." in " ".join(page.inner_text("main").split())

        # one finding: will fix by a date, with a note
        tab_to(page, "Answer this finding")       # the first finding's form (Adams, Ann: sorted by name)
        page.keyboard.press("Enter")
        tab_to(page, "We will fix it by a date")
        page.keyboard.press("Space")
        tab_to(page, "Date")
        page.keyboard.type(FIX_BY.strftime("%m%d%Y"))
        tab_to(page, "Note for the court")
        page.keyboard.type("New PACER account asked for")
        tab_to(page, "Record this answer")
        page.keyboard.press("Enter")
        page.get_by_text("Your answer was recorded.").wait_for()
        # the page is loaded (its jump to #answered done) before the keys go on: that jump moves the
        # point Tab starts from back to the message, under the keys of a slow machine
        page.wait_for_load_state("load")
        text = page.inner_text("main")
        assert f"Will fix by {FIX_BY.isoformat()}" in text and "New PACER account asked for" in text

        # the two others of that kind together: ticked, previewed, recorded
        tab_to(page, "Filing account not linked")
        page.keyboard.press("Enter")
        tab_to(page, "Baker, Bob")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")              # Cole, Cy
        page.keyboard.press("Tab")                # the answers: the first is focused, the arrow picks Fixed
        page.keyboard.press("ArrowDown")
        tab_to(page, "Note for the court")
        page.keyboard.type("Both linked to their PACER accounts")
        _no_overflow(page)
        page.screenshot(path=str(DOCS / f"portal-answer{suffix}.png"), full_page=True)
        tab_to(page, "Preview these answers")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Check before recording").wait_for()
        preview = " ".join(page.inner_text("main").split())
        assert "2 findings will get this answer, recorded together" in preview
        assert "Baker, Bob" in preview and "Cole, Cy" in preview and "Adams, Ann" not in preview
        assert "Fixed" in preview and "Both linked to their PACER accounts" in preview
        _no_overflow(page)
        page.screenshot(path=str(DOCS / f"portal-preview{suffix}.png"), full_page=True)
        tab_to(page, "Record 2 answers")
        page.keyboard.press("Enter")
        page.get_by_text("Your 2 answers were recorded together.").wait_for()
        assert "3 findings, 3 answered." in " ".join(page.inner_text("main").split())
        assert "Other, Olga" not in page.content()
        _no_overflow(page)
        page.screenshot(path=str(DOCS / f"portal-answered{suffix}.png"), full_page=True)

    # the clerk's next audit: Baker's account is linked now, Cole's is not
    second = audit(tmp_path, "second", SECOND, history, linked=("a2",))
    rows = sheet_rows(second, "Findings")
    unlinked = next(r["rule_id"] for r in rows if r["cmecf_login"] == "a1")
    found = {r["cmecf_login"]: r for r in rows if r["rule_id"] == unlinked}
    assert (found["a1"]["status"], found["a1"]["status_from"]) == ("In progress", "firm")
    assert found["a1"]["firm_answer"].startswith(f"Will fix by {FIX_BY.isoformat()} (answered ")
    assert found["a1"]["firm_note"] == "New PACER account asked for"
    assert found["a3"]["firm_answer"].startswith("Fixed") and found["a3"]["status"] == "Open"
    assert found["b1"]["firm_answer"] is None
    changes = {(r["change"], r["cmecf_login"]): r for r in sheet_rows(second, "Changes") if r["rule_id"] == unlinked}
    assert changes[("resolved", "a2")]["note"] == "firm said fixed; no longer found"
    assert changes[("persisting", "a3")]["note"] == "firm said fixed; still found"
    assert changes[("persisting", "a3")]["firm_note"] == "Both linked to their PACER accounts"
