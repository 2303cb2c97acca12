"""Hostile user rules files are refused when loaded, in one line naming the rule, before any data is read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, sheet_rows

HOSTILE = ROOT / "tests" / "hostile"
AS_OF = "2026-11-30"
EXAMPLES = "examples: {fires: [{record: {filer_name: x}}], passes: [{record: {filer_name: zz}}]}"


def rule(rid: str, when: str, **extra) -> str:
    fields = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return (f"rules:\n  - id: {rid}\n    title: T\n    severity: low\n    applies_to: court_accounts\n"
            f"    when: '{when}'\n    owner: court\n    evidence: x\n    remediation: x\n    source: x\n"
            f"{fields}    {EXAMPLES}\n")


def alias_bomb() -> str:
    lines = ["a0: &a0 [" + ",".join(['"xxxxxxxxxx"'] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\nrules:\n  - id: bomb\n    severity: *a8\n"


CASES = {
    "lookahead": (rule("slow-pattern", r'filer_name matches "(\\w+\\s?)*(?=x)"'),
                  "rule slow-pattern", "cannot be run in linear time"),
    "backreference": (rule("backref", r'filer_name matches "(a+)\\1"'), "rule backref", "linear time"),
    "alias bomb": (alias_bomb(), "line 2", "YAML aliases"),
    "alias in description": ("d: &d long text\nrules:\n  - id: legacy-username\n    description: *d\n",
                             "line 4", "YAML aliases"),
    "deep YAML": ("rules:\n  - id: deep\n    title: " + "[" * 1000 + "]" * 1000 + "\n", "line 3", "levels deep"),
    "deep condition": (rule("deep-cond", "not " * 2000 + 'filer_name == "x"'), "rule deep-cond", "levels deep"),
    "deep parentheses": (rule("deep-par", "(" * 2000 + 'filer_name == "x"' + ")" * 2000), "rule deep-par",
                         "levels deep"),
    "huge condition": (rule("huge", " or ".join(f'filer_name == "n{i}"' for i in range(20_000))), "rule huge",
                       "more than 500 terms"),
    "due in days": ("rules:\n  - id: legacy-username\n    due_in_days: 99999999999\n", "rule legacy-username",
                    "due_in_days must be a whole number of days from 0 to 3,650"),
    "due in days (new rule)": (rule("far-due", 'filer_name == "x"', due_in_days=99999999999), "rule far-due",
                               "due_in_days"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_rules_file_is_refused_at_load_time(tmp_path, name):
    text, where, words = CASES[name]
    rules = tmp_path / "mine.yaml"
    rules.write_text(text)
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", HOSTILE / "crlf.csv", "--rules", rules, "--as-of", AS_OF,
                   "--out", out)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.count("\n") == 1 and len(proc.stderr) < 400, proc.stderr[:500]
    assert proc.stderr.startswith("auditor: mine.yaml") and where in proc.stderr and words in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_a_pattern_that_backtracks_in_python_runs_in_linear_time(tmp_path):
    """``(\\w+\\s?)*`` took 35 s on a 30-character name under a backtracking engine; RE2 runs it at once."""
    rules = tmp_path / "mine.yaml"
    rules.write_text(rule("wordy-name", r'filer_name matches "(\\w+\\s?)*"'))
    data = tmp_path / "court.csv"
    data.write_text("Court,CM/ECF Login,Filer Name,Filer Type,Bar Number,PACER Login\n"
                    'ncmb,a1,"' + "a" * 30 + '!",Attorney,NC1,pa1\n'
                    "ncmb,a2,Jane Roe Smith,Attorney,NC2,pa2\n")
    out = tmp_path / "r.xlsx"
    proc = subprocess.run([str(Path(sys.executable).with_name("auditor")), "audit", "--court-accounts", str(data),
                           "--rules", str(rules), "--as-of", AS_OF, "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    hits = [r["person_name"] for r in sheet_rows(out, "Findings") if r["rule_id"] == "wordy-name"]
    assert hits == ["Jane Roe Smith"]


LIMIT_CASES = {
    # option, condition just over the default, a value that lets it through, the refusal's words
    "--max-condition-terms": (" or ".join(f'filer_name == "n{i}"' for i in range(600)) + ' or filer_name == "x"',
                              "700", "more than 500 terms"),
    "--max-list-values": ("filer_name in [" + ", ".join(f'"n{i}"' for i in range(12_000)) + ', "x"]', "20000",
                          "more than 10,000 values"),
    "--max-condition-depth": ("(" * 100 + 'filer_name == "x"' + ")" * 100, "100", "more than 50 levels deep"),
}


@pytest.mark.parametrize("option", list(LIMIT_CASES))
def test_each_condition_limit_is_an_option_with_a_default(tmp_path, option):
    """Refused at the default, in one line naming the option; audited when the option allows it."""
    when, allowed, words = LIMIT_CASES[option]
    rules = tmp_path / "mine.yaml"
    rules.write_text(rule("big-rule", when))
    data = tmp_path / "court.csv"
    data.write_text("Court,CM/ECF Login,Filer Name,Filer Type,Bar Number,PACER Login\n"
                    "ncmb,a1,x,Attorney,NC1,pa100001\nncmb,a2,Jane Roe,Attorney,NC2,pa100002\n")
    out = tmp_path / "r.xlsx"
    refused = run_cli("audit", "--court-accounts", data, "--rules", rules, "--as-of", AS_OF, "--out", out)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr[:500]
    assert words in refused.stderr and option in refused.stderr and not out.exists(), refused.stderr[:500]
    ran = run_cli("audit", "--court-accounts", data, "--rules", rules, "--as-of", AS_OF, "--out", out,
                  option, allowed, "--no-history")
    assert ran.returncode == 0, ran.stderr[-800:]
    hits = [r["person_name"] for r in sheet_rows(out, "Findings") if r["rule_id"] == "big-rule"]
    assert hits == ["x"]
    listed = run_cli("rules", "big-rule", "--rules", rules, option, allowed)
    assert listed.returncode == 0 and "big-rule" in listed.stdout, listed.stderr[-500:]
