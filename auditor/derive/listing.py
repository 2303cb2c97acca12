"""What the PACER account list says about the username of each court account and roster record:
listed or not, upgraded, account type, holder, PAA; whether the username is a PAA; whether a roster
person is linked to their firm's PAA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import normalize as nz
from auditor.columns import PACER_ACCOUNTS, ROSTER, STRING
from auditor.derive.base import USES, Derived, Family, Run, as_bool
from auditor.field_types import BOOL, TEXT

FIELDS = (
    Derived("pacer_is_paa", BOOL, USES,
            "The PACER username is a PACER Administrative Account: listed with account type paa in the PACER "
            "accounts, named as a paa_id in any input, or given with `--paa`.", ("pacer_username",)),
    Derived("pacer_listed", BOOL, USES, "The PACER username appears in the PACER account list.", ("pacer_username",)),
    Derived("pacer_upgraded", BOOL, USES, "`upgraded` of this username in the PACER account list.", ("pacer_username",)),
    Derived("pacer_account_type", TEXT, USES, "`account_type` of this username in the PACER account list.",
            ("pacer_username",)),
    Derived("pacer_account_holder", TEXT, USES, "`account_holder` of this username in the PACER account list.",
            ("pacer_username",)),
    Derived("pacer_paa_id", TEXT, USES, "`paa_id` of this username in the PACER account list.", ("pacer_username",)),
    Derived("pacer_mfa_enrolled", BOOL, USES, "`mfa_enrolled` of this username in the PACER account list.",
            ("pacer_username",)),
    Derived("linked_to_paa", BOOL, (ROSTER,),
            "The person's account is linked to the firm's PAA: a paa_id in the roster, or a paa_id in the PACER "
            "account list for their username that the same firm's roster names as its PAA."),
)
_LISTED = (("pacer_upgraded", "upgraded", "boolean"), ("pacer_account_type", "account_type", STRING),
           ("pacer_account_holder", "account_holder", STRING), ("pacer_paa_id", "paa_id", STRING),
           ("pacer_mfa_enrolled", "mfa_enrolled", "boolean"))
# Columns of the PACER list holding few distinct texts (three account types, a firm's PAA ids): taken
# through their dictionary, so that a take at scattered rows reads small integers, not text.
_FEW = ("account_type", "paa_id")


def compute(run: Run) -> None:
    _lookups(run)
    _paa(run.out, run.keys, run.paa_usernames)
    if ROSTER in run.out:
        _linked_to_paa(run.out[ROSTER], run.keys, run.pacer_paa[ROSTER])


def _lookups(run: Run) -> None:
    """The PACER list's fields for each record's username (its first row in the list); hands over,
    per kind, the row of the list (``run.holder``) and the username code of the listed paa_id.

    The rows are found here; the fields at those rows are taken on the run's second thread (from
    arrays taken out here) while the next families run, and put in by ``finish``."""
    out, k = run.out, run.keys
    p = out.get(PACER_ACCOUNTS)
    first = nz.first_positions(k.user[PACER_ACCOUNTS], len(k.users)) if p is not None else None
    rows: dict[str, np.ndarray] = {}
    for kind in USES:
        if kind not in out:
            continue
        f = out[kind]
        if p is None or first is None:
            f["pacer_listed"] = as_bool(pd.Series(False, index=f.index))
            for col, _, dtype in _LISTED:
                f[col] = pd.Series(pd.NA, index=f.index, dtype=dtype)
            run.holder[kind] = run.pacer_paa[kind] = np.full(len(f), -1, dtype=np.int64)
            continue
        pos = nz.at(first, k.user[kind])
        f["pacer_listed"] = as_bool(pd.Series(pos >= 0, index=f.index))
        run.holder[kind] = rows[kind] = pos
        run.pacer_paa[kind] = nz.at(k.paa[PACER_ACCOUNTS], pos)
    if rows and p is not None:
        columns = {src: _column(p[src], dtype) for _, src, dtype in _LISTED}
        run.later["listing"] = run.second_thread().submit(_fields, columns, rows)


def _column(values: pd.Series, dtype) -> pa.Array | tuple[np.ndarray, np.ndarray]:
    """A PACER list column as arrays: Arrow text, or (values, missing) of a yes/no column."""
    if dtype == STRING:
        return nz.arrow(values)
    b = values.astype("boolean")
    return b.to_numpy(dtype=bool, na_value=False), b.isna().to_numpy()


def _fields(columns: dict, rows: dict[str, np.ndarray]) -> dict[str, dict[str, pa.Array | tuple]]:
    """Per kind, each field of ``_LISTED`` at the PACER list rows of its records.  Arrays only."""
    few = {src: pc.dictionary_encode(columns[src].cast(pa.large_string())) for src in _FEW}
    out: dict[str, dict] = {}
    for kind, pos in rows.items():
        got: dict[str, pa.Array | tuple] = {}
        for col, src, dtype in _LISTED:
            if src in _FEW:
                got[col] = nz.take_encoded(few[src], pos)
            elif dtype == STRING:
                got[col] = nz.take_rows(columns[src], pos)
            else:
                values, mask = columns[src]
                at = np.maximum(pos, 0)
                got[col] = ((values[at], mask[at] | (pos < 0)) if len(values) else
                            (np.zeros(len(pos), dtype=bool), np.ones(len(pos), dtype=bool)))
        out[kind] = got
    return out


def finish(run: Run) -> None:
    job = run.later.pop("listing", None)
    if job is None:
        return
    for kind, got in job.result().items():
        f = run.out[kind]
        for col, value in got.items():
            f[col] = (pd.Series(pd.arrays.BooleanArray(*value), index=f.index) if isinstance(value, tuple)
                      else nz.series(value, f.index))


def _paa(out, k, given: tuple[str, ...] = ()) -> None:
    is_paa = np.zeros(len(k.users), dtype=bool)
    if given:
        code = pd.Index(k.users).get_indexer(nz.username_key(pd.Series(list(given), dtype=STRING)))
        is_paa[code[code >= 0]] = True
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
            f["pacer_is_paa"] = as_bool(pd.Series(nz.at(is_paa, k.user[kind], False), index=f.index))


def _linked_to_paa(r: pd.DataFrame, k, pacer_paa: np.ndarray) -> None:
    """Linked to the firm's PAA: the roster names a PAA for the person, or the PACER list links the
    account to a PAA that the same firm's roster names for someone (a PAA of another firm, such as a
    new employer's, does not count)."""
    firm, _ = pd.factorize(nz.firm_key(r["firm_name"]))
    paa = k.paa[ROSTER]
    width = len(k.users) + 1
    firm_paas = np.where((firm >= 0) & (paa >= 0), firm * width + paa, -1)
    listed = np.where((firm >= 0) & (pacer_paa >= 0), firm * width + pacer_paa, -1)
    r["linked_to_paa"] = as_bool(pd.Series((paa >= 0) | (nz.find(listed, firm_paas) >= 0), index=r.index))


FAMILY = Family("listing", FIELDS, compute, after=("keys",), finish=finish)
