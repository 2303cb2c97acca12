"""The product's own exceptions.

Library code raises these; only the command line and the web page turn them
into a one-line message and an exit code.  Bad *data* is never an exception:
it becomes a row on the Data issues sheet.
"""

from __future__ import annotations


class AuditorError(Exception):
    """Base class: every message is one line a user can act on."""

    exit_code = 2


class InputError(AuditorError):
    """An input file that cannot be read at all (refused whole)."""

    def __init__(self, file: str, problem: str, *, row: int | None = None, column: str | None = None):
        self.file = file
        self.problem = problem
        self.row = row
        self.column = column
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")


class RulesError(AuditorError):
    """A rules file (or court calendar file) that cannot be used."""

    def __init__(self, file: str, problem: str, *, rule_id: str | None = None):
        self.file = file
        self.rule_id = rule_id
        self.problem = problem
        where = file if rule_id is None else f"{file}, rule {rule_id}"
        super().__init__(f"{where}: {problem}")


class UsageError(AuditorError):
    """The call itself is wrong (no input given, bad option value)."""


class EngineError(AuditorError):
    """A rule engine failed (crashed, hung, or lost track of records)."""
