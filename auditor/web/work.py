"""What a worker process does for the page: look at uploaded files, and audit them.

Everything goes through the Python API (``auditor.api.run``) and the loader, as
the command line does; this module only turns results into plain data the
page can show (and pickle back from the worker).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from auditor import columns as C
from auditor.api import run
from auditor.errors import AuditorError, InputError
from auditor.load.table import Limits, read_table
from auditor.model import SEVERITIES, AuditResult
from auditor.report.format import READY_MEANING
from auditor.report.summary import summary_data
from auditor.report.prepare import sort_findings
from auditor.validate.table import compose_name
from auditor.web.labels import TYPED, field_label

PREVIEW_ROWS = 5
SHOWN_FINDINGS = 50
SHOWN_ISSUES = 50
FINDING_FIELDS = ("severity", "title", "person_name", "cmecf_login", "pacer_username", "evidence",
                  "remediation", "source")
ISSUE_FIELDS = ("file", "sheet", "row", "column", "value", "reason", "code", "severity")


# What an audit and its report import on first use, beyond this module's own imports
WARM_MODULES = ("auditor.api.memory", "auditor.history.previous", "auditor.history.record", "auditor.history.where", "auditor.load.detect",
                "auditor.load.table", "auditor.validate.both_cores", "auditor.validate.table", "auditor.validate.pandera_setup",
                "auditor.outputs.staging", "auditor.report.export", "auditor.report.firms", "auditor.report.prepare",
                "auditor.report.workbook",
                "openpyxl.packaging.extended")


def warm() -> None:
    """Read the rules and the calendar (kept for the process) and import what an audit and its report
    import on first use, so that a worker's first upload does not pay for it (0.4 s of CPU)."""
    import importlib

    from auditor.court_calendar import Calendar
    from auditor.rulebook.catalogue import load_rules

    load_rules()
    Calendar.load()
    for name in WARM_MODULES:
        importlib.import_module(name)


def _text(v) -> str:
    return "" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else str(v)


def _message(exc: AuditorError, files: list[dict]) -> str:
    """The error in plain words, naming the file as the user named it."""
    text = str(exc)
    if isinstance(exc, InputError):
        for f in files:
            if exc.file == Path(f["path"]).name:
                return f["name"] + text[len(exc.file):]
    return text


def inspect(files: list[dict], kind: str = C.ROSTER, limits: Limits | None = None,
            typed: dict | None = None) -> dict:
    """For each file (of its own ``kind``, else ``kind``): how its headers were matched to the fields,
    what is missing, the first rows.  ``typed``: field -> the value typed on the page for files that
    have no such column (the firm's name, the court id); such a field is not missing."""
    typed = typed or {}
    out = []
    for f in files:
        kind = f.get("kind") or kind
        try:
            raw = read_table(f["path"], kind, limits=limits or Limits())
        except InputError as exc:
            return {"error": _message(exc, files)}
        compose_name(raw)
        fields = []
        for col in C.columns(kind):
            fields.append({"name": col.name, "label": field_label(col.name), "required": col.required,
                           "description": col.description, "header": raw.headers.get(col.name, ""),
                           "typed": TYPED[col.name][0] if col.name in TYPED and col.option else ""})
        missing = [x["label"] for x in fields if x["required"] and not x["header"] and not typed.get(x["name"])]
        shown = [c for c in raw.frame.columns if c in raw.headers or c in raw.unknown_columns]
        titles = [raw.headers.get(c, c) for c in shown]
        head = raw.frame.head(PREVIEW_ROWS)
        rows = [[_text(v) for v in r] for r in head[shown].itertuples(index=False, name=None)]
        out.append({"name": f["name"], "kind": kind, "headers": list(raw.all_headers), "fields": fields, "missing": missing,
                    "unknown": list(raw.unknown_columns), "preview_headers": titles, "preview": rows,
                    "rows": len(raw.frame),
                    "ambiguous": [{"header": h, "fields": list(c)} for h, c in raw.ambiguous]})
    return {"files": out}


def audit(files: list[dict], kind: str, as_of: str | None, header_maps: dict, report: str,
          auto: bool = False, limits: Limits | None = None, firm: str | None = None, court: str | None = None,
          paa: tuple[str, ...] = (), history: str | None = None) -> dict:
    """Audit and write the report (``auditor.api.run``, as the command line does), recorded into the
    run ``history`` when one is given; with ``auto``, a confirm step is needed when a file cannot be
    read or lacks a required column (``{"mapping": ...}`` then, what :func:`inspect` sees, and no
    audit).  Files of several kinds are audited together; ``firm`` and ``court`` stand in for a
    missing Firm or Court column, ``paa`` are the firm's PAA usernames.

    With ``auto`` the audit is tried first and the files are looked at only when it fails: an audit
    fails on any file the confirm step is for (read as the audit reads it, the same columns
    required), so the answer is the same, and a file that needs no confirming is read once instead
    of twice (0.1 s of CPU for 50,000 rows)."""
    try:
        result = _run(files, kind, as_of, header_maps, report, limits, firm, court, paa, history)
    except AuditorError as exc:
        if auto:
            seen = inspect(files, kind, limits, {"firm_name": firm, "court_id": court})
            if "error" in seen or any(f["missing"] for f in seen["files"]):
                return {"mapping": seen}
        return {"error": _message(exc, files)}
    return {"result": view(result)}


def _run(files, kind, as_of, header_maps, report, limits, firm, court, paa, history) -> AuditResult:
    by_kind: dict[str, list[str]] = {}
    for f in files:
        by_kind.setdefault(f.get("kind") or kind, []).append(f["path"])
    return run(court_accounts=by_kind.get(C.COURT_ACCOUNTS, []), roster=by_kind.get(C.ROSTER, []),
               pacer_accounts=by_kind.get(C.PACER_ACCOUNTS, []), header_maps=header_maps, limits=limits,
               firm=firm or None, court=court or None, court_option="the court id", paa=paa,
               names={f["path"]: f["name"] for f in files}, out=report, history=history,
               as_of=dt.date.fromisoformat(as_of) if as_of else None).result


def audit_roster(**kwargs) -> dict:
    """A firm's roster from its portal page, with the court's data (``auditor.portal.roster``)."""
    from auditor.portal.roster import audit_roster as audit_firm_roster

    return audit_firm_roster(**kwargs)


def view(result) -> dict:
    """The result page's figures, from the same summary the workbook's Summary sheet uses."""
    findings, issues = result.findings, result.data_issues
    s = summary_data(result, findings, issues, list(result.inputs), None)
    first = sort_findings(findings).head(SHOWN_FINDINGS)
    share = (s.readiness or {}).get("share")
    return {
        "as_of": result.as_of.isoformat(),
        "inputs": [{"name": r[0], "kind": r[1], "sheet": r[2], "read": r[3], "audited": r[4], "rejected": r[5],
                    "blank": r[6], "balanced": r[7], "status": r[8], "note": r[9]} for r in s.inputs],
        "totals": {"read": s.totals[0], "audited": s.totals[1], "rejected": s.totals[2], "blank": s.totals[3]},
        "balanced": s.balanced,
        "by_severity": [(k, n) for k, n in s.by_severity if k in SEVERITIES],
        # the rules that found something, then those that could not run ("not checked", never 0)
        "by_rule": [{"id": r[0], "title": r[1], "severity": r[2], "count": r[3], "gap": r[4]}
                    for r in s.by_rule if r[3] is None or r[3]],
        "coverage": _coverage_view(s.coverage),
        "total_findings": s.total_findings,
        "readiness": {"unknown": (s.readiness or {}).get("unknown") or "",
                      "active_unknown": (s.readiness or {}).get("active_unknown") or "",
                      "active": (s.readiness or {}).get("active_filers", 0),
                      "ready": (s.readiness or {}).get("ready_filers", 0),
                      "percent": None if share is None else round(100 * share, 1)},
        "ready_meaning": READY_MEANING,
        "findings": [{k: _text(r.get(k)) for k in FINDING_FIELDS} for r in first.to_dict("records")],
        "issues": [{k: _text(r.get(k)) for k in ISSUE_FIELDS} for r in issues.head(SHOWN_ISSUES).to_dict("records")],
        "issue_count": len(issues),
    }


def _coverage_view(cov) -> dict:
    """What the result page says of the checks: all ran, or how many could not and why."""
    if cov is None:
        return {"complete": True, "headline": "", "gaps": []}
    return {"complete": not cov.gaps, "headline": cov.headline(),
            "gaps": [{"id": c.rule_id, "title": c.title, "status": c.status, "why": c.why} for c in cov.gaps]}
