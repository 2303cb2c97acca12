"""The records of the files of one kind put together for the audit.

Every record names its file, sheet and kind (``auditor.model``'s bookkeeping columns).  They are
categoricals: each text is held once with a small code per row, not spelled out again on each of a
million rows.  Several files' records are joined here so that they stay so: pandas joins
categoricals whose categories differ (one file name each) by spelling every row out.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pandas.api.types import union_categoricals

from auditor.columns import STRING
from auditor.model import FILE_COL, KIND_COL, SHEET_COL

BOOKKEEPING = (FILE_COL, SHEET_COL, KIND_COL)


def bookkeeping_dtype(values: Iterable[str]) -> pd.CategoricalDtype:
    """The dtype of a bookkeeping column holding ``values`` (text as everywhere in a run)."""
    return pd.CategoricalDtype(pd.Index(list(values), dtype=STRING))


def concat_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of ``frames`` one after another (index 0..n-1), in the first frame's column order,
    each bookkeeping column still a categorical when it is one in every frame."""
    joined = [c for c in BOOKKEEPING
              if all(c in f.columns and isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames)]
    if len(frames) < 2 or not joined:
        return pd.concat(frames, ignore_index=True)
    out = pd.concat([f.drop(columns=joined) for f in frames], ignore_index=True)
    for c in joined:
        out[c] = union_categoricals([f[c] for f in frames])
    return out[list(dict.fromkeys([*frames[0].columns, *out.columns]))]
