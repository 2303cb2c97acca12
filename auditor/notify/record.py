"""Each firm's delivery, recorded in the history: one row per scope, month and firm.

States: ``queued`` (about to go to the mail server), ``sent`` (the server took it), ``failed-for-now``
(the server asked to try later, or the connection broke: the next run sends it again) and ``refused``
(the server refused the address or the message for good: not sent again until the firm's addresses
change).  Every change is committed at once, so that a run stopped half-way knows on its next start what
went out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select

from auditor.history import schema as S
from auditor.history.store import HistoryError, Store, translated

QUEUED, SENT, FAILED, REFUSED = "queued", "sent", "failed-for-now", "refused"
DONE = (SENT, REFUSED)
NOTICE = "notice"        # the kind of the firm's notice message; reminders are "reminder-1" to "reminder-3"


@dataclass
class RunRef:
    run_id: int
    scope: str
    scope_label: str
    as_of: dt.date


def _current():
    from auditor.history.state import current

    return current()


def find_run(store: Store, as_of: dt.date | None, run: int | None = None) -> RunRef:
    """The run given, or the latest run recorded for the report's audit date."""
    r = S.runs
    q = select(r.c.id, r.c.scope, r.c.scope_label, r.c.as_of)
    q = (q.where(r.c.id == run) if run is not None
         else q.where(r.c.as_of == as_of, _current()).order_by(r.c.id.desc()))   # not one replaced or removed
    with translated(store.label), store.engine.connect() as conn:
        row = conn.execute(q.limit(1)).first()
    if row is None:
        if run is not None:
            raise HistoryError(f"history {store.label} has no run {run} ('auditor history' lists them)")
        raise HistoryError(f"history {store.label} has no run of {as_of}: give the history the audit recorded "
                           "into (--history), or --run")
    if as_of is not None and row.as_of != as_of:
        raise HistoryError(f"run {row.id} of the history is dated {row.as_of}, the report {as_of}: "
                           "give the run of this report")
    return RunRef(row.id, row.scope, row.scope_label, row.as_of)


def _where(ref: RunRef, kind: str = NOTICE):
    d = S.deliveries.c
    return and_(d.scope == ref.scope, d.as_of == ref.as_of, d.kind == kind)


def deliveries(store: Store, ref: RunRef) -> dict[str, dict]:
    """firm key -> its recorded notice delivery (state, recipients, answer, attempts, attached)."""
    d = S.deliveries
    with translated(store.label), store.engine.connect() as conn:
        rows = conn.execute(select(d).where(_where(ref))).mappings().all()
    return {row["firm_key"]: dict(row) for row in rows}


def save(store: Store, ref: RunRef, key: str, *, conn=None, firm_name: str, recipients: str, state: str,
         answer: str = "", attempts: int = 0, attached: bool = True, message_id: str = "", kind: str = NOTICE) -> None:
    """Record one firm's delivery (insert or update), committed at once (on ``conn`` when given: one
    connection kept open for a whole sending, instead of one opened for each firm)."""
    d = S.deliveries
    values = dict(run_id=ref.run_id, firm_name=firm_name, recipients=recipients, state=state,
                  answer=(answer or "")[:2000], attempts=attempts, attached=attached, message_id=message_id,
                  updated_at=dt.datetime.now().replace(microsecond=0))
    with translated(store.label), (contextlib.nullcontext(conn) if conn is not None
                                   else store.engine.connect()) as c, c.begin():
        store.lock(c)
        where = and_(_where(ref, kind), d.c.firm_key == key)
        if c.execute(d.update().where(where).values(**values)).rowcount == 0:
            c.execute(d.insert().values(scope=ref.scope, as_of=ref.as_of, firm_key=key, kind=kind, **values))


@contextlib.contextmanager
def connection(store: Store):
    """One connection to record a whole sending on."""
    with translated(store.label), store.engine.connect() as conn:
        yield conn


def queue_all(store: Store, ref: RunRef, rows: list[dict]) -> None:
    """Record every firm about to be sent as queued (firms already recorded keep their row), at once."""
    d = S.deliveries
    now = dt.datetime.now().replace(microsecond=0)
    with translated(store.label), store.engine.begin() as conn:
        store.lock(conn)
        have = set(conn.execute(select(d.c.firm_key).where(_where(ref))).scalars())
        new = [dict(scope=ref.scope, as_of=ref.as_of, firm_key=r["key"], kind=NOTICE, run_id=ref.run_id, firm_name=r["firm"],
                    recipients=r["recipients"], state=QUEUED, answer="", attempts=0, attached=True,
                    message_id=r["message_id"], updated_at=now) for r in rows if r["key"] not in have]
        if new:
            conn.execute(d.insert(), new)


def refused_latest(store: Store, scope: str) -> list[dict]:
    """The refused deliveries of the scope's latest notified month (for the next report)."""
    d = S.deliveries
    with translated(store.label), store.engine.connect() as conn:
        last = conn.execute(select(d.c.as_of).where(d.c.scope == scope, d.c.kind == NOTICE)
                            .order_by(d.c.as_of.desc()).limit(1)).scalar()
        if last is None:
            return []
        rows = conn.execute(select(d.c.firm_name, d.c.recipients, d.c.answer, d.c.as_of)
                            .where(d.c.scope == scope, d.c.as_of == last, d.c.state == REFUSED, d.c.kind == NOTICE)
                            .order_by(d.c.firm_name)).mappings().all()
    return [dict(r) for r in rows]


__all__ = ["RunRef", "find_run", "deliveries", "save", "queue_all", "refused_latest", "HistoryError",
           "connection", "QUEUED", "SENT", "FAILED", "REFUSED", "DONE", "NOTICE"]


def report_of(store: Store, run_id: int) -> str:
    """Where run ``run_id``'s report was written, as the history recorded it (a one-line error otherwise)."""
    from pathlib import Path

    from auditor.errors import UsageError

    with translated(store.label), store.engine.connect() as conn:
        row = conn.execute(select(S.runs.c.report_path).where(S.runs.c.id == run_id)).first()
    if row is None:
        raise HistoryError(f"history {store.label} has no run {run_id} ('auditor history' lists them)")
    if not row.report_path:
        raise UsageError(f"run {run_id} of the history does not record where its report was written: give --report "
                         "(the report the audit wrote with --split-by-firm)")
    if not Path(row.report_path).is_file():
        raise UsageError(f"run {run_id}'s report was written to {row.report_path}, which is not there now: "
                         "give --report")
    return row.report_path
