"""The upload page's fields for what a file does not say: the firm's name, the court id, the firm's
PAA usernames; and several kinds of input in one upload.  Real uploads over HTTP, real workbooks back."""

from __future__ import annotations

import httpx
import openpyxl

from auditor.report.format import HEADER_IDS
from tests.conftest import write_csv
from tests.web.conftest import download_path, roster_rows

NO_FIRM_HEADER = ["Name", "Title", "Bar Number", "Email", "PACER Username", "PACER Use"]
PACER_HEADER = ["PACER Username", "Account Holder", "Account Type", "Upgraded", "PAA ID"]


def sheet(path, name: str) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[name].iter_rows(values_only=True))
    wb.close()
    header = [HEADER_IDS.get(h, h) for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]


def no_firm_roster(folder, n: int = 3):
    return write_csv(folder / "staff.csv", NO_FIRM_HEADER, [r[1:] for r in roster_rows("Acme", n)])


def send(server, files: list[tuple[str, object]], timeout: float = 120, **fields) -> httpx.Response:
    """POST /audit as the page does: each file under its kind's own field."""
    parts = [(field, (p.name, p.read_bytes(), "text/csv")) for field, p in files]
    return httpx.post(server.url + "/audit", data=fields, files=parts, timeout=timeout)


def fetch_report(server, html: str, tmp_path):
    got = httpx.get(server.url + download_path(html), timeout=60)
    assert got.status_code == 200
    target = tmp_path / "report.xlsx"
    target.write_bytes(got.content)
    return target


def test_roster_without_firm_column_takes_the_typed_firm(shared_server, tmp_path):
    r = send(shared_server, [("roster", no_firm_roster(tmp_path))], firm="Acme  Legal LLP", mapping="auto")
    assert r.status_code == 200, r.text
    findings = sheet(fetch_report(shared_server, r.text, tmp_path), "Findings")
    assert findings and {f["firm_name"] for f in findings} == {"Acme Legal LLP"}


def test_mapping_step_offers_a_box_for_the_firm(shared_server, tmp_path):
    r = send(shared_server, [("roster", no_firm_roster(tmp_path))], mapping="confirm")
    assert r.status_code == 200
    assert "Not found: Firm." in r.text and 'name="firm"' in r.text and "Firm name" in r.text
    assert "firm_name" not in r.text.replace('name="map-0-firm_name"', "").replace('id="map-0-firm_name"', "") \
        .replace('for="map-0-firm_name"', "")
    action = r.text.split('action="', 1)[1].split('"', 1)[0]
    refused = httpx.post(shared_server.url + action, data={"firm": " "})
    assert refused.status_code == 422 and "choose the column that holds Firm or type it in the box above" in refused.text
    done = httpx.post(shared_server.url + action, data={"firm": "Typed Firm"}, timeout=120)
    assert done.status_code == 200, done.text
    assert {f["firm_name"] for f in sheet(fetch_report(shared_server, done.text, tmp_path), "Findings")} == {"Typed Firm"}


def test_court_export_without_court_column_takes_the_typed_court(shared_server, tmp_path):
    header = ["CM/ECF Login", "Filer Name", "Role", "Bar Number", "PACER Login", "Status"]
    rows = [["jdoe1", "Doe, Jane", "Attorney", "NC1", "jdoe", "Active"],
            ["rroe1", "Roe, Rick", "Attorney", "NC2", "", "Active"]]
    path = write_csv(tmp_path / "export.csv", header, rows)
    unknown = send(shared_server, [("court_accounts", path)], court="zzzz", mapping="auto")
    assert unknown.status_code == 422 and "the court id &#39;zzzz&#39; is not a court id" in unknown.text
    r = send(shared_server, [("court_accounts", path)], court=" NCMB ", mapping="auto")
    assert r.status_code == 200, r.text
    findings = sheet(fetch_report(shared_server, r.text, tmp_path), "Findings")
    assert findings and {f["court_id"] for f in findings} == {"ncmb"}


def test_paa_field_finds_a_paa_used_as_a_login(shared_server, tmp_path):
    rows = [r[1:] for r in roster_rows("Acme", 3)]
    rows[2][4] = "acmepaa2020"    # the firm's PAA, given as an attorney's own PACER username
    path = write_csv(tmp_path / "staff.csv", NO_FIRM_HEADER, rows)
    without = send(shared_server, [("roster", path)], firm="Acme", mapping="auto")
    assert "paa-used-as-login" not in {f["rule_id"] for f in sheet(fetch_report(shared_server, without.text, tmp_path), "Findings")}
    r = send(shared_server, [("roster", path)], firm="Acme", paa="acmepaa2020, other-paa", mapping="auto")
    assert r.status_code == 200, r.text
    hits = [f for f in sheet(fetch_report(shared_server, r.text, tmp_path), "Findings") if f["rule_id"] == "paa-used-as-login"]
    assert [h["person_name"] for h in hits] == ["Person2 Lastname2"]


def test_roster_and_pacer_list_in_one_upload(shared_server, tmp_path):
    roster = no_firm_roster(tmp_path)
    pacer = write_csv(tmp_path / "pacer.csv", PACER_HEADER,
                      [["acmepaa", "Acme", "PAA", "No", ""],
                       ["user0acmelong", "Person0 Lastname0", "Individual", "Yes", "acmepaa"]])
    r = send(shared_server, [("roster", roster), ("pacer_accounts", pacer)], firm="Acme", mapping="confirm")
    assert r.status_code == 200
    assert "staff.csv" in r.text and "pacer.csv" in r.text
    assert "(Firm roster, 3 rows)" in r.text and "(PACER account list, 2 rows)" in r.text
    action = r.text.split('action="', 1)[1].split('"', 1)[0]
    done = httpx.post(shared_server.url + action, data={"firm": "Acme"}, timeout=120)
    assert done.status_code == 200, done.text
    report = fetch_report(shared_server, done.text, tmp_path)
    rules = {f["rule_id"] for f in sheet(report, "Findings")}
    assert "paa-not-upgraded" in rules            # from the PACER list
    assert "shared-filing-account" in rules       # from the roster
    wb = openpyxl.load_workbook(report, read_only=True)
    summary = " ".join(str(v) for row in wb["Summary"].iter_rows(values_only=True) for v in row if v is not None)
    wb.close()
    assert "staff.csv" in summary and "pacer.csv" in summary
