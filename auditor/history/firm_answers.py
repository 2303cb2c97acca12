"""How the firms' answers from the portal meet the clerk's statuses in the next audit (pure pandas).

Each finding of the run shows its firm's latest answer given about an earlier month (``firm_answer``,
``firm_note``) and who set the status shown (``status_from``: "firm" or "clerk").  The rules:

- **The clerk's word wins.**  A status, note or acceptance date the clerk typed into ``--previous`` for
  a finding is kept over any firm answer; a status the clerk left (not Open) and the firm's answer does not
  explain is the clerk's too.  The Changes note then says "clerk's status kept over the firm's answer".
- **A new firm answer sets the status once**, in the first audit after it was given, where the clerk typed
  nothing for that finding: "will fix by" makes it In progress; "accepted until" makes it Accepted until
  that date (the firm's note is the reason; at most 12 months after the audit, as for the clerk's).  From
  then on the status is carried as the clerk leaves it in the workbook: changing it there overrides it.
- **Fixed** changes no status: a finding the export no longer shows is Resolved as any other; one still
  found says "firm said fixed; still found".
- **Not our person** and **left the firm** change no status either: the Changes note asks the clerk to
  judge them.  An answer never closes a finding by itself.
- A finding found again after it was resolved (reopened) ignores answers given before: they were about
  the earlier problem.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from auditor.normalize import positions

ANSWER_COLUMNS = ["firm_answer", "firm_note", "status_from"]
IMPLIED = {"will_fix": "In progress", "accepted": "Accepted"}   # the status a firm answer gives
_PREFIX = {"will_fix": "Will fix by ", "left_firm": "Left the firm on ", "accepted": "Accepted until ",
           "fixed": "Fixed", "not_ours": "Not our person"}
ENDING_DAYS = 30    # an acceptance ending within this many days of the audit is listed
_FIELDS = ["finding_id", "id", "kind", "on_date", "note", "answered_at"]


def answers_frame(now: dict[str, dict], before: dict[str, dict]) -> pd.DataFrame:
    """The answers an audit reads (``answers.answers_for_audit``), with ``new``: not the answer the
    previous audit of the scope read for that finding."""
    frame = pd.DataFrame(list(now.values()), columns=_FIELDS)
    was = pd.Series({k: v["id"] for k, v in before.items()}, dtype="float64")
    frame["new"] = frame["id"].astype("float64").to_numpy() != was.reindex(frame["finding_id"]).to_numpy()
    kinds = pd.Series({k: v["kind"] for k, v in before.items()}, dtype=object)
    frame["before"] = kinds.reindex(frame["finding_id"]).to_numpy()   # the answer last month's audit read
    return frame


def _aligned(ids: pd.Series, answers: pd.DataFrame | None, index) -> tuple[pd.DataFrame, np.ndarray]:
    cols = [*_FIELDS, "new", "before"]
    if answers is None or not len(answers):
        return pd.DataFrame({c: pd.Series(None, index=index, dtype=object) for c in cols}), np.zeros(len(ids), bool)
    pos = positions(ids, answers["finding_id"])
    out = pd.DataFrame({c: take(answers[c].astype(object).array, pos, allow_fill=True) for c in cols}, index=index)
    return out, pos >= 0


def _words(a: pd.DataFrame) -> pd.Series:
    when = pd.to_datetime(a["on_date"]).dt.strftime("%Y-%m-%d").fillna("")
    given = pd.to_datetime(a["answered_at"]).dt.strftime("%Y-%m-%d").fillna("")
    return (a["kind"].map(_PREFIX).fillna("") + when + " (answered " + given + ")").where(a["kind"].notna(), "")


class Merge:
    """One run's findings against the answers: :meth:`status` before the lifecycle's own checks,
    :meth:`shown` after them."""

    def __init__(self, ids: pd.Series, change: pd.Series, answers: pd.DataFrame | None, clerk_ids,
                 reopened: str = "reopened"):
        self.index = change.index
        self.none = answers is None or not len(answers)
        if self.none:   # no answer at all (most runs): :meth:`status` and :meth:`shown` need nothing more
            return
        self.a, found = _aligned(ids, answers, self.index)
        self.has = pd.Series(found, index=self.index) & (change != reopened)
        self.kind = self.a["kind"].where(self.has)
        typed = ids.isin(pd.Index(clerk_ids if clerk_ids is not None else [])).to_numpy(dtype=bool)
        self.typed = pd.Series(typed, index=self.index)
        self.implied = self.kind.map(IMPLIED)
        self.on = pd.to_datetime(self.a["on_date"]).where(self.has)
        self.none = not found.any()    # no answer about any finding of the run: nothing to merge

    def status(self, status: pd.Series, until: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
        """(status, accepted until, justified): a new answer applied where the clerk typed nothing;
        ``justified``: an Accepted status whose reason is the firm's note."""
        if self.none:
            return status, until, pd.Series(False, index=self.index)
        new = self.has & self.a["new"].fillna(False).astype(bool)
        # the clerk's: a status other than Open that no earlier answer of the firm gave
        firms = status.isna() | (status == "Open") | (status == self.a["before"].map(IMPLIED))
        apply = new & self.implied.notna() & ~self.typed & firms
        status = status.where(~apply, self.implied)
        until = until.where(~(apply & (self.kind == "accepted")), self.on)
        note = self.a["note"].astype(object).fillna("").astype(str).str.strip() != ""
        justified = self.has & (self.kind == "accepted") & note & (status == "Accepted")
        return status, until, justified

    def shown(self, status: pd.Series, due: pd.Series) -> tuple[pd.DataFrame, pd.Series, dict]:
        """(the ANSWER_COLUMNS, the Changes note's words about the answers, counts) for the final status."""
        if self.none:   # the same columns, with no value (typed as the answers' would be): the cells are left
            # out of the sheets, as they are without a history (a blank cell for every finding is many bytes)
            blank = pd.Series(np.nan, index=self.index, dtype="str")
            cols = pd.DataFrame({"firm_answer": blank, "firm_note": pd.Series(None, index=self.index, dtype=object),
                                 "status_from": blank.copy()}, index=self.index)
            return cols, pd.Series("", index=self.index, dtype=object), {
                "answered_findings": 0, "firm_fixed_still_found": 0, "firm_to_judge": 0}
        by_firm = self.has & self.implied.notna() & (status == self.implied) & ~self.typed
        clerk = self.has & ~by_firm & (self.typed | (status != "Open"))
        cols = pd.DataFrame({
            "firm_answer": _words(self.a).where(self.has, ""),
            "firm_note": self.a["note"].astype(object).where(self.has, "").fillna(""),
            "status_from": np.where(by_firm, "firm", np.where(clerk, "clerk", "")),
        }, index=self.index)
        when = self.on.dt.strftime("%Y-%m-%d").fillna("")
        late = (self.kind == "will_fix") & (self.on > pd.to_datetime(due))
        note = pd.Series("", index=self.index, dtype=object)
        note = note.mask(self.kind == "fixed", "firm said fixed; still found")
        note = note.mask(self.kind == "not_ours", "firm says this is not its person: for the clerk to judge")
        note = note.mask(self.kind == "left_firm", "firm says the person left on " + when + ": for the clerk to judge")
        note = note.mask(self.kind == "will_fix", "firm will fix by " + when)
        note = note.mask(late, "firm will fix by " + when + ", after the due date")
        note = note.mask(by_firm & (self.kind == "accepted"), "accepted by the firm")
        over = clerk & self.implied.notna() & (status != self.implied)
        note = note.mask(over, "clerk's status kept over the firm's answer (" + self.kind.map(_PREFIX).fillna("")
                         .str.strip() + ")")
        counts = {"answered_findings": int(self.has.sum()), "firm_fixed_still_found": int((self.kind == "fixed").sum()),
                  "firm_to_judge": int(self.kind.isin(["not_ours", "left_firm"]).sum())}
        return cols, note, counts


def resolved_shown(ids: pd.Series, answers: pd.DataFrame | None, index) -> tuple[pd.DataFrame, pd.Series]:
    """For the findings resolved now: their firm answer and, where the firm said fixed, the note."""
    a, found = _aligned(ids, answers, index)
    has = pd.Series(found, index=index)
    cols = pd.DataFrame({"firm_answer": _words(a).where(has, ""), "firm_note": a["note"].where(has, "").fillna(""),
                         "status_from": ""}, index=index)
    note = pd.Series(np.where(has & (a["kind"] == "fixed"), "firm said fixed; no longer found", ""), index=index,
                     dtype=object)
    return cols, note


def joined(*notes: pd.Series) -> pd.Series:
    """Notes of one row joined with "; " (the empty ones left out)."""
    out = notes[0].astype(object).fillna("")
    for n in notes[1:]:
        n = n.astype(object).fillna("")
        if not n.ne("").any():   # nothing to add (most rows of most runs)
            continue
        out = pd.Series(np.where((out != "") & (n != ""), out + "; " + n, np.where(out != "", out, n)),
                        index=out.index, dtype=object)
    return out


def ending(status: pd.Series, until: pd.Series, today: dt.date) -> pd.Series:
    """Acceptances that end within ENDING_DAYS of the audit date."""
    t = pd.Timestamp(today)
    u = pd.to_datetime(until)
    return (status == "Accepted") & (u >= t) & (u <= t + pd.Timedelta(days=ENDING_DAYS))
