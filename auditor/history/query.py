"""Reading the history back: the runs, one run in full, and every finding over time (written as CSV or
Parquet by ``auditor.report.export.export_history``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from auditor.history import schema as S
from auditor.history.sqlite_file import RUN_COLUMNS, Rows, run_state as _state
from auditor.history.store import HistoryError, Store, translated

if TYPE_CHECKING:
    import pandas as pd

EXPORT_COLUMNS = ["run", "as_of", "scope", "finding_id", "rule_id", "severity", "change", "status", "notes",
                  "accepted_until", "due_date", "first_seen", "court_id", "firm_name", "person_name", "cmecf_login",
                  "pacer_username"]


def current(r=S.runs):
    """A run that counts: neither recorded again since nor removed (as ``state.current``)."""
    return r.c.superseded_by.is_(None) & r.c.removed_at.is_(None)


def list_runs(store: Store) -> Rows:
    """One row per recorded run, oldest first (RUN_COLUMNS); ``state`` says "replaced by run N" (the same
    month recorded again) or "removed YYYY-MM-DD HH:MM", else "current"."""
    r, i = S.runs, S.run_inputs
    n_inputs = select(i.c.run_id, func.count().label("n")).group_by(i.c.run_id).subquery()
    q = (select(r.c.id, r.c.as_of, r.c.recorded_at, r.c.scope_label, func.coalesce(n_inputs.c.n, 0), r.c.findings,
                r.c.open_findings, r.c.new, r.c.resolved, r.c.reopened, r.c.persisting, r.c.backfill,
                r.c.superseded_by, r.c.removed_at)
         .outerjoin(n_inputs, n_inputs.c.run_id == r.c.id).order_by(r.c.id))
    with translated(store.label), store.engine.connect() as conn:
        return Rows(RUN_COLUMNS, [(*row[:-2], _state(row[-2], row[-1])) for row in conn.execute(q).all()])


def show_run(store: Store, run: int) -> dict:
    """One run: its facts, its input files, its counts by severity and by rule."""
    r, i, c = S.runs, S.run_inputs, S.run_counts
    with translated(store.label), store.engine.connect() as conn:
        row = conn.execute(select(r).where(r.c.id == run)).mappings().first()
        if row is None:
            raise HistoryError(f"history {store.label} has no run {run} ('auditor history' lists them)")
        inputs = Rows(["name", "kind", "sha256", "rows_read", "rows_audited", "rows_rejected", "status"], [
            tuple(r) for r in conn.execute(
                select(i.c.name, i.c.kind, i.c.sha256, i.c.rows_read, i.c.rows_audited, i.c.rows_rejected, i.c.status)
                .where(i.c.run_id == run).order_by(i.c.position)).all()])
        by = {}
        for dim in ("severity", "rule_id"):
            col = getattr(c.c, dim)
            by[dim] = Rows([dim, "findings", "open"], [tuple(r) for r in conn.execute(
                select(col, func.sum(c.c.findings), func.sum(c.c.open_findings)).where(c.c.run_id == run)
                .group_by(col).order_by(col)).all()])
    return {"run": dict(row), "inputs": inputs, "by_severity": by["severity"], "by_rule": by["rule_id"]}


def findings_over_time(store: Store, *, scope: str | None = None) -> pd.DataFrame:
    """Every finding of every current run (EXPORT_COLUMNS), by run then finding id, with a row for each
    finding in the run that found it resolved (no longer found after the scope's run before)."""
    r, f, st = S.runs, S.run_findings, S.finding_state
    q = (select(r.c.id, r.c.as_of, r.c.scope_label, f.c.finding_id, f.c.rule_id, f.c.severity, f.c.change,
                f.c.status, f.c.notes, f.c.accepted_until, f.c.due_date, st.c.first_seen, st.c.court_id, st.c.firm_name,
                st.c.person_name, st.c.cmecf_login, st.c.pacer_username, r.c.scope)
         .join(r, r.c.id == f.c.run_id)
         .outerjoin(st, (st.c.scope == r.c.scope) & (st.c.finding_id == f.c.finding_id))
         .where(current()).order_by(r.c.id, f.c.finding_id))
    runs = select(r.c.id, r.c.as_of, r.c.scope_label, r.c.scope).where(current())
    if scope:
        q = q.where(r.c.scope_label == scope)
        runs = runs.where(r.c.scope_label == scope)
    import pandas as pd

    with translated(store.label), store.engine.connect() as conn:
        found = pd.DataFrame(conn.execute(q).all(), columns=[*EXPORT_COLUMNS, "scope_key"])
        order = pd.DataFrame(conn.execute(runs).all(), columns=["run", "as_of", "scope", "scope_key"])
    return _with_resolved(found, order).reset_index(drop=True)


def _with_resolved(found: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """``found`` with, for each run, a "resolved" row for each finding its scope's run before found and it
    did not."""
    import pandas as pd

    runs = runs.sort_values(["scope_key", "as_of", "run"]).reset_index(drop=True)
    runs["before"] = runs.groupby("scope_key")["run"].shift(1)
    pairs = runs.dropna(subset=["before"]).astype({"before": "int64"})
    earlier = found.merge(pairs[["run", "before", "as_of"]].rename(columns={"run": "next", "as_of": "next_as_of"}),
                          left_on="run", right_on="before")
    still = found[["run", "finding_id"]].rename(columns={"run": "next"}).assign(again=True)
    gone = earlier.merge(still, on=["next", "finding_id"], how="left")
    gone = gone[gone["again"].isna()]
    resolved = gone.assign(run=gone["next"], as_of=gone["next_as_of"], change="resolved", status="Resolved")
    out = pd.concat([found, resolved[found.columns]], ignore_index=True)
    return out.sort_values(["run", "finding_id"], kind="stable")[EXPORT_COLUMNS]
