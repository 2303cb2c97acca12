"""The firms' answers from the portal as the court's report shows them (the columns of the Findings and
Changes sheets come from ``history.firm_answers``): the Summary's lines and the Firms sheet's column."""

from __future__ import annotations

# lines of the Summary's "Compared with the previous report" block: (label, key in AuditResult.previous)
ANSWER_COUNTS = (
    ("Acceptances ending within 30 days", "acceptances_ending"),
    # once the firms were sent links to the portal (auditor invite): what they answered
    ("Firms that answered on the portal", "firms_answered"),
    ("Firms that did not answer", "firms_not_answered"),
    ("Findings with a firm's answer", "answered_findings"),
    ("Firm said fixed, but still found", "firm_fixed_still_found"),
    ("Firm said not its person, or that the person left: for you to judge", "firm_to_judge"),
)
# lines shown only when the figure they need is known (key -> the key that must be there): notices
# sent, links to the portal made
OPTIONAL_COUNTS = {"notices_refused": "notices_refused", "firms_answered": "firms_answered",
                   "firms_not_answered": "firms_answered", "answered_findings": "firms_answered",
                   "firm_fixed_still_found": "firms_answered", "firm_to_judge": "firms_answered"}


def answered_words(progress) -> dict[str, str]:
    """Firm key -> what the firm answered of its findings in the previous run (``answers.FirmProgress``),
    for the Firms sheet: "2 of 3 answered (last 2026-12-07)" or "not answered"."""
    out = {}
    for p in progress:
        if p.answered:
            out[p.firm_key] = f"{p.answered} of {p.findings} answered (last {p.last_answered_at:%Y-%m-%d})"
        else:
            out[p.firm_key] = f"not answered ({p.findings} finding{'s' if p.findings != 1 else ''})"
    return out
