"""The stages of one audit: load, validate, derive, evaluate (``audit``), and write the outputs
(``write``).  ``auditor.api.run`` puts them in order with the run history."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from auditor.collector import leave_out_now
from auditor.court_calendar import Calendar
from auditor.coverage import coverage_of
from auditor.columns import COURT_ACCOUNTS, KINDS, PACER_ACCOUNTS, ROSTER
from auditor.derive.registry import derive
from auditor.errors import InputError, UsageError
from auditor.engines.evaluate import Matcher, evaluate
from auditor.engines.pandas_engine import pandas_matcher
from auditor.engines.readiness import readiness
from auditor.model import DATA_ISSUE_COLUMNS, FILE_COL, AuditResult, InputTable, check_as_of
from auditor.rulebook.catalogue import Rule, load_rules
from auditor.validate.records import concat_records

Progress = Callable[[str], None]
JOINED_ROWS = 50_000   # tables smaller than this are checked together (auditor.validate.joined)
ENGINES = ("pandas", "durable")


def _quiet(_: str) -> None:
    pass


def load_input(path, kind: str, *, sheet=None, court=None, firm=None, known_courts=None, limits=None,
               header_map: Mapping[str, str | None] | None = None) -> InputTable:
    """Read one input file (the load stage) and type and check its cells (the validate stage).
    ``header_map``: headers as written -> canonical columns, see ``auditor.load.table.read_table``."""
    from auditor.load.table import Limits, read_table
    from auditor.validate.table import validate_table

    raw = read_table(path, kind, sheet=sheet, limits=limits or Limits(), header_map=header_map)
    return validate_table(raw, court=court, firm=firm, known_courts=known_courts)


def load_inputs(files: Mapping[str, Iterable], *, court: str | None = None, firm: str | None = None,
                calendar: Calendar | None = None, limits=None, skip_bad_files: bool = False,
                progress: Progress = _quiet, header_maps: Mapping | None = None) -> list[InputTable]:
    """Read and validate every input file (a folder stands for the CSV and spreadsheet files in it).
    A bad file stops the run, or with ``skip_bad_files`` is listed as skipped (with its reason) and the
    others go on.  ``header_maps`` gives, per file path, headers as written -> canonical columns chosen
    by the user for that file only; under the key ``"*"``, for every file that has the header."""
    from auditor.load.detect import input_files
    from auditor.load.table import Limits, RawTable, read_table
    from auditor.validate.both_cores import read_and_check

    limits = limits or Limits()
    known = (calendar or Calendar.load()).known_courts()
    todo = [(kind, Path(p)) for kind in KINDS for p in input_files(files.get(kind, ()))]

    def read(i: int, kind: str, path: Path) -> RawTable:
        progress(f"reading {path.name} ({i} of {len(todo)})")
        return read_table(path, kind, limits=limits,
                          header_map=(header_maps or {}).get(str(path), (header_maps or {}).get("*")))

    loaded = read_and_check(todo, read, joined_rows=JOINED_ROWS, court=court, firm=firm, known_courts=known)
    tables: list[InputTable] = []
    for (kind, path), table in zip(todo, loaded):
        if isinstance(table, InputError):
            if not skip_bad_files:
                raise table
            table = _skipped(path, kind, str(table))
        tables.append(table)
    _unique_names(tables)
    return tables


def _skipped(path: Path, kind: str, reason: str) -> InputTable:
    try:  # streamed: a file skipped for being too big is not read into memory whole
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        digest = ""
    return InputTable(path=str(path), name=path.name, kind=kind, sheet="", sha256=digest, rows_read=0,
                      records=pd.DataFrame(), rows_rejected=0,
                      issues=pd.DataFrame(columns=DATA_ISSUE_COLUMNS), status="skipped", reason=reason)


def _unique_names(tables: list[InputTable]) -> None:
    """Two inputs with one file name (from different folders) get "name (2)" so rows stay traceable."""
    seen: Counter = Counter()
    for t in tables:
        seen[t.name] += 1
        if seen[t.name] > 1:
            rename_input(t, f"{t.name} ({seen[t.name]})")


def rename_input(t: InputTable, new: str) -> None:
    """Give a loaded input another display name, on its records and data issues too."""
    if FILE_COL in t.records:
        t.records[FILE_COL] = new
    if len(t.issues):
        t.issues["file"] = new
    t.name = new


def audit_tables(tables: list[InputTable], *, as_of: dt.date | None = None, rules: list[Rule] | None = None,
                 calendar: Calendar | None = None, matcher: Matcher = pandas_matcher, engine: str = "pandas",
                 paa: Iterable[str] = (), progress: Progress = _quiet) -> AuditResult:
    """Derive and evaluate over already loaded inputs."""
    as_of = check_as_of(as_of or dt.date.today())
    calendar = calendar or Calendar.load()
    rules = rules if rules is not None else load_rules()
    audited = [t for t in tables if t.status == "audited"]
    if not audited:
        raise UsageError("no input could be audited")
    records = {}
    present: dict[str, dict[str, set[str]]] = {}
    for kind in KINDS:
        mine = [t for t in audited if t.kind == kind]
        if mine:
            frames = [t.records for t in mine if len(t.records.columns)]
            records[kind] = concat_records(frames) if frames else pd.DataFrame()
            present[kind] = {t.name: set(t.present_columns) for t in mine}
    progress("deriving fields")
    from auditor.api.memory import give_back

    leave_out_now()   # the loaded tables: the collector's full passes need not walk them again (see api.run)
    derived = derive(records, as_of, calendar, paa_usernames=tuple(paa), release=give_back)
    progress(f"evaluating {sum(r.enabled for r in rules)} rules")
    if sum(len(f) for f in derived.values()) >= IMPORT_BESIDE_ROWS:
        import_beside(REPORT_MODULES)
    evaluation = evaluate(rules, derived, present, as_of, matcher)
    issues = [t.issues for t in tables if len(t.issues)]
    data_issues = (pd.concat(issues, ignore_index=True) if issues else pd.DataFrame(columns=DATA_ISSUE_COLUMNS))
    courts = sorted(derived[COURT_ACCOUNTS]["court_id"].dropna().unique().tolist()) if COURT_ACCOUNTS in derived else []
    coverage = coverage_of(evaluation.runs, present)
    return AuditResult(as_of=as_of, courts=courts, inputs=tables, findings=evaluation.findings,
                       data_issues=data_issues[DATA_ISSUE_COLUMNS], rules=evaluation.runs,
                       readiness=readiness(derived, evaluation.not_ready, coverage), engine=engine,
                       coverage=coverage)


# What writing the report imports first (openpyxl, 0.2-0.25 s): imported while the rules are evaluated,
# in runs of IMPORT_BESIDE_ROWS records or more.  In smaller ones evaluating is too short for the
# imports to run beside it, and the two threads taking the GIL in turns cost more than they saved
# (a 30,000-row export with its PACER list: 1.18 -> 1.26 s median wall; 191,000 rows: no change;
# 1.9M rows: 0.15-0.25 s less).
REPORT_MODULES = ("auditor.report.firms", "auditor.report.workbook", "pyarrow.acero")
IMPORT_BESIDE_ROWS = 500_000


def import_beside(modules: Iterable[str]) -> None:
    """Import ``modules`` on a thread of their own while this one goes on: Python's import lock makes a
    later import of one of them here wait for it, or find it done.  A module that cannot be imported
    is left alone here: the import where it is used says why."""
    def work() -> None:
        for name in modules:
            if name not in sys.modules:
                try:
                    importlib.import_module(name)
                except Exception:   # noqa: BLE001 - said where the module is used
                    return

    threading.Thread(target=work, name="imports", daemon=True).start()


def as_of_warning(as_of: dt.date | None, calendar: Calendar | None = None, today: dt.date | None = None) -> str:
    """A warning when the audit date is odd: before the first NextGen go-live (no court is live, so
    every unlinked account reads as "prepare" rather than "unlinked") or in the future.  "" when fine."""
    if as_of is None:
        return ""
    today = today or dt.date.today()
    first = (calendar or Calendar.load()).first_go_live()
    if first is not None and as_of < first:
        return (f"--as-of {as_of.isoformat()} is before the first NextGen go-live in the court calendar ({first.isoformat()}): no court "
                "with a known go-live date counts as live on NextGen yet; check the year")
    if as_of > today:
        return (f"--as-of {as_of.isoformat()} is in the future (today is {today.isoformat()}): deadlines and "
                "go-live dates are judged as of that later day")
    return ""


def audit(*, court_accounts: Iterable = (), roster: Iterable = (), pacer_accounts: Iterable = (),
          as_of: dt.date | None = None, rules_files: Iterable = (), courts_files: Iterable = (),
          court: str | None = None, firm: str | None = None, paa: Iterable[str] = (), engine: str = "pandas",
          limits=None, rule_limits=None, skip_bad_files: bool = False, progress: Progress = _quiet,
          header_map: Mapping[str, str | None] | None = None,
          header_maps: Mapping[str, Mapping[str, str | None]] | None = None,
          names: Mapping[str, str] | None = None, court_option: str = "--court") -> AuditResult:
    """Audit the given files; raise an AuditorError subclass for bad input, rules or usage.

    ``header_maps``: per file path, headers as written -> canonical columns (see ``load_inputs``);
    ``names``: per file path, the name the report shows for it instead of the file's own name.
    ``court_option``: how ``court`` was given, for the message when the calendar does not know it.

    ``limits``: input size limits (``load.table.Limits``); ``rule_limits``: how large a condition of
    a ``rules_files`` rule may be (``rulebook.language.ConditionLimits``).  ``header_map``: header as
    written -> column, for every input file that has that header (``--map``).

    ``paa``: the firm's PAA usernames, for rosters whose PAA column holds an account number (or that
    have none), so that a PAA used as someone's login is found without the PACER account list."""
    files = {COURT_ACCOUNTS: list(court_accounts), ROSTER: list(roster), PACER_ACCOUNTS: list(pacer_accounts)}
    if not any(files.values()):
        raise UsageError("give at least one input: --court-accounts, --roster or --pacer-accounts")
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}")
    rules = load_rules(list(rules_files), rule_limits)   # a broken rules file stops the run before any data is read
    calendar = Calendar.load(list(courts_files))
    if court:
        court = calendar.resolve(court, option=court_option)
    from auditor.api.memory import give_back, lean_pool

    lean_pool()
    tables = load_inputs(files, court=court, firm=firm, calendar=calendar, limits=limits,
                         skip_bad_files=skip_bad_files, progress=progress,
                         header_maps={**({"*": header_map} if header_map else {}), **(header_maps or {})} or None)
    if names:
        shown = {str(Path(k)): v for k, v in names.items()}
        for t in tables:   # the report names files as the user named them, not as stored
            rename_input(t, shown.get(str(Path(t.path)), t.name))
    give_back()   # what parsing the files took, back before the derive stage takes more
    if engine == "pandas":
        return audit_tables(tables, as_of=as_of, rules=rules, calendar=calendar, paa=paa, progress=progress)
    from auditor.engines.durable.engine import durable_matcher  # optional second engine

    matcher = durable_matcher(rules)
    result = audit_tables(tables, as_of=as_of, rules=rules, calendar=calendar, matcher=matcher, engine=engine,
                          paa=paa, progress=progress)
    for run in result.rules:  # say on the Rules sheet which rules the second engine could not take
        reason = matcher.not_expressible.get(run.id)
        if reason and run.ran:
            note = f"checked by pandas: durable_rules cannot express it ({reason})"
            run.reason = f"{run.reason}; {note}" if run.reason else note
    return result


def check_outputs(out=None, *, findings_csv=None, findings_parquet=None, inputs: Iterable = ()) -> list[str]:
    """Refuse, before any data is read, outputs that would replace an input or each other, that are
    not regular files, or whose folder cannot be written (UsageError naming the option).

    First finishes (or clears away) any earlier run killed while writing into these folders, and
    returns one line about each for the user."""
    from auditor.outputs.staging import check_outputs as check, recover

    given = [p for p in (out, findings_csv, findings_parquet) if p is not None]
    notes = recover(Path(p).parent for p in given if Path(p).parent.is_dir())
    from auditor.report.export import coverage_path

    # the coverage written beside each findings file is an output too
    sidecars = [(f"the coverage file of {option}", coverage_path(p)) for option, p in
                (("--findings-csv", findings_csv), ("--findings-parquet", findings_parquet)) if p is not None]
    check([("--out", out), ("--findings-csv", findings_csv), ("--findings-parquet", findings_parquet), *sidecars],
          inputs)
    return notes


@dataclass(frozen=True)
class Written:
    """The outputs a run put in place, by name (paths as the caller gave their folders)."""

    report: Path
    index: Path | None = None                    # index.csv of the firm workbooks (split by firm)
    firm_workbooks: tuple[Path, ...] = ()        # one per firm, in the index's folder
    findings_csv: Path | None = None
    findings_parquet: Path | None = None

    @property
    def coverage_files(self) -> list[Path]:
        """The coverage beside each findings file (``report.export.coverage_path``): which checks ran."""
        return [_coverage_path(p) for p in (self.findings_csv, self.findings_parquet) if p is not None]

    @property
    def paths(self) -> list[Path]:
        """Every output: the report first, then the index and the firm workbooks, then the exports (each
        findings file, then the coverage beside it)."""
        return [self.report, *([self.index] if self.index else []), *self.firm_workbooks,
                *(q for p in (self.findings_csv, self.findings_parquet) if p is not None
                  for q in (p, _coverage_path(p)))]


def write(result: AuditResult, path, *, split_by_firm: bool = False, findings_csv=None, findings_parquet=None,
          inputs: Iterable | None = None, on_commit: Callable[[], None] | None = None, history: str | None = None,
          progress: Progress = _quiet) -> list[Path]:
    """Write the report, with ``split_by_firm`` one workbook per firm and their index (index.csv) in a
    folder beside the report named after it, and the findings CSV / Parquet files asked for; return
    the paths written: the report first, then the index and the firm workbooks, then the exports
    (by name: :func:`write_outputs`).

    All or nothing: every output is written into a private staging folder beside its target and
    moved into place only when all were written, as one journalled commit (a previous run's firm
    folder is replaced only then), so a failure or an interrupted run leaves the previous outputs as
    they were, and a run killed while moving them is finished by the next run in the same folder.
    No output may be one of ``inputs`` (default: the audited files) or another output.
    ``on_commit()`` runs at the commit point, once every output is written and before any is moved
    (the run history commits there: if it fails, nothing is moved); ``history`` names it in the journal.
    """
    return write_outputs(result, path, split_by_firm=split_by_firm, findings_csv=findings_csv,
                         findings_parquet=findings_parquet, inputs=inputs, on_commit=on_commit, history=history,
                         progress=progress).paths


def write_outputs(result: AuditResult, path, *, split_by_firm: bool = False, findings_csv=None,
                  findings_parquet=None, inputs: Iterable | None = None, on_commit: Callable[[], None] | None = None,
                  history: str | None = None, progress: Progress = _quiet) -> Written:
    """:func:`write`, returning the outputs by name."""
    from auditor.outputs.signals import note_outputs
    from auditor.outputs.staging import Staging, check_outputs as check
    from auditor.report.firms import all_firms, file_names, firm_rows, split_folder, write_split
    from auditor.report.prepare import prepare
    from auditor.report.workbook import write_report

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"the report must be an .xlsx file, not {path.name!r}")
    inputs = [t.path for t in result.inputs if t.path] if inputs is None else list(inputs)
    check_outputs(path, findings_csv=findings_csv, findings_parquet=findings_parquet, inputs=inputs)
    if split_by_firm:   # the firm folder is replaced whole: it may hold no input
        folder = split_folder(path).resolve()
        for given in inputs:
            if Path(given).resolve().is_relative_to(folder):
                raise UsageError(f"the input {Path(given).name} is in {folder.name}, the folder of firm workbooks "
                                 "this run replaces: move it, or write the report elsewhere")
    stage = Staging()
    try:
        staged_report = stage.path(path, f"the report {path.name}")
        split: list[Path] = []
        if split_by_firm:
            prep = prepare(result)
            firms = all_firms(result, prep)
            files = file_names(firms)
            index = firm_rows(result, prep, firms, files)
            split = write_split(result, staged_report, prep, firms, files, index, progress=progress,
                                alongside=lambda: write_report(result, staged_report, firms_sheet=index, prep=prep))
        else:
            write_report(result, staged_report)
        # a firm workbook named as an input or as a findings file: refused before anything moves
        check([*(("the firm workbook", stage.final(p)) for p in split), ("--findings-csv", findings_csv),
               ("--findings-parquet", findings_parquet)], inputs)
        exports = {fmt: _save_findings(result, stage.path(target), fmt)
                   for target, fmt in ((findings_csv, "csv"), (findings_parquet, "parquet")) if target is not None}
        for target, fmt in ((findings_csv, "csv"), (findings_parquet, "parquet")):
            if target is not None:   # each findings file with its coverage beside it
                _save_coverage(result, stage.path(_coverage_path(target)), fmt)
        written = Written(report=stage.final(staged_report),
                          index=stage.final(split[0]) if split else None,
                          firm_workbooks=tuple(stage.final(p) for p in split[1:]),
                          findings_csv=stage.final(exports["csv"]) if "csv" in exports else None,
                          findings_parquet=stage.final(exports["parquet"]) if "parquet" in exports else None)
        stage.commit(last=path, then=on_commit, as_of=result.as_of, history=history)
    except BaseException as exc:
        note_outputs(exc, stage.outputs)   # a stop says whether the outputs in place were touched
        raise
    finally:
        stage.discard()
    return written


def write_findings(result: AuditResult, path, fmt: str) -> Path:
    """Every finding in one CSV or Parquet file for other programs (see ``auditor.report.export``)."""
    from auditor.report.export import write_findings_file

    return write_findings_file(result, path, fmt)


def _coverage_path(path) -> Path:
    from auditor.report.export import coverage_path

    return coverage_path(path)


def _save_coverage(result: AuditResult, path: Path, fmt: str) -> Path:
    from auditor.report.export import write_coverage_to

    with open(path, "xb") as fh:   # in the run's private staging folder
        write_coverage_to(result, fh, fmt)
    return path


def _save_findings(result: AuditResult, path: Path, fmt: str) -> Path:
    from auditor.report.export import write_findings_to

    with open(path, "xb") as fh:   # in the run's private staging folder
        write_findings_to(result, fh, fmt)
    return path
