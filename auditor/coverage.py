"""Coverage: which checks ran over every audited record, which could not run and why, and which
figures are unknown for want of a fact.

An audit is trusted for what it says is fine, so a check that could not run is never shown as 0
findings and a figure that needs a missing fact is never shown as a number.  The evaluator records,
per rule, what kept it from some records (``RuleRun.gaps``: a kind of input not given, or a column a
file lacks); ``coverage_of`` turns that into a ``Coverage`` that the terminal, the report, every
firm's workbook, the findings export, the upload page and the API all read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from auditor.columns import COURT_ACCOUNTS, KIND_LABELS, PACER_ACCOUNTS, ROSTER

CHECKED, PARTLY, NOT_CHECKED, DISABLED = "checked", "checked in part", "not checked", "disabled"
UNKNOWN = "unknown"

# What each kind of input is, in the words of a "needs ..." reason.
KIND_NEEDS = {
    COURT_ACCOUNTS: "the court's CM/ECF filer export (--court-accounts)",
    ROSTER: "a firm roster (--roster)",
    PACER_ACCOUNTS: "the PACER account list (--pacer-accounts)",
}
# Plain names of the columns a reason may name (others: the column name with spaces).
COLUMN_WORDS = {
    "pacer_username": "PACER username", "account_status": "account status", "account_holder": "account holder",
    "bar_id": "bar id", "email": "e-mail", "mfa_enrolled": "MFA enrolment", "paa_id": "PAA",
    "left_firm_on": "left-firm date", "pacer_use": "PACER use", "account_type": "account type",
    "case_search_status": "case search status", "firm_name": "firm", "cmecf_login": "CM/ECF login",
    "filer_role": "role", "account_number": "account number", "created_on": "created date", "upgraded": "upgrade status",
}
FILER_KINDS = (COURT_ACCOUNTS, ROSTER)


def column_words(col: str) -> str:
    return COLUMN_WORDS.get(col, col.replace("_", " "))


KIND_SHORT = {COURT_ACCOUNTS: "no court export", ROSTER: "no roster", PACER_ACCOUNTS: "no PACER account list"}


def _a(words: str) -> str:
    w = words.lower()
    vowel = w[:1] in "aeio" or (w[:1] == "u" and not w.startswith(("us", "uni")))
    return ("an " if vowel else "a ") + words


def gap_text(kind: str, file: str, col: str) -> str:
    """One gap in plain words: "needs a PACER username column in court.csv"."""
    if not col:
        return f"needs {KIND_NEEDS.get(kind, KIND_LABELS.get(kind, kind))}"
    where = file or f"the {KIND_LABELS.get(kind, kind)}"
    return f"needs {_a(column_words(col))} column in {where}"


def gap_short(kind: str, file: str, col: str) -> str:
    """The same gap in a few words for the terminal: "no PACER username column in court.csv"."""
    if not col:
        return KIND_SHORT.get(kind, f"no {KIND_LABELS.get(kind, kind)}")
    return f"no {column_words(col)} column in {file or 'the ' + KIND_LABELS.get(kind, kind)}"


@dataclass(frozen=True)
class Check:
    rule_id: str
    title: str
    severity: str
    status: str              # CHECKED, PARTLY, NOT_CHECKED or DISABLED
    findings: int | None     # None when not checked (never 0 for a check that did not run)
    why: str                 # "" when checked everywhere; else what it needs, in plain words
    short: str = ""          # the same in a few words ("no PACER account list"), for the terminal


@dataclass
class Coverage:
    checks: list[Check]
    readiness: str = ""      # "" when the readiness share is known, else "needs ..."
    active_filers: str = ""  # "" when the count of active filers is known, else "needs ..."
    kinds: list[str] = field(default_factory=list)   # the kinds of input the run had
    # the filers whose readiness cannot be judged: (kind, file), file "" for every file of the kind; a
    # firm with an active filer among them has an unknown figure too, the other firms keep theirs
    unjudged: list[tuple[str, str]] = field(default_factory=list)

    @property
    def gaps(self) -> list[Check]:
        """The enabled checks that did not run over every audited record."""
        return [c for c in self.checks if c.status in (NOT_CHECKED, PARTLY)]

    @property
    def enabled(self) -> list[Check]:
        return [c for c in self.checks if c.status != DISABLED]

    @property
    def complete(self) -> bool:
        return not self.gaps and not self.readiness and not self.active_filers

    def status_of(self, rule_id: str) -> Check | None:
        return next((c for c in self.checks if c.rule_id == rule_id), None)

    def reasons(self, status: str = NOT_CHECKED, short: bool = True) -> list[tuple[str, int]]:
        """Each reason checks of ``status`` give, with how many give it, most first."""
        count: dict[str, int] = {}
        for c in self.checks:
            if c.status == status:
                for why in (c.short if short else c.why).split("; "):
                    count[why] = count.get(why, 0) + 1
        return sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))

    def headline(self) -> str:
        """One sentence: "all 18 checks ran on every audited row", or how many could not run and why."""
        total = len(self.enabled)
        off = [c for c in self.checks if c.status == NOT_CHECKED]
        part = [c for c in self.checks if c.status == PARTLY]
        if not off and not part:
            return f"all {total} checks ran on every audited row"
        said = []
        if off:
            said.append(f"{len(off)} of {total} checks not run ("
                        + "; ".join(f"{why}: {n}" for why, n in self.reasons(NOT_CHECKED)) + ")")
        if part:
            said.append(f"{len(part)} checked only in part ("
                        + "; ".join(f"{why}: {n}" for why, n in self.reasons(PARTLY)) + ")")
        return "; ".join(said)

    def figure(self, name: str) -> str:
        """ "" when the figure is known, else "unknown: needs ..." (name: readiness or active_filers)."""
        why = getattr(self, name)
        return f"{UNKNOWN}: {why}" if why else ""

    def as_dict(self) -> dict:
        """Plain data for the API, the upload page and the history."""
        return {"complete": self.complete, "headline": self.headline(),
                "checks": [asdict(c) for c in self.checks],
                "not_checked": [c.rule_id for c in self.checks if c.status == NOT_CHECKED],
                "checked_in_part": [c.rule_id for c in self.checks if c.status == PARTLY],
                "readiness": self.figure("readiness") or "known",
                "active_filers": self.figure("active_filers") or "known"}

    def rows(self) -> list[dict]:
        """The findings export's coverage: one row per check, then one per figure."""
        out = [{"item": c.rule_id, "kind": "check", "status": c.status,
                "findings": c.findings, "why": c.why} for c in self.checks]
        for name in ("readiness", "active_filers"):
            why = getattr(self, name)
            out.append({"item": name, "kind": "figure", "status": UNKNOWN if why else "known",
                        "findings": None, "why": why})
        return out


def coverage_of(runs, present: dict[str, dict[str, set[str]]]) -> Coverage:
    """The coverage of a run: ``runs`` its RuleRuns, ``present`` per kind, file -> columns it had."""
    checks = []
    for r in runs:
        why = "; ".join(dict.fromkeys(gap_text(*g) for g in r.gaps))
        short = "; ".join(dict.fromkeys(gap_short(*g) for g in r.gaps))
        if not r.enabled:
            checks.append(Check(r.id, r.title, r.severity, DISABLED, None, r.reason))
        elif not r.ran:
            why = why or r.reason.removeprefix("not run: ")
            checks.append(Check(r.id, r.title, r.severity, NOT_CHECKED, None, why, short or why))
        elif any(g[1] or g[2] for g in r.gaps):
            checks.append(Check(r.id, r.title, r.severity, PARTLY, r.findings, why, short))
        else:
            checks.append(Check(r.id, r.title, r.severity, CHECKED, r.findings, ""))
    filers = [k for k in FILER_KINDS if k in present]
    active, unjudged = [], []
    for name, cols in present.get(COURT_ACCOUNTS, {}).items():
        if "account_status" not in cols:   # every account would count as active, the inactive too
            active.append((COURT_ACCOUNTS, name, "account_status"))
            unjudged.append((COURT_ACCOUNTS, name))
    ready = list(active)
    for r in runs:
        if r.enabled and r.blocks_readiness:
            for kind, name, col in r.gaps:
                if kind in filers and (name or col):
                    ready.append((kind, name, col))
                    unjudged.append((kind, name))
                elif kind == PACER_ACCOUNTS and col and PACER_ACCOUNTS in present:
                    # the PACER list speaks for every filer's account (upgraded or not, whose it is): a
                    # column it lacks leaves every filer's readiness a guess
                    ready.append((kind, name, col))
                    unjudged += [(k, "") for k in filers]
    ready_text = _needs(ready)
    if filers and COURT_ACCOUNTS not in present:
        ready_text = "; ".join(filter(None, [gap_text(COURT_ACCOUNTS, "", "") + " to know who is linked", ready_text]))
        unjudged += [(k, "") for k in filers]
    return Coverage(checks, readiness=ready_text, active_filers=_needs(active), kinds=list(present),
                    unjudged=list(dict.fromkeys(unjudged)))


def _needs(gaps: list[tuple[str, str, str]]) -> str:
    """Missing columns in few words, file by file: "needs an account status and a PACER username column in
    court.csv"."""
    by_file: dict[tuple[str, str], list[str]] = {}
    for kind, name, col in gaps:
        cols = by_file.setdefault((kind, name), [])
        if column_words(col) not in cols:
            cols.append(column_words(col))
    return "; ".join(f"needs {' and '.join(map(_a, cols))} column{'s' if len(cols) > 2 else ''} in "
                     f"{name or 'the ' + KIND_LABELS.get(kind, kind)}" for (kind, name), cols in by_file.items())


def summary_words(result) -> str:
    """What the terminal's summary line adds: "" when every check ran and every figure is known, else
    "; not checked: ...; readiness unknown: needs ..."."""
    cov = result.coverage
    if cov is None or cov.complete:
        return ""
    said = ""
    if cov.gaps:
        said += "; not checked: " + cov.headline()
    if cov.readiness:
        said += f"; readiness {UNKNOWN}: {cov.readiness}"
    elif cov.active_filers:
        said += f"; active filers {UNKNOWN}: {cov.active_filers}"
    return said
