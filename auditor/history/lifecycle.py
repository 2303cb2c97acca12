"""What happened to each finding since the previous run of the same scope (pure pandas, no database).

Given this run's findings, the scope's state before it (one row per finding ever seen) and the statuses
the clerk typed into last month's workbook, :func:`apply` works out, column-wise:

- the change: ``new`` (never seen), ``persisting`` (found last run too), ``reopened`` (found again after
  it was resolved), and ``resolved`` for what the previous run found and this one does not;
- ``first_seen`` (kept from the first sight), ``last_seen`` (this run), the due date fixed at first sight,
  days open and whether the finding is overdue;
- the status carried forward: the typed one where the workbook gives it, else the one kept in the
  history.  ``Accepted`` needs a justification in ``notes`` and lasts until ``accepted_until`` (default
  90 days, at most 12 months after the audit that carries it); after that the finding is Open again.
  A finding marked Resolved that is still found is Open again and flagged so, never silently.
- the firms' answers from the portal (:mod:`firm_answers`): shown beside the status, setting it only where
  the clerk typed nothing, never closing a finding by themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import take

from auditor.columns import STRING
from auditor.history.firm_answers import ANSWER_COLUMNS, Merge, ending, joined, resolved_shown
from auditor.normalize import arrow, firm_key, positions

NEW, PERSISTING, REOPENED, RESOLVED = "new", "persisting", "reopened", "resolved"
_FOUND = (NEW, PERSISTING, REOPENED)   # a current finding's change, coded by its place here
_NEW, _PERSISTING, _REOPENED = range(len(_FOUND))
CHANGES = (NEW, REOPENED, RESOLVED, PERSISTING)
CLOSED = ("Resolved", "Accepted")
ACCEPT_DAYS = 90
LAST_DAY = dt.date(2200, 12, 31)    # the latest date the auditor reckons with (as the audit date's range)
ACCEPT_MONTHS_MAX = 12      # the longest an acceptance lasts from the audit that carries it (README)
STATE_COLUMNS = [
    "finding_id", "rule_id", "severity", "court_id", "firm_key", "firm_name", "person_name",
    "cmecf_login", "pacer_username", "first_seen", "last_seen", "due_date", "status", "notes",
    "accepted_until", "open", "resolved_on", "last_change",
]
CHANGE_COLUMNS = [
    "change", "finding_id", "rule_id", "severity", "court_id", "firm_name", "person_name", "cmecf_login",
    "pacer_username", "status", "first_seen", "last_seen", "days_open", "due_date", "overdue", "note",
    *ANSWER_COLUMNS,
]
_DATES = ("first_seen", "last_seen", "due_date", "accepted_until", "resolved_on")


@dataclass
class Outcome:
    findings: pd.DataFrame          # this run's findings with dates and statuses from the history
    changes: pd.DataFrame           # CHANGE_COLUMNS: every current finding and every one resolved now
    state: pd.DataFrame             # STATE_COLUMNS after this run
    counts: dict                    # new, resolved, reopened, still_open, overdue, ...
    problems: list = field(default_factory=list)   # (finding_id, problem) for statuses not taken


def empty_state() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in STATE_COLUMNS})
    for c in _DATES:
        frame[c] = pd.Series(dtype="datetime64[ns]")
    frame["open"] = pd.Series(dtype=bool)
    return frame


def _days(a: pd.Series, b) -> pd.Series:
    return (pd.Timestamp(b) - pd.to_datetime(a)).dt.days


def _at(frame: pd.DataFrame, pos: np.ndarray, index) -> pd.DataFrame:
    """The rows of ``frame`` at positions ``pos`` (missing values where a position is -1)."""
    return pd.DataFrame({c: take(frame[c].array, pos, allow_fill=True) for c in frame.columns}, index=index)


def _like(part: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """A few rows given the column types of the many they are put under (so that Arrow text is appended,
    not the whole column turned into Python objects)."""
    part = part.copy()
    for c in part.columns.intersection(model.columns):
        if part[c].dtype != model[c].dtype and isinstance(model[c].dtype, pd.StringDtype):
            part[c] = part[c].astype(model[c].dtype)
    return part


def _under(top: pd.DataFrame, bottom: pd.DataFrame) -> pd.DataFrame:
    return top if not len(bottom) else pd.concat([top, _like(bottom, top)], ignore_index=True)


def _given(e: pd.DataFrame, column: str, found: pd.Series) -> pd.Series:
    """Where the edited copy gives ``column`` for a finding (its row is there, on a sheet with that column)."""
    has = f"has_{column}"
    if column not in e:
        return pd.Series(False, index=found.index)
    return found & (e[has].astype("boolean").fillna(False).astype(bool) if has in e else True)


def apply(findings: pd.DataFrame, prior: pd.DataFrame, edits: pd.DataFrame | None, as_of: dt.date,
          *, accept_days: int = ACCEPT_DAYS, accept_months: int = ACCEPT_MONTHS_MAX,
          answers: pd.DataFrame | None = None, clerk_ids=None) -> Outcome:
    """Lifecycle, dates and statuses of this run's findings (see the module doc).  ``answers``: the firms'
    (``firm_answers.answers_frame``); ``clerk_ids``: the findings the clerk typed something for."""
    today = pd.Timestamp(as_of)
    f = findings.reset_index(drop=True).copy()
    ids = f["finding_id"].astype(STRING)
    if (not len(prior) and (edits is None or not len(edits)) and (answers is None or not len(answers))
            and f["due_date"].dtype == "datetime64[ns]"):
        return _first(f, ids, today)
    p = prior.drop_duplicates("finding_id").reset_index(drop=True)
    pos = positions(ids, p["finding_id"])
    known = pos >= 0
    pj = _at(p[["open", "first_seen", "due_date", "status", "notes", "accepted_until"]], pos, f.index)
    was_open = known & pj["open"].fillna(False).to_numpy(dtype=bool)
    kind = np.where(~known, _NEW, np.where(was_open, _PERSISTING, _REOPENED))
    change = pd.Series(np.array(_FOUND, dtype=object)[kind], index=f.index)
    not_reopened = pd.Series(kind != _REOPENED, index=f.index)

    first_seen = pd.Series(np.where(known, pd.to_datetime(pj["first_seen"]).to_numpy(), today.to_datetime64()),
                           index=f.index)
    kept_due = pd.to_datetime(pj["due_date"])
    due = kept_due.where(known & kept_due.notna(), pd.to_datetime(f["due_date"]))
    status = pj["status"].astype(object).where(known & not_reopened.to_numpy(), "Open")
    notes = pj["notes"].astype(object)
    until = pd.to_datetime(pj["accepted_until"])
    problems: list[tuple[str, str]] = []
    edited_until = pd.Series(False, index=f.index)

    if edits is not None and len(edits):
        ed = edits.drop_duplicates("finding_id").reset_index(drop=True)
        epos = positions(ids, ed["finding_id"])
        e = _at(ed, epos, f.index)
        found = pd.Series(epos >= 0, index=f.index)
        # a reopened finding was resolved in the report the statuses come from: its "Resolved" is not news
        took = _given(e, "status", found) & e["status"].notna() & not_reopened
        status = e["status"].astype(object).where(took, status) if "status" in e else status
        if "notes" in e:
            notes = e["notes"].astype(object).where(_given(e, "notes", found), notes)
        if "accepted_until" in e:
            typed = _given(e, "accepted_until", found)
            until = pd.to_datetime(e["accepted_until"]).where(typed, until)
            edited_until = typed & until.notna()

    merge = Merge(ids, change, answers, clerk_ids, REOPENED)
    status, until, justified = merge.status(status, until)
    status = status.fillna("Open").astype(object)
    still_marked = (status == "Resolved") & (kind == _PERSISTING)
    status = status.where(~still_marked, "Open")
    blank_note = notes.isna() | (notes.astype(STRING).str.strip() == "").fillna(True).astype(bool)
    unjustified = (status == "Accepted") & blank_note & ~justified
    for fid in ids[unjustified]:
        problems.append((fid, "Accepted needs a justification in notes: left Open"))
    status = status.where(~unjustified, "Open")
    accepted = status == "Accepted"
    until = until.where(~(accepted & until.isna()), today + pd.Timedelta(days=accept_days))
    longest = today + pd.DateOffset(months=accept_months)
    beyond = accepted & (until > longest)
    if edits is not None and len(edits) and "accepted_until" in edits:
        told = beyond & edited_until
        typed = e["until_typed"] if "until_typed" in e else pd.Series(None, index=f.index, dtype=object)
        shown = typed.where(typed.notna(), until.dt.strftime("%Y-%m-%d"))
        for fid, when in zip(ids[told], shown[told]):
            problems.append((fid, f"accepted_until {when} is more than {accept_months} months after the audit "
                                  f"date: accepted until {longest:%Y-%m-%d}, the longest an acceptance lasts"))
    until = until.where(~beyond, longest)
    expired = accepted & (until < today)
    ended = until.where(expired)
    status = status.where(~expired, "Open")
    until = until.where(status == "Accepted")

    closed = status.isin(CLOSED)
    overdue = (due < today) & ~closed
    note = pd.Series("", index=f.index, dtype=object)
    note = note.mask(still_marked, "marked Resolved but still found: Open again")
    note = note.mask(unjustified, "marked Accepted without a reason in notes: left Open")
    if expired.any():
        note = note.mask(expired, "acceptance expired on " + pd.to_datetime(ended).dt.strftime("%Y-%m-%d").fillna(""))

    answered, answer_note, answer_counts = merge.shown(status, due)
    ends = ending(status, until, as_of)
    ending_note = pd.Series("", index=f.index, dtype=object)
    if ends.any():
        ending_note = ending_note.mask(ends, "acceptance ends on " + pd.to_datetime(until).dt.strftime("%Y-%m-%d").fillna(""))
    note = joined(note, answer_note, ending_note)

    f["first_seen"] = pd.to_datetime(first_seen)
    f["last_seen"] = today
    f["due_date"] = due
    f["status"] = status.astype(STRING)
    f["notes"] = notes.where(~blank_note, None).astype(STRING)
    f["accepted_until"] = until
    f[ANSWER_COLUMNS] = answered

    fkey = firm_key(f["firm_name"]).fillna("")
    current = pd.DataFrame({
        "finding_id": ids, "rule_id": f["rule_id"], "severity": f["severity"],
        "court_id": f["court_id"], "firm_key": fkey, "firm_name": f["firm_name"],
        "person_name": f["person_name"], "cmecf_login": f["cmecf_login"], "pacer_username": f["pacer_username"],
        "first_seen": f["first_seen"], "last_seen": today, "due_date": due, "status": f["status"],
        "notes": f["notes"], "accepted_until": until, "open": True, "resolved_on": pd.NaT,
        "last_change": change,
    })
    kept = np.zeros(len(p), dtype=bool)
    kept[pos[known]] = True
    gone = p[~kept].reset_index(drop=True).reindex(columns=STATE_COLUMNS)
    gone["last_change"] = gone["last_change"].astype(object)
    now_resolved = gone["open"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    gone.loc[now_resolved, "status"] = "Resolved"
    gone.loc[now_resolved, "resolved_on"] = today
    gone.loc[now_resolved, "last_change"] = RESOLVED
    gone["open"] = False
    if edits is not None and len(edits) and len(gone):  # notes typed against findings no longer found
        ed = edits.drop_duplicates("finding_id").reset_index(drop=True)
        gpos = positions(gone["finding_id"], ed["finding_id"])
        if "notes" in ed:
            has = gpos >= 0
            if "has_notes" in ed:
                has &= ed["has_notes"].to_numpy(dtype=bool)[np.where(has, gpos, 0)]
            gone.loc[has, "notes"] = ed["notes"].to_numpy(dtype=object)[gpos[has]]
    state = _under(current, gone)

    changes = current.assign(change=change, days_open=_days(current["first_seen"], today), overdue=overdue,
                             note=note, **answered)[CHANGE_COLUMNS]
    resolved = gone[now_resolved]
    said, fixed_note = resolved_shown(resolved["finding_id"], answers, resolved.index)
    resolved = resolved.assign(change=RESOLVED, days_open=_days(resolved["first_seen"], today), overdue=False,
                               note=fixed_note, **said)
    changes = _ordered(_under(changes, resolved.reindex(columns=CHANGE_COLUMNS)), kind)

    counts = {
        "new": int((kind == _NEW).sum()), "resolved": int(now_resolved.sum()),
        "reopened": int((kind == _REOPENED).sum()), "still_open": int((kind == _PERSISTING).sum()),
        "overdue": int(overdue.sum()), "resolved_still_found": int(still_marked.sum()),
        "acceptances_expired": int(expired.sum()), "open": int((~closed).sum()),
        "acceptances_ending": int(ends.sum()), **answer_counts,
        "firm_fixed_confirmed": int((fixed_note != "").sum()),
    }
    return Outcome(f, changes, state, counts, problems)


def _ordered(changes: pd.DataFrame, kind: np.ndarray) -> pd.DataFrame:
    """The Changes rows in their order: by change (``kind`` of the current findings, then those
    resolved now), severity, rule and finding."""
    rank = np.array([CHANGES.index(c) for c in _FOUND])
    ranks = np.concatenate([rank[kind], np.full(len(changes) - len(kind), CHANGES.index(RESOLVED))])
    keys = pa.table({"change": ranks.astype(np.int64),
                     **{c: arrow(changes[c]) for c in ("severity", "rule_id", "finding_id")}})
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending") for c in keys.column_names])
    return changes.take(order.to_numpy()).reset_index(drop=True)


def _first(f: pd.DataFrame, ids: pd.Series, today: pd.Timestamp) -> Outcome:
    """:func:`apply` for a scope's first month (no state before it, nothing typed, no firm answer): every
    finding new and Open, first and last seen today, due when the audit says, nothing accepted, no note.
    The same frames, without comparing each finding with a state or an edit that is not there (a test
    holds the two ways to one answer)."""
    kind = np.full(len(f), _NEW)
    change = pd.Series(np.array(_FOUND, dtype=object)[kind], index=f.index)
    due = f["due_date"]
    status = pd.Series("Open", index=f.index, dtype=object)
    overdue = due < today
    answered, note, answer_counts = Merge(ids, change, None, None, REOPENED).shown(status, due)
    f["first_seen"] = pd.Series(np.full(len(f), today.to_datetime64(), dtype="datetime64[ns]"), index=f.index)
    f["last_seen"] = today
    f["status"] = status.astype(STRING)
    f["notes"] = pd.Series(None, index=f.index, dtype=STRING)
    f["accepted_until"] = until = pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns]")
    f[ANSWER_COLUMNS] = answered
    current = pd.DataFrame({
        "finding_id": ids, "rule_id": f["rule_id"], "severity": f["severity"],
        "court_id": f["court_id"], "firm_key": firm_key(f["firm_name"]).fillna(""), "firm_name": f["firm_name"],
        "person_name": f["person_name"], "cmecf_login": f["cmecf_login"], "pacer_username": f["pacer_username"],
        "first_seen": f["first_seen"], "last_seen": today, "due_date": due, "status": f["status"],
        "notes": f["notes"], "accepted_until": until, "open": True, "resolved_on": pd.NaT,
        "last_change": change,
    })
    changes = current.assign(change=change, days_open=_days(current["first_seen"], today), overdue=overdue,
                             note=joined(note), **answered)[CHANGE_COLUMNS]
    counts = {
        "new": len(f), "resolved": 0, "reopened": 0, "still_open": 0, "overdue": int(overdue.sum()),
        "resolved_still_found": 0, "acceptances_expired": 0, "open": len(f), "acceptances_ending": 0,
        **answer_counts, "firm_fixed_confirmed": 0,
    }
    return Outcome(f, _ordered(changes, kind), current, counts, [])
