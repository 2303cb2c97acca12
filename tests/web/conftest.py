"""A real upload server (uvicorn, on 127.0.0.1 and a free port) and real files to upload."""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
import time
from pathlib import Path

import httpx._transports.default as _httpx_transport
import pytest
import uvicorn

from auditor.web.app import create_app
from auditor.web.config import WebConfig
from auditor.web.timeouts import uvicorn_config
from tests.conftest import write_csv
from tests.parts import CHROMIUM, missing

# httpx.get/post build a new client per call, and each client a new TLS context that reads the whole CA
# bundle (~20 ms of CPU) though every request here is plain HTTP to loopback: several seconds over these
# tests.  The context depends only on its arguments and the environment, so build each one once.
_httpx_transport.create_ssl_context = functools.lru_cache(maxsize=None)(_httpx_transport.create_ssl_context)

ROSTER_HEADER = ["Firm", "Name", "Title", "Bar Number", "Email", "PACER Username", "PACER Use"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn running the app in a thread of the test process, listening on loopback only."""

    def __init__(self, config: WebConfig, port: int | None = None):
        self.app = create_app(config)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn_config(self.app, config, "127.0.0.1", self.port,
                                                    log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the upload server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    @property
    def jobs(self):
        return self.app.state.jobs

    @property
    def pool(self):
        return self.app.state.pool


# A server started for one test has one worker process unless the test asks for more: each worker
# imports pandas and the rules (about a second of CPU), and only the tests of concurrent audits need a
# second.  ``shared_server`` runs the defaults (two workers).
ONE_WORKER = {"workers": 1}


@pytest.fixture
def serve():
    """serve(**config) -> a started Server (one worker unless ``workers`` is given); stopped at the end
    of the test."""
    with contextlib.ExitStack() as stack:
        yield lambda **kw: stack.enter_context(Server(WebConfig(**{**ONE_WORKER, **kw})))


@pytest.fixture(scope="module")
def shared_server():
    with Server(WebConfig()) as server:
        yield server


def roster_rows(firm: str, n: int, *, start: int = 0) -> list[list]:
    """n people of ``firm``: attorneys with their own PACER usernames, two sharing one login."""
    rows = []
    for i in range(start, start + n):
        rows.append([firm, f"Person{i} Lastname{i}", "Attorney", f"B{i:05d}", f"p{i}@{firm.lower()}.example",
                     f"user{i}{firm.lower()}long", "efiling"])
    if n >= 2:   # one login shared by two people: the finding every firm must see
        rows[1][5] = rows[0][5]
    return rows


def roster_file(folder: Path, firm: str, n: int = 5, *, header=None, name: str | None = None) -> Path:
    return write_csv(folder / (name or f"roster_{firm.lower()}.csv"), header or ROSTER_HEADER, roster_rows(firm, n))


def post(server: Server | str, paths: list[Path], *, kind: str = "roster", timeout: float = 120, names=None, **fields):
    """POST /audit as a script does: multipart fields ``kind`` and ``files``, plus any others
    (``names``: the file names the client sends, when not the files' own)."""
    import httpx

    names = names or [p.name for p in paths]
    files = [("files", (n, p.read_bytes(), "application/octet-stream")) for n, p in zip(names, paths)]
    url = server if isinstance(server, str) else server.url
    return httpx.post(url + "/audit", data={"kind": kind, **fields}, files=files, timeout=timeout)


def download_path(html: str) -> str:
    import re

    m = re.search(r'href="(/report/[A-Za-z0-9_-]{40,})"', html)
    assert m, "the result page has no download link"
    return m.group(1)


def stored_files(server: Server) -> list[Path]:
    """Every file the server holds in its private folder (its own lock file aside)."""
    from auditor.web.jobs import LOCK

    return [p for p in server.jobs.root.rglob("*") if p.is_file() and p.name != LOCK]


def wait_until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium (Playwright's own browser download is not used)."""
    if not CHROMIUM.exists():
        missing("Debian's chromium is not installed (/usr/bin/chromium); scripts/system-deps.sh installs it")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}
