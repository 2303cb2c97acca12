"""The PACER accounts list of the sample data: individual accounts, firm PAAs, shared accounts.

Fills ``w.pacer`` (canonical columns, rows in a random order) and records the
planted PACER-side problems.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from auditor.sample.people import (
    FIRST, LAST, PACER, S, account_numbers, blank, cat, dates, legacy_usernames, num,
)

_COLS = ("pacer_username", "account_holder", "account_type", "upgraded", "paa_id", "account_number",
         "email", "created_on", "case_search_status", "mfa_enrolled")


def build_pacer(w, rng, R, pp, user, legacy, mismatch, no_mfa, inactive_search, dup_pacer,
                rostered, rfirm, email, roster_info, paa_user, paa_id, firm_domain) -> None:
    P = len(pp.pid)
    n_rost = len(w.firms)
    blocks: list[dict] = []
    marks: list[tuple[str, list, int, np.ndarray]] = []  # (rule, planted|must_not, block, rows in block)

    # individual accounts of court filers
    forced = np.zeros(P, dtype=bool)
    for grp in (mismatch, no_mfa, inactive_search, dup_pacer):
        forced[grp] = True
    forced[legacy[: (len(legacy) + 1) // 2]] = True
    incl = rostered | forced
    sp = roster_info["staff"]
    n_staff = int(roster_info["staff_has_user"].sum())
    fixed = n_rost + len(roster_info["shared_accounts"]) + max(1, n_rost // 2) + len(dup_pacer) + n_staff
    room = int(round(0.6 * R)) - fixed - int(incl.sum())
    if room > 0:
        rest = rng.permutation(np.flatnonzero(~incl))[:room]
        incl[rest] = True
    people = np.flatnonzero(incl)
    uname = pp.username.copy()
    uname[legacy] = user[legacy]
    is_legacy = np.zeros(P, dtype=bool)
    is_legacy[legacy] = True
    style = rng.choice([1, 2], size=P)
    holder = pp.name(style)
    other = cat(FIRST[(pp.fi + 7) % len(FIRST)], " ", LAST[(pp.li + 1 + rng.integers(20, size=P)) % len(LAST)])
    holder[mismatch] = other[mismatch]
    email = email.copy()   # someone else's account carries its holder's e-mail, not the filer's
    email[mismatch] = cat("holder", num(pp.pid[mismatch], 5), "@outlook.com")
    created = np.where(is_legacy, dates(rng, P, dt.date(2004, 1, 5), dt.date(2014, 8, 8)),
                       dates(rng, P, dt.date(2009, 3, 2), dt.date(2025, 12, 19)))
    search = np.full(P, "Active", dtype=S)
    search[inactive_search] = "Inactive"
    mfa = np.full(P, "Yes", dtype=S)
    mfa[no_mfa] = "No"
    ind = {
        "pacer_username": uname[people], "account_holder": holder[people],
        "account_type": np.full(len(people), "Individual", dtype=S),
        "upgraded": np.where(is_legacy[people], "No", "Yes").astype(S),
        "paa_id": np.where(rostered[people] & ~np.isin(people, roster_info["unlinked"]), paa_id[rfirm[people]],
                           blank(len(people))),
        "account_number": account_numbers(pp.pid[people]), "email": email[people],
        "created_on": created[people], "case_search_status": search[people], "mfa_enrolled": mfa[people],
    }
    pos = np.full(P, -1)
    pos[people] = np.arange(len(people))
    blocks.append(ind)
    marks += [("mfa-not-enrolled", w.planted, 0, pos[no_mfa]),
              ("search-status-inactive", w.planted, 0, pos[inactive_search]),
              ("duplicate-pacer-accounts", w.planted, 0, pos[dup_pacer])]
    clean_mfa = np.flatnonzero(~forced[people] & rostered[people])[:25]
    marks.append(("mfa-not-enrolled", w.must_not_fire, 0, clean_mfa))

    # a second account for some people: same name, e-mail with a "+2" tag
    d = dup_pacer
    local_dom = np.strings.partition(email[d], np.array("@", dtype=S))
    blocks.append({
        "pacer_username": cat(pp.username[d], "x"), "account_holder": holder[d],
        "account_type": np.full(len(d), "Individual", dtype=S), "upgraded": np.full(len(d), "Yes", dtype=S),
        "paa_id": blank(len(d)), "account_number": account_numbers(pp.pid[d] + 8_000_000),
        "email": cat(local_dom[0], "+2@", local_dom[2]),
        "created_on": dates(rng, len(d), dt.date(2015, 1, 5), dt.date(2025, 6, 30)),
        "case_search_status": np.full(len(d), "Active", dtype=S), "mfa_enrolled": np.full(len(d), "Yes", dtype=S),
    })
    # one person's accounts are one problem, reported once on the first username (the one without "x"):
    # the second account must not carry a finding of its own
    marks.append(("duplicate-pacer-accounts", w.must_not_fire, 1, np.arange(len(d))))

    # roster staff's own accounts (research only: MFA optional, some not enrolled)
    s = np.flatnonzero(roster_info["staff_has_user"])
    sfirm = roster_info["staff_firm"][s]
    s_mfa = np.where(rng.random(len(s)) < 0.2, "No", "Yes").astype(S)
    blocks.append({
        "pacer_username": sp.username[s], "account_holder": sp.name(np.ones(len(sp.pid), dtype=int))[s],
        "account_type": np.full(len(s), "Individual", dtype=S), "upgraded": np.full(len(s), "Yes", dtype=S),
        "paa_id": paa_id[sfirm], "account_number": account_numbers(sp.pid[s]),
        "email": roster_info["staff_email"][s],
        "created_on": dates(rng, len(s), dt.date(2012, 1, 3), dt.date(2026, 3, 31)),
        "case_search_status": np.full(len(s), "Active", dtype=S), "mfa_enrolled": s_mfa,
    })
    marks.append(("mfa-not-enrolled", w.must_not_fire, 2, np.flatnonzero(s_mfa == "No")[:25]))

    # firm PAAs (billing only), some never upgraded
    not_up = rng.permutation(n_rost)[: max(1, n_rost // 5)]
    upgraded = np.full(n_rost, "Yes", dtype=S)
    upgraded[not_up] = "No"
    blocks.append({
        "pacer_username": paa_user, "account_holder": np.array(w.firms, dtype=S),
        "account_type": np.full(n_rost, "PAA", dtype=S), "upgraded": upgraded, "paa_id": paa_id,
        "account_number": paa_id, "email": cat("billing@", firm_domain),
        "created_on": dates(rng, n_rost, dt.date(2010, 1, 4), dt.date(2022, 12, 30)),
        "case_search_status": blank(n_rost), "mfa_enrolled": blank(n_rost),
    })
    marks.append(("paa-not-upgraded", w.planted, 3, np.sort(not_up)))

    # shared accounts: research accounts in use, and old legacy firm accounts
    shared = roster_info["shared_accounts"]
    n_leg = max(1, n_rost // 2)
    sf = np.array([x[0] for x in shared] + list(rng.integers(n_rost, size=n_leg)), dtype=np.int64)
    n_sh = len(sf)
    is_research = np.arange(n_sh) < len(shared)
    names = np.array([x[1] for x in shared] + [""] * n_leg, dtype=S)
    names = np.where(is_research, names, legacy_usernames(900_000 + np.arange(n_sh)))
    firms = np.array(w.firms, dtype=S)[sf]
    blocks.append({
        "pacer_username": names,
        "account_holder": np.where(is_research, cat(firms, " Library"), cat(firms, " (firm account)")),
        "account_type": np.where(is_research, "Shared", "Legacy Firm Account").astype(S),
        "upgraded": np.where(is_research, "Yes", "No").astype(S),
        "paa_id": np.where(is_research, paa_id[sf], blank(n_sh)),
        "account_number": account_numbers(9_100_000 + np.arange(n_sh)),
        "email": cat(np.where(is_research, "library@", "office@"), firm_domain[sf]),
        "created_on": np.where(is_research, dates(rng, n_sh, dt.date(2015, 1, 5), dt.date(2024, 6, 28)),
                               dates(rng, n_sh, dt.date(2001, 2, 5), dt.date(2013, 11, 29))),
        "case_search_status": np.full(n_sh, "Active", dtype=S), "mfa_enrolled": np.full(n_sh, "No", dtype=S),
    })

    offsets = np.cumsum([0] + [len(b["pacer_username"]) for b in blocks])
    total = int(offsets[-1])
    perm = rng.permutation(total)
    inv = np.empty(total, dtype=np.int64)
    inv[perm] = np.arange(total)
    w.pacer = {}
    for c in _COLS:
        if c == "created_on":
            w.pacer[c] = np.concatenate([b[c] for b in blocks])[perm]
        else:
            w.pacer[c] = pa.concat_arrays([pa.array(b[c], pa.string()) for b in blocks]).take(pa.array(perm))
    for rule, target, block, rows in marks:
        rows = rows[rows >= 0]
        if len(rows):
            target.append((rule, PACER, np.sort(inv[offsets[block] + rows])))
