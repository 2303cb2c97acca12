"""A firm's whole visit in a real headless Chromium, with the keyboard only: the link a mail scanner
opened first (a HEAD and two GETs leave it working), the confirmation, an answer to one finding, the
firm's current roster uploaded, its columns confirmed on the upload page's mapping step, checked with the
court's data, its findings read and its workbook downloaded; then the clerk's next audit shows the firm's
answer.  Pictures of the roster's page and of its mapping step at 1280 and 390 px wide."""

from __future__ import annotations

import httpx
import openpyxl
import pytest

from auditor.web.config import WebConfig
from tests.conftest import run_cli, sheet_rows
from tests.web.conftest import Server, free_port, stored_files, wait_until
from tests.web.test_portal_roster import THEIRS, court_files, record_run, roster
from tests.web.test_portal_answers import stored
from tests.web.test_portal_web import links, sessions
from tests.web.test_web_browser import DOCS, _choose_with_space, _listen_for_choosers, _no_overflow, _tab_to

pytest.importorskip("playwright", reason="playwright is in the test extra: pip install -e '.[test]'")


def _tab_until(page, check: str, limit: int = 80) -> None:
    """Press Tab until the JavaScript test ``check`` holds for the focused element (``e``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!({check}); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {check}")


def test_a_firm_answers_and_checks_its_roster_with_the_keyboard_only(page, tmp_path):
    court, pacer = court_files(tmp_path)
    history = str(tmp_path / "h.sqlite")
    record_run(court, pacer, history)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Server(WebConfig(history=history, base_url=base, workers=1), port=port) as server:
        link = links(history, base)["Ours LLP"]
        # the firm's mail scanner opens the link before anyone reads the message
        assert httpx.head(link).status_code == 200
        assert [httpx.get(link).status_code for _ in range(2)] == [200, 200]
        assert sessions(history) == 0

        _listen_for_choosers(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(link)
        page.get_by_role("heading", name="Open your firm's findings").wait_for()
        page.bring_to_front()
        _tab_to(page, "Open the findings")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Ours LLP", exact=True).wait_for()
        assert "Brown, Bob" in page.inner_text("main")
        assert stored_files(server) == []

        # answer the first finding: "Fixed", with a note
        _tab_until(page, "e.tagName === 'SUMMARY'")
        page.keyboard.press("Enter")                       # opens the answer form
        _tab_until(page, "e.type === 'radio'")
        page.keyboard.press("ArrowDown")                   # the second choice: Fixed
        assert page.evaluate("() => document.activeElement.value") == "fixed"
        _tab_until(page, "e.tagName === 'TEXTAREA'")
        page.keyboard.type("Linked to her own PACER account")
        _tab_to(page, "Record this answer")
        page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        page.get_by_text("Linked to her own PACER account").first.wait_for()
        assert [(a["kind"], a["note"]) for a in stored(history)] == [("fixed", "Linked to her own PACER account")]

        # the roster, as the firm keeps it today
        _tab_until(page, "e.id === 'roster'")
        _choose_with_space(page, roster(tmp_path))
        _tab_to(page, "Check the roster")
        page.keyboard.press("Enter")
        # the upload page's own step: how the columns were read, with no Firm field (the link names the firm)
        page.get_by_role("heading", name="Check how your columns were read").wait_for()
        assert page.locator("#map-0-firm_name").count() == 0 and page.locator("#typed-firm").count() == 0
        assert page.locator("#map-0-person_name").input_value() == "Name"
        assert "Every row is read as Ours LLP's" in page.inner_text("main")
        _no_overflow(page)
        page.screenshot(path=str(DOCS / "portal-roster-mapping.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 900})
        _no_overflow(page)
        page.screenshot(path=str(DOCS / "portal-roster-mapping-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        _tab_to(page, "Confirm and audit")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Ours LLP: your roster").wait_for()
        assert [p.name for p in stored_files(server)] == ["report.xlsx"]   # the roster is deleted once checked
        text = page.inner_text("main")
        assert "Filing account not linked to a PACER account" in text and "Brown, Bob" in text
        assert "PACER account shared by e-filers" in text and "(a person outside this firm)" in text
        assert "do not list at your firm" in text
        for word in THEIRS:
            assert word not in page.content(), word
        _no_overflow(page)
        page.screenshot(path=str(DOCS / "portal-roster.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 900})
        _no_overflow(page)
        page.screenshot(path=str(DOCS / "portal-roster-phone.png"), full_page=True)

        page.bring_to_front()
        _tab_to(page, "Download your firm's workbook")
        with page.expect_download() as info:
            page.keyboard.press("Enter")
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        assert wait_until(lambda: stored_files(server) == [])              # and the workbook once downloaded
        assert target.name == "nextgen-roster-check-2026-11-30.xlsx"
        wb = openpyxl.load_workbook(target, read_only=True)
        book = "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)
        wb.close()
        assert "Brown, Bob" in book
        for word in THEIRS:
            assert word not in book, word

    # the clerk's next audit (December: Ann still shares her PACER account) shows the firm's answer
    (tmp_path / "december").mkdir()
    court, pacer = court_files(tmp_path / "december")
    nxt = tmp_path / "2026-12.xlsx"
    done = run_cli("audit", "--court-accounts", court, "--pacer-accounts", pacer, "--as-of", "2026-12-31",
                   "--record-future-date", "--out", nxt, "--history", history)
    assert done.returncode == 0, done.stderr
    ann = next(r for r in sheet_rows(nxt, "Findings") if r["cmecf_login"] == "ann1")
    assert ann["firm_answer"].startswith("Fixed (answered ") and ann["firm_note"] == "Linked to her own PACER account"
    assert ann["status"] == "Open"                            # fixed only when the export agrees
    changes = [r for r in sheet_rows(nxt, "Changes") if r["cmecf_login"] == "ann1"]
    assert [r["note"] for r in changes] == ["firm said fixed; still found"]
