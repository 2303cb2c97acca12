"""Usernames, e-mail addresses and bar ids are changed only where some byte of the value needs it
(``normalize._holding``): the bytes looked for, by ranges of byte values, must be exactly the bytes of
each set, or a value needing a change would be left as it is."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from auditor import normalize as nz
from auditor.columns import STRING

# every character up to U+00FF (its UTF-8 bytes cover 0x00-0x7F, 0xC2 and 0xC3, and 0x80-0xBF), and a few
# of two, three and four bytes
VALUES = [chr(c) for c in range(256)] + ["é", "Ø", "\u212b", "中", "\U0001f600", "ab", "AB", "a+b@c", "", None]
SETS = {"_MAY_LOWER": (range(0x21), range(ord("A"), ord("Z") + 1), range(0x7F, 0x100)),
        "_MAY_UPPER": (range(0x21), range(ord("a"), ord("z") + 1), range(0x7F, 0x100)),
        "_PLUS": ([ord("+")],), "_BAR_SEPARATORS": ([ord(c) for c in "\t\n\f\r .-/"],)}


def test_each_value_is_marked_exactly_when_it_holds_a_byte_of_the_set():
    a = pa.array(VALUES, pa.large_string())
    for name, ranges in SETS.items():
        wanted = {b for r in ranges for b in r}
        expected = [v is not None and any(b in wanted for b in v.encode()) for v in VALUES]
        assert nz._holding(a, getattr(nz, name)).tolist() == expected, name


def test_keys_change_the_values_that_need_it_and_keep_the_others():
    s = pd.Series([" JSmith ", "jsmith", "A.B+x@Law.COM", "ab@law.com", "ny 12-34/5", "NY1234", None], dtype=STRING)
    assert nz.username_key(s).tolist()[:2] == ["jsmith", "jsmith"]
    assert nz.email_key(s).tolist()[2:4] == ["a.b@law.com", "ab@law.com"]
    assert nz.series(nz.bar_arrow(nz.arrow(s)), s.index).tolist()[4:6] == ["NY12345", "NY1234"]
    assert pd.isna(nz.username_key(s).iloc[6])
