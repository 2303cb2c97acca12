"""Tables of one kind with the same columns, checked as one table.

Each step of checking a column (trimmed text to dates, categories, e-mails; the schema) costs some
fixed amount of work whatever the number of rows; fifty rosters of a few thousand rows each paid it
fifty times.  Their canonical columns are put one after another and checked once; the records and
the data issues are then handed back to each file, under the row numbers its user sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from auditor import columns as C
from auditor.columns import STRING
from auditor.load.table import RawTable


@dataclass
class Joined:
    raws: list[RawTable]
    frame: pd.DataFrame   # the canonical columns of every table, one after another, index 0..n-1
    rows: np.ndarray      # the user's row number at each place
    starts: np.ndarray    # where each table begins, and the end

    def split(self, frame: pd.DataFrame, rejected: np.ndarray) -> Iterator[tuple[dict, np.ndarray, np.ndarray]]:
        """For each table: its part of ``frame``'s columns (checked the same places as ``self.frame``),
        as arrays by column name, its row numbers, and the mask of its rows that are kept.  Columns, not
        a frame: a file's records are made from them in one go (``validate.table``)."""
        columns = {c: frame[c].array for c in frame.columns}   # taken out once; each file's are slices
        for f in range(len(self.raws)):
            a, b = int(self.starts[f]), int(self.starts[f + 1])
            whole = a == 0 and b == len(frame)
            yield ({c: v if whole else v[a:b] for c, v in columns.items()}, self.rows[a:b], ~rejected[a:b])


def join(raws: list[RawTable]) -> Joined:
    """The canonical columns of ``raws`` (of one kind, each holding the same ones) as one table."""
    kind = raws[0].kind
    names = [c.name for c in C.columns(kind) if c.name in raws[0].frame.columns]
    lengths = [len(raw.frame) for raw in raws]
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    index = pd.RangeIndex(int(starts[-1]))
    rows = np.concatenate([raw.frame.index.to_numpy(dtype=np.int64) for raw in raws])
    if len(raws) == 1:
        frame = pd.DataFrame({c: raws[0].frame[c].array for c in names},
                             index=index)
    else:
        frame = pd.DataFrame({c: _joined_text([raw.frame[c] for raw in raws]) for c in names}, index=index)
    return Joined(raws, frame, rows, starts)


def _joined_text(columns: list[pd.Series]) -> pd.arrays.ArrowStringArray:
    """The text of ``columns`` end to end, in one Arrow array."""
    chunks: list[pa.Array] = []
    for s in columns:
        arr = pa.array((s if s.dtype == STRING else s.astype(STRING)).array)   # astype costs even when a no-op
        chunks.extend(arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr])
    chunks = [c if c.type == pa.large_string() else c.cast(pa.large_string()) for c in chunks]
    return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.large_string()).combine_chunks())
