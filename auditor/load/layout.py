"""The shape of a table as exported around its data: lines below the table that are no data."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd


_FOOTER = re.compile(
    r"(grand\s+)?totals?\b|(record|row|filer|account|user)s?\s+count\b|count\s*:|"
    r"(this\s+)?report\s+(was\s+)?(generated|printed|created|run|date|time)\b|(generated|printed|run|created)"
    r"\s+(on|at|by)\b|end\s+of\s+(report|file|data|list)\b|page\s+\d+|source\s*:|"
    r"\d[\d,]*\s+(records?|rows?|filers?|accounts?|users?|people|persons|entries|attorneys)\b|"
    r"(records?|rows?|entries)\s*(:|\d)", re.IGNORECASE)


def footer_rows(data: pd.DataFrame, blank: pd.Series, ncols: int,
                cells_of: Callable[[int], list] | None = None) -> list[int]:
    """Rows at the foot of the table that are a totals or "report generated" line, not data: at most
    two cells filled in a table of three columns or more, the first reading like such a line.
    ``cells_of(row)``: the row's cells as ``data.loc[row].tolist()`` gives them, read faster."""
    if ncols < 3:
        return []
    rows = data.index[last_true(~values_at(blank, data.index), 5)]   # the last five rows that are not blank
    out: list[int] = []
    for r in reversed(rows[-5:][1:] if len(rows) > 1 else []):
        cells = [v for v in (cells_of(r) if cells_of else data.loc[r].tolist()) if v is not pd.NA]
        if not cells or len(cells) > 2 or not _FOOTER.match(str(cells[0])):
            break
        out.append(int(r))
    return out


def values_at(s: pd.Series, labels: pd.Index) -> np.ndarray:
    """``s.loc[labels]`` as an array; a view when both are runs of row numbers (the usual case: a
    million rows of a CSV file after its header), where looking each label up took 30 ms."""
    have = s.index
    if (isinstance(have, pd.RangeIndex) and isinstance(labels, pd.RangeIndex) and have.step == labels.step == 1
            and len(labels) and have.start <= labels.start and labels.stop <= have.stop):
        return s.to_numpy()[labels.start - have.start:labels.stop - have.start]
    return s.loc[labels].to_numpy()


def first_true(mask: np.ndarray, k: int) -> np.ndarray:
    """The positions of the first ``k`` True values of ``mask`` (fewer when it has fewer), looked for
    in a stretch at the top first: a header is found among a table's first rows, and finding every
    non-blank row of a million to keep twenty took milliseconds."""
    stretch = max(64, 4 * k)
    found = np.flatnonzero(mask[:stretch])
    if len(found) < k and len(mask) > stretch:
        found = np.flatnonzero(mask)
    return found[:k]


def last_true(mask: np.ndarray, k: int) -> np.ndarray:
    """The positions of the last ``k`` True values of ``mask`` (fewer when it has fewer), looked for in a
    stretch at the foot first, as ``first_true`` does at the top."""
    start = max(len(mask) - max(64, 4 * k), 0)
    found = np.flatnonzero(mask[start:]) + start
    if len(found) < k and start:
        found = np.flatnonzero(mask)
    return found[max(len(found) - k, 0):]
