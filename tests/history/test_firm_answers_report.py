"""Firms' answers reach the court's next audit, through the real command line, on SQLite and PostgreSQL:
the Findings and Changes sheets show each answer, its note and who set the status; "fixed" is resolved
only when the export no longer shows the problem; "not our person" and "left the firm" are left for the
clerk to judge; the clerk's own status wins; the Summary and the Firms sheet say who answered."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
from sqlalchemy import select

from auditor.history import schema as S
from auditor.history.answers import Answer, record_answers
from auditor.history.store import open_store
from auditor.portal.invites import make_invites
from conftest import run_cli, sheet_rows, write_csv
from history.test_history_months import summary_block

HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "Firm", "PACER Login", "Status"]
FIRMS = ("Alpha LLP", "Beta LLP", "Charlie LLP", "Delta LLP", "Gamma LLP")
SECOND = dt.date.today().replace(day=1) - dt.timedelta(days=1)      # the latest month-end
FIRST = SECOND.replace(day=1) - dt.timedelta(days=1)                 # the one before


def export(path, linked=()):
    """Two filers per firm, not linked to a PACER account unless named in ``linked``."""
    rows = [["ncmb", f"{f[0].lower()}{n}", f"{f[:-4]}{n}, Pat", "Attorney", f"B{i}{n}", f, "", "Active"]
            for i, f in enumerate(FIRMS) for n in (1, 2)]
    for r in rows:
        if r[1] in linked:
            r[6] = f"pacer{r[1]}"
    return write_csv(path, HEADER, rows)


def audit(tmp_path, name, as_of, history, *extra, linked=(), findings_csv=None):
    out = tmp_path / f"{name}.xlsx"
    extra = (*extra, "--findings-csv", findings_csv) if findings_csv else extra
    done = run_cli("audit", "--court-accounts", export(tmp_path / f"{name}-export.csv", linked), "--as-of",
                   as_of.isoformat(), "--out", out, "--history", history, *extra)
    assert done.returncode == 0, done.stderr
    return out


def answer(history, given: dict[str, tuple]):
    """Each firm's answers through its own invite, as the portal records them (login -> answer)."""
    store = open_store(history, create=False)
    try:
        invites = {i.firm_key: i for i in make_invites(store, "https://court.example")}
        with store.engine.connect() as conn, conn.begin():
            f, st, inv = S.run_findings, S.finding_state, S.invites
            rows = conn.execute(select(st.c.cmecf_login, f.c.finding_id, f.c.firm_key, f.c.run_id)
                                .select_from(f.join(st, st.c.finding_id == f.c.finding_id))).all()
            ids = dict(conn.execute(select(inv.c.firm_key, inv.c.id)).all())
            for login, (kind, on, note) in given.items():
                _, fid, key, run = next(r for r in rows if r[0] == login)
                assert key in invites
                record_answers(conn, scope="courts:ncmb", run_id=run, invite_id=ids[key], firm_key=key,
                               answers=[Answer(fid, kind, on, note)], today=FIRST + dt.timedelta(days=3),
                               now=dt.datetime.combine(FIRST + dt.timedelta(days=3), dt.time(10)))
    finally:
        store.close()


def clerk_copy(first_report, path, login, status, notes):
    rows = {r["cmecf_login"]: r for r in sheet_rows(first_report, "Findings")}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Finding ID", "Status", "Notes"])
    ws.append([rows[login]["finding_id"], status, notes])
    wb.save(path)
    return path


def test_answers_reach_the_next_audit(tmp_path, history_url):
    first = audit(tmp_path, "first", FIRST, history_url)
    until = SECOND + dt.timedelta(days=20)
    fix_by = SECOND + dt.timedelta(days=200)
    answer(history_url, {
        "a1": ("fixed", None, "Linked in PACER"),           # and the export agrees: resolved
        "a2": ("fixed", None, "Linked too"),                # but still found
        "b1": ("will_fix", fix_by, "New account asked for"),
        "b2": ("accepted", until, "Retires at the end of the month"),
        "d1": ("left_firm", FIRST, "Left in the summer"),
        "d2": ("not_ours", None, "Never worked here"),
        "g1": ("fixed", None, "x"),
    })
    answer(history_url, {"g1": ("will_fix", fix_by, "Changed our mind")})   # the later answer counts
    edits = clerk_copy(first, tmp_path / "clerk.xlsx", "g1", "Accepted", "Court agreed to wait")
    second = audit(tmp_path, "second", SECOND, history_url, "--previous", edits, linked=("a1",),
                   findings_csv=tmp_path / "second.csv")

    rows = sheet_rows(second, "Findings")
    with (tmp_path / "second.csv").open(newline="", encoding="utf-8") as fh:   # the export says the same
        exported = {r["finding_id"]: r for r in csv.DictReader(fh)}
    for r in rows:
        for col in ("firm_answer", "firm_note", "status_from"):
            assert exported[r["finding_id"]][col] == (r[col] or ""), (r["finding_id"], col)
    unlinked = next(r["rule_id"] for r in rows if r["cmecf_login"] == "b1")
    found = {r["cmecf_login"]: r for r in rows if r["rule_id"] == unlinked}
    assert "a1" not in found          # linked now (its new PACER username has findings of its own)
    a2, b1, b2, d1, d2, g1, c1 = (found[k] for k in ("a2", "b1", "b2", "d1", "d2", "g1", "c1"))
    assert (a2["status"], a2["status_from"]) == ("Open", None) and a2["firm_answer"].startswith("Fixed (answered ")
    assert a2["firm_note"] == "Linked too"
    assert (b1["status"], b1["status_from"]) == ("In progress", "firm")
    assert b1["firm_answer"].startswith(f"Will fix by {fix_by.isoformat()}") and b1["firm_note"] == "New account asked for"
    assert (b2["status"], b2["status_from"]) == ("Accepted", "firm") and b2["accepted_until"].date() == until
    assert b2["notes"] is None and b2["firm_note"] == "Retires at the end of the month"
    assert (d1["status"], d2["status"]) == ("Open", "Open")             # never closed on the firm's word
    assert (g1["status"], g1["status_from"], g1["notes"]) == ("Accepted", "clerk", "Court agreed to wait")
    assert g1["firm_answer"].startswith("Will fix by")
    assert c1["firm_answer"] is None and c1["status_from"] is None     # Charlie LLP did not answer

    changes = {(r["change"], r["cmecf_login"]): r["note"] or "" for r in sheet_rows(second, "Changes")
               if r["rule_id"] == unlinked}
    assert changes[("resolved", "a1")] == "firm said fixed; no longer found"
    assert changes[("persisting", "a2")] == "firm said fixed; still found"
    assert changes[("persisting", "b2")] == f"accepted by the firm; acceptance ends on {until.isoformat()}"
    assert changes[("persisting", "d1")] == f"firm says the person left on {FIRST.isoformat()}: for the clerk to judge"
    assert changes[("persisting", "d2")] == "firm says this is not its person: for the clerk to judge"
    assert changes[("persisting", "g1")] == "clerk's status kept over the firm's answer (Will fix by)"
    assert changes[("persisting", "b1")] == f"firm will fix by {fix_by.isoformat()}, after the due date"

    block = summary_block(second)
    assert block["Firms that answered on the portal"] == 4 and block["Firms that did not answer"] == 1
    assert block["Findings with a firm's answer"] == 6 and block["Firm said fixed, but still found"] == 1
    assert block["Firm said not its person, or that the person left: for you to judge"] == 2
    assert block["Acceptances ending within 30 days"] == 1
    firms = {r["firm_name"]: r["Portal answers"] for r in sheet_rows(second, "Firms")}
    assert firms["Alpha LLP"].startswith("2 of 2 answered (last ")
    assert firms["Gamma LLP"].startswith("1 of 2 answered") and firms["Charlie LLP"] == "not answered (2 findings)"


def test_the_answers_print(tmp_path):
    """The report with firms' answers as LibreOffice prints it: the Summary's cover still one page with
    the answer lines on it, every word 8 points or more, nothing clipped or overlapping."""
    from parts import missing
    from report.print_check import PDFTOTEXT, SOFFICE, Printout, calibri_twin, print_pdf

    if not SOFFICE or not PDFTOTEXT or not calibri_twin():
        missing("LibreOffice (soffice), poppler (pdftotext) or the Carlito font is not installed")
    history = str(tmp_path / "h.sqlite")
    audit(tmp_path, "first", FIRST, history)
    answer(history, {"a2": ("fixed", None, "Linked"), "b2": ("accepted", SECOND + dt.timedelta(days=20), "Retires"),
                     "d2": ("not_ours", None, "Never worked here")})
    second = audit(tmp_path, "second", SECOND, history)
    (pdf,), unit = print_pdf([second], tmp_path / "pdf")
    p = Printout(second, pdf, unit)
    assert len(p.pages_of("Summary")) == 1
    cover = " ".join(w.text for w in p.pages_of("Summary")[0].words)
    for line in ("Firms that answered on the portal", "Firms that did not answer", "for you to judge",
                 "Acceptances ending within 30 days"):
        assert line in cover
    assert "firm said fixed; still found" in " ".join(p.text("Changes").split())
    assert not p.small_words() and not p.overlaps() and not p.hashes()
    assert not p.clipped(), p.clipped()[:10]
