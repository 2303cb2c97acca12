"""The clerk's page in a real headless Chromium: signing in and reading it with the keyboard only, and
pictures at 1280 and 390 px wide with nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.web.test_portal_clerk import PASSWORD, clerk_server
from tests.web.test_web_browser import DOCS, _no_overflow

pytest.importorskip("playwright", reason="playwright is in the test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def clerk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clerk-browser")
    with clerk_server(folder, str(folder / "h.sqlite"), clerk_password=PASSWORD) as (server, _made):
        yield server


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.innerText")


def _tab_to(page, name: str, presses: int = 40) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if _focused(page) == name:
            return
    raise AssertionError(f"{name!r} is not reached with the Tab key")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_clerk_signs_in_and_reads_the_page_with_the_keyboard_only(page, clerk, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(clerk.url + "/clerk")
    page.get_by_role("heading", name="Clerk's page").wait_for()
    page.bring_to_front()
    _tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Firms that have not answered (1)").wait_for()
    text = page.inner_text("main")
    assert "Firm0002 LLP" in text and "Answered 1 of 2" in text and "Refused by the mail server" in text
    _no_overflow(page)
    if width == 390:   # each row stacks, each cell named by its column
        label = page.evaluate("() => getComputedStyle(document.querySelector('table.stack td'), '::before').content")
        assert label == '"Findings: "'
    suffix = "" if width == 1280 else "-phone"
    page.screenshot(path=str(DOCS / f"clerk-page{suffix}.png"), full_page=True)
    _tab_to(page, "Sign out", 80)
    page.keyboard.press("Enter")
    page.get_by_label("Password").wait_for()
    cookies = {c["name"] for c in page.context.cookies()}
    assert "auditor_clerk" not in cookies
