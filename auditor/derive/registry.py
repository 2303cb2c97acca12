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
names in ``after``.

While ``sharing`` runs, ``listing`` and ``court`` (``ALONGSIDE``) run on a second thread: the three
read only the keys and the record fields (``check_alongside``), Arrow's and numpy's kernels release
the GIL, and the two sides take about the same time.  The second thread writes into shallow copies
of the frames, and its columns are put into the frames in ``FAMILIES`` order, so the frames come out
as if computed one by one.  Only these run side by side: ``holder`` beside ``pacer`` (or the two
chains sharing-pacer and listing-holder-court) held both sides' working memory at once and raised
the 1M audit's peak by 0.1-0.2 GB; listing and court mostly write their own columns, which the
frames hold in the end anyway.
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
from auditor.processes import trim_c_heap

FAMILIES: tuple[Family, ...] = (keys.FAMILY, record.FAMILY, sharing.FAMILY, listing.FAMILY, holder.FAMILY,
                                court.FAMILY, pacer.FAMILY)
FIRST: tuple[Family, ...] = FAMILIES[:2]        # keys and record, one after the other
BESIDE: Family = sharing.FAMILY                  # on this thread, while ...
ALONGSIDE: tuple[Family, ...] = (listing.FAMILY, court.FAMILY)   # ... these run on a second one


def check_order(families: tuple[Family, ...]) -> None:
    seen: set[str] = set()
    for fam in families:
        missing = [a for a in fam.after if a not in seen]
        if missing:
            raise RuntimeError(f"derived family {fam.name} must come after {', '.join(missing)}")
        seen.add(fam.name)


def check_alongside(families: tuple[Family, ...], first: tuple[Family, ...], beside: Family,
                    alongside: tuple[Family, ...]) -> None:
    """``beside`` and ``alongside`` read only the families of ``first``, which begin ``families``;
    ``beside`` comes right after them, before every family of ``alongside``."""
    names = [f.name for f in families]
    if families[:len(first)] != first or families[len(first)] is not beside:
        raise RuntimeError(f"derived family {beside.name} must come right after {', '.join(f.name for f in first)}")
    done = {f.name for f in first}
    for fam in (beside, *alongside):
        if fam.name not in names or not set(fam.after) <= done:
            raise RuntimeError(f"derived family {fam.name} cannot run alongside: it needs {', '.join(fam.after)}")


check_order(FAMILIES)
check_alongside(FAMILIES, FIRST, BESIDE, ALONGSIDE)
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
    1M rows on a shared machine, most of it system time)."""
    run = Run(out={kind: frame.copy(deep=False) for kind, frame in tables.items()}, as_of=as_of, calendar=calendar,
              paa_usernames=tuple(paa_usernames))
    for fam in FIRST:
        fam.compute(run)
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(_aside, run, ALONGSIDE)
        BESIDE.compute(run)
        written, handed = job.result()
    # The second thread's numpy arrays came from a heap of its own, whose free memory this thread
    # cannot use: without giving it back, holder and pacer took theirs anew and derive's peak at 1M
    # rows rose by 20-50 MB (1.20-1.24 GB against 1.18-1.19 GB one after the other; with it
    # 1.16-1.17 GB, and no more CPU).
    trim_c_heap()
    for name, value in handed.items():
        setattr(run, name, value)
    for fam in FAMILIES[len(FIRST) + 1:]:
        if fam.name in written:
            for kind, columns in written[fam.name].items():
                for column, values in columns.items():
                    run.out[kind][column] = values
        else:
            fam.compute(run)
    if release is not None:
        release()
    return run.out


Written = dict[str, dict[str, dict[str, pd.Series]]]


def _aside(run: Run, families: tuple[Family, ...]) -> tuple[Written, dict]:
    """Compute ``families`` on shallow copies of the frames: per family, per kind, the columns it wrote
    (added, or a declared field replaced) in the order written; and the hand-overs they set, by name
    (those they fill in, such as ``Run.holder``, are the run's own dictionaries)."""
    mine = dataclasses.replace(run, out={kind: frame.copy(deep=False) for kind, frame in run.out.items()})
    handed = {f.name: getattr(mine, f.name) for f in dataclasses.fields(Run) if f.name != "out"}
    written: Written = {}
    for fam in families:
        before = {kind: set(frame.columns) for kind, frame in mine.out.items()}
        fam.compute(mine)
        written[fam.name] = {
            kind: {c: frame[c] for c in [*(c for c in frame.columns if c not in before[kind]),
                                         *(d.name for d in fam.fields if kind in d.kinds and d.name in before[kind])]}
            for kind, frame in mine.out.items()}
    return written, {name: getattr(mine, name) for name, was in handed.items() if getattr(mine, name) is not was}
