"""Vectorised building blocks of the synthetic sample data: people, names, usernames.

Every function works on whole numpy arrays (one element per person or per
row); strings are numpy ``StringDType`` arrays.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce

import numpy as np

from auditor.sample import names as N

S = np.dtypes.StringDType()
COURT, ROSTER, PACER = "court_accounts", "roster", "pacer_accounts"

FIRST = np.array(N.FIRST_NAMES, dtype=S)
LAST = np.array(N.LAST_NAMES, dtype=S)
MIDDLE = np.array(N.MIDDLE_INITIALS, dtype=S)
FIRST_INITIAL = np.array([N.ascii_letters(f)[:1] for f in N.FIRST_NAMES], dtype=S)
LAST_ASCII = np.array([N.ascii_letters(x) for x in N.LAST_NAMES], dtype=S)
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"), dtype=S)


def cat(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars."""
    return reduce(np.strings.add, [p if isinstance(p, np.ndarray) else np.array(p, dtype=S) for p in parts])


def num(values, width: int = 0) -> np.ndarray:
    """Integers as text, zero-padded to ``width``."""
    s = np.asarray(values).astype(np.int64).astype(S)
    return np.strings.zfill(s, width) if width else s


def blank(n: int) -> np.ndarray:
    return np.full(n, "", dtype=S)


class People:
    """Names and identities of ``n`` people with ids ``pid`` (unique over a run)."""

    def __init__(self, pid: np.ndarray, rng: np.random.Generator):
        n = len(pid)
        self.pid = pid
        self.fi = rng.integers(len(FIRST), size=n)
        self.li = rng.integers(len(LAST), size=n)
        self.mi = rng.integers(len(MIDDLE), size=n)
        self.first = FIRST[self.fi]
        self.last = LAST[self.li]
        self.middle = MIDDLE[self.mi]
        self.initial = FIRST_INITIAL[self.fi]
        # 5% get the shortest username form (exactly 8 characters), 2% an all-digit one
        u = rng.random(n)
        self.short_username = u < 0.05
        self.numeric_username = (u >= 0.05) & (u < 0.07)
        self.username = usernames(pid, self.fi, self.li, self.short_username, self.numeric_username)

    def name(self, style: np.ndarray) -> np.ndarray:
        """0: "Last, First M."  1: "First Last"  2: "First M. Last"."""
        a = cat(self.last, ", ", self.first, " ", self.middle, ".")
        b = cat(self.first, " ", self.last)
        c = cat(self.first, " ", self.middle, ". ", self.last)
        return np.where(style == 0, a, np.where(style == 1, b, c))


def usernames(pid, fi, li, short, numeric) -> np.ndarray:
    """Upgraded PACER usernames, unique by ``pid`` and at least 8 characters.

    Letters from the name, then the id zero-padded to 5 digits ("jsmith00042");
    ``short`` keeps two letters of the surname ("jsm00042", exactly 8);
    ``numeric`` gives an all-digit username with leading zeros ("00100042").
    """
    last = np.where(short, np.strings.slice(LAST_ASCII[li], 0, 2), np.strings.slice(LAST_ASCII[li], 0, 6))
    letters = cat(FIRST_INITIAL[fi], last, num(pid, 5))
    return np.where(numeric, cat("00", num(pid + 100000, 6)), letters)


def legacy_usernames(j: np.ndarray) -> np.ndarray:
    """Legacy 6-character usernames, two letters and four digits ("jd4821"), unique for j < 6,760,000."""
    j = np.asarray(j, dtype=np.int64)
    hi = j // 10000
    return cat(LETTERS[(hi // 26) % 26], LETTERS[hi % 26], num(j % 10000, 4))


def dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> np.ndarray:
    """Uniform random dates in [start, end] as datetime64[D]."""
    a, b = np.datetime64(start, "D"), np.datetime64(end, "D")
    span = int((b - a).astype(int)) + 1
    return a + rng.integers(0, span, size=n).astype("timedelta64[D]")


def account_numbers(pid: np.ndarray) -> np.ndarray:
    """PACER 7-digit account numbers, unique for ids below 10,000,000, leading zeros kept."""
    return num((np.asarray(pid, dtype=np.int64) * 7919 + 52711) % 10_000_000, 7)


class Pool:
    """Hands out distinct people for planted problems, in a random order."""

    def __init__(self, rng: np.random.Generator, n: int, eligible: np.ndarray):
        self.order = rng.permutation(np.flatnonzero(eligible))
        self.used = np.zeros(n, dtype=bool)

    def take(self, count: int, cond: np.ndarray | None = None) -> np.ndarray:
        cand = self.order[~self.used[self.order]]
        if cond is not None:
            cand = cand[cond[cand]]
        out = cand[: max(0, count)]
        self.used[out] = True
        return out
