"""What the portal's forms share: a CSRF token per form, and counts of attempts over a window.

A form's token is ``time.mac``: the time it was made and an HMAC, under a key of this server process, of
the form's purpose, what it is bound to (a session, for a signed-in form) and that time.  A page from
elsewhere cannot read it, so it cannot post the form in a visitor's name; it ends after ``max_age``.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import threading
import time


class FormTokens:
    def __init__(self, key: bytes, max_age: float = 4 * 3600):
        self.key, self.max_age = key, max_age

    def _mac(self, purpose: str, bound: str, made: str) -> str:
        return hmac.new(self.key, f"{purpose}\x00{bound}\x00{made}".encode(), hashlib.sha256).hexdigest()

    def make(self, purpose: str, bound: str = "") -> str:
        made = str(int(time.time()))
        return f"{made}.{self._mac(purpose, bound, made)}"

    def check(self, token: str, purpose: str, bound: str = "") -> bool:
        made, _, mac = (token or "")[:200].partition(".")
        if not made.isdigit() or len(mac) != 64:
            return False
        age = time.time() - int(made)
        return -60 <= age <= self.max_age and hmac.compare_digest(mac, self._mac(purpose, bound, made))


class Attempts:
    """Attempts per key (a client address, an e-mail address) over the last ``window`` seconds, in memory
    (one server process): ``blocked`` once ``limit`` are counted."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._seen: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> collections.deque:
        q = self._seen.setdefault(key, collections.deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def add(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(key, now).append(now)
            if len(self._seen) > 10_000:   # keys whose window has passed are forgotten
                for k in [k for k, q in self._seen.items() if not q or now - q[-1] > self.window]:
                    del self._seen[k]

    def take(self, key: str) -> bool:
        """Count one attempt unless blocked; False when blocked (nothing counted)."""
        with self._lock:
            now = time.monotonic()
            q = self._recent(key, now)
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True
