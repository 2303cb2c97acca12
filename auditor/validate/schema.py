"""The pandera schema of each kind of input, and the check of a table against it.

The schema says what a row cannot be audited without (a required column blank) and what a category
column may hold.  ``run_schema`` first asks the same two questions in Arrow (``passes``) and runs the
schema, importing pandera then, only for a table where something fails: on a table with nothing to
fail, pandera's run costs a few milliseconds a file whatever its size, which fifty rosters paid every
run for nothing.  tests/load/test_validate_schema.py holds the two to one answer.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from auditor import columns as C
from auditor.validate.issues import Issues

if TYPE_CHECKING:
    import pandera.pandas as pa

# The role column of a kind: an unknown role is audited as "other" rather than dropped.
ROLE_COLUMN = {C.COURT_ACCOUNTS: "filer_role", C.ROSTER: "role"}


def _schema(kind: str) -> pa.DataFrameSchema:
    """pandera schema of a kind: required columns not blank, categories within their values."""
    import auditor.validate.pandera_setup  # noqa: F401 - before pandera's first validation
    import pandera.pandas as pa

    cols = {}
    for col in C.columns(kind):
        checks = []
        if col.dtype == C.CATEGORY:
            checks.append(pa.Check.isin(list(col.categories)))
        cols[col.name] = pa.Column(nullable=not col.required, checks=checks, required=True)
    return pa.DataFrameSchema(cols, coerce=False, strict=False)


_SCHEMAS: dict[str, pa.DataFrameSchema] = {}


def schema(kind: str) -> pa.DataFrameSchema:
    if kind not in _SCHEMAS:
        _SCHEMAS[kind] = _schema(kind)
    return _SCHEMAS[kind]


def run_schema(kind: str, frame: pd.DataFrame, text: dict, issues: Issues,
               within: Collection[str] = ()) -> np.ndarray:
    """Check ``frame`` with the kind's pandera schema; issues for failures; mask of rejected rows.
    ``within``: category columns whose values were all made from their categories (see ``passes``)."""
    rejected = np.zeros(len(frame), dtype=bool)
    if passes(kind, frame, within):
        return rejected
    from pandera.errors import SchemaErrors   # pandera is imported only for a file that fails

    try:
        schema(kind).validate(frame, lazy=True)
        return rejected
    except SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases[cases["index"].notna() & cases["column"].notna()]
    for (column, check), grp in cases.groupby(["column", "check"], sort=False):
        col = C.column(kind, column)
        rows = pd.Index(grp["index"].astype("int64").unique())
        done = issues.reported.get(column)
        if done is not None:
            rows = rows.difference(done)
        if check == "not_nullable":
            if len(rows):
                issues.add(rows, column, text[column], f"{column} is blank; the row is not audited", "rejected",
                           "blank-required")
                rejected |= frame.index.isin(rows)
            continue
        accepted = ", ".join(col.categories)
        reason = f"not a known {column} (accepted: {accepted})"
        if column == ROLE_COLUMN.get(kind):
            # A role is needed only by the rules about attorneys: the row is audited as "other" by every
            # other rule rather than dropped from all of them.
            issues.add(rows, column, text[column], reason + "; the row is audited with the role other, "
                       "so the rules about attorneys do not look at it", "warning", "unknown-role")
            frame.loc[frame.index.isin(rows), column] = "other"
            continue
        if col.required:
            issues.add(rows, column, text[column], reason + "; the row is not audited", "rejected",
                       "unknown-category")
            rejected |= frame.index.isin(rows)
        else:
            issues.add(rows, column, text[column], reason + "; the cell is ignored", "warning", "unknown-category")
            frame.loc[frame.index.isin(rows), column] = pd.NA
    return rejected


def passes(kind: str, frame: pd.DataFrame, within: Collection[str] = ()) -> bool:
    """Whether the kind's schema (``_schema``) would find nothing wrong with ``frame``: each required
    column holds no blank and each category column no value outside its categories, blanks aside.
    True only when nothing fails, so a table with any failure is still checked (and reported) by the
    schema itself.  The category columns named in ``within`` are known to hold only their categories
    (each cell was set to the category its text names), so their values are not looked up again."""
    for col in C.columns(kind):
        if col.name not in frame.columns:
            return False
        if not (col.required or col.dtype == C.CATEGORY):
            continue
        values = frame[col.name].array
        if not isinstance(values, ArrowStringArray):
            return False   # not the text this module makes of them: the schema says
        arr = pyarrow.array(values)   # the column's own Arrow text, not a copy
        if col.required and arr.null_count:
            return False
        if col.dtype == C.CATEGORY and col.name not in within:
            known = pc.sum(pc.is_in(arr, value_set=pyarrow.array(col.categories, arr.type))).as_py() or 0
            if known != len(arr) - arr.null_count:
                return False
    return True
