"""A user's own rules file: disable a rule, change a severity, add a rule; broken files refused clearly."""

from __future__ import annotations


import pytest

from conftest import ROOT, run_cli, sheet_rows, write_csv

ROSTER = [["S&J", "New Atty", "Attorney", "NC1", "", "efiling", ""],
          ["S&J", "Old Hand", "Attorney", "NC2", "oh1234", "efiling", ""],
          ["S&J", "Trusty", "Attorney", "NC3", "trusty2020", "efiling", ""]]
HEADER = ["Firm", "Name", "Role", "Bar Number", "PACER Login", "PACER Use", "Left Firm"]


@pytest.fixture
def roster(tmp_path):
    return write_csv(tmp_path / "roster.csv", HEADER, ROSTER)


def audit(tmp_path, roster, *rules_files):
    out = tmp_path / "r.xlsx"
    args = ["audit", "--roster", roster, "--as-of", "2026-11-30", "--out", out]
    for f in rules_files:
        args += ["--rules", f]
    proc = run_cli(*args)
    return proc, out


def test_disable_regrade_and_add(tmp_path, roster):
    rules = tmp_path / "ours.yaml"
    rules.write_text("""
rules:
  - id: attorney-without-pacer-account
    enabled: false
  - id: legacy-username
    severity: low
  - id: attorney-named-trusty
    title: Attorney named Trusty
    severity: info
    applies_to: [roster]
    when: person_name matches "Trust.*" and role == "attorney"
    owner: firm admin
    evidence: "{person_name} uses {pacer_username}."
    remediation: Nothing to do; a test of a firm's own rule.
    source: [https://example.org/our-policy]
    examples:
      fires: [{record: {person_name: Trusty, role: attorney}}]
      passes: [{record: {person_name: Other, role: attorney}}]
""")
    proc, out = audit(tmp_path, roster, rules)
    assert proc.returncode == 0, proc.stderr
    found = sheet_rows(out, "Findings")
    ids = [f["rule_id"] for f in found]
    assert "attorney-without-pacer-account" not in ids
    assert [f["severity"] for f in found if f["rule_id"] == "legacy-username"] == ["low"]
    mine = [f for f in found if f["rule_id"] == "attorney-named-trusty"]
    assert [f["evidence"] for f in mine] == ["Trusty uses trusty2020."]
    rules_sheet = {(r.get("id") or r.get("rule_id")): r for r in sheet_rows(out, "Rules")}
    assert str(rules_sheet["attorney-without-pacer-account"]["enabled"]).lower() in ("no", "false")
    assert "attorney-named-trusty" in rules_sheet


@pytest.mark.parametrize("body, words", [
    ("rules:\n  - id: Bad_Id\n    title: x\n", ["Bad_Id", "kebab-case"]),
    ("rules:\n  - id: legacy-username\n    when: username_length < 3\n", ["legacy-username", "only"]),
    ("rules:\n  - id: no-such-rule\n    enabled: false\n", ["no-such-rule", "no rule"]),
    ("rules:\n  - id: legacy-username\n    severity: urgent\n", ["legacy-username", "urgent"]),
    ("rules: [\n", ["not valid YAML"]),
    ("rules:\n  - {id: x-rule, title: t, severity: low, applies_to: [roster], when: 'nope > 1', owner: filer,"
     " evidence: e, remediation: r, source: [s], examples: {fires: [{record: {}}], passes: [{record: {}}]}}\n",
     ["x-rule", "unknown field 'nope'"]),
    ("rules:\n  - {id: x-rule, title: t, severity: low, applies_to: [roster], when: 'role = 1', owner: filer,"
     " evidence: e, remediation: r, source: [s], examples: {fires: [{record: {}}], passes: [{record: {}}]}}\n",
     ["x-rule", "condition"]),
    ("rules:\n  - {id: x-rule, title: t, severity: low, applies_to: [roster], when: 'role == \"wizard\"',"
     " owner: filer, evidence: e, remediation: r, source: [s],"
     " examples: {fires: [{record: {}}], passes: [{record: {}}]}}\n", ["x-rule", "wizard"]),
    ("rules:\n  - {id: x-rule, title: t, severity: low, applies_to: [roster], when: 'role == \"attorney\"',"
     " owner: filer, evidence: e, remediation: r, source: [s], examples: {fires: [{record: {}}], passes: [{record: {}}]}}\n"
     "  - {id: x-rule, title: t, severity: low, applies_to: [roster], when: 'role == \"attorney\"',"
     " owner: filer, evidence: e, remediation: r, source: [s], examples: {fires: [{record: {}}], passes: [{record: {}}]}}\n",
     ["x-rule", "duplicate"]),
    ("rules:\n  - {id: x-rule, title: t, severity: low, applies_to: [roster], when: 'role == \"attorney\"',"
     " owner: filer, evidence: e, remediation: r, source: [s], frobnicate: 1,"
     " examples: {fires: [{record: {}}], passes: [{record: {}}]}}\n", ["x-rule", "frobnicate"]),
])
def test_broken_rules_file_refused_with_file_rule_and_reason(tmp_path, roster, body, words):
    rules = tmp_path / "broken.yaml"
    rules.write_text(body)
    proc, out = audit(tmp_path, roster, rules)
    assert proc.returncode == 2
    assert "broken.yaml" in proc.stderr
    for w in words:
        assert w in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_rules_are_never_evaluated_as_python(tmp_path, roster):
    rules = tmp_path / "evil.yaml"
    rules.write_text("rules:\n  - {id: evil, title: t, severity: low, applies_to: [roster],"
                     " when: '__import__(\"os\").system(\"touch PWNED\")', owner: filer, evidence: e,"
                     " remediation: r, source: [s], examples: {fires: [{record: {}}], passes: [{record: {}}]}}\n")
    proc, _ = audit(tmp_path, roster, rules)
    assert proc.returncode == 2
    assert not (ROOT / "PWNED").exists() and not (tmp_path / "PWNED").exists()


def test_rules_command_lists_every_rule_with_title_severity_source():
    proc = run_cli("rules")
    assert proc.returncode == 0
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        assert path.stem in proc.stdout
    assert "http" in proc.stdout


def test_rules_command_shows_one_rule_whole():
    proc = run_cli("rules", "shared-filing-account")
    assert proc.returncode == 0
    for part in ("severity: high", "remediation", "examples", "fires", "passes", "https://"):
        assert part in proc.stdout


def test_docs_rules_md_is_current():
    proc = run_cli("rules", "--format", "markdown")
    assert proc.returncode == 0
    current = (ROOT / "docs" / "rules.md").read_text()
    assert proc.stdout == current, "docs/rules.md is stale: run `make docs`"


def test_a_backslash_in_a_pattern_keeps_its_meaning(tmp_path, roster):
    # "\." is a literal dot: the rule must not fire on "trusty2020", where any character
    # would stand in for the dot if the backslash were dropped.
    rules = tmp_path / "ours.yaml"
    rules.write_text(r"""
rules:
  - id: dotted-username
    title: Username with a dot
    severity: info
    applies_to: [roster]
    when: pacer_username matches "trust\.2020" or pacer_username matches "o\w\d+"
    owner: firm admin
    evidence: "{person_name} uses {pacer_username}."
    remediation: Nothing to do; a test of a firm's own rule.
    source: [https://example.org/our-policy]
    examples:
      fires: [{record: {pacer_username: trust.2020}}]
      passes: [{record: {pacer_username: trusty2020}}]
""")
    proc, out = audit(tmp_path, roster, rules)
    assert proc.returncode == 0, proc.stderr
    mine = [f["evidence"] for f in sheet_rows(out, "Findings") if f["rule_id"] == "dotted-username"]
    assert mine == ["Old Hand uses oh1234."]
