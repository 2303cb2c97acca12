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
from functools import lru_cache
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
    s = _without_accents(str(text))
    s = s.casefold().replace("#", " number ").replace("&", " and ")
    return re.sub(r"[\W_]+", "", s)


def _without_accents(s: str) -> str:
    """Accents taken off (NFKD, combining marks dropped); ASCII text has none to take off."""
    if s.isascii():
        return s
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


# Words of a header as people abbreviate them -> the word they stand for (a tuple: several words)
_WORDS = {
    "acct": ("account",), "acc": ("account",), "accnt": ("account",), "acnt": ("account",), "accts": ("account",),
    "no": ("number",), "nr": ("number",), "nbr": ("number",), "num": ("number",), "nmbr": ("number",),
    "addr": ("address",), "adr": ("address",), "emailaddr": ("email", "address"), "emailaddress": ("email", "address"),
    "mail": ("email",), "emails": ("email",),
    "atty": ("attorney",), "aty": ("attorney",), "attny": ("attorney",), "attorneys": ("attorney",),
    "usr": ("user",), "userid": ("login",), "loginid": ("login",), "logon": ("login",), "signin": ("login",),
    "dt": ("date",), "org": ("organization",), "stat": ("status",), "sts": ("status",),
    "cm": ("cmecf",), "ecf": ("ecf",), "cmecf": ("cmecf",),
}
# pairs of words that mean one: "Login ID" is the login, "User ID" a login too
_PAIRS = {("login", "id"): ("login",), ("user", "id"): ("login",), ("cmecf", "ecf"): ("cmecf",),
          ("e", "email"): ("email",), ("log", "in"): ("login",), ("sign", "in"): ("login",)}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# the abbreviations named in docs/columns.md
ABBREVIATIONS = {"acct": ("account",), "no": ("number",), "num": ("number",), "nbr": ("number",),
                 "addr": ("address",), "atty": ("attorney",), "usr": ("user",), "login id": ("login",),
                 "user id": ("login",), "dt": ("date",)}


def header_words(text: object) -> tuple[str, ...]:
    """The words of a header, abbreviations written out: "PACER Acct #" -> pacer, account, number;
    "E-mail addr" -> email, address; "Login ID" -> login.  A trailing "Y/N" (a yes/no hint) is left out."""
    s = _without_accents(_CAMEL.sub(" ", str(text)))
    s = s.casefold().replace("#", " number ").replace("&", " and ")
    words: list[str] = []
    for w in re.split(r"[\W_]+", s):
        if w:
            words.extend(_WORDS.get(w, (w,)))
    out: list[str] = []
    for w in words:
        if out and (out[-1], w) in _PAIRS:
            out[-1:] = _PAIRS[(out[-1], w)]
        else:
            out.append(w)
    if out[-2:] == ["y", "n"] and len(out) > 2:
        out = out[:-2]
    return tuple(out)


def column_key(text: object) -> str:
    """A header as matched against the spellings of ``COLUMNS``: its words (``header_words``) run
    together, so "PACER Acct", "pacer_account" and "PacerAccount" are one key."""
    return _column_key(text) if isinstance(text, str) else "".join(header_words(text))


@lru_cache(maxsize=1 << 14)   # every file of a run (fifty rosters) has the same few headers
def _column_key(text: str) -> str:
    return "".join(header_words(text))


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
           "login id", "user id", "ecf user", "cmecf user", "cmecf account", "filer login", "ecf account",
           required=True, description="the court's own CM/ECF login"),
        _c("filer_name", TEXT, "name", "filer", "full name", "user", "user full name", "attorney name",
           "filer full name", "atty name", "attorney full name", "filer name", "name of filer", "user name full",
           required=True, description='"Last, First M." or "First Last"'),
        _c("filer_role", CATEGORY, "role", "type", "user type", "filer type", "account type",
           "role type", "filer role", "user role", "account role", "filer category", required=True,
           categories=FILER_ROLES),
        _c("bar_id", TEXT, "bar id", "bar number", "bar no", "bar", "bar num", "state bar",
           "state bar number", "bar code", "bar #", "bar id number", "state bar id", "attorney bar number",
           "bar registration number", "bar license number", required_for_attorneys=True),
        _c("email", TEXT, "e mail", "email address", "primary email", "e mail address", "e-mail addr",
           "primary email address", "filer email", "attorney email", "contact email", "email 1"),
        _c("firm_name", TEXT, "firm", "law firm", "office", "organization", "organisation", "company",
           "firm name", "law firm name", "company name", "organization name"),
        _c("pacer_username", TEXT, "pacer login", "pacer user name", "pacer id", "pacer username",
           "linked pacer account", "linked pacer username", "pacer account", "pacer user", "pacer acct",
           "pacer login id", "pacer user id", "linked pacer login", "pacer account username"),
        _c("account_status", CATEGORY, "status", "account status", "ecf status", "cmecf status", "active",
           "is active", "active account", "account active", "enabled", "active flag", "active y n",
           "acct status", "filer status", "user status", "login status", "ecf account status",
           "cmecf account status", categories=ACCOUNT_STATUS, default="active"),
        _c("linked_on", DATE, "linked", "link date", "linked date", "date linked", "pacer linked",
           "date pacer linked", "pacer link date", "pacer linked on"),
        _c("last_filed_on", DATE, "last filed", "last filing", "last filing date", "last filed date",
           "last activity", "date last filed", "last e filed", "last filing on"),
    ),
    ROSTER: (
        _c("firm_name", TEXT, "firm", "law firm", "office", "organization", "organisation", "company",
           required=True, option="--firm"),
        _c("person_name", TEXT, "name", "full name", "person", "employee", "staff name", "attorney name",
           "user", "filer name", "employee name", "staff member", "atty name", "person name", required=True),
        _c("role", CATEGORY, "position", "title", "job title", "staff role", "person role", "staff type",
           "employee type", "position title",
           required=True, categories=ROSTER_ROLES),
        _c("bar_id", TEXT, "bar id", "bar number", "bar no", "bar", "bar num", "state bar",
           "state bar number", "bar #", "bar id number", "state bar id", required_for_attorneys=True),
        _c("email", TEXT, "e mail", "email address", "work email", "e mail address", "e-mail addr",
           "firm email", "business email", "primary email", "work email address"),
        _c("pacer_username", TEXT, "pacer login", "pacer user name", "pacer id", "pacer username",
           "pacer account", "pacer user", "pacer acct", "pacer login id", "pacer user id",
           "pacer account username"),
        _c("pacer_use", CATEGORY, "use", "pacer usage", "usage", "account use", "pacer purpose",
           categories=PACER_USE),
        _c("paa_id", TEXT, "paa", "paa id", "paa account", "paa username", "pacer administrative account",
           "paa account number", "paa number", "paa account id", "paa acct"),
        _c("courts", TEXT, "court", "court ids", "files in", "filing courts", "courts filed"),
        _c("left_firm_on", DATE, "left firm", "left on", "departed", "departure date", "end date",
           "termination date", "date left", "date departed", "separation date", "last day"),
    ),
    PACER_ACCOUNTS: (
        _c("pacer_username", TEXT, "pacer login", "pacer user name", "pacer username",
           "username", "user name", "login", "pacer login id", required=True),
        _c("account_holder", TEXT, "holder", "name", "account name", "account holder name", "user",
           "full name", "person", "holder name", "name on account", "account owner"),
        _c("account_type", CATEGORY, "type", "pacer account type", "user type", categories=ACCOUNT_TYPE),
        _c("upgraded", BOOL, "is upgraded", "upgrade status", "upgraded account", "upgraded to nextgen",
           "nextgen upgraded", "account upgraded"),
        _c("paa_id", TEXT, "paa", "paa id", "paa account", "paa username", "linked paa",
           "pacer administrative account"),
        _c("account_number", TEXT, "account no", "account number", "pacer account number",
           "acct no", "acct number", "pacer acct #", "pacer account no"),
        _c("email", TEXT, "e mail", "email address", "primary email", "primary email address", "e-mail addr"),
        _c("created_on", DATE, "created", "created date", "date created", "opened", "open date"),
        _c("case_search_status", CATEGORY, "search status", "case search", "case search status",
           categories=CASE_SEARCH_STATUS),
        _c("mfa_enrolled", BOOL, "mfa", "multi factor authentication", "mfa enrollment", "mfa status",
           "2fa", "two factor", "mfa enabled", "multifactor", "multi factor"),
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
    """column_key(alias) -> canonical column name, for one kind.

    A canonical name wins over another column's alias of the same spelling.
    """
    if kind in _ALIAS_MAPS:
        return _ALIAS_MAPS[kind]
    out: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for alias in col.aliases[1:]:
            out.setdefault(column_key(alias), col.name)
    for col in COLUMNS[kind]:
        out[column_key(col.name)] = col.name
    _ALIAS_MAPS[kind] = out
    return out


_ALIAS_MAPS: dict[str, dict[str, str]] = {}


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
    keys = {column_key(h) for h in headers if h is not None}
    out = {}
    for kind in KINDS:
        amap = alias_map(kind)
        found = {amap[k] for k in keys if k in amap}
        if keys >= {"lastname", "firstname"}:   # the name made from its parts
            found.add(PERSON_COLUMN[kind])
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


_LABEL_WORDS = {"pacer": "PACER", "cmecf": "CM/ECF", "mfa": "MFA", "paa": "PAA", "id": "id"}


def column_label(name: str) -> str:
    """A canonical column in plain words: pacer_username -> "PACER username", cmecf_login -> "CM/ECF login"."""
    return " ".join(_LABEL_WORDS.get(w, w) for w in name.split("_"))


def mapping_text(column_map: dict[str, str]) -> str:
    """Which header was read as which column: "PACER Acct -> PACER username, Login -> CM/ECF login"."""
    return ", ".join(f"{written} -> {column_label(canon)}" for canon, written in column_map.items())


def __getattr__(name: str):
    """``STRING``, the pandas dtype of text throughout a run (strings backed by Arrow), made on first
    use: the command line reads the columns (``auditor columns``) without loading pandas."""
    if name == "STRING":
        import pandas as pd

        globals()["STRING"] = dtype = pd.StringDtype("pyarrow")
        return dtype
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
