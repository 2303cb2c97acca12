"""The parts of a notice and a message on their own: text from inputs stays text, names in any script,
the 8 MB limit, the settings file and the contacts list."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import subprocess
from pathlib import Path

import pytest

from auditor.errors import InputError, UsageError
from auditor.notify import message, notice, settings as st
from auditor.notify.contacts import read_contacts
from auditor.notify.source import Finding, Part, Run

AS_OF = dt.date(2026, 11, 30)


def _finding(person, **kw) -> Finding:
    base = dict(finding_id="F-1", severity="high", person=person, firm="Hostile & Co", problem="Legacy (not upgraded) PACER account",
                evidence=f"PACER username abc123 of {person} is a legacy account.", what_to_do="1. Upgrade it.\n2. Link it.",
                who_acts="filer", due_date=dt.date(2026, 12, 14), status="Open", cmecf_login="abc", pacer_username="abc123",
                court="ncmb", rule="legacy-username")
    base.update(kw)
    return Finding(**base)


def _run(tmp_path) -> Run:
    return Run(tmp_path / "r.xlsx", AS_OF, "ncmb", [], Part("", "", None), [])


def _text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "n.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", str(tmp_path / "n.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_text_from_inputs_is_shown_as_text_in_the_notice_and_the_message(tmp_path):
    evil = '<b>Eve</b> & "=HYPERLINK(""http://x"")" <img src="/etc/passwd">'
    part = Part("hostile co", "Hostile <i>&</i> Co", None, [_finding(evil)])
    s = st.Settings(court_name="Court", reply_to="clerk@court.example.gov", from_address="clerk@court.example.gov")
    pdf = notice.notice_pdf(part, _run(tmp_path), s)
    text = " ".join(_text(pdf, tmp_path).split())
    assert '<b>Eve</b> & "=HYPERLINK(""http://x"")" <img src="/etc/passwd">' in text
    assert "To: Hostile <i>&</i> Co" in text
    data, attached = message.build(part, _run(tmp_path), s, [("Ann\r\nBcc: x@evil.example", "ann@hostile.example")],
                                   run_id=1)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert msg["Bcc"] is None and [a.addr_spec for a in msg["To"].addresses] == ["ann@hostile.example"]
    html = msg.get_body(("html",)).get_content()
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp;" in html and "<img" not in html and "<b>Eve" not in html


def test_names_in_other_scripts_are_drawn_with_a_unicode_font(tmp_path):
    name = "Ελένη Παπαδοπούλου and Юлия Смирнова"
    part = Part("k", "Firm Ω", None, [_finding(name)])
    pdf = notice.notice_pdf(part, _run(tmp_path), st.Settings())
    if notice.font_files() is None:
        pytest.skip("no DejaVu Sans or Arial on this system: names are written without their accents")
    assert name in " ".join(_text(pdf, tmp_path).split())


def test_a_message_over_8_mb_goes_without_attachments_and_says_how_to_get_them(tmp_path):
    book = tmp_path / "Big Firm.xlsx"
    book.write_bytes(__import__("os").urandom(7 * 1024 * 1024))   # 9.5 MB once in base64
    part = Part("big firm", "Big Firm", book, [_finding("Ann Lee")])
    s = st.Settings(court_name="Court", phone="(336) 358-4000", from_address="clerk@court.example.gov")
    data, attached = message.build(part, _run(tmp_path), s, [("Ann", "ann@big.example")], run_id=1)
    assert not attached and len(data) < message.MAX_BYTES
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert list(msg.iter_attachments()) == []
    body = " ".join(msg.get_body(("plain",)).get_content().split())
    assert "were too large to send by e-mail (9.6 MB, over the 8 MB limit)" in body, body
    assert "or call (336) 358-4000" in body
    small = tmp_path / "Small.xlsx"
    small.write_bytes(b"PK" + b"x" * 1000)
    data, attached = message.build(Part("s", "Small", small, [_finding("Ann Lee")]), _run(tmp_path), s,
                                   [("Ann", "ann@small.example")], run_id=1)
    assert attached and len(list(email.message_from_bytes(data, policy=email.policy.default).iter_attachments())) == 2


def test_settings_file_written_read_and_refused_with_one_line(tmp_path):
    path = st.write_example(tmp_path / "auditor-court.toml")
    s = st.load(path)
    assert s.court_name.startswith("United States Bankruptcy Court") and s.smtp.port_or_default == 587
    with pytest.raises(UsageError, match="already exists"):
        st.write_example(path)
    bad = tmp_path / "bad.toml"
    for text, why in (('[court]\nname = 3\n', "name must be text"), ('[smtp]\nsecurity = "ssl"\n', "security must be one of"),
                      ('[court]\nreply_to = "nobody"\n', "is not an e-mail address"), ('[mail]\n', "unknown section"),
                      ('[court\n', "not a valid settings file")):
        bad.write_text(text)
        with pytest.raises(UsageError, match=why):
            st.load(bad)
    with pytest.raises(UsageError, match="no such settings file"):
        st.load(tmp_path / "missing.toml")


def test_contacts_in_plain_words_with_unusable_rows_listed(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("Law Firm;Contact Name;E-mail Address\n"
                    "\"Smith & Jones, LLP\";Ann;ann@sj.example\n"
                    "smith and jones llp;Bob;BOB@sj.example\n"
                    "Smith and Jones LLP;Ann again;ann@sj.example\n"
                    ";Nobody;x@y.example\n"
                    "Other LLP;Carl;not an address\n", encoding="cp1252")
    got = read_contacts(path)
    assert got.by_firm == {"smith and jones llp": [("Ann", "ann@sj.example"), ("Bob", "BOB@sj.example")]}
    assert got.problems == ["contacts.csv, row 5: no firm name; the row is not used",
                            "contacts.csv, row 6: 'not an address' is not an e-mail address; the row is not used"]
    (tmp_path / "nofirm.csv").write_text("name,email\nAnn,a@b.example\n")
    with pytest.raises(InputError, match="nofirm.csv, row 1: has no firm_name column"):
        read_contacts(tmp_path / "nofirm.csv")


def test_the_courts_own_templates_replace_the_shipped_ones_file_by_file(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "message.txt").write_text("Hello {{ firm_name }}: {{ finding_count }} to fix.{% if link %} {{ link }}{% endif %}\n")
    (folder / "notice.html").write_text("<h1>{{ court.court_name }}</h1><p>Our own letter to {{ firm_name }}</p>")
    part = Part("k", "Own & Co", None, [_finding("Ann Lee")])
    s = st.Settings(court_name="Court of Tests", from_address="clerk@court.example.gov")
    data, _ = message.build(part, _run(tmp_path), s, [("Ann", "ann@own.example")], run_id=1, templates=str(folder))
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert msg.get_body(("plain",)).get_content().strip() == "Hello Own & Co: 1 to fix."
    assert "checked its CM/ECF filer accounts" in msg.get_body(("html",)).get_content()   # the shipped one
    pdf = next(p.get_content() for p in msg.iter_attachments() if p.get_filename().endswith(".pdf"))
    assert " ".join(_text(pdf, tmp_path).split()).startswith("Court of Tests Our own letter to Own & Co")
    (folder / "message.txt").write_text("{{ no_such_thing }}")
    with pytest.raises(UsageError, match="template message.txt in .* cannot be used"):
        message.build(part, _run(tmp_path), s, [("Ann", "ann@own.example")], run_id=1, templates=str(folder))


def _words(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Every word of the PDF with its box, as pdftotext -bbox reads it (page by page)."""
    import re

    (tmp_path / "w.pdf").write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "w.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r'<word (xMin="[^"]+" yMin="[^"]+" xMax="[^"]+" yMax="[^"]+")>([^<]*)</word>', out)


@pytest.mark.parametrize("fonts", [("Helvetica", "Helvetica-Bold"), None], ids=["helvetica", "truetype"])
def test_plain_text_is_laid_out_exactly_where_reportlabs_paragraphs_put_it(fonts, tmp_path):
    """Plain paragraphs and table cells skip ReportLab's Paragraph (most of the layout time): the words must
    land on the same lines at the same places, across a page break, as the Paragraphs put them."""
    from auditor.notify.pdf import html_to_pdf, truetype

    if fonts is None:
        files = notice.font_files()
        if files is None:
            pytest.skip("no TrueType font on this system")
        fonts = truetype(*files)
    long = ("Ask the court's CM/ECF help desk to link the PACER account of this filer before the date; "
            "a line that nearly fills the column squeezes its spaces a little. ") * 3
    cells = "".join(f"<tr><td>Person {i} Lastname-Hyphenated</td><td>CM/ECF login abc{i} at ncmb; PACER username "
                    f"abcdefg{i}</td><td>{long[: 40 + 7 * i]}</td></tr>" for i in range(30))
    html = (f"<h1>The court</h1><h3>1. A problem</h3><p><b>What to do</b></p><p><b>{long}</b></p>"
            f"<p>{long}</p><p>Averyveryveryverylongwordthatcannotfitonone"
            f"lineatallbecauseitisfartoolongforthecolumnwidthofthepage{'x' * 40}</p><table><tr><th width=\"26%\">"
            f"Person</th><th width=\"26%\">Accounts</th><th width=\"48%\">What was found</th></tr>{cells}</table>"
            f"<p>{long * 4}</p>")
    # "<b></b>" changes nothing drawn but makes every paragraph and cell a ReportLab Paragraph
    as_paragraphs = html.replace("<p>", "<p><b></b>").replace("<td>", "<td><b></b>").replace("<h3>", "<h3><b></b>")
    kw = dict(title="t", author="a", footer="f", fonts=fonts)
    ours, theirs = _words(html_to_pdf(html, **kw), tmp_path), _words(html_to_pdf(as_paragraphs, **kw), tmp_path)
    assert len(ours) > 400 and ours == theirs
