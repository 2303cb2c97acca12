"""``auditor serve`` through the real command line: loopback by default, its folder gone at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.web.conftest import free_port, post, roster_file


def test_serve_listens_on_loopback_and_cleans_up(tmp_path):
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    exe = Path(sys.executable).with_name("auditor")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--keep-minutes", "5",
                             "--queue-seconds", "10"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(url + "/", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "auditor serve did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and "or after 5 minutes at most" in page.text
        r = post(url, [roster_file(tmp_path, "Acme")], mapping="auto")
        assert r.status_code == 200 and "5 rows read" in r.text
        assert list(tmp_path.glob("auditor-web-*"))      # the upload lives in the server's private folder
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert f"serving the upload page on http://127.0.0.1:{port}/" in err
    assert "Traceback" not in err and "Person0" not in err + out
    assert not list(tmp_path.glob("auditor-web-*"))      # deleted when the server stops
