"""Vectorised normalisation of names, firms, e-mails, bar ids and usernames.

Each function takes a pandas Series of text (missing values allowed) and
returns a Series of keys for comparison; a missing or blank value gives <NA>.
These keys are never shown to users: the report shows the values as read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from auditor import arrow_text, name_words
from auditor.columns import STRING


_SUFFIXES = r"\b(?:jr|sr|ii|iii|iv|v|esq|esquire|md|phd|cpa)\b"


def arrow(s: pd.Series) -> pa.Array:
    """The column as one pyarrow string array (Arrow compute runs in C++, not row by row in Python)."""
    if not isinstance(s.dtype, pd.StringDtype) or s.dtype.storage != "pyarrow":
        s = s.astype(STRING)
    data = s.array._pa_array
    if isinstance(data, pa.ChunkedArray):   # one chunk (as read) is handed on as it is, not copied
        return data.chunk(0) if data.num_chunks == 1 else data.combine_chunks()
    return data


def series(a: pa.Array, index) -> pd.Series:
    if a.type not in (pa.string(), pa.large_string()):
        a = a.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(a), index=index)


def _sub(a: pa.Array, pattern: str, repl: str) -> pa.Array:
    return pc.replace_substring_regex(a, pattern=pattern, replacement=repl)


def _blank_to_null(a: pa.Array) -> pa.Array:
    blank = pc.equal(pc.binary_length(a), 0)
    if not pc.any(blank).as_py():   # most columns have no blank left: handed on as they are
        return a
    return pc.if_else(blank, pa.scalar(None, a.type), a)


def _table(*ranges: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """The bytes in the ``ranges`` (first, last), as the fewest ranges (neighbours joined), for ``_holding``."""
    runs: list[list[int]] = []
    for b in sorted({b for lo, hi in ranges for b in range(lo, hi + 1)}):
        if runs and runs[-1][1] == b - 1:
            runs[-1][1] = b
        else:
            runs.append([b, b])
    return tuple((lo, hi) for lo, hi in runs)


# The bytes of a value that lower (upper) case or trimming may change: ASCII capitals (small letters),
# controls and the space, and every byte of a character outside ASCII.
_MAY_LOWER = _table((0, 0x20), (ord("A"), ord("Z")), (0x7F, 0xFF))
_MAY_UPPER = _table((0, 0x20), (ord("a"), ord("z")), (0x7F, 0xFF))
_PLUS = _table((ord("+"), ord("+")))
_BAR_SEPARATORS = _table(*((ord(c), ord(c)) for c in "\t\n\f\r .-/"))   # RE2's \s is ASCII [\t\n\f\r ]


def _bytes_in(data: np.ndarray, table: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Per byte: it is in one of ``table``'s ranges.  A comparison or two a range, which numpy runs on
    many bytes at once: three times faster than a look-up table indexed by each byte."""
    hit = np.zeros(len(data), dtype=bool)
    for lo, hi in table:
        if lo == hi:
            in_range = data == lo
        elif lo == 0:
            in_range = data <= hi
        elif hi == 0xFF:
            in_range = data >= lo
        else:   # (bytes below lo wrap round to above hi - lo)
            in_range = (data - np.uint8(lo)) <= np.uint8(hi - lo)
        hit = in_range if len(table) == 1 else np.logical_or(hit, in_range, out=hit)
    return hit


def _holding(a: pa.Array, table: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Per value: its bytes hold one of ``table``'s, looked for in the array's own buffers (no copy of
    its text).  A null value may be marked: whatever is done to the values marked leaves a null null."""
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if a.type != pa.large_string():
        a = a.cast(pa.large_string())
    out = np.zeros(len(a), dtype=bool)
    found = arrow_text.layout(a)
    if found is None:
        return out
    data, starts, ends = found
    hits = starts[0] + np.flatnonzero(_bytes_in(data[starts[0]:ends[-1]], table))
    out[np.searchsorted(starts, hits, side="right") - 1] = True
    return out


def _without_accents(a: pa.Array) -> pa.Array:
    """Accents taken off (NFKD, combining marks dropped), on the texts that are not ASCII only."""
    other = pc.fill_null(pc.invert(pc.string_is_ascii(a)), False)
    if not pc.any(other).as_py():
        return a
    return pc.replace_with_mask(a, other, _sub(pc.utf8_normalize(a.filter(other), form="NFKD"), r"\p{Mn}", ""))


def _fold(a: pa.Array) -> pa.Array:
    a = pc.utf8_lower(_without_accents(a))
    a = _sub(a, "&", " and ")
    # RE2 takes milliseconds to compile Unicode's letter and digit classes, at every call: texts of
    # ASCII only (nearly all) are given the same classes spelt in ASCII, the others Unicode's
    other = pc.fill_null(pc.invert(pc.string_is_ascii(a)), False)
    plain = _sub(a, r"[^A-Za-z0-9]+", " ")
    if pc.any(other).as_py():
        plain = pc.replace_with_mask(plain, other, _sub(a.filter(other), r"[^\pL\pN]+", " "))
    return _blank_to_null(pc.utf8_trim_whitespace(plain))


def fold(s: pd.Series) -> pd.Series:
    """Lower case without accents, punctuation folded to spaces, spaces collapsed."""
    return series(_per_distinct(arrow(s), _fold), s.index)


def name_keys(columns: list[pd.Series]) -> list[pd.Series]:
    """``name_key`` of several columns at once: a name found in more than one of them (a filer in
    the court export and as a PACER account holder) is worked out once."""
    arrays = [arrow(s).cast(pa.large_string()) for s in columns]
    if not arrays:
        return []
    keys = _per_distinct(pa.concat_arrays(arrays), _name_key)
    out, start = [], 0
    for s, a in zip(columns, arrays):
        out.append(series(keys.slice(start, len(a)), s.index))
        start += len(a)
    return out


def _per_distinct(a: pa.Array, fn) -> pa.Array:
    """Apply ``fn`` to each distinct value once (names repeat across a person's accounts)."""
    enc = pc.dictionary_encode(a)
    return pc.take(fn(enc.dictionary), enc.indices)


def _name_key(a: pa.Array) -> pa.Array:
    """The key of each name: plain ASCII names worked out word by word (``auditor.name_words``), the
    others (accents, other scripts) by the regular expressions below; the two give the same keys."""
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    a = a.cast(pa.large_string())
    plain = name_words.plain(a)
    a, plain = _accents_off(a, plain)
    if not plain.any():
        return _name_key_text(a)
    if plain.all():
        return name_words.keys(a)
    both = pa.concat_arrays([name_words.keys(a.filter(pa.array(plain))), _name_key_text(a.filter(pa.array(~plain)))])
    where = np.empty(len(a), dtype=np.int64)
    where[plain] = np.arange(int(plain.sum()))
    where[~plain] = np.arange(int(plain.sum()), len(a))
    return both.take(pa.array(where))


def _accents_off(a: pa.Array, plain: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """The names whose only characters beyond ASCII are letters with accents (é, Å: a plain letter and
    combining marks in canonical form, NFD), as the same names without the accents, now plain.  Their
    key is the same either way: the regular expressions look only at commas and white space (none of
    them such a character) before taking the accents off."""
    other = np.flatnonzero(~plain & pc.is_valid(a).to_numpy(zero_copy_only=False))
    if not len(other):
        return a, plain
    bare = _sub(pc.utf8_normalize(a.take(pa.array(other)), "NFD"), r"\p{Mn}", "")
    now = name_words.plain(bare)
    if not now.any():
        return a, plain
    mask = np.zeros(len(a), dtype=bool)
    mask[other[now]] = True
    return pc.replace_with_mask(a, pa.array(mask), bare.filter(pa.array(now))), plain | mask


def _name_key_text(a: pa.Array) -> pa.Array:
    a = pc.utf8_trim_whitespace(a)
    # "Last, First Middle" -> "First Middle Last" (only the first comma counts;
    # "Smith, John, Jr." keeps "Jr." which is dropped below)
    a = _sub(a, r"^\s*([^,]+?)\s*,\s*([^,]+?)(?:\s*,\s*(.*))?$", r"\2 \1 \3")
    a = _fold(a)
    a = _sub(a, _SUFFIXES, " ")
    a = _sub(a, r"(^|\s)\S(\s|$)", " ")   # single-letter initials
    a = _sub(a, r"(^|\s)\S(\s|$)", " ")   # (again: "a b" overlaps)
    a = pc.utf8_trim_whitespace(_sub(a, r"\s+", " "))
    first = pc.struct_field(pc.extract_regex(a, pattern=r"^(?P<w>\S+)"), [0])
    last = pc.struct_field(pc.extract_regex(a, pattern=r"(?P<w>\S+)$"), [0])
    joined = pc.if_else(pc.equal(first, last), first, pc.binary_join_element_wise(first, last, pa.scalar(" ", first.type)))
    return _blank_to_null(joined)


def firm_key(s: pd.Series) -> pd.Series:
    """"Smith & Jones, LLP" and "smith and jones llp" give the same key."""
    return fold(s)


def email_key(s: pd.Series) -> pd.Series:
    """Lower case, "+tag" removed from the local part: abcde+1@x.com -> abcde@x.com."""
    return series(email_arrow(arrow(s)), s.index)


def email_arrow(a: pa.Array) -> pa.Array:
    """``email_key`` of an Arrow array of text."""
    a = _only(a, _holding(a, _MAY_LOWER), lambda x: pc.utf8_lower(pc.utf8_trim_whitespace(x)))
    a = _only(a, _holding(a, _PLUS), lambda x: _sub(x, r"^([^@+]*)\+[^@]*@", r"\1@"))
    return _blank_to_null(a)


def bar_arrow(a: pa.Array) -> pa.Array:
    a = _only(a, _holding(a, _MAY_UPPER), pc.utf8_upper)
    return _blank_to_null(_only(a, _holding(a, _BAR_SEPARATORS), lambda x: _sub(x, r"[\s.\-/]+", "")))


def _only(a: pa.Array, where: np.ndarray, fn) -> pa.Array:
    """``fn`` (text -> text of the same type) applied to the values ``where`` only; the others as they are."""
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if not where.any():
        return a
    if where.all():
        return fn(a)
    return pc.replace_with_mask(a, pa.array(where), fn(a.filter(pa.array(where))))


def username_key(s: pd.Series) -> pd.Series:
    """PACER usernames compared trimmed and in lower case (courts advise typing them in lower case)."""
    return series(username_arrow(arrow(s)), s.index)


def username_arrow(a: pa.Array) -> pa.Array:
    return _blank_to_null(_only(a, _holding(a, _MAY_LOWER), lambda x: pc.utf8_lower(pc.utf8_trim_whitespace(x))))


# Arrow-backed set operations on keys (pandas' own isin/map on Arrow strings fall back to Python) ----
def isin(keys: pd.Series, values) -> pd.Series:
    """Boolean Series: the key is one of ``values`` (a missing key is never in)."""
    vals = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=STRING)
    ref = arrow(vals.dropna()).cast(pa.large_string())
    out = pc.is_in(arrow(keys).cast(pa.large_string()), value_set=ref, skip_nulls=True)
    return pd.Series(out.to_numpy(zero_copy_only=False), index=keys.index, dtype=bool)


def positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """For each key, the position of the same value in ``values`` (the first), -1 where there is none."""
    ref = arrow(values).cast(pa.large_string())
    out = pc.index_in(arrow(keys).cast(pa.large_string()), value_set=ref, skip_nulls=True)
    return pc.fill_null(out, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def last_word(s: pd.Series) -> pd.Series:
    return series(pc.struct_field(pc.extract_regex(arrow(s), pattern=r"(?P<w>\S+)$"), [0]), s.index)


def first_char(s: pd.Series) -> pd.Series:
    return series(pc.utf8_slice_codeunits(arrow(s), 0, 1), s.index)


# Integer codes: each distinct key once, then counts, look-ups and set tests on numbers -----------
def key_codes(columns: list[pd.Series], key) -> tuple[list[pd.Series], list[np.ndarray], pd.Series]:
    """The keys of several columns (``key``: Arrow array -> Arrow array of keys) and one integer
    code per key shared by all of them (-1 where the key is missing).

    Returns (keys per column, codes per column, the distinct keys in code order).  One hash pass
    over all the columns replaces a hash pass per look-up."""
    keys = [key(arrow(s).cast(pa.large_string())) for s in columns]
    codes, uniques = _codes(keys)
    return ([series(k, s.index) for s, k in zip(columns, keys)], codes,
            series(uniques, pd.RangeIndex(len(uniques))))


def name_codes(columns: list[pa.Array]) -> tuple[list[np.ndarray], pa.Array, list[np.ndarray], pa.Array]:
    """The integer code of each name's ``name_key``, shared by all the columns (Arrow arrays of text;
    -1 where none), worked out once per distinct name; the keys in code order; also the codes of the
    names as written, per column, and those names in code order.  Arrays only, in and out: the
    derive stage runs it on a second thread."""
    raw_codes, raw = _codes([a.cast(pa.large_string()) for a in columns])
    key_code, uniques = factorize(_name_key(raw))
    key_code = np.append(key_code, -1)                   # raw code -1 (missing) -> -1
    return [key_code[c] for c in raw_codes], uniques, raw_codes, raw


def _codes(arrays: list[pa.Array]) -> tuple[list[np.ndarray], pa.Array]:
    """``factorize`` of several arrays at once, one code per distinct value shared by all of them,
    without putting the arrays together first (one hash table across the chunks)."""
    if not arrays:
        return [], pa.array([], pa.large_string())
    enc = pc.dictionary_encode(pa.chunked_array(arrays, pa.large_string()))
    if not enc.num_chunks:   # (empty chunks are left out)
        return [np.zeros(0, dtype=np.int64) for _ in arrays], pa.array([], pa.large_string())
    codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy() for c in enc.chunks]).astype(np.int64)
    bounds = np.cumsum([0] + [len(a) for a in arrays])
    return [codes[lo:hi] for lo, hi in zip(bounds, bounds[1:])], enc.chunk(enc.num_chunks - 1).dictionary


def factorize(a: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(code of each value, -1 where missing; the distinct values in code order)."""
    enc = pc.dictionary_encode(a)
    return pc.fill_null(enc.indices, -1).to_numpy().astype(np.int64), enc.dictionary


def first_positions(codes: np.ndarray, n: int) -> np.ndarray:
    """For each code 0..n-1, the first position where ``codes`` holds it (-1 when nowhere)."""
    valid = np.flatnonzero(codes >= 0)
    table = np.full(n, len(codes), dtype=np.int64)
    np.minimum.at(table, codes[valid], valid)          # the smallest position of each code (no sort)
    table[table == len(codes)] = -1
    return table


def at(table: np.ndarray, codes: np.ndarray, missing=-1) -> np.ndarray:
    """``table[code]`` for each code; ``missing`` where the code is -1."""
    if not len(table):
        return np.full(len(codes), missing, dtype=table.dtype)
    if len(codes) and codes.min() < -1:
        return np.where(codes >= 0, table[np.maximum(codes, 0)], missing)
    # one gather: the table with ``missing`` after its last entry, at code -1
    ext = np.empty(len(table) + 1, dtype=np.result_type(table, missing))
    ext[:-1] = table
    ext[-1] = missing
    return ext[codes]


def find(keys: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """For integer keys, the position of the first equal key in ``ref`` (-1 when none; keys
    below 0 are missing and never found)."""
    ok = np.flatnonzero(ref >= 0)
    values, first = np.unique(ref[ok], return_index=True)
    out = np.full(len(keys), -1, dtype=np.int64)
    if not len(values):
        return out
    i = np.minimum(np.searchsorted(values, keys), len(values) - 1)
    hit = (values[i] == keys) & (keys >= 0)
    out[hit] = ok[first[i[hit]]]
    return out


def take_rows(values: pa.Array, pos: np.ndarray) -> pa.Array:
    """``values`` at row positions ``pos`` (null where pos is -1)."""
    return values.take(pa.array(pos, mask=pos < 0))


def take_encoded(encoded: pa.DictionaryArray, pos: np.ndarray) -> pa.Array:
    """The values of a dictionary-encoded text array at row positions ``pos`` (null where pos is -1).
    Where the values are few, this reads small integers at the scattered rows and the texts from the
    small dictionary (in cache): several times faster than a take of the text itself."""
    return encoded.dictionary.take(take_rows(encoded.indices, pos))


def take_at(values: pd.Series, pos: np.ndarray, index, dtype) -> pd.Series:
    """``values`` at row positions ``pos`` (NA where pos is -1), as ``dtype``."""
    arr = values.astype(dtype).array
    if not len(arr):
        return pd.Series(pd.NA, index=index, dtype=dtype)
    return pd.Series(arr.take(pos, allow_fill=True), index=index).astype(dtype)
