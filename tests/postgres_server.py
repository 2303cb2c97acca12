"""A throwaway PostgreSQL server for the history tests, and the ``history_url`` fixture that runs a test
on SQLite and on PostgreSQL.

The server is Debian's ``postgresql`` package (binaries under /usr/lib/postgresql/*/bin): ``initdb`` in a
temporary folder, a free local port, its unix socket in that folder, stopped and removed at the end.
PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` system user.  Where the binaries
are missing the PostgreSQL cases skip and say why (with ``CI`` set, they fail: see ``parts.py``).
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from parts import missing, postgres_bindir

_counter = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """(URL of the server's ``postgres`` database, admin connection factory)."""
    bindir = postgres_bindir()
    if bindir is None:
        missing("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                    "(scripts/system-deps.sh installs the postgresql package)")
    base = Path(tempfile.mkdtemp(prefix="auditor-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            missing("running as root and there is no 'postgres' user to run the server as")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = base / "data", base / "server.log"
    port = _free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "auditor", "-N",
                    "-E", "UTF8"], check=True, capture_output=True)
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    started = subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log),
                              "-w", "-t", "60", "start"], capture_output=True, text=True)
    if started.returncode:
        text = log.read_text() if log.exists() else started.stderr
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {text[-2000:]}")
    try:
        yield f"postgresql://auditor@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def new_database(server: str) -> str:
    import psycopg

    name = f"history_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request, tmp_path) -> str:
    """A fresh, empty history store: an SQLite file, or a new database on the throwaway server."""
    if request.param == "sqlite":
        return str(tmp_path / "history" / "auditor-history.sqlite")
    return new_database(request.getfixturevalue("postgres_server"))
