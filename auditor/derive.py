"""Derived fields: everything a rule needs that takes more than one record.

This is the one documented place where facts across records are computed
(who else uses a PACER username, how many accounts a bar id holds at a
court, whether a username is a PAA, whether a court is live on the audit
date, whether two names are one person).  Rules then look at one record at a
time.  ``DERIVED`` documents every field; ``derive`` computes them all with
vectorised pandas operations.

People are told apart by bar id; where a record has no bar id, by
normalised name ("Smith, John A." = "John Smith"), and a record without a bar
id whose name matches a record *with* a bar id on the same PACER username is
taken to be that person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from . import normalize as nz
from .calendar import Calendar
from .columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER
from .rulelang import BOOL, DATE, INT, TEXT

STRING = "string[pyarrow]"
ALL = (COURT_ACCOUNTS, ROSTER, PACER_ACCOUNTS)
USES = (COURT_ACCOUNTS, ROSTER)


@dataclass(frozen=True)
class Derived:
    name: str
    dtype: str
    kinds: tuple[str, ...]
    description: str
    columns: tuple[str, ...] = ()  # same-kind input columns it is computed from


DERIVED: tuple[Derived, ...] = (
    Derived("audit_date", DATE, ALL, "The audit date (`--as-of`, default today)."),
    Derived("username_length", INT, ALL, "Number of characters of the PACER username, trimmed (blank when there is none).",
            ("pacer_username",)),
    Derived("is_efiling_use", BOOL, USES,
            "This record uses its PACER username to e-file: an active CM/ECF account with a linked username, or a "
            "roster person still at the firm whose pacer_use is efiling or both.", ("pacer_username",)),
    Derived("is_research_use", BOOL, USES,
            "A roster person still at the firm who uses the PACER username for research only.", ("pacer_username",)),
    Derived("pacer_efiling_people", INT, USES,
            "Distinct people (by bar id, else by normalised name) who e-file with this PACER username, across every "
            "input of the run.", ("pacer_username",)),
    Derived("pacer_research_people", INT, USES,
            "Distinct people who use this PACER username for research only (and do not e-file with it).",
            ("pacer_username",)),
    Derived("pacer_people", INT, USES, "Distinct people using this PACER username in any way.", ("pacer_username",)),
    Derived("pacer_users", TEXT, USES, "The names of the people using this PACER username (for evidence).",
            ("pacer_username",)),
    Derived("pacer_is_paa", BOOL, USES,
            "The PACER username is a PACER Administrative Account: listed with account type paa in the PACER "
            "accounts, or named as a paa_id in any input.", ("pacer_username",)),
    Derived("pacer_listed", BOOL, USES, "The PACER username appears in the PACER account list.", ("pacer_username",)),
    Derived("pacer_upgraded", BOOL, USES, "`upgraded` of this username in the PACER account list.", ("pacer_username",)),
    Derived("pacer_account_type", TEXT, USES, "`account_type` of this username in the PACER account list.",
            ("pacer_username",)),
    Derived("pacer_account_holder", TEXT, USES, "`account_holder` of this username in the PACER account list.",
            ("pacer_username",)),
    Derived("pacer_paa_id", TEXT, USES, "`paa_id` of this username in the PACER account list.", ("pacer_username",)),
    Derived("pacer_mfa_enrolled", BOOL, USES, "`mfa_enrolled` of this username in the PACER account list.",
            ("pacer_username",)),
    Derived("holder_name_matches", BOOL, USES,
            "Whether the PACER account holder's name is this person's name: same first and last name once "
            "normalised, same last name and first initial, or a fuzzy score of 90 or more.  Blank when the PACER "
            "list has no holder for the username.", ("pacer_username",)),
    Derived("court_known", BOOL, (COURT_ACCOUNTS,), "The court id is in the court calendar."),
    Derived("court_go_live", DATE, (COURT_ACCOUNTS,), "The court's NextGen go-live date, when known."),
    Derived("court_live", BOOL, (COURT_ACCOUNTS,),
            "The court is live on NextGen on the audit date (a NextGen court with no known date counts as live)."),
    Derived("bar_active_accounts_at_court", INT, (COURT_ACCOUNTS,),
            "Active CM/ECF accounts holding this bar id at this court.", ("bar_id",)),
    Derived("has_left_firm", BOOL, (ROSTER,), "left_firm_on is on or before the audit date.", ("left_firm_on",)),
    Derived("linked_to_paa", BOOL, (ROSTER,),
            "The person's account is linked to the firm's PAA: a paa_id in the roster, or a paa_id in the PACER "
            "account list for their username that the same firm's roster names as its PAA."),
    Derived("used_for_efiling", BOOL, (PACER_ACCOUNTS,),
            "Some active CM/ECF account or roster e-filer of the run uses this PACER username."),
    Derived("in_other_inputs", BOOL, (PACER_ACCOUNTS,),
            "The username appears in a court account or roster record of the run."),
    Derived("person_pacer_accounts", INT, (PACER_ACCOUNTS,),
            "Individual (not PAA, not shared) PACER accounts held by the same person: same e-mail once "
            "normalised (lower case, +tags removed), or the same bar id e-filing with other usernames."),
    Derived("firm_name", TEXT, (PACER_ACCOUNTS,),
            "The firm of the account: from a roster listing the username or the account's paa_id, else from a "
            "court account linked to it."),
    Derived("person_pacer_usernames", TEXT, (PACER_ACCOUNTS,),
            "The usernames counted in person_pacer_accounts (for evidence)."),
)
DERIVED_BY_NAME = {d.name: d for d in DERIVED}


def _str(values) -> pd.Series:
    return pd.Series(values, dtype=STRING) if not isinstance(values, pd.Series) else values.astype(STRING)


def _bool(s) -> pd.Series:
    return pd.Series(s).astype("boolean")


def derive(tables: dict[str, pd.DataFrame], as_of: dt.date, calendar: Calendar) -> dict[str, pd.DataFrame]:
    """Add every derived field to each kind's records; returns new frames (inputs unchanged)."""
    out = {kind: frame.copy() for kind, frame in tables.items()}
    name_cols = {COURT_ACCOUNTS: "filer_name", ROSTER: "person_name", PACER_ACCOUNTS: "account_holder"}
    name_keys = dict(zip(out, nz.name_keys([frame[name_cols[kind]] for kind, frame in out.items()])))
    for kind, frame in out.items():
        name_col = name_cols[kind]
        frame["_user"] = nz.username_key(frame["pacer_username"])
        frame["_name"] = name_keys[kind]
        frame["_display"] = frame[name_col].astype(STRING)
        frame["_bar"] = nz.bar_key(frame["bar_id"]) if "bar_id" in frame else pd.Series(pd.NA, index=frame.index, dtype=STRING)
        frame["audit_date"] = pd.Timestamp(as_of)
        frame["username_length"] = frame["pacer_username"].astype(STRING).str.strip().str.len().astype("Int64")

    if ROSTER in out:
        r = out[ROSTER]
        r["has_left_firm"] = _bool((r["left_firm_on"] <= pd.Timestamp(as_of)).fillna(False))
    uses = _uses(out, as_of)
    users, efiling_people = _sharing(out, uses)
    holder_keys = _pacer_lookups(out)
    _paa(out)
    _holder_match(out, holder_keys)
    if COURT_ACCOUNTS in out:
        _court(out[COURT_ACCOUNTS], as_of, calendar)
    if ROSTER in out:
        _linked_to_paa(out[ROSTER])
    if PACER_ACCOUNTS in out:
        _pacer_side(out[PACER_ACCOUNTS], uses, users, efiling_people)
        _pacer_firm(out)
    return out


def _linked_to_paa(r: pd.DataFrame) -> None:
    """Linked to the firm's PAA: the roster names a PAA for the person, or the PACER list links the
    account to a PAA that the same firm's roster names for someone (a PAA of another firm, such as a
    new employer's, does not count)."""
    firm = nz.firm_key(r["firm_name"])
    paa = nz.username_key(r["paa_id"])
    firm_paas = nz.joined(firm, paa)
    listed = nz.joined(firm, nz.username_key(r["pacer_paa_id"]))
    r["linked_to_paa"] = _bool(paa.notna() | nz.isin(listed, firm_paas))


def _pacer_firm(out) -> None:
    """A PACER account's firm, so that a firm's own report holds its PAA and accounts."""
    p = out[PACER_ACCOUNTS]
    firm = pd.Series(pd.NA, index=p.index, dtype=STRING)
    for kind, key in ((ROSTER, "_user"), (ROSTER, "paa"), (COURT_ACCOUNTS, "_user")):
        if kind not in out:
            continue
        f = out[kind]
        src = nz.username_key(f["paa_id"]) if key == "paa" else f["_user"]
        named = f["firm_name"].notna().to_numpy(dtype=bool)
        src, names = src[named], f["firm_name"][named].astype(STRING)
        mine = nz.username_key(p["paa_id"]) if key == "paa" else p["_user"]
        firm = firm.fillna(nz.lookup_pairs(mine, src, names, STRING))
        if key == "paa":  # the PAA's own row: its username is the paa_id the roster names
            firm = firm.fillna(nz.lookup_pairs(p["_user"], src, names, STRING))
    p["firm_name"] = firm


def _uses(out, as_of) -> pd.DataFrame:
    """One row per (record, PACER username) use in court accounts and rosters, with a person id."""
    parts = []
    if COURT_ACCOUNTS in out:
        c = out[COURT_ACCOUNTS]
        efile = (c["account_status"] == "active").fillna(False) & c["_user"].notna()
        c["is_efiling_use"] = _bool(efile)
        c["is_research_use"] = _bool(pd.Series(False, index=c.index))
        parts.append(pd.DataFrame({"kind": COURT_ACCOUNTS, "idx": c.index[efile], "user": c["_user"][efile],
                                   "bar": c["_bar"][efile], "name": c["_name"][efile],
                                   "display": c["_display"][efile], "use": "efiling"}))
    if ROSTER in out:
        r = out[ROSTER]
        here = ~r["has_left_firm"].fillna(False) & r["_user"].notna()
        efile = here & r["pacer_use"].isin(["efiling", "both"]).fillna(False)
        research = here & (r["pacer_use"] == "research").fillna(False)
        r["is_efiling_use"] = _bool(efile)
        r["is_research_use"] = _bool(research)
        sel = efile | research
        parts.append(pd.DataFrame({"kind": ROSTER, "idx": r.index[sel], "user": r["_user"][sel],
                                   "bar": r["_bar"][sel], "name": r["_name"][sel],
                                   "display": r["_display"][sel],
                                   "use": np.where(efile[sel], "efiling", "research")}))
    if not parts:
        return pd.DataFrame(columns=["kind", "idx", "user", "bar", "name", "display", "use", "pid"])
    uses = pd.concat(parts, ignore_index=True)
    # Person id: bar id; else the bar id of a record with the same name on the same username; else the name.
    # Keys only for the uses that need a match (no bar id, a name) and those that can give one.
    named = uses["name"].notna().to_numpy(dtype=bool)
    with_bar = uses["bar"].notna().to_numpy(dtype=bool)
    need, ref = named & ~with_bar, named & with_bar
    matched_bar = pd.Series(pd.NA, index=uses.index, dtype=STRING)
    if need.any() and ref.any():
        found = nz.lookup_pairs(nz.joined(uses["user"][need], uses["name"][need]),
                                nz.joined(uses["user"][ref], uses["name"][ref]),
                                uses["bar"][ref].astype(STRING), STRING)
        matched_bar.iloc[np.flatnonzero(need)] = found.array
    uses["pid"] = _person_codes(uses["bar"], matched_bar, uses["name"])
    return uses


def _person_codes(bar: pd.Series, matched_bar: pd.Series, name: pd.Series) -> np.ndarray:
    """One integer per person: the bar id, else the matched bar id (the same numbers as bar ids),
    else the name; a use with none of them is a person of its own."""
    bars = pd.concat([bar, matched_bar], ignore_index=True)
    bar_code, bar_values = pd.factorize(bars)
    own, matched = bar_code[:len(bar)], bar_code[len(bar):]
    name_code, name_values = pd.factorize(name)
    n_bar, n_name = len(bar_values), len(name_values)
    code = np.where(own >= 0, own, matched)
    code = np.where(code >= 0, code, np.where(name_code >= 0, n_bar + name_code, -1))
    alone = code < 0
    code[alone] = n_bar + n_name + np.arange(int(alone.sum()))
    return code.astype(np.int64)


def _sharing(out, uses: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """Distinct people per username (all uses, e-filing, research only), on integer codes.

    Returns the distinct usernames and, for each, its number of e-filing people."""
    ucode, users = pd.factorize(uses["user"])
    pcode = uses["pid"].to_numpy(dtype=np.int64)
    n_pids = int(pcode.max()) + 1 if len(pcode) else 0
    pair = ucode.astype(np.int64) * (n_pids + 1) + pcode
    efiling = (uses["use"] == "efiling").to_numpy()
    # One hash pass over (user, person) pairs; a pair is e-filing when any of its uses is.
    pair_code, unique_pairs = pd.factorize(pair)
    pair_efiles = np.bincount(pair_code, weights=efiling, minlength=len(unique_pairs)) > 0
    pair_user = unique_pairs // (n_pids + 1)
    people = np.bincount(pair_user, minlength=len(users))
    efiling_people = np.bincount(pair_user[pair_efiles], minlength=len(users))
    research_people = np.bincount(pair_user[~pair_efiles], minlength=len(users))  # research only
    users = pd.Series(users, dtype=STRING)
    sh = uses[(people >= 2)[ucode]].drop_duplicates(["user", "pid"])
    names = (sh["display"].fillna("(no name)") + " (" + sh["use"] + ")").groupby(sh["user"]).agg(
        lambda s: "; ".join(sorted(s)[:8]) + (f"; and {len(s) - 8} more" if len(s) > 8 else ""))
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        u = f["_user"]
        where = nz.positions(u, users)
        for col, counts in (("pacer_efiling_people", efiling_people), ("pacer_research_people", research_people),
                            ("pacer_people", people)):
            f[col] = nz.take(pd.Series(counts, dtype="Int64"), where, f.index, "Int64").fillna(0).where(
                u.notna()).astype("Int64")
        f["pacer_users"] = nz.lookup(u, names.astype(STRING), STRING)
    return users, efiling_people


def _pacer_lookups(out) -> dict[str, pd.Series]:
    """The PACER list's fields for each record's username; returns, per kind, the name key of the
    account holder (the PACER side's ``_name`` at the same position)."""
    holder_keys = {}
    p = out.get(PACER_ACCOUNTS)
    if p is not None:
        first = p[p["_user"].notna()].drop_duplicates("_user").set_index("_user")
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        u = f["_user"]
        if p is None:
            f["pacer_listed"] = _bool(pd.Series(False, index=f.index))
            for col, dtype in (("pacer_upgraded", "boolean"), ("pacer_account_type", STRING),
                               ("pacer_account_holder", STRING), ("pacer_paa_id", STRING),
                               ("pacer_mfa_enrolled", "boolean")):
                f[col] = pd.Series(pd.NA, index=f.index, dtype=dtype)
            holder_keys[kind] = pd.Series(pd.NA, index=f.index, dtype=STRING)
            continue
        where = nz.positions(u, pd.Series(first.index, dtype=STRING))
        f["pacer_listed"] = _bool(pd.Series(where[1], index=f.index))
        for col, src, dtype in (("pacer_upgraded", "upgraded", "boolean"),
                                ("pacer_account_type", "account_type", STRING),
                                ("pacer_account_holder", "account_holder", STRING),
                                ("pacer_paa_id", "paa_id", STRING),
                                ("pacer_mfa_enrolled", "mfa_enrolled", "boolean")):
            f[col] = nz.take(first[src].astype(dtype), where, f.index, dtype)
        holder_keys[kind] = nz.take(first["_name"].astype(STRING), where, f.index, STRING)
    return holder_keys


def _paa(out) -> None:
    paa = []
    if PACER_ACCOUNTS in out:
        p = out[PACER_ACCOUNTS]
        paa.append(p.loc[p["account_type"] == "paa", "_user"])
        paa.append(nz.username_key(p["paa_id"]))
    if ROSTER in out:
        paa.append(nz.username_key(out[ROSTER]["paa_id"]))
    names = pd.concat(paa).dropna().astype(STRING) if paa else pd.Series([], dtype=STRING)
    for kind in USES:
        if kind in out:
            f = out[kind]
            f["pacer_is_paa"] = _bool(nz.isin(f["_user"], names))


def _holder_match(out, holder_keys: dict[str, pd.Series]) -> None:
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        holder = holder_keys[kind]
        own = f["_name"]
        known = holder.notna() & own.notna()
        same = (holder == own).fillna(False)
        h_last = nz.last_word(holder)
        o_last = nz.last_word(own)
        initial = (h_last == o_last).fillna(False) & (nz.first_char(holder) == nz.first_char(own)).fillna(False)
        result = pd.Series(pd.NA, index=f.index, dtype="boolean")
        result[known] = (same | initial)[known]
        # Fuzzy score only for the few pairs the keys did not settle (typos, transposed letters).
        todo = known & ~(same | initial)
        if todo.any():
            scores = [fuzz.token_sort_ratio(a, b) for a, b in zip(holder[todo], own[todo])]
            result[todo] = np.asarray(scores) >= 90
        f["holder_name_matches"] = result


def _court(c: pd.DataFrame, as_of, calendar: Calendar) -> None:
    court = c["court_id"].astype(STRING)
    # A few distinct courts among many rows: look each court up once, then spread by code.
    codes, uniques = pd.factorize(court)
    u = pd.Series(uniques, dtype=STRING)
    has = codes >= 0
    pick = np.where(has, codes, 0)

    def spread(values: pd.Series, dtype) -> pd.Series:
        if not len(values):
            return pd.Series(pd.NA, index=c.index, dtype=dtype)
        out = pd.Series(values.to_numpy()[pick], index=c.index).astype(dtype)
        return out.where(has)

    c["court_known"] = spread(u.isin(set(calendar.frame["court_id"])), "boolean")
    c["court_go_live"] = spread(calendar.go_live(u), "datetime64[ns]")
    c["court_live"] = spread(calendar.live(u, as_of), "boolean")
    active = (c["account_status"] == "active").fillna(False) & c["_bar"].notna()
    key = nz.joined(court.fillna(""), c["_bar"])
    counts = key[active].value_counts()
    c["bar_active_accounts_at_court"] = nz.lookup(key, counts.astype("Int64"), "Int64").where(
        c["_bar"].notna()).astype("Int64")


def _pacer_side(p: pd.DataFrame, uses: pd.DataFrame, users: pd.Series, efiling_people: np.ndarray) -> None:
    pos, found = nz.positions(p["_user"], users)   # the distinct usernames of court accounts and rosters
    p["used_for_efiling"] = _bool(pd.Series(found & (efiling_people[pos] > 0 if len(users) else found),
                                            index=p.index))
    p["in_other_inputs"] = _bool(pd.Series(found, index=p.index))
    personal = p["account_type"].isna() | (p["account_type"] == "individual")
    email = nz.email_key(p["email"])
    # Group 1: same normalised e-mail.
    e = pd.DataFrame({"email": email, "user": p["_user"]})[personal & email.notna() & p["_user"].notna()]
    e = e[e["email"].duplicated(keep=False)]  # an e-mail on one row alone cannot be on several usernames
    e = e.drop_duplicates()
    e = e[e["email"].duplicated(keep=False)]  # only e-mails on several usernames need grouping
    by_email = e.groupby("email")["user"].agg(lambda s: sorted(set(s)))  # one call per shared e-mail
    # Group 2: one bar id e-filing with several usernames that are personal accounts in the list.
    personal_users = p.loc[personal, "_user"]
    eb = uses.loc[((uses["use"] == "efiling") & uses["bar"].notna()).to_numpy()
                  & nz.isin(uses["user"].astype(STRING), personal_users).to_numpy(), ["bar", "user"]]
    eb = eb[eb["bar"].duplicated(keep=False)]  # a bar id on one use alone has one username
    eb = eb.drop_duplicates(["bar", "user"])
    eb = eb[eb["bar"].duplicated(keep=False)]
    by_bar = eb.groupby("bar")["user"].agg(lambda s: sorted(set(s)))
    user_bar = eb.drop_duplicates("user").set_index("user")["bar"]
    mine = personal & p["_user"].notna()
    candidates = mine & (nz.isin(email, pd.Series(by_email.index, dtype=STRING))
                         | nz.isin(p["_user"], pd.Series(user_bar.index, dtype=STRING)))
    count = pd.Series(pd.NA, index=p.index, dtype="Int64")
    count[mine] = 1
    names = pd.Series(pd.NA, index=p.index, dtype=STRING)
    if candidates.any():  # only the few accounts that share an e-mail or a bar id
        sets = [sorted(set(by_email.get(em, [])) | set(by_bar.get(user_bar.get(u), [])) | {u})
                for em, u in zip(email[candidates].astype(object), p.loc[candidates, "_user"].astype(object))]
        count[candidates] = [len(x) for x in sets]
        names[candidates] = [", ".join(x) for x in sets]
    p["person_pacer_accounts"] = count
    p["person_pacer_usernames"] = names
