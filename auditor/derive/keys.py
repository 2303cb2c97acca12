"""The run's comparison keys, worked out once: PACER usernames (with PAA ids), normalised names and
bar ids, each as one integer code shared by every kind of record (-1 where a record has none).

Every other family compares these codes (a numpy index) instead of hashing text again.  The keys
themselves go into hidden columns (``_user``, ``_bar``, ``_display``) that findings use to name an
account (a roster finding's name key is worked out for its rows alone: ``engines.evaluate``).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from auditor import normalize as nz
from auditor.columns import PACER_ACCOUNTS, PERSON_COLUMN, ROSTER, STRING
from auditor.derive.base import Family, Run
from auditor.derive.identity import generation_flags


@dataclass
class Names:
    """The name keys and names as written as codes (``normalize.name_codes``), worked out on the run's
    second thread from Arrow arrays taken out beforehand: arrays only, no pandas object."""

    name: dict[str, np.ndarray]   # per kind: the code of each record's name key
    keys: pa.Array                # the name keys in code order
    raw: dict[str, np.ndarray]    # per kind: the code of each name as written
    raws: pa.Array                # the names as written, in code order
    generation: np.ndarray        # per name as written: it has a suffix of generation (Jr., Sr., II...)


@dataclass
class Keys:
    """Integer codes of the keys, shared by all kinds of the run: ``user`` (PACER usernames and PAA
    ids), ``name`` (normalised names) and ``bar`` (bar ids); -1 where a record has none.

    The names' codes are worked out on the run's second thread (``names``, a future): ``name``,
    ``raw``, ``raws`` and ``generation`` wait for them; ``Names`` are handed to work on that thread.
    So are the PACER list's e-mail keys' codes (``emails``; ``pacer_email_code`` waits for them)."""

    user: dict[str, np.ndarray]
    paa: dict[str, np.ndarray]
    bar: dict[str, np.ndarray]
    users: pd.Series           # the username keys in code order
    n_bars: int
    names: Future              # -> Names
    emails: Future | None = None   # -> the PACER list's e-mail keys (``normalize.email_key``) as codes

    @property
    def pacer_email_code(self) -> np.ndarray | None:
        return self.emails.result() if self.emails is not None else None

    @property
    def name(self) -> dict[str, np.ndarray]:
        return self.names.result().name

    @property
    def raw(self) -> dict[str, np.ndarray]:
        return self.names.result().raw

    @property
    def raws(self) -> pa.Array:
        return self.names.result().raws

    @property
    def generation(self) -> np.ndarray:
        return self.names.result().generation


def _names(kinds: list[str], columns: list[pa.Array]) -> Names:
    """The name keys and codes, and which names as written carry a suffix of generation."""
    name_codes, keys, raw_codes, raws = nz.name_codes(columns)
    return Names(dict(zip(kinds, name_codes)), keys, dict(zip(kinds, raw_codes)), raws, generation_flags(raws))


def _email_codes(emails: pa.Array) -> np.ndarray:
    """The code of each e-mail address's key (``normalize.email_key``).  Arrays only."""
    return nz.factorize(nz.email_arrow(emails))[0]


def compute(run: Run) -> None:
    out = run.out
    kinds = list(out)
    # The name keys (a dozen regex passes) are worked out on the second thread, from the names taken
    # out here as Arrow arrays, while this one hashes the usernames and bar ids: Arrow's kernels
    # release the GIL, so the two share the machine's cores.
    name_job = run.second_thread().submit(_names, kinds, [nz.arrow(out[k][PERSON_COLUMN[k]]) for k in kinds])
    user_cols = [(k, "pacer_username") for k in kinds] + [(k, "paa_id") for k in (ROSTER, PACER_ACCOUNTS)
                                                          if k in out]
    user_keys, user_codes, users = nz.key_codes([out[k][c] for k, c in user_cols], nz.username_arrow)
    bar_kinds = [k for k in kinds if "bar_id" in out[k]]
    bar_keys, bar_codes, bars = nz.key_codes([out[k]["bar_id"] for k in bar_kinds], nz.bar_arrow)
    # (the PACER list's e-mail addresses too, for the pacer family: on the second thread after the names)
    emails = (run.second_thread().submit(_email_codes, nz.arrow(out[PACER_ACCOUNTS]["email"]))
              if PACER_ACCOUNTS in out else None)
    user = {k: c for (k, col), c in zip(user_cols, user_codes) if col == "pacer_username"}
    paa = {k: c for (k, col), c in zip(user_cols, user_codes) if col == "paa_id"}
    bar = dict(zip(bar_kinds, bar_codes))
    for k in kinds:
        bar.setdefault(k, np.full(len(out[k]), -1, dtype=np.int64))
    run.keys = Keys(user=user, paa=paa, bar=bar, users=users, n_bars=len(bars), names=name_job,
                    emails=emails)
    user_key = {k: s for (k, col), s in zip(user_cols, user_keys) if col == "pacer_username"}
    bar_key = dict(zip(bar_kinds, bar_keys))
    for kind, frame in out.items():
        frame["_user"] = user_key[kind]
        frame["_display"] = frame[PERSON_COLUMN[kind]].astype(STRING)
        frame["_bar"] = bar_key[kind] if kind in bar_key else pd.Series(pd.NA, index=frame.index, dtype=STRING)


FAMILY = Family("keys", (), compute)
