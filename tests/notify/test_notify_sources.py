"""Where notify reads a run from: every Findings sheet of a long report, the inputs' contacts, a history run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from auditor.notify.input_contacts import contacts_from_inputs
from auditor.notify.source import read_findings
from auditor.report.workbook import write_report
from notify_world import ROOT, acting_firms, address, audit, copy_run, notify, write_contacts, write_settings
from smtp_server import SmtpServer
from tests.report.test_report import finding, findings_frame, make_result


def test_findings_past_the_first_sheet_are_read_from_the_continuation_sheets(tmp_path):
    rows = [finding(i, person_name=f"P{i:02d}") for i in range(7)]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx", max_rows=3)
    people = [f.person for f in read_findings(path)]
    assert people == [f"P{i:02d}" for i in range(7)]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("notify-sample")
    return audit(ROOT / "sample_data", out / "run", str(out / "run" / "history.sqlite"))


def _inputs(*names: str) -> list[str]:
    return [a for name in names for p in sorted((ROOT / "sample_data").glob(name)) for a in
            (("--roster" if name.startswith("roster") else "--pacer-accounts"), str(p))]


def test_a_firm_the_contacts_list_does_not_name_is_sent_to_its_paa_named_in_the_inputs(sample_run, tmp_path):
    firms = acting_firms(sample_run)
    whitfield = next(f for f in firms if f.startswith("Whitfield"))
    kensington = next(f for f in firms if f.startswith("Kensington"))
    contacts = write_contacts(tmp_path / "contacts.csv", [kensington])    # names one firm only
    done = notify("--dry-run", "--report", sample_run, "--contacts", contacts,
                  "--settings", write_settings(tmp_path / "court.toml"), *_inputs("roster*", "pacer_accounts*"))
    assert done.returncode == 0, done.stderr
    lines = {line.split(":")[0]: line for line in done.stdout.splitlines()}
    # the contacts list wins for the firm it names, though the inputs name that firm's PAA too
    assert f"to {address(kensington)} (from contacts.csv)" in lines[kensington]
    assert "billing@kensingtonlolaw.com" not in done.stdout
    # the other firm's PAA, as the PACER account list gives it, with the row it came from
    assert ("to billing@whitfieldpemlaw.com (from the firm's PAA in pacer_accounts.csv, row "
            in lines[whitfield]), lines[whitfield]
    # the file's own row: line 50 of the CSV (its header is row 1) is Whitfield's PAA
    row = int(lines[whitfield].split(", row ")[1].split(")")[0])
    line = (ROOT / "sample_data" / "pacer_accounts.csv").read_text(encoding="utf-8").splitlines()[row - 1]
    assert line.startswith("whitfieldppaa,") and "billing@whitfieldpemlaw.com" in line
    ashby = next(f for f in firms if f.startswith("Ashby"))
    assert "to billing@ashbyfairbanlaw.com (from the firm's PAA" in lines[ashby]
    sent_to = [line.split(" to ")[1].split(" ")[0] for line in lines.values() if " to " in line and "(from " in line]
    assert sorted(sent_to) == sorted([address(kensington), "billing@whitfieldpemlaw.com", "billing@ashbyfairbanlaw.com"])
    # firms of the court's export with no roster have no PAA in the inputs: listed, not guessed
    assert "no contact for" in done.stdout


def test_a_paa_that_two_firms_rosters_name_is_no_firms_contact(tmp_path):
    for firm in ("Alpha Law", "Beta Law"):
        (tmp_path / f"roster_{firm[0]}.csv").write_text(
            f"firm_name,person_name,role,bar_id,email,pacer_username,paa_id\n"
            f"{firm},Ann {firm[0]},attorney,NC1{len(firm)},ann@{firm[0].lower()}.example,ann{firm[0]},7777777\n",
            encoding="utf-8")
    (tmp_path / "pacer.csv").write_text(
        "pacer_username,account_holder,account_type,paa_id,account_number,email\n"
        "sharedpaa,Alpha Law,paa,7777777,7777777,billing@alpha.example\n"
        "betapaa,Beta Law,paa,8888888,8888888,billing@beta.example\n", encoding="utf-8")
    found = contacts_from_inputs(sorted(tmp_path.glob("roster_*.csv")), [tmp_path / "pacer.csv"])
    assert found.by_firm == {}
    assert found.problems == ["pacer.csv, row 2: the PAA billing@alpha.example is named by the rosters of several "
                              "firms; it is not used as any firm's contact"]


def test_the_digest_says_which_addresses_came_from_the_inputs(sample_run, tmp_path):
    report = copy_run(sample_run, tmp_path / "run")
    firms = acting_firms(report)
    kensington = next(f for f in firms if f.startswith("Kensington"))
    contacts = write_contacts(tmp_path / "contacts.csv", [kensington])
    with SmtpServer() as server:
        done = notify("--send", "--report", report, "--contacts", contacts, "--history", report.parent / "history.sqlite",
                      "--settings", write_settings(tmp_path / "court.toml", server.port),
                      *_inputs("roster*", "pacer_accounts*"))
        assert done.returncode == 0, done.stderr
        assert len(server.to("billing@whitfieldpemlaw.com")) == 1 and len(server.to(address(kensington))) == 1
        assert server.to("billing@kensingtonlolaw.com") == []
        digest = " ".join(server.to("clerk@ncmb.example.gov")[0].get_body(("plain",)).get_content().split())
    assert ("Addresses taken from the inputs (the firm's administrator or PAA), for firms the contacts list does not name: "
            "- Whitfield & Pemberton, LLP: billing@whitfieldpemlaw.com (from the firm's PAA in pacer_accounts.csv, "
            "row 50)") in digest
    assert "addresses from the inputs for 2 firms the contacts list does not name:" in done.stdout


def test_a_history_run_gives_its_written_report(sample_run, tmp_path):
    history = sample_run.parent / "history.sqlite"
    contacts = write_contacts(tmp_path / "contacts.csv", acting_firms(sample_run))
    settings = write_settings(tmp_path / "court.toml")
    done = notify("--dry-run", "--history", history, "--run", "1", "--contacts", contacts, "--settings", settings)
    assert done.returncode == 0, done.stderr
    by_report = notify("--dry-run", "--report", sample_run, "--contacts", contacts, "--settings", settings)
    assert done.stdout == by_report.stdout and "messages would be sent" in done.stdout
    # a run recorded before the history kept where reports went (schema 0007): one line saying what to give
    old = tmp_path / "old.sqlite"
    old.write_bytes(history.read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute("ALTER TABLE runs DROP COLUMN report_path")
        conn.execute("DROP TABLE IF EXISTS answers")     # made by a later revision (0009)
        conn.execute("ALTER TABLE run_inputs DROP COLUMN path")      # and what 0011 added
        conn.execute("ALTER TABLE run_inputs DROP COLUMN headers")
        conn.execute("UPDATE alembic_version SET version_num = '0007'")
    done = notify("--dry-run", "--history", old, "--run", "1", "--contacts", contacts, "--settings", settings)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == (
        "auditor: run 1 of the history does not record where its report was written: give --report "
        "(the report the audit wrote with --split-by-firm)"), done.stderr
    # a report moved away since: the line says where the history looked
    moved = copy_run(sample_run, tmp_path / "moved")
    with sqlite3.connect(moved.parent / "history.sqlite") as conn:
        conn.execute("UPDATE runs SET report_path = ?", (str(tmp_path / "gone" / "report.xlsx"),))
    done = notify("--dry-run", "--history", moved.parent / "history.sqlite", "--run", "1", "--contacts", contacts,
                  "--settings", settings)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"auditor: run 1's report was written to {tmp_path / 'gone' / 'report.xlsx'}, which is not there "
        "now: give --report"), done.stderr


def test_firm_sends_to_the_firms_named_only(sample_run, tmp_path):
    report = copy_run(sample_run, tmp_path / "run")
    firms = acting_firms(report)
    contacts = write_contacts(tmp_path / "contacts.csv", firms)
    chosen = [f for f in firms if f.startswith(("Whitfield", "Kensington"))]
    with SmtpServer() as server:
        settings = write_settings(tmp_path / "court.toml", server.port)
        # named as the clerk may write them: another case, "and" for "&", without the commas
        done = notify("--send", "--report", report, "--contacts", contacts, "--settings", settings,
                      "--history", report.parent / "history.sqlite",
                      "--firm", "whitfield and pemberton llp", "--firm", "KENSINGTON & LOCKHART, P.A.")
        assert done.returncode == 0, done.stderr
        got = sorted(a.addr_spec for rcpts, _, m in server.messages for a in m["To"].addresses
                     if "clerk@ncmb.example.gov" not in rcpts)
        assert got == sorted(address(f) for f in chosen)
        assert done.stdout.startswith("sent 2, sent before 0, to try again 0, refused 0, no contact 0")
        # a name that is no firm of the run with something to do: one line, nothing sent
        wrong = notify("--send", "--report", report, "--contacts", contacts, "--settings", settings,
                       "--history", report.parent / "history.sqlite", "--firm", "Nobody & Co")
        assert wrong.returncode == 2 and len(server.messages) == 3
        assert wrong.stderr.strip().splitlines()[-1] == (
            "auditor: --firm 'Nobody & Co' is no firm of this run with something to do "
            "(the firms are listed in report-firms/index.csv)"), wrong.stderr


def test_a_firms_administrator_in_a_roster_or_the_courts_export_is_its_contact_however_the_firm_is_written(
        sample_run, tmp_path):
    firms = acting_firms(sample_run)
    kensington = next(f for f in firms if f.startswith("Kensington"))    # "Kensington & Lockhart, P.A."
    whitfield = next(f for f in firms if f.startswith("Whitfield"))
    (tmp_path / "roster_k.csv").write_text(
        "Firm,Name,Role,Email\nKensington and Lockhart PA,Kim Keeper,Firm Administrator,kim@kl.example\n"
        "Kensington and Lockhart PA,Ada Aide,Admin,ada@kl.example\n", encoding="utf-8")
    (tmp_path / "court.csv").write_text(
        "Court,CM/ECF Login,Filer Name,Role,Email,Firm\n"
        "ncmb,wfa,\"Ward, Wes\",Firm Admin,wes@wp.example,Whitfield & Pemberton LLP\n"
        "ncmb,sys,\"Sys, Sam\",System Administrator,sam@court.example,Whitfield & Pemberton LLP\n", encoding="utf-8")
    done = notify("--dry-run", "--report", sample_run, "--settings", write_settings(tmp_path / "court.toml"),
                  "--roster", tmp_path / "roster_k.csv", "--court-accounts", tmp_path / "court.csv")
    assert done.returncode == 0, done.stderr
    lines = {line.split(":")[0]: line for line in done.stdout.splitlines()}
    assert (f"{kensington}: to kim@kl.example (from the firm's administrator in roster_k.csv, row 2 "
            '(role "Firm Administrator")): notice and') in lines[kensington]
    assert (f"{whitfield}: to wes@wp.example (from the firm's administrator in court.csv, row 2 "
            '(role "Firm Admin")): notice and') in lines[whitfield]
    assert "ada@kl.example" not in done.stdout and "sam@court.example" not in done.stdout
    assert "2 messages would be sent" in done.stdout
