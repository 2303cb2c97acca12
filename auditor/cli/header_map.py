"""``--map "HEADER=column"`` on ``audit`` and ``validate``: the column a header holds when nothing can
recognise it, for every input file that has that header."""

from __future__ import annotations

import functools

import click

from auditor import columns as C

_UNUSED = ("", "none", "notused", "ignore")


def parse_maps(values) -> dict[str, str | None]:
    """``("PACER Acct=pacer_username", "Notes=")`` -> {"PACER Acct": "pacer_username", "Notes": None};
    a column may be named by its name or in plain words ("PACER username"); none or nothing after the
    "=" means the header is not used."""
    known = {C.column_key(c.name): c.name for kind in C.KINDS for c in C.columns(kind)}
    out: dict[str, str | None] = {}
    for value in values:
        header, sep, column = value.rpartition("=")
        header = header.strip()
        if not sep or not header:
            raise click.BadParameter(f"{value!r}: write it as \"HEADER=column\", such as \"PACER Acct=pacer_username\"",
                                     param_hint="--map")
        key = C.column_key(column)
        if key in _UNUSED:
            out[header] = None
        elif key in known:
            out[header] = known[key]
        else:
            raise click.BadParameter(
                f"{value!r}: {column.strip()!r} is no column (the columns: {', '.join(dict.fromkeys(known.values()))}; "
                "`auditor columns` lists them by input kind)", param_hint="--map")
    return out


def map_option(f):
    """``--map``, repeatable, given to the command as one ``header_map`` argument."""

    @functools.wraps(f)
    def command(*args, maps, **kwargs):
        return f(*args, header_map=parse_maps(maps), **kwargs)

    return click.option("--map", "maps", multiple=True, metavar="\"HEADER=column\"",
                        help="Read the column headed HEADER (in any input file that has it) as this column, "
                             "for a header nothing recognises or one that could be two columns; \"HEADER=\" "
                             "leaves it unused. Repeatable.")(command)
