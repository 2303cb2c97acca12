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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from auditor import normalize as nz
from auditor.calendar import Calendar
from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, PERSON_COLUMN, ROSTER, STRING
from auditor.derive.pacer import pacer_firm, pacer_side
from auditor.rulebook.language import BOOL, DATE, INT, TEXT

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


def _bool(s) -> pd.Series:
    return pd.Series(s).astype("boolean")


def _ints(values: np.ndarray, missing: np.ndarray, index) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(missing, dtype=bool)),
                     index=index)


@dataclass
class _Codes:
    """Integer codes of the keys, shared by all kinds of the run: ``user`` (PACER usernames and PAA
    ids), ``name`` (normalised names) and ``bar`` (bar ids); -1 where a record has none."""

    user: dict[str, np.ndarray]
    paa: dict[str, np.ndarray]
    name: dict[str, np.ndarray]
    bar: dict[str, np.ndarray]
    users: pd.Series           # the username keys in code order
    names: pd.Series           # the name keys in code order
    n_bars: int




def _codes(out: dict[str, pd.DataFrame]) -> tuple[_Codes, dict, dict, dict]:
    """Every key worked out once for the run (one hash pass per kind of key), with its codes."""
    kinds = list(out)
    # The name keys (a dozen regex passes) are worked out in a second thread while this one hashes
    # the usernames and bar ids: Arrow's kernels release the GIL, so the two share the machine's cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        name_job = pool.submit(nz.name_codes, [out[k][PERSON_COLUMN[k]] for k in kinds])
        user_cols = [(k, "pacer_username") for k in kinds] + [(k, "paa_id") for k in (ROSTER, PACER_ACCOUNTS)
                                                              if k in out]
        user_keys, user_codes, users = nz.key_codes([out[k][c] for k, c in user_cols], nz.username_arrow)
        bar_kinds = [k for k in kinds if "bar_id" in out[k]]
        bar_keys, bar_codes, bars = nz.key_codes([out[k]["bar_id"] for k in bar_kinds], nz.bar_arrow)
        name_keys, name_codes, names = name_job.result()
    user = {k: c for (k, col), c in zip(user_cols, user_codes) if col == "pacer_username"}
    paa = {k: c for (k, col), c in zip(user_cols, user_codes) if col == "paa_id"}
    bar = dict(zip(bar_kinds, bar_codes))
    for k in kinds:
        bar.setdefault(k, np.full(len(out[k]), -1, dtype=np.int64))
    codes = _Codes(user=user, paa=paa, name=dict(zip(kinds, name_codes)), bar=bar, users=users, names=names,
                   n_bars=len(bars))
    user_key = {k: s for (k, col), s in zip(user_cols, user_keys) if col == "pacer_username"}
    return codes, user_key, dict(zip(kinds, name_keys)), dict(zip(bar_kinds, bar_keys))


def derive(tables: dict[str, pd.DataFrame], as_of: dt.date, calendar: Calendar) -> dict[str, pd.DataFrame]:
    """Add every derived field to each kind's records; returns new frames (inputs unchanged)."""
    out = {kind: frame.copy() for kind, frame in tables.items()}
    k, user_keys, name_keys, bar_keys = _codes(out)
    for kind, frame in out.items():
        frame["_user"] = user_keys[kind]
        frame["_name"] = name_keys[kind]
        frame["_display"] = frame[PERSON_COLUMN[kind]].astype(STRING)
        frame["_bar"] = bar_keys[kind] if kind in bar_keys else pd.Series(pd.NA, index=frame.index, dtype=STRING)
        frame["audit_date"] = pd.Timestamp(as_of)
        frame["username_length"] = frame["pacer_username"].astype(STRING).str.strip().str.len().astype("Int64")

    if ROSTER in out:
        r = out[ROSTER]
        r["has_left_firm"] = _bool((r["left_firm_on"] <= pd.Timestamp(as_of)).fillna(False))
    uses = _uses(out, k)
    in_uses, efiling_people = _sharing(out, k, uses)
    holder, pacer_paa = _pacer_lookups(out, k)
    _paa(out, k)
    _holder_match(out, k, holder)
    if COURT_ACCOUNTS in out:
        _court(out[COURT_ACCOUNTS], as_of, calendar, k)
    if ROSTER in out:
        _linked_to_paa(out[ROSTER], k, pacer_paa[ROSTER])
    if PACER_ACCOUNTS in out:
        pacer_side(out[PACER_ACCOUNTS], uses, in_uses, efiling_people, k)
        pacer_firm(out, k)
    return out


def _linked_to_paa(r: pd.DataFrame, k: _Codes, pacer_paa: np.ndarray) -> None:
    """Linked to the firm's PAA: the roster names a PAA for the person, or the PACER list links the
    account to a PAA that the same firm's roster names for someone (a PAA of another firm, such as a
    new employer's, does not count)."""
    firm, _ = pd.factorize(nz.firm_key(r["firm_name"]))
    paa = k.paa[ROSTER]
    width = len(k.users) + 1
    firm_paas = np.where((firm >= 0) & (paa >= 0), firm * width + paa, -1)
    listed = np.where((firm >= 0) & (pacer_paa >= 0), firm * width + pacer_paa, -1)
    r["linked_to_paa"] = _bool(pd.Series((paa >= 0) | (nz.find(listed, firm_paas) >= 0), index=r.index))


def _uses(out, k: _Codes) -> pd.DataFrame:
    """One row per (record, PACER username) use in court accounts and rosters, with a person id; the
    username, bar id and name as codes."""
    parts = []
    if COURT_ACCOUNTS in out:
        c = out[COURT_ACCOUNTS]
        efile = ((c["account_status"] == "active").fillna(False) & c["_user"].notna()).to_numpy(dtype=bool)
        c["is_efiling_use"] = _bool(pd.Series(efile, index=c.index))
        c["is_research_use"] = _bool(pd.Series(False, index=c.index))
        parts.append(pd.DataFrame({"user": k.user[COURT_ACCOUNTS][efile], "bar": k.bar[COURT_ACCOUNTS][efile],
                                   "name": k.name[COURT_ACCOUNTS][efile],
                                   "display": c["_display"].array[efile], "efiling": True}))
    if ROSTER in out:
        r = out[ROSTER]
        here = ~r["has_left_firm"].fillna(False) & r["_user"].notna()
        efile = (here & r["pacer_use"].isin(["efiling", "both"]).fillna(False)).to_numpy(dtype=bool)
        research = (here & (r["pacer_use"] == "research").fillna(False)).to_numpy(dtype=bool)
        r["is_efiling_use"] = _bool(pd.Series(efile, index=r.index))
        r["is_research_use"] = _bool(pd.Series(research, index=r.index))
        sel = efile | research
        parts.append(pd.DataFrame({"user": k.user[ROSTER][sel], "bar": k.bar[ROSTER][sel],
                                   "name": k.name[ROSTER][sel], "display": r["_display"].array[sel],
                                   "efiling": efile[sel]}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in ("user", "bar", "name", "pid")}
                            ).assign(display=pd.Series(dtype=STRING), efiling=pd.Series(dtype=bool))
    uses = pd.concat(parts, ignore_index=True)
    user, bar, name = (uses[c].to_numpy(dtype=np.int64) for c in ("user", "bar", "name"))
    # Person id: bar id; else the bar id of a record with the same name on the same username; else the name.
    need, ref = (name >= 0) & (bar < 0), (name >= 0) & (bar >= 0)
    matched = np.full(len(uses), -1, dtype=np.int64)
    if need.any() and ref.any():
        pair = user * (len(k.names) + 1) + name
        pos = nz.find(pair[need], np.where(ref, pair, -1))
        matched[need] = nz.at(bar, pos)
    uses["pid"] = _person_codes(bar, matched, name, k.n_bars, len(k.names))
    return uses


def _person_codes(bar: np.ndarray, matched: np.ndarray, name: np.ndarray, n_bar: int, n_name: int) -> np.ndarray:
    """One integer per person: the bar id, else the matched bar id, else the name; a use with none
    of them is a person of its own."""
    code = np.where(bar >= 0, bar, matched)
    code = np.where(code >= 0, code, np.where(name >= 0, n_bar + name, -1))
    alone = code < 0
    code[alone] = n_bar + n_name + np.arange(int(alone.sum()))
    return code.astype(np.int64)


def _sharing(out, k: _Codes, uses: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Distinct people per username (all uses, e-filing, research only), on integer codes.

    Returns, per username code, whether any use has it and its number of e-filing people."""
    n_users = len(k.users)
    ucode = uses["user"].to_numpy(dtype=np.int64)
    pcode = uses["pid"].to_numpy(dtype=np.int64)
    n_pids = int(pcode.max()) + 1 if len(pcode) else 0
    pair = ucode * (n_pids + 1) + pcode
    efiling = uses["efiling"].to_numpy(dtype=bool)
    # One hash pass over (user, person) pairs; a pair is e-filing when any of its uses is.
    pair_code, unique_pairs = pd.factorize(pair)
    pair_efiles = np.bincount(pair_code, weights=efiling, minlength=len(unique_pairs)) > 0
    pair_user = unique_pairs // (n_pids + 1)
    people = np.bincount(pair_user, minlength=n_users)
    efiling_people = np.bincount(pair_user[pair_efiles], minlength=n_users)
    research_people = np.bincount(pair_user[~pair_efiles], minlength=n_users)  # research only
    sh = uses[(people >= 2)[ucode]].drop_duplicates(["user", "pid"])
    label = pd.Series(np.where(sh["efiling"].to_numpy(dtype=bool), " (efiling)", " (research)"), index=sh.index)
    names = (sh["display"].fillna("(no name)") + label).groupby(sh["user"]).agg(
        lambda s: "; ".join(sorted(s)[:8]) + (f"; and {len(s) - 8} more" if len(s) > 8 else ""))
    where = np.full(n_users, -1, dtype=np.int64)
    where[names.index.to_numpy(dtype=np.int64)] = np.arange(len(names))
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        u = k.user[kind]
        for col, counts in (("pacer_efiling_people", efiling_people), ("pacer_research_people", research_people),
                            ("pacer_people", people)):
            f[col] = _ints(nz.at(counts, u, 0), u < 0, f.index)
        f["pacer_users"] = nz.take_at(names, nz.at(where, u), f.index, STRING)
    return people > 0, efiling_people


def _pacer_lookups(out, k: _Codes) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The PACER list's fields for each record's username (its first row in the list); returns, per
    kind, the name code of the account holder and the username code of the listed paa_id."""
    holder, paa = {}, {}
    p = out.get(PACER_ACCOUNTS)
    first = nz.first_positions(k.user[PACER_ACCOUNTS], len(k.users)) if p is not None else None
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        if p is None:
            f["pacer_listed"] = _bool(pd.Series(False, index=f.index))
            for col, dtype in (("pacer_upgraded", "boolean"), ("pacer_account_type", STRING),
                               ("pacer_account_holder", STRING), ("pacer_paa_id", STRING),
                               ("pacer_mfa_enrolled", "boolean")):
                f[col] = pd.Series(pd.NA, index=f.index, dtype=dtype)
            holder[kind] = paa[kind] = np.full(len(f), -1, dtype=np.int64)
            continue
        pos = nz.at(first, k.user[kind])
        f["pacer_listed"] = _bool(pd.Series(pos >= 0, index=f.index))
        for col, src, dtype in (("pacer_upgraded", "upgraded", "boolean"),
                                ("pacer_account_type", "account_type", STRING),
                                ("pacer_account_holder", "account_holder", STRING),
                                ("pacer_paa_id", "paa_id", STRING),
                                ("pacer_mfa_enrolled", "mfa_enrolled", "boolean")):
            f[col] = nz.take_at(p[src], pos, f.index, dtype)
        holder[kind] = nz.at(k.name[PACER_ACCOUNTS], pos)
        paa[kind] = nz.at(k.paa[PACER_ACCOUNTS], pos)
    return holder, paa


def _paa(out, k: _Codes) -> None:
    is_paa = np.zeros(len(k.users), dtype=bool)
    if PACER_ACCOUNTS in out:
        p = out[PACER_ACCOUNTS]
        u = k.user[PACER_ACCOUNTS][(p["account_type"] == "paa").fillna(False).to_numpy(dtype=bool)]
        is_paa[u[u >= 0]] = True
    for kind in (PACER_ACCOUNTS, ROSTER):
        if kind in out:
            u = k.paa[kind]
            is_paa[u[u >= 0]] = True
    for kind in USES:
        if kind in out:
            f = out[kind]
            f["pacer_is_paa"] = _bool(pd.Series(nz.at(is_paa, k.user[kind], False), index=f.index))


def _holder_match(out, k: _Codes, holder_codes: dict[str, np.ndarray]) -> None:
    names = nz.arrow(k.names)
    last_code, _ = pd.factorize(nz.last_word(k.names))       # per name code
    first_code, _ = pd.factorize(nz.first_char(k.names))
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        holder, own = holder_codes[kind], k.name[kind]
        known = (holder >= 0) & (own >= 0)
        h, o = np.maximum(holder, 0), np.maximum(own, 0)
        same = known & (holder == own)
        initial = known & (nz.at(last_code, h) == nz.at(last_code, o)) & (nz.at(first_code, h) == nz.at(first_code, o))
        ok = same | initial
        # Fuzzy score only for the few pairs the keys did not settle (typos, transposed letters).
        todo = np.flatnonzero(known & ~ok)
        if len(todo):
            a = names.take(pa.array(holder[todo])).to_pylist()
            b = names.take(pa.array(own[todo])).to_pylist()
            ok[todo] = cpdist(a, b, scorer=fuzz.token_sort_ratio) >= 90
        f["holder_name_matches"] = pd.Series(pd.arrays.BooleanArray(ok, ~known), index=f.index)


def _court(c: pd.DataFrame, as_of, calendar: Calendar, k: _Codes) -> None:
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
    bar = k.bar[COURT_ACCOUNTS]
    active = (c["account_status"] == "active").fillna(False).to_numpy(dtype=bool) & (bar >= 0)
    key = np.where(bar >= 0, (codes.astype(np.int64) + 1) * (k.n_bars + 1) + bar, -1)  # a blank court is a court
    values, counts = np.unique(key[active], return_counts=True)
    i = np.minimum(np.searchsorted(values, key), max(len(values) - 1, 0))
    found = (values[i] == key) & (bar >= 0) if len(values) else np.zeros(len(key), dtype=bool)
    c["bar_active_accounts_at_court"] = _ints(counts[i] if len(values) else np.zeros(len(key)), ~found, c.index)
