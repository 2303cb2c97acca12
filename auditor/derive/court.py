"""Derived fields of a court account's court: known to the calendar, its NextGen go-live date, live
on the audit date; and how many active accounts a bar id holds there."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor import normalize as nz
from auditor.columns import COURT_ACCOUNTS, STRING
from auditor.derive.base import Derived, Family, Run, ints
from auditor.field_types import BOOL, DATE, INT

FIELDS = (
    Derived("court_known", BOOL, (COURT_ACCOUNTS,), "The court id is in the court calendar."),
    Derived("court_go_live", DATE, (COURT_ACCOUNTS,), "The court's NextGen go-live date, when known."),
    Derived("court_live", BOOL, (COURT_ACCOUNTS,),
            "The court is live on NextGen on the audit date (a NextGen court with no known date counts as live)."),
    Derived("bar_active_accounts_at_court", INT, (COURT_ACCOUNTS,),
            "Active CM/ECF accounts holding this bar id at this court.", ("bar_id",)),
)


def compute(run: Run) -> None:
    if COURT_ACCOUNTS not in run.out:
        return
    c, k, calendar = run.out[COURT_ACCOUNTS], run.keys, run.calendar
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
    c["court_live"] = spread(calendar.live(u, run.as_of), "boolean")
    bar = k.bar[COURT_ACCOUNTS]
    active = (c["account_status"] == "active").fillna(False).to_numpy(dtype=bool) & (bar >= 0)
    key = np.where(bar >= 0, (codes.astype(np.int64) + 1) * (k.n_bars + 1) + bar, -1)  # a blank court is a court
    size = (len(uniques) + 1) * (k.n_bars + 1)
    if size > 4 * len(c) + 1024:                         # many courts: the pairs held, one hash pass
        key, _ = pd.factorize(key)
        size = int(key.max(initial=-1)) + 1
    counts = np.bincount(key[active], minlength=size)
    held = nz.at(counts, key, 0)                          # active accounts holding the row's (court, bar id)
    c["bar_active_accounts_at_court"] = ints(held, ~((held > 0) & (bar >= 0)), c.index)


FAMILY = Family("court", FIELDS, compute, after=("keys",))
