"""Derived fields of one record alone: the audit date, the username's length, whether a person has
left the firm."""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc

from auditor import normalize as nz
from auditor.columns import ROSTER
from auditor.derive.base import ALL, Derived, Family, Run, as_bool, ints
from auditor.field_types import BOOL, DATE, INT

FIELDS = (
    Derived("audit_date", DATE, ALL, "The audit date (`--as-of`, default today)."),
    Derived("username_length", INT, ALL, "Number of characters of the PACER username, trimmed (blank when there is none).",
            ("pacer_username",)),
    Derived("has_left_firm", BOOL, (ROSTER,), "left_firm_on is on or before the audit date.", ("left_firm_on",)),
)


def compute(run: Run) -> None:
    for frame in run.out.values():
        frame["audit_date"] = pd.Timestamp(run.as_of)
        # (as pandas' str.strip().str.len() makes it, in Arrow without the pandas wrappers)
        length = pc.utf8_length(pc.utf8_trim_whitespace(nz.arrow(frame["pacer_username"])))
        frame["username_length"] = ints(pc.fill_null(length, 0).to_numpy(zero_copy_only=False),
                                        pc.is_null(length).to_numpy(zero_copy_only=False), frame.index)
    if ROSTER in run.out:
        r = run.out[ROSTER]
        r["has_left_firm"] = as_bool((r["left_firm_on"] <= pd.Timestamp(run.as_of)).fillna(False))


FAMILY = Family("record", FIELDS, compute)
