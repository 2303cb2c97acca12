"""Firm rosters of the sample data: rostered attorneys, their staff, and roster problems.

Fills ``w.roster`` (canonical columns plus ``_firm``, the rostered firm's
index) and records planted problems and non-problems.  Loops run over firms
only; everything per person is vectorised.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from auditor.sample.people import COURT, ROSTER, S, People, blank, cat, dates


def build_roster(w, rng, pp, rostered, rfirm, user, rows_of, email, bar, k, cidx, court_ids, first_row,
                 firm_letters, firm_domain, paa_user, paa_id, as_of, planted_rows, court_style) -> dict:
    """Build the rosters; may relink some rostered attorneys' court accounts (``user``) to a PAA."""
    P = len(pp.pid)
    n_rost = len(w.firms)
    ra = np.flatnonzero(rostered)
    nA = len(ra)
    nS = max(5 * n_rost, nA)
    sp = People(P + np.arange(nS), rng)
    sfirm = rng.integers(n_rost, size=nS)
    sfirm[: 5 * n_rost] = np.repeat(np.arange(n_rost), 5)
    s_has_user = rng.random(nS) < 0.88
    s_user = np.where(s_has_user, sp.username, blank(nS))
    s_email = cat(sp.username, "@", firm_domain[sfirm])
    n = nA + nS
    firm = np.concatenate([rfirm[ra], sfirm])
    is_att = np.arange(n) < nA

    # courts where each attorney files: their court accounts' ids, ";"-separated
    R = len(cidx)
    c = [court_ids[cidx[np.minimum(first_row[ra] + i, R - 1)]] for i in range(3)]
    courts = np.where(k[ra] >= 2, cat(c[0], ";", c[1]), c[0])
    courts = np.where(k[ra] >= 3, cat(courts, ";", c[2]), courts)

    att_style = np.where(rng.random(nA) < 0.8, 1, 0)
    style_p = np.ones(P, dtype=int)
    style_p[ra] = att_style
    r = {
        "_firm": firm,
        "person_name": np.concatenate([pp.name(style_p)[ra],
                                       sp.name(np.where(rng.random(nS) < 0.85, 1, 0))]),
        "role": np.concatenate([np.full(nA, "attorney", dtype=S),
                                np.where(rng.random(nS) < 0.6, "paralegal", "staff").astype(S)]),
        "bar_id": np.concatenate([bar[ra], blank(nS)]),
        "email": np.concatenate([email[ra], s_email]),
        "pacer_username": np.concatenate([user[ra], s_user]),
        "pacer_use": np.concatenate([
            np.array(["efiling", "both", ""], dtype=S)[rng.choice(3, size=nA, p=[0.7, 0.25, 0.05])],
            np.where(rng.random(nS) < 0.9, "research", "").astype(S)]),
        "courts": np.concatenate([courts, blank(nS)]),
        "left_firm_on": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
    }
    r["paa_id"] = np.where(r["pacer_username"] != "", paa_id[firm], blank(n))
    used = np.zeros(n, dtype=bool)

    def pick(count, cond):
        cand = rng.permutation(np.flatnonzero(cond & ~used))[:count]
        used[cand] = True
        return cand

    def record(rule, rows, court_people=None, kind_list=None):
        (kind_list if kind_list is not None else w.planted).append((rule, ROSTER, np.sort(rows)))
        if court_people is not None and len(court_people):
            idx = rows_of(court_people)
            (kind_list if kind_list is not None else w.planted).append((rule, COURT, idx))
            planted_rows[idx] = True

    def n_of(rate, base):
        return max(1, int(round(rate * base)))

    # paa-used-as-login: an attorney logs in (court and roster) with the firm's PAA username
    sel = pick(n_of(0.01, nA), is_att)
    user[ra[sel]] = paa_user[firm[sel]]
    r["pacer_username"][sel] = paa_user[firm[sel]]
    record("paa-used-as-login", sel, ra[sel])
    # attorney-without-pacer-account
    sel = pick(n_of(0.02, nA), is_att)
    r["pacer_username"][sel] = ""
    r["paa_id"][sel] = ""
    r["pacer_use"][sel] = np.where(np.arange(len(sel)) % 2 == 0, "efiling", "")
    record("attorney-without-pacer-account", sel)

    shared_rows, staff_rows, research_rows, shared_accounts = [], [], [], []
    staff_filers = []   # the e-filers whose accounts staff use: their court accounts are found too
    for f in range(n_rost):
        att = is_att & (firm == f)
        staff = ~is_att & (firm == f) & s_has_user_full(s_has_user, nA)
        # shared-filing-account in a roster: B lists A's username for e-filing
        if f == 0 or rng.random() < 0.4:
            ab = pick(2, att)
            if len(ab) == 2:
                r["pacer_username"][ab[1]] = r["pacer_username"][ab[0]]
                r["pacer_use"][ab[1]] = "efiling"
                shared_rows.append(ab)
                record("shared-filing-account", ab, ra[ab[:1]])
        # filer-account-shared-with-staff: staff research on an e-filer's username
        if f == 0 or rng.random() < 0.3:
            a = pick(1, att)
            st = pick(1 + int(rng.random() < 0.5), staff)
            if len(a) and len(st):
                r["pacer_username"][st] = r["pacer_username"][a[0]]
                r["pacer_use"][st] = "research"
                r["pacer_use"][a] = "efiling"
                staff_rows.append(np.concatenate([a, st]))
                staff_filers.append(ra[a])
        # shared-research-account: staff share the firm's research account (allowed)
        if f == 0 or rng.random() < 0.5:
            st = pick(2 + int(rng.random() < 0.5), staff)
            if len(st) >= 2:
                name = f"{firm_letters[f][:8]}library"
                r["pacer_username"][st] = name
                r["pacer_use"][st] = "research"
                research_rows.append(st)
                shared_accounts.append((f, name))
    for rule, groups, court in (("shared-filing-account", [], []),
                                ("filer-account-shared-with-staff", staff_rows, staff_filers),
                                ("shared-research-account", research_rows, [])):
        if groups:
            record(rule, np.concatenate(groups), np.concatenate(court) if court else None)
    if research_rows:
        record("shared-filing-account", np.concatenate(research_rows), kind_list=w.must_not_fire)

    # departed-still-linked, and the non-problem of a departed person already unlinked
    has_user = r["pacer_username"] != ""
    sel = pick(n_of(0.02, n), has_user)
    r["left_firm_on"][sel] = dates(rng, len(sel), as_of - dt.timedelta(days=600), as_of - dt.timedelta(days=20))
    record("departed-still-linked", sel)
    # (attorneys only, whose PACER accounts the PACER list then shows without a PAA as well)
    sel = pick(n_of(0.01, n), has_user & (np.arange(n) < nA))
    r["left_firm_on"][sel] = dates(rng, len(sel), as_of - dt.timedelta(days=900), as_of - dt.timedelta(days=20))
    r["paa_id"][sel] = ""
    record("departed-still-linked", sel, kind_list=w.must_not_fire)
    unlinked = ra[sel]
    # the same person written "Smith, John A." in the court export and "John Smith" here
    sel = np.flatnonzero(is_att & ~used & (r["pacer_username"] != "")
                         & (court_style[ra[np.minimum(np.arange(n), max(nA - 1, 0))]] == 0)
                         & (np.concatenate([att_style, np.zeros(nS, int)]) == 1))[:25]
    if len(sel):
        record("shared-filing-account", sel, ra[sel], kind_list=w.must_not_fire)

    w.roster = r
    return {"paa_used": ra[np.isin(np.arange(nA), np.flatnonzero(r["pacer_username"][:nA] == paa_user[firm[:nA]]))],
            "staff": sp, "staff_firm": sfirm, "staff_has_user": s_has_user, "staff_email": s_email,
            "staff_used": used[nA:], "shared_accounts": shared_accounts, "unlinked": unlinked}


def s_has_user_full(s_has_user: np.ndarray, nA: int) -> np.ndarray:
    """Staff rows that carry their own username, as a mask over all roster rows."""
    return np.concatenate([np.zeros(nA, dtype=bool), s_has_user])
