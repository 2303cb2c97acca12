"""Where the history is, what may never be written over it, and the report a run replaces.

- :func:`for_audit` / :func:`for_reading`: ``--history``, else the ``AUDITOR_HISTORY`` environment
  variable, else (an audit) ``auditor-history.sqlite`` beside the report, or (``auditor history``) that
  file in the current folder or in ``reports/`` under it (where ``make audit`` writes).
- :func:`refuse_outputs`: no output of a run (report, findings files, an export) may be the history file.
- :func:`can_replace`: at the commit point, every output already there can be replaced (else nothing
  is recorded).
- :func:`edits_in_out` / :func:`keep_beside`: a report about to be replaced that holds statuses or notes
  typed since it was written is read as edits and kept beside the new one, never lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from pathlib import Path

from auditor.errors import AuditorError, UsageError
from auditor.history.sqlite_file import DEFAULT_NAME, HistoryError, default_path

ENV = "AUDITOR_HISTORY"
LOOK_IN = (".", "reports")       # folders ``auditor history`` looks in, under the current folder


def for_audit(given: str | None, report) -> str:
    return given or os.environ.get(ENV) or str(default_path(report))


def for_reading(given: str | None) -> str:
    """The history ``auditor history`` reads: given, named by AUDITOR_HISTORY, or found in LOOK_IN."""
    if given or os.environ.get(ENV):
        return given or os.environ[ENV]
    for folder in LOOK_IN:
        path = Path(folder) / DEFAULT_NAME
        if path.is_file():
            return str(path)
    looked = " and ".join(str(Path(f) / DEFAULT_NAME) for f in LOOK_IN)
    raise HistoryError(f"no history at {looked} (an audit records one beside its report): give --history "
                       f"PATH_OR_URL or set {ENV}")


def _file(target) -> Path | None:
    text = str(target)
    return None if "://" in text else Path(text).expanduser().resolve()


def refuse_outputs(history, outputs) -> None:
    """UsageError when an output (``(option, path)`` pairs) is the history file or one of SQLite's
    companions of it (``-wal``, ``-shm``, ``-journal``): writing it would replace every recorded month."""
    store = _file(history) if history else None
    if store is None:
        return
    names = {store, *(store.with_name(store.name + s) for s in ("-wal", "-shm", "-journal"))}
    for option, path in outputs:
        if path is not None and Path(path).expanduser().resolve() in names:
            raise UsageError(f"{option} {Path(path).name} is the run history ({store}): writing it would replace "
                             "every recorded month; choose another file")


def edits_in_out(out):
    """The edits of the report ``out`` (a ``previous.Previous`` marked as the report this run replaces),
    or None when there is no such report or it holds no finding ids to read."""
    from auditor.history.previous import read_previous

    path = Path(out)
    if not path.is_file():
        return None
    try:
        found = read_previous(path)
    except AuditorError:
        return None
    found.is_out = True
    return found


def typed_without_history(found) -> int:
    """Without a history, the report showed every finding Open with no notes: what else it holds was typed."""
    if found is None:
        return 0
    e = found.edits
    return int(((e["status"].fillna("Open") != "Open") & e["has_status"]).sum()
               + (e["notes"].notna() & e["has_notes"]).sum() + (e["accepted_until"].notna() & e["has_accepted_until"]).sum())


def can_replace(paths) -> None:
    """OutputError when an existing output cannot be replaced now (open in a program that locks it, made
    read-only or immutable): checked at the commit point, before the run is recorded, so that a run whose
    outputs could not be put in place is not in the history."""
    from auditor.outputs.staging import OutputError

    for p in paths:
        if p is None or not Path(p).is_file():
            continue
        try:
            with open(p, "ab"):
                pass
        except OSError as exc:
            raise OutputError(f"cannot replace {Path(p).name} ({exc.strerror}): close it in the program that "
                              "has it open, or make it writable, and run again; nothing was recorded or "
                              "replaced") from None


def keep_beside(out) -> Path:
    """Copy ``out`` to "NAME (replaced YYYY-MM-DD HHMM).xlsx" beside it (a number added if taken)."""
    path = Path(out)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H%M")
    target = path.with_name(f"{path.stem} (replaced {stamp}){path.suffix}")
    n = 2
    while target.exists():
        target = path.with_name(f"{path.stem} (replaced {stamp}, {n}){path.suffix}")
        n += 1
    shutil.copy2(path, target)
    return target


def before_audit(out, outputs, store, as_of, future, previous, max_rows, max_note_chars):
    """(previous, edits in --out), checked before any data is read:
    no output is the history, a date after today needs ``future``, ``--previous`` is read (and refused
    whole when too large); the report about to be replaced is read for statuses typed into it."""
    refuse_outputs(store, outputs)
    if store:
        from auditor.history.dates import check_date
        from auditor.history.previous import read_previous

        check_date(as_of, future)
        if previous and not hasattr(previous, "edits"):
            previous = read_previous(previous, max_rows=max_rows, max_note_chars=max_note_chars)
    return previous, edits_in_out(out)


@contextlib.contextmanager
def recorded(result, store, previous, in_out, backfill, future, out, outputs=()):
    """Yields (view or None, the commit step for ``api.write``, the old reports kept, how many findings
    were typed into the report replaced).  At the commit every output already there (``out``,
    ``outputs``) must be replaceable, and the old report is kept beside first: if either fails, nothing
    is recorded or moved."""
    from auditor.history.record import recording

    kept: list = []
    with (recording(result, store, previous=previous, out_edits=in_out, backfill=backfill, future=future,
                    report=out) if store
          else contextlib.nullcontext()) as view:
        typed = view.typed_in_out if view is not None else typed_without_history(in_out)

        def commit() -> None:
            can_replace([out, *outputs])
            if typed:
                kept.append(keep_beside(out))
            if view is not None:
                view.commit()

        yield view, (commit if view is not None or typed else None), kept, typed
