"""The names of pairs of records as integer codes into one array of distinct names, so that
``auditor.derive.identity.decide`` looks at each distinct name, and each distinct pair of names,
once: a million pairs of a PACER holder and a filer hold far fewer distinct names, and most of them
need no Python at all (a suffix of generation is looked for by Arrow first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import name_words
from auditor import normalize as nz

# What a name's suffix of generation can be (``identity.GENERATIONS``), 0 standing for none.
GENERATION_LABELS = ("", "Jr.", "Sr.", "II", "III", "IV", "V")
_GENERATION_CODE = {g: i for i, g in enumerate(GENERATION_LABELS)}
# Every name whose folded text ``identity.generation_of`` finds a suffix in holds one of these once
# accents are taken apart (NFKD), cased down and everything but ASCII letters and digits dropped
# (folding only drops, and the suffixes are made of ASCII letters and digits): a superset, looked
# for in C++, so that ``generation_of`` runs only on the few names that may carry a suffix.
_MAYBE_GENERATION = "jr|junior|sr|senior|ii|iv|2nd|3rd|4th"
# The words ``identity._GENERATION_RE`` looks for.
GENERATION_WORDS = ("jr", "junior", "sr", "senior", "ii", "iii", "iv", "2nd", "3rd", "4th")


def coded(a_names, b_names, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """The names of both sides at the pairs ``at`` as codes into one array of distinct names: (codes
    of side a, codes of side b, the distinct names); -1 where a side has no name.

    A side's names are an object or Arrow array (one per pair), or (distinct names, a code per pair)."""
    if isinstance(a_names, tuple) and isinstance(b_names, tuple) and a_names[0] is b_names[0]:
        return (np.asarray(a_names[1][at], dtype=np.int64), np.asarray(b_names[1][at], dtype=np.int64),
                a_names[0])
    a, b = _arrow_at(a_names, at), _arrow_at(b_names, at)
    codes, distinct = nz.factorize(pa.concat_arrays([a, b]))
    return codes[:len(at)], codes[len(at):], distinct


def _arrow_at(names, at: np.ndarray) -> pa.Array:
    if isinstance(names, tuple):          # (distinct names, a code per pair; -1: none)
        distinct, codes = names
        picked = distinct.take(pa.array(codes[at], mask=codes[at] < 0))
    elif isinstance(names, (pa.Array, pa.ChunkedArray)):
        picked = names.take(pa.array(at))
    else:
        picked = pa.array(np.asarray(names, dtype=object)[at], type=pa.large_string(), from_pandas=True)
    if isinstance(picked, pa.ChunkedArray):
        picked = picked.combine_chunks()
    return picked.cast(pa.large_string())


def texts(distinct: pa.Array, codes: np.ndarray) -> list:
    """The names at ``codes`` as Python text (None where the code is -1)."""
    return distinct.take(pa.array(codes, mask=codes < 0)).to_pylist()


def distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the code of each pair of name codes, the distinct pairs' a codes, their b codes)."""
    width = int(max(a.max(initial=-1), b.max(initial=-1))) + 2
    codes, keys = pd.factorize((a + 1) * width + (b + 1))
    keys = np.asarray(keys, dtype=np.int64)
    return codes, keys // width - 1, keys % width - 1


def share_a_word(distinct: pa.Array, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For pairs of codes of names (both given): whether the two may have a word in common, as
    ``identity.compare_names`` first looks (words of two letters or more, and each two neighbours run
    together, of the names folded).  False only where certainly not: two ASCII names, looked at in
    Arrow (the text in lower case, "." and "'" left out, runs of letters and digits); any other
    pair is left to Python."""
    if not len(a):
        return np.zeros(0, dtype=bool)
    used = np.unique(np.concatenate([a, b]))
    names = distinct.take(pa.array(used))
    plain = pc.fill_null(pc.string_is_ascii(names), False).to_numpy(zero_copy_only=False)
    words = pc.split_pattern_regex(pc.replace_substring_regex(pc.ascii_lower(names), "[.']", ""),
                                    "[^a-z0-9]+")
    owner = pc.list_parent_indices(words).to_numpy()
    flat = pc.list_flatten(words)
    keep = pc.greater_equal(pc.binary_length(flat), 2).to_numpy(zero_copy_only=False)
    owner, flat = owner[keep], flat.filter(pa.array(keep))
    after = np.flatnonzero(owner[1:] == owner[:-1])            # a word followed by one of the same name
    pairs = pc.binary_join_element_wise(flat.take(pa.array(after)), flat.take(pa.array(after + 1)),
                                        pa.scalar("", flat.type))
    token, _ = nz.factorize(pa.concat_arrays([flat, pairs]))
    tokens = pd.DataFrame({"name": np.concatenate([owner, owner[after]]), "token": token})
    ia, ib = np.searchsorted(used, a), np.searchsorted(used, b)
    width = int(token.max(initial=-1)) + 1
    sides = [pd.DataFrame({"pair": np.arange(len(a)), "name": side}).merge(tokens, on="name") for side in (ia, ib)]
    keys = [(f["pair"].to_numpy(dtype=np.int64) * width + f["token"].to_numpy(dtype=np.int64)) for f in sides]
    out = ~(plain[ia] & plain[ib])
    out[sides[0]["pair"].to_numpy()[np.isin(keys[0], keys[1])]] = True
    return out


def generation_codes(distinct: pa.Array, used: np.ndarray, generation_of) -> np.ndarray:
    """Per distinct name, its suffix of generation as a code (``GENERATION_LABELS``; 0: none), worked
    out for the names at the codes ``used`` (the others stay 0) by ``generation_of(name)``, called
    only for names that may carry one."""
    out = np.zeros(len(distinct), dtype=np.int8)
    marked = np.zeros(len(distinct), dtype=bool)
    marked[used[used >= 0]] = True
    need = np.flatnonzero(marked)
    if not len(need):
        return out
    names = distinct.take(pa.array(need))
    other = ~pc.string_is_ascii(names).to_numpy(zero_copy_only=False)   # ASCII text is its own NFKD form
    if other.any():
        names_nfkd = pc.replace_with_mask(names, pa.array(other),
                                          pc.utf8_lower(pc.utf8_normalize(names.filter(pa.array(other)), "NFKD")))
    else:
        names_nfkd = names
    letters = name_words.letters(names_nfkd)
    maybe = pc.fill_null(pc.match_substring_regex(letters, _MAYBE_GENERATION), False).to_numpy(zero_copy_only=False)
    # Of those, an ASCII name ("Olivia", "Israel") is looked at word by word as ``generation_of`` does
    # before parsing (no Python call for a name without such a word).
    plain = np.flatnonzero(maybe & ~other)
    if len(plain):
        maybe[plain] = name_words.has_word(names.take(pa.array(plain)), GENERATION_WORDS)
    if maybe.any():
        found = [_GENERATION_CODE[generation_of(t)] for t in names.filter(pa.array(maybe)).to_pylist()]
        out[need[maybe]] = np.asarray(found, dtype=np.int8)
    return out


def generations_differ(a: np.ndarray, b: np.ndarray, distinct: pa.Array, generation_of) -> tuple[np.ndarray, np.ndarray]:
    """For pairs of name codes: whether the names carry different suffixes of generation (Jr. and Sr.,
    II and III; ``generation_of(name)``), and the reason in words where they do."""
    two = a != b   # one name has one suffix: only the pairs of two different names are looked at
    # Side b is looked at only where side a carries a suffix (a few names in a hundred).
    gen = generation_codes(distinct, a[two], generation_of)
    two &= nz.at(gen, a, 0) > 0
    gen = np.maximum(gen, generation_codes(distinct, b[two], generation_of))
    ga, gb = nz.at(gen, a, 0), nz.at(gen, b, 0)
    differ = (ga > 0) & (gb > 0) & (ga != gb)
    words = np.array([[f"one is {x}, the other {y}" for y in GENERATION_LABELS] for x in GENERATION_LABELS],
                     dtype=object)
    reason = np.empty(len(a), dtype=object)
    reason[differ] = words[ga[differ], gb[differ]]
    return differ, reason
