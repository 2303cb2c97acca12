"""The Rules sheet (``report.sheets``): every rule, what it checks and how many findings it made."""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.model import AuditResult, InputTable, RuleRun
from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.sheets import write_rules_sheet

name = "Rules"
court = True
firm = True

OTHER_FILE = "(another input file)"


def firm_rules(result: AuditResult, inputs: list[InputTable]) -> list[RuleRun]:
    """The rule runs, their notes naming no input file outside the firm's own."""
    kept = {t.name for t in inputs}
    others = sorted({t.name for t in result.inputs} - kept, key=len, reverse=True)
    if not others:
        return list(result.rules)
    pattern = re.compile("|".join(map(re.escape, others)))
    return [replace(r, reason=pattern.sub(OTHER_FILE, r.reason)) if r.reason else r for r in result.rules]


def write(wb, book: CourtBook) -> list:
    return [write_rules_sheet(wb, book.result.rules, book.result.as_of).rows(book.counts)]


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    # the Rules sheet's notes name no input file: one sheet serves every firm
    result = layout.writer.result
    layout.state[name] = write_rules_sheet(wb, firm_rules(result, []), result.as_of)
    return 2


def fill(layout: FirmLayout, f: FirmRows) -> list:
    return [layout.state[name].rows(f.counts)]
