"""The registry of derived fields: every family, in the order they are computed.

Derived fields are everything a rule needs that takes more than one record (who else uses a PACER
username, how many accounts a bar id holds at a court, whether a username is a PAA, whether a court
is live on the audit date, whether the PACER account holder is the filer).  Rules then look at one
record at a time.  Each family module declares the fields it computes (``FAMILY``); this module
gathers them:

1. ``keys``: usernames, names and bar ids as integer codes, once per run;
2. ``record``: fields of one record alone (audit date, username length, left the firm);
3. ``sharing``: the uses of each username and the people behind them (needs ``has_left_firm``);
4. ``listing``: what the PACER account list says about each record's username;
5. ``holder``: whether the listed holder is the person (needs the listing's rows);
6. ``court``: the court calendar and bar ids per court;
7. ``pacer``: fields of the PACER account list that look at the other inputs (needs the uses).

``FAMILIES`` is that order; ``check_order`` refuses an order in which a family comes before one it
names in ``after``.  After the first two (``FIRST``), the others run in two chains side by side on
two threads (``CHAINS``): Arrow's and numpy's kernels release the GIL, so the chains share the
machine's cores.  A chain's families read only the fields of ``FIRST`` and of its own chain
(``check_chains``), each chain writes into its own shallow copies of the frames, and the fields
written are put together in ``FAMILIES`` order: the frames come out as if computed one by one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from auditor.court_calendar import Calendar
from auditor.derive import court, holder, keys, listing, pacer, record, sharing
from auditor.derive.base import Derived, Family, Run

FIRST: tuple[Family, ...] = (keys.FAMILY, record.FAMILY)
CHAINS: tuple[tuple[Family, ...], ...] = ((sharing.FAMILY, pacer.FAMILY), (listing.FAMILY, holder.FAMILY, court.FAMILY))
FAMILIES: tuple[Family, ...] = (keys.FAMILY, record.FAMILY, sharing.FAMILY, listing.FAMILY, holder.FAMILY,
                                court.FAMILY, pacer.FAMILY)


def check_order(families: tuple[Family, ...]) -> None:
    seen: set[str] = set()
    for fam in families:
        missing = [a for a in fam.after if a not in seen]
        if missing:
            raise RuntimeError(f"derived family {fam.name} must come after {', '.join(missing)}")
        seen.add(fam.name)


def check_chains(first: tuple[Family, ...], chains: tuple[tuple[Family, ...], ...],
                 families: tuple[Family, ...]) -> None:
    """Every family is in ``first`` or in one chain, and reads only families before it in its chain or
    in ``first``."""
    for chain in chains:
        check_order(first + chain)
    placed = [f.name for f in first] + [f.name for chain in chains for f in chain]
    if sorted(placed) != sorted(f.name for f in families):
        raise RuntimeError("every derived family runs once: in the first ones or in one chain")


check_order(FAMILIES)
check_chains(FIRST, CHAINS, FAMILIES)
DERIVED: tuple[Derived, ...] = tuple(d for fam in FAMILIES for d in fam.fields)
DERIVED_BY_NAME: dict[str, Derived] = {d.name: d for d in DERIVED}
if len(DERIVED_BY_NAME) != len(DERIVED):
    raise RuntimeError("a derived field is declared by two families")


def derive(tables: dict[str, pd.DataFrame], as_of: dt.date, calendar: Calendar,
           paa_usernames: tuple[str, ...] = (), release: Callable[[], None] | None = None) -> dict[str, pd.DataFrame]:
    """Add every derived field to each kind's records; returns new frames (inputs unchanged).

    ``paa_usernames``: PAA usernames known from elsewhere (``--paa``), for rosters that name none.
    ``release``: called once the fields are derived, to give the memory the families freed back to
    the system before the next stage takes more (``auditor.api.memory.give_back``).  Not between
    families: each would take its memory from the system again, page by page (0.2-0.9 s of CPU at
    1M rows on a shared machine, most of it system time).  The 1M audit's peak is now in this
    stage, while the chains run (1.42-1.47 GB, against 1.36-1.44 GB before the chains)."""
    run = Run(out={kind: frame.copy(deep=False) for kind, frame in tables.items()}, as_of=as_of, calendar=calendar,
              paa_usernames=tuple(paa_usernames))
    for fam in FIRST:
        fam.compute(run)
    with ThreadPoolExecutor(max_workers=len(CHAINS) - 1) as pool:
        jobs = [pool.submit(_chain, run, chain) for chain in CHAINS[1:]]
        written = _chain(run, CHAINS[0])
        for job in jobs:
            written.update(job.result())
    for fam in FAMILIES[len(FIRST):]:
        for kind, columns in written[fam.name].items():
            for name, values in columns.items():
                run.out[kind][name] = values
    if release is not None:
        release()
    return run.out


def _chain(run: Run, chain: tuple[Family, ...]) -> dict[str, dict[str, dict[str, pd.Series]]]:
    """Compute a chain's families on shallow copies of the frames; per family, per kind, the columns
    it wrote (added, or a declared field replaced), in the order written."""
    mine = dataclasses.replace(run, out={kind: frame.copy(deep=False) for kind, frame in run.out.items()},
                               holder={}, pacer_paa={})
    written = {}
    for fam in chain:
        before = {kind: set(frame.columns) for kind, frame in mine.out.items()}
        fam.compute(mine)
        written[fam.name] = {
            kind: {c: frame[c] for c in [*(c for c in frame.columns if c not in before[kind]),
                                         *(d.name for d in fam.fields if kind in d.kinds and d.name in before[kind])]}
            for kind, frame in mine.out.items()}
    return written
