"""Where notify reads a run from: every Findings sheet of a long report, the inputs' contacts, a history run."""

from __future__ import annotations

from auditor.notify.source import read_findings
from auditor.report.workbook import write_report
from tests.report.test_report import finding, findings_frame, make_result


def test_findings_past_the_first_sheet_are_read_from_the_continuation_sheets(tmp_path):
    rows = [finding(i, person_name=f"P{i:02d}") for i in range(7)]
    path = write_report(make_result(findings_frame(rows)), tmp_path / "r.xlsx", max_rows=3)
    people = [f.person for f in read_findings(path)]
    assert people == [f"P{i:02d}" for i in range(7)]
