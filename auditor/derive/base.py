"""What every family of derived fields shares: the declaration of a field, the declaration of a
family (the fields it computes, the function computing them, the families it must follow), and the
state of one derive run handed from family to family.

A family module declares ``FAMILY = Family(...)`` next to the code computing its fields;
``auditor.derive.registry`` gathers the families in their order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np
import pandas as pd

from auditor.court_calendar import Calendar
from auditor.columns import COURT_ACCOUNTS, PACER_ACCOUNTS, ROSTER

ALL = (COURT_ACCOUNTS, ROSTER, PACER_ACCOUNTS)
USES = (COURT_ACCOUNTS, ROSTER)          # the kinds of record that use a PACER username


@dataclass(frozen=True)
class Derived:
    """One derived field: its name and type in the rule language, the kinds of record that have it,
    what it means (shown in docs/rules.md), and the same-kind input columns it is computed from."""
    name: str
    dtype: str
    kinds: tuple[str, ...]
    description: str
    columns: tuple[str, ...] = ()


@dataclass
class Run:
    """One derive run: the frames being filled in, and what one family hands to the next."""
    out: dict[str, pd.DataFrame]
    as_of: dt.date
    calendar: Calendar
    keys: Any = None                        # auditor.derive.keys.Keys, set by the keys family
    uses: pd.DataFrame | None = None        # one row per use of a username (sharing family)
    in_uses: np.ndarray | None = None       # per username code: used in court accounts or rosters
    efiling_people: np.ndarray | None = None  # per username code: people e-filing with it
    holder: dict[str, np.ndarray] = field(default_factory=dict)     # per kind: PACER list row of the username
    pacer_paa: dict[str, np.ndarray] = field(default_factory=dict)  # per kind: username code of the listed paa_id
    paa_usernames: tuple[str, ...] = ()     # PAA usernames given on the command line (--paa)
    # The run's second thread, for work on arrays only: numpy and Arrow arrays taken out of the frames
    # on this thread beforehand go in, arrays come back (``later``, by family), and this thread alone
    # puts them into frames.  Never a frame, a series or an index: pandas' copy-on-write references
    # are plain lists that two threads would update at once.
    pool: Executor | None = None
    later: dict[str, Future] = field(default_factory=dict)

    def second_thread(self) -> Executor:
        if self.pool is None:
            raise RuntimeError("the families are run by auditor.derive.registry.derive, which gives them a second thread")
        return self.pool


@dataclass(frozen=True)
class Family:
    """A family of derived fields computed together by ``compute``; ``after`` names the families
    whose fields or hand-overs it reads (the registry refuses an order that breaks this).
    ``finish``, if any, runs on the calling thread once every family has computed: it puts into the
    frames what ``compute`` handed to the run's second thread."""
    name: str
    fields: tuple[Derived, ...]
    compute: Callable[[Run], None]
    after: tuple[str, ...] = ()
    finish: Callable[[Run], None] | None = None


def as_bool(s) -> pd.Series:
    return pd.Series(s).astype("boolean")


def ints(values: np.ndarray, missing: np.ndarray, index) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(missing, dtype=bool)),
                     index=index)
