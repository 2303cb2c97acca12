"""Data issues of the tables validated together: each names the file, sheet, row, the column as the user
wrote it, the value, a plain reason and a stable code (``auditor.model.DATA_ISSUE_CODES``).

The tables' cells are checked one after another as one table (``auditor.validate.joined``): an issue is
collected by its place in that table and handed back to its own file, under the row number the user sees."""

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

    ``rows``: the user's row number at each place of the joined table; ``starts``: the place where each
    of ``raws`` begins (and the end).  Rows the loader set aside whole (a ragged row: its values are
    shifted) get no further issues: what their cells hold is not what their columns say."""

    def __init__(self, raws: list[RawTable], firm: pd.Series | None, rows: np.ndarray, starts: np.ndarray):
        self.raws, self.firm, self.rows, self.starts = raws, firm, rows, starts
        self.parts: list = []
        self.reported: dict[str, pd.Index] = {}
        self.skip = pd.Index(self.places([[i["row"] for i in raw.header_issues if i.get("code") == "ragged-row"]
                                          for raw in raws]), dtype="int64")

    def places(self, rows_of_each: list[list[int]]) -> np.ndarray:
        """The places in the joined table of the given row numbers of each file."""
        found = [np.flatnonzero(np.isin(self.rows[self.starts[f]:self.starts[f + 1]], rows)) + self.starts[f]
                 for f, rows in enumerate(rows_of_each) if rows]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def add(self, rows: pd.Index, column: str, values: pd.Series, reason, severity: str, code: str) -> None:
        assert code in DATA_ISSUE_CODES, code
        if len(self.skip):
            rows = rows.difference(self.skip)
        if len(rows) == 0:
            return
        at = np.asarray(rows, dtype="int64")
        files = np.searchsorted(self.starts, at, side="right") - 1
        headers = [raw.headers.get(column, column) for raw in self.raws]
        header = headers[0] if len(set(headers)) == 1 else np.asarray(headers, dtype=object)[files]
        firm = self.firm.reindex(rows) if self.firm is not None else pd.Series(pd.NA, index=rows)
        part = pd.DataFrame({
            "_file": files, "row": self.rows[at],
            "column": header, "value": _shown(values.reindex(rows)).to_numpy(),
            "reason": reason.reindex(rows).to_numpy() if isinstance(reason, pd.Series) else reason,
            "code": code, "severity": severity, "firm_name": firm.astype(STRING).to_numpy()})
        self.parts.append(part)
        prev = self.reported.get(column)
        self.reported[column] = rows if prev is None else prev.union(rows)

    def frames(self, extras: list[list[dict]]) -> list[pd.DataFrame]:
        """Each file's data issues, its ``extras`` (the loader's) first, then by row."""
        parts = [pd.DataFrame(extra, columns=DATA_ISSUE_COLUMNS).assign(_file=f)
                 for f, extra in enumerate(extras) if extra] + self.parts
        if not parts:
            return [_NO_ISSUES.copy() for _ in self.raws]
        out: pd.DataFrame = pd.concat(parts, ignore_index=True)
        out["row"] = out["row"].astype("int64")
        files = out["_file"].to_numpy(dtype=np.int64)
        order = np.lexsort((out["row"].to_numpy(), files))   # stable: the extras, then the issues as found
        out, files = out.take(order), files[order]
        for c, said in (("file", [raw.name for raw in self.raws]), ("sheet", [raw.sheet for raw in self.raws])):
            mine = np.asarray(said, dtype=object)[files]
            if c in out.columns:   # the loader's issues name their own file and sheet
                own = out[c].to_numpy(dtype=object)
                mine = np.where(out[c].isna().to_numpy(), mine, own)
            out[c] = mine
        for c in DATA_ISSUE_COLUMNS:
            if c != "row":
                out[c] = out[c].astype(STRING)
        out = out[DATA_ISSUE_COLUMNS]
        bounds = np.searchsorted(files, np.arange(len(self.raws) + 1))
        return [out.iloc[bounds[f]:bounds[f + 1]].reset_index(drop=True) if bounds[f] < bounds[f + 1]
                else _NO_ISSUES.copy() for f in range(len(self.raws))]
