"""Whether the holder the PACER account list gives for a username is the person using it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from auditor import normalize as nz
from auditor.columns import PACER_ACCOUNTS
from auditor.derive.base import USES, Derived, Family, Run
from auditor.rulebook.language import BOOL

FIELDS = (
    Derived("holder_name_matches", BOOL, USES,
            "Whether the PACER account holder's name is this person's name: same first and last name once "
            "normalised, same last name and first initial, or a fuzzy score of 90 or more.  Blank when the PACER "
            "list has no holder for the username.", ("pacer_username",)),
)


def compute(run: Run) -> None:
    k = run.keys
    names = nz.arrow(k.names)
    last_code, _ = pd.factorize(nz.last_word(k.names))       # per name code
    first_code, _ = pd.factorize(nz.first_char(k.names))
    for kind in USES:
        if kind not in run.out:
            continue
        f = run.out[kind]
        holder = nz.at(k.name[PACER_ACCOUNTS], run.holder[kind]) if PACER_ACCOUNTS in run.out else run.holder[kind]
        own = k.name[kind]
        known = (holder >= 0) & (own >= 0)
        h, o = np.maximum(holder, 0), np.maximum(own, 0)
        same = known & (holder == own)
        initial = known & (nz.at(last_code, h) == nz.at(last_code, o)) & (nz.at(first_code, h) == nz.at(first_code, o))
        ok = same | initial
        # Fuzzy score only for the few pairs the keys did not settle (typos, transposed letters).
        todo = np.flatnonzero(known & ~ok)
        if len(todo):
            a = names.take(pa.array(holder[todo])).to_pylist()
            b = names.take(pa.array(own[todo])).to_pylist()
            ok[todo] = cpdist(a, b, scorer=fuzz.token_sort_ratio) >= 90
        f["holder_name_matches"] = pd.Series(pd.arrays.BooleanArray(ok, ~known), index=f.index)


FAMILY = Family("holder", FIELDS, compute, after=("keys", "listing"))
