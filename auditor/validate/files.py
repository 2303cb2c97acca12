"""``auditor validate``: read and check input files without auditing them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.columns import KIND_LABELS, KINDS, columns, mapping_text
from auditor.court_calendar import Calendar
from auditor.errors import InputError
from auditor.load.detect import input_files
from auditor.model import InputTable


def fit_score(raw) -> int:
    """How well a file read as one kind fits it, by the same recognition an audit uses: the columns of
    that kind it holds (a name made from "Last Name" and "First Name" counting), 0 when a column the
    kind cannot do without (and no option can give) is missing."""
    from auditor.validate.table import compose_name

    compose_name(raw)
    have = set(raw.headers)
    needed = {c.name for c in columns(raw.kind) if c.required and c.option is None}
    return len(have) if needed <= have else 0


def _load_any(path: Path, kind: str, *, limits, header_map=None, **kw) -> tuple[InputTable, str]:
    """The file loaded as ``kind``, or with ``auto`` as the kind its columns fit best; and a note on
    how the kind was chosen ("" when it was given)."""
    from auditor.load.table import read_table
    from auditor.validate.table import validate_table

    if kind != "auto":
        return validate_table(read_table(path, kind, limits=limits, header_map=header_map), **kw), ""
    raws, refused = {}, []
    for k in KINDS:   # a file unreadable as one kind is as all, save for a --map naming another kind's column
        try:
            raws[k] = read_table(path, k, limits=limits, header_map=header_map)
        except InputError as exc:
            refused.append(exc)
    if not raws:
        raise refused[0]
    scores = {k: fit_score(raw) for k, raw in raws.items()}
    best = max(raws, key=lambda k: (scores[k], len(raws[k].present_columns)))
    also = [KIND_LABELS[k] for k in raws if k != best and scores[k] and scores[k] >= scores[best] - 1]
    note = "kind guessed from its columns" + (
        f" (it could also be {' or '.join(also)}: give --kind to choose)" if also else "")
    try:
        return validate_table(raws[best], **kw), note
    except InputError as exc:
        raise InputError(exc.file, f"read as {KIND_LABELS[best]}, {note}: {exc.problem}") from None


@dataclass
class FileCheck:
    path: Path
    table: InputTable | None = None     # the file as read and checked
    refused: InputError | None = None   # why it could not be read at all
    note: str = ""                      # how the kind was chosen, when it was guessed


def validate_files(files, *, kind: str = "auto", court=None, firm=None, limits=None,
                   courts_files=(), header_map=None) -> list[FileCheck]:
    """Read and check each file (``kind`` "auto": the kind its columns fit best; a folder stands for the
    files in it); nothing is audited."""
    from auditor.load.table import Limits

    calendar = Calendar.load(list(courts_files))
    known = calendar.known_courts()
    if court:
        court = calendar.resolve(court)
    checks = []
    for name in input_files(files):
        path = Path(name)
        try:
            table, note = _load_any(path, kind, court=court, firm=firm, known_courts=known, limits=limits or Limits(),
                                    header_map=header_map)
            checks.append(FileCheck(path, table=table, note=note))
        except InputError as exc:
            checks.append(FileCheck(path, refused=exc))
    return checks


def check_lines(check: FileCheck) -> list[str]:
    """What ``auditor validate`` says of one file: a summary line, then one line per data issue."""
    if check.refused is not None:
        return [f"refused: {check.refused}"]
    t = check.table
    if t is None:
        return [f"{check.path.name}: nothing read"]
    lines = [f"{t.name}: {KIND_LABELS[t.kind]}" + (f", {check.note}" if check.note else "")
             + f"; {t.rows_read} rows read, {t.rows_audited} audited, {t.rows_rejected} rejected, {t.rows_blank} blank"
             + (f"; unknown columns kept: {', '.join(t.unknown_columns)}" if t.unknown_columns else "")]
    if t.column_map:
        lines.append("  columns: " + mapping_text(t.column_map))
    issue: Any   # a row of DATA_ISSUE_COLUMNS
    for issue in t.issues.itertuples(index=False):
        where = f"row {issue.row}" if issue.row == issue.row and issue.row is not None else "header"
        if issue.column:
            where += f", {issue.column}"
        lines.append(f"  {where}: {issue.reason} [{issue.severity}, {issue.code}]")
    return lines
