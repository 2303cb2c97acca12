"""``auditor notify --send`` to a real SMTP server on loopback (aiosmtpd), as a clerk runs it.

Every test sends the shipped sample's firm messages and reads what the server took, parsed with the
standard ``email`` parser: one message per firm, to the firm's contacts, with its notice and workbook;
the server's 421, 450 and 550 answers and a dropped connection; a run stopped part-way and run again;
each firm's delivery read back from the history (SQLite and PostgreSQL).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notify_world import (ROOT, acting_firms, address, audit, copy_run, notify, write_contacts,
                          write_settings)
from smtp_server import SmtpServer

CLERK = "clerk@ncmb.example.gov"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("notify-world")
    return audit(ROOT / "sample_data", out, str(out / "history.sqlite"))


@pytest.fixture
def run(world, tmp_path):
    """(report, contacts, firms) of a fresh copy of the run, every acting firm with a contact but one."""
    report = copy_run(world, tmp_path / "run")
    firms = acting_firms(report)
    return report, firms


def _send(report, contacts, settings, *more, history=None):
    return notify("--send", "--report", report, "--contacts", contacts, "--settings", settings,
                  "--history", history or report.parent / "history.sqlite", "--retry-seconds", "0.01", *more)


def _deliveries(history: Path) -> dict:
    with sqlite3.connect(history) as conn:
        return {r[0]: r[1:] for r in conn.execute("SELECT firm_name, state, answer, attempts, recipients FROM deliveries")}


def _firm_messages(server):
    return [m for rcpts, _, m in server.messages if CLERK not in rcpts]


def test_each_firm_gets_one_message_with_its_notice_and_workbook_and_the_clerk_a_digest(run, tmp_path):
    report, firms = run
    lonely = firms[-1]
    contacts = write_contacts(tmp_path / "contacts.csv", firms, skip=(lonely,))
    with SmtpServer() as server:
        settings = write_settings(tmp_path / "court.toml", server.port)
        done = _send(report, contacts, settings)
        assert done.returncode == 0, done.stderr
        firm_msgs = _firm_messages(server)
        assert len(firm_msgs) == len(firms) - 1
        for firm in firms[:-1]:
            got = server.to(address(firm))
            assert len(got) == 1, firm
            msg = got[0]
            assert msg["To"].addresses[0].addr_spec == address(firm)
            assert msg["From"].addresses[0].addr_spec == "nextgen@ncmb.example.gov"
            assert firm in msg["Subject"]
            assert msg.get_body(("plain",)).get_content().startswith(f"Dear Administrator of {firm},")
            assert "<html" in msg.get_body(("html",)).get_content()
            files = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
            assert len(files) == 2
            book = next(n for n in files if n.endswith(".xlsx"))
            assert files[book] == (report.parent / "report-firms" / book).read_bytes()
            assert next(b for n, b in files.items() if n.endswith(".pdf")).startswith(b"%PDF")
        digest = server.to(CLERK)
        assert len(digest) == 1
        text = digest[0].get_body(("plain",)).get_content()
        assert f"Sent now: {len(firms) - 1};" in text and f"- {lonely}" in text
        assert f"no contact for 1 firms with findings: {lonely}" in done.stdout
        # run again: nothing goes twice (only a new digest)
        again = _send(report, contacts, settings)
        assert again.returncode == 0, again.stderr
        assert len(_firm_messages(server)) == len(firms) - 1
        assert f"sent 0, sent before {len(firms) - 1}" in again.stdout
    rows = _deliveries(report.parent / "history.sqlite")
    assert {f for f, r in rows.items() if r[0] == "sent"} == set(firms[:-1])
    assert all(r[1].startswith("250 2.0.0 Ok: queued as") for r in rows.values())


def test_421_is_tried_again_450_stays_for_the_next_run_and_550_is_refused_and_reported(run, tmp_path):
    report, firms = run
    later_once, later_always, refused = firms[0], firms[1], firms[2]
    contacts = write_contacts(tmp_path / "contacts.csv", firms)
    with SmtpServer() as server:
        server.script.temp_data[address(later_once)] = ["421 4.3.2 Service not available, closing", 1]
        server.script.temp_data[address(later_always)] = ["450 4.2.1 Mailbox busy, try later", 99]
        server.script.refuse.add(address(refused))
        settings = write_settings(tmp_path / "court.toml", server.port)
        done = _send(report, contacts, settings, "--retries", "2")
        assert done.returncode == 0, done.stderr
        assert len(server.to(address(later_once))) == 1
        assert server.to(address(later_always)) == [] and server.to(address(refused)) == []
        assert f"refused: {refused}: {address(refused)}: 550 5.1.1" in done.stdout
        assert f"to try again: {later_always}: {address(later_always)}: 450 4.2.1" in done.stdout
        rows = _deliveries(report.parent / "history.sqlite")
        assert rows[later_once][:1] == ("sent",) and rows[later_once][2] == 2
        assert rows[later_always][0] == "failed-for-now" and rows[later_always][2] == 3
        assert rows[refused][0] == "refused" and "User unknown" in rows[refused][1]
        digest = server.to(CLERK)[-1].get_body(("plain",)).get_content()
        assert f"- {refused}: {address(refused)}: 550 5.1.1" in digest
        assert f"- {later_always}: {address(later_always)}: 450 4.2.1" in digest
        # the next run: the busy mailbox takes it now; the refused address is not tried again
        server.script.temp_data.clear()
        again = _send(report, contacts, settings)
        assert again.returncode == 0, again.stderr
        assert len(server.to(address(later_always))) == 1 and len(server.to(address(later_once))) == 1
        assert "sent 1," in again.stdout
        # a corrected address for the refused firm is sent
        fixed = write_contacts(tmp_path / "fixed.csv", firms, override={refused: "office@fixed.example.com"})
        third = _send(report, fixed, settings)
        assert third.returncode == 0, third.stderr
        assert len(server.to("office@fixed.example.com")) == 1
        assert len(_firm_messages(server)) == len(firms)


def test_the_next_report_counts_the_notices_the_mail_server_refused(run, tmp_path):
    import openpyxl

    from notify_world import audit as audit_into

    report, firms = run
    contacts = write_contacts(tmp_path / "contacts.csv", firms)
    with SmtpServer() as server:
        server.script.refuse.update({address(firms[0]), address(firms[1])})
        done = _send(report, contacts, write_settings(tmp_path / "court.toml", server.port))
        assert done.returncode == 0, done.stderr
    history = report.parent / "history.sqlite"
    nxt = audit_into(ROOT / "sample_data", tmp_path / "next", str(history), as_of="2026-12-31")
    wb = openpyxl.load_workbook(nxt, read_only=True)
    rows = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if len(r) > 1 and r[0]}
    wb.close()
    assert rows["Notices refused by the mail server (auditor notify)"] == 2


def test_a_connection_dropped_mid_message_is_made_again_and_the_message_goes_once(run, tmp_path):
    report, firms = run
    contacts = write_contacts(tmp_path / "contacts.csv", firms)
    with SmtpServer() as server:
        server.script.drop_data[address(firms[3])] = 1
        settings = write_settings(tmp_path / "court.toml", server.port)
        done = _send(report, contacts, settings)
        assert done.returncode == 0, done.stderr
        assert server.dropped == 1
        assert len(server.to(address(firms[3]))) == 1
        assert len(_firm_messages(server)) == len(firms)
    assert _deliveries(report.parent / "history.sqlite")[firms[3]][2] == 2


def test_a_run_stopped_part_way_and_run_again_sends_each_firm_once(run, tmp_path):
    report, firms = run
    contacts = write_contacts(tmp_path / "contacts.csv", firms)
    with SmtpServer() as server:
        settings = write_settings(tmp_path / "court.toml", server.port)
        exe = Path(sys.executable).with_name("auditor")
        proc = subprocess.Popen([str(exe), "notify", "--send", "--report", str(report), "--contacts", str(contacts),
                                 "--settings", str(settings), "--history", str(report.parent / "history.sqlite")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def stop_at_six(n):
            if n == 6:    # Ctrl-C at the sixth message, before the server has answered it
                proc.send_signal(signal.SIGINT)
                time.sleep(0.5)
                return "451 4.3.0 stopped"
            return None

        server.script.on_message = stop_at_six
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err
        assert "Traceback" not in err, err
        assert len(_firm_messages(server)) == 5
        server.script.on_message = None
        again = _send(report, contacts, settings)
        assert again.returncode == 0, again.stderr
        for firm in firms:
            assert len(server.to(address(firm))) == 1, firm
        assert f"sent {len(firms) - 5}, sent before 5" in again.stdout


def test_max_messages_sends_part_now_and_the_rest_next_time(run, tmp_path):
    report, firms = run
    contacts = write_contacts(tmp_path / "contacts.csv", firms)
    with SmtpServer() as server:
        settings = write_settings(tmp_path / "court.toml", server.port)
        first = _send(report, contacts, settings, "--max-messages", "4")
        assert first.returncode == 0, first.stderr
        assert "stopped at --max-messages" in first.stdout and len(_firm_messages(server)) == 4
        second = _send(report, contacts, settings)
        assert second.returncode == 0, second.stderr
        assert sorted(m["To"].addresses[0].addr_spec for m in _firm_messages(server)) == sorted(map(address, firms))


def test_password_from_the_environment_and_an_oauth2_token(run, tmp_path):
    report, firms = run
    contacts = write_contacts(tmp_path / "contacts.csv", firms[:2])
    with SmtpServer(auth=True) as server:
        server.script.user, server.script.password, server.script.token = "clerk", "s3cret pass", "tok-123"
        settings = write_settings(tmp_path / "court.toml", server.port, username="clerk",
                                  extra='password_env = "NOTIFY_TEST_PASSWORD"')
        missing = _send(report, contacts, settings)
        assert missing.returncode == 2 and "$NOTIFY_TEST_PASSWORD, which is not set" in missing.stderr
        os.environ["NOTIFY_TEST_PASSWORD"] = "wrong"
        try:
            wrong = _send(report, contacts, settings)
            assert wrong.returncode == 2 and "refused the login of 'clerk': 535" in wrong.stderr, wrong.stderr
            assert server.messages == []
            os.environ["NOTIFY_TEST_PASSWORD"] = "s3cret pass"
            done = _send(report, contacts, settings)
        finally:
            del os.environ["NOTIFY_TEST_PASSWORD"]
        assert done.returncode == 0, done.stderr
        assert len(_firm_messages(server)) == 2
        assert server.logins[-1] == ("LOGIN", "clerk") or server.logins[-1] == ("PLAIN", "clerk")
        # an OAuth2 token (XOAUTH2), for relays that no longer take passwords
        oauth = write_settings(tmp_path / "oauth.toml", server.port, username="clerk",
                               extra='oauth2_token_env = "NOTIFY_TEST_TOKEN"')
        os.environ["NOTIFY_TEST_TOKEN"] = "tok-123"
        try:
            more = write_contacts(tmp_path / "more.csv", firms[2:4])
            done = _send(report, more, oauth)
        finally:
            del os.environ["NOTIFY_TEST_TOKEN"]
        assert done.returncode == 0, done.stderr
        assert ("XOAUTH2", "clerk") in server.logins and len(_firm_messages(server)) == 4


def test_dry_run_lists_who_would_get_what_and_sends_nothing(run, tmp_path):
    report, firms = run
    contacts = write_contacts(tmp_path / "contacts.csv", firms, skip=(firms[0],))
    settings = write_settings(tmp_path / "court.toml", 1)
    done = notify("--dry-run", "--report", report, "--contacts", contacts, "--settings", settings)
    assert done.returncode == 0, done.stderr
    for firm in firms[1:]:
        assert f"{firm}: to {address(firm)} (from contacts.csv): notice and " in done.stdout
    assert f"no contact for 1 firms with findings: {firms[0]}" in done.stdout
    assert f"{len(firms) - 1} messages would be sent; the digest to {CLERK}" in done.stdout
    assert _deliveries(report.parent / "history.sqlite") == {}


def test_deliveries_recorded_on_sqlite_and_postgresql(history_url, tmp_path):
    report = audit(ROOT / "sample_data", tmp_path / "out", history_url)
    firms = acting_firms(report)
    contacts = write_contacts(tmp_path / "contacts.csv", firms)
    with SmtpServer() as server:
        server.script.refuse.add(address(firms[0]))
        settings = write_settings(tmp_path / "court.toml", server.port)
        done = _send(report, contacts, settings, history=history_url)
        assert done.returncode == 0, done.stderr
        again = _send(report, contacts, settings, history=history_url)
        assert again.returncode == 0, again.stderr
        assert f"sent 0, sent before {len(firms)}" in again.stdout
        assert len(_firm_messages(server)) == len(firms) - 1
    from auditor.history import open_store
    from auditor.notify import record

    store = open_store(history_url, create=False)
    try:
        rows = record.deliveries(store, record.find_run(store, __import__("datetime").date(2026, 11, 30)))
        refused = record.refused_latest(store, next(iter(rows.values()))["scope"])
    finally:
        store.close()
    assert sorted(r["state"] for r in rows.values()) == ["refused"] + ["sent"] * (len(firms) - 1)
    assert [r["firm_name"] for r in refused] == [firms[0]]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and its key (the test relay's TLS)."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return folder / "cert.pem", folder / "key.pem"


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_implicit_tls_with_the_courts_certificate_authority(run, tmp_path, certificate, security):
    import ssl

    report, firms = run
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tls = {"tls_context": context, "require_starttls": True} if security == "starttls" else {"ssl_context": context}
    contacts = write_contacts(tmp_path / "contacts.csv", firms[:2])
    with SmtpServer(**tls) as server:
        unknown = write_settings(tmp_path / "unknown.toml", server.port, security=security)
        refused = _send(report, contacts, unknown)
        assert refused.returncode == 2 and "TLS failed" in refused.stderr and "ca_file" in refused.stderr
        assert server.messages == []
        known = write_settings(tmp_path / "court.toml", server.port, security=security, extra=f'ca_file = "{cert}"')
        done = _send(report, contacts, known)
        assert done.returncode == 0, done.stderr
        assert len(_firm_messages(server)) == 2
