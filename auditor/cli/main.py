"""The ``auditor`` command line: a thin face over ``auditor.api``; the group, the audit itself, and how a
run ends (commands of their own: ``inputs``, ``reference``, ``services``).

Exit codes: 0 done, 1 findings at or above ``--fail-on``, 2 bad input or usage, 3 a check not run or a
figure unknown (with ``--fail-on-not-checked``).
Every failure is one line on standard error; no traceback reaches a user.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor import __version__
from auditor.cli.common import (
    EXIT_BAD, EXIT_FINDINGS, EXIT_NOT_CHECKED, MANY, InputsCommand, Progress, parse_date, shown_name,
)
from auditor.cli.header_map import map_option
from auditor.cli.inputs import sample, validate
from auditor.cli.limits import condition_options, limit_options
from auditor.cli.reference import columns_cmd, courts, rules_cmd
from auditor.cli.history import audit_history_options, history, history_lines
from auditor.cli.services import recover, serve
from auditor.errors import AuditorError
from auditor.model import SEVERITIES
from auditor.notify.command import notify
from auditor.outputs.signals import PUBLISHED
from auditor.portal.command import invite

OUTPUTS = "auditor.outputs"   # ctx.meta key: how far the run's outputs got (outputs.signals)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def cli():
    """Audit PACER / CM/ECF filer accounts for NextGen CM/ECF readiness."""


@cli.command(cls=InputsCommand)
@click.option("--court-accounts", "court_accounts", multiple=True, type=click.Path(readable=False),
              help="Court CM/ECF filer account export (CSV or XLSX)." + MANY)
@click.option("--roster", multiple=True, type=click.Path(readable=False), help="Firm roster." + MANY)
@click.option("--pacer-accounts", "pacer_accounts", multiple=True, type=click.Path(readable=False),
              help="PACER / PAA account list." + MANY)
@click.option("--as-of", callback=parse_date, help="Audit date, YYYY-MM-DD (default: today).")
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
@click.option("--fail-on-not-checked", is_flag=True,
              help="Exit 3 when a check could not run or a figure is unknown (for scheduled runs).")
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
@audit_history_options
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
@click.option("--progress", "show_progress", is_flag=True, help="Progress messages even when not on a terminal.")
@map_option
@limit_options
@condition_options
def audit(court_accounts, roster, pacer_accounts, as_of, rules_files, courts_files, court, firm, paa, fail_on, engine,
          split_by_firm, skip_bad_files, out, findings_csv, findings_parquet, history_at, no_history, previous,
          backfill, future, max_previous_rows, max_note_chars, quiet, show_progress, limits, rule_limits, header_map,
          fail_on_not_checked):
    """Run an audit and write the Excel remediation report."""
    if Path(out).suffix.lower() != ".xlsx":  # say so before any data is read
        raise click.UsageError(f"--out must name an .xlsx file, not {Path(out).name!r}")
    if no_history and (history_at or previous or backfill or future):
        raise click.UsageError("--no-history cannot go with --history, --previous, --backfill or --record-future-date")
    if previous and Path(previous).resolve() == Path(out).resolve():
        raise click.UsageError("--previous and --out name the same file: write this month's report to a new file")
    if not skip_bad_files:   # a missing file said at once, before the audit's second of imports
        from auditor.load.detect import input_files, refuse_missing

        refuse_missing(input_files([*court_accounts, *roster, *pacer_accounts]))
    from auditor import api
    from auditor.history.where import for_audit

    outcome = api.run(
        court_accounts=court_accounts, roster=roster, pacer_accounts=pacer_accounts, as_of=as_of,
        rules_files=rules_files, courts_files=courts_files, court=court, firm=firm, paa=paa, engine=engine,
        limits=limits, rule_limits=rule_limits, skip_bad_files=skip_bad_files, header_map=header_map,
        out=out, split_by_firm=split_by_firm,
        findings_csv=findings_csv, findings_parquet=findings_parquet,
        history=None if no_history else for_audit(history_at, out), previous=previous, backfill=backfill,
        future=future, max_previous_rows=max_previous_rows, max_note_chars=max_note_chars,
        progress=Progress(show_progress or (not quiet and sys.stderr.isatty())),
        tell=lambda line: click.echo(f"auditor: {shown_name(line)}", err=True))
    click.get_current_context().meta[OUTPUTS] = PUBLISHED   # a stop from here on: every output is in place
    result, written, view = outcome.result, outcome.written, outcome.history
    f = result.findings
    counts = f["severity"].value_counts()
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
    rows = sum(t.rows_read for t in result.inputs)
    rejected = sum(t.rows_rejected for t in result.inputs)
    skipped = [shown_name(t.name) for t in result.inputs if t.status == "skipped"]
    click.echo(f"{len(f)} findings ({summary}) in {rows} rows read, {rejected} rejected"
               + (f"; skipped: {', '.join(skipped)}" if skipped else "")   # then what could not be checked
               + shown_name(api.coverage_words(result)) + f"; report: {shown_name(written.report)}")
    if written.index is not None:
        click.echo(f"firm workbooks: {len(written.firm_workbooks)} in {shown_name(written.index.parent)} "
                   f"(index: {shown_name(written.index)})")
    for extra, label in ((written.findings_csv, "CSV"), (written.findings_parquet, "Parquet")):
        if extra is not None:
            from auditor.report.export import coverage_path

            click.echo(f"findings {label}: {shown_name(extra)} (checks run: {shown_name(coverage_path(extra))})")
    for line in history_lines(view, result, bool(previous), out, [outcome.kept] if outcome.kept else [],
                              outcome.typed):
        click.echo(shown_name(line))
    if fail_on_not_checked and not result.coverage.complete:   # the findings are then incomplete: 3 wins
        sys.exit(EXIT_NOT_CHECKED)
    if fail_on:
        worst = SEVERITIES.index(fail_on)
        if f["severity"].isin(SEVERITIES[: worst + 1]).any():
            sys.exit(EXIT_FINDINGS)


for command in (validate, rules_cmd, columns_cmd, courts, sample, serve, history, recover, notify, invite):
    cli.add_command(command)


def _quiet(_unraisable) -> None:
    pass


def main(argv=None) -> None:
    from auditor.outputs.signals import exit_on_late_signals, note_outputs, stop_on_signals

    stop_on_signals()   # SIGINT and SIGTERM stop the run, which cleans up what it had begun
    sys.unraisablehook = _quiet   # a half-written sheet's cleanup after a failed write prints nothing
    meta: dict = {}   # shared by the commands: OUTPUTS, how far a run's outputs got
    try:   # not cli.main: it catches Ctrl-C itself and prints a blank line
        with cli.make_context("auditor", list(sys.argv[1:] if argv is None else argv)) as ctx:
            meta = ctx.meta
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - one line for every way a run can end early
        note_outputs(exc, meta.get(OUTPUTS))
        line, code = _ending(exc)
        if line is None and isinstance(exc, click.ClickException):
            exc.show()
        else:
            click.echo(line, err=True)
        sys.exit(code)
    finally:
        exit_on_late_signals(meta.get(OUTPUTS))


def _stop_in(exc: BaseException | None) -> BaseException | None:
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
    from auditor.outputs.signals import interrupted_line

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
