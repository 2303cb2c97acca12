"""A firm's administrator named in the inputs, as the firm's contact.

A roster (the firm's own list of its people) or the court's CM/ECF export may give a person whose role is
the firm's administrator; that person's e-mail address is a contact of the firm the row names.  The role
is read as written in the file (the audit itself reads an administrator as staff).  Roles are compared
in lower case with punctuation as spaces and "firm's" as "firm":

- in a roster or a court export: "Firm Administrator", "Firm Admin", "Law Firm Administrator",
  "Firm Office Administrator";
- in a roster only (the firm's own file, so an administrator there is the firm's): "Administrator",
  "Office Administrator", "Legal Administrator".

Not a firm's administrator: "Admin" alone (on a roster as often an administrative assistant),
"Administrative Assistant", "System Administrator", "Court Administrator", "ECF Administrator", "IT
Administrator" or any role naming an administrator of something else; nor, in a court export, a bare
"Administrator" or "Office Administrator" (a court's export lists its own staff too).

A row is not used, with a line saying why, when it names no firm, its address is not one, the person has
left the firm (a roster's left-firm date) or the account is not active (a court export's status), or the
address is also given for a person or administrator of another firm in the inputs: a message never goes
to a person of another firm.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from auditor.notify.contacts import EMAIL, Contacts

ANYWHERE = ("firm administrator", "firm admin", "law firm administrator", "firm office administrator")
ROSTER_ONLY = ("administrator", "office administrator", "legal administrator")
ROLES = {"roster": ANYWHERE + ROSTER_ONLY, "court_accounts": ANYWHERE}
ROLE_COLUMN = {"roster": "role", "court_accounts": "filer_role"}
NAME_COLUMN = {"roster": "person_name", "court_accounts": "filer_name"}
NOT_ACTIVE = ("inactive", "i", "disabled", "terminated", "retired", "deactivated", "closed", "no", "n", "false",
              "f", "0", "locked", "l", "suspended", "locked out")


def role_words(s):
    """A role column as compared: lower case, "firm's" as "firm", punctuation as one space."""
    return (s.astype("string").str.lower().str.replace(r"['\u2019]s\b", "", regex=True)
            .str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip())


def _read(path: Path, kind: str):
    """(file name, the file's rows as written: firm, name, role, email, left/status, row number)."""
    import pandas as pd

    from auditor.load.table import read_table

    raw = read_table(path, kind)
    f = raw.frame
    col = lambda c: f[c].astype("string") if c in f else pd.Series(pd.NA, index=f.index, dtype="string")  # noqa: E731
    gone = col("left_firm_on").str.strip().fillna("") != "" if kind == "roster" else \
        role_words(col("account_status")).isin(NOT_ACTIVE).fillna(False)
    out = pd.DataFrame({"firm": col("firm_name").str.strip(), "name": col(NAME_COLUMN[kind]).str.strip(),
                        "role": col(ROLE_COLUMN[kind]).str.strip(), "words": role_words(col(ROLE_COLUMN[kind])),
                        "email": col("email").str.strip(), "gone": gone, "row": f.index})
    return raw.name, out


def administrators(rosters: Iterable = (), court_accounts: Iterable = ()) -> Contacts:
    """The firms' administrators named in the rosters and court exports, each under its firm's key."""
    import pandas as pd

    from auditor.normalize import firm_key
    from auditor.notify.firm_match import loose

    out = Contacts()
    files = [(Path(p), "roster") for p in rosters] + [(Path(p), "court_accounts") for p in court_accounts]
    if not files:
        return out
    tables = [(name, kind, frame) for p, kind in files for name, frame in [_read(p, kind)]]
    # every address given for a person of a firm, with the firm's loose key: an address of two firms is no one's
    everyone = pd.concat([t[2][["firm", "email"]] for t in tables], ignore_index=True).dropna()
    everyone = everyone.assign(key=firm_key(everyone["firm"]), email=everyone["email"].str.lower()).dropna()
    firms_of = (everyone.assign(key=everyone["key"].map(loose)).groupby("email")["key"]
                .agg(lambda s: set(s)).to_dict())
    for name, kind, frame in tables:
        admins = frame[frame["words"].isin(ROLES[kind]).fillna(False)]
        keys = firm_key(admins["firm"].astype(object)).tolist() if len(admins) else []
        for key, row in zip(keys, admins.itertuples(index=False)):   # a file's few administrators
            where = f"{name}, row {row.row}"
            who = row.name if isinstance(row.name, str) and row.name else "an administrator"
            email = row.email if isinstance(row.email, str) else ""
            if not isinstance(key, str) or not key:
                out.problems.append(f"{where}: the firm administrator {who} is given with no firm; not used")
            elif not EMAIL.match(email):
                out.problems.append(f"{where}: the firm administrator {who} has no usable e-mail address; not used")
            elif bool(row.gone):
                out.problems.append(f"{where}: the firm administrator {who} has left the firm or the account is "
                                    "not active; not used")
            elif len(firms_of.get(email.lower(), set())) > 1:
                out.problems.append(f"{where}: {email} is given for people of several firms in the inputs; "
                                    "it is not used as any firm's contact")
            else:
                have = out.by_firm.setdefault(key, [])
                if email.lower() not in {e.lower() for _, e in have}:
                    have.append((row.name if isinstance(row.name, str) else "", email))
                    out.sources.setdefault(key, []).append(
                        f'the firm\'s administrator in {where} (role "{row.role}")')
                    out.written.setdefault(key, row.firm)
    return out
