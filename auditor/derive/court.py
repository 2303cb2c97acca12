"""Derived fields of a court account's court: known to the calendar, its NextGen go-live date, live
on the audit date; and how many active accounts a bar id holds there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    """Each distinct court is looked up in the calendar here (a few); spreading the answers over the
    records and counting each (court, bar id)'s active accounts, arrays only, go to the run's second
    thread, with the columns taken out here (``finish`` puts the fields in)."""
    if COURT_ACCOUNTS not in run.out:
        return
    c, k, calendar = run.out[COURT_ACCOUNTS], run.keys, run.calendar
    codes, uniques = nz.factorize(nz.arrow(c["court_id"]))   # in order of first appearance, -1: none
    u = pd.Series(pd.arrays.ArrowStringArray(uniques.cast(pa.large_string())), dtype=STRING)
    known = u.isin(set(calendar.frame["court_id"])).to_numpy(dtype=bool)
    go_live = calendar.go_live(u).to_numpy(dtype="datetime64[ns]")
    live = calendar.live(u, run.as_of).to_numpy(dtype=bool, na_value=True)
    run.later["court"] = run.second_thread().submit(
        _spread_and_count, codes, (known, go_live, live), k.bar[COURT_ACCOUNTS], k.n_bars,
        nz.arrow(c["account_status"]))


def _spread_and_count(codes: np.ndarray, per_court: tuple[np.ndarray, np.ndarray, np.ndarray], bar: np.ndarray,
                      n_bars: int, status: pa.Array) -> tuple:
    """Per record: its court's answers (known, go-live date, live; none where the record names no
    court), and the active accounts holding its (court, bar id).  Arrays only."""
    has = codes >= 0
    pick = np.where(has, codes, 0)
    known, go_live, live = per_court
    if len(known):
        spread = (known[pick], go_live[pick], live[pick])
    else:   # no record names a court
        spread = (np.zeros(len(codes), dtype=bool), np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]"),
                  np.zeros(len(codes), dtype=bool))
    when = spread[1]   # (a new array: taken, or made, above)
    when[~has] = np.datetime64("NaT")
    active = pc.fill_null(pc.equal(status, "active"), False).to_numpy(zero_copy_only=False) & (bar >= 0)
    key = np.where(bar >= 0, (codes.astype(np.int64) + 1) * (n_bars + 1) + bar, -1)  # a blank court is a court
    size = (len(known) + 1) * (n_bars + 1)
    if size > 4 * len(codes) + 1024:                     # many courts: the pairs held, one hash pass
        key, _ = pd.factorize(key)
        size = int(key.max(initial=-1)) + 1
    counts = np.bincount(key[active], minlength=size)
    held = nz.at(counts, key, 0)                          # active accounts holding the row's (court, bar id)
    return has, spread[0], when, spread[2], held, (held > 0) & (bar >= 0)


def finish(run: Run) -> None:
    job = run.later.pop("court", None)
    if job is None:
        return
    has, known, when, live, held, counted = job.result()
    c = run.out[COURT_ACCOUNTS]
    c["court_known"] = pd.Series(pd.arrays.BooleanArray(known, ~has), index=c.index)
    c["court_go_live"] = pd.Series(when, index=c.index)
    c["court_live"] = pd.Series(pd.arrays.BooleanArray(live, ~has), index=c.index)
    c["bar_active_accounts_at_court"] = ints(held, ~counted, c.index)


FAMILY = Family("court", FIELDS, compute, after=("keys",), finish=finish)
