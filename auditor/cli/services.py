"""The ``auditor`` commands that serve beside the audit itself: ``serve`` (the upload page) and ``recover``.
They are part of the one command line (``auditor.cli``) and as thin: the work is in ``auditor.web`` and
``auditor.outputs``.  ``history`` is in ``auditor.cli.history``."""

from __future__ import annotations

import click



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
@click.option("--max-held", type=click.IntRange(1), default=40, show_default=True,
              help="Uploads waiting at the confirm step at once (each holds up to about 25 MB of disk and memory).")
@click.option("--max-confirm-kb", type=click.IntRange(1), default=1024, show_default=True,
              help="Largest confirm-step form.")
@click.option("--worker-memory-mb", type=click.IntRange(512), default=4096, show_default=True,
              help="Memory (address space) of each worker; an audit needing more is stopped.")
@click.option("--header-seconds", type=click.FloatRange(0.1), default=10, show_default=True,
              help="Time a request's headers may take to arrive.")
@click.option("--body-seconds", type=click.FloatRange(0.1), default=300, show_default=True,
              help="Time a request's body (the upload) may take to arrive.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Host name the page answers to (repeatable; default: the --host address and localhost).")
@click.option("--history", "history_at", metavar="PATH_OR_URL",
              help="Run history every upload's audit is compared with and recorded into: an SQLite file or a "
                   "database URL (default: none is kept).")
@click.option("--base-url", metavar="URL",
              help="The server's public address (https://...). With --history, firms open the links "
                   "'auditor invite' makes; links and redirects are built from it, never from a request's Host.")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="The settings file of 'auditor notify' (the court's mail relay): with it, a firm can ask on the "
                   "portal for a new link, sent to an address the court has on file.")
@click.option("--contacts", type=click.Path(dir_okay=False), metavar="CSV",
              help="The court's contacts list (firm_name, contact_name, email): the addresses a new link may go "
                   "to, beside those the firm's notice was sent to.")
@click.option("--clerk-password-env", metavar="VAR",
              help="Protect the clerk's page (/clerk) with the password in this environment variable (at least "
                   "12 characters); without a password the page opens only in a browser on this machine.")
@click.option("--clerk-password-prompt", is_flag=True, help="Ask for the clerk's page's password when starting.")
@click.option("--portal-requests", type=click.IntRange(1, 1000), default=32, show_default=True,
              help="Portal requests handled at once; more wait up to --queue-seconds, then are told busy (503).")
def serve(host, port, workers, queue, queue_seconds, job_seconds, keep_minutes, max_file_mb, max_upload_mb,
          max_held, max_confirm_kb, worker_memory_mb, header_seconds, body_seconds, allowed_hosts, history_at,
          base_url, settings_file, contacts, clerk_password_env, clerk_password_prompt, portal_requests):
    """Serve the upload page: firm administrators upload rosters and download the report."""
    import uvicorn

    from auditor.web.app import create_app
    from auditor.web.config import MB, WebConfig
    from auditor.web.timeouts import uvicorn_config

    if (settings_file or contacts) and not (history_at and base_url):
        raise click.UsageError("--settings and --contacts serve the portal's new links: give --history and "
                               "--base-url too")
    config = WebConfig(max_file_bytes=int(max_file_mb * MB), max_request_bytes=int(max_upload_mb * MB),
                       workers=workers, queue=queue, queue_wait_seconds=queue_seconds, job_seconds=job_seconds,
                       keep_seconds=int(keep_minutes * 60), max_held=max_held, max_confirm_bytes=max_confirm_kb * 1024,
                       worker_memory_bytes=worker_memory_mb * MB, header_seconds=header_seconds,
                       body_seconds=body_seconds, allowed_hosts=tuple(allowed_hosts), history=history_at,
                       base_url=base_url, settings=settings_file, contacts=contacts,
                       clerk_password=_clerk_password(clerk_password_env, clerk_password_prompt, history_at, base_url),
                       portal_requests=portal_requests)
    if history_at:
        from auditor.history.store import check_reachable

        check_reachable(history_at)   # a wrong password is said now, not at the first upload
    if base_url:
        from auditor.portal.invites import check_base_url

        check_base_url(base_url)
    app = create_app(config, host)   # settings, contacts and the relay's password are read (and refused) here
    click.echo(f"auditor: serving the upload page on http://{host}:{port}/ (Ctrl+C stops it)", err=True)
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo("auditor: listening beyond this machine without TLS: put a TLS reverse proxy in front "
                   "(see the README)", err=True)
        if not allowed_hosts:
            click.echo("auditor: the page answers only to the names " + ", ".join(config.hosts(host))
                       + ": give the proxy's name with --allowed-host", err=True)
    if history_at and base_url:
        from auditor.portal.clerk import public_base_url

        if config.clerk_password is not None:
            click.echo("auditor: the clerk's page is /clerk, with the password", err=True)
        elif public_base_url(base_url):
            click.echo("auditor: the clerk's page (/clerk) is off: the firms' links name another machine, so it "
                       "needs a password (--clerk-password-env or --clerk-password-prompt)", err=True)
        else:
            click.echo("auditor: the clerk's page is /clerk, only in a browser on this machine (set a password "
                       "with --clerk-password-env to open it from elsewhere)", err=True)
    uvicorn.Server(uvicorn_config(app, config, host, port, proxy_headers=True,
                                  log_level="info", access_log=False)).run()


def _clerk_password(env: str | None, prompt: bool, history_at, base_url) -> str | None:
    """The clerk's page's password, from the environment or asked for; never from the command line."""
    import os

    from auditor.portal.clerk import password_problem

    if not (env or prompt):
        return None
    if not (history_at and base_url):
        raise click.UsageError("the clerk's page is part of the portal: give --history and --base-url too")
    if env and prompt:
        raise click.UsageError("give --clerk-password-env or --clerk-password-prompt, not both")
    if env:
        password = os.environ.get(env, "")
        if not password:
            raise click.UsageError(f"the clerk's password is read from ${env}, which is not set")
    else:
        password = click.prompt("clerk's page password", hide_input=True, confirmation_prompt=True, err=True)
    problem = password_problem(password)
    if problem:
        raise click.UsageError(problem)
    return password


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
