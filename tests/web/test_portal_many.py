"""Answers are never lost when 100 firms answer at once: a real ``auditor serve`` process, 100 firms'
sessions posting their answers at the same moment, every answer stored with its own firm; on SQLite and
on PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

from auditor.history import schema as S
from auditor.history.store import open_store
from auditor.portal.invites import find_invite
from auditor.portal.sessions import start_session
from tests.web.conftest import free_port
from tests.web.test_portal_answers import answer_form
from tests.web.test_portal_web import court_export, links, record

FIRMS = 100


def serve(history: str, port: int, tmp_path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("auditor")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--history", history, "--base-url",
                             f"http://127.0.0.1:{port}"], env={**os.environ, "TMPDIR": str(tmp_path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except httpx.HTTPError:
            assert proc.poll() is None and time.monotonic() < deadline, "auditor serve did not start"
            time.sleep(0.2)


def test_100_firms_answer_at_once(tmp_path, history_url):
    record(court_export(tmp_path, FIRMS), history_url, "2026-11-30")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    made = links(history_url, url)
    store = open_store(history_url, create=False)
    try:   # a session per firm, as pressing the link's button starts one (the button has its own tests)
        with store.engine.connect() as conn, conn.begin():
            cookies = {firm: start_session(conn, find_invite(conn, link.rsplit("/", 1)[1]))[0]
                       for firm, link in made.items()}
    finally:
        store.close()
    proc = serve(history_url, port, tmp_path)
    try:
        with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=FIRMS)) as client:
            def form(firm):
                page = client.get(url + "/firm", headers={"cookie": f"auditor_portal={cookies[firm]}"}).text
                csrf, ids = answer_form(page)
                return firm, csrf, ids, re.search(r'name="rule_id" value="([^"]+)"', page).group(1)

            with ThreadPoolExecutor(8) as pool:
                forms = list(pool.map(form, made))
            start = threading.Barrier(FIRMS)

            def post(f):
                firm, csrf, ids, rule = f
                start.wait()   # every firm posts at the same moment
                return client.post(url + "/firm/answer/confirm",
                                   headers={"origin": url, "cookie": f"auditor_portal={cookies[firm]}"},
                                   data={"csrf": csrf, "rule_id": rule, "finding_id": ids, "kind": "fixed",
                                         "note": f"{firm} linked both"}).status_code

            with ThreadPoolExecutor(FIRMS) as pool:
                answered = list(pool.map(post, forms))
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert answered == [303] * FIRMS, err[-2000:]
    assert "Traceback" not in err
    store = open_store(history_url, create=False)
    try:
        with store.engine.connect() as conn:
            a, f, i = S.answers, S.run_findings, S.invites
            assert conn.execute(select(func.count()).select_from(a)).scalar() == 2 * FIRMS
            assert conn.execute(select(func.count(func.distinct(a.c.batch_id)))).scalar() == FIRMS
            mismatched = conn.execute(select(func.count()).select_from(
                a.join(f, (f.c.finding_id == a.c.finding_id) & (f.c.run_id == a.c.run_id))
                .join(i, i.c.id == a.c.invite_id))
                .where((a.c.firm_key != f.c.firm_key) | (i.c.firm_key != a.c.firm_key))).scalar()
            assert mismatched == 0
            notes = {n for (n,) in conn.execute(select(a.c.note))}
            assert notes == {f"{firm} linked both" for firm in made}
    finally:
        store.close()
