"""The ``auditor`` commands that serve beside the audit itself: ``serve`` (the upload page), ``history``
(the run history) and ``recover``.  They are part of the one command line (``auditor.cli``) and as
thin: the work is in ``auditor.web``, ``auditor.history`` and ``auditor.outputs``."""

from __future__ import annotations

import click

from auditor.cli.common import table_text


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep the default and put a TLS reverse proxy in front (see README).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Audits running at once.")
@click.option("--queue", type=click.IntRange(0, 1000), default=8, show_default=True,
              help="Uploads that may wait for a free worker; beyond that the page says busy (503).")
@click.option("--queue-seconds", type=click.FloatRange(0), default=30, show_default=True,
              help="How long a waiting upload waits for a free worker before the page says busy.")
@click.option("--job-seconds", type=click.FloatRange(1), default=120, show_default=True,
              help="Time limit of one audit.")
@click.option("--keep-minutes", type=click.FloatRange(0.1), default=15, show_default=True,
              help="Uploads and reports not downloaded by then are deleted.")
@click.option("--max-file-mb", type=click.FloatRange(0.001), default=25, show_default=True,
              help="Largest uploaded file.")
@click.option("--max-upload-mb", type=click.FloatRange(0.001), default=60, show_default=True,
              help="Largest upload (all files together).")
@click.option("--history", "history_at", metavar="PATH_OR_URL",
              help="Run history every upload's audit is compared with and recorded into: an SQLite file or a "
                   "database URL (default: none is kept).")
@click.option("--base-url", metavar="URL",
              help="The server's public address (https://...). With --history, firms open the links "
                   "'auditor invite' makes; links and redirects are built from it, never from a request's Host.")
def serve(host, port, workers, queue, queue_seconds, job_seconds, keep_minutes, max_file_mb, max_upload_mb,
          history_at, base_url):
    """Serve the upload page: firm administrators upload rosters and download the report."""
    import uvicorn

    from auditor.web.app import create_app
    from auditor.web.config import MB, WebConfig

    config = WebConfig(max_file_bytes=int(max_file_mb * MB), max_request_bytes=int(max_upload_mb * MB),
                       workers=workers, queue=queue, queue_wait_seconds=queue_seconds, job_seconds=job_seconds,
                       keep_seconds=int(keep_minutes * 60), history=history_at,
                       base_url=base_url)
    if base_url:
        from auditor.portal.invites import check_base_url

        check_base_url(base_url)
    click.echo(f"auditor: serving the upload page on http://{host}:{port}/ (Ctrl+C stops it)", err=True)
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo("auditor: listening beyond this machine without TLS: put a TLS reverse proxy in front "
                   "(see the README)", err=True)
    uvicorn.run(create_app(config), host=host, port=port, proxy_headers=True, server_header=False,
                log_level="info", access_log=False)


@click.group(invoke_without_command=True)
@click.option("--history", "history_at", metavar="PATH_OR_URL",
              help="The history: an SQLite file or a database URL (default: auditor-history.sqlite here).")
@click.pass_context
def history(ctx, history_at):
    """List the recorded runs (date, scope, inputs, counts); 'show RUN' or 'export' for more."""
    from auditor.history.store import DEFAULT_NAME

    ctx.obj = history_at or DEFAULT_NAME
    if ctx.invoked_subcommand is None:
        from auditor.history.query import list_runs

        runs = _read_store(ctx.obj, list_runs)
        if not len(runs):
            click.echo("no runs recorded yet")
            return
        click.echo(table_text(runs.columns, runs.rows))


def _read_store(target, fn, *args):
    from auditor.history.store import open_store

    store = open_store(target, create=False, write=False)
    try:
        return fn(store, *args)
    finally:
        store.close()


@history.command("show")
@click.argument("run", type=int)
@click.pass_obj
def history_show(target, run):
    """One run: when, scope, rule set, input files, counts by severity and rule."""
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
@click.pass_obj
def history_export(target, out, fmt):
    """Write every finding of every run (findings over time) as CSV or Parquet."""
    from auditor.report.export import export_history

    path, n = _read_store(target, export_history, out, fmt)
    click.echo(f"{n} finding rows over time: {path}")


@click.command()
@click.argument("folders", nargs=-1, type=click.Path(file_okay=False, exists=True))
def recover(folders):
    """Finish or clear away an audit stopped (killed, power cut) while writing into these folders
    (default: the current folder).  Every audit does this by itself first for its own output
    folders; this command is for when you want the outputs right before the next audit."""
    from auditor.outputs.staging import recover as recover_folders

    lines = recover_folders(folders or ["."])
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("nothing to finish or clear away: no audit was stopped while writing there")
