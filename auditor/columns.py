"""The three input kinds and their canonical columns.

This is the one place that says what an input may hold: each column's type,
whether it is required, the header spellings accepted for it, and, for
categories, the values accepted and what they mean.  The loader matches
headers against ``aliases``, the validator coerces to ``dtype``, the sample
generator writes these columns, and the rule language knows these fields.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from auditor.field_types import BOOL, CATEGORY, DATE, TEXT

COURT_ACCOUNTS = "court_accounts"
ROSTER = "roster"
PACER_ACCOUNTS = "pacer_accounts"
KINDS = (COURT_ACCOUNTS, ROSTER, PACER_ACCOUNTS)

KIND_LABELS = {
    COURT_ACCOUNTS: "court filer accounts",
    ROSTER: "firm roster",
    PACER_ACCOUNTS: "PACER accounts",
}
KIND_OPTIONS = {
    COURT_ACCOUNTS: "--court-accounts",
    ROSTER: "--roster",
    PACER_ACCOUNTS: "--pacer-accounts",
}

# The column that holds a person's name in each input kind.
PERSON_COLUMN = {COURT_ACCOUNTS: "filer_name", ROSTER: "person_name", PACER_ACCOUNTS: "account_holder"}

# date columns where a far-future placeholder (12/31/9999) means "no end yet"
END_DATES = frozenset({"left_firm_on"})


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    # category: canonical value -> accepted spellings (normalised with header_key)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default: str | None = None
    description: str = ""
    # required only for rows whose role is attorney
    required_for_attorneys: bool = False
    # the value may instead be given once on the command line with this option
    option: str | None = None


def header_key(text: object) -> str:
    """Normalise a header (or category spelling) for matching.

    Trims, folds case and accents, and collapses spaces, underscores and
    punctuation, so "PACER User Name", "pacer_user_name" and "Pacer-Username "
    all give ``pacerusername``.
    """
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.casefold().replace("#", " number ").replace("&", " and ")
    return re.sub(r"[\W_]+", "", s)


FILER_ROLES = {
    "attorney": ("attorney", "atty", "attorneys", "lawyer", "counsel", "attorney filer", "aty", "pro hac vice",
                 "attorney pro hac vice", "pro hac vice attorney", "phv", "government attorney", "us attorney",
                 "ausa", "federal defender", "cja attorney", "cja panel attorney", "attorney admitted"),
    "trustee": ("trustee", "chapter 7 trustee", "chapter 13 trustee", "us trustee", "ust", "standing trustee"),
    "creditor": ("creditor", "claims agent", "creditor filer"),
    "limited_filer": ("limited filer", "limited", "limited use", "limited use filer", "filing agent", "agent"),
    "pro_se": ("pro se", "prose", "self represented", "pro se filer", "pro se party", "pro se debtor",
               "pro se litigant"),
    "staff": ("staff", "court staff", "paralegal", "legal assistant", "assistant", "secretary"),
    "other": ("other", "party", "transcriber", "auditor", "course provider", "journalist", "media",
              "interested party", "mediator", "petition preparer", "bankruptcy petition preparer",
              "financial management course provider", "case tracking", "public"),
}
ACCOUNT_STATUS = {  # a column headed "Active" holds yes/no spellings: yes is active, no inactive
    "active": ("active", "a", "enabled", "current", "yes", "y", "true", "t", "1"),
    "inactive": ("inactive", "i", "disabled", "terminated", "retired", "deactivated", "closed",
                 "no", "n", "false", "f", "0"),
    "locked": ("locked", "l", "suspended", "locked out"),
}
ROSTER_ROLES = {
    "attorney": ("attorney", "atty", "lawyer", "counsel", "partner", "associate", "of counsel", "aty"),
    "paralegal": ("paralegal", "legal assistant", "filing agent", "legal secretary", "secretary"),
    "staff": ("staff", "assistant", "admin", "administrator", "librarian", "clerk", "accounting", "billing"),
    "other": ("other",),
}
PACER_USE = {
    "efiling": ("efiling", "e filing", "efile", "e file", "filing", "file", "filer", "ecf"),
    "research": ("research", "research only", "view", "view only", "read only", "search", "search only", "pacer only"),
    "both": ("both", "efiling and research", "filing and research", "research and efiling", "all"),
}
ACCOUNT_TYPE = {
    "individual": ("individual", "upgraded pacer account", "individual account", "personal", "user",
                   "legacy pacer account", "legacy pacer account (upgrade)", "upgraded", "legacy"),
    "paa": ("paa", "pacer administrative account", "administrative", "admin account", "administrative account", "firm billing"),
    "shared": ("shared", "legacy firm account", "firm account", "shared account", "group", "firm"),
}
CASE_SEARCH_STATUS = {
    "active": ("active", "a", "enabled"),
    "inactive": ("inactive", "i", "disabled", "deactivated"),
}
BOOL_TRUE = ("yes", "y", "true", "t", "1", "x", "upgraded", "enrolled", "on")
BOOL_FALSE = ("no", "n", "false", "f", "0", "legacy", "not upgraded", "not enrolled", "off")


def _c(name, dtype, *aliases, **kw) -> Column:
    return Column(name=name, dtype=dtype, aliases=(name, *aliases), **kw)


COLUMNS: dict[str, tuple[Column, ...]] = {
    COURT_ACCOUNTS: (
        _c("court_id", TEXT, "court", "court code", "court id", "ecf id", "district", "location",
           required=True, option="--court", description="PACER court id, such as ncmb"),
        _c("cmecf_login", TEXT, "cmecf login", "cm/ecf login", "ecf login", "login", "login name",
           "cmecf username", "cm ecf user name", "ecf username", "user login", "username", "user name",
           required=True, description="the court's own CM/ECF login"),
        _c("filer_name", TEXT, "name", "filer", "full name", "user", "user full name", "attorney name",
           "filer full name", required=True, description='"Last, First M." or "First Last"'),
        _c("filer_role", CATEGORY, "role", "type", "user type", "filer type", "account type",
           "role type", required=True, categories=FILER_ROLES),
        _c("bar_id", TEXT, "bar id", "bar number", "bar no", "bar", "bar num", "state bar",
           "state bar number", "bar code", required_for_attorneys=True),
        _c("email", TEXT, "e mail", "email address", "primary email", "e mail address"),
        _c("firm_name", TEXT, "firm", "law firm", "office", "organization", "organisation", "company"),
        _c("pacer_username", TEXT, "pacer login", "pacer user name", "pacer id", "pacer username",
           "linked pacer account", "linked pacer username", "pacer account", "pacer user"),
        _c("account_status", CATEGORY, "status", "account status", "ecf status", "cmecf status", "active",
           "is active", "active account", "account active", "enabled", "active flag", "active y n",
           categories=ACCOUNT_STATUS, default="active"),
        _c("linked_on", DATE, "linked", "link date", "linked date", "date linked"),
        _c("last_filed_on", DATE, "last filed", "last filing", "last filing date", "last filed date",
           "last activity"),
    ),
    ROSTER: (
        _c("firm_name", TEXT, "firm", "law firm", "office", "organization", "organisation", "company",
           required=True, option="--firm"),
        _c("person_name", TEXT, "name", "full name", "person", "employee", "staff name", "attorney name",
           "user", "filer name", required=True),
        _c("role", CATEGORY, "position", "title", "job title", "staff role", "person role",
           required=True, categories=ROSTER_ROLES),
        _c("bar_id", TEXT, "bar id", "bar number", "bar no", "bar", "bar num", "state bar",
           "state bar number", required_for_attorneys=True),
        _c("email", TEXT, "e mail", "email address", "work email", "e mail address"),
        _c("pacer_username", TEXT, "pacer login", "pacer user name", "pacer id", "pacer username",
           "pacer account", "pacer user"),
        _c("pacer_use", CATEGORY, "use", "pacer usage", "usage", "account use", "pacer purpose",
           categories=PACER_USE),
        _c("paa_id", TEXT, "paa", "paa id", "paa account", "paa username", "pacer administrative account",
           "paa account number"),
        _c("courts", TEXT, "court", "court ids", "files in", "filing courts", "courts filed"),
        _c("left_firm_on", DATE, "left firm", "left on", "departed", "departure date", "end date",
           "termination date", "date left"),
    ),
    PACER_ACCOUNTS: (
        _c("pacer_username", TEXT, "pacer login", "pacer user name", "pacer id", "pacer username",
           "username", "user name", "login", required=True),
        _c("account_holder", TEXT, "holder", "name", "account name", "account holder name", "user",
           "full name", "person"),
        _c("account_type", CATEGORY, "type", "pacer account type", "user type", categories=ACCOUNT_TYPE),
        _c("upgraded", BOOL, "is upgraded", "upgrade status", "upgraded account"),
        _c("paa_id", TEXT, "paa", "paa id", "paa account", "paa username", "linked paa",
           "pacer administrative account"),
        _c("account_number", TEXT, "account no", "account number", "pacer account number", "acct",
           "acct no", "acct number"),
        _c("email", TEXT, "e mail", "email address", "primary email"),
        _c("created_on", DATE, "created", "created date", "date created", "opened", "open date"),
        _c("case_search_status", CATEGORY, "search status", "case search", "case search status",
           categories=CASE_SEARCH_STATUS),
        _c("mfa_enrolled", BOOL, "mfa", "multi factor authentication", "mfa enrollment", "mfa status",
           "2fa", "two factor"),
    ),
}


def columns(kind: str) -> tuple[Column, ...]:
    return COLUMNS[kind]


def column(kind: str, name: str) -> Column:
    for col in COLUMNS[kind]:
        if col.name == name:
            return col
    raise KeyError(name)


def alias_map(kind: str) -> dict[str, str]:
    """header_key(alias) -> canonical column name, for one kind.

    A canonical name wins over another column's alias of the same spelling.
    """
    out: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for alias in col.aliases[1:]:
            out.setdefault(header_key(alias), col.name)
    for col in COLUMNS[kind]:
        out[header_key(col.name)] = col.name
    return out


def category_map(col: Column) -> dict[str, str]:
    """header_key(spelling) -> canonical category value."""
    out: dict[str, str] = {}
    for value, spellings in col.categories.items():
        out[header_key(value)] = value
        for s in spellings:
            out.setdefault(header_key(s), value)
    return out


def kind_scores(headers, *, complete: bool = True) -> dict[str, int]:
    """For each kind, how many of ``headers`` (as written) name one of its columns; with ``complete``,
    0 for a kind whose required columns are not all there (those an option can stand in for aside)."""
    keys = {header_key(h) for h in headers if h is not None}
    out = {}
    for kind in KINDS:
        amap = alias_map(kind)
        found = {amap[k] for k in keys if k in amap}
        needed = {c.name for c in COLUMNS[kind] if c.required and c.option is None}
        out[kind] = len(found) if needed <= found or not complete else 0
    return out


def likely_kind(headers, given: str) -> str | None:
    """The kind ``headers`` look like when that is clearly not ``given``: another kind with all its
    required columns whose columns they name more of (at least two more when ``given`` has all of its
    own too).  None when ``given`` fits as well."""
    scores = kind_scores(headers)
    mine = kind_scores(headers, complete=False)[given]
    best = max(KINDS, key=lambda k: (scores[k], k == given))
    margin = 2 if scores[given] else 1
    return best if best != given and scores[best] >= mine + margin else None


def __getattr__(name: str):
    """``STRING``, the pandas dtype of text throughout a run (strings backed by Arrow), made on first
    use: the command line reads the columns (``auditor columns``) without loading pandas."""
    if name == "STRING":
        import pandas as pd

        globals()["STRING"] = dtype = pd.StringDtype("pyarrow")
        return dtype
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
