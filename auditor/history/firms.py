"""Each firm's own figures per run, for the trend in each firm's workbook.

A firm's open findings by severity are in ``run_counts`` already; its readiness share cannot be worked
out from findings (it counts the firm's active e-filers, most of whom have none), so each run stores
every firm's active e-filers and how many are ready in ``run_firms``.  The trend of every firm is then
one query over the last runs of the scope, grouped by firm: never a query per firm, never a scan of the
findings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor.history import schema as S
from auditor.history.bulk import bulk_insert, fetch_columns, mark

FIRM_COLUMNS = ["run_id", "firm_key", "active_filers", "ready_filers"]


def firm_rows(run_id: int, readiness: dict | None) -> pd.DataFrame:
    """The run's readiness by firm (``engines.readiness``: firm key -> (active, ready)) as the rows
    ``run_firms`` stores (FIRM_COLUMNS)."""
    unknown = (readiness or {}).get("unknown_firms") or set()   # their figures are unknown: none kept
    by_firm = {k: v for k, v in ((readiness or {}).get("by_firm") or {}).items() if k and k not in unknown}
    if not by_firm:
        return pd.DataFrame([], columns=FIRM_COLUMNS)
    # made column by column (some 20,000 firms a run at national scale), typed as rows of tuples would be
    counts = np.array(list(by_firm.values()), dtype=np.int64).reshape(-1, 2)
    return pd.DataFrame({"run_id": np.full(len(counts), run_id, dtype=np.int64),
                         "firm_key": np.array([str(k) for k in by_firm], dtype=object),
                         "active_filers": counts[:, 0], "ready_filers": counts[:, 1]})


def save_firm_figures(conn, run_id: int, readiness: dict | None, rows: pd.DataFrame | None = None) -> int:
    """Store the run's readiness by firm (``rows``: :func:`firm_rows`, made from ``readiness`` if not
    given); return how many firms."""
    rows = firm_rows(run_id, readiness) if rows is None else rows
    bulk_insert(conn, S.run_firms, rows)   # plain tuples: some 20,000 firms a run at national scale
    return len(rows)


def firm_figures(conn, run_ids, now: pd.DataFrame | None = None) -> pd.DataFrame:
    """The firms' figures of the runs ``run_ids`` (FIRM_COLUMNS), in one query; ``now``: a run's rows
    not yet stored (:func:`firm_rows`), taken from there when that run is among ``run_ids``."""
    ids = [int(i) for i in run_ids]
    if now is not None and len(now):
        run = int(now["run_id"].iloc[0])
        if run in ids:
            stored = firm_figures(conn, [i for i in ids if i != run])
            both = pd.concat([stored, now], ignore_index=True) if len(stored) else now
            return both.astype(stored.dtypes.to_dict())
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "firm_key" else object) for c in FIRM_COLUMNS})
    m = mark(conn)
    columns = fetch_columns(conn, FIRM_COLUMNS, f"FROM run_firms WHERE run_id IN ({', '.join([m] * len(ids))})",
                            tuple(ids))   # no Row objects
    frame = pd.DataFrame(dict(zip(FIRM_COLUMNS, columns)))
    return frame.astype({"run_id": "int64", "active_filers": "int64", "ready_filers": "int64"})
