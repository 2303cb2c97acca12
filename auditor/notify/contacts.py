"""Who at each firm gets the firm's message: the contacts CSV the court keeps.

Columns ``firm_name``, ``contact_name``, ``email`` (spelled in plain words too: "Firm", "Name",
"E-mail address"...), one contact a row; a firm may have several.  Firms are matched by their
normalised name, as the audit matches them ("Smith & Jones, LLP" is "smith and jones llp"), and to the
run's firms as ``auditor.notify.firm_match`` says ("Smith & Jones, P.A." is "Smith and Jones PA").  A row that
cannot be used (no firm, an address that is not one) is listed with its row number, never fatal.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import InputError

ALIASES = {
    "firm_name": ("firm_name", "firm", "firm name", "law firm", "organization", "organisation", "company"),
    "contact_name": ("contact_name", "contact", "name", "contact name", "person", "person name"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "contact email"),
}
EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
MAX_BYTES = 20 * 1024 * 1024


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", " ", header.strip().lower()).strip()


@dataclass
class Contacts:
    by_firm: dict[str, list[tuple[str, str]]] = field(default_factory=dict)   # firm key -> [(name, email)]
    problems: list[str] = field(default_factory=list)                          # "contacts.csv, row 4: ..."
    sources: dict[str, list[str]] = field(default_factory=dict)                # firm key -> where its addresses came from
    written: dict[str, str] = field(default_factory=dict)                      # firm key -> the firm as first written

    def source(self, key: str) -> str:
        """Where the firm's addresses came from, in words ("firm-contacts.csv", "the firm's PAA in ...")."""
        return "; ".join(self.sources.get(key, [])) or "the contacts list"


def read_contacts(path) -> Contacts:
    from auditor.normalize import firm_key
    import pandas as pd

    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise InputError(name, "is too large for a contacts list (over 20 MB)")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise InputError(name, "is empty: give a contacts CSV with columns firm_name, contact_name, email")
    head = {_norm(h): i for i, h in enumerate(rows[0])}
    cols = {c: next((head[_norm(a)] for a in aliases if _norm(a) in head), None) for c, aliases in ALIASES.items()}
    for c in ("firm_name", "email"):
        if cols[c] is None:
            raise InputError(name, f"has no {c} column (looked for: {', '.join(ALIASES[c])})", row=1)
    out = Contacts()
    firms, entries = [], []
    for number, row in enumerate(rows[1:], 2):
        def cell(c, row=row):
            i = cols[c]
            return row[i].strip() if i is not None and i < len(row) else ""

        firm, who, email = cell("firm_name"), cell("contact_name"), cell("email")
        if not (firm or who or email):
            continue
        if not firm:
            out.problems.append(f"{name}, row {number}: no firm name; the row is not used")
            continue
        if not EMAIL.match(email):
            why = "no e-mail address" if not email else f"{email!r} is not an e-mail address"
            out.problems.append(f"{name}, row {number}: {why}; the row is not used")
            continue
        firms.append(firm)
        entries.append((who, email))
    keys = firm_key(pd.Series(firms, dtype=object)).tolist() if firms else []
    for key, firm, (who, email) in zip(keys, firms, entries):
        if key is None or (isinstance(key, float)):
            continue
        have = out.by_firm.setdefault(key, [])
        out.sources[key] = [name]
        out.written.setdefault(key, firm)
        if email.lower() not in {e.lower() for _, e in have}:
            have.append((who, email))
    return out
