"""``auditor invite``: one link per firm for the latest recorded court run, kept only as a hash, ending
after 15 days or with the next month of the court; on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

import pytest
from sqlalchemy import select

from auditor import api
from auditor.history import recording
from auditor.history import schema as S
from auditor.history.store import open_store
from auditor.portal.invites import find_invite
from tests.conftest import run_cli, write_csv

BASE = "https://audit.example-court.gov/portal"
HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "Firm", "PACER Login", "Status"]


def court_export(folder, firms=("Alpha Law LLP", "Beta & Co, P.C.", "=HYPERLINK(1)"), court="ncmb"):
    rows = []
    for n, firm in enumerate(firms):   # every filer unlinked: each firm has findings
        rows.append([court, f"login{n}a", f"Filer{n}, Ann", "Attorney", f"NC{n}1", firm, "", "Active"])
        rows.append([court, f"login{n}b", f"Filer{n}, Bob", "Attorney", f"NC{n}2", firm, "", "Active"])
    return write_csv(folder / f"court-{court}.csv", HEADER, rows)


def record(path, history, as_of: str) -> int:
    result = api.audit(court_accounts=[path], as_of=dt.date.fromisoformat(as_of))
    assert len(result.findings)
    with recording(result, history, future=True) as view:   # month-ends after today too
        view.commit()
    return view.run_id


def invite(history, *extra) -> tuple[list[dict], object]:
    done = run_cli("invite", "--history", history, "--base-url", BASE, *extra)
    rows = list(csv.DictReader(io.StringIO(done.stdout))) if done.returncode == 0 else []
    return rows, done


def test_one_link_per_firm_stored_as_a_hash(tmp_path, history_url):
    export = court_export(tmp_path)
    record(export, history_url, "2026-11-30")
    contacts = write_csv(tmp_path / "contacts.csv", ["Firm", "Contact Name", "Email"],
                         [["alpha law llp", "Ann Admin", "ann@alpha.example"],
                          ["Alpha Law LLP", "Al Backup", "al@alpha.example"]])
    rows, done = invite(history_url, "--contacts", contacts)
    assert done.returncode == 0, done.stderr
    assert [r["firm"] for r in rows] == ["'=HYPERLINK(1)", "Alpha Law LLP", "Alpha Law LLP", "Beta & Co, P.C."]
    assert [(r["contact"], r["email"]) for r in rows if r["firm"] == "Alpha Law LLP"] == [
        ("Ann Admin", "ann@alpha.example"), ("Al Backup", "al@alpha.example")]
    links = {r["firm"]: r["link"] for r in rows}
    assert len(set(links.values())) == 3       # one link per firm, shared by the firm's contacts
    tokens = {}
    for firm, url in links.items():
        assert url.startswith(BASE + "/invite/")
        token = url[len(BASE + "/invite/"):]
        assert len(token) == 43 and token.replace("-", "").replace("_", "").isalnum()   # 32 random bytes
        tokens[firm] = token
    store = open_store(history_url, create=False)
    try:
        with store.engine.connect() as conn:
            stored = conn.execute(select(S.invites)).mappings().all()
            text = repr(stored)
            for token in tokens.values():
                assert token not in text
            assert {s["token_hash"] for s in stored} == {hashlib.sha256(t.encode()).hexdigest() for t in tokens.values()}
            alpha = find_invite(conn, tokens["Alpha Law LLP"])
            assert alpha.firm_name == "Alpha Law LLP" and alpha.scope == "courts:ncmb"
            assert alpha.as_of == dt.date(2026, 11, 30)
            assert find_invite(conn, tokens["Alpha Law LLP"] + "x") is None
            assert find_invite(conn, "") is None
            made = stored[0]["created_at"]
            assert stored[0]["expires_at"] - made == dt.timedelta(days=15)
            assert find_invite(conn, tokens["Alpha Law LLP"], now=made + dt.timedelta(days=14, hours=23)) is not None
            assert find_invite(conn, tokens["Alpha Law LLP"], now=made + dt.timedelta(days=15)) is None
    finally:
        store.close()


def test_the_next_month_ends_the_links(tmp_path, history_url):
    export = court_export(tmp_path, firms=("Alpha Law LLP",))
    record(export, history_url, "2026-11-02")
    rows, done = invite(history_url, "--firm", "ALPHA LAW, LLP")
    assert done.returncode == 0, done.stderr
    token = rows[0]["link"].rsplit("/", 1)[1]
    record(export, history_url, "2026-11-30")      # the same month audited again: the link still holds
    store = open_store(history_url, create=False)
    try:
        with store.engine.connect() as conn:
            assert find_invite(conn, token) is not None
        record(export, history_url, "2026-12-31")  # the next month: it ends
        with store.engine.connect() as conn:
            assert find_invite(conn, token) is None
    finally:
        store.close()
    rows, done = invite(history_url)
    assert done.returncode == 0 and rows[0]["link"].rsplit("/", 1)[1] != token


@pytest.mark.parametrize("args, says", [
    (["--base-url", "audit.example.gov"], "is not a web address"),
    (["--base-url", "https://audit.example.gov/?next=1"], "without ?query"),
    (["--base-url", BASE, "--firm", "Gamma LLP"], "no findings for 'Gamma LLP' in the latest court run"),
])
def test_bad_calls_end_in_one_line(tmp_path, args, says):
    history = str(tmp_path / "h.sqlite")
    record(court_export(tmp_path, firms=("Alpha Law LLP",)), history, "2026-11-30")
    done = run_cli("invite", "--history", history, *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and says in done.stderr and "Traceback" not in done.stderr


def test_a_history_without_a_court_run(tmp_path):
    done = run_cli("invite", "--history", str(tmp_path / "none.sqlite"), "--base-url", BASE)
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_a_history_of_two_courts_needs_the_court_named(tmp_path):
    history = str(tmp_path / "h.sqlite")
    (tmp_path / "b").mkdir()
    record(court_export(tmp_path, firms=("Alpha Law LLP",), court="ncmb"), history, "2026-11-30")
    record(court_export(tmp_path / "b", firms=("Beta & Co, P.C.",), court="ncwb"), history, "2026-10-31")
    rows, done = invite(history)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "2 court scopes: courts ncmb (latest 2026-11-30); courts ncwb (latest 2026-10-31)" in done.stderr
    assert "--court" in done.stderr
    rows, done = invite(history, "--court", "NCWB")
    assert done.returncode == 0, done.stderr
    assert [r["firm"] for r in rows] == ["Beta & Co, P.C."]
    rows, done = invite(history, "--court", "nceb")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "holds no run of nceb" in done.stderr and "courts ncmb; courts ncwb" in done.stderr
