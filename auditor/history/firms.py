"""Each firm's own figures per run, for the trend in each firm's workbook.

A firm's open findings by severity are in ``run_counts`` already; its readiness share cannot be worked
out from findings (it counts the firm's active e-filers, most of whom have none), so each run stores
every firm's active e-filers and how many are ready in ``run_firms``.  The trend of every firm is then
one query over the last runs of the scope, grouped by firm: never a query per firm, never a scan of the
findings.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import insert, select

from auditor.history import schema as S

FIRM_COLUMNS = ["run_id", "firm_key", "active_filers", "ready_filers"]


def save_firm_figures(conn, run_id: int, readiness: dict | None) -> int:
    """Store the run's readiness by firm (``engines.readiness``: firm key -> (active, ready)); return
    how many firms."""
    by_firm = (readiness or {}).get("by_firm") or {}
    rows = [{"run_id": run_id, "firm_key": str(k), "active_filers": int(a), "ready_filers": int(r)}
            for k, (a, r) in by_firm.items() if k]
    if rows:
        conn.execute(insert(S.run_firms), rows)
    return len(rows)


def firm_figures(conn, run_ids) -> pd.DataFrame:
    """The firms' figures of the runs ``run_ids`` (FIRM_COLUMNS), in one query."""
    f = S.run_firms
    ids = [int(i) for i in run_ids]
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "firm_key" else object) for c in FIRM_COLUMNS})
    rows = conn.execute(select(f.c.run_id, f.c.firm_key, f.c.active_filers, f.c.ready_filers)
                        .where(f.c.run_id.in_(ids))).all()
    frame = pd.DataFrame(rows, columns=FIRM_COLUMNS)
    return frame.astype({"run_id": "int64", "active_filers": "int64", "ready_filers": "int64"})
