"""Derived fields of the PACER account list that look at the other inputs of the run: whether a
username is used to e-file, the other accounts of the same person, and the account's firm.

Reads the run's keys as integer codes (``auditor.derive.keys``) and the uses of each username
(``auditor.derive.sharing``), so that each look-up is a numpy index rather than a hash pass over text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from auditor import normalize as nz
from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER
from auditor.derive.base import Derived, Family, Run, ints
from auditor.derive.identity import generation_of
from auditor.derive.name_pairs import GENERATION_LABELS, generation_codes
from auditor.field_types import BOOL, INT, TEXT

FIELDS = (
    Derived("used_for_efiling", BOOL, (PACER_ACCOUNTS,),
            "Some active CM/ECF account or roster e-filer of the run uses this PACER username."),
    Derived("in_other_inputs", BOOL, (PACER_ACCOUNTS,),
            "The username appears in a court account or roster record of the run."),
    Derived("person_pacer_accounts", INT, (PACER_ACCOUNTS,),
            "Individual (not PAA, not shared) PACER accounts held by the same person: same e-mail once "
            "normalised (lower case, +tags removed) unless the usernames e-file with different bar ids or are "
            "held by a Jr. and a Sr., or the same bar id e-filing with other usernames that nobody else "
            "e-files with (a bar id filing with another person's account is that account's sharing, not a "
            "second account of either)."),
    Derived("person_pacer_usernames", TEXT, (PACER_ACCOUNTS,),
            "The usernames counted in person_pacer_accounts (for evidence)."),
    Derived("person_pacer_first", BOOL, (PACER_ACCOUNTS,),
            "This row is the first (in username order, then list order) of the accounts counted in "
            "person_pacer_accounts: one person's several accounts are one problem, reported once, on it."),
    Derived("person_pacer_evidence", TEXT, (PACER_ACCOUNTS,),
            "What showed the accounts in person_pacer_usernames to be one person's: the same e-mail address, "
            "the same bar id e-filing with each, or both (for evidence)."),
)


FIRM_FIELDS = (
    Derived("firm_name", TEXT, (PACER_ACCOUNTS,),
            "The firm of the account: from a roster listing the username or the account's paa_id, else from a "
            "court account linked to it."),
)


def compute(run: Run) -> None:
    if PACER_ACCOUNTS in run.out:
        if run.uses is None or run.in_uses is None or run.efiling_people is None:
            raise RuntimeError("the pacer family runs after the sharing family")
        pacer_side(run.out[PACER_ACCOUNTS], run.uses, run.in_uses, run.efiling_people, run.keys)


def compute_firm(run: Run) -> None:
    """Hands the choice of each account's firm to the run's second thread, with the arrays it needs
    taken out here (``finish_firm`` puts the firms in)."""
    if PACER_ACCOUNTS in run.out:
        run.later["pacer_firm"] = run.second_thread().submit(_firms, *_firm_sources(run.out, run.keys))


def finish_firm(run: Run) -> None:
    job = run.later.pop("pacer_firm", None)
    if job is not None:
        p = run.out[PACER_ACCOUNTS]
        p["firm_name"] = nz.series(job.result(), p.index)


def _firm_sources(out, k) -> tuple[list[tuple[str, np.ndarray, list[np.ndarray], np.ndarray, pa.Array]], int, int]:
    """The arrays ``_firms`` reads, taken out of the frames: per source (a roster by username, a roster by
    paa_id, a court account by username), its kind, the source records' codes, the PACER list's codes to
    look up, whether each source record names a firm, and the kind's firm column; the number of
    username codes and of PACER list rows."""
    sources = []
    for kind, key in ((ROSTER, "user"), (ROSTER, "paa"), (COURT_ACCOUNTS, "user")):
        if kind not in out:
            continue
        f = out[kind]
        src = (k.paa if key == "paa" else k.user)[kind]
        mine = (k.paa if key == "paa" else k.user)[PACER_ACCOUNTS]
        tries = [mine, k.user[PACER_ACCOUNTS]] if key == "paa" else [mine]   # a PAA's own row: its username
        sources.append((kind, src, tries, f["firm_name"].notna().to_numpy(dtype=bool), nz.arrow(f["firm_name"])))
    return sources, len(k.users), len(out[PACER_ACCOUNTS])


def _firms(sources: list, n: int, rows: int) -> pa.Array:
    """A PACER account's firm, so that a firm's own report holds its PAA and accounts: from a roster
    listing the username or the account's paa_id, else from a court account linked to it.  Arrays only.

    The first source found is chosen on row positions (numpy), and the firms are then fetched with
    one take from the sources' firm columns end to end: a take at scattered rows of a large text
    column costs a cache miss per row, once instead of once per source."""
    columns: dict[str, pa.Array] = {}   # the firm column of each source kind, in the order first used
    chosen = np.full(rows, -1, dtype=np.int64)    # per account: row of the first source with a firm
    source = np.full(rows, -1, dtype=np.int8)     # ... and its kind, as a position in ``columns``
    for kind, src, tries, named, firms in sources:
        first = nz.first_positions(np.where(named, src, -1), n)   # row of the source, first with a firm
        columns.setdefault(kind, firms.cast(pa.large_string()))
        which = list(columns).index(kind)
        for codes in tries:
            row = nz.at(first, codes)
            fill = (chosen < 0) & (row >= 0)
            chosen[fill] = row[fill]
            source[fill] = which
    if not columns:
        return pa.nulls(rows, pa.large_string())
    start = 0
    where = np.full(rows, -1, dtype=np.int64)
    for which, names in enumerate(columns.values()):
        mine = source == which
        where[mine] = chosen[mine] + start
        start += len(names)
    return nz.take_rows(pa.concat_arrays(list(columns.values())), where)


def pacer_side(p: pd.DataFrame, uses: pd.DataFrame, in_uses: np.ndarray, efiling_people: np.ndarray, k) -> None:
    u = k.user[PACER_ACCOUNTS]
    found = nz.at(in_uses, u, False)   # the username is used in court accounts or rosters
    p["used_for_efiling"] = pd.Series(found & (nz.at(efiling_people, u, 0) > 0), index=p.index).astype("boolean")
    p["in_other_inputs"] = pd.Series(found, index=p.index).astype("boolean")
    personal = (p["account_type"].isna() | (p["account_type"] == "individual")).to_numpy(dtype=bool)
    ecode = k.pacer_email_code   # the e-mail keys' codes, worked out with the keys; their texts are
    # worked out again for the few rows that need them (the key of an address is the address's alone)
    # Group 1: same normalised e-mail.  An e-mail on one row alone cannot be on several usernames:
    # counted on integer codes first, so the grouping below sees only the e-mails on several rows.
    eligible = personal & (ecode >= 0) & (u >= 0)
    rows = np.bincount(ecode[eligible], minlength=int(ecode.max()) + 1 if len(ecode) else 0)
    several = eligible & (nz.at(rows, ecode, 0) > 1)
    e = pd.DataFrame({"email": nz.email_key(p["email"][several]), "user": p["_user"][several], "code": ecode[several]})
    e = e.drop_duplicates(["email", "user"])
    e = e[e["email"].duplicated(keep=False)]  # only e-mails on several usernames need grouping
    by_email = _sorted_sets(e["email"], e["user"])
    # Group 2: one bar id e-filing with several usernames that are personal accounts in the list.
    is_personal = np.zeros(len(k.users), dtype=bool)
    is_personal[u[personal & (u >= 0)]] = True
    ub = uses["user"].to_numpy(dtype=np.int64)
    bar = uses["bar"].to_numpy(dtype=np.int64)
    # ... that no other person e-files with: a bar id filing with another person's account shares it
    # (shared-filing-account), which makes it a second account of neither of them
    sel = (uses["efiling"].to_numpy(dtype=bool) & (bar >= 0) & nz.at(is_personal, ub, False)
           & (nz.at(efiling_people, ub, 0) <= 1))
    many = _on_several(bar[sel])   # a bar id on one use alone has one username
    eb = pd.DataFrame({"bar": bar[sel][many], "user": ub[sel][many]}).drop_duplicates(["bar", "user"])
    eb = eb[_on_several(eb["bar"].to_numpy(dtype=np.int64))]
    on_bar = np.zeros(len(k.users), dtype=bool)   # per username code: in a group of one bar id
    on_bar[eb["user"].to_numpy()] = True
    eb["user"] = k.users.array.take(eb["user"].to_numpy())
    by_bar = _sorted_sets(eb["bar"], eb["user"])
    user_bar = eb.drop_duplicates("user").set_index("user")["bar"]
    # Who is who, rule 1 before rule 2: usernames sharing an e-mail but e-filed with different bar ids
    # are different people's (a firm's docketing mailbox), so an e-mail group holds only the usernames
    # whose bar id (where each e-files with exactly one) does not differ from the account's own.
    # A username e-files with one bar id only where its smallest and largest bar ids are the same.
    ue = uses["efiling"].to_numpy(dtype=bool) & (bar >= 0)
    low = np.full(len(k.users), np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(len(k.users), -1, dtype=np.int64)
    np.minimum.at(low, ub[ue], bar[ue])
    np.maximum.at(high, ub[ue], bar[ue])
    one_bar = np.where(low == high, high, -1)
    several_users = p["_user"][several].astype(object).tolist()
    bar_of = dict(zip(several_users, nz.at(one_bar, u[several], -1).tolist()))
    # ... nor those whose holders are a Jr. and a Sr. (a father and son sharing a mailbox): the suffix of
    # each holder named, from its name as written (a name that cannot carry one is not parsed)
    raw = k.raw[PACER_ACCOUNTS][several]
    generation = generation_codes(k.raws, raw, generation_of)
    gen_of = {us: GENERATION_LABELS[g] for us, g, r in zip(several_users, nz.at(generation, raw, 0).tolist(),
                                                           raw.tolist()) if r >= 0}
    mine = personal & (u >= 0)
    # the accounts whose e-mail is on several usernames or whose username is in a bar id's group, found
    # on the integer codes of e-mails and usernames
    shared_email = np.zeros(int(ecode.max(initial=-1)) + 1, dtype=bool)
    shared_email[e["code"].to_numpy()] = True
    candidates = np.flatnonzero(mine & (nz.at(shared_email, ecode, False) | nz.at(on_bar, u, False)))
    count = np.where(mine, 1, 0)
    first = mine.copy()
    names = why = pa.nulls(len(p), pa.large_string())
    if len(candidates):  # only the few accounts that share an e-mail or a bar id
        email_users, bar_users, bar_of_user = by_email, by_bar, user_bar.to_dict()
        at = pa.array(candidates)
        email = nz.email_key(nz.series(nz.arrow(p["email"]).take(at), pd.RangeIndex(len(at))))
        pairs = list(zip(nz.arrow(email).to_pylist(), nz.arrow(p["_user"]).take(at).to_pylist()))
        mailed = [{x for x in email_users.get(em, []) if x == us or not (
                   _bars_differ(bar_of, us, x) or _bars_differ(gen_of, us, x, none=""))} for em, us in pairs]
        sets = [sorted(m | set(bar_users.get(bar_of_user.get(us), [])) | {us}) for m, (_, us) in zip(mailed, pairs)]
        count[candidates] = [len(x) for x in sets]
        # the person's first username, at its first row in the list, carries the one finding
        once = ~pd.Series([us for _, us in pairs]).duplicated().to_numpy(dtype=bool)
        first[candidates] = [o and x[0] == us for o, x, (_, us) in zip(once, sets, pairs)]
        names = _spread([", ".join(x) for x in sets], candidates, len(p))
        why = _spread([" and ".join(w for w, hit in (("the same bar id e-filing with each", us in bar_of_user),
                                                     ("the same e-mail address", len(m) > 1)) if hit)
                       for m, (_, us) in zip(mailed, pairs)], candidates, len(p))
    p["person_pacer_accounts"] = ints(count, ~mine, p.index)
    p["person_pacer_first"] = pd.Series(first, index=p.index).astype("boolean")
    p["person_pacer_usernames"] = nz.series(names, p.index)
    p["person_pacer_evidence"] = nz.series(why, p.index)


def _spread(texts: list[str], at: np.ndarray, n: int) -> pa.Array:
    """``n`` values: ``texts`` at the rows ``at``, null elsewhere."""
    where = np.full(n, -1, dtype=np.int64)
    where[at] = np.arange(len(at))
    return nz.take_rows(pa.array(texts, type=pa.large_string()), where)


def _on_several(codes: np.ndarray) -> np.ndarray:
    """Per code (none below 0): another element holds the same code (``duplicated(keep=False)``),
    counted rather than hashed."""
    if not len(codes):
        return np.zeros(0, dtype=bool)
    return np.bincount(codes)[codes] > 1


def _sorted_sets(keys: pd.Series, values: pd.Series) -> dict:
    """Per key, its distinct values in order (``sorted(set(...))`` of each group), from one sort
    instead of a Python call per group."""
    f = pd.DataFrame({"k": keys.to_numpy(), "v": values.to_numpy()}).drop_duplicates().sort_values(["k", "v"])
    k, v = f["k"].to_numpy(dtype=object), f["v"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]])) if len(k) else np.zeros(0, dtype=np.int64)
    bounds, listed = np.append(starts, len(v)).tolist(), v.tolist()   # (slices of one list: no array per group)
    return dict(zip(k[starts].tolist(), (listed[a:b] for a, b in zip(bounds, bounds[1:]))))


def _bars_differ(bar_of: dict, a: str, b: str, none=-1) -> bool:
    """Both usernames have a value (a bar id, a suffix of generation) and the values differ."""
    x, y = bar_of.get(a, none), bar_of.get(b, none)
    return x != none and y != none and x != y


FAMILY = Family("pacer", FIELDS, compute, after=("keys", "sharing"))
FIRM = Family("pacer_firm", FIRM_FIELDS, compute_firm, after=("keys",), finish=finish_firm)
