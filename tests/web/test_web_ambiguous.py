"""The mapping step shows a column that could be two fields, and the user's choice settles it."""

from __future__ import annotations

import re

import httpx

from tests.conftest import write_csv
from tests.web.conftest import post


def test_a_column_that_could_be_two_fields_is_chosen_on_the_page(serve, tmp_path):
    server = serve()   # one audit: one worker (shared_server starts two for this one test)
    path = write_csv(tmp_path / "pacer.csv", ["Account", "Holder", "Account Type"],
                     [["", "John Doe", "Individual"], ["", "Ann Smith", "Individual"]])
    page = post(server, [path], kind="pacer_accounts")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "The column &ldquo;Account&rdquo; could hold PACER username or PACER account number" in text \
        or "The column “Account” could hold PACER username or PACER account number" in text
    action = re.search(r'action="(/audit/[\w-]+/confirm)"', page.text).group(1)
    done = httpx.post(server.url + action, data={"map-0-pacer_username": "Account"}, timeout=120)
    assert done.status_code == 200, done.text[:500]
    assert "2 rows read" in " ".join(done.text.split())
