"""The upload page in a real headless Chromium (Playwright, Debian's chromium), as a firm
administrator uses it: upload, confirm the columns, read the summary, download the workbook."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import openpyxl

from auditor.report.format import HEADER_IDS
from tests.conftest import ROOT, write_csv
from tests.parts import missing
from tests.web.conftest import ROSTER_HEADER, roster_file, roster_rows

try:
    import playwright  # noqa: F401
except ImportError:
    missing("playwright is not installed; it is in the test extra: pip install -e '.[test]'")

# Screenshots go to one folder in the temporary directory (each run overwrites the last run's, so they
# can be looked at after a run and do not pile up), or to docs/ (the pictures of docs/upload-page.md)
# when AUDITOR_SCREENSHOTS=docs is set, so that running the suite leaves the checkout as it was.
if os.environ.get("AUDITOR_SCREENSHOTS") == "docs":
    DOCS = ROOT / "docs"
else:
    DOCS = Path(tempfile.gettempdir()) / "auditor-screenshots"
    DOCS.mkdir(exist_ok=True)


def findings_of(path: Path) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Findings"].iter_rows(values_only=True))
    wb.close()
    header = [HEADER_IDS.get(h, h) for h in rows[0]]  # plain-word headers, read as the column ids
    return [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]


def download(page, tmp_path: Path, press_enter: bool = False) -> Path:
    with page.expect_download() as info:
        if press_enter:
            page.keyboard.press("Enter")
        else:
            page.get_by_role("link", name="Download the Excel report").click()
    d = info.value
    assert d.suggested_filename.startswith("nextgen-audit-") and d.suggested_filename.endswith(".xlsx")
    target = tmp_path / d.suggested_filename
    d.save_as(target)
    return target


def test_upload_confirm_summary_download(page, shared_server, tmp_path):
    roster = roster_file(tmp_path, "Acme", 6)
    page.set_viewport_size({"width": 1280, "height": 800})    # a laptop screen
    page.goto(shared_server.url + "/")
    page.get_by_label("Firm roster").set_input_files(roster)
    page.get_by_label("Audit date (optional)").fill("2026-11-30")
    page.screenshot(path=str(DOCS / "upload-page.png"), full_page=True)
    page.get_by_role("button", name="Audit").click()

    page.get_by_role("heading", name="Check how your columns were read").wait_for()
    assert page.get_by_label("Person", exact=True).input_value() == "Name"
    assert "Person0 Lastname0" in page.get_by_role("table", name="First rows of roster_acme.csv").inner_text()
    page.get_by_role("button", name="Confirm and audit").click()

    page.get_by_role("heading", name="Summary").wait_for()
    summary = page.locator("section.summary").inner_text()
    assert "6 rows read = 6 audited + 0 rejected" in summary
    assert "2 findings" in summary and "2 high" in summary
    assert "PACER account shared by e-filers" in page.locator("main").inner_text()
    page.screenshot(path=str(DOCS / "result-page.png"), full_page=True)
    report = download(page, tmp_path)
    shared = [f for f in findings_of(report) if f["rule_id"] == "shared-filing-account"]
    assert {f["person_name"] for f in shared} == {"Person0 Lastname0", "Person1 Lastname1"}


def test_misspelled_header_is_mapped_on_the_page(page, shared_server, tmp_path):
    header = [("Full Nmae" if h == "Name" else h) for h in ROSTER_HEADER]
    path = write_csv(tmp_path / "roster.csv", header, roster_rows("Acme", 4))
    page.goto(shared_server.url + "/")
    page.get_by_label("Firm roster").set_input_files(path)
    page.get_by_role("button", name="Audit").click()
    page.get_by_text("Not found: Person").wait_for()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(DOCS / "mapping-page.png"), full_page=True)
    page.get_by_label("Person", exact=True).select_option("Full Nmae")
    page.get_by_role("button", name="Confirm and audit").click()
    page.get_by_role("heading", name="Summary").wait_for()
    assert "4 rows read = 4 audited + 0 rejected" in page.locator("section.summary").inner_text()
    people = {f["person_name"] for f in findings_of(download(page, tmp_path))}
    assert {"Person0 Lastname0", "Person1 Lastname1"} <= people


def test_bad_file_gets_a_message(page, shared_server):
    page.goto(shared_server.url + "/")
    page.get_by_label("Court CM/ECF export").set_input_files(
        ROOT / "tests" / "hostile" / "macro.xlsm")
    page.get_by_role("button", name="Audit").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "macro.xlsm" in alert.inner_text() and "macro-enabled" in alert.inner_text()
    assert page.get_by_role("heading", name="A file could not be read").is_visible()


def test_oversized_file_is_refused(page, serve, tmp_path):
    server = serve(max_file_bytes=2000)
    big = roster_file(tmp_path, "Big", 200)
    page.goto(server.url + "/")
    assert "Up to 10 files, 2 KB each, 60 MB in all" in page.inner_text("main")
    page.get_by_label("Firm roster").set_input_files(big)
    with page.expect_response(lambda r: r.url.endswith("/audit")) as resp:
        page.get_by_role("button", name="Audit").click()
    assert resp.value.status == 413
    assert "roster_big.csv" in page.get_by_role("alert").inner_text()
    assert "larger than the limit" in page.get_by_role("alert").inner_text()


def _tab_to(page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused control is the one labelled ``text``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => { const e = document.activeElement; return (e.innerText || e.value || '')"
                                ".trim(); }")
        if focused == text:
            return
    raise AssertionError(f"{text!r} cannot be reached with the Tab key")


def _choose_with_space(page, path: Path) -> None:
    """Open the focused file picker with the Space key and choose ``path``.

    Playwright turns on Chromium's file-chooser interception only when someone listens for the
    event, and it does not wait for the browser to agree; a key pressed in that gap opens the
    headless browser's own dialog, which nobody sees. So a listener is in place from the start of
    the test (``_listen_for_choosers``), and if a press is still lost the key is pressed again: a
    file picker that a keyboard cannot open never opens, however often Space is pressed."""
    chosen: list = []

    def listen(chooser) -> None:
        chosen.append(chooser)

    page.on("filechooser", listen)
    for _ in range(3):
        page.keyboard.press("Space")
        for _ in range(50):
            if chosen:
                chosen[0].set_files(path)
                page.remove_listener("filechooser", listen)
                return
            page.wait_for_timeout(100)
    raise AssertionError("Space on the focused file picker never opened it")


def _listen_for_choosers(page) -> None:
    """Ask for file-chooser events before any key is pressed (see ``_choose_with_space``)."""
    page.on("filechooser", lambda chooser: None)


def test_whole_flow_with_the_keyboard_only(page, shared_server, tmp_path):
    roster = roster_file(tmp_path, "Keys", 3)
    _listen_for_choosers(page)
    page.goto(shared_server.url + "/")
    page.wait_for_load_state("load")
    page.bring_to_front()               # keys go to the page with focus: this one, not an earlier test's
    page.keyboard.press("Tab")          # the skip link comes first
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "file":
            break
    assert page.evaluate("() => document.activeElement.type") == "file", "Tab never reached the file picker"
    _choose_with_space(page, roster)
    _tab_to(page, "Audit")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check how your columns were read").wait_for()
    _tab_to(page, "Confirm and audit")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Summary").wait_for()
    _tab_to(page, "Download the Excel report")
    report = download(page, tmp_path, press_enter=True)
    assert {f["firm_name"] for f in findings_of(report)} == {"Keys"}


def _no_overflow(page) -> None:
    """Nothing is wider than the screen, and no card's content is wider than the card."""
    # measured once the page has loaded: the layout is worked out when asked, and before the style
    # sheet arrives it is the unstyled page's (a table of the clerk's page once measured 556 px at 390)
    page.wait_for_load_state("load")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"the page is {wide} px wide"
    over = page.evaluate("() => [...document.querySelectorAll('.card')].filter("
                         "c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 60))")
    assert over == [], f"content overflows its card: {over}"
    # a control a person must use is never cut off, not even inside a region that scrolls sideways
    cut = page.evaluate("() => [...document.querySelectorAll('.card select, .card input, .card button, .card label')]"
                        ".filter(e => e.offsetParent && e.getBoundingClientRect().right > "
                        "e.closest('.card').getBoundingClientRect().right + 1).map(e => e.id || e.innerText)")
    assert cut == [], f"controls run past their card's edge: {cut}"


def test_roster_without_firm_column_and_pacer_list_on_a_phone(page, shared_server, tmp_path):
    header = [h for h in ROSTER_HEADER if h != "Firm"] + ["Left Firm", "PAA"]
    roster = write_csv(tmp_path / "staff.csv", header, [r[1:] + ["", ""] for r in roster_rows("Acme", 4)])
    pacer = write_csv(tmp_path / "pacer.csv", ["PACER Username", "Account Holder", "Account Type", "Upgraded"],
                      [["acmepaa", "Acme", "PAA", "No"]])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(shared_server.url + "/")
    page.get_by_label("Firm roster").set_input_files(roster)
    page.get_by_label("PACER account list").set_input_files(pacer)
    page.get_by_label("The firm's PAA usernames (optional)").fill("acmepaa")
    _no_overflow(page)
    page.screenshot(path=str(DOCS / "upload-page-phone.png"), full_page=True)
    page.get_by_role("button", name="Audit").click()
    page.get_by_role("heading", name="Check how your columns were read").wait_for()
    text = page.inner_text("main")
    assert "Not found: Firm." in text
    for internal in ("firm_name", "pacer_use", "paa_id", "left_firm_on"):
        assert internal not in text
    assert page.get_by_label("Date the person left the firm").input_value() == "Left Firm"
    assert page.get_by_label("What the PACER account is used for").input_value() == "PACER Use"
    _no_overflow(page)
    page.screenshot(path=str(DOCS / "mapping-page-phone.png"), full_page=True)
    page.get_by_role("button", name="Confirm and audit").click()
    page.get_by_role("alert").wait_for()
    assert "choose the column that holds Firm or type it in the box above" in page.get_by_role("alert").inner_text()
    page.get_by_label("Firm name").fill("Acme Legal")
    page.get_by_role("button", name="Confirm and audit").click()
    page.get_by_role("heading", name="Summary").wait_for()
    _no_overflow(page)
    page.screenshot(path=str(DOCS / "result-page-phone.png"), full_page=True)
    findings = findings_of(download(page, tmp_path))
    assert {f["firm_name"] for f in findings if f["firm_name"]} == {"Acme Legal"}
    assert {"paa-not-upgraded", "shared-filing-account"} <= {f["rule_id"] for f in findings}


def test_typing_the_firm_with_the_keyboard_only(page, shared_server, tmp_path):
    header = [h for h in ROSTER_HEADER if h != "Firm"]
    roster = write_csv(tmp_path / "staff.csv", header, [r[1:] for r in roster_rows("Keys", 3)])
    _listen_for_choosers(page)
    page.goto(shared_server.url + "/")
    page.wait_for_load_state("load")
    page.bring_to_front()
    for _ in range(10):                 # past the skip link and the brand
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "file":
            break
    assert page.evaluate("() => document.activeElement.id") == "file-roster", "Tab does not reach the roster picker"
    _choose_with_space(page, roster)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "firm":
            break
    assert page.evaluate("() => document.activeElement.id") == "firm", "Tab never reached the firm name"
    page.keyboard.type("Keys & Partners")
    _tab_to(page, "Audit")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check how your columns were read").wait_for()
    assert page.get_by_label("Firm name").input_value() == "Keys & Partners"
    _tab_to(page, "Confirm and audit")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Summary").wait_for()
    _tab_to(page, "Download the Excel report")
    report = download(page, tmp_path, press_enter=True)
    assert {f["firm_name"] for f in findings_of(report)} == {"Keys & Partners"}
