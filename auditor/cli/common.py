"""What the commands of the command line share: exit codes, dates, names as a terminal may show them,
progress messages, input options that take several files."""

from __future__ import annotations

import datetime as dt
import time

import click

from auditor.errors import AuditorError

EXIT_FINDINGS = 1
EXIT_BAD = 2
EXIT_NOT_CHECKED = 3   # --fail-on-not-checked: a check could not run, or a figure is unknown


def parse_date(_ctx, _param, value):
    if value is None:
        return None
    from auditor.model import check_as_of

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


def echo_lines(text: str = "", **kw) -> None:
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


MANY = " Several files after one option, a folder (every CSV and spreadsheet in it), or repeat the option."


def table_text(columns: list[str], rows: list[tuple]) -> str:
    """Rows as a plain text table: a header line, then one line per row, every column right-aligned
    to its widest value and two spaces apart (blank where a value is missing)."""
    cells = [[shown_name("" if v is None else v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    return "\n".join("  ".join(v.rjust(w) for v, w in zip(line, widths)) for line in [list(columns), *cells])
