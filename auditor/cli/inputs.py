"""Commands about input files: check them (``validate``), or make synthetic ones (``sample``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.cli.common import EXIT_BAD, echo_lines, parse_date
from auditor.cli.header_map import map_option
from auditor.cli.limits import limit_options


@click.command()
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
            echo_lines(line)
    if any(check.refused for check in checks):
        sys.exit(EXIT_BAD)


@click.command()
@click.option("--rows", type=click.IntRange(100), required=True,
              help="Court account rows to make (at least 100, so that every problem is planted).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--as-of", callback=parse_date, help="Date the data describes (default 2026-11-30).")
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
