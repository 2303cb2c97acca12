"""A firm's roster, uploaded from its portal page, audited against the court's own data.

The court's export and PACER list are those of the run the firm's link belongs to: the history keeps
where each was read, the columns it was read with and its SHA-256 (``run_inputs``).  A file that is
gone or no longer has that digest (the clerk moved or overwrote it) is not used: the firm is told so in
one sentence, and the checks that need it are "not checked", never an all-clear.  Nothing is recorded:
the firm's roster is the firm's view, not a court run.

What the firm sees is its own findings only, as its court workbook shows them (``FirmWriter``: other
firms' people named "(a person outside this firm)"), and, because a roster may name anyone:

- every firm name of the roster is the session's (the file's Firm column is never read as a firm);
- a finding about a person or account the court's records hold only at other firms is held back (a
  roster naming another firm's filer learns nothing of them); only a shared PACER account is shown, with
  the other firm's people taken out of its evidence;
- the other firms' names, logins, e-mails and bar ids are taken out of every evidence text shown.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from auditor.api import audit_tables, load_input, rename_input
from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER
from auditor.errors import AuditorError, InputError
from auditor.history import schema as S
from auditor.normalize import email_key, firm_key, fold, name_keys, username_key

# a finding on an account used at several firms is the firm's to see (the others' people taken out)
SHARED_RULES = frozenset({"shared-filing-account", "possibly-shared-filing-account", "filer-account-shared-with-staff",
                          "shared-research-account"})
COURT_KINDS = (COURT_ACCOUNTS, PACER_ACCOUNTS)
WHAT = {COURT_ACCOUNTS: "CM/ECF filer export", PACER_ACCOUNTS: "PACER account list"}


@dataclass(frozen=True)
class CourtFile:
    """One input of the court's run, as recorded: where it was read and what it held then."""

    kind: str
    name: str
    path: str
    sha256: str
    headers: dict     # column -> the header it was read from


def court_files(conn, run_id: int) -> list[CourtFile]:
    """The court export(s) and PACER list(s) the run audited, in the order it read them."""
    ri = S.run_inputs
    rows = conn.execute(select(ri.c.kind, ri.c.name, ri.c.path, ri.c.sha256, ri.c.headers)
                        .where(ri.c.run_id == run_id, ri.c.kind.in_(COURT_KINDS), ri.c.status == "audited")
                        .order_by(ri.c.position)).all()
    return [CourtFile(r.kind, r.name, r.path or "", r.sha256 or "", _headers(r.headers)) for r in rows]


def _headers(text: str | None) -> dict:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _court_table(f: CourtFile, court: str | None, known):
    """The court's file loaded as the run read it, or None when it is gone or is not that file any more
    (the digest is of the bytes read, so a file changed between a check and the read is caught too)."""
    if not f.path or not f.sha256:
        return None
    try:
        t = load_input(Path(f.path), f.kind, court=court, known_courts=known,
                       header_map={h: c for c, h in f.headers.items()} or None)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a file changed since may fail to read in any way: it is not used
        return None
    if t.sha256 != f.sha256:
        return None
    rename_input(t, f.name)
    return t


def missing_sentence(missing: list[str], used: list[str], as_of: dt.date) -> str:
    """The one sentence a firm reads when some of the court's files could not be used."""
    if not missing:
        return ""
    gone = " and ".join(dict.fromkeys(WHAT[k] for k in missing))
    how = ("against the court's " + " and ".join(dict.fromkeys(WHAT[k] for k in used)) + " only") if used else "on its own"
    return (f"The court's {gone} from its audit of {as_of.isoformat()} is no longer where it was, or has changed "
            f"since, so your roster was checked {how}: what needs the court's data is marked not checked.")


def audit_roster(files: list[dict], firm: str, key: str, court: list[dict], as_of: str, court_id: str | None,
                 report: str, limits=None, paa: tuple[str, ...] = (), header_maps: dict | None = None) -> dict:
    """(Run in a worker.)  Audit the uploaded roster ``files`` of the session's ``firm`` (normalised
    ``key``) with the ``court`` files (``CourtFile`` fields) that are still as recorded; write the firm's
    workbook to ``report``; return what the page shows.  ``header_maps``: per stored path, the columns
    chosen on the mapping page (``auditor.web.mapping``)."""
    from auditor.court_calendar import Calendar

    known = Calendar.load().known_courts()
    tables = []
    for f in files:
        try:
            t = load_input(Path(f["path"]), ROSTER, firm=firm, limits=limits, known_courts=known,
                           header_map=(header_maps or {}).get(f["path"]) or None)
        except InputError as exc:
            text = str(exc)
            return {"error": f["name"] + text[len(exc.file):] if text.startswith(exc.file) else text}
        rename_input(t, f["name"])
        t.records["firm_name"] = firm            # the session's firm, whatever the file's Firm column says
        if len(t.issues):
            t.issues["firm_name"] = firm
        tables.append(t)
    used: list[str] = []
    missing: list[str] = []
    for c in court:
        recorded = CourtFile(**c)
        t = _court_table(recorded, court_id, known)
        (missing if t is None else used).append(recorded.kind)
        if t is not None:
            tables.append(t)
    date = dt.date.fromisoformat(as_of)
    try:
        result = audit_tables(tables, as_of=date, paa=paa)
    except AuditorError as exc:   # nothing left to audit, a PAA username that cannot be one: said plainly
        return {"error": str(exc)}
    shown, held, outsiders = firm_view(result, key)
    mine = replace(result, findings=shown)
    from auditor.report.firm_writer import FirmWriter

    writer = FirmWriter(mine)
    writer.outsiders[key] = writer.outsiders.get(key, set()) | outsiders
    writer.write(key, firm, Path(report))
    return {"result": page_view(writer, key, held, missing_sentence(missing, used, date), date, result.coverage)}


def _values(t, col: str, rows) -> pd.Series:
    return t.records.loc[rows, col] if col in t.records else pd.Series(dtype=object)


def firm_view(result, key: str) -> tuple[pd.DataFrame, int, set]:
    """(the firm's findings it may see, how many were held back, the other firms' words to take out of
    evidence).  The court's records are split into the firm's own and the others'; a value (a name, a
    login, an e-mail, a bar id, a PACER username) the others hold and the firm's own do not is theirs."""
    court = [t for t in result.inputs if t.kind == COURT_ACCOUNTS and t.status == "audited" and len(t.records)]
    pacer = [t for t in result.inputs if t.kind == PACER_ACCOUNTS and t.status == "audited" and len(t.records)]
    cols = {"name": "filer_name", "login": "cmecf_login", "email": "email", "bar": "bar_id", "user": "pacer_username"}
    own: dict[str, list] = {k: [] for k in cols}
    other: dict[str, list] = {k: [] for k in cols}
    for t in court:
        ours = (firm_key(t.records["firm_name"]) == key).fillna(False).to_numpy(bool) if "firm_name" in t.records \
            else pd.Series(False, index=t.records.index).to_numpy()
        for k, col in cols.items():
            own[k].append(_values(t, col, ours))
            other[k].append(_values(t, col, ~ours))
    raw = {k: pd.concat(v, ignore_index=True).dropna().astype(str) if v else pd.Series(dtype=str)
           for k, v in other.items()}
    mine = {k: pd.concat(v, ignore_index=True).dropna().astype(str) if v else pd.Series(dtype=str)
            for k, v in own.items()}
    keyer = {"name": lambda s: name_keys([s])[0], "login": username_key, "email": email_key, "bar": fold,
             "user": username_key}
    theirs = {k: set(keyer[k](raw[k]).dropna()) - set(keyer[k](mine[k]).dropna()) for k in cols}
    words = set().union(*(set(raw[k][~raw[k].isin(set(mine[k]))]) for k in ("name", "login", "email", "bar")))
    for t in court:   # and the other firms' names
        if "firm_name" in t.records:
            names = t.records["firm_name"].dropna().astype(str)
            words |= set(names[(firm_key(names) != key).fillna(False).to_numpy(bool)])
    for t in pacer:   # the holders and e-mails of accounts only other firms' filers use
        if "pacer_username" in t.records:
            only_theirs = username_key(t.records["pacer_username"]).isin(theirs["user"]).fillna(False).to_numpy(bool)
            for col in ("account_holder", "email"):
                if col in t.records:
                    words |= set(t.records.loc[only_theirs, col].dropna().astype(str))
            if "account_holder" in t.records:
                theirs["name"] |= set(name_keys([t.records.loc[only_theirs, "account_holder"]])[0].dropna())
    f = result.findings
    ours = (firm_key(f["firm_name"]) == key).fillna(False).to_numpy(bool)
    f = f[ours]
    about_others = (name_keys([f["person_name"]])[0].isin(theirs["name"])
                    | username_key(f["cmecf_login"]).isin(theirs["login"])
                    | email_key(f["email"]).isin(theirs["email"])
                    | fold(f["bar_id"]).isin(theirs["bar"])
                    | (username_key(f["pacer_username"]).isin(theirs["user"]) & ~f["rule_id"].isin(SHARED_RULES)))
    about_others = about_others.fillna(False).to_numpy(bool)
    shown = f[~about_others].reset_index(drop=True)
    return shown, int(about_others.sum()), _in_text(words, shown)


def _in_text(words: set, findings: pd.DataFrame) -> set:
    """The ``words`` whose first word appears in the findings' evidence (the redaction then looks for each
    whole): a court of a million filers is not searched a million times."""
    if not words or findings.empty:
        return set()
    text = "\n".join(findings["evidence"].dropna().astype(str))
    tokens = set(re.findall(r"[^\s;,()]+", text))
    return {w for w in words if (re.match(r"[^\s;,()]+", w) or [""])[0] in tokens}


NOT_SHOWN = ("{n} finding{s} about people or accounts that the court's records do not list at your firm "
             "{are} not shown here: ask the court's clerk's office about them.")


def page_view(writer, key: str, held: int, sentence: str, as_of: dt.date, coverage) -> dict:
    """What the portal's roster page shows: the firm's findings (as its workbook has them), the checks that
    could not run, and what was held back."""
    from auditor.report.prepare import redact_outsiders

    frows, irows = writer.rows_of(key)
    ours = redact_outsiders(writer.prep.findings.iloc[frows], writer.outsiders.get(key, set()), key)
    gaps = [] if coverage is None else [{"title": c.title, "why": _plain(c.why)} for c in coverage.gaps]
    fields = ("severity", "title", "person_name", "cmecf_login", "pacer_username", "evidence", "remediation",
              "due_date")
    rows = [{k: _text(r.get(k)) for k in fields} for r in ours.to_dict("records")]
    return {"as_of": as_of.isoformat(), "findings": rows, "issues": len(irows), "gaps": gaps,
            "missing": sentence,
            "held": NOT_SHOWN.format(n=held, s="s" if held != 1 else "", are="are" if held != 1 else "is") if held else ""}


def _text(v) -> str:
    if v is None or v is pd.NA or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def _plain(why: str) -> str:
    """A coverage reason without the command line's options: "needs the PACER account list"."""
    return re.sub(r"\s*\(--[a-z-]+\)", "", why)
