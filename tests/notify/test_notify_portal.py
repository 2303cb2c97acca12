"""Notify and the firm portal: each firm's link in its message and notice (``--base-url``), and reminders.

A link is read back from the drafts (plain text, HTML and the notice with pdftotext) and from what the
local SMTP server took, and checked against the history: it opens the firm's own run, a new one ends the
firm's earlier link, a firm sent before gets none."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import sqlite3
from pathlib import Path

import pytest

from auditor.history.invites import token_hash
from notify_world import ROOT, acting_firms, address, audit, copy_run, notify, pdf_text, write_contacts, write_settings
from smtp_server import SmtpServer

BASE = "https://audit.example-court.gov"
LINK = re.compile(re.escape(BASE) + r"/invite/[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("notify-portal")
    return audit(ROOT / "sample_data", out, str(out / "history.sqlite"))


@pytest.fixture
def run(world, tmp_path):
    report = copy_run(world, tmp_path / "run")
    firms = acting_firms(report)
    return report, firms, write_contacts(tmp_path / "contacts.csv", firms)


def _opens(history: Path, link: str) -> str | None:
    """The firm key the link opens now (its run's findings are that firm's), or None."""
    with sqlite3.connect(history) as conn:
        row = conn.execute("SELECT firm_key, run_id, expires_at FROM invites WHERE token_hash = ?",
                           (token_hash(link.rsplit("/", 1)[1]),)).fetchone()
        if row is None or row[2] <= dt.datetime.now().isoformat(sep=" "):
            return None
        assert conn.execute("SELECT count(*) FROM run_findings WHERE run_id = ? AND firm_key = ?",
                            row[:2][::-1]).fetchone()[0] > 0
        return row[0]


def _link_of(msg, tmp_path) -> str:
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    links = set(LINK.findall(plain))
    assert len(links) == 1, plain
    link = links.pop()
    assert f'<a href="{link}">{link}</a>' in html
    pdf = next(p.get_content() for p in msg.iter_attachments() if p.get_filename().endswith(".pdf"))
    assert link in pdf_text(pdf, tmp_path, "-raw").replace("\n", "")
    return link


def test_each_firms_message_and_notice_carry_its_own_link_and_a_new_one_ends_the_old(run, tmp_path):
    report, firms, contacts = run
    history = report.parent / "history.sqlite"
    with SmtpServer() as server:
        settings = write_settings(tmp_path / "court.toml", server.port)
        common = ("--report", report, "--contacts", contacts, "--settings", settings, "--history", history,
                  "--base-url", BASE + "/")
        done = notify("--drafts", tmp_path / "drafts", *common)
        assert done.returncode == 0, done.stderr
        assert f"{len(firms)} new links to the firms' pages (each for its firm only; they end on " in done.stdout
        drafts = {}
        for path in sorted((tmp_path / "drafts").glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            drafts[msg["To"].addresses[0].addr_spec] = _link_of(msg, tmp_path)
        assert len(set(drafts.values())) == len(firms)
        keys = {a: _opens(history, link) for a, link in drafts.items()}
        assert len(set(keys.values())) == len(firms) and None not in keys.values()
        # the dry run makes nothing and says the working links would end
        with sqlite3.connect(history) as conn:
            made = conn.execute("SELECT count(*) FROM invites").fetchone()[0]
        dry = notify("--dry-run", *common)
        assert f"{len(firms)} of these firms have a link that opens now, which would end" in dry.stdout
        with sqlite3.connect(history) as conn:
            assert conn.execute("SELECT count(*) FROM invites").fetchone()[0] == made
        # sending makes new links; the drafts' links stop opening
        sent = notify("--send", *common)
        assert sent.returncode == 0, sent.stderr
        assert f"the earlier links of {len(firms)} firms were ended: only the newest opens" in sent.stdout
        for firm in firms:
            (msg,) = server.to(address(firm))
            link = _link_of(msg, tmp_path)
            assert link != drafts[address(firm)] and _opens(history, drafts[address(firm)]) is None
            assert _opens(history, link) == keys[address(firm)]
            assert "This link is for " + firm + " only; it opens until " in " ".join(
                msg.get_body(("plain",)).get_content().split())
        # run again: nothing sent twice, no new link, the sent links still open
        again = notify("--send", *common)
        assert again.returncode == 0
        assert len([m for rcpts, _, m in server.messages if "clerk@ncmb.example.gov" not in rcpts]) == len(firms)
        assert "no new links" in again.stdout
        assert all(_opens(history, _link_of(server.to(address(f))[0], tmp_path)) for f in firms)


def _answer(history: Path, firm: str, how_many: int | None = None) -> int:
    """Record the firm's answers ("fixed") to its findings of the run that ask for action, as its portal page
    would (not to its items for information); how many."""
    import pandas as pd
    from sqlalchemy import select

    from auditor.history import schema as S
    from auditor.history.answers import Answer, record_answers
    from auditor.history.invites import issue
    from auditor.history.store import open_store
    from auditor.normalize import firm_key

    key = firm_key(pd.Series([firm], dtype=object))[0]
    store = open_store(history, create=False)
    try:
        with store.engine.begin() as conn:
            run_id, scope, as_of = conn.execute(select(S.runs.c.id, S.runs.c.scope, S.runs.c.as_of)).first()
            issue(conn, scope=scope, run_id=run_id, as_of=as_of, firms={key: firm}, base_url=BASE)
            invite = conn.execute(select(S.invites.c.id).where(S.invites.c.firm_key == key)
                                  .order_by(S.invites.c.id.desc())).scalar()
            f = S.run_findings.c      # the findings that ask for action: information items need no answer
            ids = sorted(conn.execute(select(f.finding_id).where(
                f.run_id == run_id, f.firm_key == key, f.severity != "info")).scalars())[:how_many]
            record_answers(conn, scope=scope, run_id=run_id, invite_id=invite, firm_key=key,
                           answers=[Answer(i, "fixed") for i in ids])
    finally:
        store.close()
    return len(ids)


def test_reminders_go_only_to_firms_with_unanswered_findings_at_most_three_a_month(run, tmp_path):
    report, firms, contacts = run
    history = report.parent / "history.sqlite"
    done_firm, part_firm, quiet_firm = (next(f for f in firms if f.startswith(p))
                                        for p in ("Whitfield", "Kensington", "Ashby"))
    chosen = [a for f in (done_firm, part_firm, quiet_firm) for a in ("--firm", f)]
    with SmtpServer() as server:
        settings = write_settings(tmp_path / "court.toml", server.port)
        common = ("--report", report, "--contacts", contacts, "--settings", settings, "--history", history, *chosen)
        # no reminder before the notice went
        early = notify("--send", "--reminders", *common)
        assert early.returncode == 0, early.stderr
        assert f"{quiet_firm}: no reminder: its notice for this run was not sent (send it first)" in early.stdout
        assert server.messages == []
        assert notify("--send", *common).returncode == 0
        assert _answer(history, done_firm) > 0 and _answer(history, part_firm, 1) == 1
        notices = len(server.messages)
        # three reminders a month: the first written as a draft (the clerk sends it), two sent
        first = notify("--drafts", tmp_path / "reminders", "--reminders", "--base-url", BASE, *common)
        assert first.returncode == 0, first.stderr
        # Whitfield has 3 items for information besides the 10 answered: they need no answer
        assert f"{done_firm}: no reminder: every finding is answered" in first.stdout
        drafts = sorted(p.name for p in (tmp_path / "reminders").glob("*.eml"))
        assert len(drafts) == 2 and all(n.endswith(" - reminder 1.eml") for n in drafts)
        draft = email.message_from_bytes(next((tmp_path / "reminders").glob("Kensington*")).read_bytes(),
                                         policy=email.policy.default)
        text = " ".join(draft.get_body(("plain",)).get_content().split())
        assert draft["X-Unsent"] == "1" and list(draft.iter_attachments()) == []
        assert "This is a reminder (1 of at most 3 this month)" in text and LINK.search(text)
        assert " of the " in text and "findings about Kensington & Lockhart, P.A.'s accounts have no answer yet" in text
        for number in (2, 3):
            sent = notify("--send", "--reminders", *common)
            assert sent.returncode == 0, sent.stderr
            assert "reminders sent 2, to try again 0, refused 0" in sent.stdout
            got = [m for _, _, m in server.messages[notices:]]
            assert len(got) == 2 * (number - 1)
            assert all(m["Subject"].startswith("Reminder: ") for m in got)
            assert server.to(address(done_firm))[1:] == []          # the notice only
        # a fourth in the month: refused, in plain words, and nothing goes
        fourth = notify("--send", "--reminders", *common)
        assert fourth.returncode == 0, fourth.stderr
        for firm in (part_firm, quiet_firm):
            assert (f"{firm}: no reminder: it had 3 reminders in November 2026 already (at most 3 a month)"
                    in fourth.stdout)
        assert "no reminders to send" in fourth.stdout and len(server.messages) == notices + 4
        with sqlite3.connect(history) as conn:
            kinds = sorted(conn.execute("SELECT kind, state FROM deliveries WHERE firm_name = ?", (part_firm,)))
        assert kinds == [("notice", "sent"), ("reminder-1", "drafted"), ("reminder-2", "sent"), ("reminder-3", "sent")]
