"""The ``auditor`` command line: a thin face over ``auditor.api``.

Exit codes: 0 done, 1 findings at or above ``--fail-on``, 2 bad input or usage.
Every failure is one line on standard error; no traceback reaches a user.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from pathlib import Path

import click

from auditor import __version__
from auditor.cli_limits import condition_options, limit_options
from auditor.cli_map import map_option
from auditor.errors import AuditorError
from auditor.model import SEVERITIES

EXIT_FINDINGS = 1
EXIT_BAD = 2


def _date(_ctx, _param, value):
    if value is None:
        return None
    from auditor.api import check_as_of

    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD") from None
    try:
        return check_as_of(day)
    except AuditorError as exc:
        raise click.BadParameter(str(exc)) from None


def shown_name(name) -> str:
    """A path or file name as it may be printed on a terminal: control characters (an ANSI escape
    in a file name) written as ``\\xNN``, never sent raw."""
    return "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" for c in str(name))


def _echo_lines(text: str = "", **kw) -> None:
    click.echo("\n".join(shown_name(line) for line in str(text).split("\n")), **kw)


class Progress:
    """Stage messages on standard error, with elapsed time; silent when not a terminal unless asked."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            click.echo(f"[{time.perf_counter() - self.start:6.1f}s] {shown_name(message)}", err=True)


INPUT_OPTIONS = ("--court-accounts", "--roster", "--pacer-accounts")


class InputsCommand(click.Command):
    """A command whose input options each take several files: ``--roster a.csv b.csv`` (what a shell
    makes of ``--roster roster_*.csv``) is read as ``--roster a.csv --roster b.csv``.  A word is taken
    as one more file of the input option before it when no other option comes between."""

    def parse_args(self, ctx, args):
        out, current, value_next = [], None, False
        for arg in args:
            if value_next:              # the value of the option just before
                out.append(arg)
                value_next = False
                continue
            if arg == "--":
                current = None
            elif arg.startswith("-") and len(arg) > 1:
                name = arg.split("=", 1)[0]
                current = name if name in INPUT_OPTIONS else None
                option = next((p for p in self.params if name in getattr(p, "opts", ())), None)
                value_next = "=" not in arg and option is not None and not option.is_flag and option.nargs == 1
            elif current is not None:
                out.append(current)
            out.append(arg)
        return super().parse_args(ctx, out)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def cli():
    """Audit PACER / CM/ECF filer accounts for NextGen CM/ECF readiness."""


_MANY = " Several files after one option, a folder (every CSV and spreadsheet in it), or repeat the option."


@cli.command(cls=InputsCommand)
@click.option("--court-accounts", "court_accounts", multiple=True, type=click.Path(readable=False),
              help="Court CM/ECF filer account export (CSV or XLSX)." + _MANY)
@click.option("--roster", multiple=True, type=click.Path(readable=False), help="Firm roster." + _MANY)
@click.option("--pacer-accounts", "pacer_accounts", multiple=True, type=click.Path(readable=False),
              help="PACER / PAA account list." + _MANY)
@click.option("--as-of", callback=_date, help="Audit date, YYYY-MM-DD (default: today).")
@click.option("--rules", "rules_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own rules file: disable or re-grade rules, add rules. Repeatable.")
@click.option("--courts", "courts_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own court calendar file (CSV): add courts or go-live dates. Repeatable.")
@click.option("--court", help="Court id for court exports that have no court column (e.g. ncmb).")
@click.option("--firm", help="Firm name for rosters that have no firm column.")
@click.option("--paa", "paa", multiple=True, metavar="USERNAME",
              help="The firm's PACER Administrative Account username, for rosters without a PAA column naming it "
                   "(found used as a login without the PACER list). Repeatable.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 when a finding is at or above this severity.")
@click.option("--engine", type=click.Choice(["pandas", "durable"]), default="pandas", show_default=True,
              help="Rule engine: vectorised pandas, or durable_rules as an independent second engine.")
@click.option("--split-by-firm", is_flag=True, help="Also write one workbook per firm with that firm's rows only.")
@click.option("--skip-bad-files", is_flag=True, help="List unreadable files as skipped instead of stopping.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Report to write (.xlsx).")
@click.option("--findings-csv", type=click.Path(dir_okay=False, readable=False),
              help="Also write every finding to this CSV file, for other programs (no Excel row limit; "
                   "formula-like text gets a leading apostrophe).")
@click.option("--findings-parquet", type=click.Path(dir_okay=False, readable=False),
              help="Also write every finding to this Parquet file, values exactly as in the report.")
@click.option("--history", "history_at", metavar="PATH_OR_URL",
              help="Run history to compare with and record into: an SQLite file or a database URL "
                   "(default: auditor-history.sqlite beside the report).")
@click.option("--no-history", is_flag=True, help="Neither read nor record a history.")
@click.option("--previous", type=click.Path(dir_okay=False, readable=False),
              help="Last month's report with your status, notes and accepted_until: carried forward.")
@click.option("--backfill", is_flag=True, help="Record a run dated before the latest recorded one of its scope.")
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
@click.option("--progress", "show_progress", is_flag=True, help="Progress messages even when not on a terminal.")
@map_option
@limit_options
@condition_options
def audit(court_accounts, roster, pacer_accounts, as_of, rules_files, courts_files, court, firm, paa, fail_on, engine,
          split_by_firm, skip_bad_files, out, findings_csv, findings_parquet, history_at, no_history, previous,
          backfill, quiet, show_progress, limits, rule_limits, header_map):
    """Run an audit and write the Excel remediation report."""
    from auditor import api

    if Path(out).suffix.lower() != ".xlsx":  # say so before any data is read
        raise click.UsageError(f"--out must name an .xlsx file, not {Path(out).name!r}")
    if no_history and (history_at or previous or backfill):
        raise click.UsageError("--no-history cannot go with --history, --previous or --backfill")
    if previous and Path(previous).resolve() == Path(out).resolve():
        raise click.UsageError("--previous and --out name the same file: write this month's report to a new file")
    from auditor.load.detect import input_files

    inputs = [*input_files([*court_accounts, *roster, *pacer_accounts]), *rules_files, *courts_files,
              *([previous] if previous else [])]
    for note in api.check_outputs(out, findings_csv=findings_csv, findings_parquet=findings_parquet, inputs=inputs):
        click.echo(f"auditor: {shown_name(note)}", err=True)   # an earlier run killed there: finished or undone
    from auditor.history import default_path, recording
    from auditor.history.store import check_reachable

    store = None if no_history else (history_at or default_path(out))
    if store:
        check_reachable(store)   # a wrong password or a tampered store is said before any input is read
    progress = Progress(show_progress or (not quiet and sys.stderr.isatty()))
    from auditor.calendar import Calendar

    warning = api.as_of_warning(as_of, Calendar.load(list(courts_files)))
    if warning:
        click.echo(f"auditor: warning: {warning}", err=True)
    result = api.audit(court_accounts=court_accounts, roster=roster, pacer_accounts=pacer_accounts, as_of=as_of,
                       rules_files=rules_files, courts_files=courts_files, court=court, firm=firm, paa=paa,
                       engine=engine, limits=limits, rule_limits=rule_limits,
                       skip_bad_files=skip_bad_files, progress=progress, header_map=header_map)
    wrong = result.data_issues[result.data_issues["code"] == "wrong-kind"]
    for issue in wrong.itertuples(index=False):
        click.echo(f"auditor: warning: {shown_name(issue.file)}: {shown_name(issue.reason)}", err=True)
    if store:
        progress("comparing with the history (recorded once the report is written)")
    with (recording(result, store, previous=previous, backfill=backfill) if store
          else contextlib.nullcontext()) as view:
        progress(f"writing {shown_name(out)} ({len(result.findings):,} findings)")
        written = api.write(result, out, split_by_firm=split_by_firm, findings_csv=findings_csv,
                            findings_parquet=findings_parquet, inputs=inputs, progress=progress,
                            on_commit=view and view.commit, history=view and view.store)
    f = result.findings
    counts = f["severity"].value_counts()
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
    rows = sum(t.rows_read for t in result.inputs)
    rejected = sum(t.rows_rejected for t in result.inputs)
    skipped = [shown_name(t.name) for t in result.inputs if t.status == "skipped"]
    click.echo(f"{len(f)} findings ({summary}) in {rows} rows read, {rejected} rejected"
               + (f"; skipped: {', '.join(skipped)}" if skipped else "") + f"; report: {shown_name(written[0])}")
    extras = written[1:]
    exports = extras[len(extras) - bool(findings_csv) - bool(findings_parquet):]
    books = extras[:len(extras) - len(exports)]
    if books:   # the index, then the firm workbooks
        click.echo(f"firm workbooks: {len(books) - 1} in {shown_name(books[0].parent)} "
                   f"(index: {shown_name(books[0])})")
    for extra, label in zip(exports, [x for x, t in (("CSV", findings_csv), ("Parquet", findings_parquet)) if t]):
        click.echo(f"findings {label}: {shown_name(extra)}")
    if view is not None:
        p = result.previous
        compared = ("first run of this scope" if p is None else
                    f"{p['new']} new, {p['resolved']} resolved, {p['reopened']} reopened, {p['still_open']} still open, "
                    f"{p['overdue']} overdue")
        click.echo(f"history: run {view.run_id} of {view.scope_label} ({compared}) in {view.store}")
        if previous:
            click.echo(f"previous report: {view.carried} statuses carried, {len(view.import_problems)} rows not used"
                       + (" (listed on the Status import sheet)" if len(view.import_problems) else ""))
    if fail_on:
        worst = SEVERITIES.index(fail_on)
        if f["severity"].isin(SEVERITIES[: worst + 1]).any():
            sys.exit(EXIT_FINDINGS)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(readable=False))
@click.option("--kind", type=click.Choice(["court_accounts", "roster", "pacer_accounts", "auto"]), default="auto",
              show_default=True, help="What the files are; auto guesses from the headers.")
@click.option("--court", help="Court id for court exports that have no court column.")
@click.option("--firm", help="Firm name for rosters that have no firm column.")
@click.option("--courts", "courts_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own court calendar file (CSV), so that your courts are known. Repeatable.")
@map_option
@limit_options
def validate(files, kind, court, firm, courts_files, limits, header_map):
    """Check input files only: rows read, audited, rejected, and every data issue."""
    from auditor.validate.files import check_lines, validate_files

    checks = validate_files(files, kind=kind, court=court, firm=firm, courts_files=courts_files,
                            limits=limits, header_map=header_map)
    for check in checks:
        for line in check_lines(check):
            _echo_lines(line)
    if any(check.refused for check in checks):
        sys.exit(EXIT_BAD)


@cli.command(name="rules", cls=InputsCommand)
@click.argument("rule_id", required=False)
@click.option("--rules", "rules_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own rules file, applied before listing.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--cross-check", is_flag=True, help="Run both engines and list any finding only one produced.")
@click.option("--court-accounts", "court_accounts", multiple=True, type=click.Path(readable=False))
@click.option("--roster", multiple=True, type=click.Path(readable=False))
@click.option("--pacer-accounts", "pacer_accounts", multiple=True, type=click.Path(readable=False))
@click.option("--as-of", callback=_date, help="Audit date for --cross-check.")
@click.option("--courts", "courts_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own court calendar file, for --cross-check.")
@condition_options
def rules_cmd(rule_id, rules_files, fmt, cross_check, court_accounts, roster, pacer_accounts, as_of, courts_files,
              rule_limits):
    """List the rules, or show one rule whole with its examples."""
    from auditor.rulebook import docs as rules_doc
    from auditor.rulebook.catalogue import load_rules

    if cross_check:
        from auditor.engines.cross_check import run_cross_check

        outcome = run_cross_check(court_accounts=court_accounts, roster=roster, pacer_accounts=pacer_accounts,
                                  courts_files=courts_files, as_of=as_of, rules_files=rules_files,
                                  rule_limits=rule_limits)
        for line in outcome.lines:
            click.echo(line)
        sys.exit(0 if outcome.agree else 1)
    rules = load_rules(rules_files, rule_limits)
    if rule_id:
        match = [r for r in rules if rule_id in (r.id, *r.aliases)]
        if not match:
            raise click.UsageError(f"no rule {rule_id!r}; 'auditor rules' lists them")
        click.echo(rules_doc.rule_markdown(match[0]) if fmt == "markdown" else rules_doc.rule_text(match[0]))
        return
    click.echo(rules_doc.catalogue_markdown(rules) if fmt == "markdown" else rules_doc.catalogue_text(rules), nl=False)


@cli.command(name="columns")
def columns_cmd():
    """The accepted input columns, their header spellings and values, and the data issue codes (Markdown)."""
    from auditor.validate.docs import columns_markdown

    click.echo(columns_markdown(), nl=False)


@cli.command()
@click.argument("words", nargs=-1)
@click.option("--courts", "courts_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own court calendar file (CSV), listed with the shipped courts. Repeatable.")
def courts(words, courts_files):
    """List the court ids the auditor knows, or those whose id or name holds WORDS."""
    from auditor.calendar import Calendar

    found = Calendar.load(list(courts_files)).search(" ".join(words))
    if found.empty:
        raise click.UsageError(f"no court matches {' '.join(words)!r}; 'auditor courts' lists them all")
    for row in found.itertuples(index=False):
        live = row.nextgen_go_live or ("on NextGen" if row.on_nextgen != "no" else "not on NextGen")
        click.echo(f"{row.court_id:<6} {row.name}  ({row.type or 'court'}; NextGen: {live})")


@cli.command()
@click.option("--rows", type=click.IntRange(100), required=True,
              help="Court account rows to make (at least 100, so that every problem is planted).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--as-of", callback=_date, help="Date the data describes (default 2026-11-30).")
@click.option("--months", type=click.IntRange(2, 36),
              help="Write this many consecutive months (one folder each, ending at --as-of) with known changes "
                   "between them, named in months.json (CSV only).")
def sample(rows, out, seed, fmt, as_of, months):
    """Make synthetic court exports, PACER account lists and firm rosters with known problems."""
    from auditor.sample.files import generate

    if months:
        from auditor.sample.months import generate_months

        if fmt != "csv":
            raise click.UsageError("--months writes CSV files only")
        plan = generate_months(rows, out, months=months, seed=seed, **({"last": as_of} if as_of else {}))
        for m in plan["months"]:
            click.echo(f"{Path(out) / m['folder']}: as of {m['as_of']}, {len(m['fixed'])} fixed, "
                       f"{len(m['new'])} new, {len(m['reopened'])} reopened")
        click.echo(f"changes listed in {Path(out) / 'months.json'}")
        return
    kw = {"as_of": as_of} if as_of else {}
    manifest = generate(rows, out, seed=seed, fmt=fmt, **kw)
    files = [f for names in manifest["files"].values() for f in names]
    click.echo(f"wrote {len(files)} files to {out}: {', '.join(files)}")


from auditor.cli_services import history, recover, serve  # noqa: E402  (they use the helpers above)

cli.add_command(serve)
cli.add_command(history)
cli.add_command(recover)

from auditor.notify.command import notify  # noqa: E402

cli.add_command(notify)


def _quiet(_unraisable) -> None:
    pass


def main(argv=None) -> None:
    from auditor.publish import exit_on_late_signals, stop_on_signals

    stop_on_signals()   # SIGINT and SIGTERM stop the run, which cleans up what it had begun
    sys.unraisablehook = _quiet   # a half-written sheet's cleanup after a failed write prints nothing
    try:   # not cli.main: it catches Ctrl-C itself and prints a blank line
        with cli.make_context("auditor", list(sys.argv[1:] if argv is None else argv)) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - one line for every way a run can end early
        line, code = _ending(exc)
        if line is None:
            exc.show()
        else:
            click.echo(line, err=True)
        sys.exit(code)
    finally:
        exit_on_late_signals()


def _stop_in(exc: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM behind ``exc``, if any: cleaning up after a signal (closing a half-written
    workbook) can raise an error of its own, whose context is the signal."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (click.Abort, KeyboardInterrupt)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _ending(exc: BaseException) -> tuple[str | None, int]:
    """The one line (None: click's own usage message) and exit code of a run that ended with ``exc``."""
    from auditor.publish import interrupted_line

    stop = _stop_in(exc)
    if stop is not None:
        return interrupted_line(stop)
    if isinstance(exc, click.ClickException):
        return None, EXIT_BAD
    if isinstance(exc, AuditorError):
        return f"auditor: {shown_name(exc)}", exc.exit_code
    if isinstance(exc, MemoryError):
        return "auditor: out of memory: the inputs are too large for this machine", EXIT_BAD
    if isinstance(exc, (OSError, ValueError)):  # a file that vanished, a folder not writable, ...
        return f"auditor: {exc.__class__.__name__}: {shown_name(exc)}", EXIT_BAD
    # last resort (a Rust panic in a reader is a BaseException)
    return f"auditor: internal error ({exc.__class__.__name__}: {shown_name(exc)}); please report it", EXIT_BAD

if __name__ == "__main__":
    main()
