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
    fired = bool(rl.evaluate(rule.conditions[kind], frame)[0])
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
    assert not rl.evaluate(rl.parse('filer_role == "attorney"'), frame)[0]
    assert not rl.evaluate(rl.parse('filer_role != "attorney"'), frame)[0]
    assert rl.evaluate(rl.parse('not (filer_role == "attorney")'), frame)[0]
    assert rl.evaluate(rl.parse("pacer_username is null"), frame)[0]
    dated = one_record("court_accounts", {"linked_on": dt.date(2021, 5, 1)})
    assert rl.evaluate(rl.parse("linked_on < 2021-06-01"), dated)[0]
