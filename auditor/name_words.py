"""Name keys of plain names (ASCII, no control characters) worked out on their bytes with numpy.

``auditor.normalize`` makes a name's key with a dozen regular-expression passes over its text
(surname first after a comma, folded, suffixes and initials dropped, first and last word kept).
Most names are plain ASCII: for them the same passes come down to operations on the name's words,
done here at once for every name with numpy over the bytes of the Arrow array, word by word:

1. "Last, First Middle, Suffix" reads "First Middle Last Suffix" (the regular expression's rule:
   a first comma with text on both sides; the text after a second comma comes last);
2. letters in lower case, "&" is the word "and", anything but a letter or a digit separates words;
3. suffix words (Jr., Esq., PhD...) are dropped, each leaving a space in its place;
4. single-letter words are dropped by two passes of ``(^|\\s)\\S(\\s|$)``, which take out an initial
   only where the space before it was not taken by the initial just before: in a row of initials
   one space apart, every other one per pass (the row's 4th, 8th... stay, as with the expression);
5. the first and last words remaining make the key ("first last", or one word when they are the
   same word).

Every other name (accents, other scripts, control characters) keeps the regular expressions: the
two ways give byte-identical keys (the tests compare them on generated and sampled names).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SUFFIX_WORDS = ("jr", "sr", "ii", "iii", "iv", "v", "esq", "esquire", "md", "phd", "cpa")  # normalize._SUFFIXES

_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A"):ord("Z") + 1] += 32
_ALNUM = np.zeros(256, dtype=bool)
for _lo, _hi in (("a", "z"), ("A", "Z"), ("0", "9")):
    _ALNUM[ord(_lo):ord(_hi) + 1] = True
_PLAIN = np.zeros(256, dtype=bool)
_PLAIN[0x20:0x7F] = True           # printable ASCII: no control character, nothing beyond ASCII
_COMMA = ord(",")
CHUNK = 50_000   # names at a time: the arrays over their bytes and words stay a few MB (in cache)


def _pack(words: list[bytes]) -> np.ndarray:
    return np.array([int.from_bytes(w, "little") for w in words], dtype=np.uint64)


_SUFFIX_CODES = _pack([w.encode() for w in SUFFIX_WORDS])
_SUFFIX_MAX = max(len(w) for w in SUFFIX_WORDS)


def _parts(a: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets relative to the first value, bytes) of a large_string array without nulls."""
    offsets = np.frombuffer(a.buffers()[1], dtype=np.int64)[a.offset:a.offset + len(a) + 1]
    data = a.buffers()[2]
    b = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return offsets - offsets[0], b[offsets[0]:offsets[-1]]


def plain(a: pa.Array) -> np.ndarray:
    """Per value: printable ASCII only and not null (the names ``keys`` takes)."""
    a = a.cast(pa.large_string())
    offsets, b = _parts(a.fill_null(""))
    ok = pc.is_valid(a).to_numpy(zero_copy_only=False)
    ok[np.searchsorted(offsets, np.flatnonzero(~_PLAIN[b]), side="right") - 1] = False
    return ok


def letters(a: pa.Array) -> pa.Array:
    """Each value with only its ASCII letters (in lower case) and digits: ``[^a-z0-9]+`` taken out of
    text already in lower case, byte by byte (no byte of a character beyond ASCII is one of those)."""
    a = a.cast(pa.large_string())
    if len(a) > CHUNK:   # a chunk's arrays stay in cache
        return pa.concat_arrays([letters(a.slice(i, CHUNK)) for i in range(0, len(a), CHUNK)])
    offsets, b = _parts(a.fill_null(""))
    low = _LOWER[b]
    keep = _ALNUM[low]
    kept = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    validity = pc.is_valid(a).to_numpy(zero_copy_only=False)
    return pa.LargeStringArray.from_buffers(len(a), pa.py_buffer(kept[offsets]), pa.py_buffer(low[keep]),
                                            pa.py_buffer(np.packbits(validity, bitorder="little")))


_WORD = _ALNUM.copy()
_WORD[ord("_")] = True             # a word character of a regular expression's \\w (ASCII)
_JOINS = np.zeros(256, dtype=bool)
_JOINS[[ord("."), ord("'")]] = True   # left out of a name when it is folded: "J.R." reads "jr"


def has_word(a: pa.Array, words: tuple[str, ...]) -> np.ndarray:
    """Per value of an ASCII-only array: one of its words is one of ``words`` (ASCII, in lower case, at
    most 6 characters), as ``re.search(r"\\b(w1|w2...)\\b", text)`` finds on the text in lower case with
    "." and "'" left out (``identity.fold`` of ASCII text); never for a null."""
    a = a.cast(pa.large_string())
    wanted = np.asarray([sum(c * 256 ** i for i, c in enumerate(w.encode())) for w in words], dtype=np.float64)
    return np.concatenate([_has_word(a.slice(i, CHUNK), wanted) for i in range(0, len(a), CHUNK)]
                          or [np.zeros(0, dtype=bool)])


_PLACE = 256.0 ** np.arange(6)   # a word's first six bytes as one number (exact in a float64)


def _has_word(a: pa.Array, wanted: np.ndarray) -> np.ndarray:
    offsets, raw = _parts(a.fill_null(""))
    b = _LOWER[raw]
    word = _WORD[b]
    part = word | _JOINS[b]                 # the bytes of a word as folded, and those left out of it
    opens = part.copy()                     # the first byte of each run of such bytes, within a value
    if len(b):
        opens[1:] &= ~part[:-1]
        inner = offsets[1:-1]
        inner = inner[inner < len(b)]
        opens[inner] = part[inner]
    start = np.flatnonzero(opens)
    at = np.flatnonzero(word)
    r = np.searchsorted(start, at, side="right") - 1           # the run of each word byte
    before = np.cumsum(word, dtype=np.int32) - word            # word bytes before each byte
    rank = before[at] - before[start][r]                       # the byte's place in its word
    short = rank < 6
    packed = np.bincount(r[short], weights=b[at[short]] * _PLACE[rank[short]], minlength=len(start))
    hit = (np.bincount(r, minlength=len(start)) <= 6) & np.isin(packed, wanted)
    out = np.zeros(len(a), dtype=bool)
    out[np.searchsorted(offsets, start[hit], side="right") - 1] = True
    return out & pc.is_valid(a).to_numpy(zero_copy_only=False)


def rows_with(a: pa.Array, chars: bytes) -> np.ndarray:
    """Per value: it holds one of the ASCII ``chars`` (never for a null).  Looked for in the bytes: a
    character beyond ASCII is several bytes, none of them ASCII."""
    a = a.cast(pa.large_string())
    offsets, b = _parts(a.fill_null(""))
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    out = np.zeros(len(a), dtype=bool)
    out[np.searchsorted(offsets, np.flatnonzero(table[b]), side="right") - 1] = True
    return out & pc.is_valid(a).to_numpy(zero_copy_only=False)


def _gather(b: np.ndarray, starts: np.ndarray, lens: np.ndarray, valid: np.ndarray) -> pa.Array:
    """A large_string array whose value i is the byte spans (start, length) of ``b`` at ``len(valid)``
    consecutive groups of ``len(starts) // len(valid)`` spans; null where not ``valid``."""
    n = len(valid)
    ends = np.cumsum(lens, dtype=np.int64)
    offsets = np.concatenate([[0], ends.reshape(n, -1)[:, -1]]) if n else np.zeros(1, dtype=np.int64)
    used = np.flatnonzero(lens)
    step = np.ones(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    if len(used):   # each span's first byte: a jump from the end of the span before
        head = ends[used] - lens[used]
        step[head] = starts[used] - np.concatenate([[starts[used[0]]], starts[used[:-1]] + lens[used[:-1]] - 1])
        step[0] = starts[used[0]]
    data = b[np.cumsum(step)] if len(step) else np.zeros(0, dtype=np.uint8)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data),
                                            pa.py_buffer(np.packbits(valid, bitorder="little")))


def _same_text(b: np.ndarray, x: np.ndarray, y: np.ndarray, lens: np.ndarray, check: np.ndarray) -> np.ndarray:
    """Whether the spans of ``lens`` bytes at ``x`` and ``y`` hold the same bytes, where ``check``."""
    out = check.copy()
    todo = np.flatnonzero(check & (lens > 0))
    for k in range(int(lens.max(initial=0))):
        todo = todo[lens[todo] > k]
        differ = b[x[todo] + k] != b[y[todo] + k]
        out[todo[differ]] = False
        todo = todo[~differ]
    return out


def _initials_pass(single: np.ndarray, linked_gap: np.ndarray) -> np.ndarray:
    """Which words one pass of ``(^|\\s)\\S(\\s|$)`` takes out: a single-letter word, unless the word
    before it (in the same name, ``linked_gap`` > 0 giving the spaces between) was taken out and
    only one space lies between (the pass took that space)."""
    n = len(single)
    idx = np.arange(n)
    prev_single = np.concatenate([[False], single[:-1]])
    linked = single & prev_single & (linked_gap == 1)
    start = np.where(single & ~linked, idx, 0)
    run_start = np.maximum.accumulate(start) if n else start
    return single & ((idx - run_start) % 2 == 0)


def keys(a: pa.Array) -> pa.Array:
    """``normalize._name_key`` of names that are all ``plain``; large_string, null where none."""
    a = a.cast(pa.large_string())
    if len(a) <= CHUNK:
        return _keys(a)
    return pa.concat_arrays([_keys(a.slice(i, CHUNK)) for i in range(0, len(a), CHUNK)])


def _keys(a: pa.Array) -> pa.Array:
    if pc.any(pc.match_substring(a, "&")).as_py():
        a = pc.replace_substring(a, "&", " and ")
    a = pc.utf8_trim_whitespace(a)
    offsets, raw = _parts(a)
    n = len(a)
    b = _LOWER[raw]
    starts, ends = offsets[:-1], offsets[1:]
    # 1. the comma: "A, B[, C]" reads "B A C" when A and B are not empty (A before the first comma,
    # B up to the second, which must not follow the first at once)
    at = np.flatnonzero(b == _COMMA)
    at_name = np.searchsorted(offsets, at, side="right") - 1
    lead = np.concatenate([[True], at_name[1:] != at_name[:-1]]) if len(at) else np.zeros(0, dtype=bool)
    rank = np.arange(len(at)) - np.maximum.accumulate(np.where(lead, np.arange(len(at)), 0))
    second = rank == 1
    first = np.full(n, len(b), dtype=np.int64)              # no comma: past every byte
    first[at_name[lead]] = at[lead]
    then = np.full(n, len(b), dtype=np.int64)
    then[at_name[second]] = at[second]
    after = np.minimum(first + 1, max(len(b) - 1, 0))
    turned = ((first < ends) & (first > starts) & (first + 1 < ends) & (b[after] != _COMMA)
              if len(b) else np.zeros(n, dtype=bool))
    # 2. the words: runs of letters and digits within one name
    alnum = _ALNUM[b]
    opens = np.empty(len(b), dtype=bool)
    closes = np.empty(len(b), dtype=bool)
    if len(b):
        opens[0], closes[-1] = True, True
        np.logical_not(alnum[:-1], out=opens[1:])
        np.logical_not(alnum[1:], out=closes[:-1])
        inner = starts[(starts > 0) & (starts < len(b))]
        opens[inner] = True
        closes[inner - 1] = True
    w_start = np.flatnonzero(alnum & opens)
    w_len = np.flatnonzero(alnum & closes) + 1 - w_start
    w_name = np.searchsorted(offsets, w_start, side="right") - 1
    part = (w_start > first[w_name]).astype(np.int64) + (w_start > then[w_name])   # 0: A, 1: B, 2: C
    order = np.argsort(w_name * 3 + np.where(turned[w_name], np.array([1, 0, 2])[part], 0), kind="stable")
    w_start, w_len, w_name = w_start[order], w_len[order], w_name[order]
    # 3. suffix words out; each leaves a space, so two words around one are three spaces apart
    last = max(len(b) - 1, 0)
    packed = np.zeros(len(w_start), dtype=np.uint64)
    for k in range(_SUFFIX_MAX):
        byte = b[np.minimum(w_start + k, last)] if len(b) else np.zeros(0, dtype=np.uint8)
        packed |= np.where(w_len > k, byte, 0).astype(np.uint64) << np.uint64(8 * k)
    suffix = (w_len <= _SUFFIX_MAX) & np.isin(packed, _SUFFIX_CODES)
    dropped = np.cumsum(suffix, dtype=np.int64)
    keep = np.flatnonzero(~suffix)
    if not len(keep):
        return pa.nulls(n, pa.large_string())
    k_name, k_start, k_len = w_name[keep], w_start[keep], w_len[keep]
    same = np.concatenate([[False], k_name[1:] == k_name[:-1]])
    between = np.concatenate([[0], np.diff(dropped[keep]) if len(keep) else []])
    gap = np.where(same, 1 + 2 * between, 0)
    # 4. initials: two passes; after the first, the spaces between two words left are those
    # between them less one for each word taken out between them
    single = k_len == 1
    out1 = _initials_pass(single, gap)
    left = np.flatnonzero(~out1)
    gaps_sum = np.cumsum(gap, dtype=np.int64)
    out_sum = np.cumsum(out1, dtype=np.int64)
    l_name = k_name[left]
    l_same = np.concatenate([[False], l_name[1:] == l_name[:-1]])
    l_gap = np.where(l_same, np.concatenate([[0], np.diff(gaps_sum[left]) - np.diff(out_sum[left])])
                     if len(left) else np.zeros(0, dtype=np.int64), 0)
    out2 = _initials_pass(single[left], l_gap)
    final = left[~out2]
    # 5. the first and last words left (the words are in name order)
    f_name = k_name[final]
    has = np.zeros(n, dtype=bool)
    has[f_name] = True
    new_name = np.flatnonzero(np.concatenate([[True], f_name[1:] != f_name[:-1]])) if len(final) else final
    first_w = np.zeros(n, dtype=np.int64)
    last_w = np.zeros(n, dtype=np.int64)
    first_w[f_name[new_name]] = final[new_name]
    last_w[f_name[new_name]] = final[np.concatenate([new_name[1:] - 1, [len(final) - 1]])] if len(final) else final
    f_start, f_len = k_start[first_w], np.where(has, k_len[first_w], 0)
    l_start, l_len = k_start[last_w], np.where(has, k_len[last_w], 0)
    alike = (first_w == last_w) | _same_text(b, f_start, l_start, np.where(f_len == l_len, f_len, 0), f_len == l_len)
    two = has & ~alike
    space = len(b)                       # one space past the names' bytes
    spans = np.stack([f_start, np.full(n, space), l_start], axis=1).ravel()
    widths = np.stack([f_len, two.astype(np.int64), np.where(two, l_len, 0)], axis=1).ravel()
    joined = _gather(np.append(b, np.uint8(ord(" "))), spans, widths, has)
    return joined
