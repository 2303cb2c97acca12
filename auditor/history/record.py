"""Recording a run: one transaction, committed at the commit point of the run's outputs.

>>> with recording(result, "auditor-history.sqlite", previous="2026-10.xlsx") as view:
...     api.write(view.applied(result), "2026-11.xlsx", on_commit=view.commit)   # shows view.changes
>>> # an error (or a killed process) before the commit point records nothing

The bulk of a run's rows (each finding's state, the run's findings) are written on a thread of their
own while the report is being written (:class:`_Writer`); ``view.commit`` waits for them, and an
error in writing them is raised there, at the commit point, so that nothing is published.

``api.write`` calls ``view.commit`` once every output is written and its journal is on disk, before
any output is moved into place: a run is never recorded without its outputs being published (a run
killed after the journal is finished by the next run in that folder), and if the commit fails
nothing is moved.  Leaving the block commits too, if ``view.commit`` was not called.

:func:`recording` locks the store (other audits of the same store wait) and compares the run with the
scope's previous run; it changes nothing it is given.  ``view.applied(result)`` is the result as the
report shows it: the findings with the dates and statuses from the history, ``previous`` (the
Summary's comparison) and ``history`` (the Changes and Trend sheets).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, literal, select

from auditor import __version__
from auditor.outputs import threads
from auditor.columns import ROSTER
from auditor.history import lifecycle, schema as S, state
from auditor.history.answers import for_audit
from auditor.history.bulk import bulk_insert, values
from auditor.history.firms import firm_figures, firm_rows, save_firm_figures
from auditor.history.run_counts import count_rows, runs_and_counts, trend_part
from auditor.history.store import HistoryError, open_store, translated
from auditor.model import AuditResult
from auditor.normalize import firm_key

LISTED_PROBLEMS = 10_000    # rows on the Status import sheet at most (the last one says how many more)


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
    carried: int = 0                # findings given another status, notes or accepted-until by --previous
    trend_firms: pd.DataFrame = field(default_factory=pd.DataFrame)  # history.firms.FIRM_COLUMNS
    commit: Callable[[], None] = lambda: None   # commits the run's transaction (once)
    replaced: int | None = None     # the run of the same scope and audit date this one replaces
    typed_in_out: int = 0           # findings whose status or notes were typed into --out since it was written
    not_used: int = 0               # rows of the edited copies not used (import_problems lists the first ones)
    findings: pd.DataFrame | None = None   # the run's findings with first/last seen, due dates and statuses
    comparison: dict | None = None  # new / resolved / reopened / still_open / overdue; None on a first run
    firm_answers: list = field(default_factory=list)   # answers.FirmProgress of the previous run's firms, if asked

    def applied(self, result: AuditResult) -> AuditResult:
        """``result`` as the report shows it with this history (a new result; ``result`` is unchanged)."""
        return replace(result, findings=result.findings if self.findings is None else self.findings,
                       previous=self.comparison, history=self)


COURTS = "courts:"   # a court scope's key: "courts:" and its court ids, sorted, comma-separated


def courts_scope(courts) -> tuple[str, str]:
    """(key, label) of the scope of these court ids: "courts:ncmb,ncwb", "courts ncmb, ncwb"."""
    ids = sorted({str(c) for c in courts})
    return COURTS + ",".join(ids), "courts " + ", ".join(ids)


def scope_courts(key: str) -> list[str]:
    """The court ids of a court scope's key (none for a scope of firms or PACER lists)."""
    return key[len(COURTS):].split(",") if key.startswith(COURTS) else []


def run_scope(result: AuditResult) -> tuple[str, str]:
    """(key, label): the courts of a court export; else the firms of the rosters; else PACER lists."""
    if result.courts:
        key, label = courts_scope(result.courts)
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


def _save(conn, result: AuditResult, scope: str, label: str, outcome: lifecycle.Outcome, backfill: bool,
          report=None) -> int:
    f = outcome.findings
    closed = f["status"].isin(lifecycle.CLOSED)
    r = result.readiness or {}
    active = None if r.get("active_unknown") else r.get("active_filers")   # unknown: stored as no figure
    run_id = conn.execute(insert(S.runs).values(
        scope=scope, scope_label=label, as_of=result.as_of, recorded_at=dt.datetime.now().replace(microsecond=0),
        auditor_version=__version__, rules_version=rules_version(result), findings=len(f),
        open_findings=int((~closed).sum()), new=outcome.counts["new"], resolved=outcome.counts["resolved"],
        reopened=outcome.counts["reopened"], persisting=outcome.counts["still_open"],
        active_filers=active, ready_filers=r.get("ready_filers") if active is not None and not r.get("unknown") else None,
        backfill=backfill, undoable=True,
        report_path=str(Path(report).resolve()) if report else None)).inserted_primary_key[0]
    inputs = [dict(run_id=run_id, position=i, name=t.name, kind=t.kind, sheet=t.sheet or "", sha256=t.sha256 or "",
                   rows_read=int(t.rows_read), rows_audited=int(t.rows_audited), rows_rejected=int(t.rows_rejected),
                   status=t.status, path=str(Path(t.path).resolve()) if t.path else None,   # for the portal's rosters
                   headers=json.dumps(t.column_map, ensure_ascii=False))
              for i, t in enumerate(result.inputs)]
    if inputs:
        conn.execute(insert(S.run_inputs), inputs)
    return run_id


def _save_findings(conn, run_id: int, scope: str, outcome: lifecycle.Outcome, from_state: bool) -> None:
    """The run's findings (the open rows of the state after it).  With ``from_state`` (the state was
    just updated by this run) the findings of the commonest change (persisting most months, new in the
    first) are copied inside the database from the state, and only the others go from here."""
    found = outcome.state[outcome.state["open"].to_numpy(dtype=bool)]
    bulk = found["last_change"].mode().iloc[0] if from_state and len(found) else None
    s = found if bulk is None else found[(found["last_change"] != bulk).to_numpy(dtype=bool)]
    rows = pd.DataFrame({"run_id": run_id, "finding_id": s["finding_id"], "rule_id": s["rule_id"],
                         "severity": s["severity"], "firm_key": s["firm_key"], "change": s["last_change"],
                         "status": s["status"], "due_date": s["due_date"], "notes": s["notes"],
                         "accepted_until": s["accepted_until"]})
    bulk_insert(conn, S.run_findings, rows.sort_values("finding_id"), ("due_date", "accepted_until"))
    if bulk is not None:
        st, f = S.finding_state, S.run_findings
        # the rows written just above are not copied again (none in a first month: no look-up per row)
        others = [_not_among(conn, run_id, s["finding_id"])] if len(s) else []
        conn.execute(insert(f).from_select(
            ["run_id", "finding_id", "rule_id", "severity", "firm_key", "change", "status", "due_date", "notes",
             "accepted_until"],
            select(literal(run_id), st.c.finding_id, st.c.rule_id, st.c.severity, st.c.firm_key, literal(bulk),
                   st.c.status, st.c.due_date, st.c.notes, st.c.accepted_until).where(st.c.scope == scope, st.c.open, *others)))


def _not_among(conn, run_id: int, ids: pd.Series):
    """The condition on a state row: its finding is not among ``ids``, the run's findings just written.
    SQLite looks the few ids up in one small index it builds once from a JSON array (a month's findings
    are mostly those of the month before, copied: looking each one up among the rows written, 100,000
    times, took 0.2 s); another database, in the rows written."""
    st, f = S.finding_state, S.run_findings
    if conn.dialect.name == "sqlite":
        written = func.json_each(json.dumps(values(ids), ensure_ascii=False)).table_valued("value")
        return st.c.finding_id.not_in(select(written.c.value))
    return ~select(f.c.finding_id).where(f.c.run_id == run_id, f.c.finding_id == st.c.finding_id).exists()


class _Writer:
    """Runs ``work`` (statements on the run's connection) on a thread of its own, so that a large
    month's rows are written while the report is.  Nothing else uses the connection until
    :meth:`finish`, which waits for the thread and raises what ``work`` raised."""

    def __init__(self, work: Callable[[], None]):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), name="history-writer")
        threads.start(self.thread)

    def _run(self, work) -> None:
        try:
            work()
        except BaseException as e:   # noqa: BLE001 - raised again in the thread that commits
            self.error = e

    def finish(self) -> None:
        self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def abandon(self) -> None:
        """Wait for the thread before the transaction is rolled back; its error no longer matters."""
        while self.thread.is_alive():
            with contextlib.suppress(BaseException):   # a signal may interrupt the wait: wait again
                self.thread.join()
        self.error = None


def _edits(conn, scope: str, label: str, result: AuditResult, sources):
    """(edits, problems, typed, changed): the edits of ``sources`` (``previous.Previous``, the first
    winning) kept to this scope, settled against what the report showed; the problems; how many findings
    were typed into ``--out``; the ids whose status, notes or accepted-until differ from what was shown."""
    from auditor.history.previous import settle
    from auditor.history.months import scoped_edits

    sources = [s for s in sources if s is not None]
    if not sources:
        return None, [], 0, pd.Series(dtype=object)
    known = state.load(conn, scope, ["finding_id", "firm_key", "status", "notes", "accepted_until"])
    found = pd.DataFrame({"finding_id": result.findings["finding_id"].astype(str),
                          "firm_key": firm_key(result.findings["firm_name"]).fillna("")})
    frames, problems, typed, moved = [], [], 0, []
    for source in sources:
        edits, lost = scoped_edits(source, found, known, label)
        shown = _shown(conn, scope, source.as_of)
        edits, conflicts = settle(edits, known if shown is None else shown)
        changed = _typed_since(edits, known if shown is None else shown)
        if getattr(source, "is_out", False):   # read whole, as --previous would; kept beside if typed into
            typed = len(changed)
        frames.append(edits)
        moved.append(changed["finding_id"])
        problems += [source.problems, lost, conflicts]
    edits = pd.concat(frames, ignore_index=True).drop_duplicates("finding_id") if len(frames) > 1 else frames[0]
    return edits.reset_index(drop=True), problems, typed, pd.concat(moved, ignore_index=True)


def _shown(conn, scope: str, as_of) -> pd.DataFrame | None:
    """What the report of ``scope`` dated ``as_of`` showed (finding_id, status, notes, accepted_until): the
    findings of the latest run recorded for that date, even one since replaced or removed (None if none)."""
    f, r = S.run_findings, S.runs
    if as_of is None:
        return None
    run = conn.execute(select(func.max(r.c.id)).where(r.c.scope == scope, r.c.as_of == as_of)).scalar()
    if run is None:
        return None
    rows = conn.execute(select(f.c.finding_id, f.c.status, f.c.notes, f.c.accepted_until)
                        .where(f.c.run_id == run)).all()
    return pd.DataFrame(rows, columns=["finding_id", "status", "notes", "accepted_until"])


def _typed_since(edits: pd.DataFrame, shown: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``edits`` whose status, notes or accepted_until differ from what the report showed
    (a finding it showed that ``shown`` lacks was Open, with no notes)."""
    was = shown.drop_duplicates("finding_id").set_index("finding_id").reindex(edits["finding_id"])
    gone = edits["changes_only"].to_numpy(dtype=bool) if "changes_only" in edits else False
    was["status"] = was["status"].fillna(pd.Series(np.where(gone, "Resolved", "Open"), index=was.index))

    def differs(col) -> pd.Series:
        new = edits[col].reset_index(drop=True)
        old = was[col].reset_index(drop=True)
        if col == "accepted_until":
            new, old = pd.to_datetime(new), pd.to_datetime(old)
        else:
            new, old = new.astype(object).replace("", None), old.astype(object).replace("", None)
        same = (new == old).fillna(False).astype(bool) | (new.isna() & old.isna())
        return edits[f"has_{col}"].reset_index(drop=True) & ~same

    changed = differs("status") | differs("notes") | differs("accepted_until")
    return edits[changed.to_numpy()]


def _refused_notices(conn, scope: str) -> int | None:
    """Firms whose notice the mail server refused, in the scope's latest month notified (None: never)."""
    from sqlalchemy import func

    d = S.deliveries
    notice = d.c.kind == "notice"      # reminders are counted apart
    last = conn.execute(select(func.max(d.c.as_of)).where(d.c.scope == scope, notice)).scalar()
    if last is None:
        return None
    return conn.execute(select(func.count()).where(d.c.scope == scope, d.c.as_of == last,
                                                   d.c.state == "refused", notice)).scalar()


@contextlib.contextmanager
def recording(result: AuditResult, history, *, previous=None, out_edits=None, backfill: bool = False,
              future: bool = False, report=None):
    """Record ``result`` in the store at ``history`` (path or URL); commit when the block ends cleanly.

    ``previous``: last month's report (a path, or ``previous.read_previous``'s answer), whose status /
    notes / accepted_until are carried forward; ``out_edits``: the same read from the report this run
    replaces, read as ``previous`` is and before it (what was typed into it since it was written is
    counted: the caller keeps that file).
    ``backfill``: allow a run dated before the scope's latest run; ``future``: one dated after today.
    ``report``: where the run's report is written (recorded with the run, for ``auditor notify --run``).
    A run of a scope and audit date already recorded replaces that run (kept, marked superseded).
    Yields the :class:`HistoryView`, whose ``commit()`` records the run (called at the commit point of
    the outputs; else on leaving).
    """
    from auditor.history.dates import check_date
    from auditor.history.months import same_month, supersede, take_back
    from auditor.history.previous import PROBLEM_COLUMNS, limit_problems, read_previous

    check_date(result.as_of, future)
    if previous is not None and not hasattr(previous, "edits"):
        previous = read_previous(previous)
    store = open_store(history)
    scope, label = run_scope(result)
    conn = writer = None
    try:
        with translated(store.label):
            conn = store.engine.connect()
            tx = conn.begin()
            store.lock(conn)
            edits, problems, typed, changed = _edits(conn, scope, label, result, [out_edits, previous])
            replaced = same_month(conn, scope, result.as_of)   # None when recorded by an earlier version
            if replaced is not None:
                take_back(conn, replaced, scope, label, "record again")
                supersede(conn, replaced, replaced)   # out of the way of what follows; set to the new run below
            latest = state.latest(conn, scope)
            back = latest is not None and result.as_of < latest
            if back and not backfill:
                raise HistoryError(
                    f"this audit is dated {result.as_of}, before the latest recorded run of {label} "
                    f"({latest}); give --backfill to record an earlier month, or --no-history "
                    "(a run recorded by mistake: 'auditor history remove RUN')")
            if back:
                prior = state.before(conn, scope, result.as_of)
                seen = len(prior)
            else:
                prior, stored = state.prior_for(conn, scope, result.findings["finding_id"], edits)
                seen = len(stored)
            answers, progress = for_audit(conn, scope, result.as_of)   # the firms' answers from the portal
            outcome = lifecycle.apply(result.findings, prior, edits, result.as_of, answers=answers, clerk_ids=changed)
            problems = pd.concat([*problems, pd.DataFrame(outcome.problems, columns=["finding_id", "problem"])],
                                 ignore_index=True).reindex(columns=PROBLEM_COLUMNS)
            run_id = _save(conn, result, scope, label, outcome, back, report)
            if replaced is not None:
                supersede(conn, replaced, run_id)
            # this run's counts and firm figures are stored beside the report; the trends take them from here
            counted, figures = count_rows(outcome), firm_rows(run_id, result.readiness)
            runs, counts = runs_and_counts(conn, scope, result.as_of, now=trend_part(run_id, counted))
            firms = firm_figures(conn, runs["run_id"], now=figures)

            def rows() -> None:
                bulk_insert(conn, S.run_counts, counted.assign(run_id=run_id))
                save_firm_figures(conn, run_id, result.readiness, figures)
                if back:
                    state.backfill(conn, scope, outcome, result.as_of, run_id)
                else:
                    state.save(conn, scope, outcome.state, stored, run_id)
                _save_findings(conn, run_id, scope, outcome, from_state=not back)

            # read before the writer's thread takes the connection
            refused = _refused_notices(conn, scope) if seen else None
            writer = _Writer(rows)
        first = seen == 0
        comparison = None if first else outcome.counts
        if comparison is not None and refused is not None:
            comparison = {**comparison, "notices_refused": refused}
        if comparison is not None and progress:
            comparison = {**comparison, "firms_answered": sum(1 for p in progress if p.answered),
                          "firms_not_answered": sum(1 for p in progress if not p.answered)}
        carried = 0 if edits is None else int((changed.isin(outcome.findings["finding_id"])
                                                & ~changed.isin(problems["finding_id"])).sum())

        def commit() -> None:
            if tx.is_active:
                with translated(store.label):
                    writer.finish()
                    tx.commit()

        view = HistoryView(run_id, scope, label, store.label, first, outcome.changes, runs, counts,
                           limit_problems(problems, LISTED_PROBLEMS), carried, trend_firms=firms, commit=commit,
                           replaced=replaced, typed_in_out=typed, not_used=len(problems), findings=outcome.findings,
                           comparison=comparison, firm_answers=progress)
        yield view
        commit()
    except BaseException:
        if writer is not None:
            writer.abandon()
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.rollback()
        raise
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        store.close()
