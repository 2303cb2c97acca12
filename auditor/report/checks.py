"""What the Summary says of coverage: the row before any figure, a rule that did not run (never 0),
a figure that needs a missing fact ("unknown: needs ..."), and a firm copy's reasons naming no file
outside the firm's own (see ``auditor.coverage``)."""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.columns import KIND_LABELS
from auditor.coverage import NOT_CHECKED, PARTLY, UNKNOWN, Coverage
from auditor.model import AuditResult, InputTable


def firm_coverage(result: AuditResult, inputs: list[InputTable], firm: str | None) -> Coverage | None:
    """The run's coverage; in a firm's copy, its reasons name no input file but the firm's own."""
    cov = result.coverage
    if cov is None or firm is None:
        return cov
    kept = {t.name for t in inputs}
    others = {t.name: f"the {KIND_LABELS.get(t.kind, 'input')}" for t in result.inputs if t.name not in kept}
    if not others:
        return cov
    hide = re.compile("|".join(map(re.escape, sorted(others, key=len, reverse=True))))
    plain = lambda text: hide.sub(lambda m: others[m.group(0)], text)  # noqa: E731  (the kind, not the file)
    return replace(cov, checks=[replace(c, why=plain(c.why), short=plain(c.short)) for c in cov.checks],
                   readiness=plain(cov.readiness), active_filers=plain(cov.active_filers))


# Text that runs on over the empty cells to its right, to the last printed column (F), is never wrapped:
# a longer text would be cut on paper.  Bold letters are wide: from column B about 85 fit, from C 75.
FROM_B, FROM_C = 85, 75


def fit(text: str, limit: int = FROM_C, where: str = " on the Rules sheet") -> str:
    """``text`` (reasons joined by "; ") cut at a reason to fit ``limit`` characters, saying how many more."""
    if len(text) <= limit:
        return text
    parts = text.split("; ")
    kept: list[str] = []
    for i, part in enumerate(parts):
        more = f"; {len(parts) - i} more{where}"
        if len("; ".join([*kept, part])) + len(more) > limit and kept:
            return "; ".join(kept) + more
        kept.append(part)
    return "; ".join(kept)


def coverage_row(cov: Coverage | None) -> list:
    """The Summary's second row, before any figure: every check ran, or how many did not and why."""
    if cov is None:
        return [("Checks", "label"), ("(not recorded)", "text")]
    total = len(cov.enabled)
    if not cov.gaps and not cov.readiness:
        return [("Checks", "label"), (f"All {total} checks ran on every audited row.", "good")]
    if not cov.gaps:   # every check ran, but a figure needs a fact the inputs lack
        head = f"All {total} checks ran; readiness unknown: "
        return [("Checks", "label"), (head + fit(cov.readiness, FROM_B - len(head), where=""), "warn")]
    off, part = ([c for c in cov.gaps if c.status == status] for status in (NOT_CHECKED, PARTLY))
    why = {status: "; ".join(f"{w}: {n}" for w, n in cov.reasons(status)) for status in (NOT_CHECKED, PARTLY)}
    head = f"{len(off)} of {total} NOT CHECKED: " if off else f"{len(part)} of {total} checked in part: "
    tail = why[NOT_CHECKED] if off else why[PARTLY]
    if off and part:
        tail += f"; {len(part)} in part: {why[PARTLY]}"
    return [("Checks", "label"), (head + fit(tail, FROM_B - len(head)), "warn")]


def rule_gap(cov: Coverage | None, rule_id: str, findings: int) -> list:
    """A rule's findings (None when it did not run: never 0) and what it lacked ("" when it ran everywhere)."""
    check = cov.status_of(rule_id) if cov is not None else None
    if check is None or check.status not in (NOT_CHECKED, PARTLY):
        return [findings, ""]
    if check.status == NOT_CHECKED:
        return [None, check.why]
    return [findings, f"{check.status}: {check.why}"]


def unknown_readiness_rows(r: dict) -> list[list]:
    """Share ready, active filers, ready filers when a fact the figure needs is missing: "unknown:" and,
    beside it, what it needs; no number."""
    active = [(f"{UNKNOWN}:", "warn"), (fit(r["active_unknown"], where=""), "warn")] if r.get("active_unknown") else [
        (int(r.get("active_filers") or 0), "count")]
    return [[("Share ready", "label"), (f"{UNKNOWN}:", "warn"), (fit(r["unknown"], where=""), "warn")],
            [("Active filers", "label"), *active], [("Ready filers", "label"), (UNKNOWN, "warn")]]


def none_found(cov: Coverage | None) -> str:
    """The note beside 0 findings: an all-clear only when every check ran."""
    return "none among the checks that ran" if cov is not None and cov.gaps else "none: all clear"


def all_clear(cov: Coverage | None, text: str) -> tuple[str, str]:
    """"What to do first" with no findings: ``text`` when every check ran, else that not all was checked."""
    if cov is not None and cov.gaps:
        return ("No findings among the checks that ran, but not everything was checked: see the top of this "
                "sheet.", "warn")
    return text, "good"


def readiness_rows(r: dict | None) -> list[list]:
    """Share ready, active filers, ready filers: three rows in every workbook."""
    r = r or {}
    active, ready = int(r.get("active_filers") or 0), int(r.get("ready_filers") or 0)
    if r.get("unknown"):   # a fact the figure needs is missing: no number at all
        return unknown_readiness_rows(r)
    share: list[tuple]
    if not active:
        share = [(None, "text"), ("no active filers in the inputs", "note")]
    else:
        share = [(ready / active if r.get("share") is None else float(r["share"]), "percent"),
                 (f"{ready:,} of {active:,} active filers are ready", "note")]
    return [[("Share ready", "label"), *share], [("Active filers", "label"), (active, "count")],
            [("Ready filers", "label"), (ready, "count")]]


def firm_readiness(readiness: dict | None, key: str) -> dict:
    """One firm's readiness figure (``key``: its firm key): unknown when a filer of the firm could not be
    judged, else its active e-filers and the ready ones."""
    r = readiness or {}
    active, ready = r.get("by_firm", {}).get(key, (0, 0))
    return {"active_filers": active, "ready_filers": ready, "share": ready / active if active else None,
            "unknown": key in r.get("unknown_firms", ())}
