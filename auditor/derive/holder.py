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
from auditor.derive.keys import Names
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
    """Hands the decision to the run's second thread, with the arrays it needs taken out here: the
    records' e-mail addresses, the PACER list's, and the codes (``finish`` puts the answers in)."""
    k = run.keys
    p = run.out.get(PACER_ACCOUNTS)
    kinds = {kind: (len(run.out[kind]), run.holder[kind], k.user[kind],
                    nz.arrow(run.out[kind]["email"]) if p is not None else None)
             for kind in USES if kind in run.out}
    listed = (k.user[PACER_ACCOUNTS], nz.arrow(p["email"]), nz.arrow(p["account_number"])) if p is not None else None
    run.later["holder"] = run.second_thread().submit(_decide_all, kinds, listed, k.names.result())


def finish(run: Run) -> None:
    for kind, (verdict, has, evidence) in run.later.pop("holder").result().items():
        f = run.out[kind]
        f["holder_name_matches"] = pd.Series(pd.arrays.BooleanArray(verdict == SAME, ~has | (verdict == UNKNOWN)),
                                             index=f.index)
        f["holder_name_unsure"] = as_bool(pd.Series(has & (verdict == UNKNOWN), index=f.index))
        f["holder_evidence"] = nz.series(evidence, f.index)


def _decide_all(kinds: dict, listed: tuple[np.ndarray, pa.Array, pa.Array] | None,
                n: Names) -> dict[str, tuple[np.ndarray, np.ndarray, pa.Array]]:
    """Per kind: the verdict of each record, whether a holder is known, the evidence.  Arrays only."""
    out = {}
    for kind, (size, pos, user, email) in kinds.items():
        verdict = np.zeros(size, dtype=np.int8)
        reason = np.full(size, -1, dtype=np.int32)     # a code into texts
        texts: list[str] = []
        own = n.name[kind]
        holder = nz.at(n.name[PACER_ACCOUNTS], pos) if listed is not None else np.full(size, -1, dtype=np.int64)
        known = np.flatnonzero((holder >= 0) & (own >= 0))
        if len(known) and listed is not None:   # a holder is known only from the PACER list
            v, r, texts = _decide(n, kind, email, listed, pos[known], known, user[known], own[known], holder[known])
            verdict[known] = v
            reason[known] = r
        has = np.zeros(size, dtype=bool)
        has[known] = True
        out[kind] = (verdict, has, pa.array(texts, type=pa.large_string()).take(pa.array(reason, mask=reason < 0)))
    return out


def _decide(n: Names, kind: str, email: pa.Array, listed: tuple[np.ndarray, pa.Array, pa.Array], pos: np.ndarray,
            rows: np.ndarray, user: np.ndarray, own: np.ndarray,
            holder: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The decision for the records at ``rows`` against the PACER list rows at ``pos``."""
    pacer_user, pacer_email, _ = listed
    mine_raw, their_raw = n.raw[kind][rows], nz.at(n.raw[PACER_ACCOUNTS], pos)
    mine_mail = email.take(pa.array(rows)).cast(pa.large_string())
    their_mail = pacer_email.take(pa.array(pos)).cast(pa.large_string())
    # E-mail addresses are read in lower case; only those that differ as read need their "+tags" removed.
    differ = pc.fill_null(pc.not_equal(mine_mail, their_mail), True).to_numpy(zero_copy_only=False)
    code = np.full(len(rows) * 2, -1, dtype=np.int64)
    equal = ~differ & pc.is_valid(mine_mail).to_numpy(zero_copy_only=False)
    code[:len(rows)][equal] = code[len(rows):][equal] = np.flatnonzero(equal)
    d = np.flatnonzero(differ)
    if len(d):
        keys = nz.email_arrow(pa.concat_arrays([mine_mail.take(pa.array(d)), their_mail.take(pa.array(d))]))
        c = email_groups(keys, listed, np.unique(user[d]))   # addresses the PACER list links
        code[d] = np.where(c[:len(d)] >= 0, c[:len(d)] + len(rows), -1)
        code[d + len(rows)] = np.where(c[len(d):] >= 0, c[len(d):] + len(rows), -1)
    none = np.full(len(rows), -1, dtype=np.int64)
    names_same = plainly_same(own, holder, nz.at(n.generation, mine_raw, False), nz.at(n.generation, their_raw, False))
    a = Side(none, code[:len(rows)], none, (n.raws, mine_raw))
    b = Side(none, code[len(rows):], none, (n.raws, their_raw))
    return decide_coded(a, b, names_same)


FAMILY = Family("holder", FIELDS, compute, after=("keys", "listing"), finish=finish)
