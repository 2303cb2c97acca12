"""``auditor invite``: one portal link per firm for the court's latest recorded run, printed as CSV."""

from __future__ import annotations

import csv
import sys

import click


@click.command()
@click.option("--history", "history_at", required=True, metavar="PATH_OR_URL",
              help="The court's history store (an SQLite file or a database URL).")
@click.option("--base-url", required=True, metavar="URL",
              help="The portal's public address, such as https://audit.example-court.gov; links start with it.")
@click.option("--court", "courts", multiple=True, metavar="ID",
              help="The courts of the run (repeat for several, as the audit had them): needed when the history "
                   "holds runs of more than one court scope.")
@click.option("--firm", "firms", multiple=True, metavar="NAME", help="Only this firm (repeat for several).")
@click.option("--contacts", type=click.Path(dir_okay=False, readable=False),
              help="The court's contacts list (CSV: firm_name, contact_name, email): one row per contact.")
def invite(history_at, base_url, courts, firms, contacts):
    """Make one link per firm with findings in the latest recorded court run and print firm, contact and
    link as CSV.  A link opens that firm's findings of that run only; it ends after 15 days or when the
    next month is recorded.  Only a hash of each link is stored: keep the printed CSV safe."""
    from auditor.history.store import open_store
    from auditor.portal.invites import check_base_url, make_invites
    from auditor.report.format import csv_safe

    check_base_url(base_url)          # errors end the run in one line (auditor.cli.main), exit 2
    people = None
    if contacts:
        from auditor.notify.contacts import read_contacts
        people = read_contacts(contacts)
    store = open_store(history_at, create=False)
    try:
        made = make_invites(store, base_url, firms, courts=courts, one_scope=True)
    finally:
        store.close()
    rows = []
    for inv in made:
        for name, email in (people.by_firm.get(inv.firm_key) if people else None) or [("", "")]:
            rows.append([inv.firm_name, name, email, inv.link, inv.expires_at.isoformat(sep=" ")])
    import pandas as pd   # here, not at the top: the command line starts without it

    frame = pd.DataFrame(rows, columns=["firm", "contact", "email", "link", "expires"], dtype=object)
    for col in ("firm", "contact", "email"):
        frame[col] = csv_safe(frame[col]).astype(object)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(frame.columns)
    w.writerows(frame.itertuples(index=False, name=None))
    if people:
        for p in people.problems:
            click.echo(p, err=True)
    click.echo(f"{len(made)} links made for {len({i.firm_key for i in made})} firms", err=True)
