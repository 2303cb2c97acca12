"""Which column of a file holds which field: headers read as words, values looked at where the header
alone does not say.

A header is first read as words with the usual abbreviations written out (``columns.header_words``:
"PACER Acct" is "pacer account", "E-mail addr" is "email address") and looked up among the spellings
of ``auditor.columns``.  A header that is none of them is read by its words ("Attorney E-mail" names an
e-mail, "Secondary E-mail" does not).  Where the header could name more than one field (a PACER list's
"PACER Acct" may be the username or the 7-digit account number), a sample of its values decides; where
two headers claim one field, the one whose values fit it and whose header says it more plainly wins.
When the values cannot decide, the file is not audited with a guess: the header and its candidates are
returned as ambiguous, for the user to choose (``--map`` or the upload page's mapping step).

Recognition looks at the headers and at most ``SAMPLE`` values of a column, never at every row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from auditor import columns as C
from auditor.errors import InputError

SAMPLE = 200          # values of a column looked at
FIT = 0.8             # share of the sampled values that must have the field's shape

# headers that name one of several fields, the values deciding (column_key -> candidates)
AMBIGUOUS = {
    C.PACER_ACCOUNTS: dict.fromkeys(
        ("paceraccount", "account", "pacerid", "accountid", "paceraccountid", "id"),
        ("pacer_username", "account_number")),
    C.COURT_ACCOUNTS: dict.fromkeys(("account", "useraccount", "accountname"), ("cmecf_login", "pacer_username")),
    C.ROSTER: {},
}

# Reading a header by its words: (column, words of which one must be there, words of which all must be
# there, words that rule the column out).  Tried only for a header that is no spelling of any column.
_NOT_EMAIL = {"secondary", "alternate", "alt", "other", "cc", "additional", "second", "2", "backup", "personal"}
_NOT_NAME = {"last", "first", "middle", "suffix", "firm", "company", "login", "user", "username", "pacer",
             "court", "paa", "account", "agent", "nick", "maiden", "former", "previous", "file", "sheet"}
_GUESS: tuple[tuple[str, set, set, set], ...] = (
    ("email", {"email"}, set(), _NOT_EMAIL | {"date", "verified", "status", "count"}),
    ("bar_id", {"bar"}, set(), {"status", "admission", "admitted", "date", "year", "type", "standing"}),
    ("pacer_username", {"login", "username", "user"}, {"pacer"},
     {"number", "type", "status", "date", "created", "holder", "name", "paa", "full"}),
    ("account_number", {"number"}, {"account"}, {"paa", "bar", "phone", "fax"}),
    ("cmecf_login", {"login", "username"}, set(), {"pacer", "date", "last", "count", "failed", "paa"}),
    ("firm_name", {"firm", "organization", "organisation", "company", "employer"}, set(),
     {"id", "number", "code", "address", "phone", "city", "state", "zip", "email", "type", "size"}),
    ("account_status", {"status", "active"}, set(),
     {"bar", "search", "pacer", "link", "linked", "mfa", "upgrade", "upgraded", "case", "admission", "email",
      "paa", "employment", "date"}),
    ("case_search_status", {"search"}, {"status"}, set()),
    ("filer_role", {"role", "type"}, set(), {"account", "pacer", "paa", "phone", "email", "case", "bar"}),
    ("role", {"role", "position"}, set(), {"pacer", "paa", "phone", "email"}),
    ("filer_name", {"name"}, set(), _NOT_NAME),
    ("person_name", {"name"}, set(), _NOT_NAME),
    ("account_holder", {"holder", "name", "owner"}, set(), (_NOT_NAME - {"account"}) | {"type", "number"}),
    ("last_filed_on", {"filed", "filing"}, {"last"}, set()),
    ("linked_on", {"linked", "link"}, set(), {"account", "username", "status"}),
    ("mfa_enrolled", {"mfa", "factor", "2fa"}, set(), set()),
    ("upgraded", {"upgraded", "upgrade", "nextgen"}, set(), {"date", "by"}),
    ("created_on", {"created", "opened"}, set(), {"by"}),
    ("left_firm_on", {"left", "departed", "departure", "separation", "separated"}, set(), set()),
    ("paa_id", {"paa"}, set(), {"remark", "remarks", "name", "email", "status"}),
    ("courts", {"courts"}, set(), set()),
    ("pacer_use", {"usage", "use", "purpose"}, set(), set()),
    ("court_id", {"court", "district"}, set(), {"courts", "search", "case", "name", "filing"}),
)

_DIGITS7 = r"^\d{6,8}$"           # a PACER account number (a workbook may have dropped a leading zero)
_USERNAME = r"^[^\s@]*[A-Za-z][^\s@]*$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_DATE = r"^(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*|\d{5}(\.\d+)?)$"
_ID_CHARS = r"^[A-Za-z0-9._-]+$"


@dataclass
class Recognised:
    canon: dict[int, str] = field(default_factory=dict)   # position -> canonical column
    duplicates: dict[int, str] = field(default_factory=dict)   # position -> column another header holds
    ambiguous: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)   # header, candidates
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # position, column, why not


def _share(sample: Sequence[str], pattern: str) -> float:
    """The share of the sampled values that ``pattern`` matches whole.  Python's regular expressions, as
    pandas' ``str.fullmatch`` gives them, looped over the few values: a Series of them cost more."""
    if not sample:
        return 1.0
    match = re.compile(pattern).fullmatch
    return sum(match(v) is not None for v in sample) / len(sample)


def fits(kind: str, column: str, sample: Sequence[str]) -> bool:
    """Whether the sampled values (text, no blanks) have the shape of ``column``'s values."""
    if not len(sample):
        return True
    col = C.column(kind, column)
    if column == "account_number":
        return _share(sample, _DIGITS7) >= FIT
    if column in ("pacer_username", "cmecf_login"):
        return _share(sample, _USERNAME) >= FIT and _share(sample, _DIGITS7) < 1 - FIT
    if column == "paa_id":
        return _share(sample, _ID_CHARS) >= FIT
    if column == "email":
        return _share(sample, _EMAIL) >= FIT
    if column == "bar_id":
        return _share(sample, r"^[^@\s]{0,12}\d[^@]{0,12}$") >= FIT
    if col.dtype == C.CATEGORY:
        known = C.category_map(col)
        return sum(C.header_key(v) in known for v in sample) / len(sample) >= FIT
    if col.dtype == C.BOOL:
        yes_no = {C.header_key(v) for v in C.BOOL_TRUE + C.BOOL_FALSE}
        return sum(C.header_key(v) in yes_no for v in sample) / len(sample) >= FIT
    if col.dtype == C.DATE:
        return _share(sample, _DATE) >= FIT
    if column in (C.PERSON_COLUMN.get(kind), "firm_name"):
        return _share(sample, r".*[^\W\d_].*") >= FIT and _share(sample, r".*@.*") < 1 - FIT
    return True


def _guesses(kind: str, words: tuple[str, ...]) -> tuple[str, ...]:
    own = {c.name for c in C.columns(kind)}
    have = set(words)
    out = []
    for column, any_of, all_of, none_of in _GUESS:
        if column in own and have & any_of and all_of <= have and not have & none_of:
            out.append(column)
    return tuple(out)


def _without_notes(text: str) -> str:
    """A header without what it says in parentheses or brackets: "Status (A/I)" -> "Status"."""
    return re.sub(r"[(\[][^)\]]*[)\]]", " ", text)


def candidates(kind: str, header: str) -> tuple[int, tuple[str, ...]]:
    """(how plainly the header names them: 3 the column's own name, 2 one of its spellings, 1 read from
    its words or one of several, 0 nothing; the columns it may name)."""
    amap = C.alias_map(kind)
    for text in dict.fromkeys((header, _without_notes(header))):
        key = C.column_key(text)
        if not key:
            continue
        if key in AMBIGUOUS[kind]:
            return 1, AMBIGUOUS[kind][key]
        if key in amap:
            return (3 if key == C.column_key(amap[key]) else 2), (amap[key],)
    found = _guesses(kind, C.header_words(_without_notes(header)))
    return (1, found) if found else (0, ())


def recognise(kind: str, headers: list[str | None], sample: Callable[[int], list[str]],
              header_map: Mapping[str, str | None]) -> Recognised:
    """Which position holds which column.  ``headers``: the header cells as written (None: blank);
    ``sample(i)``: some non-blank values of position ``i``; ``header_map``: the user's choice, header as
    written (or its ``column_key``) -> column, or None for "not used"."""
    out = Recognised()
    chosen = {C.column_key(h): c for h, c in header_map.items()}
    taken = {c for c in header_map.values() if c is not None}
    claims: dict[str, list[tuple[int, int]]] = {}      # column -> [(level, position)]
    open_: list[tuple[int, tuple[str, ...]]] = []      # positions whose header names several columns
    samples: dict[int, list[str]] = {}

    def values(i: int) -> list[str]:
        if i not in samples:
            samples[i] = sample(i)
        return samples[i]

    for i, h in enumerate(headers):
        if h is None:
            continue
        if h in header_map or C.column_key(h) in chosen:
            canon = header_map[h] if h in header_map else chosen[C.column_key(h)]
            if canon is not None:
                out.canon[i] = canon
            continue
        level, cands = candidates(kind, h)
        cands = tuple(c for c in cands if c not in taken)
        if level >= 2 and len(cands) == 1:
            claims.setdefault(cands[0], []).append((level, i))
        elif cands:
            open_.append((i, cands))
    for column, who in claims.items():
        if column == "pacer_username":   # 7-digit numbers under "PACER Account" are no usernames
            for level, i in list(who):
                if len(values(i)) and _share(values(i), _DIGITS7) >= FIT:
                    out.refused.append((i, column, "7-digit account numbers, not usernames"))
                    who.remove((level, i))
        if not who:
            continue
        if len(who) > 1:
            who.sort(key=lambda li: (not fits(kind, column, values(li[1])), -li[0], li[1]))
        out.canon[who[0][1]] = column
        taken.add(column)
        for _, i in who[1:]:
            if fits(kind, column, values(i)):
                out.duplicates[i] = column
    for i, cands in open_:
        free = [c for c in cands if c not in taken]
        good = [c for c in free if fits(kind, c, values(i))]
        if len(good) == 1:
            out.canon[i] = good[0]
            taken.add(good[0])
        elif len(good) > 1:
            out.ambiguous.append((str(headers[i]), tuple(good)))
    return out


def user_map(kind: str, name: str, header_map, written: list[str]) -> dict[str, str | None]:
    """The user's header map for this file: the entries whose header it has (as written, or the same
    words), each naming a column of its kind (by its name or in plain words, "PACER username")."""
    if not header_map:
        return {}
    by_key = {C.column_key(c.name): c.name for c in C.columns(kind)}
    present = set(written) | {C.column_key(h) for h in written}
    out: dict[str, str | None] = {}
    for header, canon in header_map.items():
        if header not in present and C.column_key(header) not in present:
            continue
        if canon is None or not str(canon).strip() or C.column_key(canon) in ("none", "notused", "ignore"):
            out[header] = None
            continue
        own = by_key.get(C.column_key(canon))
        if own is None and not any(C.column_key(canon) == C.column_key(c.name)
                                   for k in C.KINDS for c in C.columns(k)):
            raise ValueError(f"unknown column {canon!r} for {kind} (header {header!r})")
        if own is None:
            raise InputError(name, (
                f"the column {header!r} is mapped to {canon!r}, which is not a column of "
                f"{C.KIND_LABELS[kind]} (its columns: {', '.join(by_key.values())})"))
        out[header] = own
    return out
