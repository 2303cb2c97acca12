"""Name keys: plain ASCII names are keyed word by word with numpy (``auditor.name_words``), the others
by regular expressions (``normalize._name_key_text``); both must give the same key to every name."""

from __future__ import annotations

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
          "(", ")", "'", "\"", "9", "smith", "\t", "é", "Ø", "\u00a0", "\x1c"]


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
