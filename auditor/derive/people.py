"""The people behind the uses of each PACER username, told apart by ``auditor.derive.identity``.

Most usernames are used by one person written one way: those need no comparison.  For the others,
the uses are reduced to distinct signatures (bar id, e-mail, firm, name as written), and pairs of
signatures are formed only within a block (the same username and the same bar id, e-mail address or
a word of the name), never all pairs.  Each pair is decided once; people are the groups of
signatures joined by decisions, counted twice: joining the pairs decided SAME or UNKNOWN (the people
certainly there) and joining only SAME (the people possibly there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import normalize as nz
from auditor.columns import PACER_ACCOUNTS
from auditor.derive.identity import SAME, UNKNOWN, Side, decide

_MAX_REASONS = 3


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components of n nodes joined by edges (i, j): the smallest node of each, per node."""
    label = np.arange(n, dtype=np.int64)
    if not len(i):
        return label
    while True:
        low = np.minimum(label[i], label[j])
        new = label.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]                    # pointer jumping
        if np.array_equal(new, label):
            return label
        label = new


def _tokens(names: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(index of the name, word) for every word of two letters or more of each name, folded."""
    words = pc.split_pattern(nz.arrow(nz.fold(nz.series(names, pd.RangeIndex(len(names))))), " ")
    parent = pc.list_parent_indices(words).to_numpy()
    flat = pc.list_flatten(words)
    keep = pc.greater_equal(pc.utf8_length(flat), 2).to_numpy(zero_copy_only=False)
    return parent[keep], flat.filter(pa.array(keep))


def _pairs(block: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Pairs (i < j) of signatures sharing a block key (-1: none), as an (n, 2) array."""
    ok = block >= 0
    frame = pd.DataFrame({"b": block[ok], "s": sig[ok]}).drop_duplicates()
    counts = frame["b"].map(frame["b"].value_counts())
    frame = frame[counts.to_numpy() > 1]
    if frame.empty:
        return np.empty((0, 2), dtype=np.int64)
    m = frame.merge(frame, on="b")
    m = m[m["s_x"] < m["s_y"]]
    return m[["s_x", "s_y"]].to_numpy(dtype=np.int64)


def people(uses: pd.DataFrame, emails: pd.Series, firms: pd.Series, pacer: pd.DataFrame | None,
           pacer_user: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Person ids of the uses (certain and possible), and per username code the evidence that told
    its people apart.  ``emails``/``firms``: the e-mail and firm of each use (aligned with
    ``uses``)."""
    user = uses["user"].to_numpy(dtype=np.int64)
    bar = uses["bar"].to_numpy(dtype=np.int64)
    raw_code, raw = nz.factorize(nz.arrow(uses["display"]))
    # A use's first signature: bar id and name as written.  One signature per username: one person.
    sig0 = pd.MultiIndex.from_arrays([user, bar, raw_code]).factorize()[0] if len(uses) else np.zeros(0, int)
    first = pd.DataFrame({"u": user, "s": sig0}).drop_duplicates()
    multi_users = first["u"][first["u"].duplicated()].unique()
    multi = np.isin(user, multi_users)
    pid = user.copy()                    # one person per username unless told otherwise
    pid_possible = user.copy()
    evidence = pd.Series(dtype=object)
    if not multi.any():
        return pid, pid_possible, evidence
    rows = np.flatnonzero(multi)
    email_key = nz.email_key(emails.iloc[rows].reset_index(drop=True))
    email = _email_groups(email_key, pacer, pacer_user, multi_users)
    firm, _ = nz.factorize(nz.arrow(nz.firm_key(firms.iloc[rows].reset_index(drop=True))))
    sub = pd.DataFrame({"user": user[rows], "bar": bar[rows], "email": email, "firm": firm, "raw": raw_code[rows]})
    sig, sigs = pd.MultiIndex.from_frame(sub).factorize()
    s = sigs.to_frame(index=False)
    s.columns = sub.columns
    s_user, s_raw = s["user"].to_numpy(dtype=np.int64), s["raw"].to_numpy(dtype=np.int64)
    width = int(max(s["bar"].max(), s["email"].max(), 0)) + 2
    blocks = [np.where(s["bar"] >= 0, s_user * width + s["bar"], -1),
              np.where(s["email"] >= 0, s_user * width + s["email"], -1)]
    names_used = np.unique(s_raw[s_raw >= 0])
    parent, words = _tokens(raw.take(pa.array(names_used)))
    word_code, _ = nz.factorize(words)
    pairs = [_pairs(b, np.arange(len(s))) for b in blocks]
    tok = pd.DataFrame({"raw": names_used[parent], "w": word_code})
    st = pd.DataFrame({"sig": np.arange(len(s)), "raw": s_raw, "u": s_user}).merge(tok, on="raw")
    n_words = int(word_code.max()) + 1 if len(word_code) else 1
    pairs.append(_pairs((st["u"] * n_words + st["w"]).to_numpy(dtype=np.int64), st["sig"].to_numpy(dtype=np.int64)))
    pairs = np.unique(np.concatenate(pairs), axis=0) if any(len(p) for p in pairs) else np.empty((0, 2), np.int64)
    i, j = pairs[:, 0], pairs[:, 1]
    name_of = np.array(raw.to_pylist() + [None], dtype=object)
    side = lambda k: Side(s["bar"].to_numpy()[k], s["email"].to_numpy()[k], s["firm"].to_numpy()[k],  # noqa: E731
                          name_of[s_raw[k]])
    verdict, reason = decide(side(i), side(j))
    certain = components(len(s), i[verdict >= UNKNOWN], j[verdict >= UNKNOWN])
    possible = components(len(s), i[verdict == SAME], j[verdict == SAME])
    offset = int(user.max()) + 1
    pid[rows] = offset + certain[sig]
    pid_possible[rows] = offset + possible[sig]
    apart = (verdict != SAME) & (possible[i] != possible[j])
    if apart.any():
        text = pd.Series(name_of[s_raw[i[apart]]] + " / " + name_of[s_raw[j[apart]]] + ": " + reason[apart])
        evidence = text.groupby(s_user[i[apart]]).agg(
            lambda t: "; ".join(list(t)[:_MAX_REASONS]) + ("; ..." if len(t) > _MAX_REASONS else ""))
    return pid, pid_possible, evidence


def _email_groups(email_key: pd.Series, pacer: pd.DataFrame | None, pacer_user: np.ndarray | None,
                  users: np.ndarray) -> np.ndarray:
    """A code per e-mail address; addresses the PACER account list gives for one account (rows of
    the same username, or the same account number) share a code."""
    if pacer is None or not len(pacer):
        return nz.factorize(nz.arrow(email_key))[0]
    mine = np.flatnonzero(np.isin(pacer_user, users))
    p_email = nz.email_key(pacer["email"].iloc[mine].reset_index(drop=True))
    both = pa.concat_arrays([nz.arrow(email_key).cast(pa.large_string()), nz.arrow(p_email).cast(pa.large_string())])
    code, _ = nz.factorize(both)
    n = int(code.max()) + 1 if len(code) else 0
    mine_code = code[len(email_key):]
    acct = nz.factorize(nz.arrow(pacer["account_number"].iloc[mine].reset_index(drop=True)))[0]
    edges = []
    for key in (pacer_user[mine], acct):
        ok = (key >= 0) & (mine_code >= 0)
        f = pd.DataFrame({"k": key[ok], "e": mine_code[ok]}).drop_duplicates()
        firsts = f.groupby("k")["e"].transform("min").to_numpy()
        edges.append((f["e"].to_numpy(), firsts))
    i = np.concatenate([e[0] for e in edges]) if edges else np.empty(0, np.int64)
    j = np.concatenate([e[1] for e in edges]) if edges else np.empty(0, np.int64)
    label = components(n, i, j)
    own = code[:len(email_key)]
    return np.where(own >= 0, label[np.maximum(own, 0)], -1)
