"""The upload page over real HTTP (uvicorn on 127.0.0.1): limits, the once-only download, expiry,
the busy answer, the headers, escaping, and concurrent uploads each getting its own report."""

from __future__ import annotations

import io
import re
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import openpyxl

from auditor.report.format import HEADER_IDS
from tests.conftest import ROOT, write_csv, write_xlsx
from tests.web.conftest import (
    ROSTER_HEADER, download_path, post, roster_file, roster_rows, stored_files, wait_until,
)

HOSTILE = ROOT / "tests" / "hostile"


def workbook(content: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    out = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    wb.close()
    return out


def table(rows: list[tuple]) -> list[dict]:
    header = [HEADER_IDS.get(h, h) for h in rows[0]]  # plain-word headers, read as the column ids
    return [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]


def test_headers_on_every_answer(shared_server, tmp_path):
    pages = [httpx.get(shared_server.url + "/"), httpx.get(shared_server.url + "/no-such-page"),
             httpx.get(shared_server.url + "/static/style.css"),
             post(shared_server, [roster_file(tmp_path, "Acme")], mapping="auto")]
    pages.append(httpx.get(shared_server.url + download_path(pages[-1].text)))
    for r in pages:
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    assert pages[1].status_code == 404 and "Traceback" not in pages[1].text
    assert pages[-1].headers["content-disposition"].startswith("attachment;")
    assert pages[-1].headers["content-type"].startswith("application/vnd.openxmlformats")


def test_script_gets_the_report_once_and_nothing_is_kept(shared_server, tmp_path):
    path = roster_file(tmp_path, "Acme", 4)
    r = post(shared_server, [path], mapping="auto", as_of="2026-11-30")
    assert r.status_code == 200
    assert "4 rows read" in r.text and "4 audited + 0 rejected" in r.text
    link = download_path(r.text)
    got = httpx.get(shared_server.url + link)
    assert got.status_code == 200
    book = workbook(got.content)
    findings = table(book["Findings"])
    assert {f["person_name"] for f in findings if f["rule_id"] == "shared-filing-account"} == {
        "Person0 Lastname0", "Person1 Lastname1"}
    assert all(f["source"].startswith("roster_acme.csv, row ") for f in findings)   # the user's file name
    again = httpx.get(shared_server.url + link)
    assert again.status_code == 410 and "downloaded once" in again.text
    assert wait_until(lambda: not stored_files(shared_server))


def test_file_over_the_limit_is_refused_while_streaming(serve, tmp_path):
    server = serve(max_file_bytes=2000, max_request_bytes=100_000)
    big = roster_file(tmp_path, "Big", 100)
    assert big.stat().st_size > 2000
    r = post(server, [big], mapping="auto")
    assert r.status_code == 413
    assert "larger than the limit" in r.text and "roster_big.csv" in r.text
    assert not stored_files(server)


def test_upload_over_the_request_limit_is_refused(serve, tmp_path):
    server = serve(max_file_bytes=50_000, max_request_bytes=6_000)
    files = [roster_file(tmp_path, f"F{i}", 30) for i in range(4)]   # each under the file limit
    assert all(p.stat().st_size < 50_000 for p in files) and sum(p.stat().st_size for p in files) > 6_000
    r = post(server, files, mapping="auto")
    assert r.status_code == 413 and "the upload is larger than the limit" in r.text
    assert not stored_files(server)


def test_bad_files_get_a_message_on_the_page(shared_server):
    cases = {"macro.xlsm": "macro-enabled", "zip_not_workbook.xlsx": "zip archive without a workbook",
             "pdf_named.csv": "", "empty.csv": "is empty"}
    for name, words in cases.items():
        r = post(shared_server, [HOSTILE / name], kind="court_accounts")
        assert r.status_code == 422, name
        assert "A file could not be read" in r.text and name in r.text and words in r.text
        assert "Traceback" not in r.text
    assert not stored_files(shared_server)


def test_missing_required_column_is_chosen_on_the_confirm_step(shared_server, tmp_path):
    header = [("Nmae" if h == "Name" else h) for h in ROSTER_HEADER]
    path = write_csv(tmp_path / "roster.csv", header, roster_rows("Acme", 3))
    r = post(shared_server, [path], mapping="auto")
    assert r.status_code == 422 and "Not found: Person" in r.text
    action = re.search(r'action="(/audit/[\w-]+/confirm)"', r.text).group(1)
    refused = httpx.post(shared_server.url + action, data={"map-0-person_name": ""})
    assert refused.status_code == 422 and "choose the column that holds Person" in refused.text
    twice = httpx.post(shared_server.url + action, data={"map-0-person_name": "Nmae", "map-0-email": "Nmae"})
    assert twice.status_code == 422 and "chosen for both Person and E-mail" in twice.text
    r = httpx.post(shared_server.url + action, data={"map-0-person_name": "Nmae"}, timeout=60)
    assert r.status_code == 200 and "3 rows read" in r.text
    again = httpx.post(shared_server.url + action, data={"map-0-person_name": "Nmae"})
    assert again.status_code == 404          # the upload was used once and is gone
    findings = table(workbook(httpx.get(shared_server.url + download_path(r.text)).content)["Findings"])
    assert {"Person0 Lastname0", "Person1 Lastname1"} <= {f["person_name"] for f in findings}


def test_values_from_files_are_escaped(shared_server, tmp_path):
    script = "<script>alert(1)</script>"
    path = write_csv(tmp_path / "payload.csv", ROSTER_HEADER, [
        ["Acme", script, "Attorney", "B1", "", "=HYPERLINK(\"http://evil.example\",\"x\")", "efiling"],
        ["Acme", "<img src=x onerror=alert(2)>", "Attorney", "B2", "", "=HYPERLINK(\"http://evil.example\",\"x\")",
         "efiling"],
        ["Acme", "Carl", "Wizard<b>", "B3", "", "+1-555", "efiling"]])
    names = [f"{script}.csv"]
    for r in (post(shared_server, [path], names=names), post(shared_server, [path], mapping="auto", names=names)):
        assert r.status_code in (200, 422)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text and "Wizard<b>" not in r.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    court = post(shared_server, [HOSTILE / "formula_text.csv"], kind="court_accounts", mapping="auto")
    assert court.status_code == 200
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;click&#34;)" in court.text or \
           "=HYPERLINK(&quot;http://evil.example&quot;" in court.text


def test_upload_and_report_expire(serve, tmp_path):
    server = serve(keep_seconds=1)
    path = roster_file(tmp_path, "Acme")
    mapping = post(server, [path])
    action = re.search(r'action="(/audit/[\w-]+/confirm)"', mapping.text).group(1)
    result = post(server, [path], mapping="auto")
    link = download_path(result.text)
    assert stored_files(server)
    assert wait_until(lambda: not stored_files(server), 10)     # deleted without anyone asking
    assert httpx.post(server.url + action, data={}).status_code == 404
    gone = httpx.get(server.url + link)
    assert gone.status_code == 410 and "deleted after 1 second" in gone.text


def test_busy_answer_when_the_pool_is_full(serve, tmp_path):
    server = serve(workers=1, queue=0)
    big = roster_file(tmp_path, "Big", 40_000)
    first: dict = {}
    t = threading.Thread(target=lambda: first.setdefault("r", post(server, [big], mapping="auto")))
    t.start()
    assert wait_until(lambda: server.pool.running == 1, 60)
    r = post(server, [roster_file(tmp_path, "Small")], mapping="auto")
    t.join(120)
    assert r.status_code == 503 and "Busy, try again" in r.text and r.headers["retry-after"]
    assert first["r"].status_code == 200 and "40,000 rows read" in first["r"].text


def test_an_audit_past_its_time_limit_is_stopped(serve, tmp_path):
    server = serve(workers=1, job_seconds=0.01)
    r = post(server, [roster_file(tmp_path, "Acme", 3000)], mapping="auto")
    assert r.status_code == 503 and "took too long" in r.text
    assert wait_until(lambda: not stored_files(server))
    assert wait_until(lambda: len(server.pool._free) == 1, 30)   # a fresh worker took its place


def test_twenty_concurrent_uploads_each_get_their_own_report(serve, tmp_path):
    server = serve(workers=2, queue=20, queue_wait_seconds=180)
    firms = [(f"Firm{i:02d}", 3 + i) for i in range(20)]
    paths = {firm: roster_file(tmp_path, firm, n) for firm, n in firms}

    def one(firm_n):
        firm, n = firm_n
        r = post(server, [paths[firm]], mapping="auto", timeout=180)
        assert r.status_code == 200, r.text[:500]
        got = httpx.get(server.url + download_path(r.text), timeout=60)
        return firm, n, r.text, workbook(got.content)

    start = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, firms))
    assert time.monotonic() - start < 180
    for firm, n, html, book in results:
        assert f"{n} rows read" in html and f"roster_{firm.lower()}.csv" in html
        others = [f for f, _ in firms if f != firm]
        assert not any(f"roster_{o.lower()}.csv" in html for o in others)
        findings = table(book["Findings"])
        assert findings and {f["firm_name"] for f in findings} == {firm}
        assert all(f["source"].startswith(f"roster_{firm.lower()}.csv") for f in findings)
        summary = "\n".join(" ".join(str(v) for v in row if v is not None) for row in book["Summary"])
        assert f"roster_{firm.lower()}.csv" in summary and not any(o in summary for o in others)
    assert wait_until(lambda: not stored_files(server))


def test_logs_hold_no_names(shared_server, tmp_path, caplog):
    caplog.set_level("DEBUG")
    r = post(shared_server, [roster_file(tmp_path, "Secretfirm", 3)], mapping="auto")
    httpx.get(shared_server.url + download_path(r.text))
    assert "audit done" in caplog.text
    for secret in ("Secretfirm", "Person0", "user0secretfirmlong", "roster_secretfirm"):
        assert secret.lower() not in caplog.text.lower()


def test_several_files_csv_and_xlsx_in_one_upload(shared_server, tmp_path):
    csv_path = roster_file(tmp_path, "Acme", 3)
    xlsx_path = write_xlsx(tmp_path / "paralegals.xlsx", ROSTER_HEADER, roster_rows("Acme", 2, start=10),
                           title="Acme paralegals")
    page = post(shared_server, [csv_path, xlsx_path])
    assert page.status_code == 200
    assert "roster_acme.csv" in page.text and "paralegals.xlsx" in page.text and "Person10 Lastname10" in page.text
    action = re.search(r'action="(/audit/[\w-]+/confirm)"', page.text).group(1)
    r = httpx.post(shared_server.url + action, data={}, timeout=60)
    assert r.status_code == 200 and "5 rows read = 5 audited + 0 rejected" in " ".join(
        re.sub(r"<[^>]+>", " ", r.text).split())
    book = workbook(httpx.get(shared_server.url + download_path(r.text)).content)
    sources = {f["source"].split(",")[0] for f in table(book["Findings"])}
    assert sources == {"roster_acme.csv", "paralegals.xlsx"}


def test_workbook_that_unpacks_far_beyond_its_size_is_refused(serve, tmp_path):
    """An upload's XLSX may unpack to 20 times the file limit at most: a zip bomb is refused."""
    server = serve(max_file_bytes=60_000)
    bomb = write_xlsx(tmp_path / "bomb.xlsx", ROSTER_HEADER, roster_rows("Acme", 3))
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:   # parts under 1 MB each, 5 MB in all
        for i in range(6):
            z.writestr(f"xl/media/pad{i}.bin", bytes(900_000))
    with zipfile.ZipFile(bomb) as z:
        assert bomb.stat().st_size < 60_000 < sum(i.file_size for i in z.infolist()) / 20
    r = post(server, [bomb])
    assert r.status_code == 422 and "bomb.xlsx" in r.text and "zip bomb" in r.text
    assert not stored_files(server)


def test_data_issues_are_shown_with_file_row_and_column(shared_server, tmp_path):
    rows = roster_rows("Acme", 3)
    rows[2][2] = "Wizard"          # not a role the auditor knows: audited as other, with a warning
    path = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, rows)
    r = post(shared_server, [path], mapping="auto")
    text = " ".join(re.sub(r"<[^>]+>", " ", r.text).split())
    assert "3 rows read = 3 audited + 0 rejected" in text
    assert re.search(r"roster\.csv 4 Title Wizard not a known role .* unknown-role warning", text), text
