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
    from auditor.normalize import arrow, firm_key

    unjudged = list(coverage.unjudged) if coverage is not None else []
    active = ready = 0
    by_firm, unknown_firms = [], set()
    for kind, frame in derived.items():
        filers = active_filers(kind, frame)
        blocked = not_ready.get(kind, np.zeros(len(frame), dtype=bool))
        active += int(filers.sum())
        ready += int((filers & ~blocked).sum())
        if "firm_name" in frame and filers.any():
            files = {f for k, f in unjudged if k == kind}
            blind = (np.ones(len(frame), dtype=bool) if "" in files else
                     frame[FILE_COL].isin(files).to_numpy(dtype=bool) if files else np.zeros(len(frame), dtype=bool))
            firm = firm_key(frame["firm_name"])
            unknown_firms |= set(firm[filers & blind].dropna())
            by_firm.append((arrow(firm).cast(pa.large_string()), filers, filers & ~blocked))
    unknown = coverage.readiness if coverage is not None else ""
    return {"active_filers": active, "ready_filers": ready,
            "share": (ready / active) if active and not unknown else None, "unknown": unknown,
            "active_unknown": coverage.active_filers if coverage is not None else "",
            # firm key -> (active e-filers, ready ones), for each firm's own workbook and the index
            "by_firm": _per_firm(by_firm),
            "unknown_firms": unknown_firms}


def _per_firm(parts: list[tuple[pa.Array, np.ndarray, np.ndarray]]) -> dict:
    """Firm key -> (active e-filers, ready ones), over every record with a firm, in the order of the
    keys; counted on integer codes of the keys (one hash pass, no Python string per record)."""
    from auditor.normalize import factorize

    if not parts:
        return {}
    codes, uniques = factorize(pa.concat_arrays([k for k, _, _ in parts]))
    has = codes >= 0
    n = len(uniques)
    active = np.bincount(codes[has], weights=np.concatenate([a for _, a, _ in parts])[has], minlength=n)
    ready = np.bincount(codes[has], weights=np.concatenate([r for _, _, r in parts])[has], minlength=n)
    names = uniques.to_pylist()
    return {names[i]: (int(active[i]), int(ready[i])) for i in sorted(range(n), key=names.__getitem__)}
