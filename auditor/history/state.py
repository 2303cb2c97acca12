"""The state of each finding per scope (table ``finding_state``): read before a run, written after it.

A month's audit mostly finds what the previous month found, unchanged.  So the state is read light
(id, dates, status, notes, whether open, and a digest of the whole row) and in full only for the
findings no longer found that this run changes (resolved now, or given notes in ``--previous``); and
only the rows whose digest changed are written back.  Rows go to the database as plain tuples through
the driver's ``executemany``, sorted by finding id so that the indexes grow in order.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select

from auditor.history import lifecycle, schema as S
from auditor.history.bulk import bulk_insert, fetch, fetch_columns, mark, values as _python
from auditor.history.lifecycle import LAST_DAY
from auditor.normalize import arrow, isin, positions

DATES = ("first_seen", "last_seen", "due_date", "accepted_until", "resolved_on")
STORED = [c for c in lifecycle.STATE_COLUMNS if c != "last_change"]      # the table's columns, less scope, digest
LIGHT = ["finding_id", "first_seen", "due_date", "status", "notes", "accepted_until", "open", "digest"]
# what the digest covers: all that is stored but the id (the key) and last_seen (set from the latest run
# while a finding is open, so not rewritten every month)
DIGESTED = [c for c in STORED if c not in ("finding_id", "last_seen")]
_IN_CHUNK = 500                 # ids per "IN (...)" query: well under every database's limit on parameters
_MISSING, _SEP = "\x00", "\x1f"   # in the digest: a missing value (unlike any text, even ""), between values
NO_DIGESTS = pd.DataFrame({"finding_id": pd.Series(dtype=object), "digest": pd.Series(dtype="Int64")})


def current(r=S.runs):
    """The condition of a run that counts: neither recorded again since nor removed."""
    return r.c.superseded_by.is_(None) & r.c.removed_at.is_(None)


def latest(conn, scope: str):
    r = S.runs
    return conn.execute(select(func.max(r.c.as_of)).where(r.c.scope == scope, current())).scalar()


def _dates(values: np.ndarray) -> pd.Series:
    """Dates as the driver gives them (ISO text from SQLite, dates from PostgreSQL), parsed by Arrow."""
    try:
        a = pa.array(values, from_pandas=True).cast(pa.date32())
        # a date past the last the auditor reckons with (9999-12-31 stored by an earlier version) is read
        # as that last day: never wrapped round, never a stop
        a = pc.min_element_wise(a, pa.scalar(LAST_DAY, pa.date32()), skip_nulls=False).cast(pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return pd.Series(pd.to_datetime(values, errors="coerce"), dtype="datetime64[ns]")
    return pd.Series(a.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")


def _frame(conn, scope: str, values: list[np.ndarray], columns: list[str]) -> pd.DataFrame:
    """The columns read (``values``: one array per column) as the state's frame."""
    frame = pd.DataFrame({c: _dates(v) if c in DATES else pd.Series(v, dtype=object) for c, v in zip(columns, values)})
    if "open" in frame:
        frame["open"] = frame["open"].astype(bool)
    if "digest" in frame:
        frame["digest"] = pd.array(frame["digest"], dtype="Int64")  # type: ignore[call-overload]  # pandas-stubs
    if "last_seen" in frame and frame["open"].any():
        # a finding still open was last seen by the scope's latest run: its stored last_seen is not
        # rewritten every month, so it is set here
        frame.loc[frame["open"], "last_seen"] = pd.Timestamp(latest(conn, scope))
    return frame


def load(conn, scope: str, columns: list[str] = STORED, ids=None) -> pd.DataFrame:
    """The scope's state: ``columns`` of every finding ever seen, or of ``ids`` only."""
    quote = conn.dialect.identifier_preparer.quote
    m = mark(conn)
    if ids is None:
        values = fetch_columns(conn, columns, f"FROM finding_state WHERE scope = {m}", (scope,))
    else:
        sql = f"SELECT {', '.join(quote(c) for c in columns)} FROM finding_state WHERE scope = {m}"
        ids = list(ids)
        parts = [fetch(conn, f"{sql} AND finding_id IN ({', '.join([m] * len(chunk))})", (scope, *chunk))
                 for chunk in (ids[i:i + _IN_CHUNK] for i in range(0, len(ids), _IN_CHUNK))]
        rows = np.concatenate(parts) if parts else np.empty((0, len(columns)), dtype=object)
        values = [rows[:, i] for i in range(len(columns))]
    if not len(values[0]):
        return lifecycle.empty_state().reindex(columns=columns)
    return _frame(conn, scope, values, columns)


def prior_for(conn, scope: str, finding_ids: pd.Series, edits: pd.DataFrame | None):
    """(prior, stored): the state :func:`lifecycle.apply` needs for this run, and the stored digest of
    every finding of the scope (columns finding_id, digest).  Findings found again are read light; those
    no longer found are read in full when this run changes them (open until now, or given notes), and
    left out otherwise (this run does not touch them)."""
    light = load(conn, scope, LIGHT)
    if not len(light):   # a first month: nothing to look up (the look-up hashes every finding's id)
        return _dated(light.drop(columns="digest").reindex(columns=STORED).reset_index(drop=True)), light[["finding_id", "digest"]]
    found = isin(light["finding_id"], finding_ids).to_numpy()
    edited = isin(light["finding_id"], edits["finding_id"]).to_numpy() if edits is not None else False
    changing = ~found & (light["open"].to_numpy(dtype=bool) | edited)
    prior = light[found].drop(columns="digest").reindex(columns=STORED)
    if changing.any():
        prior = pd.concat([prior, load(conn, scope, STORED, ids=_python(light["finding_id"][changing]))])
    return _dated(prior.reset_index(drop=True)), light[["finding_id", "digest"]]


def _dated(prior: pd.DataFrame) -> pd.DataFrame:
    for c in DATES:
        prior[c] = pd.to_datetime(prior[c])
    return prior


def _text(s: pd.Series, column: str) -> pa.Array:
    if column in DATES:
        d = pd.to_datetime(s).to_numpy(dtype="datetime64[D]")
        return pa.array(d.astype(np.int64), mask=np.isnat(d)).cast(pa.large_string())
    if column == "open":
        return pa.array(s.to_numpy(dtype=bool).astype(np.int8)).cast(pa.large_string())
    return arrow(s).cast(pa.large_string())


def digests(state: pd.DataFrame) -> np.ndarray:
    """One 64-bit digest per row over the DIGESTED columns: their values as text (dates as day numbers,
    a missing value unlike any text) joined into one string per row, then hashed; the same for a row
    whether it came from this run or from the database."""
    if not len(state):
        return np.zeros(0, dtype=np.int64)
    joined = pc.binary_join_element_wise(*(_text(state[c], c) for c in DIGESTED), pa.scalar(_SEP, pa.large_string()),
                                         null_handling="replace", null_replacement=_MISSING)
    return pd.util.hash_array(joined.to_numpy(zero_copy_only=False), categorize=False).view(np.int64)


_KEPT = [c.name for c in S.finding_state.columns if c.name not in ("scope", "finding_id")]


def keep_for_undo(conn, run_id: int, scope: str, ids: list) -> None:
    """Copy the state rows ``ids`` as they are now into ``state_undo``, before run ``run_id`` rewrites them."""
    if not ids:
        return
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c) for c in _KEPT)
    m = mark(conn)
    conn.exec_driver_sql(f"INSERT INTO state_undo (run_id, scope, finding_id, {cols}) "
                         f"SELECT {m}, scope, finding_id, {cols} FROM finding_state "
                         f"WHERE scope = {m} AND finding_id = {m}", [(run_id, scope, fid) for fid in ids])


def undo(conn, run_id: int, scope: str) -> None:
    """The scope's state back as it was before run ``run_id`` (which must be its latest current run)."""
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c) for c in _KEPT)
    m = mark(conn)
    conn.exec_driver_sql(f"DELETE FROM finding_state WHERE scope = {m} AND added_by = {m}", (scope, run_id))
    conn.exec_driver_sql(f"DELETE FROM finding_state WHERE scope = {m} AND finding_id IN "
                         f"(SELECT finding_id FROM state_undo WHERE run_id = {m})", (scope, run_id))
    conn.exec_driver_sql(f"INSERT INTO finding_state (scope, finding_id, {cols}) "
                         f"SELECT scope, finding_id, {cols} FROM state_undo WHERE run_id = {m}", (run_id,))
    conn.exec_driver_sql(f"DELETE FROM state_undo WHERE run_id = {m}", (run_id,))


def save(conn, scope: str, state: pd.DataFrame, stored: pd.DataFrame, run_id: int | None = None) -> None:
    """Write the rows of ``state`` whose digest differs from the one ``stored`` (finding_id, digest) holds:
    new rows, changed rows, and rows a store from an older version holds without a digest.  The rows
    rewritten are first kept in ``state_undo`` and the new ones marked as added by ``run_id``."""
    digest = digests(state)
    pos = positions(state["finding_id"], stored["finding_id"])
    known = pos >= 0
    changed = ~known
    if known.any():
        at = np.where(known, pos, 0)
        old = stored["digest"]
        changed |= old.isna().to_numpy()[at] | (old.to_numpy(dtype=np.int64, na_value=0)[at] != digest)
    stale = state["finding_id"][changed & known]
    if len(stale):
        m = mark(conn)
        if run_id is not None:
            keep_for_undo(conn, run_id, scope, _python(stale))
        conn.exec_driver_sql(f"DELETE FROM finding_state WHERE scope = {m} AND finding_id = {m}",
                             [(scope, fid) for fid in _python(stale)])
    added = pd.array(np.where(known, np.nan, run_id if run_id is not None else np.nan), dtype="Int64")
    rows = state[STORED].assign(scope=scope, digest=digest, added_by=added)
    # the rows written, sorted by finding id (each column taken in that order as it is handed to the driver)
    which = np.flatnonzero(changed)
    order = which[pc.sort_indices(arrow(state["finding_id"]).take(pa.array(which))).to_numpy()]
    bulk_insert(conn, S.finding_state, rows, DATES, order)


def before(conn, scope: str, as_of: dt.date) -> pd.DataFrame:
    """The scope's state as it was before ``as_of``, rebuilt from earlier runs (for --backfill)."""
    r, f = S.runs, S.run_findings
    earlier = select(r.c.id, r.c.as_of).where(r.c.scope == scope, r.c.as_of < as_of, current())
    runs = conn.execute(earlier.order_by(r.c.as_of, r.c.id)).all()
    if not runs:
        return lifecycle.empty_state().reindex(columns=STORED)
    seen = pd.DataFrame(conn.execute(
        select(f.c.finding_id, func.min(r.c.as_of), func.max(r.c.as_of)).join(r, r.c.id == f.c.run_id)
        .where(r.c.scope == scope, r.c.as_of < as_of, current()).group_by(f.c.finding_id)).all(),
        columns=["finding_id", "first_seen", "last_seen"])
    last = pd.DataFrame(conn.execute(select(f.c.finding_id, f.c.status, f.c.due_date)
                                     .where(f.c.run_id == runs[-1][0])).all(),
                        columns=["finding_id", "status", "due_date"])
    now = load(conn, scope).drop(columns=["first_seen", "last_seen", "status", "due_date", "open"])
    state = seen.merge(last, on="finding_id", how="left").merge(now, on="finding_id", how="left")
    state["open"] = state["finding_id"].isin(last["finding_id"])
    state["status"] = state["status"].fillna("Resolved")
    for c in ("first_seen", "last_seen", "due_date"):
        state[c] = pd.to_datetime(state[c])
    return state.reindex(columns=STORED)


def backfill(conn, scope: str, outcome: lifecycle.Outcome, as_of: dt.date, run_id: int | None = None) -> None:
    """A run dated before the latest: findings it shows earlier get that first sight (and due date)."""
    now = load(conn, scope).set_index("finding_id")
    f = outcome.findings.set_index("finding_id")
    days = (pd.to_datetime(f["due_date"]) - pd.to_datetime(f["first_seen"]))
    known = f.index.isin(now.index)
    later = known & (now.reindex(f.index)["first_seen"] > pd.Timestamp(as_of)).to_numpy()
    moved = pd.DataFrame({"fid": f.index[later], "first": pd.Timestamp(as_of),
                          "due": pd.Timestamp(as_of) + days[later]})
    if len(moved):
        m = mark(conn)
        if run_id is not None:
            keep_for_undo(conn, run_id, scope, _python(moved["fid"]))
        # the digest is cleared: the next run rewrites these rows whole
        conn.exec_driver_sql(f"UPDATE finding_state SET first_seen = {m}, due_date = {m}, digest = NULL "
                             f"WHERE scope = {m} AND finding_id = {m}",
                             list(zip(_python(moved["first"], True), _python(moved["due"], True),
                                      [scope] * len(moved), _python(moved["fid"]))))
    unseen = outcome.state[outcome.state["finding_id"].isin(f.index[~known])].assign(
        open=False, status="Resolved", resolved_on=pd.NaT)  # type: ignore[arg-type]  # pandas-stubs: a scalar
    if len(unseen):
        save(conn, scope, unseen, NO_DIGESTS, run_id)
