"""Every rule's examples are its tests: each 'fires' record fires, each 'passes' record does not.

The record is the rule's view of one record (input columns and derived
fields); fields it does not name are blank.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from auditor.errors import RulesError
from auditor.rulebook import language as rl
from auditor.engines.pandas_engine import evaluate_condition
from auditor.rulebook.catalogue import fields_for, load_catalogue
from conftest import ROOT

RULES = load_catalogue()
DTYPES = {rl.TEXT: "string[pyarrow]", rl.CATEGORY: "string[pyarrow]", rl.DATE: "datetime64[ns]",
          rl.BOOL: "boolean", rl.INT: "Int64"}


def one_record(kind: str, values: dict) -> pd.DataFrame:
    data = {}
    for name, f in fields_for(kind).items():
        value = values.get(name, pd.NA)
        if f.dtype == rl.DATE and value is not pd.NA:
            value = pd.Timestamp(value)
        data[name] = pd.Series([value], dtype=DTYPES[f.dtype])
    return pd.DataFrame(data)


def cases():
    for rule in RULES:
        for group in ("fires", "passes"):
            for i, ex in enumerate(rule.examples[group], 1):
                yield pytest.param(rule, ex, group == "fires", id=f"{rule.id}-{group}-{i}")


@pytest.mark.parametrize("rule, example, should_fire", list(cases()))
def test_example(rule, example, should_fire):
    kind = example.get("kind", rule.applies_to[0])
    frame = one_record(kind, example["record"])
    fired = bool(evaluate_condition(rule.conditions[kind], frame)[0])
    assert fired is should_fire, example.get("note", example["record"])


def test_a_rule_file_without_examples_of_both_outcomes_is_refused(tmp_path):
    text = (ROOT / "rules" / "legacy-username.yaml").read_text()
    fires_only = text[:text.index("  passes:")]
    (tmp_path / "legacy-username.yaml").write_text(fires_only)
    with pytest.raises(RulesError, match="non-empty 'fires' list and a non-empty 'passes' list"):
        load_catalogue(tmp_path)


def test_a_rule_file_not_named_after_its_id_is_refused(tmp_path):
    (tmp_path / "old-name.yaml").write_text((ROOT / "rules" / "legacy-username.yaml").read_text())
    with pytest.raises(RulesError, match="must be named legacy-username.yaml"):
        load_catalogue(tmp_path)


def test_contract_rule_ids_are_shipped():
    ids = {r.id for r in RULES}
    contract = {"shared-filing-account", "shared-research-account", "legacy-username", "unlinked-filing-account",
                "prepare-for-nextgen", "paa-used-as-login", "paa-not-upgraded", "departed-still-linked",
                "attorney-without-pacer-account", "duplicate-filing-accounts", "holder-name-mismatch",
                "login-has-special-characters", "mfa-not-enrolled", "duplicate-pacer-accounts"}
    assert contract <= ids


def test_every_shipped_rule_cites_a_public_source():
    for rule in RULES:
        assert all(s.startswith(("https://", "http://")) for s in rule.source), rule.id


def test_rule_language_null_semantics():
    frame = one_record("court_accounts", {})
    assert not evaluate_condition(rl.parse('filer_role == "attorney"'), frame)[0]
    assert not evaluate_condition(rl.parse('filer_role != "attorney"'), frame)[0]
    assert evaluate_condition(rl.parse('not (filer_role == "attorney")'), frame)[0]
    assert evaluate_condition(rl.parse("pacer_username is null"), frame)[0]
    dated = one_record("court_accounts", {"linked_on": dt.date(2021, 5, 1)})
    assert evaluate_condition(rl.parse("linked_on < 2021-06-01"), dated)[0]


def fired_cases():
    for rule in RULES:
        for i, ex in enumerate(rule.examples["fires"], 1):
            yield pytest.param(rule, ex, id=f"{rule.id}-fires-{i}")


@pytest.mark.parametrize("rule, example", list(fired_cases()))
def test_evidence_of_the_case_that_fires(rule, example):
    """The evidence a firing record gets reads as the example says, and never says "(unknown)" or
    "(blank)": a template with a field that may be missing says so in words ({?field:...|...})."""
    from auditor.engines.evaluate import render

    kind = example.get("kind", rule.applies_to[0])
    text = render(rule.evidence, one_record(kind, example["record"]))[0]
    assert "evidence" in example, f"{rule.id}: give the evidence this example gets"
    assert text == " ".join(example["evidence"].split())
    assert "(unknown)" not in text and "(blank)" not in text and "{" not in text


def test_legacy_evidence_names_the_fact_that_decides():
    """An 11-character username is legacy because the PACER list says so, not because of its length."""
    rule = next(r for r in RULES if r.id == "legacy-username")
    from auditor.engines.evaluate import render

    long = render(rule.evidence, one_record("roster", {"pacer_username": "janeroe2001", "username_length": 11,
                                                       "is_efiling_use": True, "pacer_upgraded": False}))[0]
    assert "PACER account list says it is not upgraded" in long and "at least 8 characters" not in long
    short = render(rule.evidence, one_record("court_accounts", {"pacer_username": "jd4821", "username_length": 6,
                                                                "is_efiling_use": True}))[0]
    assert "at least 8 characters" in short and "list says" not in short
