"""The upload server against a client that means harm, on loopback: bodies too large for the confirm
step, uploads left waiting, slow clients, downloads probed or broken off, other sites' pages, a
killed server's folder, and workers held to their memory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl

from auditor.web.config import size_words
from tests.conftest import ROOT, write_csv
from tests.web.conftest import ROSTER_HEADER, download_path, post, roster_file, roster_rows, stored_files, wait_until


def confirm_action(server, tmp_path, firm="Acme") -> str:
    header = [("Nmae" if h == "Name" else h) for h in ROSTER_HEADER]
    path = write_csv(tmp_path / f"roster_{firm}.csv", header, roster_rows(firm, 3))
    r = post(server, [path], mapping="auto")
    assert r.status_code == 422
    return re.search(r'action="(/audit/[\w-]+/confirm)"', r.text).group(1)


def raw(server, data: bytes) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(data)
    return s


def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"", every: float = 0.3) -> tuple[bool, bytes]:
    """Keep sending ``trickle`` every ``every`` seconds; (whether the server closed the connection within
    ``seconds``, what it answered)."""
    got = b""
    sock.settimeout(every)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
            if not chunk:
                return True, got
            got += chunk
        except TimeoutError:
            pass
        except OSError:
            return True, got
        try:
            if trickle:
                sock.sendall(trickle)
        except OSError:
            return True, got
    return False, got


def test_confirm_body_over_its_limit_is_refused_and_the_upload_deleted(serve, tmp_path):
    server = serve(max_confirm_bytes=10_000)
    action = confirm_action(server, tmp_path)
    r = httpx.post(server.url + action, data={"map-0-person_name": "Nmae", "pad": "x" * 50_000})
    assert r.status_code == 413 and "the form is larger than the limit of 10 KB" in r.text
    assert wait_until(lambda: not stored_files(server)) and server.jobs.count() == 0
    assert httpx.post(server.url + action, data={"map-0-person_name": "Nmae"}).status_code == 404
    action = confirm_action(server, tmp_path, "Beta")          # a form within the limit is read as before
    ok = httpx.post(server.url + action, data={"map-0-person_name": "Nmae"}, timeout=60)
    assert ok.status_code == 200 and "3 rows read" in ok.text


def test_a_confirm_that_goes_wrong_deletes_the_upload(serve, tmp_path):
    server = serve()
    action = confirm_action(server, tmp_path)                  # a broken multipart body
    r = httpx.post(server.url + action, content=b"--x\r\nno colon here\r\n\r\nabc\r\n--x--\r\n", headers={
        "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400 and "Traceback" not in r.text
    assert wait_until(lambda: not stored_files(server)) and server.jobs.count() == 0

    action = confirm_action(server, tmp_path, "Beta")          # the client leaves mid-form
    s = raw(server, (f"POST {action} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nmap-0").encode())
    time.sleep(0.3)
    s.close()
    assert wait_until(lambda: not stored_files(server)) and server.jobs.count() == 0

    done = post(server, [roster_file(tmp_path, "Gamma")], mapping="auto")     # a download link posted to confirm
    link = download_path(done.text)
    token = link.rsplit("/", 1)[1]
    assert httpx.post(f"{server.url}/audit/{token}/confirm", data={}).status_code == 404
    assert httpx.get(server.url + link).status_code == 200     # still works, once
    assert wait_until(lambda: not stored_files(server)) and server.jobs.count() == 0


def test_a_killed_servers_folder_is_deleted_by_the_next_start(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    code = ("from auditor.web.jobs import Jobs; import sys, time; j = Jobs(60); t, job = j.new(); "
            "(job.folder / 'upload.csv').write_text('secret'); print(j.root, flush=True); time.sleep(120)")
    killed = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    running = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        left, alive = Path(killed.stdout.readline().strip()), Path(running.stdout.readline().strip())
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        assert (left / "1" if False else left).exists() and any(left.rglob("upload.csv"))
        fresh = subprocess.run([sys.executable, "-c", "from auditor.web.jobs import Jobs; Jobs(60).close()"],
                               env=env, cwd=ROOT, timeout=60)
        assert fresh.returncode == 0
        assert not left.exists()                     # the killed server's uploads are gone
        assert any(alive.rglob("upload.csv"))        # a running server's are not
    finally:
        running.kill()
        running.wait(10)


def test_uploads_waiting_at_the_confirm_step_are_capped(serve, tmp_path):
    server = serve(max_held=2)
    first, second = (post(server, [roster_file(tmp_path, f, 3)]) for f in ("Acme", "Beta"))
    assert first.status_code == second.status_code == 200 and server.jobs.count() == 2
    third = post(server, [roster_file(tmp_path, "Gamma", 3)])
    assert third.status_code == 503 and "Too many uploads are waiting" in third.text
    assert server.jobs.count() == 2 and len(stored_files(server)) == 2


def test_a_slow_request_head_is_cut_off(serve):
    server = serve(header_seconds=1)
    start = time.monotonic()
    s = raw(server, f"POST /audit HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode())
    closed, _ = closed_within(s, 6, trickle=b"X-Slow: 1\r\n")
    assert closed and time.monotonic() - start < 4
    idle = raw(server, b"")                          # a connection that sends nothing
    assert closed_within(idle, 6)[0]
    assert httpx.get(server.url + "/").status_code == 200    # an ordinary request is not hurt


def test_a_slow_request_body_is_cut_off_and_nothing_kept(serve):
    server = serve(body_seconds=1)
    start = time.monotonic()
    s = raw(server, (f"POST /audit HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                     "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
                     '--b\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\n\r\n').encode())
    closed, answer = closed_within(s, 6, trickle=b"x")
    assert closed and time.monotonic() - start < 4 and answer.startswith(b"HTTP/1.1 408")
    assert wait_until(lambda: not stored_files(server)) and server.jobs.count() == 0


def test_head_range_and_a_broken_transfer_leave_the_download_working(serve, tmp_path):
    server = serve()
    link = download_path(post(server, [roster_file(tmp_path, "Acme")], mapping="auto").text)
    head = httpx.head(server.url + link)
    assert head.status_code == 200 and head.headers["content-type"].startswith("application/vnd.openxml")
    part = httpx.get(server.url + link, headers={"Range": "bytes=0-10"})
    assert part.status_code == 200 and len(part.content) > 1000     # the whole report, not a piece
    openpyxl.load_workbook(__import__("io").BytesIO(part.content)).close()
    assert httpx.get(server.url + link).status_code == 410          # the whole report was sent: used up

    token, job = server.jobs.new()                                  # a report too large for the socket buffers
    job.report, job.report_name = job.folder / "report.xlsx", "nextgen-audit-2026-11-30.xlsx"
    with open(job.report, "wb") as fh:
        fh.truncate(64 << 20)
    server.jobs.put(token, job)
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(f"GET /report/{token} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    assert s.recv(4096).startswith(b"HTTP/1.1 200")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()                                                       # broken off after a few KB
    assert wait_until(lambda: server.jobs.get(token) is not None, 10)
    time.sleep(0.5)
    whole = httpx.get(f"{server.url}/report/{token}", timeout=60)
    assert whole.status_code == 200 and len(whole.content) == 64 << 20
    assert httpx.get(f"{server.url}/report/{token}").status_code == 410


def test_other_host_names_and_other_sites_forms_are_refused(serve, tmp_path):
    server = serve()
    path = roster_file(tmp_path, "Acme")
    rebound = httpx.get(server.url + "/", headers={"Host": "attacker.example"})
    assert rebound.status_code == 400
    files = [("files", ("r.csv", path.read_bytes(), "text/csv"))]
    cross = httpx.post(server.url + "/audit", data={"kind": "roster", "mapping": "auto"}, files=files,
                       headers={"Origin": "http://attacker.example"})
    assert cross.status_code == 403 and server.jobs.count() == 0
    null = httpx.post(server.url + "/audit", data={"kind": "roster"}, files=files, headers={"Origin": "null"})
    assert null.status_code == 403
    sibling = httpx.post(server.url + "/audit", data={"kind": "roster"}, files=files,
                         headers={"Sec-Fetch-Site": "cross-site"})
    assert sibling.status_code == 403 and server.jobs.count() == 0
    browser = httpx.post(server.url + "/audit", data={"kind": "roster"}, files=files,   # the page's own form
                         headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}, timeout=60)
    assert browser.status_code == 200
    own = httpx.post(server.url + "/audit", data={"kind": "roster", "mapping": "auto"}, files=files,
                     headers={"Origin": server.url}, timeout=60)
    assert own.status_code == 200
    local = httpx.get(f"http://localhost:{server.port}/")
    assert local.status_code == 200
    named = serve(allowed_hosts=("audit.example-court.gov",))
    assert httpx.get(named.url + "/").status_code == 400
    assert httpx.get(named.url + "/", headers={"Host": "audit.example-court.gov"}).status_code == 200


def test_workers_run_under_the_memory_cap_and_say_so_when_it_is_passed(serve, tmp_path):
    server = serve(workers=1)   # the default cap: 4 GB
    assert wait_until(lambda: len(server.pool._free) == 1, 60)
    limits = Path(f"/proc/{server.pool._free[0].process.pid}/limits")
    assert wait_until(lambda: re.search(r"Max address space\s+4294967296\s+4294967296", limits.read_text()), 30)
    # a worker's address space once it is ready (Python, pandas, pyarrow, the modules an audit loads: forked
    # from the fork server with them loaded): under a cap 30 MB above that a worker starts and reads the rules,
    # and an audit of three rosters of 150,000 rows passes the cap
    ready = int(re.search(r"VmSize:\s+(\d+)", Path(f"/proc/{server.pool._free[0].process.pid}/status")
                          .read_text()).group(1)) << 10
    cap = ((ready >> 20) + 30) << 20
    tight = serve(workers=1, worker_memory_bytes=cap)
    assert wait_until(lambda: len(tight.pool._free) == 1, 60)
    worker = tight.pool._free[0].process
    status = Path(f"/proc/{worker.pid}/status")
    assert wait_until(lambda: int(re.search(r"VmSize:\s+(\d+)", status.read_text()).group(1)) > 1 << 20, 60)
    time.sleep(0.5)
    assert worker.is_alive(), f"a worker did not start under a cap of {size_words(cap)}"
    big = [roster_file(tmp_path, firm, 150_000) for firm in ("Big", "Bigger", "Biggest")]   # each under the 25 MB limit
    r = post(tight, big, mapping="auto", timeout=120)
    assert r.status_code in (500, 503) and f"memory limit of {size_words(cap)}" in r.text, r.text[-600:]
    assert wait_until(lambda: not stored_files(tight))
    assert wait_until(lambda: len(tight.pool._free) == 1, 60)          # a fresh worker took its place


def test_serve_options_reach_the_server(tmp_path):
    from tests.web.conftest import free_port

    port = free_port()
    exe = Path(sys.executable).with_name("auditor")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--header-seconds", "1", "--workers", "1",
                             "--allowed-host", "audit.example-court.gov", "--worker-memory-mb", "3000"],
                            env={**os.environ, "TMPDIR": str(tmp_path)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "audit.example-court.gov"}, timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "auditor serve did not start"
                time.sleep(0.2)
        assert r.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 400     # not a name it answers to
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\n")
        start = time.monotonic()
        assert closed_within(s, 6, trickle=b"X-Slow: 1\r\n")[0] and time.monotonic() - start < 4
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
