"""One audit from its input files to its published outputs, in one order for every caller (the command
line, the upload page): check the outputs, audit, compare with and record into the run history, write
every output, commit.

>>> outcome = run(court_accounts=["ncmb.xlsx"], as_of=date(2026, 11, 30), out="reports/ncmb-2026-11.xlsx",
...               history="reports/auditor-history.sqlite")
>>> outcome.written.report, outcome.comparison, outcome.history.run_id

Nothing given to :func:`run` is changed; what it did is in the :class:`RunOutcome` it returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from collections.abc import Callable, Iterable, Mapping

from auditor.api.audit import Progress, Written, as_of_warning, audit, check_outputs, write_outputs
from auditor.collector import older_left_out
from auditor.errors import UsageError
from auditor.model import AuditResult
from auditor.outputs.signals import PUBLISHED, note_outputs

if TYPE_CHECKING:
    import pandas as pd

    from auditor.history.record import HistoryView

Tell = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class RunOutcome:
    """What one run found, wrote and recorded."""

    result: AuditResult                  # as the report shows it (statuses and dates from the history)
    written: Written                     # the outputs put in place, by name
    history: HistoryView | None = None   # the recorded run (run_id, scope_label, store, ...); None: no history
    notes: tuple[str, ...] = field(default=())   # lines said to the user along the way (warnings, recovery)
    kept: Path | None = None             # the replaced report, kept beside: statuses were typed into it
    typed: int = 0                       # findings whose status or notes were typed into the replaced report

    @property
    def findings(self) -> pd.DataFrame:
        return self.result.findings

    @property
    def comparison(self) -> dict | None:
        """New / resolved / reopened / still open / overdue against the scope's previous run (None on
        the scope's first run, or without a history)."""
        return self.result.previous

    @property
    def readiness(self) -> dict:
        return self.result.readiness

    @property
    def coverage(self):
        """What the inputs covered, when the audit reckons it (None otherwise)."""
        return getattr(self.result, "coverage", None)


def input_paths(files: Iterable, *, rules_files: Iterable = (), courts_files: Iterable = (),
                previous=None) -> list:
    """Every file a run reads (the input files of folders too): no output may be one of them."""
    from auditor.load.detect import input_files

    return [*input_files(list(files)), *rules_files, *courts_files, *([previous] if previous else [])]


@older_left_out()   # the garbage collector's full passes leave out what is alive at the start (auditor.collector)
def run(*, out, court_accounts: Iterable = (), roster: Iterable = (), pacer_accounts: Iterable = (),
        as_of: dt.date | None = None, rules_files: Iterable = (), courts_files: Iterable = (),
        court: str | None = None, court_option: str = "--court", firm: str | None = None, paa: Iterable[str] = (),
        engine: str = "pandas",
        limits=None, rule_limits=None, skip_bad_files: bool = False,
        header_map: Mapping[str, str | None] | None = None,
        header_maps: Mapping[str, Mapping[str, str | None]] | None = None, names: Mapping[str, str] | None = None,
        split_by_firm: bool = False, findings_csv=None, findings_parquet=None,
        history: str | Path | None = None, previous=None, backfill: bool = False, future: bool = False,
        max_previous_rows: int | None = None, max_note_chars: int | None = None,
        progress: Progress = _quiet, tell: Tell = _quiet) -> RunOutcome:
    """Audit the input files and publish the outputs: the report ``out`` (with ``split_by_firm`` the firm
    workbooks and their index beside it), the findings files asked for; with ``history`` (an SQLite
    file or a database URL) compared with the scope's previous run and recorded, committed at the
    commit point of the outputs (all of them are published and the run recorded, or none).

    ``header_map``: header as written -> column, for every input file that has that header (``--map``);
    ``header_maps``: per input path, headers as written -> canonical columns; ``names``: per input path,
    the name the report shows for it (as the user named the file).  ``previous``: last month's report
    (statuses carried forward, checked before the audit, within ``max_previous_rows`` and
    ``max_note_chars``); ``backfill``: record a run dated before the scope's latest one; ``future``: one
    dated after today.  A report already at ``out`` is read for statuses too (before ``previous``), and
    kept beside the new one when statuses or notes were typed into it (``RunOutcome.kept``); no output
    may be the history file; a run whose outputs cannot replace those there is not recorded.
    ``tell(line)`` hears, as they happen, the lines a user should read (a warning, an earlier stopped
    run finished or cleared away); they are in ``notes`` too.  Raises an ``AuditorError`` for bad
    input, rules, usage or history."""
    if previous and not history:
        raise UsageError("last month's report (--previous) is read into the run history: give a history too")
    notes: list[str] = []

    def say(line: str) -> None:
        notes.append(line)
        tell(line)

    files = [*court_accounts, *roster, *pacer_accounts]
    inputs = input_paths(files, rules_files=rules_files, courts_files=courts_files, previous=previous)
    for note in check_outputs(out, findings_csv=findings_csv, findings_parquet=findings_parquet, inputs=inputs):
        say(note)   # an earlier run killed there: finished or undone
    from auditor.history.previous import MAX_NOTE_CHARS, MAX_ROWS
    from auditor.history.where import before_audit, recorded

    previous, in_out = before_audit(out, [("--out", out), ("--findings-csv", findings_csv),
                                          ("--findings-parquet", findings_parquet)], history, as_of, future, previous,
                                    max_previous_rows or MAX_ROWS, max_note_chars or MAX_NOTE_CHARS)
    if history:
        from auditor.history.sqlite_file import quick_reachable

        # a wrong password or a tampered store is said before any input is read; an SQLite file that
        # passes the quick checks needs no SQLAlchemy yet (imported while the rules are evaluated)
        if not quick_reachable(history):
            from auditor.history.store import check_reachable

            check_reachable(history)
    if as_of is not None:
        from auditor.court_calendar import Calendar

        warning = as_of_warning(as_of, Calendar.load(list(courts_files)))
        if warning:
            say(f"warning: {warning}")
    result = audit(court_accounts=court_accounts, roster=roster, pacer_accounts=pacer_accounts, as_of=as_of,
                   rules_files=rules_files, courts_files=courts_files, court=court, court_option=court_option,
                   firm=firm, paa=paa,
                   engine=engine, limits=limits, rule_limits=rule_limits, skip_bad_files=skip_bad_files,
                   progress=progress, header_map=header_map, header_maps=header_maps, names=names)
    wrong = result.data_issues[result.data_issues["code"] == "wrong-kind"]
    for issue in wrong.itertuples(index=False):
        say(f"warning: {issue.file}: {issue.reason}")
    from auditor.api.memory import give_back

    give_back()   # the derived records are gone: their memory back before the report takes more
    if history:
        progress("comparing with the history (recorded once the report is written)")
    written: Written | None = None
    try:
        with recorded(result, history, previous, in_out, backfill, future, out,
                      (findings_csv, findings_parquet)) as (view, commit, kept, typed):
            shown = view.applied(result) if view is not None else result
            progress(f"writing {out} ({len(shown.findings):,} findings)")
            written = write_outputs(shown, out, split_by_firm=split_by_firm, findings_csv=findings_csv,
                                    findings_parquet=findings_parquet, inputs=inputs, progress=progress,
                                    on_commit=commit, history=view.store if view is not None else None)
    except BaseException as exc:
        if written is not None:   # stopped after every output was in place
            note_outputs(exc, PUBLISHED)
        raise
    return RunOutcome(result=shown, written=written, history=view, notes=tuple(notes), kept=kept[0] if kept else None,
                      typed=typed)
