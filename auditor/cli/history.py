"""The history on the command line: ``auditor history`` (list, show, export, remove) and the audit's
history options.  As thin as the rest of the command line: the work is in ``auditor.history``."""

from __future__ import annotations

import functools

import click

_HISTORY_HELP = ("The history: an SQLite file or a database URL (default: $AUDITOR_HISTORY, else "
                 "auditor-history.sqlite in this folder or in reports/).")


def audit_history_options(f):
    """The audit's options about the history, passed on unchanged."""
    options = [
        click.option("--history", "history_at", metavar="PATH_OR_URL",
                     help="Run history to compare with and record into: an SQLite file or a database URL "
                          "(default: $AUDITOR_HISTORY, else auditor-history.sqlite beside the report)."),
        click.option("--no-history", is_flag=True, help="Neither read nor record a history."),
        click.option("--previous", type=click.Path(dir_okay=False, readable=False),
                     help="Last month's report with your status, notes and accepted_until: carried forward."),
        click.option("--backfill", is_flag=True, help="Record a run dated before the latest recorded one of its scope."),
        click.option("--record-future-date", "future", is_flag=True,
                     help="Record a run whose --as-of is after today (otherwise refused for the history)."),
        click.option("--max-previous-rows", type=click.IntRange(1), default=3_000_000, show_default=True,
                     help="Most rows read from --previous, all sheets together (1,000,000 rows: about 67 s "
                          "and 0.9 GB)."),
        click.option("--max-note-chars", type=click.IntRange(1), default=4_000, show_default=True,
                     help="Longest note accepted from --previous (each run keeps its notes in the history)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _history_option(f):
    @click.option("--history", "history_at", metavar="PATH_OR_URL", help=_HISTORY_HELP)
    @click.pass_context
    @functools.wraps(f)
    def command(ctx, *args, history_at=None, **kwargs):
        from auditor.history.where import for_reading

        return f(for_reading(history_at or ctx.obj), *args, **kwargs)

    return command


@click.group(invoke_without_command=True)
@click.option("--history", "history_at", metavar="PATH_OR_URL", help=_HISTORY_HELP)
@click.pass_context
def history(ctx, history_at):
    """List the recorded runs (date, scope, inputs, counts, replaced or removed); 'show RUN', 'export' or
    'remove RUN' for more."""
    ctx.obj = history_at
    if ctx.invoked_subcommand is None:
        from auditor.history.sqlite_file import quick_runs
        from auditor.history.where import for_reading

        from auditor.cli.common import table_text

        target = for_reading(history_at)
        runs = quick_runs(target)   # an SQLite file at the current schema, without loading SQLAlchemy
        if runs is None:
            from auditor.history.query import list_runs

            runs = _read_store(target, list_runs)
        if not len(runs):
            click.echo("no runs recorded yet")
            return
        click.echo(table_text(runs.columns, runs.rows))


def _read_store(target, fn, *args, write=False):
    from auditor.history.store import open_store

    store = open_store(target, create=False, write=write)
    try:
        return fn(store, *args)
    finally:
        store.close()


@history.command("show")
@click.argument("run", type=int)
@_history_option
def history_show(target, run):
    """One run: when, scope, rule set, input files, counts by severity and rule."""
    from auditor.cli.common import table_text
    from auditor.history.query import show_run

    shown = _read_store(target, show_run, run)
    for k, v in shown["run"].items():
        click.echo(f"{k}: {v}")
    for title, key in (("inputs", "inputs"), ("by severity", "by_severity"), ("by rule", "by_rule")):
        click.echo(f"\n{title}:")
        rows = shown[key]
        click.echo(table_text(rows.columns, rows.rows) if len(rows) else "(none)")


@history.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write: .csv or .parquet.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), help="Default: from the file's suffix.")
@_history_option
def history_export(target, out, fmt):
    """Write every finding of every run (findings over time: status, notes, accepted-until, and a row for
    each finding in the run that found it resolved) as CSV or Parquet."""
    from auditor.history.where import refuse_outputs
    from auditor.report.export import export_history

    refuse_outputs(target, [("--out", out)])
    path, n = _read_store(target, export_history, out, fmt)
    click.echo(f"{n} finding rows over time: {path}")


@history.command("remove")
@click.argument("run", type=int)
@click.option("--yes", is_flag=True, help="Do it without asking.")
@_history_option
def history_remove(target, run, yes):
    """Take back run RUN (a month recorded by mistake): what it changed in the carried statuses and dates is
    undone and it is listed as removed.  Only the latest run of its scope can be removed."""
    import sys

    from auditor.history.months import remove_run
    from auditor.history.query import show_run

    facts = _read_store(target, show_run, run)["run"]
    what = f"run {run} of {facts['scope_label']} as of {facts['as_of']} ({facts['findings']} findings)"
    if not yes:
        if not sys.stdin.isatty():
            from auditor.errors import UsageError

            raise UsageError(f"removing {what} needs --yes (or run it at a terminal to be asked)")
        click.confirm(f"Remove {what}?", abort=True)
    _read_store(target, remove_run, run, write=True)
    click.echo(f"removed {what}; it stays listed as removed in 'auditor history'")


def history_lines(view, result, previous: bool, out, kept: list, typed: int) -> list[str]:
    """What the audit says about the history and the report it replaced."""
    from pathlib import Path

    lines = []
    if view is not None:
        p = result.previous
        compared = ("first run of this scope" if p is None else
                    f"{p['new']} new, {p['resolved']} resolved, {p['reopened']} reopened, {p['still_open']} still open, "
                    f"{p['overdue']} overdue")
        again = f"replacing run {view.replaced}, the same month recorded again; " if view.replaced else ""
        lines.append(f"history: run {view.run_id} of {view.scope_label} ({again}{compared}) in {view.store}")
        if previous:
            lines.append(f"previous report: {view.carried} statuses carried, {view.not_used} "
                         f"problem{'s' if view.not_used != 1 else ''}"
                         + (" (listed on the Status import sheet)" if view.not_used else ""))
    if kept:
        how = "they are carried into this run" if view is not None else "without a history they are not carried"
        lines.append(f"{Path(out).name} held statuses or notes typed since it was written ({typed} findings): "
                     f"{how}, and the old file is kept as {kept[0].name}")
    return lines
