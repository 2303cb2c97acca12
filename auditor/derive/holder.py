"""Whether the holder the PACER account list gives for a username is the person using it, decided by
``auditor.derive.identity`` on the e-mail addresses and names of both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import normalize as nz
from auditor.columns import PACER_ACCOUNTS
from auditor.derive.base import USES, Derived, Family, Run, as_bool
from auditor.derive.identity import SAME, UNKNOWN, Side, decide_coded, email_groups, plainly_same
from auditor.field_types import BOOL, TEXT

FIELDS = (
    Derived("holder_name_matches", BOOL, USES,
            "Whether the PACER account holder is this person, as docs/identity.md explains: the same e-mail "
            "address, else the same name (nicknames, initials, titles, suffixes, accents understood).  Blank "
            "when the PACER list has no holder for the username, or when the evidence cannot tell.",
            ("pacer_username",)),
    Derived("holder_name_unsure", BOOL, USES,
            "The evidence cannot tell whether the PACER account holder is this person (the same name with "
            "different e-mail addresses, surnames alike only in spelling).", ("pacer_username",)),
    Derived("holder_evidence", TEXT, USES,
            "What decided holder_name_matches, in plain words, without naming the holder.", ("pacer_username",)),
)


def compute(run: Run) -> None:
    k = run.keys
    p = run.out.get(PACER_ACCOUNTS)
    for kind in USES:
        if kind not in run.out:
            continue
        f = run.out[kind]
        n = len(f)
        verdict = np.zeros(n, dtype=np.int8)
        reason = np.full(n, -1, dtype=np.int32)     # a code into texts
        texts: list[str] = []
        pos = run.holder[kind]
        own = k.name[kind]
        holder = nz.at(k.name[PACER_ACCOUNTS], pos) if p is not None else np.full(n, -1, dtype=np.int64)
        known = np.flatnonzero((holder >= 0) & (own >= 0))
        if len(known) and p is not None:   # a holder is known only from the PACER list
            v, r, texts = _decide(f, p, k, kind, pos[known], known, own[known], holder[known])
            verdict[known] = v
            reason[known] = r
        has = np.zeros(n, dtype=bool)
        has[known] = True
        f["holder_name_matches"] = pd.Series(pd.arrays.BooleanArray(verdict == SAME, ~has | (verdict == UNKNOWN)),
                                             index=f.index)
        f["holder_name_unsure"] = as_bool(pd.Series(has & (verdict == UNKNOWN), index=f.index))
        f["holder_evidence"] = nz.series(pa.array(texts, type=pa.large_string()).take(pa.array(reason, mask=reason < 0)),
                                         f.index)


def _decide(f: pd.DataFrame, p: pd.DataFrame, k, kind: str, pos: np.ndarray, rows: np.ndarray, own: np.ndarray,
            holder: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The decision for the records at ``rows`` against the PACER list rows at ``pos``."""
    user, pacer_user = k.user[kind][rows], k.user[PACER_ACCOUNTS]
    take = lambda s, at: nz.arrow(s).take(pa.array(at)).cast(pa.large_string())  # noqa: E731
    mine_raw, their_raw = k.raw[kind][rows], nz.at(k.raw[PACER_ACCOUNTS], pos)
    mine_mail, their_mail = take(f["email"], rows), take(p["email"], pos)
    # E-mail addresses are read in lower case; only those that differ as read need their "+tags" removed.
    differ = pc.fill_null(pc.not_equal(mine_mail, their_mail), True).to_numpy(zero_copy_only=False)
    code = np.full(len(rows) * 2, -1, dtype=np.int64)
    equal = ~differ & pc.is_valid(mine_mail).to_numpy(zero_copy_only=False)
    code[:len(rows)][equal] = code[len(rows):][equal] = np.flatnonzero(equal)
    d = np.flatnonzero(differ)
    if len(d):
        both = pa.concat_arrays([mine_mail.take(pa.array(d)), their_mail.take(pa.array(d))])
        keys = nz.email_key(nz.series(both, pd.RangeIndex(2 * len(d))))
        c = email_groups(keys, p, pacer_user, np.unique(user[d]))   # addresses the PACER list links
        code[d] = np.where(c[:len(d)] >= 0, c[:len(d)] + len(rows), -1)
        code[d + len(rows)] = np.where(c[len(d):] >= 0, c[len(d):] + len(rows), -1)
    none = np.full(len(rows), -1, dtype=np.int64)
    names_same = plainly_same(own, holder, nz.at(k.generation, mine_raw, False), nz.at(k.generation, their_raw, False))
    a = Side(none, code[:len(rows)], none, (k.raws, mine_raw))
    b = Side(none, code[len(rows):], none, (k.raws, their_raw))
    return decide_coded(a, b, names_same)


FAMILY = Family("holder", FIELDS, compute, after=("keys", "listing"))
