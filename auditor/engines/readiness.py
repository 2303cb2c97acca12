"""The readiness figure: the share of active e-filers that no readiness-blocking finding names.

Which findings make a filer not ready is said by the rule files (``blocks_readiness: true``), so a
user's rules file that disables, re-grades or adds a rule changes the figure consistently with the
findings.  Active e-filers are the active CM/ECF accounts, and the roster people still at their firm
who e-file (the roster's PACER use, which defaults to e-filing for attorneys) or are attorneys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor.columns import COURT_ACCOUNTS, ROSTER


def active_filers(kind: str, frame: pd.DataFrame) -> np.ndarray:
    """Records of ``kind`` that count as active e-filers (a boolean array)."""
    if kind == COURT_ACCOUNTS:
        return (frame["account_status"] == "active").fillna(False).to_numpy(dtype=bool)
    if kind == ROSTER:
        here = ~frame["has_left_firm"].fillna(False)
        files = frame["pacer_use"].isin(["efiling", "both"]).fillna(False) | (frame["role"] == "attorney").fillna(False)
        return (here & files).to_numpy(dtype=bool)
    return np.zeros(len(frame), dtype=bool)


def readiness(derived: dict[str, pd.DataFrame], not_ready: dict[str, np.ndarray], coverage=None) -> dict:
    """Active e-filers, those with no readiness-blocking finding, and the share (None with no filers).

    With ``coverage`` (``auditor.coverage.Coverage``): where a fact the figure needs is missing, the
    share is None and "unknown" says what it needs ("active_unknown" likewise for the count of active
    filers); the counts are kept for reference only, never shown as the figure.  A firm with an active
    filer the figure cannot judge (``coverage.unjudged``) is listed in "unknown_firms": its counts in
    "by_firm" are no figure (the history keeps none); the other firms keep theirs."""
    from auditor.model import FILE_COL
    from auditor.normalize import arrow, factorize

    unjudged = list(coverage.unjudged) if coverage is not None else []
    active = ready = 0
    parts = []
    for kind, frame in derived.items():
        filers = active_filers(kind, frame)
        blocked = not_ready.get(kind, np.zeros(len(frame), dtype=bool))
        active += int(filers.sum())
        ready += int((filers & ~blocked).sum())
        if "firm_name" in frame and filers.any():
            files = {f for k, f in unjudged if k == kind}
            blind = (np.ones(len(frame), dtype=bool) if "" in files else
                     frame[FILE_COL].isin(files).to_numpy(dtype=bool) if files else np.zeros(len(frame), dtype=bool))
            codes, names = factorize(arrow(frame["firm_name"]))   # each firm name once
            parts.append((codes, names, filers, filers & ~blocked, filers & blind))
    by_firm, unknown_firms = _per_firm(parts)
    unknown = coverage.readiness if coverage is not None else ""
    return {"active_filers": active, "ready_filers": ready,
            "share": (ready / active) if active and not unknown else None, "unknown": unknown,
            "active_unknown": coverage.active_filers if coverage is not None else "",
            # firm key -> (active e-filers, ready ones), for each firm's own workbook and the index
            "by_firm": by_firm,
            "unknown_firms": unknown_firms}


def _per_firm(parts: list[tuple[np.ndarray, pa.Array, np.ndarray, np.ndarray, np.ndarray]]) -> tuple[dict, set]:
    """(firm key -> (active e-filers, ready ones) over every record with a firm, in the order of the keys;
    the keys of the firms with a filer the figure cannot judge).  ``parts``: per kind of records, the code
    of each record's firm name, the names, and which records are active filers, ready ones and not
    judged.  Each distinct name's key is worked out once, and the records counted on integer codes of
    the keys (no Python string per record)."""
    from auditor.normalize import arrow, factorize, firm_key, series

    if not parts:
        return {}, set()
    names = pa.concat_arrays([n.cast(pa.large_string()) for _, n, _, _, _ in parts])
    key_codes, keys = factorize(arrow(firm_key(series(names, pd.RangeIndex(len(names))))))
    starts = np.cumsum([0] + [len(n) for _, n, _, _, _ in parts])
    # each record's key code (-1: no firm name, or a name that folds to nothing)
    ext = np.append(key_codes, -1)   # at code -1 (no name): no key
    codes = np.concatenate([ext[np.where(c >= 0, c + start, -1)] for (c, _, _, _, _), start in zip(parts, starts)])
    n = len(keys)

    def count(which: int) -> np.ndarray:   # records of each key among those flagged in ``parts[.][which]``
        flags = np.concatenate([p[which] for p in parts]) & (codes >= 0)
        return np.bincount(codes[flags], minlength=n)

    active, ready, blind = count(2), count(3), count(4)
    order = pc.sort_indices(keys).to_numpy()
    by_firm = dict(zip(keys.take(pa.array(order)).to_pylist(),
                       zip(active[order].tolist(), ready[order].tolist())))
    return by_firm, set(keys.filter(pa.array(blind > 0)).to_pylist())
