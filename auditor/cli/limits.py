"""The limit options of the command line, each with its default, turned into the limits objects the
library takes: ``limits`` (input files, ``load.table.Limits``) and ``rule_limits`` (the conditions of
your own rules files, ``rulebook.language.ConditionLimits``)."""

from __future__ import annotations

import functools
import math

import click


def _finite(_ctx, _param, value):
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a number of megabytes")
    return value


def input_limits(max_file_mb=None, max_rows=None, max_cell_chars=None, max_columns=None, max_cells=None,
                 max_blank_cells=None, max_repeated_rows=None):
    from auditor.load.limits import Limits

    base = Limits()
    return Limits(max_file_bytes=int(max_file_mb * (1 << 20)) if max_file_mb else base.max_file_bytes,
                  max_rows=max_rows or base.max_rows, max_cell_chars=max_cell_chars or base.max_cell_chars,
                  max_columns=max_columns or base.max_columns, max_cells=max_cells or base.max_cells,
                  max_unzipped_bytes=max(base.max_unzipped_bytes, int((max_file_mb or 0) * (1 << 20)) * 20),
                  max_blank_cells=base.max_blank_cells if max_blank_cells is None else max_blank_cells,
                  max_repeated_rows=base.max_repeated_rows if max_repeated_rows is None else max_repeated_rows)


def limit_options(f):
    """``--max-file-mb``, ``--max-rows``, ``--max-cell-chars``, ``--max-columns``, ``--max-cells``,
    ``--max-blank-cells`` and ``--max-repeated-rows``, given to the command as one ``limits`` argument."""

    @functools.wraps(f)
    def command(*args, max_file_mb, max_rows, max_cell_chars, max_columns, max_cells, max_blank_cells,
                max_repeated_rows, **kwargs):
        return f(*args, limits=input_limits(max_file_mb, max_rows, max_cell_chars, max_columns, max_cells,
                                            max_blank_cells, max_repeated_rows), **kwargs)

    command = click.option("--max-repeated-rows", type=click.IntRange(0),
                           help="An .ods sheet's rows made by repeating a row (number-rows-repeated) "
                                "(default 10,000; a 900-byte file repeating a row 2,000,000 times took 55 s "
                                "and 5.7 GB).")(command)
    command = click.option("--max-blank-cells", type=click.IntRange(0),
                           help="Empty cells in a workbook sheet's used range, beyond 10 for each cell that "
                                "holds something (default 4,000,000: about 0.3 GB and 3 s).")(command)

    command = click.option("--max-cells", type=click.IntRange(1, 1 << 34),
                           help="Largest used range of a workbook sheet, rows x columns, read as a full grid "
                                "(default 32,000,000: about 2.5 GB and 25 s).")(command)
    command = click.option("--max-columns", type=click.IntRange(1, 16_384),
                           help="Most columns in one file or sheet (default 1,000).")(command)
    command = click.option("--max-cell-chars", type=click.IntRange(1),
                           help="Longest cell accepted (default 32767).")(command)
    command = click.option("--max-rows", type=click.IntRange(1),
                           help="Most data rows in one file (default 5,000,000).")(command)
    # finite only: inf or nan would switch the limit off (or make every file too big)
    return click.option("--max-file-mb", type=click.FloatRange(0.001, 1 << 20), callback=_finite,
                        help="Largest input file in MB (default 512; memory use is up to about 25 times "
                             "the size of a CSV).")(command)


def condition_options(f):
    """``--max-condition-terms``, ``--max-list-values`` and ``--max-condition-depth`` (how large a
    condition in your own rules file may be), given to the command as one ``rule_limits`` argument."""
    from auditor.rulebook.language import DEPTH_CEILING, ConditionLimits

    base = ConditionLimits()

    @functools.wraps(f)
    def command(*args, max_condition_terms, max_list_values, max_condition_depth, **kwargs):
        limits = ConditionLimits(max_terms=max_condition_terms, max_values=max_list_values,
                                 max_depth=max_condition_depth)
        return f(*args, rule_limits=limits, **kwargs)

    command = click.option("--max-condition-depth", type=click.IntRange(1, DEPTH_CEILING), default=base.max_depth,
                           show_default=True,
                           help="Deepest nesting of parentheses and 'not' in one condition of a rules file.")(command)
    command = click.option("--max-list-values", type=click.IntRange(1, 1_000_000), default=base.max_values,
                           show_default=True, help="Most values in one 'in [...]' list of a rules file.")(command)
    return click.option("--max-condition-terms", type=click.IntRange(1, 100_000), default=base.max_terms,
                        show_default=True,
                        help="Most terms in one condition of a rules file (each term is checked against "
                             "every row: 100,000 take minutes on a large export).")(command)
