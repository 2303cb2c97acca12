"""``auditor notify``: each firm's notice and message from a written run, as drafts or sent by SMTP."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

SECURITY = ("starttls", "tls", "none")


def _echo(line: str, **kw) -> None:
    """One line on the terminal: control characters from a file or firm name written as ``\\xNN``."""
    click.echo("".join(c if c.isprintable() or c in " \n" else f"\\x{ord(c):02x}" for c in str(line)), **kw)


@click.command()
@click.option("--report", type=click.Path(dir_okay=False, readable=False),
              help="The audit's report (.xlsx), written with --split-by-firm: the firm workbooks beside it are "
                   "what each firm gets.")
@click.option("--contacts", type=click.Path(dir_okay=False, readable=False),
              help="The court's contacts list (CSV): firm_name, contact_name, email; one contact a row.")
@click.option("--roster", "rosters", multiple=True, type=click.Path(readable=False),
              help="The audit's firm rosters: for a firm the contacts list does not name, its administrator's "
                   "e-mail (a role such as Firm Administrator) and, with --pacer-accounts, its PAA's are used.")
@click.option("--court-accounts", "court_lists", multiple=True, type=click.Path(readable=False),
              help="The court's CM/ECF exports: a row whose role is Firm Administrator (or Firm Admin) gives "
                   "that firm's contact, for a firm the contacts list does not name.")
@click.option("--pacer-accounts", "pacer_lists", multiple=True, type=click.Path(readable=False),
              help="The audit's PACER account lists (with --roster): where a firm's PAA and its e-mail are listed.")
@click.option("--firm", "firm_names", multiple=True, metavar="NAME",
              help="Only this firm (as the report names it; again for more firms). Default: every firm.")
@click.option("--drafts", type=click.Path(file_okay=False), help="Write one .eml per firm into this folder, "
              "marked unsent (classic Outlook and Thunderbird open them ready to send).")
@click.option("--send", is_flag=True, help="Send each firm's message through the court's mail relay.")
@click.option("--dry-run", is_flag=True, help="List who would get what; write and send nothing.")
@click.option("--notices", type=click.Path(file_okay=False),
              help="Also write every notice as a PDF into this folder (for firms without a contact, or for post).")
@click.option("--history", "history_at", metavar="PATH_OR_URL",
              help="The run history the audit recorded into (default: auditor-history.sqlite beside the report); "
                   "--send records each firm's delivery there.")
@click.option("--run", "run_id", type=int, help="The history's run of the report (default: the latest of its date).")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False, readable=False),
              help="The court's settings file (default: auditor-court.toml here).")
@click.option("--init-settings", is_flag=True, help="Write an example settings file to fill in, and stop.")
@click.option("--templates", type=click.Path(file_okay=False, exists=True),
              help="A folder of your own templates: notice.html, message.txt, message.html, digest.txt.")
@click.option("--smtp-host", help="The mail relay (default: the settings file's).")
@click.option("--smtp-port", type=click.IntRange(1, 65535))
@click.option("--smtp-security", type=click.Choice(SECURITY))
@click.option("--smtp-user", help="Log in as this user (default: the settings file's username).")
@click.option("--password-prompt", is_flag=True, help="Ask for the relay's password instead of reading it from "
              "the environment variable the settings name.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Times a message the relay asks to send later is tried again.")
@click.option("--retry-seconds", type=click.FloatRange(0, 300), default=5.0, show_default=True,
              help="Pause before the first retry; it doubles each time.")
@click.option("--max-messages", type=click.IntRange(1), help="Send at most this many now (relays that limit a "
              "sender per hour); the next run sends the rest.")
@click.option("--base-url", metavar="URL", help="The court portal's public address (as given to auditor serve): each "
              "firm's message and notice carry a new link to the firm's own page, made in the history.")
@click.option("--reminders", is_flag=True, help="Remind the firms whose findings are not all answered on the portal "
              "(at most 3 a month per firm, none once all are answered), instead of sending the notices.")
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
def notify(report, contacts, rosters, court_lists, pacer_lists, firm_names, drafts, send, dry_run, notices, history_at, run_id,
           settings_file, init_settings, templates, smtp_host, smtp_port, smtp_security, smtp_user, password_prompt, retries, retry_seconds,
           max_messages, base_url, reminders, quiet):
    """Send each firm its notice and its workbook: e-mail drafts, or through the court's mail relay."""
    from auditor.notify import settings as st

    if init_settings:
        path = st.write_example(settings_file or st.DEFAULT_NAME)
        _echo(f"wrote {path}: fill in the court's details and mail relay")
        return
    if sum(map(bool, (drafts, send, dry_run))) != 1:
        raise click.UsageError("give one of --drafts DIR, --send or --dry-run")
    if not report and not (history_at and run_id is not None):
        raise click.UsageError("give --report (the audit's report, written with --split-by-firm), or --history "
                               "and --run (the history run whose report it is)")
    if not contacts and not (rosters or court_lists):
        raise click.UsageError("give --contacts (the court's contacts list: firm_name, contact_name, email), or "
                               "--roster, --court-accounts and --pacer-accounts (the inputs that name each firm's "
                               "administrator or PAA and their e-mail)")
    if base_url:
        from auditor.history.invites import check_base_url

        base_url = check_base_url(base_url)
    settings = st.load(settings_file)
    _override(settings, smtp_host, smtp_port, smtp_security, smtp_user)
    templates = templates or settings.templates
    progress = (lambda m: None) if quiet or not sys.stderr.isatty() else (lambda m: _echo(f"[notify] {m}", err=True))

    from auditor.notify import deliver, source
    from auditor.notify.contacts import read_contacts
    from auditor.notify.input_contacts import contacts_from_inputs, merge

    if not report:
        store = _store(None, history_at)
        try:
            from auditor.notify.record import report_of

            report = report_of(store, run_id)
        finally:
            store.close()
    run = source.read_run(report)
    if firm_names:
        run.firms = source.only_firms(run, firm_names)
    found = contacts_from_inputs(rosters, pacer_lists, court_lists) if rosters or court_lists else None
    people = merge(read_contacts(contacts) if contacts else None, found)
    todo = deliver.plan(run, people)
    for line in todo.problems:
        _echo(f"auditor: warning: {line}", err=True)
    if notices:
        _write_notices(run, settings, Path(notices), templates)
    if reminders:
        from auditor.notify.reminder_command import remind

        store = _store(report, history_at)
        try:
            remind(run, todo, settings, store, run_id, mode="dry-run" if dry_run else "drafts" if drafts else "send",
                   folder=drafts, templates=templates, base_url=base_url, retries=retries, pause=retry_seconds,
                   relay=(lambda: relay_of(settings, password_prompt)), echo=_echo)
        finally:
            store.close()
        return
    if dry_run:
        _dry_run(run, todo, settings, history_at, run_id, report, base_url)
        return
    if drafts:
        links, ended = _draft_links(run, todo, report, history_at, run_id, base_url) if base_url else ({}, 0)
        written = deliver.write_drafts(todo.items, run, settings, Path(drafts), templates=templates,
                                       progress=progress, links=links)
        court = _court_notice(run, settings, Path(drafts), templates)
        _echo(f"{len(written)} drafts in {drafts} (marked unsent: open each in classic Outlook or Thunderbird "
              "and send it)" + (f"; the court's own items: {court.name}" if court else ""))
        if base_url:
            from auditor.notify.links import ends_line

            _echo(ends_line(links, ended))
        _from_inputs(todo)
        _no_contact(todo)
        return
    _send(run, todo, settings, report, history_at, run_id, templates, password_prompt, retries, retry_seconds,
          max_messages, progress, base_url)


def _draft_links(run, todo, report, history_at, run_id, base_url):
    """A new link for each firm a draft is written for (the firm's earlier links to the run end)."""
    from auditor.notify import record
    from auditor.notify.links import make_links

    store = _store(report, history_at)
    try:
        return make_links(store, record.find_run(store, run.as_of, run_id), todo.items, base_url)
    finally:
        store.close()


def _override(settings, host, port, security, user) -> None:
    if host:
        settings.smtp.host = host
    if port:
        settings.smtp.port = port
    if security:
        settings.smtp.security = security
    if user is not None:
        settings.smtp.username = user


def _inputs_lines(todo) -> list[str]:
    """A line per firm whose address came from the inputs (its administrator, its PAA) rather than the
    contacts list."""
    return [f"{i.part.name}: {i.recipients} (from {i.source})" for i in todo.items if i.source.startswith("the firm's")]


def _from_inputs(todo) -> None:
    lines = _inputs_lines(todo)
    if lines:
        _echo(f"addresses from the inputs for {len(lines)} firms the contacts list does not name:")
        for line in lines:
            _echo(f"  {line}")


def _no_contact(todo) -> None:
    if todo.no_contact:
        _echo(f"no contact for {len(todo.no_contact)} firms with findings: {'; '.join(todo.no_contact)}")


def _store(report, history_at):
    from auditor.history import default_path, open_store

    return open_store(history_at or default_path(report), create=False)


def _dry_run(run, todo, settings, history_at, run_id, report, base_url) -> None:
    from auditor.notify import record
    from auditor.notify.links import working_links

    done, working = {}, 0
    target = history_at or __import__("auditor.history", fromlist=["default_path"]).default_path(report)
    if history_at or Path(target).exists() or base_url:
        store = _store(report, history_at)
        try:
            ref = record.find_run(store, run.as_of, run_id)
            done = record.deliveries(store, ref)
            if base_url:
                working = working_links(store, ref, [i for i in todo.items if i.part.key not in done
                                                     or done[i.part.key]["state"] not in record.DONE])
        finally:
            store.close()
    for item in todo.items:
        was = done.get(item.part.key)
        state = f" (already {was['state']} {was['updated_at']:%Y-%m-%d %H:%M})" if was and was["state"] in record.DONE else ""
        n = item.part.listed
        _echo(f"{item.part.name}: to {item.recipients} (from {item.source}): notice and {item.part.workbook.name}"
              f"{f' ({n} findings to act on)' if n > 0 else ''}{state}")
    _no_contact(todo)
    if base_url:
        _echo("each message would carry a new link to the firm's own page at " + base_url
              + (f"; {working} of these firms have a link that opens now, which would end" if working else ""))
    _echo(f"{len(todo.items)} messages would be sent"
          + (f"; the digest to {settings.clerk_email}" if settings.clerk_email else
             "; no clerk_email in the settings: no digest would be sent"))


def _court_notice(run, settings, folder: Path, templates):
    from auditor.notify.notice import notice_pdf

    if not run.court.needs_notice:
        return None
    path = folder / "The court's own items.pdf"
    path.write_bytes(notice_pdf(run.court, run, settings, templates=templates))
    return path


def _write_notices(run, settings, folder: Path, templates) -> None:
    from auditor.notify import pool
    from auditor.notify.notice import made_notice
    from auditor.report.firms import file_names

    folder.mkdir(parents=True, exist_ok=True)
    parts = [p for p in run.firms if p.listed != 0]
    job = {"run": run, "settings": settings, "templates": templates}
    notices = []
    for part, out in zip(parts, pool.ordered(made_notice, parts, job)):
        if out is not None:
            part.findings = out[0]
            notices.append((part, out[1]))
    names = file_names({p.key: p.name for p, _ in notices})
    for p, data in notices:
        (folder / (names[p.key][:-5] + ".pdf")).write_bytes(data)
    _court_notice(run, settings, folder, templates)
    _echo(f"{len(notices)} notices in {folder}")


def relay_of(settings, password_prompt: bool):
    """The court's relay (not yet connected), with its password or token from the environment or a prompt."""
    from auditor.notify.smtp import Relay

    if not settings.sender:
        raise click.UsageError("the settings file gives no from_address (or reply_to) to send from")
    cfg = settings.smtp
    password = token = ""
    if cfg.username:
        if cfg.oauth2_token_env:
            token = os.environ.get(cfg.oauth2_token_env, "")
            if not token:
                raise click.UsageError(f"the OAuth2 token is read from ${cfg.oauth2_token_env}, which is not set")
        elif password_prompt:
            password = click.prompt(f"password of {cfg.username} at {cfg.host}", hide_input=True)
        else:
            password = os.environ.get(cfg.password_env, "")
            if not password:
                raise click.UsageError(f"the relay's password is read from ${cfg.password_env}, which is not set "
                                       "(or give --password-prompt)")
    return Relay(cfg, password=password, token=token)


def _send(run, todo, settings, report, history_at, run_id, templates, password_prompt, retries, pause, limit,
          progress, base_url="") -> None:
    from auditor.notify import deliver, record

    relay = relay_of(settings, password_prompt)
    store = _store(report, history_at)
    try:
        ref = record.find_run(store, run.as_of, run_id)
        make = None
        if base_url:
            from auditor.notify.links import make_links

            def make(items):
                return make_links(store, ref, items, base_url)
        relay.connect()   # a relay that cannot be used stops here, before anything is recorded
        try:
            out = deliver.send_all(todo.items, run, settings, relay, store, ref, templates=templates,
                                   retries=retries, pause=pause, limit=limit, progress=progress, make_links=make)
            digest = _digest(run, todo, settings, ref, out, relay, templates)
        finally:
            relay.close()
    finally:
        store.close()
    _echo(f"sent {len(out.sent)}, sent before {len(out.before)}, to try again {len(out.failed)}, "
          f"refused {len(out.refused)}, no contact {len(todo.no_contact)}" + ("; stopped at --max-messages: "
                                                                              "run again to send the rest"
                                                                              if out.stopped_at_limit else ""))
    for o in out.refused:
        _echo(f"refused: {o.firm}: {o.recipients}: {o.answer}")
    for o in out.failed:
        _echo(f"to try again: {o.firm}: {o.recipients}: {o.answer}")
    if base_url:
        from auditor.notify.links import ends_line

        _echo(ends_line(out.links, out.links_ended))
    _from_inputs(todo)
    _no_contact(todo)
    _echo(digest)


def _digest(run, todo, settings, ref, out, relay, templates) -> str:
    """The clerk's digest of this sending, sent to the settings' clerk_email; the line saying where it went."""
    from email.message import EmailMessage
    from email.policy import SMTP

    from auditor.notify.message import _address
    from auditor.notify.notice import notice_pdf
    from auditor.notify.render import render
    from auditor.notify.smtp import TAKEN

    text = render("digest.txt", templates, as_of=run.as_of, courts=run.courts or ref.scope_label, run_id=ref.run_id,
                  sent=out.sent, before=out.before, failed=out.failed, refused=out.refused,
                  no_contact=todo.no_contact, from_inputs=_inputs_lines(todo))
    if not settings.clerk_email:
        return "no clerk_email in the settings: the digest is not sent\n" + text
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _address(settings.court_name, settings.sender)
    msg["To"] = _address(settings.clerk_name, settings.clerk_email)
    msg["Subject"] = (f"NextGen notices sent: {len(out.sent)} sent, {len(out.failed)} to try again, "
                      f"{len(out.refused)} refused, {len(todo.no_contact)} without a contact")
    msg.set_content(text)
    if run.court.needs_notice:
        msg.add_attachment(notice_pdf(run.court, run, settings, templates=templates), maintype="application",
                           subtype="pdf", filename="The court's own items.pdf")
    answer = relay.send(settings.sender, [settings.clerk_email], msg.as_bytes())
    if answer.outcome != TAKEN:
        return f"the digest to {settings.clerk_email} did not go ({answer.text}):\n{text}"
    return f"digest sent to {settings.clerk_email}"
