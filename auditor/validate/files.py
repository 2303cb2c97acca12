"""``auditor validate``: read and check input files without auditing them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.calendar import Calendar
from auditor.columns import KIND_LABELS, KINDS
from auditor.errors import InputError
from auditor.model import InputTable


def _load_any(path: Path, kind: str, **kw) -> InputTable:
    from auditor.validate.table import load_input

    if kind != "auto":
        return load_input(path, kind, **kw)
    loaded, errors = [], []
    for k in KINDS:
        try:
            loaded.append(load_input(path, k, **kw))
        except InputError as exc:
            errors.append(exc)
    if not loaded:
        # Every kind refused it: show a refusal about the file itself if there is one (it is the same for
        # every kind), else the shortest missing-column message.
        raise min(errors, key=lambda e: ("no column" in e.problem, len(str(e))))
    return max(loaded, key=lambda t: (len(t.present_columns), -t.rows_rejected))


@dataclass
class FileCheck:
    path: Path
    table: InputTable | None = None     # the file as read and checked
    refused: InputError | None = None   # why it could not be read at all


def validate_files(files, *, kind: str = "auto", court=None, firm=None, limits=None,
                   courts_files=()) -> list[FileCheck]:
    """Read and check each file (``kind`` "auto": the kind its columns fit best); nothing is audited."""
    from auditor.load.table import Limits

    calendar = Calendar.load(list(courts_files))
    known = calendar.known_courts()
    if court:
        court = calendar.resolve(court)
    checks = []
    for name in files:
        path = Path(name)
        try:
            checks.append(FileCheck(path, table=_load_any(path, kind, court=court, firm=firm, known_courts=known,
                                                          limits=limits or Limits())))
        except InputError as exc:
            checks.append(FileCheck(path, refused=exc))
    return checks


def check_lines(check: FileCheck) -> list[str]:
    """What ``auditor validate`` says of one file: a summary line, then one line per data issue."""
    if check.refused is not None:
        return [f"refused: {check.refused}"]
    t = check.table
    lines = [f"{t.name}: {KIND_LABELS[t.kind]}; {t.rows_read} rows read, {t.rows_audited} audited, "
             f"{t.rows_rejected} rejected, {t.rows_blank} blank"
             + (f"; unknown columns kept: {', '.join(t.unknown_columns)}" if t.unknown_columns else "")]
    for issue in t.issues.itertuples(index=False):
        where = f"row {issue.row}" if issue.row == issue.row and issue.row is not None else "header"
        if issue.column:
            where += f", {issue.column}"
        lines.append(f"  {where}: {issue.reason} [{issue.severity}, {issue.code}]")
    return lines
