"""Limits and sizes of the upload page, all configurable from ``auditor serve``."""

from __future__ import annotations

from dataclasses import dataclass, field

MB = 1 << 20


def size_words(n: float) -> str:
    """A size as the page says it: "25 MB", "2 KB"."""
    if n >= MB:
        return f"{n / MB:,.3g} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"
    return f"{max(1, round(n / 1024)):,} KB"


@dataclass(frozen=True)
class WebConfig:
    # A 50,000-row roster is about 6 MB as CSV and 3 MB as XLSX: the defaults leave room for it.
    max_file_bytes: int = 25 * MB        # one uploaded file
    max_request_bytes: int = 60 * MB     # the whole upload (every file and field)
    max_files: int = 10                  # files in one upload
    workers: int = 2                     # audits running at once (worker processes)
    queue: int = 8                       # uploads that may wait for a worker; beyond that "busy"
    queue_wait_seconds: float = 30.0     # how long an upload waits for a worker before "busy"
    job_seconds: float = 120.0           # time limit of one audit
    keep_seconds: int = 15 * 60          # an upload or report not used by then is deleted
    # Each upload waiting at the confirm step holds its files on disk and what the page showed in memory
    # (measured: about 23 MB of disk and 26 MB of memory for the worst upload the size limits allow), so
    # 40 of them hold at most about 1 GB of each.
    max_held: int = 40                   # uploads waiting at the confirm step; beyond that "busy"
    max_confirm_bytes: int = 1 * MB      # the confirm step's form (a choice of column per field)
    # A worker is capped in address space: it starts at 1.5 GB (Python, pandas, pyarrow, the rules);
    # the largest CSV the file limit lets in (25 MB, 250,000 rows) peaked at 1.9 GB (0.5 GB resident).
    # Twice that: two workers hold at most 8 GB of a 24 GB machine.
    worker_memory_bytes: int = 4 << 30
    header_seconds: float = 10.0         # a request's first line and headers must arrive within this
    body_seconds: float = 300.0          # and its body within this (60 MB at 1.6 Mbit/s)
    keep_alive_seconds: float = 5.0      # an idle connection between requests is closed after this
    # Host names the page answers to (the Host header); empty: the address it listens on and localhost
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)
    history: str | None = None           # run history every audit is compared with and recorded into (path or URL)
    base_url: str | None = None          # the public address; with a history, the firm portal's links start with it
    settings: str | None = None          # the notify settings file: the court's relay, for new links firms ask for
    contacts: str | None = None          # the court's contacts list (CSV): where a new link may be sent
    clerk_password: str | None = field(default=None, repr=False)   # the clerk's page's; none: this machine only
    portal_requests: int = 32            # portal requests handled at once; more wait (queue_wait_seconds), then busy

    def hosts(self, bound: str = "127.0.0.1") -> list[str]:
        """The Host names the page answers to: those configured, else the bound address and localhost."""
        if self.allowed_hosts:
            return [h.lower() for h in self.allowed_hosts]
        names = {"localhost", "127.0.0.1", "::1"}
        if bound not in ("0.0.0.0", "::", ""):
            names.add(bound.lower())
        if self.base_url:   # the public address the portal's links are made from
            from urllib.parse import urlsplit

            names.add((urlsplit(self.base_url).hostname or "").lower())
        return sorted(names)

    def limits(self):
        """The loader's limits for an upload: the file size as above, and an XLSX may unpack to at most
        20 times that (a 50,000-row roster unpacks to about 8 times its size)."""
        from auditor.load.limits import Limits

        return Limits(max_file_bytes=self.max_file_bytes,
                      max_unzipped_bytes=min(Limits().max_unzipped_bytes, 20 * self.max_file_bytes))

    @property
    def keep_words(self) -> str:
        """How long things are kept, as the page says it: "15 minutes", "30 seconds"."""
        if self.keep_seconds < 120:
            return f"{self.keep_seconds:g} second{'s' if self.keep_seconds != 1 else ''}"
        return f"{self.keep_seconds / 60:g} minutes"
