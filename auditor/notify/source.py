"""What a written run holds for each firm, read back from the files the audit wrote.

The court's report gives the audit date, the courts and the court's own items; the folder of firm
workbooks beside it (``REPORT-firms``, written with ``--split-by-firm``) gives each firm's index line and
workbook.  A firm's findings are read from its own workbook only: a notice or message made from them can
hold nothing the firm's workbook does not, and the workbook already leaves other firms' people out.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from auditor.errors import InputError, UsageError
from auditor.model import SEVERITIES

# a column of the Findings sheet: the names its header may be written with (plain words or machine names)
COLUMNS = {
    "finding_id": ("finding id", "finding_id"),
    "severity": ("severity",),
    "person": ("person", "person_name"),
    "firm": ("firm", "firm_name"),
    "problem": ("problem", "title"),
    "evidence": ("evidence", "what was found"),
    "what_to_do": ("what to do", "remediation"),
    "who_acts": ("who acts", "owner"),
    "due_date": ("due date", "due_date", "due by"),
    "status": ("status",),
    "cmecf_login": ("cm/ecf login", "cmecf_login"),
    "pacer_username": ("pacer username", "pacer_username"),
    "court": ("court", "court_id"),
    "rule": ("rule", "rule_id"),
}
OPEN_STATUSES = ("Open", "In progress")
ACTING = ("high", "medium", "low")     # severities that ask for action (info items need none)
WHO = {"filer": "The filer", "firm admin": "The firm's administrator", "court": "The court (clerk's office)"}


def _key(text) -> str:
    return re.sub(r"[^a-z0-9/]+", " ", str(text or "").lower()).strip()


@dataclass
class Finding:
    finding_id: str
    severity: str
    person: str
    firm: str
    problem: str
    evidence: str
    what_to_do: str
    who_acts: str
    due_date: dt.date | None
    status: str
    cmecf_login: str
    pacer_username: str
    court: str
    rule: str

    @property
    def acting(self) -> bool:
        return self.severity in ACTING and self.status in OPEN_STATUSES


@dataclass
class Part:
    """One firm's part of the run (or the court's own items, ``key`` "")."""

    key: str
    name: str
    workbook: Path | None
    findings: list[Finding] = field(default_factory=list)
    listed: int = -1      # findings of high, medium or low severity, as the index counts them (-1: not known)

    @property
    def acting(self) -> list[Finding]:
        return [f for f in self.findings if f.acting]

    @property
    def needs_notice(self) -> bool:
        return bool(self.acting)

    def groups(self) -> list[dict]:
        """The acting findings by problem: most severe first, then earliest due."""
        out: dict[tuple, dict] = {}
        for f in self.acting:
            g = out.setdefault((f.problem, f.who_acts, f.what_to_do), {
                "problem": f.problem, "severity": f.severity, "who_acts": WHO.get(f.who_acts, f.who_acts),
                "what_to_do": f.what_to_do, "due_date": f.due_date, "people": []})
            if f.due_date and (g["due_date"] is None or f.due_date < g["due_date"]):
                g["due_date"] = f.due_date
            g["people"].append(f)
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(out.values(), key=lambda g: (rank.get(g["severity"], 9), g["due_date"] or dt.date.max,
                                                   g["problem"]))


@dataclass
class Run:
    report: Path
    as_of: dt.date | None
    courts: str
    firms: list[Part]            # every firm of the index, in its order
    court: Part                  # the court's own items
    unlisted: list[str]          # firms named in the index without a workbook (a name with no letter or digit)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10]) if v not in (None, "") else None
    except ValueError:
        return None


def _sheets(path: Path, wanted) -> list[list[list]]:
    """The rows of each sheet whose name ``wanted(name)`` orders (a number; None leaves it out), in that order."""
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            names = sorted((n for n in wb.sheet_names if wanted(n) is not None), key=wanted)
            return [wb.get_sheet_by_name(n).to_python() for n in names]
        finally:
            wb.close()
    except BaseException as exc:  # the reader raises several types (and Rust panics)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise InputError(path.name, f"cannot be read as a workbook ({' '.join(str(exc).split())[:200]})") from None


def _sheet(path: Path, sheet: str) -> list[list]:
    found = _sheets(path, lambda n: 0 if n == sheet else None)
    return found[0] if found else []


_PART = re.compile(r"Findings(?: \((\d+)\))?")


def _findings_part(name: str) -> int | None:
    """1 for "Findings", N for "Findings (N)" (the report's continuation sheets), None for any other sheet."""
    m = _PART.fullmatch(name)
    return None if m is None else int(m.group(1) or 1)


def read_findings(path: Path) -> list[Finding]:
    """Every row of a workbook's Findings sheet(s): a sheet too long for Excel continues on "Findings (2)" and
    so on, as ``auditor.report.format.part_names`` names them."""
    out = []
    for rows in _sheets(path, _findings_part):
        if not rows:
            continue
        head = {_key(h): i for i, h in enumerate(rows[0])}
        cols = {}
        for name, spellings in COLUMNS.items():
            cols[name] = next((head[s] for s in spellings if s in head), None)
        if cols["finding_id"] is None or cols["problem"] is None:
            raise InputError(path.name, "its Findings sheet has no Finding ID and Problem columns: "
                             "give a report written by the auditor")
        for row in rows[1:]:
            def get(name, row=row, cols=cols):
                i = cols[name]
                return row[i] if i is not None and i < len(row) else None

            if not _text(get("finding_id")):
                continue
            values: dict[str, Any] = {n: (_date(get(n)) if n == "due_date" else _text(get(n))) for n in COLUMNS}
            out.append(Finding(**values))
    return out


def _summary_facts(path: Path) -> tuple[dt.date | None, str]:
    """The audit date and the courts, wherever on the Summary's first rows their labels stand."""
    as_of, courts = None, ""
    for row in _sheet(path, "Summary")[:40]:
        cells = list(row)
        for i, cell in enumerate(cells):
            label = _key(cell)
            after = next((v for v in cells[i + 1:] if v not in (None, "")), None)
            if label == "audit date" and as_of is None:
                as_of = _date(after)
            elif label in ("courts audited", "courts", "court") and not courts and after is not None:
                courts = _text(after)
    return as_of, courts


def split_folder(report: Path) -> Path:
    from auditor.report.firms import split_folder as folder

    return folder(report)


def read_run(report) -> Run:
    """The run written as ``report`` with ``--split-by-firm``."""
    from auditor.normalize import firm_key
    import pandas as pd

    report = Path(report)
    if report.suffix.lower() != ".xlsx" or not report.is_file():
        raise InputError(report.name, "--report must be a report the auditor wrote (.xlsx)")
    folder = split_folder(report)
    index = folder / "index.csv"
    if not index.is_file():
        raise InputError(report.name, f"has no firm workbooks beside it ({folder.name}/index.csv): "
                         "run the audit again with --split-by-firm")
    as_of, courts = _summary_facts(report)
    if as_of is None:
        raise InputError(report.name, "its Summary sheet gives no audit date: give a report written by the auditor")
    with index.open(newline="", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    names = [line.get("firm", "") for line in lines]
    keys = firm_key(pd.Series(names, dtype=object)).fillna("").tolist()
    firms, unlisted = [], []
    for key, line in zip(keys, lines):
        file = (line.get("file") or "").strip()
        if not file:
            unlisted.append(line.get("firm", ""))
            continue
        path = folder / file
        if Path(file).name != file or not path.is_file():
            raise InputError(index.name, f"names a workbook that is not in {folder.name}: {file!r}")
        try:
            listed = sum(int(line.get(s) or 0) for s in ACTING)
        except ValueError:
            listed = -1
        firms.append(Part(key, line.get("firm", ""), path, listed=listed))
    court = Part("", "", None, [f for f in read_findings(report) if f.who_acts == "court"])
    return Run(report, as_of, courts, firms, court, unlisted)


def load_part(part: Part) -> Part:
    """The firm's findings, read from its own workbook."""
    if part.workbook is not None and not part.findings and part.listed != 0:
        part.findings = read_findings(part.workbook)
    return part


def only_firms(run: Run, names) -> list[Part]:
    """The run's firms named (matched as the audit matches firm names), in the index's order; a name that is
    no firm of the run with something to do is an error."""
    from auditor.normalize import firm_key
    import pandas as pd

    keys = firm_key(pd.Series(list(names), dtype=object)).tolist()
    acting = {p.key for p in run.firms if p.listed != 0}
    for name, key in zip(names, keys):
        if not isinstance(key, str) or key not in acting:
            raise UsageError(f"--firm {name!r} is no firm of this run with something to do (the firms are listed "
                             f"in {split_folder(run.report).name}/index.csv)")
    return [p for p in run.firms if p.key in set(keys)]
