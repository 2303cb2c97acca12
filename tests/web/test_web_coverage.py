"""The upload page's result says what it could not check: a roster alone cannot show who is linked or
upgraded, so those checks read "not checked" (never 0) and the readiness figure "unknown"."""

from __future__ import annotations

import re

from tests.web.conftest import post, roster_file


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_roster_upload_says_which_checks_did_not_run(shared_server, tmp_path):
    page = post(shared_server, [roster_file(tmp_path, "Acme", 5)], mapping="auto", as_of="2026-11-30")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "Not everything was checked :" in text or "Not everything was checked:" in text
    assert re.search(r"\d+ of \d+ checks not run \(.*no PACER account list: \d+", text), text
    assert "no court export" in text
    assert ("Readiness unknown : needs the court's CM/ECF filer export (--court-accounts) to know who is linked"
            in text.replace("&#39;", "'"))
    assert "% ready" not in text
    rows = re.findall(r"<tr><td[^>]*>([^<]*) <span class=\"muted\">\((.*?)\)</span></td>.*?</tr>", page.text, re.S)
    assert "unlinked-filing-account" in {rid for _, rid in rows}
    unlinked = re.search(r"\(unlinked-filing-account\)</span></td>(.*?)</tr>", page.text, re.S).group(1)
    assert "not checked" in unlinked and "--court-accounts" in unlinked
    shared = re.search(r"\(shared-filing-account\)</span></td>(.*?)</tr>", page.text, re.S).group(1)
    assert re.search(r'class="num"[^>]*>[12]</td>', shared), shared   # it ran: a real count
