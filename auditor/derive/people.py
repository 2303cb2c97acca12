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
from auditor.derive.identity import SAME, UNKNOWN, Side, components, decide, email_groups

_MAX_REASONS = 3


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


def people(uses: pd.DataFrame, raw: pa.Array, column, pacer: pd.DataFrame | None,
           pacer_user: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Person ids of the uses (certain and possible), and per username code the evidence that told
    its people apart.  ``raw``: the names as written (``uses["raw"]`` codes them); ``column(name,
    rows)``: an input column (email, firm_name) at some of the uses."""
    user = uses["user"].to_numpy(dtype=np.int64)
    bar = uses["bar"].to_numpy(dtype=np.int64)
    raw_code = uses["raw"].to_numpy(dtype=np.int64)
    # A username whose uses all have one bar id, or all have no bar id and one name as written, is
    # one person: only the others need comparing.
    n_users = int(user.max(initial=-1)) + 1
    spread = []
    for code in (bar, raw_code):
        low, high = np.full(n_users, np.iinfo(np.int64).max), np.full(n_users, -2, dtype=np.int64)
        np.minimum.at(low, user, code)
        np.maximum.at(high, user, code)
        spread.append((low, high))
    (bar_low, bar_high), (raw_low, raw_high) = spread
    multi_users = np.flatnonzero((bar_low != bar_high) | ((raw_low != raw_high) & (bar_low < 0)))
    marked = np.zeros(n_users, dtype=bool)
    marked[multi_users] = True
    multi = nz.at(marked, user, False)
    pid = user.copy()                    # one person per username unless told otherwise
    pid_possible = user.copy()
    evidence = pd.Series(dtype=object)
    if not multi.any():
        return pid, pid_possible, evidence
    rows = np.flatnonzero(multi)
    email_key = nz.email_arrow(nz.arrow(column("email", rows)))
    listed = (None if pacer is None or pacer_user is None
              else (pacer_user, nz.arrow(pacer["email"]), nz.arrow(pacer["account_number"])))
    email = email_groups(email_key, listed, multi_users)
    firm, _ = nz.factorize(nz.arrow(nz.firm_key(column("firm_name", rows))))
    sub = pd.DataFrame({"user": user[rows], "bar": bar[rows], "email": email, "firm": firm, "raw": raw_code[rows]})
    key = np.zeros(len(sub), dtype=np.int64)
    for c in sub.columns:                  # one integer per signature, column by column
        col = sub[c].to_numpy(dtype=np.int64)
        key, _ = pd.factorize(key * (int(col.max(initial=-1)) + 2) + col + 1)
        key = key.astype(np.int64)
    _, first_row, sig = np.unique(key, return_index=True, return_inverse=True)
    s = sub.iloc[first_row].reset_index(drop=True)
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
    both = np.concatenate(pairs)
    flat = np.unique(both[:, 0] * len(s) + both[:, 1])
    i, j = flat // len(s), flat % len(s)
    name_of = np.full(int(s_raw.max(initial=-1)) + 2, None, dtype=object)   # position -1: no name
    name_of[names_used] = raw.take(pa.array(names_used)).to_pylist()
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
