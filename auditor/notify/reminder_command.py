"""``auditor notify --reminders``: the reminders of a run, listed (``--dry-run``), written as drafts or sent."""

from __future__ import annotations

from pathlib import Path


def remind(run, todo, settings, store, run_id, *, mode: str, folder, templates: str, base_url: str, retries: int,
           pause: float, relay, echo) -> None:
    """``todo``: the run's firms with something to do and a contact (``deliver.plan``); ``relay()`` makes the
    court's relay (asking for its password) only when reminders are to be sent."""
    from auditor.notify import record, reminders

    ref = record.find_run(store, run.as_of, run_id)
    due = reminders.plan(store, ref, todo.items)
    for line in due.skipped:
        echo(line)
    for name in todo.no_contact:
        echo(f"{name}: no reminder: no contact")
    if mode == "dry-run":
        for d in due.due:
            echo(f"{d.item.part.name}: reminder {d.number} of at most {reminders.MAX_PER_MONTH} this month to "
                 f"{d.item.recipients} ({d.unanswered} of {d.findings} findings without an answer)")
        echo(f"{len(due.due)} reminders would be sent" + (" (each with a new link to the firm's page)"
                                                         if base_url and due.due else ""))
        return
    links: dict = {}
    ended = 0
    if base_url and due.due:
        from auditor.notify.links import make_links

        links, ended = make_links(store, ref, [d.item for d in due.due], base_url)
    if mode == "drafts":
        written = reminders.write_drafts(due, ref, settings, Path(folder), store=store, templates=templates,
                                         links=links)
        echo(f"{len(written)} reminder drafts in {folder} (marked unsent; each counts as one of the firm's "
             f"{reminders.MAX_PER_MONTH} reminders this month)")
    elif due.due:
        r = relay()
        r.connect()
        try:
            out = reminders.send_all(due, ref, settings, r, store, templates=templates, retries=retries, pause=pause,
                                     links=links)
        finally:
            r.close()
        echo(f"reminders sent {len(out.sent)}, to try again {len(out.failed)}, refused {len(out.refused)}, "
             f"not due {len(due.skipped)}")
        for o in out.refused + out.failed:
            echo(f"{'refused' if o in out.refused else 'to try again'}: {o.firm}: {o.recipients}: {o.answer}")
    else:
        echo("no reminders to send")
    if base_url and links:
        from auditor.notify.links import ends_line

        echo(ends_line(links, ended))
