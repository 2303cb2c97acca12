"""The simulated world behind the sample data: filers, firms, accounts and planted problems.

:func:`build` returns the three tables (court accounts, rosters, PACER
accounts) as dicts of numpy arrays keyed by canonical column, plus the
planted problems and the tricky non-problems as row indexes into them.
Everything is vectorised; Python loops run over firms and rules only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from auditor.sample import names as N
from auditor.sample.pacer import build_pacer
from auditor.sample.roster import build_roster
from auditor.sample.people import (
    COURT, LAST, LAST_ASCII, S, People, Pool, account_numbers, blank, cat, dates, legacy_usernames, num,
)

MAX_ROSTERS = 50


@dataclass
class World:
    court: dict
    roster: dict            # includes "_firm": index of the rostered firm
    pacer: dict
    firms: list[str]        # rostered firms' names as their rosters write them
    planted: list = field(default_factory=list)        # (rule_id, kind, row indexes)
    must_not_fire: list = field(default_factory=list)  # (rule_id, kind, row indexes)


def _n(rate: float, base: int, least: int = 1) -> int:
    return max(least, int(round(rate * base)))


def build(rows: int, courts: list[str], as_of: dt.date, rng: np.random.Generator) -> World:
    R, nC = rows, len(courts)
    court_ids = np.array(courts, dtype=S)
    # --- court filers: each person holds 1-3 accounts at distinct courts
    k = np.minimum(rng.choice(3, size=R, p=[0.74, 0.19, 0.07]) + 1, nC)
    cum = np.cumsum(k)
    P = int(np.searchsorted(cum, R)) + 1
    k = k[:P].copy()
    k[-1] -= int(cum[P - 1]) - R
    cum = np.cumsum(k)                 # the last person's accounts trimmed so that the rows add up to R
    pp = People(np.arange(P), rng)
    role = rng.choice(len(N.COURT_ROLES), size=P, p=N.COURT_ROLE_P)
    atty = role == 0
    n_rost = min(MAX_ROSTERS, max(2, R // 100))
    rostered = atty & (rng.random(P) < 0.29)
    rfirm = rng.integers(n_rost, size=P)
    firms = [N.roster_firm_name(i) for i in range(n_rost)]
    firm_letters = [N.ascii_letters(f.split(",")[0].replace("&", "")) for f in firms]
    firm_arr = np.array(firms, dtype=S)
    firm_domain = np.array([f"{x[:12]}law.com" for x in firm_letters], dtype=S)
    paa_user = np.array([f"{x[:10]}paa" for x in firm_letters], dtype=S)
    paa_id = account_numbers(np.arange(n_rost) + 9_000_000)

    # firms met only in the court export (never a rostered firm's name)
    n_of = max(1, P // 5)
    of = rng.integers(n_of, size=P)
    t = np.arange(n_of)
    t1, t2 = t % len(LAST), (t * 7 + 3) % len(LAST)
    other_firm = np.where(t % 3 == 0, cat(LAST[t1], " & ", LAST[t2], ", P.A."),
                          np.where(t % 3 == 1, cat(LAST[t1], " Law Group, PLLC"),
                                   cat("Law Office of ", pp.first[t % P], " ", LAST[t1])))[of]
    l1 = of % len(LAST)
    creditor = np.array(N.CREDITOR_COMPANIES, dtype=S)[rng.integers(len(N.CREDITOR_COMPANIES), size=P)]
    trustee = np.array(N.TRUSTEE_OFFICES, dtype=S)[rng.integers(len(N.TRUSTEE_OFFICES), size=P)]
    solo = rng.random(P) < 0.2
    firm = np.where(rostered, firm_arr[rfirm], np.where(atty & ~solo, other_firm, blank(P)))
    firm = np.where((role == 2) | (role == 3), creditor, np.where(role == 1, trustee, firm))
    generic = np.array(N.EMAIL_DOMAINS, dtype=S)[rng.integers(len(N.EMAIL_DOMAINS), size=P)]
    domain = np.where(rostered, firm_domain[rfirm],
                      np.where(atty & ~solo, cat(LAST_ASCII[l1], "law.com"), generic))
    email = cat(pp.username, "@", domain)
    bar_numeric = rng.random(P) < 0.06
    state = np.array(N.BAR_STATES, dtype=S)[rng.integers(len(N.BAR_STATES), size=P)]
    bar = np.where(bar_numeric, cat("00", num(pp.pid + 100000, 6)), cat(state, num(pp.pid + 10000, 5)))
    bar = np.where(atty, bar, blank(P))
    user = pp.username.copy()          # the username each person's court accounts link to

    # --- court rows
    start = np.repeat(cum[:P] - k, k) if P else np.zeros(0, int)
    person = np.repeat(np.arange(P), k)
    j = np.arange(R) - start
    cidx = (rng.integers(nC, size=P)[person] + j) % nC
    login = cat(np.strings.slice(pp.initial, 0, 1), np.strings.slice(LAST_ASCII[pp.li], 0, 8),
                num(pp.pid))[person]
    status = np.zeros(R, dtype=np.int8)     # index into STATUS_DISPLAY
    first_row = np.zeros(P, dtype=np.int64)
    first_row[:] = cum[:P] - k
    w = World(court={}, roster={}, pacer={}, firms=firms)
    planted_rows = np.zeros(R, dtype=bool)
    rows_of = _rows_of(person, P)

    def plant_people(rule, people):
        idx = rows_of(people)
        w.planted.append((rule, COURT, idx))
        planted_rows[idx] = True
        return idx

    pool = Pool(rng, P, ~rostered)
    # shared-filing-account: B's accounts link to A's username
    n = _n(0.007, P)
    a, b = pool.take(n, atty), pool.take(n, atty)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    user[b] = user[a]
    plant_people("shared-filing-account", np.concatenate([a, b]))
    # legacy-username
    legacy = pool.take(_n(0.025, P))
    user[legacy] = legacy_usernames(np.arange(len(legacy)) + 1000)
    plant_people("legacy-username", legacy)
    # duplicate-filing-accounts: a second account at the same court
    dup = pool.take(_n(0.004, P), atty & (k >= 2))
    second = first_row[dup] + 1
    cidx[second] = cidx[first_row[dup]]
    login[second] = cat(login[second], "b")
    both = np.concatenate([first_row[dup], second])   # only the two accounts at that one court
    w.planted.append(("duplicate-filing-accounts", COURT, both))
    planted_rows[both] = True
    # holder-name-mismatch, mfa-not-enrolled, search-status-inactive, duplicate-pacer-accounts
    mismatch = pool.take(_n(0.008, P))
    plant_people("holder-name-mismatch", mismatch)
    no_mfa = pool.take(_n(0.012, P))
    inactive_search = pool.take(_n(0.008, P))
    dup_pacer = pool.take(_n(0.004, P))
    planted_rows[rows_of(np.concatenate([no_mfa, inactive_search]))] = True
    # unlinked-filing-account and login-has-special-characters (first account of a person)
    unlinked = first_row[pool.take(_n(0.02, P))]
    special_p = pool.take(_n(0.003, P))
    special = first_row[special_p]
    login[special] = np.where(np.arange(len(special)) % 2 == 0,
                              cat(pp.initial[special_p], "&", LAST_ASCII[pp.li[special_p]]),
                              cat(LAST_ASCII[pp.li[special_p]], "@", domain[special_p]))
    row_user = user[person]
    row_user[np.concatenate([unlinked, special])] = ""
    w.planted.append(("unlinked-filing-account", COURT, np.concatenate([unlinked, special])))
    w.planted.append(("login-has-special-characters", COURT, special))
    planted_rows[unlinked] = planted_rows[special] = True
    # non-problem: an inactive account with no PACER username
    inactive_blank = first_row[pool.take(_n(0.005, P))]
    row_user[inactive_blank] = ""
    status[inactive_blank] = 1
    w.must_not_fire.append(("unlinked-filing-account", COURT, inactive_blank))
    clean_p = ~pool.used & ~rostered
    _must_not_people(w, rows_of, pp.short_username & clean_p, "legacy-username")
    _must_not_people(w, rows_of, pp.numeric_username & clean_p, "legacy-username")
    _must_not_people(w, rows_of, bar_numeric & atty & clean_p, "duplicate-filing-accounts")

    # --- rosters (rostered attorneys plus their firms' staff); may change court usernames
    court_style = rng.choice(3, size=P, p=[0.55, 0.3, 0.15])
    pacer_people = build_roster(
        w, rng, pp, rostered, rfirm, user, rows_of, email, bar, k, cidx, court_ids, first_row,
        firm_letters, firm_domain, paa_user, paa_id, as_of, planted_rows, court_style)
    row_user = np.where(np.isin(person, pacer_people["paa_used"]), user[person], row_user)
    # other clean accounts: some inactive or locked (they keep their username)
    u = rng.random(R)
    clean = ~planted_rows & (status == 0)
    status[clean & (u < 0.04)] = 1
    status[clean & (u >= 0.04) & (u < 0.055)] = 2

    w.court = {
        "court_id": court_ids[cidx], "cmecf_login": login,
        "filer_name": _expand(pp.name(court_style), person),
        "filer_role": _expand(np.array([d for d, _ in N.COURT_ROLES], dtype=S)[role], person),
        "bar_id": _expand(bar, person), "email": _expand(email, person), "firm_name": _expand(firm, person),
        "pacer_username": row_user,
        "account_status": np.array(N.STATUS_DISPLAY, dtype=S)[status],
        "linked_on": np.where(row_user == "", np.datetime64("NaT"),
                              dates(rng, R, dt.date(2019, 10, 21), min(as_of, dt.date(2026, 6, 30)))),
        "last_filed_on": np.where(status == 0, dates(rng, R, dt.date(2025, 1, 2), as_of),
                                  dates(rng, R, dt.date(2016, 1, 4), dt.date(2023, 12, 29))),
    }
    w.court["last_filed_on"][rng.random(R) < 0.05] = np.datetime64("NaT")

    build_pacer(w, rng, R, pp, user, legacy, mismatch, no_mfa, inactive_search, dup_pacer,
                rostered, rfirm, email, pacer_people, paa_user, paa_id, firm_domain)
    return w


def _expand(values: np.ndarray, person: np.ndarray) -> pa.Array:
    """A per-person column repeated onto each person's court rows (an Arrow take: fast for long text)."""
    return pa.array(values).take(pa.array(person))


def _rows_of(person: np.ndarray, P: int):
    """A function giving all court row indexes of some people."""
    def rows_of(people: np.ndarray) -> np.ndarray:
        mask = np.zeros(P, dtype=bool)
        mask[people] = True
        return np.flatnonzero(mask[person])
    return rows_of


def _must_not_people(w: World, rows_of, mask: np.ndarray, rule: str, cap: int = 25) -> None:
    people = np.flatnonzero(mask)[:cap]
    if len(people):
        w.must_not_fire.append((rule, COURT, rows_of(people)))
