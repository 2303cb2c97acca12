"""A month recorded once, a run taken back, a run dated after today, and edits kept to their scope.

- :func:`same_month`: the recorded run of a scope and audit date.  Recording that month again takes the
  earlier run back first (:func:`state.undo`) and marks it superseded by the new one, which is then
  compared with the month before: each month counts once (in the Changes sheet, the Trend, the export).
- :func:`remove_run`: ``auditor history remove N`` takes the latest run of a scope back, with what it
  changed in the carried state, and keeps the run listed as removed (when, and what it was).
- :func:`scoped_edits`: statuses of ``--previous`` are taken only for findings of the scope they are
  carried into, and a firm's own workbook only for its firm's findings.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select, update

from auditor.history import schema as S, state
from auditor.history.store import HistoryError, Store, translated
from auditor.normalize import isin

def same_month(conn, scope: str, as_of: dt.date) -> int | None:
    """The current run of ``scope`` dated ``as_of``, if any that can be taken back (one recorded by a
    version before runs kept what they changed is left as it is, and the month recorded beside it)."""
    r = S.runs
    return conn.execute(select(r.c.id).where(r.c.scope == scope, r.c.as_of == as_of, state.current(),
                                             r.c.undoable.is_(True)).order_by(r.c.id.desc())).scalar()


def take_back(conn, run_id: int, scope: str, label: str, what: str) -> None:
    """Undo run ``run_id`` in the carried state; it must be its scope's latest current run."""
    r = S.runs
    later = conn.execute(select(r.c.id, r.c.as_of).where(r.c.scope == scope, state.current(), r.c.id != run_id,
                                                         r.c.as_of >= select(r.c.as_of).where(r.c.id == run_id)
                                                         .scalar_subquery())
                         .order_by(r.c.as_of)).all()
    if later:
        listed = ", ".join(f"run {i} ({d})" for i, d in later)
        raise HistoryError(f"cannot {what} run {run_id} of {label}: later runs of it are recorded ({listed}); "
                           "remove those first, the latest first ('auditor history remove RUN')")
    state.undo(conn, run_id, scope)


def supersede(conn, old: int, new: int) -> None:
    r = S.runs
    conn.execute(update(r).where(r.c.id == old).values(superseded_by=new))


def remove_run(store: Store, run_id: int) -> dict:
    """Take run ``run_id`` back (it must be the latest current run of its scope): the carried state as it
    was before it, the run kept and listed as removed.  Returns the run's facts."""
    r = S.runs
    with translated(store.label), store.engine.connect() as conn:
        with conn.begin():
            store.lock(conn)
            row = conn.execute(select(r).where(r.c.id == run_id)).mappings().first()
            if row is None:
                raise HistoryError(f"history {store.label} has no run {run_id} ('auditor history' lists them)")
            if row["removed_at"] is not None:
                raise HistoryError(f"run {run_id} was already removed on {row['removed_at']:%Y-%m-%d %H:%M}")
            if not row["undoable"]:
                raise HistoryError(f"run {run_id} was recorded by an earlier version of the auditor, which kept no "
                                   "record of what it changed: it cannot be removed")
            if row["superseded_by"] is not None:
                raise HistoryError(f"run {run_id} was already replaced by run {row['superseded_by']} "
                                   "(the same month recorded again): remove that one instead")
            take_back(conn, run_id, row["scope"], row["scope_label"], "remove")
            conn.execute(update(r).where(r.c.id == run_id).values(removed_at=dt.datetime.now().replace(microsecond=0)))
    return dict(row)


def scoped_edits(previous, findings: pd.DataFrame, known: pd.DataFrame, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(edits, problems): the edits of ``previous`` (a ``previous.Previous``) for findings of this run
    (``findings``) or of its scope's history (``known``: finding_id, firm_key), the rest listed; from a
    firm's own workbook only those of its firm."""
    edits = previous.edits
    ids = pd.concat([findings["finding_id"], known["finding_id"]], ignore_index=True).astype(str)
    firms = pd.concat([findings["firm_key"], known["firm_key"]], ignore_index=True)
    inside = isin(edits["finding_id"], ids).to_numpy()
    out = edits[~inside]
    problems = [pd.DataFrame({"sheet": out["sheet"], "row": out["row"], "finding_id": out["finding_id"],
                              "problem": f"not found in this audit nor in the history of {label}"})]
    edits = edits[inside]
    if previous.firm is not None:
        firm_of = pd.Series(firms.to_numpy(), index=ids).groupby(level=0).first()
        other = (edits["finding_id"].map(firm_of).fillna("") != previous.firm).to_numpy()
        bad = edits[other]
        problems.append(pd.DataFrame({
            "sheet": bad["sheet"], "row": bad["row"], "finding_id": bad["finding_id"],
            "problem": f"not a finding of {previous.firm_name}, whose own workbook this is: not used"}))
        edits = edits[~other]
    return edits.reset_index(drop=True), pd.concat(problems, ignore_index=True)
