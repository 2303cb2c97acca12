"""Uploads and reports on disk: one private folder each, an unguessable token, a short life.

Everything lives under one temporary folder made for this server (mode 0700),
deleted when the server stops.  A job's folder is deleted when its report is
downloaded (a token works once) or when it has not been used for
``keep_seconds``, whichever comes first.

A server that was killed (no time to delete its folder) leaves it behind: the
folder holds a lock file the server keeps locked while it runs, and the next
server to start deletes every such folder of the same user whose lock is free.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from collections.abc import Awaitable


T = TypeVar("T")


@dataclass
class Job:
    folder: Path
    created: float
    kind: str = ""
    as_of: str | None = None
    typed: dict = field(default_factory=dict)          # firm_name / court_id typed on the page
    paa: tuple[str, ...] = ()                          # the firm's PAA usernames
    files: list[dict] = field(default_factory=list)   # {"path": stored path, "name": display name, "kind"}
    inspected: dict | None = None                     # what the mapping page showed
    report: Path | None = None
    report_name: str = ""
    busy: bool = False                                 # an audit of it is running
    owner: str = ""                                    # a portal session's roster: that session's digest


PREFIX = "auditor-web-"
LOCK = ".server-lock"


def clear_left_behind(parent: Path | None = None) -> int:
    """Delete the folders servers of this user left behind when killed (their lock is free);
    return how many.  A folder of a running server, or of another user, is left alone."""
    parent = Path(parent or tempfile.gettempdir())
    gone = 0
    for folder in parent.glob(PREFIX + "*"):
        try:
            st = folder.lstat()
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                continue
            fd = os.open(folder / LOCK, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue      # no lock file: a server just starting, or not a folder of ours
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue      # its server runs
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        gone += 1
    return gone


class Jobs:
    def __init__(self, keep_seconds: float):
        self.keep_seconds = keep_seconds
        clear_left_behind()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        self._lock_fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)   # held while the server runs
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def new(self) -> tuple[str, Job]:
        token = secrets.token_urlsafe(32)
        job = Job(folder=Path(tempfile.mkdtemp(dir=self.root)), created=time.monotonic())
        with self._lock:
            self._jobs[token] = job
        return token, job

    def _alive(self, job: Job) -> bool:
        return job.busy or time.monotonic() - job.created < self.keep_seconds

    def get(self, token: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(token)
            if job is not None and not self._alive(job):
                del self._jobs[token]
                self._delete(job)
                return None
            return job

    def take(self, token: str) -> Job | None:
        """The job, removed from the store: its token never works again."""
        with self._lock:
            job = self._jobs.pop(token, None)
        if job is not None and not self._alive(job):
            self._delete(job)
            return None
        return job

    def put(self, token: str, job: Job) -> None:
        job.created = time.monotonic()   # the time limit runs again from the new step
        with self._lock:
            self._jobs[token] = job

    def restore(self, token: str, job: Job) -> None:
        """Put back a job taken by a request that did not use it; its time runs on as before."""
        with self._lock:
            self._jobs[token] = job

    def held(self) -> int:
        """Uploads held (waiting at the confirm step or being audited), reports not counted."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.report is None)

    async def working(self, token: str | None, job: Job, work: Awaitable[T]) -> T:
        """Await ``work`` (a worker's task for ``job``) with the job marked busy, so that the sweeper leaves
        it alone; if the work fails in any way, the upload is dropped and the failure raised."""
        job.busy = True
        try:
            return await work
        except BaseException:
            self.drop(token, job)
            raise
        finally:
            job.busy = False

    def rekey(self, token: str, job: Job) -> str:
        """Store ``job`` under a new token (the old one stops working); return the new one."""
        new = secrets.token_urlsafe(32)
        job.created = time.monotonic()
        with self._lock:
            self._jobs.pop(token, None)
            self._jobs[new] = job
        return new

    def drop(self, token: str | None, job: Job) -> None:
        if token is not None:
            with self._lock:
                self._jobs.pop(token, None)
        self._delete(job)

    def drop_owned(self, owner: str) -> int:
        """Delete every job of the portal session ``owner`` (it ended); return how many."""
        with self._lock:
            mine = [(t, j) for t, j in self._jobs.items() if owner and j.owner == owner]
            for t, _ in mine:
                del self._jobs[t]
        for _, j in mine:
            self._delete(j)
        return len(mine)

    def sweep(self) -> int:
        """Delete every job past its time; return how many."""
        with self._lock:
            old = [(t, j) for t, j in self._jobs.items() if not self._alive(j)]
            for t, _ in old:
                del self._jobs[t]
        for _, j in old:
            self._delete(j)
        return len(old)

    def count(self) -> int:
        with self._lock:
            return len(self._jobs)

    @staticmethod
    def _delete(job: Job) -> None:
        shutil.rmtree(job.folder, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._jobs.clear()
        shutil.rmtree(self.root, ignore_errors=True)
        os.close(self._lock_fd)
