"""The rule catalogue: rule files under ``rules/`` (one YAML file per rule) and users' own rules files.

A rule file holds::

    id: legacy-username                # kebab-case, stable forever
    title: ...                         # what is wrong, in a few words
    severity: high                     # high | medium | low | info
    applies_to: [court_accounts, roster]
    when: username_length < 8 and ...  # the condition language of auditor.rulebook.language; or a
                                       # mapping kind -> condition when kinds need different ones
    owner: filer                       # filer | firm admin | court
    evidence: "PACER username {pacer_username} ..."   # {field} placeholders; {?field:text|other text}
                                       # says text when the field has a value, other text when not;
                                       # {?field,field2=no:text|other text} when either field shows "no"
    remediation: |                     # the owner's steps, in plain words
      1. ...
    source: [https://...]              # the public documents the rule comes from
    needs: [pacer_accounts]            # optional: inputs without which the rule cannot be checked
    due_in_days: 30                    # optional (default by severity)
    aliases: [old-id]                  # optional: former ids
    examples:
      fires:  [{kind: court_accounts, record: {...}, evidence: "the evidence it gives"}]
      passes: [{record: {...}}]

A user's rules file (``--rules FILE``) has ``rules:``, a list whose entries
either change a shipped rule (``id`` plus any of ``enabled``, ``severity``,
``due_in_days``) or add a new rule with every field above.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NoReturn

import yaml

from auditor.rulebook import language as rl
from auditor.court_calendar import SHIPPED
from auditor.columns import COLUMNS, KINDS
from auditor.derive.registry import DERIVED
from auditor.errors import RulesError
from auditor.model import SEVERITIES

OWNERS = ("filer", "firm admin", "court")
DEFAULT_DUE_DAYS = {"high": 14, "medium": 30, "low": 60, "info": None}
RULE_KEYS = {"id", "title", "severity", "applies_to", "when", "owner", "evidence", "remediation", "source",
             "needs", "due_in_days", "aliases", "examples", "enabled", "description", "blocks_readiness"}
REQUIRED_KEYS = ("id", "title", "severity", "applies_to", "when", "owner", "evidence", "remediation", "source",
                 "examples")
OVERRIDE_KEYS = {"id", "enabled", "severity", "due_in_days", "blocks_readiness"}
MAX_DUE_DAYS = 3650            # ten years
MAX_YAML_DEPTH = 30
MAX_RULES_FILE_BYTES = 1 << 20
ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# {?a,b=value:then|else}: "then" where field a or b shows value ("yes", "no", a category...), "else" where
# not; {?a:then|else}: "then" where a has a value.  "then" and "else" may hold {field} placeholders.
_BRANCH = r"(?:[^{}|]|\{[A-Za-z_][A-Za-z0-9_]*\})*"
CHOICE = re.compile(r"\{\?([A-Za-z_][A-Za-z0-9_]*(?:,[A-Za-z_][A-Za-z0-9_]*)*)(?:=([^:{}|]+))?:"
                    rf"({_BRANCH})\|({_BRANCH})\}}")


def template_fields(template: str) -> list[str]:
    """Every field an evidence template reads, in order of first use."""
    names: list[str] = []
    for m in CHOICE.finditer(template):
        names += m.group(1).split(",")
    names += PLACEHOLDER.findall(template)
    return list(dict.fromkeys(names))


def fields_for(kind: str) -> dict[str, rl.Field]:
    """Every field a condition on records of ``kind`` may name: input columns, then derived fields."""
    out = {c.name: rl.Field(c.name, c.dtype, tuple(c.categories), c.description) for c in COLUMNS[kind]}
    for d in DERIVED:
        if kind in d.kinds:
            out[d.name] = rl.Field(d.name, d.dtype, (), d.description)
    return out


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    applies_to: tuple[str, ...]
    when: dict[str, str]      # kind -> condition text
    owner: str
    evidence: str
    remediation: str
    source: tuple[str, ...]
    examples: dict
    needs: tuple[str, ...] = ()
    due_in_days: int | None = None
    aliases: tuple[str, ...] = ()
    description: str = ""
    enabled: bool = True
    blocks_readiness: bool = False  # a filer with this finding is not ready for NextGen (the readiness figure)
    origin: str = ""          # file the rule came from
    changed_by: str = ""      # user file that changed it, if any
    conditions: dict = field(default_factory=dict, repr=False)  # kind -> parsed condition

    @property
    def due_days(self) -> int | None:
        return self.due_in_days if self.due_in_days is not None else DEFAULT_DUE_DAYS[self.severity]


def _fail(path: Path, msg: str, rule_id: str | None = None) -> NoReturn:
    if rule_id is not None and len(str(rule_id)) > 80:
        rule_id = str(rule_id)[:80] + "…"
    raise RulesError(path.name, msg, rule_id=rule_id)


def _check_due(due, path: Path, rid: str) -> None:
    if due is not None and (not isinstance(due, int) or isinstance(due, bool) or not 0 <= due <= MAX_DUE_DAYS):
        _fail(path, f"due_in_days must be a whole number of days from 0 to {MAX_DUE_DAYS:,}", rid)


def _as_list(value, what: str, path: Path, rid: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        _fail(path, f"{what} must be a list of text", rid)
    return tuple(v.strip() for v in value)


def _flag(data: dict, key: str, default: bool, path: Path, rid: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        _fail(path, f"{key} must be true or false", rid)
    return value


def _due_days(data: dict, default: int | None, path: Path, rid: str) -> int | None:
    due = data.get("due_in_days", default)
    _check_due(due, path, rid)
    return due


def build_rule(data: dict, path: Path, limits: rl.ConditionLimits | None = None) -> Rule:
    """Check one rule's fields and condition; raise RulesError naming the file, rule and reason."""
    if not isinstance(data, dict):
        _fail(path, "a rule must be a mapping of fields")
    rid = data.get("id")
    if not isinstance(rid, str) or not ID_RE.match(rid):
        _fail(path, f"rule id {rl.short(rid)} must be kebab-case (lower-case words joined by '-')")
    unknown = set(data) - RULE_KEYS
    if unknown:
        _fail(path, f"unknown field(s): {', '.join(sorted(unknown))}", rid)
    missing = [k for k in REQUIRED_KEYS if k not in data or data[k] in (None, "", [])]
    if missing:
        _fail(path, f"missing field(s): {', '.join(missing)}", rid)
    for key in ("title", "evidence", "remediation"):
        if not isinstance(data[key], str):
            _fail(path, f"{key} must be text", rid)
    if data["severity"] not in SEVERITIES:
        _fail(path, f"severity {rl.short(data['severity'])} is not one of {', '.join(SEVERITIES)}", rid)
    if data["owner"] not in OWNERS:
        _fail(path, f"owner {rl.short(data['owner'])} is not one of {', '.join(OWNERS)}", rid)
    applies = _as_list(data["applies_to"], "applies_to", path, rid)
    for kind in applies:
        if kind not in KINDS:
            _fail(path, f"applies_to {rl.short(kind)} is not one of {', '.join(KINDS)}", rid)
    needs = _as_list(data.get("needs", []), "needs", path, rid)
    for need in needs:
        kind, _, col = need.partition(".")
        if kind not in KINDS or (col and col not in {c.name for c in COLUMNS[kind]}):
            _fail(path, f"needs {rl.short(need)}: expected an input kind ({', '.join(KINDS)}), optionally .column", rid)
    due = _due_days(data, None, path, rid)
    enabled = _flag(data, "enabled", True, path, rid)
    blocks = _flag(data, "blocks_readiness", False, path, rid)
    when = data["when"]
    if isinstance(when, str):
        when = dict.fromkeys(applies, when)
    elif not isinstance(when, dict) or set(when) != set(applies) or not all(
            isinstance(v, str) for v in when.values()):
        _fail(path, "when must be one condition, or a mapping from each kind in applies_to to its condition", rid)
    conditions = {}
    for kind in applies:
        try:
            conditions[kind] = rl.parse(when[kind], limits)
            rl.check(conditions[kind], fields_for(kind))
        except rl.ConditionError as exc:
            _fail(path, f"condition for {kind}: {exc}", rid)
    if "{?" in CHOICE.sub("", data["evidence"]):
        _fail(path, "evidence has a {?field:text|other text} choice written wrongly", rid)
    chosen = {f for m in CHOICE.finditer(data["evidence"]) for f in m.group(1).split(",")}
    for name in template_fields(data["evidence"]):
        # a choice may test a field some kinds lack (there it never holds); a placeholder needs it everywhere
        if not (any if name in chosen and name not in PLACEHOLDER.findall(data["evidence"]) else all)(
                name in fields_for(kind) for kind in applies):
            _fail(path, f"evidence names unknown field {{{name}}}", rid)
    rule = Rule(id=rid, title=data["title"].strip(), severity=data["severity"], applies_to=applies,
                when={k: " ".join(v.split()) for k, v in when.items()}, owner=data["owner"], evidence=data["evidence"].strip(),
                remediation=data["remediation"].strip(), source=_as_list(data["source"], "source", path, rid),
                examples=data["examples"], needs=needs, due_in_days=due,
                aliases=_as_list(data.get("aliases", []), "aliases", path, rid),
                description=str(data.get("description", "")).strip(), enabled=enabled, blocks_readiness=blocks,
                origin=path.name,
                conditions=conditions)
    _check_examples(rule, path)
    return rule


def _check_examples(rule: Rule, path: Path) -> None:
    ex = rule.examples
    if not isinstance(ex, dict) or set(ex) - {"fires", "passes"} or not ex.get("fires") or not ex.get("passes"):
        _fail(path, "examples needs a non-empty 'fires' list and a non-empty 'passes' list", rule.id)
    for group in ("fires", "passes"):
        for i, item in enumerate(ex[group], 1):
            allowed = {"kind", "record", "note"} | ({"evidence"} if group == "fires" else set())
            if not isinstance(item, dict) or set(item) - allowed or not isinstance(item.get("record"), dict):
                _fail(path, f"examples.{group}[{i}] must have a 'record' mapping (and optional kind, note"
                            + (", evidence)" if group == "fires" else ")"), rule.id)
            kind = item.get("kind", rule.applies_to[0])
            if kind not in rule.applies_to:
                _fail(path, f"examples.{group}[{i}]: kind {rl.short(kind)} is not in applies_to", rule.id)
            unknown = set(item["record"]) - set(fields_for(kind))
            if unknown:
                _fail(path, f"examples.{group}[{i}]: unknown field(s) {', '.join(sorted(unknown))}", rule.id)


def _check_structure(text: str, path: Path, loader=yaml.SafeLoader) -> None:
    """Refuse YAML aliases (a few hundred bytes of them expand to gigabytes) and deep nesting,
    from the parser's events, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            _fail(path, f"line {line}: YAML aliases (*{str(event.anchor)[:40]}) are not allowed in a rules "
                        "file; write the value out")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                _fail(path, f"line {line}: nested more than {MAX_YAML_DEPTH} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


# The shipped rules are read with libyaml's parser when PyYAML has it (a sixth of the time: 0.09 s of
# CPU in every run otherwise); the same Python constructors build the same values.  A user's rules
# file keeps the pure-Python parser, whose messages name the line and the problem.
_SHIPPED_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, loader=yaml.SafeLoader):
    try:
        if path.stat().st_size > MAX_RULES_FILE_BYTES:
            raise RulesError(path.name, f"is larger than {MAX_RULES_FILE_BYTES >> 20} MB; a rules file is small text")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(path.name, f"cannot read: {exc.__class__.__name__}") from None
    try:
        _check_structure(text, path, loader)
        return yaml.load(text, Loader=loader)   # a safe loader: pure Python or libyaml
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise RulesError(path.name, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None


def load_catalogue(directory=SHIPPED) -> list[Rule]:
    """The shipped rules, one file each, sorted by id (``directory``: a folder or an importlib resource)."""
    rules: dict[str, Rule] = {}
    for path in sorted((p for p in directory.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name):
        rule = build_rule(_read_yaml(path, _SHIPPED_LOADER), path)
        if path.name.removesuffix(".yaml") != rule.id:
            _fail(path, f"the file of rule {rule.id} must be named {rule.id}.yaml", rule.id)
        _add(rules, rule, path)
    return sorted(rules.values(), key=lambda r: r.id)


def _add(rules: dict[str, Rule], rule: Rule, path: Path) -> None:
    taken = {a: r.id for r in rules.values() for a in (r.id, *r.aliases)}
    for name in (rule.id, *rule.aliases):
        if name in taken:
            _fail(path, f"duplicate rule id {rl.short(name)} (already used by rule {taken[name]})", rule.id)
    rules[rule.id] = rule


def apply_user_file(rules: list[Rule], path: Path, limits: rl.ConditionLimits | None = None) -> list[Rule]:
    """Apply one user rules file: disable, re-grade or add rules whose conditions keep within ``limits``."""
    path = Path(path)
    if not path.is_file():
        raise RulesError(path.name, "rules file not found")
    data = _read_yaml(path)
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        _fail(path, "a rules file is a mapping with one key, 'rules', holding a list of rules or changes")
    by_id = {r.id: r for r in rules}
    alias = {a: r.id for r in rules for a in r.aliases}
    seen: set[str] = set()
    for entry in data["rules"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            _fail(path, "every entry needs an id")
        rid = str(alias.get(entry["id"], entry["id"]))   # an id is text (checked above)
        if rid in seen:
            _fail(path, f"duplicate rule id {rl.short(rid)} in this file", rid)
        seen.add(rid)
        if rid in by_id and set(entry) <= OVERRIDE_KEYS:
            base = by_id[rid]
            if "severity" in entry and entry["severity"] not in SEVERITIES:
                _fail(path, f"severity {rl.short(entry['severity'])} is not one of {', '.join(SEVERITIES)}", rid)
            by_id[rid] = replace(base, severity=entry.get("severity", base.severity),
                                 enabled=_flag(entry, "enabled", base.enabled, path, rid),
                                 blocks_readiness=_flag(entry, "blocks_readiness", base.blocks_readiness, path, rid),
                                 due_in_days=_due_days(entry, base.due_in_days, path, rid), changed_by=path.name)
        elif rid in by_id:
            extra = sorted(set(entry) - OVERRIDE_KEYS)
            _fail(path, f"rule {rid} is shipped with the product: a rules file may change only "
                        f"enabled, severity, due_in_days and blocks_readiness (found {', '.join(extra)}); "
                        "to change its condition, disable it and add a rule with a new id", rid)
        elif set(entry) <= OVERRIDE_KEYS:
            _fail(path, f"no rule {rl.short(rid)} to change (known rules: see 'auditor rules')", rid)
        else:
            new = build_rule(entry, path, limits)
            _add(by_id, new, path)
    return sorted(by_id.values(), key=lambda r: r.id)


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[Rule, ...]:
    """The shipped catalogue, read and checked once a process (a server or the tests audit many times)."""
    return tuple(load_catalogue())


def load_rules(user_files: list | tuple = (), limits: rl.ConditionLimits | None = None) -> list[Rule]:
    """The shipped rules with the user's rules files applied in turn; each call gets rules of its own
    (copies of the shipped ones, read once a process)."""
    rules = [replace(r) for r in _shipped()]
    for path in user_files:
        rules = apply_user_file(rules, Path(path), limits)
    return rules
