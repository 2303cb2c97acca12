"""Drafts and notices read back as a firm would see them: ``.eml`` files parsed with the standard
``email`` parser, notices read with ``pdftotext`` (words, sizes and where they sit on the page), and a
run of 95 firms searched for anything of another firm in any draft or notice."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import run_cli
from notify_world import acting_firms, address, audit, notify, pdf_text, write_contacts, write_settings

LETTER = (612, 792)
MIN_WORD_HEIGHT = 9.2   # pdftotext's box of a word in Helvetica is 0.925 of the font size: 10 pt is 9.25


@pytest.fixture(scope="module")
def big_world(tmp_path_factory) -> Path:
    """A 2,000-row synthetic month: about 300 firms, 95 of them with something to do."""
    out = tmp_path_factory.mktemp("notify-big")
    done = run_cli("sample", "--rows", 2000, "--out", out / "in")
    assert done.returncode == 0, done.stderr
    return audit(out / "in", out / "run", str(out / "run" / "history.sqlite"))


def _parse(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _words(pdf: bytes, tmp: Path) -> list[tuple[float, float, float, float, str]]:
    xml = pdf_text(pdf, tmp, "-bbox")
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml)]


@pytest.fixture(scope="module")
def drafted(big_world, tmp_path_factory) -> Path:
    """The month's drafts and printed notices, made once by one ``auditor notify --drafts --notices``
    (about 95 firms' messages and notices): the tests below read them."""
    out = tmp_path_factory.mktemp("notify-drafted")
    contacts = write_contacts(out / "contacts.csv", acting_firms(big_world))
    settings = write_settings(out / "court.toml")
    done = notify("--drafts", out / "drafts", "--notices", out / "notices", "--report", big_world,
                  "--contacts", contacts, "--settings", settings)
    assert done.returncode == 0, done.stderr
    return out


def test_drafts_are_unsent_messages_with_the_firms_notice_and_workbook(big_world, drafted, tmp_path):
    firms = acting_firms(big_world)
    drafts = sorted((drafted / "drafts").glob("*.eml"))
    assert len(drafts) == len(firms) >= 50
    court = " ".join(pdf_text((drafted / "drafts" / "The court's own items.pdf").read_bytes(), tmp_path).split())
    assert "For: Office of the Clerk (not to be sent to firms)" in court and "The court's own items" in court
    by_firm = {}
    for path in drafts:
        msg = _parse(path)
        assert msg["X-Unsent"] == "1"
        to = msg["To"].addresses[0].addr_spec
        firm = next(f for f in firms if address(f) == to)
        by_firm[firm] = msg
        assert msg.get_content_type() == "multipart/mixed"
        assert msg.get_body(("plain",)).get_content().startswith(f"Dear Administrator of {firm},")
        assert msg.get_body(("html",)) is not None
        files = {p.get_filename(): p for p in msg.iter_attachments()}
        assert sorted(Path(n).suffix for n in files) == [".pdf", ".xlsx"]
        book = next(n for n in files if n.endswith(".xlsx"))
        assert files[book].get_content() == (big_world.parent / "report-firms" / book).read_bytes()
    assert set(by_firm) == set(firms)


def test_a_notice_reads_as_a_letter_at_10_pt_or_more_on_letter_paper(big_world, tmp_path):
    from auditor.notify import notice, settings as st, source

    run = source.read_run(big_world)
    part = max((source.load_part(p) for p in run.firms if p.listed > 0), key=lambda p: len(p.acting))
    s = st.load(write_settings(tmp_path / "court.toml"))
    pdf = notice.notice_pdf(part, run, s, today=dt.date(2026, 12, 1))
    text = " ".join(pdf_text(pdf, tmp_path).split())
    for want in ("United States Bankruptcy Court for the Middle District of North Carolina", "(336) 358-4000",
                 f"To: {part.name}", "Audit date: November 30, 2026", "Date of this notice: December 1, 2026",
                 "What to do", "Act by:", "How to answer", "nextgen@ncmb.example.gov"):
        assert want in text, want
    for f in part.acting:
        assert " ".join(f.person.split()) in text and " ".join(f.problem.split()) in text
    assert "None" not in text and "{{" not in text and "answer online" not in text   # no link yet
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert re.search(r"Page size:\s+612 x 792 pts", info)
    words = _words(pdf, tmp_path)
    assert words and min(w[3] - w[1] for w in words) >= MIN_WORD_HEIGHT
    assert all(0 <= w[0] and w[2] <= LETTER[0] and 0 <= w[1] and w[3] <= LETTER[1] for w in words)
    # nothing drawn over anything else: on each line, words do not overlap
    pages = pdf_text(pdf, tmp_path, "-bbox").split("<page ")[1:]
    for page in pages:
        ws = [
            (float(a), float(b), float(c), float(d)) for a, b, c, d in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">', page)]
        for i, a in enumerate(ws):
            for b in ws[i + 1:i + 40]:
                if abs(a[1] - b[1]) < 1 and abs(a[3] - b[3]) < 1:
                    assert a[2] <= b[0] + 0.5 or b[2] <= a[0] + 0.5, (a, b)


def _tokens_by_firm(report: Path) -> dict[str, set[str]]:
    """Every firm's names, logins, usernames, e-mails and bar ids, from the court's whole report."""
    import openpyxl

    wb = openpyxl.load_workbook(report, read_only=True)
    rows = list(wb["Findings"].iter_rows(values_only=True))
    wb.close()
    head = {h: i for i, h in enumerate(rows[0])}
    out = defaultdict(set)
    for r in rows[1:]:
        firm = r[head["Firm"]]
        if not firm:
            continue
        out[firm].add(str(firm))
        for col in ("Person", "CM/ECF login", "PACER username", "E-mail", "Bar ID"):
            v = r[head[col]]
            if v:
                out[firm].add(str(v))
                if col == "Person" and "," in str(v):
                    last, first = (p.strip() for p in str(v).split(",", 1))
                    out[firm].add(f"{first} {last}")
    return out


def test_nothing_of_another_firm_in_any_draft_or_notice(big_world, drafted, tmp_path):
    firms = acting_firms(big_world)
    tokens = _tokens_by_firm(big_world)
    from auditor.notify.source import read_findings

    checked = compared = 0
    for path in sorted((drafted / "drafts").glob("*.eml")):
        msg = _parse(path)
        firm = next(f for f in firms if address(f) == msg["To"].addresses[0].addr_spec)
        own_rows = read_findings(big_world.parent / "report-firms" / next(
            p.get_filename() for p in msg.iter_attachments() if p.get_filename().endswith(".xlsx")))
        own = set(tokens.get(firm, set())) | {v for f in own_rows for v in (f.person, f.cmecf_login, f.pacer_username)}
        own_text = " ".join(own).lower()
        notice = next(p.get_content() for p in msg.iter_attachments() if p.get_filename().endswith(".pdf"))
        printed = (drafted / "notices" / f"{path.stem}.pdf").read_bytes()
        notices = [notice] if printed == notice else [notice, printed]   # the same file: its text read once
        text = "\n".join([str(msg["Subject"]), str(msg["To"]), msg.get_body(("plain",)).get_content(),
                          msg.get_body(("html",)).get_content(), *(pdf_text(n, tmp_path) for n in notices)])
        flat = " ".join(text.split()).lower()
        for other, theirs in tokens.items():
            if other == firm:
                continue
            for t in theirs:
                t = " ".join(t.split()).lower()
                if len(t) >= 5 and t not in own_text:
                    assert t not in flat, f"{firm}'s draft holds {t!r} of {other}"
                    compared += 1
        checked += 1
    assert checked == len(firms) >= 50
    assert compared > 50 * 1000   # every other firm's names and accounts, searched in every draft


def _content(path: Path, tmp: Path) -> list:
    """A draft's headers and each part's decoded content, a PDF's as its text (a PDF carries its creation
    time; the MIME boundaries are random)."""
    msg = _parse(path)
    out: list = [[(k, str(v)) for k, v in msg.items() if k.lower() != "content-type"]]
    for part in msg.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if part.get_content_type() == "application/pdf":
            data = pdf_text(data, tmp)
        out.append((part.get_content_type(), part.get_filename(), data))
    return out


@pytest.mark.skipif(__import__("auditor.notify.pool", fromlist=["cores"]).cores() < 2, reason="one core")
def test_drafts_made_by_two_workers_are_the_ones_made_in_one_process(big_world, tmp_path):
    from auditor.notify import deliver, source
    from auditor.notify import settings as st
    from auditor.notify.contacts import read_contacts

    write_contacts(tmp_path / "contacts.csv", acting_firms(big_world)[:5])
    settings = st.load(write_settings(tmp_path / "court.toml"))
    today = dt.date(2026, 12, 1)
    made = {}
    for workers in (1, 2):
        run = source.read_run(big_world)
        items = deliver.plan(run, read_contacts(tmp_path / "contacts.csv")).items
        made[workers] = [p for _, p in deliver.write_drafts(items, run, settings, tmp_path / str(workers),
                                                            workers=workers, today=today)]
    assert len(made[1]) == len(made[2]) == 5
    assert [p.name for p in made[1]] == [p.name for p in made[2]]
    for one, two in zip(made[1], made[2]):
        assert _content(one, tmp_path) == _content(two, tmp_path), one.name
