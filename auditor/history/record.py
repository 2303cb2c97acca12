"""Recording a run: one transaction, committed at the commit point of the run's outputs.

>>> with recording(result, "auditor-history.sqlite", previous="2026-10.xlsx") as view:
...     api.write(result, "2026-11.xlsx", on_commit=view.commit)   # the report shows view.changes
>>> # an error (or a killed process) before the commit point records nothing

``api.write`` calls ``view.commit`` once every output is written and its journal is on disk, before
any output is moved into place: a run is never recorded without its outputs being published (a run
killed after the journal is finished by the next run in that folder), and if the commit fails
nothing is moved.  Leaving the block commits too, if ``view.commit`` was not called.

:func:`recording` locks the store (other audits of the same store wait), compares the run with the
scope's previous run, rewrites ``result.findings`` with the dates and statuses from the history, sets
``result.previous`` (the Summary's comparison) and ``result.history`` (the Changes and Trend sheets).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select

from auditor import __version__
from auditor.columns import ROSTER
from auditor.history import lifecycle, schema as S
from auditor.history.firms import firm_figures, save_firm_figures
from auditor.history.store import HistoryError, Store, open_store, translated
from auditor.model import AuditResult
from auditor.normalize import firm_key

TREND_RUNS = 12


@dataclass
class HistoryView:
    """What the report shows from the history."""

    run_id: int
    scope: str
    scope_label: str
    store: str
    first_run: bool                 # no earlier run of this scope
    changes: pd.DataFrame           # lifecycle.CHANGE_COLUMNS
    trend_runs: pd.DataFrame        # run_id, as_of, active_filers, ready_filers (oldest first)
    trend_counts: pd.DataFrame      # run_id, firm_key, severity, open_findings
    import_problems: pd.DataFrame = field(default_factory=pd.DataFrame)   # previous.PROBLEM_COLUMNS
    carried: int = 0                # statuses taken from --previous
    trend_firms: pd.DataFrame = field(default_factory=pd.DataFrame)  # history.firms.FIRM_COLUMNS
    commit: Callable[[], None] = lambda: None   # commits the run's transaction (once)


def run_scope(result: AuditResult) -> tuple[str, str]:
    """(key, label): the courts of a court export; else the firms of the rosters; else PACER lists."""
    if result.courts:
        courts = sorted(map(str, result.courts))
        key, label = "courts:" + ",".join(courts), "courts " + ", ".join(courts)
    else:
        names = pd.concat([t.records["firm_name"] for t in result.inputs
                           if t.kind == ROSTER and t.status == "audited" and "firm_name" in t.records]
                          or [pd.Series(dtype=object)])
        keys = firm_key(names.drop_duplicates()).dropna()
        if len(keys):
            label_names = names.drop_duplicates().groupby(firm_key(names.drop_duplicates())).first()
            key = "firms:" + "|".join(sorted(set(keys)))
            label = "firm " + ", ".join(sorted(map(str, label_names)))
        else:
            key, label = "pacer-accounts", "PACER account lists"
    if len(key) > 200:
        key = key.split(":")[0] + ":sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key, label


def rules_version(result: AuditResult) -> str:
    text = "\n".join(f"{r.id}|{r.severity}|{r.enabled}|{r.title}" for r in sorted(result.rules, key=lambda r: r.id))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _columns(frame: pd.DataFrame, dates=()) -> list[list]:
    """Each column as a list of plain Python values, None where missing; dates as ISO text."""
    out = []
    for c in frame.columns:
        s = frame[c]
        if c in dates:
            d = pd.to_datetime(s)
            out.append(d.dt.strftime("%Y-%m-%d").astype(object).where(d.notna(), None).tolist())
        elif pd.api.types.is_bool_dtype(s):
            out.append([bool(v) for v in s.to_numpy(dtype=bool)])
        elif pd.api.types.is_integer_dtype(s):
            out.append(s.astype(object).tolist())
        else:
            out.append(s.astype(object).where(s.notna(), None).tolist())
    return out


def bulk_insert(conn, table, frame: pd.DataFrame, dates=()) -> None:
    """Many rows at once through the driver's executemany (SQLAlchemy's per-row work skipped: the values
    are plain text, numbers, booleans and ISO dates, which SQLite stores as SQLAlchemy would and
    PostgreSQL casts to the columns' types)."""
    if not len(frame):
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = list(frame.columns)
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in cols)}) "
           f"VALUES ({', '.join([mark] * len(cols))})")
    conn.exec_driver_sql(sql, list(zip(*_columns(frame, dates))))


def _fetch(conn, sql: str, params) -> np.ndarray:
    """All rows of a query as a 2-D object array, straight from the driver's cursor (no Row objects)."""
    cursor = conn.exec_driver_sql(sql, params).cursor
    rows = cursor.fetchall()
    out = np.empty((len(rows), len(cursor.description)), dtype=object)
    if rows:
        out[:] = rows
    return out


_STATE_DATES = ("first_seen", "last_seen", "due_date", "accepted_until", "resolved_on")


def load_state(conn, scope: str) -> pd.DataFrame:
    """The scope's state (lifecycle.STATE_COLUMNS).  A finding still open was last seen by the scope's
    latest run: its stored last_seen is not rewritten every month, so it is set here."""
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = lifecycle.STATE_COLUMNS
    rows = _fetch(conn, f"SELECT {', '.join(quote(c) for c in names)} FROM finding_state WHERE scope = {mark}",
                  (scope,))
    if not len(rows):
        return lifecycle.empty_state()
    frame = pd.DataFrame({c: pd.Series(rows[:, i], dtype=object) for i, c in enumerate(names)})
    for c in _STATE_DATES:
        frame[c] = pd.to_datetime(frame[c])
    frame["open"] = frame["open"].astype(bool)
    latest = _latest(conn, scope)
    if latest is not None:
        frame.loc[frame["open"], "last_seen"] = pd.Timestamp(latest)
    return frame


def state_before(conn, scope: str, as_of: dt.date) -> pd.DataFrame:
    """The scope's state as it was before ``as_of``, rebuilt from earlier runs (for --backfill)."""
    r, f = S.runs, S.run_findings
    earlier = select(r.c.id, r.c.as_of).where(r.c.scope == scope, r.c.as_of < as_of)
    runs = conn.execute(earlier.order_by(r.c.as_of, r.c.id)).all()
    if not runs:
        return lifecycle.empty_state()
    seen = pd.DataFrame(conn.execute(
        select(f.c.finding_id, func.min(r.c.as_of), func.max(r.c.as_of)).join(r, r.c.id == f.c.run_id)
        .where(r.c.scope == scope, r.c.as_of < as_of).group_by(f.c.finding_id)).all(),
        columns=["finding_id", "first_seen", "last_seen"])
    last = pd.DataFrame(conn.execute(select(f.c.finding_id, f.c.status, f.c.due_date)
                                     .where(f.c.run_id == runs[-1][0])).all(),
                        columns=["finding_id", "status", "due_date"])
    now = load_state(conn, scope).drop(columns=["first_seen", "last_seen", "status", "due_date", "open"])
    state = seen.merge(last, on="finding_id", how="left").merge(now, on="finding_id", how="left")
    state["open"] = state["finding_id"].isin(last["finding_id"])
    state["status"] = state["status"].fillna("Resolved")
    for c in ("first_seen", "last_seen", "due_date"):
        state[c] = pd.to_datetime(state[c])
    return state.reindex(columns=lifecycle.STATE_COLUMNS)


def _trend(conn, scope: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    r, c = S.runs, S.run_counts
    last = (select(r.c.id, r.c.as_of, r.c.active_filers, r.c.ready_filers).where(r.c.scope == scope)
            .order_by(r.c.as_of.desc(), r.c.id.desc()).limit(TREND_RUNS))
    runs = pd.DataFrame(conn.execute(last).all(), columns=["run_id", "as_of", "active_filers", "ready_filers"])
    runs = runs.iloc[::-1].reset_index(drop=True)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    ids = [int(i) for i in runs["run_id"]] or [-1]
    rows = _fetch(conn, "SELECT run_id, firm_key, severity, SUM(open_findings) FROM run_counts "
                        f"WHERE run_id IN ({', '.join([mark] * len(ids))}) GROUP BY run_id, firm_key, severity", tuple(ids))
    counts = pd.DataFrame(rows, columns=["run_id", "firm_key", "severity", "open_findings"])
    counts["run_id"] = counts["run_id"].astype("int64")
    counts["open_findings"] = counts["open_findings"].astype("int64")
    return runs, counts


def trend(store: Store, scope: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last 12 runs of a scope and their open findings by firm and severity (from the stored counts)."""
    with translated(store.label), store.engine.connect() as conn:
        return _trend(conn, scope)


def _latest(conn, scope: str):
    r = S.runs
    return conn.execute(select(func.max(r.c.as_of)).where(r.c.scope == scope)).scalar()


def _save(conn, result: AuditResult, scope: str, label: str, outcome: lifecycle.Outcome, backfill: bool) -> int:
    f = outcome.findings
    closed = f["status"].isin(lifecycle.CLOSED)
    active = (result.readiness or {}).get("active_filers")
    run_id = conn.execute(insert(S.runs).values(
        scope=scope, scope_label=label, as_of=result.as_of, recorded_at=dt.datetime.now().replace(microsecond=0),
        auditor_version=__version__, rules_version=rules_version(result), findings=len(f),
        open_findings=int((~closed).sum()), new=outcome.counts["new"], resolved=outcome.counts["resolved"],
        reopened=outcome.counts["reopened"], persisting=outcome.counts["still_open"],
        active_filers=active, ready_filers=(result.readiness or {}).get("ready_filers") if active is not None else None,
        backfill=backfill)).inserted_primary_key[0]
    inputs = [dict(run_id=run_id, position=i, name=t.name, kind=t.kind, sheet=t.sheet or "", sha256=t.sha256 or "",
                   rows_read=int(t.rows_read), rows_audited=int(t.rows_audited), rows_rejected=int(t.rows_rejected),
                   status=t.status) for i, t in enumerate(result.inputs)]
    if inputs:
        conn.execute(insert(S.run_inputs), inputs)
    return run_id


_COUNTS_SQL = (
    "INSERT INTO run_counts (run_id, rule_id, severity, firm_key, findings, open_findings) "
    "SELECT run_id, rule_id, severity, firm_key, COUNT(*), "
    "SUM(CASE WHEN status IN ('Resolved', 'Accepted') THEN 0 ELSE 1 END) "
    "FROM run_findings WHERE run_id = {m} GROUP BY run_id, rule_id, severity, firm_key")
_FROM_STATE_SQL = (
    "INSERT INTO run_findings (run_id, finding_id, rule_id, severity, firm_key, change, status, due_date) "
    "SELECT {m}, finding_id, rule_id, severity, firm_key, last_change, status, due_date FROM finding_state "
    "WHERE scope = {m} AND {open}")


def _save_findings(conn, run_id: int, scope: str, outcome: lifecycle.Outcome, from_state: bool) -> None:
    """The run's findings and its counts by rule, severity and firm.  After a state update they are
    copied inside the database from the state's open rows (no second trip through Python)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if from_state:
        opened = '"open" = 1' if conn.dialect.name == "sqlite" else '"open"'
        conn.exec_driver_sql(_FROM_STATE_SQL.format(m=mark, open=opened), (run_id, scope))
    else:
        state = outcome.state.set_index(pd.Index(outcome.state["finding_id"].to_numpy(dtype=object), dtype=object))
        current = state.reindex(pd.Index(outcome.findings["finding_id"].to_numpy(dtype=object), dtype=object))
        rows = pd.DataFrame({"run_id": run_id, "finding_id": current.index, "rule_id": current["rule_id"],
                             "severity": current["severity"], "firm_key": current["firm_key"],
                             "change": current["last_change"], "status": current["status"],
                             "due_date": current["due_date"]})
        bulk_insert(conn, S.run_findings, rows, ("due_date",))
    conn.exec_driver_sql(_COUNTS_SQL.format(m=mark), (run_id,))


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row over the columns' values (dates as days, missing as ''): column-wise."""
    out = np.zeros(len(frame), dtype=np.uint64)
    for c in frame.columns:
        s = frame[c]
        if c in _STATE_DATES:
            d = pd.to_datetime(s)
            v = d.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
            v = np.where(d.isna().to_numpy(), np.int64(-1), v)
        elif c == "open":
            v = pd.to_numeric(s.astype(object).map({True: 1, False: 0}), errors="coerce").fillna(-1).to_numpy(np.int64)
        else:
            v = s.to_numpy(dtype=object)
            v = np.where(pd.isna(v), "", v).astype(object) if len(v) else v
        with np.errstate(over="ignore"):
            out = out * np.uint64(1_000_003) ^ pd.util.hash_array(v, categorize=False)
    return out


def _save_state(conn, scope: str, prior: pd.DataFrame, state: pd.DataFrame) -> None:
    """Write the rows of the state that changed (a month's persisting findings mostly do not)."""
    p = prior.drop_duplicates("finding_id").set_index("finding_id")
    p.index = pd.Index(p.index.to_numpy(dtype=object), dtype=object)
    s = state.set_index(pd.Index(state["finding_id"].to_numpy(dtype=object), dtype=object))
    old = p.reindex(s.index)
    known = s.index.isin(p.index)
    compared = [c for c in lifecycle.STATE_COLUMNS if c not in ("finding_id", "last_seen")]
    changed = ~known | (_row_hashes(s[compared]) != _row_hashes(old[compared]))
    stale = s.index[changed & known]
    if len(stale):
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(f"DELETE FROM finding_state WHERE scope = {mark} AND finding_id = {mark}",
                             [(scope, fid) for fid in stale])
    bulk_insert(conn, S.finding_state, state[changed].assign(scope=scope), _STATE_DATES)


def _backfill_state(conn, scope: str, outcome: lifecycle.Outcome, as_of: dt.date) -> None:
    """A run dated before the latest: findings it shows earlier get that first sight (and due date)."""
    now = load_state(conn, scope).set_index("finding_id")
    f = outcome.findings.set_index("finding_id")
    days = (pd.to_datetime(f["due_date"]) - pd.to_datetime(f["first_seen"]))
    known = f.index.isin(now.index)
    later = known & (now.reindex(f.index)["first_seen"] > pd.Timestamp(as_of)).to_numpy()
    moved = pd.DataFrame({"fid": f.index[later], "first": pd.Timestamp(as_of),
                          "due": pd.Timestamp(as_of) + days[later]})
    if len(moved):
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        first, due, fid = _columns(moved[["first", "due", "fid"]], ("first", "due"))
        conn.exec_driver_sql(f"UPDATE finding_state SET first_seen = {mark}, due_date = {mark} "
                             f"WHERE scope = {mark} AND finding_id = {mark}",
                             [(a, b, scope, c) for a, b, c in zip(first, due, fid)])
    unseen = outcome.state[outcome.state["finding_id"].isin(f.index[~known])].assign(
        open=False, status="Resolved", resolved_on=pd.NaT)
    if len(unseen):
        bulk_insert(conn, S.finding_state, unseen.assign(scope=scope),
                    ("first_seen", "last_seen", "due_date", "accepted_until", "resolved_on"))


@contextlib.contextmanager
def recording(result: AuditResult, history, *, previous=None, backfill: bool = False):
    """Record ``result`` in the store at ``history`` (path or URL); commit when the block ends cleanly.

    ``previous``: last month's report, whose status / notes / accepted_until are carried forward.
    ``backfill``: allow a run dated before the scope's latest run.  Yields the :class:`HistoryView`,
    whose ``commit()`` records the run (called at the commit point of the outputs; else on leaving).
    """
    from auditor.history.previous import PROBLEM_COLUMNS, read_previous

    edits, problems = (read_previous(previous) if previous else (None, pd.DataFrame(columns=PROBLEM_COLUMNS)))
    store = open_store(history)
    scope, label = run_scope(result)
    conn = None
    try:
        with translated(store.label):
            conn = store.engine.connect()
            tx = conn.begin()
            store.lock(conn)
            latest = _latest(conn, scope)
            back = latest is not None and result.as_of < latest
            if back and not backfill:
                raise HistoryError(
                    f"this audit is dated {result.as_of}, before the latest recorded run of {label} "
                    f"({latest}); give --backfill to record an earlier month, or --no-history")
            prior = state_before(conn, scope, result.as_of) if back else load_state(conn, scope)
            outcome = lifecycle.apply(result.findings, prior, edits, result.as_of)
            if edits is not None:
                known = set(outcome.state["finding_id"])
                lost = edits[~edits["finding_id"].isin(known)]
                problems = pd.concat([problems, pd.DataFrame({
                    "sheet": lost["sheet"], "row": lost["row"], "finding_id": lost["finding_id"],
                    "problem": f"not found in this audit nor in the history of {label}"})], ignore_index=True)
            problems = pd.concat([problems, pd.DataFrame(outcome.problems, columns=["finding_id", "problem"])],
                                 ignore_index=True).reindex(columns=PROBLEM_COLUMNS)
            run_id = _save(conn, result, scope, label, outcome, back)
            if back:
                _backfill_state(conn, scope, outcome, result.as_of)
            else:
                _save_state(conn, scope, prior, outcome.state)
            _save_findings(conn, run_id, scope, outcome, from_state=not back)
            save_firm_figures(conn, run_id, result.readiness)
            runs, counts = _trend(conn, scope)
            firms = firm_figures(conn, runs["run_id"])
        result.findings = outcome.findings
        first = len(prior) == 0
        result.previous = None if first else outcome.counts
        carried = 0 if edits is None else int((edits["finding_id"].isin(outcome.findings["finding_id"])
                                                & ~edits["finding_id"].isin(problems["finding_id"])).sum())

        def commit() -> None:
            if tx.is_active:
                with translated(store.label):
                    tx.commit()

        view = HistoryView(run_id, scope, label, store.label, first, outcome.changes, runs, counts, problems, carried,
                           trend_firms=firms, commit=commit)
        result.history = view
        yield view
        commit()
    except BaseException:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.rollback()
        raise
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        store.close()
