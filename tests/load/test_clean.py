"""Cleaning cells: text is put in NFC form, and a column whose bytes show only characters up to U+02FF
is passed over as already in NFC.  That rests on a fact of Unicode, asked of Python's own tables here."""

from __future__ import annotations

import sys
import unicodedata

import pandas as pd

from auditor.columns import STRING
from auditor.load.clean import NFC_SURE_BYTE, clean

LAST_SURE = 0x2FF   # the last character whose UTF-8 bytes all stay at or under NFC_SURE_BYTE


def test_the_bytes_passed_over_hold_only_characters_up_to_u02ff():
    assert max(chr(LAST_SURE).encode()) <= NFC_SURE_BYTE < max(chr(LAST_SURE + 1).encode())


def test_text_of_characters_up_to_u02ff_is_already_in_nfc():
    sure = [chr(c) for c in range(LAST_SURE + 1) if not 0xD800 <= c < 0xE000]
    for ch in sure:   # each alone is in NFC and is no combining mark (nothing to reorder)
        assert unicodedata.is_normalized("NFC", ch) and unicodedata.combining(ch) == 0, hex(ord(ch))
    # no two of them compose: nothing up to U+02FF is the second part of a character's canonical
    # decomposition (what NFC composes a character with follows it, and is above U+02FF)
    for c in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(c)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            assert int(parts[1], 16) > LAST_SURE, hex(c)


def test_cells_come_out_in_nfc_whichever_way_they_are_looked_at():
    cells = ["José Núñez", "Łukasz Ąbc", "Jose\u0301 N\u0303", " Zoë ", "Å", "\u212b", "plain", ""]
    grid = pd.DataFrame({0: pd.Series(cells, dtype=STRING), 1: pd.Series(["Müller"] * len(cells), dtype=STRING)})
    out = clean(grid)
    assert out[0].tolist()[:-1] == [unicodedata.normalize("NFC", c.strip()) for c in cells[:-1]]
    assert out[0].isna().tolist() == [False] * (len(cells) - 1) + [True]
    assert out[1].tolist() == ["Müller"] * len(cells)
    assert out[0].tolist()[2] == "José Ñ" and out[0].tolist()[5] == "Å"   # composed, and the Angstrom sign
