"""Commands that look things up: the rules, the accepted input columns, the courts."""

from __future__ import annotations

import sys

import click

from auditor.cli.common import InputsCommand, parse_date
from auditor.cli.limits import condition_options


@click.command(name="rules", cls=InputsCommand)
@click.argument("rule_id", required=False)
@click.option("--rules", "rules_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own rules file, applied before listing.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--cross-check", is_flag=True, help="Run both engines and list any finding only one produced.")
@click.option("--court-accounts", "court_accounts", multiple=True, type=click.Path(readable=False))
@click.option("--roster", multiple=True, type=click.Path(readable=False))
@click.option("--pacer-accounts", "pacer_accounts", multiple=True, type=click.Path(readable=False))
@click.option("--as-of", callback=parse_date, help="Audit date for --cross-check.")
@click.option("--courts", "courts_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own court calendar file, for --cross-check.")
@condition_options
def rules_cmd(rule_id, rules_files, fmt, cross_check, court_accounts, roster, pacer_accounts, as_of, courts_files,
              rule_limits):
    """List the rules, or show one rule whole with its examples."""
    from auditor.rulebook import docs as rules_doc
    from auditor.rulebook.catalogue import load_rules

    if cross_check:
        from auditor.api.cross_check import run_cross_check

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


@click.command(name="columns")
def columns_cmd():
    """The accepted input columns, their header spellings and values, and the data issue codes (Markdown)."""
    from auditor.validate.docs import columns_markdown

    click.echo(columns_markdown(), nl=False)


@click.command()
@click.argument("words", nargs=-1)
@click.option("--courts", "courts_files", multiple=True, type=click.Path(dir_okay=False, readable=False),
              help="Your own court calendar file (CSV), listed with the shipped courts. Repeatable.")
def courts(words, courts_files):
    """List the court ids the auditor knows, or those whose id or name holds WORDS."""
    from auditor.court_calendar import Calendar

    found = Calendar.load(list(courts_files)).search(" ".join(words))
    if found.empty:
        raise click.UsageError(f"no court matches {' '.join(words)!r}; 'auditor courts' lists them all")
    for row in found.itertuples(index=False):
        live = row.nextgen_go_live or ("on NextGen" if row.on_nextgen != "no" else "not on NextGen")
        click.echo(f"{row.court_id:<6} {row.name}  ({row.type or 'court'}; NextGen: {live})")
