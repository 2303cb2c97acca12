"""The registry of derived fields: every family, in the order they are computed.

Derived fields are everything a rule needs that takes more than one record (who else uses a PACER
username, how many accounts a bar id holds at a court, whether a username is a PAA, whether a court
is live on the audit date, whether the PACER account holder is the filer).  Rules then look at one
record at a time.  Each family module declares the fields it computes (``FAMILY``); this module
gathers them:

1. ``keys``: usernames, names and bar ids as integer codes, once per run;
2. ``listing``: what the PACER account list says about each record's username;
3. ``pacer_firm``: the firm of each PACER account, from the rosters and court accounts;
4. ``court``: the court calendar and bar ids per court;
5. ``holder``: whether the listed holder is the person (needs the listing's rows);
6. ``record``: fields of one record alone (audit date, username length, left the firm);
7. ``sharing``: the uses of each username and the people behind them (needs ``has_left_firm``);
8. ``pacer``: fields of the PACER account list that look at the other inputs (needs the uses).

The families that hand their work to the run's second thread come first, so that it works while
record, sharing and pacer run on this one.

``FAMILIES`` is that order; ``check_order`` refuses an order in which a family comes before one it
names in ``after``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from auditor.court_calendar import Calendar
from auditor.derive import court, holder, keys, listing, pacer, record, sharing
from auditor.derive.base import Derived, Family, Run

FAMILIES: tuple[Family, ...] = (keys.FAMILY, listing.FAMILY, pacer.FIRM, court.FAMILY, holder.FAMILY,
                                record.FAMILY, sharing.FAMILY, pacer.FAMILY)


def check_order(families: tuple[Family, ...]) -> None:
    seen: set[str] = set()
    for fam in families:
        missing = [a for a in fam.after if a not in seen]
        if missing:
            raise RuntimeError(f"derived family {fam.name} must come after {', '.join(missing)}")
        seen.add(fam.name)


check_order(FAMILIES)
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
    1M rows on a shared machine, most of it system time).  Keeping glibc from unmapping and trimming
    the families' freed arrays while derive runs (``mallopt``) cut its page faults by a quarter, but
    whole audits showed no less CPU and a 0.03-0.05 GiB higher peak: taken out.

    The families run one after the other on this thread; work on arrays alone goes to one second
    thread (``Run.pool``: the name keys and the PACER list's e-mail keys while the usernames and bar
    ids are hashed here, then the PACER list's fields at the records' rows, the PACER accounts' firms,
    the courts' fields and the holder's decisions while record, sharing and pacer run here), with
    numpy and Arrow arrays taken out of the frames here beforehand; only this thread puts what comes
    back into the frames (``Family.finish``, once every family has computed).  With Arrow's buffers from
    mimalloc, that work on the second thread raised the stage's peak, which is the audit's, by
    0.1-0.15 GiB; from jemalloc (``auditor.api.memory.lean_pool``) the audit peaks at 1.28-1.37 GiB
    with it.  Whole families in two chains on two threads took about 1 s less wall time at 1M rows,
    but both chains' working memory at once raised the audit's peak from 1.33-1.36 GiB to
    1.40-1.56 GiB (mimalloc), over the 1.5 GB target at times.  Running only listing and court beside
    sharing, on shallow copies of the frames, saved 0.2-0.3 s but is not safe: a shallow copy made
    while the other thread adds a column read the frame half-changed (a test's audit failed with
    pandas' IndexError), and the frames' shared copy-on-write references are kept in plain lists that
    two threads may update at once."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="derive") as pool:
        run = Run(out={kind: frame.copy(deep=False) for kind, frame in tables.items()}, as_of=as_of,
                  calendar=calendar, paa_usernames=tuple(paa_usernames), pool=pool)
        for fam in FAMILIES:
            fam.compute(run)
        for fam in FAMILIES:
            if fam.finish is not None:
                fam.finish(run)
    if release is not None:
        release()
    return run.out
