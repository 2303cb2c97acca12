"""A firm's contact from the audit's own inputs, for firms the court's contacts list does not name.

The inputs name a firm's PACER Administrative Account (PAA): the firm's roster gives the PAA its people are
linked to (``paa_id``), and the PACER account list gives that PAA's row (account type ``paa``) with an
e-mail address.  That address is the firm's contact when exactly one firm's roster names the PAA: a PAA
that two firms' rosters name is used for neither (listed as a problem), so no firm is ever sent to an
address of another firm.  A firm's administrator named in a roster or the court's export is a contact
too (``auditor.notify.admin_contacts`` says which roles count); other people's own addresses are not the
firm's and are never used.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from auditor.notify.contacts import EMAIL, Contacts


def _ids(frame, columns) -> list[set[str]]:
    """Per row, the non-blank values of ``columns`` (lower-case, trimmed)."""
    import pandas as pd

    out: list[set[str]] = [set() for _ in range(len(frame))]
    for col in columns:
        if col not in frame:
            continue
        values = frame[col].astype("string").str.strip().str.lower()
        for i, v in enumerate(values.tolist()):     # one PACER list's PAA rows: a handful, not the audit path
            if v is not None and v is not pd.NA and v != "":
                out[i].add(v)
    return out


def contacts_from_inputs(roster: Iterable = (), pacer_accounts: Iterable = (), court_accounts: Iterable = ()) -> Contacts:
    """Each firm's administrators (rosters, court exports) and PAA address (from the rosters: which PAA a
    firm's people are linked to; the PACER account list: the PAA's e-mail).  ``Contacts.sources`` says, per
    firm, which file and row gave each address."""
    from auditor.notify.admin_contacts import administrators

    roster, pacer_accounts = list(roster), list(pacer_accounts)
    out = administrators(roster, court_accounts)
    paa = _paa_contacts(roster, pacer_accounts) if roster and pacer_accounts else Contacts()
    out.problems += paa.problems
    for key, people in paa.by_firm.items():
        have = out.by_firm.setdefault(key, [])
        for who, email in people:
            if email.lower() not in {e.lower() for _, e in have}:
                have.append((who, email))
        out.sources.setdefault(key, []).extend(paa.sources.get(key, []))
        out.written.setdefault(key, paa.written.get(key, key))
    return out


def _paa_contacts(roster: list, pacer_accounts: list) -> Contacts:
    import pandas as pd

    from auditor import api
    from auditor.normalize import firm_key

    out = Contacts()
    tables = api.load_inputs({"roster": [Path(p) for p in roster], "pacer_accounts": [Path(p) for p in pacer_accounts]})
    rosters = [t.records for t in tables if t.kind == "roster" and len(t.records)]
    lists = [t for t in tables if t.kind == "pacer_accounts" and len(t.records)]
    if not rosters or not lists:
        return out
    people = pd.concat([r[[c for c in ("firm_name", "paa_id") if c in r]] for r in rosters], ignore_index=True)
    if "paa_id" not in people or "firm_name" not in people:
        return out
    people = people.assign(key=firm_key(people["firm_name"]), paa=people["paa_id"].astype("string").str.strip()
                           .str.lower()).dropna(subset=["key", "paa"])
    firms_of = people.groupby("paa")["key"].agg(lambda s: sorted(set(s))).to_dict()   # PAA id -> firm keys
    for table in lists:
        f = table.records
        if "account_type" not in f or "email" not in f:
            continue
        paa = f[(f["account_type"].astype("string") == "paa").fillna(False)]
        for ids, (_, row) in zip(_ids(paa, ("pacer_username", "paa_id", "account_number")), paa.iterrows()):
            keys = sorted({k for i in ids for k in firms_of.get(i, [])})
            email = str(row["email"]).strip() if pd.notna(row["email"]) else ""
            where = f"{table.name}, row {row['_row']}"
            if not keys or not EMAIL.match(email):
                continue
            if len(keys) > 1:
                out.problems.append(f"{where}: the PAA {email} is named by the rosters of several firms; "
                                    "it is not used as any firm's contact")
                continue
            have = out.by_firm.setdefault(keys[0], [])
            if email.lower() not in {e.lower() for _, e in have}:
                have.append(("PACER administrator", email))
                out.sources.setdefault(keys[0], []).append(f"the firm's PAA in {where}")
    return out


def merge(listed: Contacts | None, found: Contacts | None) -> Contacts:
    """The contacts list's addresses, and the inputs' for firms the list does not name (the list wins; a
    firm is the same when ``firm_match.loose`` says so: "Smith & Jones, P.A." in the list is "Smith and
    Jones PA" in a roster)."""
    from auditor.notify.firm_match import loose

    out = Contacts()
    named: set[str] = set()
    for part in (listed, found):
        if part is None:
            continue
        out.problems += part.problems
        mine = set()
        for key, people in part.by_firm.items():
            if key in out.by_firm or loose(key) in named:
                continue
            out.by_firm[key] = list(people)
            out.sources[key] = part.sources.get(key) or []
            if key in part.written:
                out.written[key] = part.written[key]
            mine.add(loose(key))
        named |= mine
    return out
