"""The firm portal in a real headless Chromium: a firm opens its link, presses the button with the
keyboard only, and reads its own findings; pictures at 1280 and 390 px wide."""

from __future__ import annotations

import pytest

from auditor.web.config import WebConfig
from tests.web.conftest import ONE_WORKER, Server, free_port
from tests.web.test_portal_web import court_export, links, record
from tests.web.test_web_browser import DOCS, _no_overflow

pytest.importorskip("playwright", reason="playwright is in the test extra: pip install -e '.[test]'")


@pytest.fixture
def portal(tmp_path):
    history = str(tmp_path / "h.sqlite")
    record(court_export(tmp_path), history, "2026-11-30")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Server(WebConfig(history=history, base_url=base, **ONE_WORKER), port=port) as server:
        yield server, links(history, base)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_firm_opens_its_findings_with_the_keyboard_only(page, portal, width):
    server, made = portal
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(made["Firm0001 LLP"])
    page.get_by_role("heading", name="Open your firm's findings").wait_for()
    assert "Firm0001 LLP" in page.inner_text("main")
    _no_overflow(page)
    suffix = "" if width == 1280 else "-phone"
    page.screenshot(path=str(DOCS / f"portal-invite{suffix}.png"), full_page=True)
    page.bring_to_front()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.innerText") == "Open the findings":
            break
    assert page.evaluate("() => document.activeElement.innerText") == "Open the findings"
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    page.get_by_role("heading", name="Firm0001 LLP").wait_for()
    text = page.inner_text("main")
    assert "Person0001a, Ann" in text and "Person0001b, Bob" in text and "Due date" in text
    assert "Person0000" not in text and "Person0002" not in text
    _no_overflow(page)
    page.screenshot(path=str(DOCS / f"portal-firm{suffix}.png"), full_page=True)
    cookie = {c["name"]: c for c in page.context.cookies()}["auditor_portal"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
