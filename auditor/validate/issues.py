"""Data issues of one table: each names the file, sheet, row, the column as the user wrote it, the
value, a plain reason and a stable code (``auditor.model.DATA_ISSUE_CODES``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor.load.table import SHOWN_VALUE_CHARS, RawTable
from auditor.model import DATA_ISSUE_CODES, DATA_ISSUE_COLUMNS
from auditor.columns import STRING


def _shown(s: pd.Series) -> pd.Series:
    s = s.astype(STRING).fillna("")
    long = s.str.len() > SHOWN_VALUE_CHARS   # the column-wise twin of load.shown
    return s.where(~long, s.str.slice(0, SHOWN_VALUE_CHARS) + "…")


_NO_ISSUES = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else STRING) for c in DATA_ISSUE_COLUMNS})


class Issues:
    """Collects data issues as small frames (one per column and problem), built vectorised.

    Rows the loader set aside whole (a ragged row: its values are shifted) get no further issues:
    what their cells hold is not what their columns say."""

    def __init__(self, raw: RawTable, firm: pd.Series | None):
        self.raw, self.firm = raw, firm
        self.parts: list = []
        self.reported: dict[str, pd.Index] = {}
        self.skip = pd.Index([i["row"] for i in raw.header_issues if i.get("code") == "ragged-row"],
                             dtype="int64")

    def add(self, rows: pd.Index, column: str, values: pd.Series, reason, severity: str, code: str) -> None:
        assert code in DATA_ISSUE_CODES, code
        if len(self.skip):
            rows = rows.difference(self.skip)
        if len(rows) == 0:
            return
        header = self.raw.headers.get(column, column)
        firm = self.firm.reindex(rows) if self.firm is not None else pd.Series(pd.NA, index=rows)
        part = pd.DataFrame({
            "file": self.raw.name, "sheet": self.raw.sheet, "row": np.asarray(rows, dtype="int64"),
            "column": header, "value": _shown(values.reindex(rows)).to_numpy(),
            "reason": reason.reindex(rows).to_numpy() if isinstance(reason, pd.Series) else reason,
            "code": code, "severity": severity, "firm_name": firm.astype(STRING).to_numpy()})
        self.parts.append(part)
        prev = self.reported.get(column)
        self.reported[column] = rows if prev is None else prev.union(rows)

    def frame(self, extra: list[dict]) -> pd.DataFrame:
        parts = list(self.parts)
        if extra:
            parts.insert(0, pd.DataFrame(extra, columns=DATA_ISSUE_COLUMNS))
        if not parts:
            return _NO_ISSUES.copy()
        out = pd.concat(parts, ignore_index=True)
        out = out.sort_values("row", kind="stable").reset_index(drop=True)
        for c in DATA_ISSUE_COLUMNS:
            if c != "row":
                out[c] = out[c].astype(STRING)
        out["row"] = out["row"].astype("int64")
        return out[DATA_ISSUE_COLUMNS]
