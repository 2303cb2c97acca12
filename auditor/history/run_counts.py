"""A run's counts by rule, severity and firm (table ``run_counts``, what the trends read), worked out
from the state after the run.  The rows are stored beside the report (``record._Writer``); the trend the
report shows takes this run's part from them (:func:`trend_part`) instead of reading it back."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from auditor.history import lifecycle, schema as S, state
from auditor.history.bulk import fetch, mark
from auditor.history.store import Store, translated

TREND_RUNS = 12
TREND_COLUMNS = ["run_id", "firm_key", "severity", "open_findings"]


def count_rows(outcome: lifecycle.Outcome) -> pd.DataFrame:
    """rule_id, severity, firm_key, findings, open_findings: the run's findings (the open rows of the
    state) and how many of them are not closed, by rule, severity and firm."""
    found = outcome.state[outcome.state["open"].to_numpy(dtype=bool)]
    by = pd.DataFrame({"rule_id": found["rule_id"], "severity": found["severity"], "firm_key": found["firm_key"],
                       "open": ~found["status"].isin(lifecycle.CLOSED).to_numpy(dtype=bool)})
    return (by.groupby(["rule_id", "severity", "firm_key"], sort=False, dropna=False)["open"].agg(["size", "sum"])
            .reset_index().rename(columns={"size": "findings", "sum": "open_findings"}))


def trend_part(run_id: int, rows: pd.DataFrame) -> pd.DataFrame:
    """TREND_COLUMNS of one run from its :func:`count_rows`, as the trend's query sums them from
    ``run_counts`` (open findings by firm and severity, in that order)."""
    sums = rows.groupby(["firm_key", "severity"], sort=True, dropna=False)["open_findings"].sum().reset_index()
    return pd.DataFrame({"run_id": run_id, "firm_key": sums["firm_key"].astype(object),
                         "severity": sums["severity"].astype(object),
                         "open_findings": sums["open_findings"].astype("int64")}, columns=TREND_COLUMNS)


def runs_and_counts(conn, scope: str, until=None, now: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last runs of ``scope`` (dated ``until`` at the latest) and their counts; ``now``: a run's
    counts not yet stored (``run_counts.trend_part``), taken from there when it is among those runs."""
    r = S.runs
    when = [r.c.as_of <= until] if until is not None else []
    last = (select(r.c.id, r.c.as_of, r.c.active_filers, r.c.ready_filers)
            .where(r.c.scope == scope, state.current(), *when)
            .order_by(r.c.as_of.desc(), r.c.id.desc()).limit(TREND_RUNS))
    runs = pd.DataFrame(conn.execute(last).all(), columns=["run_id", "as_of", "active_filers", "ready_filers"])
    runs = runs.iloc[::-1].reset_index(drop=True)
    ids = [int(i) for i in runs["run_id"]]
    part = now if now is not None and len(now) and int(now["run_id"].iloc[0]) in ids else None
    if part is not None:
        ids.remove(int(part["run_id"].iloc[0]))
    ids = ids or [-1]
    rows = fetch(conn, "SELECT run_id, firm_key, severity, SUM(open_findings) FROM run_counts "
                 f"WHERE run_id IN ({', '.join([mark(conn)] * len(ids))}) "
                 "GROUP BY run_id, firm_key, severity", tuple(ids))
    counts = pd.DataFrame(rows, columns=TREND_COLUMNS)
    if part is not None:
        counts = pd.concat([counts, part], ignore_index=True) if len(counts) else part.reset_index(drop=True)
    counts["run_id"] = counts["run_id"].astype("int64")
    counts["open_findings"] = counts["open_findings"].astype("int64")
    return runs, counts


def trend(store: Store, scope: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last 12 runs of a scope and their open findings by firm and severity (from the stored counts)."""
    with translated(store.label), store.engine.connect() as conn:
        return runs_and_counts(conn, scope)
