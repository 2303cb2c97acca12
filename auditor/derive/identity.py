"""Who is who: one decision, in one place, on whether two records are the same person.

Every comparison of people in the audit (the people sharing a PACER username, the holder the PACER
list gives for a username, one person's several accounts) goes through ``decide``.  It answers
SAME, DIFFERENT or UNKNOWN for each pair of records and gives the evidence that decided, in this
order (docs/identity.md says the same in plain words):

1. a bar id on both records: the same bar id (normalised) is the same person, different bar ids
   are different people;
2. the same e-mail address (case-folded, "+tags" removed), or two addresses the PACER account list
   gives for one account: the same person;
3. otherwise the names decide.  Names are parsed by ``nameparser`` (titles such as "Atty." or
   "Hon." set aside; given name, middle names, surname, suffix; a nickname in quotes), folded
   (accents, case, apostrophes, spaces inside a surname).  Different surnames, different full given
   names (unless one is a known nickname of the other, from the ``nicknames`` list) or conflicting
   suffixes (Jr. and Sr., II and III) are different people; middle names are not compared.  A few
   pairs the nickname list links are different names (Andrew and Andrea: ``DIFFERENT_NAMES``), or
   may or may not be one name (Lisa and Elizabeth: ``MAYBE_ONE_NAME``, unknown).  An
   initial may stand for a full given name; a hyphenated surname matches either of its parts; a
   surname written first without a comma is recognised.  The same name is the same person unless
   the firms differ (different people) or the e-mail addresses differ (unknown: the finding says
   "possibly").  Surnames alike only in spelling (rapidfuzz score of 90 or more) are unknown.

Names are parsed once per distinct name and compared once per distinct pair of names (both
cached); everything else is numpy over integer codes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from nameparser import HumanName
from nicknames import NickNamer
from rapidfuzz import fuzz

from auditor import normalize as nz
from auditor.derive import name_pairs

SAME, UNKNOWN, DIFFERENT = 1, 0, -1
GENERATIONS = {"jr": "Jr.", "junior": "Jr.", "sr": "Sr.", "senior": "Sr.", "ii": "II", "2nd": "II",
               "iii": "III", "3rd": "III", "iv": "IV", "4th": "IV", "v": "V"}
SPELLING_SCORE = 90
_GENERATION_RE = r"\b(" + "|".join(name_pairs.GENERATION_WORDS) + r")\b"
_ALNUM_RUN = re.compile(r"[^\W_]+")   # a run of the characters str.isalnum() takes (\w is those and "_")


class Name(NamedTuple):
    given: str                 # folded first given name ("" when none)
    surname: str               # folded, letters only ("mc donald" -> "mcdonald")
    surname_parts: frozenset   # the parts of a hyphenated or spaced surname
    generation: str            # Jr., Sr., II... ("" when none)
    nickname: str              # a nickname given in quotes


def fold(text: str) -> str:
    """Lower case without accents (NFKD), apostrophes and dots dropped."""
    if not text.isascii():   # ASCII text has no accent to take off
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower().replace("'", "").replace("\u2019", "").replace(".", "").strip()


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@lru_cache(maxsize=200_000)
def parse(raw: str) -> Name | None:
    """The parts of one name as written (cached: a name is parsed once however often it appears)."""
    h = HumanName(raw)
    given = _letters(fold(h.first))
    surname_text = fold(h.last)
    suffixes = [_letters(fold(s)) for s in h.suffix_list]
    generation = next((GENERATIONS[s] for s in suffixes if s in GENERATIONS), "")
    if not surname_text and given:       # one word: take it as the surname
        surname_text, given = given, ""
    if not surname_text:
        return None
    parts = frozenset(p for p in _letters_split(surname_text) if p)
    return Name(given, _letters(surname_text), parts, generation, _letters(fold(h.nickname)))


def _letters_split(text: str) -> list[str]:
    return [_letters(p) for p in text.replace("-", " ").split()]


@lru_cache(maxsize=1)
def _nicknames() -> NickNamer:
    return NickNamer()


def nickname_of(a: str, b: str) -> bool:
    """One given name is a known nickname of the other (Bob and Robert, Liz and Elizabeth)."""
    nn = _nicknames()
    return b in nn.nicknames_of(a) or a in nn.nicknames_of(b)


def _pairs(*pairs: str) -> frozenset:
    return frozenset(frozenset(p.split("/")) for p in pairs)


# The nickname list links some given names that are names of different people, a spouse or a
# sibling as often as not (Andrew and Andrea Smith): these are different names.  Found by comparing
# every pair of the most common American given names (and the pairs below them in the list).
DIFFERENT_NAMES = _pairs(
    "aaron/erin", "andrea/andrew", "anna/hannah", "bill/fred", "billy/fred", "emily/emma", "frederica/frederick",
    "hannah/susan", "jack/jacqueline", "jane/jean", "jonathan/nathan", "patrick/peter")
# ... and some that are as often names of their own as one name: whether the two are one person
# is unknown (the finding says "possibly").
MAYBE_ONE_NAME = _pairs("elizabeth/lisa", "john/jonathan", "lisa/melissa")


def _given_verdict(a: Name, b: Name) -> tuple[int, str]:
    ga, gb = a.given, b.given
    if not ga or not gb:
        return UNKNOWN, "the same surname, no first name on one side"
    if ga == gb or (a.nickname and a.nickname == gb) or (b.nickname and b.nickname == ga):
        return SAME, "the same name"
    if len(ga) == 1 or len(gb) == 1:
        if ga[0] == gb[0]:
            return SAME, "the same surname and first initial"
        return DIFFERENT, "the first initials differ"
    if nickname_of(ga, gb):
        pair = frozenset((ga, gb))
        if pair in DIFFERENT_NAMES:
            return DIFFERENT, "the first names differ"
        if pair in MAYBE_ONE_NAME:
            return UNKNOWN, "the first names may or may not be one name"
        return SAME, "the same name (a known nickname)"
    return DIFFERENT, "the first names differ"


def _surname_verdict(a: Name, b: Name) -> tuple[int, str]:
    if a.surname == b.surname:
        return SAME, ""
    if a.surname_parts and b.surname_parts and (a.surname_parts <= b.surname_parts
                                                or b.surname_parts <= a.surname_parts):
        return SAME, " (one surname is part of the other)"
    if fuzz.ratio(a.surname, b.surname) >= SPELLING_SCORE:
        return UNKNOWN, "the surnames are alike but spelt differently"
    return DIFFERENT, "the surnames differ"


@lru_cache(maxsize=200_000)
def _words(raw: str) -> frozenset:
    """The words of a name (two letters or more, folded) and each two neighbours run together."""
    words = [w for w in _ALNUM_RUN.findall(fold(raw)) if len(w) >= 2]
    return frozenset(words + [x + y for x, y in zip(words, words[1:])])


@lru_cache(maxsize=200_000)
def compare_names(raw_a: str, raw_b: str) -> tuple[int, str]:
    """SAME, DIFFERENT or UNKNOWN judged on the two names alone, with the reason in plain words."""
    if not _words(raw_a) & _words(raw_b):     # not one word in common: no need to parse
        return DIFFERENT, "the names differ"
    a, b = parse(raw_a), parse(raw_b)
    if a is None or b is None:
        return UNKNOWN, "a name is missing"
    surname, note = _surname_verdict(a, b)
    if surname == DIFFERENT and a.given and b.given:
        # "Pruitt Elizabeth", "Pruitt Elizabeth A.": a surname written first without a comma, either side
        swapped = None    # the surnames agree read so: then the given names decide
        for raw, x, y in ((raw_a, a, b), (raw_b, b, a)):
            for c in (x._replace(given=x.surname, surname=x.given, surname_parts=frozenset([x.given])),
                      _surname_first(raw)):
                if c is None or _surname_verdict(c, y)[0] != SAME:
                    continue
                if c.generation and y.generation and c.generation != y.generation:
                    return DIFFERENT, f"one is {c.generation}, the other {y.generation}"
                given, why = _given_verdict(c, y)
                if given == SAME:
                    return SAME, "the same name (surname written first)"
                swapped = swapped or (given, why)
        if swapped:
            return swapped
    if surname == DIFFERENT:
        return DIFFERENT, note
    if a.generation and b.generation and a.generation != b.generation:
        return DIFFERENT, f"one is {a.generation}, the other {b.generation}"
    given, reason = _given_verdict(a, b)
    if given != SAME:
        return given, reason
    if surname == UNKNOWN:
        return UNKNOWN, note
    return SAME, reason + note


def _surname_first(raw: str) -> Name | None:
    """A name written surname first without a comma ("Pruitt Elizabeth A.", "Grant Henry Jr."), read as
    given names then surname; None when it has a comma (then "Last, First" is plain)."""
    if "," in raw:
        return None
    words = raw.split()
    tail: list[str] = []
    while words and re.fullmatch(_GENERATION_RE, fold(words[-1]), re.IGNORECASE):
        tail.insert(0, words.pop())
    if len(words) < 2:
        return None
    return parse(" ".join(words[1:] + words[:1] + tail))


@lru_cache(maxsize=200_000)
def generation_of(raw: str) -> str:
    """The suffix of generation a name carries (Jr., Sr., II...), "" when none."""
    if not re.search(_GENERATION_RE, fold(raw)):
        return ""
    name = parse(raw)
    return name.generation if name is not None else ""


class Side(NamedTuple):
    """One side of each pair, as integer codes (-1 where missing) and the name as written."""
    bar: np.ndarray
    email: np.ndarray     # e-mail group code: addresses the PACER list links share a code
    firm: np.ndarray
    name: object          # names as written: an object or Arrow array, or (distinct names, codes)


def decide(a: Side, b: Side, names_same: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each pair (a[i], b[i]): SAME, DIFFERENT or UNKNOWN, and the deciding evidence.
    ``names_same``: pairs already known to have the same name (``plainly_same``), not parsed again."""
    verdict, reason, texts = decide_coded(a, b, names_same)
    return verdict, np.array(texts + [None], dtype=object)[reason]


def decide_coded(a: Side, b: Side, names_same: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``decide``, with the evidence as a code per pair into a list of texts (a few dozen distinct
    texts for a million pairs: no Python object per pair)."""
    texts: list[str] = []
    index: dict[str, int] = {}

    def code(text: str) -> int:
        if text not in index:
            index[text] = len(texts)
            texts.append(text)
        return index[text]

    n = len(a.bar)
    verdict = np.zeros(n, dtype=np.int8)
    reason = np.full(n, -1, dtype=np.int32)
    bars = (a.bar >= 0) & (b.bar >= 0)
    same_bar = bars & (a.bar == b.bar)
    verdict[same_bar], reason[same_bar] = SAME, code("the same bar id")
    verdict[bars & ~same_bar], reason[bars & ~same_bar] = DIFFERENT, code("different bar ids")
    open_ = ~bars
    same_email = open_ & (a.email >= 0) & (a.email == b.email)
    verdict[same_email], reason[same_email] = SAME, code("the same e-mail address")
    if same_email.any():
        # a father and son (Jr. and Sr.) may share a mailbox, never a person: the suffixes outrank the address
        at = np.flatnonzero(same_email)
        differ, why = name_pairs.generations_differ(*name_pairs.coded(a.name, b.name, at), generation_of)
        verdict[at[differ]] = DIFFERENT
        reason[at[differ]] = [code(w) for w in why[differ]]
    todo = np.flatnonzero(open_ & ~same_email)
    if len(todo):
        nv = np.full(len(todo), SAME, dtype=np.int8)
        nr = np.full(len(todo), code("the same name"), dtype=np.int32)
        parse_ = np.flatnonzero(~names_same[todo]) if names_same is not None else np.arange(len(todo))
        if len(parse_):   # each distinct pair of names compared once
            at = todo[parse_]
            codes_a, codes_b, distinct = name_pairs.coded(a.name, b.name, at)
            codes, first, second = name_pairs.distinct_pairs(codes_a, codes_b)
            # most pairs have no word in common (told apart in Arrow): Python compares the others
            given = (first >= 0) & (second >= 0)
            look = np.zeros(len(first), dtype=bool)
            look[given] = name_pairs.share_a_word(distinct, first[given], second[given])
            pv = np.full(len(first), UNKNOWN, dtype=np.int8)
            pr = np.full(len(first), code("a name is missing"), dtype=np.int32)
            pv[given & ~look], pr[given & ~look] = DIFFERENT, code("the names differ")
            compared = [compare_names(x, y) for x, y in zip(name_pairs.texts(distinct, first[look]),
                                                            name_pairs.texts(distinct, second[look]))]
            pv[look] = [v for v, _ in compared]
            pr[look] = [code(r) for _, r in compared]
            nv[parse_], nr[parse_] = pv[codes], pr[codes]
        firms = (a.firm[todo] >= 0) & (b.firm[todo] >= 0) & (a.firm[todo] != b.firm[todo])
        emails = (a.email[todo] >= 0) & (b.email[todo] >= 0)   # both given, and not the same (see above)
        v = nv.copy()
        r = nr.copy()
        alike = nv >= UNKNOWN
        v[alike & firms], r[alike & firms] = DIFFERENT, code("the same name but different firms")
        both = (nv == SAME) & ~firms & emails
        v[both], r[both] = UNKNOWN, code("the same name but different e-mail addresses")
        verdict[todo], reason[todo] = v, r
    return verdict, reason, texts


def generation_flags(raws: pa.Array) -> np.ndarray:
    """Per name as written: whether it carries a suffix of generation (Jr., Sr., II...)."""
    hit = pc.match_substring_regex(raws, _GENERATION_RE, ignore_case=True)
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def plainly_same(key_a: np.ndarray, key_b: np.ndarray, gen_a: np.ndarray, gen_b: np.ndarray) -> np.ndarray:
    """Pairs whose names need no parsing to be called the same: the same normalised name key ("first
    last") and no suffix of generation (``generation_flags``) on either side.  The others go through
    ``compare_names``."""
    return (key_a >= 0) & (key_a == key_b) & ~gen_a & ~gen_b


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components of n nodes joined by edges (i, j): the smallest node of each, per node."""
    label = np.arange(n, dtype=np.int64)
    if not len(i):
        return label
    while True:
        low = np.minimum(label[i], label[j])
        new = label.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]                    # pointer jumping
        if np.array_equal(new, label):
            return label
        label = new


def email_groups(email_key: pa.Array, pacer: tuple[np.ndarray, pa.Array, pa.Array] | None,
                 users: np.ndarray) -> np.ndarray:
    """A code per e-mail address (``email_key``: the addresses' keys); addresses the PACER account
    list gives for one account (rows of the same username, or the same account number) share a code.
    ``pacer``: the list's username codes, e-mail addresses and account numbers."""
    if pacer is None or not len(pacer[0]):
        return nz.factorize(email_key)[0]
    pacer_user, pacer_email, pacer_account = pacer
    marked = np.zeros(int(max(pacer_user.max(initial=-1), users.max(initial=-1))) + 1, dtype=np.bool_)
    marked[users] = True
    mine = pa.array(np.flatnonzero(nz.at(marked, pacer_user, False)))
    p_email = nz.email_arrow(pacer_email.take(mine))
    both = pa.concat_arrays([email_key.cast(pa.large_string()), p_email.cast(pa.large_string())])
    code, _ = nz.factorize(both)
    n = int(code.max()) + 1 if len(code) else 0
    mine_code = code[len(email_key):]
    acct = nz.factorize(pacer_account.take(mine))[0]
    edges = []
    for key in (pacer_user[mine.to_numpy()], acct):
        ok = (key >= 0) & (mine_code >= 0)
        k, e = key[ok], mine_code[ok]
        low = np.full(int(k.max(initial=-1)) + 1, n, dtype=np.int64)
        np.minimum.at(low, k, e)                # the smallest address of each account
        edges.append((e, low[k]))
    i = np.concatenate([e[0] for e in edges]) if edges else np.empty(0, np.int64)
    j = np.concatenate([e[1] for e in edges]) if edges else np.empty(0, np.int64)
    label = components(n, i, j)
    own = code[:len(email_key)]
    if not n:
        return own
    return np.where(own >= 0, label[np.maximum(own, 0)], -1)
