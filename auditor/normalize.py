"""Vectorised normalisation of names, firms, e-mails, bar ids and usernames.

Each function takes a pandas Series of text (missing values allowed) and
returns a Series of keys for comparison; a missing or blank value gives <NA>.
These keys are never shown to users: the report shows the values as read.
"""

from __future__ import annotations

import pandas as pd

STRING = "string[pyarrow]"

_SUFFIXES = r"\b(?:jr|sr|ii|iii|iv|v|esq|esquire|md|phd|cpa)\b"


def _text(s: pd.Series) -> pd.Series:
    return s.astype(STRING)


def _blank_to_na(s: pd.Series) -> pd.Series:
    return s.mask(s.str.len() == 0)


def fold(s: pd.Series) -> pd.Series:
    """Lower case without accents, punctuation folded to spaces, spaces collapsed."""
    s = _text(s).str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()
    s = s.str.replace("&", " and ", regex=False)
    s = s.str.replace(r"[^\w]+|_", " ", regex=True).str.strip()
    return _blank_to_na(s.str.replace(r"\s+", " ", regex=True))


def name_key(s: pd.Series) -> pd.Series:
    """A person's name as "first last".

    "Smith, John A.", "John A. Smith", "JOHN SMITH JR." and "Smith, John"
    all give "john smith"; middle names and initials, suffixes and accents
    are ignored.
    """
    s = _text(s).str.strip()
    # "Last, First Middle" -> "First Middle Last" (only the first comma counts;
    # "Smith, John, Jr." keeps "Jr." which is dropped below)
    swapped = s.str.replace(r"^\s*([^,]+?)\s*,\s*([^,]+?)(?:\s*,\s*(.*))?$", r"\2 \1 \3", regex=True)
    s = fold(swapped)
    s = s.str.replace(_SUFFIXES, " ", regex=True)
    s = s.str.replace(r"\b\w\b", " ", regex=True)  # single-letter initials
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    first = s.str.extract(r"^(\S+)", expand=False)
    last = s.str.extract(r"(\S+)$", expand=False)
    out = (first + " " + last).where(first != last, first)
    return _blank_to_na(out.astype(STRING))


def firm_key(s: pd.Series) -> pd.Series:
    """"Smith & Jones, LLP" and "smith and jones llp" give the same key."""
    return fold(s)


def email_key(s: pd.Series) -> pd.Series:
    """Lower case, "+tag" removed from the local part: abcde+1@x.com -> abcde@x.com."""
    s = _text(s).str.strip().str.lower()
    s = s.str.replace(r"^([^@+]*)\+[^@]*@", r"\1@", regex=True)
    return _blank_to_na(s)


def bar_key(s: pd.Series) -> pd.Series:
    """Upper case without spaces, hyphens or dots: "nc-12345" -> "NC12345"."""
    s = _text(s).str.upper().str.replace(r"[\s.\-/]+", "", regex=True)
    return _blank_to_na(s)


def username_key(s: pd.Series) -> pd.Series:
    """PACER usernames compared trimmed and in lower case (courts advise typing them in lower case)."""
    return _blank_to_na(_text(s).str.strip().str.lower())
