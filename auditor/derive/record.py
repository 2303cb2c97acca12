"""Derived fields of one record alone: the audit date, the username's length, whether a person has
left the firm."""

from __future__ import annotations

import pandas as pd

from auditor.columns import ROSTER, STRING
from auditor.derive.base import ALL, Derived, Family, Run, as_bool
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
        frame["username_length"] = frame["pacer_username"].astype(STRING).str.strip().str.len().astype("Int64")
    if ROSTER in run.out:
        r = run.out[ROSTER]
        r["has_left_firm"] = as_bool((r["left_firm_on"] <= pd.Timestamp(run.as_of)).fillna(False))


FAMILY = Family("record", FIELDS, compute)
