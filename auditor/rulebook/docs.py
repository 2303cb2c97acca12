"""Rule documentation generated from the rule files: ``auditor rules`` and ``docs/rules.md``."""

from __future__ import annotations

import re

import yaml

from auditor.columns import KIND_LABELS
from auditor.derive.registry import DERIVED
from auditor.rulebook.catalogue import Rule

HEADER = """# Rules

Generated from the rule files under `rules/` by `auditor rules --format markdown`;
do not edit by hand (a test fails when this page is stale).

Conditions use the language described in `auditor/rulebook/language.py`; derived
fields (computed across records before the rules run) are listed at the end.

## The readiness figure

The Summary's readiness figure is the share of active e-filers that no
readiness-blocking finding names. Active e-filers are the active CM/ECF
accounts, and the roster people still at their firm who e-file (or are
attorneys). A rule blocks readiness when its file says `blocks_readiness: true`
(the "not ready" column below); a user's rules file may set it for any rule,
and disabling a blocking rule removes it from the figure, so the figure always
agrees with the findings.

"""


def _when(rule: Rule) -> list[str]:
    texts = set(rule.when.values())
    if len(texts) == 1:
        return [next(iter(texts))]
    return [f"{KIND_LABELS[k]}: {t}" for k, t in rule.when.items()]


def _readiness(r: Rule) -> str:
    return "yes: a filer with this finding is not ready" if r.blocks_readiness else "no"


def catalogue_text(rules: list[Rule]) -> str:
    width = max(len(r.id) for r in rules)
    lines = []
    for r in rules:
        flag = ("" if r.enabled else "  (disabled)") + ("  [blocks readiness]" if r.blocks_readiness else "")
        lines.append(f"{r.id:<{width}}  {r.severity:<6}  {r.title}{flag}")
        lines.append(f"{'':<{width}}          source: {r.source[0]}")
    return "\n".join(lines) + "\n"


def rule_text(r: Rule) -> str:
    out = [f"{r.id}: {r.title}", f"severity: {r.severity}{'' if r.enabled else ' (disabled)'}",
           f"applies to: {', '.join(KIND_LABELS[k] for k in r.applies_to)}", f"owner: {r.owner}",
           f"blocks readiness: {_readiness(r)}"]
    out += ["when: " + w for w in _when(r)]
    if r.needs:
        out.append(f"needs: {', '.join(r.needs)}")
    if r.description:
        out += ["", r.description]
    out += ["", "evidence: " + r.evidence, "", "remediation:", r.remediation, "", "sources:"]
    out += [f"  {s}" for s in r.source]
    out += ["", "examples:", _examples(r)]
    if r.aliases:
        out.append(f"former ids: {', '.join(r.aliases)}")
    out.append(f"rule file: {r.origin}")
    return "\n".join(out)


def _examples(r: Rule) -> str:
    return yaml.safe_dump(r.examples, sort_keys=False, allow_unicode=True, width=100).rstrip()


def rule_markdown(r: Rule) -> str:
    out = [f"## `{r.id}`: {r.title}", "",
           f"- severity: **{r.severity}**", f"- applies to: {', '.join(KIND_LABELS[k] for k in r.applies_to)}",
           f"- owner: {r.owner}", f"- blocks readiness: {_readiness(r)}"]
    out += [f"- when: `{w}`" for w in _when(r)]
    if r.needs:
        out.append(f"- needs: {', '.join(r.needs)}")
    if r.description:
        out += ["", r.description]
    out += ["", f"Evidence: {r.evidence}", "", "Remediation:", "", r.remediation, "", "Sources:", ""]
    out += [f"- {s}" for s in r.source]
    out += ["", "Examples:", "", "```yaml", _examples(r), "```", ""]
    return "\n".join(out)


def _anchor(r: Rule) -> str:
    """The anchor a Markdown viewer (GitHub's rule) gives the rule's heading: lower case, punctuation
    dropped, spaces made hyphens."""
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", f"{r.id}: {r.title}".lower()))


def catalogue_markdown(rules: list[Rule]) -> str:
    out = [HEADER, "| id | severity | title | owner | not ready |", "|---|---|---|---|---|"]
    out += [f"| [`{r.id}`](#{_anchor(r)}) | {r.severity} | {r.title} | {r.owner} | {'yes' if r.blocks_readiness else ''} |"
            for r in rules]
    out.append("")
    out += [rule_markdown(r) for r in rules]
    out += ["## Derived fields", "", "| field | type | records | meaning |", "|---|---|---|---|"]
    out += [f"| `{d.name}` | {d.dtype} | {', '.join(KIND_LABELS[k] for k in d.kinds)} | {d.description} |"
            for d in DERIVED]
    return "\n".join(out) + "\n"
