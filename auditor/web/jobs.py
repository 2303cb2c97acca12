"""Uploads and reports on disk: one private folder each, an unguessable token, a short life.

Everything lives under one temporary folder made for this server (mode 0700),
deleted when the server stops.  A job's folder is deleted when its report is
downloaded (a token works once) or when it has not been used for
``keep_seconds``, whichever comes first.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


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


class Jobs:
    def __init__(self, keep_seconds: float):
        self.keep_seconds = keep_seconds
        self.root = Path(tempfile.mkdtemp(prefix="auditor-web-"))
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
