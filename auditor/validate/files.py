"""``auditor validate``: read and check input files without auditing them."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

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


def validate_files(files, *, kind: str = "auto", court=None, firm=None, limits=None, courts_files=(),
                   echo: Callable[[str], None] = print) -> int:
    """Print one summary line per file and its data issues; return the number of refused files."""
    from auditor.load.table import Limits

    known = Calendar.load(list(courts_files)).known_courts()
    bad = 0
    for name in files:
        path = Path(name)
        try:
            t = _load_any(path, kind, court=court, firm=firm, known_courts=known, limits=limits or Limits())
        except InputError as exc:
            echo(f"refused: {exc}")
            bad += 1
            continue
        echo(f"{t.name}: {KIND_LABELS[t.kind]}; {t.rows_read} rows read, {t.rows_audited} audited, "
             f"{t.rows_rejected} rejected, {t.rows_blank} blank"
             + (f"; unknown columns kept: {', '.join(t.unknown_columns)}" if t.unknown_columns else ""))
        for issue in t.issues.itertuples(index=False):
            where = f"row {issue.row}" if issue.row == issue.row and issue.row is not None else "header"
            echo(f"  {where}, {issue.column}: {issue.reason} [{issue.severity}]")
    return bad
