"""Name keys: plain ASCII names are keyed word by word with numpy (``auditor.name_words``), the others
by regular expressions (``normalize._name_key_text``); both must give the same key to every name."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import name_words
from auditor import normalize as nz

# Pieces that make the rules meet: commas, initials in rows, suffixes, "&", runs of spaces and
# punctuation, digits, a word repeated, and a few characters that are not plain (they go the other way).
PIECES = ["a", "b", "J", "x", "ab", "Smith", "Ann", "O'Neil", "Mc Donald", "jr", "Jr.", "SR", "ii", "iii", "iv",
          "V", "v.", "esq", "Esquire", "MD", "PhD", "cpa", "2nd", "&", ",", ", ", " ,", ",,", " ", "  ", "-", ".",
          "(", ")", "'", "\"", "9", "smith", "\t", "é", "Ø", "\u00a0", "\x1c", "É", "e\u0301", "\u212b", "İ",
          "\u037e", "\u2000", "ñ", "\uff0c"]


def _same(names: list[str | None]) -> None:
    a = pa.array(names, pa.large_string())
    fast, text = nz._name_key(a), nz._name_key_text(a)
    assert fast.to_pylist() == text.to_pylist(), [(n, f, t) for n, f, t in
                                                   zip(names, fast.to_pylist(), text.to_pylist()) if f != t]


def test_names_that_meet_each_rule_get_the_same_key_both_ways():
    _same(["Smith, John", "Smith, John, Jr.", "Smith,John", ", John", "Smith,", "Smith,,John", "Smith, ,John",
           "A, B, C, D", "a b c d e f g h i", "a jr b c d", "x a b c d y", "John Smith John", "Jr.", "a", "",
           "  Mary   Ann   Lee  ", "Smith & Jones, LLP", "&, John", "Smith,&", "O'Brien, Patrick J. III", None,
           "J. R. R. Tolkien", "Lee, J", "Esquire, Esq", "smith jr sr ii b", "a, b", "a,b,c", "Doe, Jane, M.D., PhD"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=9).map("".join), min_size=1, max_size=60))
def test_generated_names_get_the_same_key_both_ways(names):
    _same(names)


def test_plain_means_printable_ascii():
    a = pa.array(["Ann Lee", "Zoë", "tab\there", None, "", "~!@"], pa.large_string())
    assert name_words.plain(a).tolist() == [True, False, False, False, True, True]
    assert pc.all(pc.equal(name_words.keys(pa.array(["Lee, Ann B."], pa.large_string())),
                           pa.scalar("ann lee", pa.large_string()))).as_py()


def test_bar_ids_emails_and_letters_as_the_regular_expressions_make_them():
    """The byte tests that spare most values a regular expression change no value."""
    bars = pa.array(["nc 12-3", "AB.1/2", None, "x\tY", "ok", " . ", "ä-1", "a\vb", "", "Ｎ１"], pa.large_string())
    assert nz.bar_arrow(bars).to_pylist() == nz._blank_to_null(
        nz._sub(pc.utf8_upper(bars), r"[\s.\-/]+", "")).to_pylist()
    mails = ["A+b@x.com", "a@x", None, " Q+1+2@Y.COM ", "+@x", "é+x@y", "a@b+c", ""]
    a = pc.utf8_lower(pc.utf8_trim_whitespace(pa.array(mails, pa.large_string())))
    expected = nz._blank_to_null(nz._sub(a, r"^([^@+]*)\+[^@]*@", r"\1@")).to_pylist()
    assert nz.email_key(nz.series(pa.array(mails, pa.large_string()), range(len(mails)))).tolist() == [
        v if v is not None else pd.NA for v in expected]
    names = pa.array(["İstanbul JR", "ｊｒ", "ﬁnn sr.", "o'neil-smith 2nd", None, ""], pa.large_string())
    assert name_words.letters(pc.utf8_lower(pc.utf8_normalize(names, "NFKD"))).to_pylist() == \
        pc.replace_substring_regex(pc.utf8_lower(pc.utf8_normalize(names, "NFKD")), "[^a-z0-9]+", "").to_pylist()


WORD_PIECES = ["jr", "J", "r", "R.", "sr", "Senior", "junior", "ii", "I", "iv", "V", "2nd", "3RD", "4th", "Olivia",
               "Israel", "_", " ", ".", "'", ",", "-", "\t", "x", "9", "(", ")"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORD_PIECES), max_size=8).map("".join) | st.none(), min_size=1, max_size=40))
def test_words_of_generation_found_as_the_regular_expression_finds_them(names):
    """``has_word`` (numpy, word by word) finds a suffix of generation in an ASCII name exactly where
    ``identity.generation_of``'s regular expression finds one in the folded name."""
    import re

    from auditor.derive.identity import _GENERATION_RE, fold
    from auditor.derive.name_pairs import GENERATION_WORDS

    found = name_words.has_word(pa.array(names, pa.large_string()), GENERATION_WORDS).tolist()
    assert found == [n is not None and re.search(_GENERATION_RE, fold(n)) is not None for n in names]


def test_usernames_and_codes_as_the_whole_passes_make_them():
    """Only the usernames whose bytes may change are lower-cased and trimmed; codes are shared by all
    the columns (an empty one among them) without putting them together first."""
    raw = [" Ab ", "ab", None, "", "\u00a0x\u3000", "ÉCOLE", "x\x1c", "ok", "AB", "ｊｒ"]
    a = pa.array(raw, pa.large_string())
    assert nz.username_arrow(a).to_pylist() == nz._blank_to_null(pc.utf8_lower(pc.utf8_trim_whitespace(a))).to_pylist()
    cols = [pd.Series(raw[:4], dtype="string[pyarrow]"), pd.Series([], dtype="string[pyarrow]"),
            pd.Series(raw[4:], dtype="string[pyarrow]")]
    keys, codes, uniques = nz.key_codes(cols, nz.username_arrow)
    whole, distinct = nz.factorize(nz.username_arrow(a))
    assert [len(c) for c in codes] == [4, 0, 6] and list(codes[0]) + list(codes[2]) == list(whole)
    assert uniques.tolist() == distinct.to_pylist() and [len(k) for k in keys] == [4, 0, 6]
