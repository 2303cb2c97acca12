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
