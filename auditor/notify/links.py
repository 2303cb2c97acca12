"""Each firm's link to its own page on the court's portal, for its message and notice (``--base-url``).

The links are the portal's invites (``auditor.history.invites``, the rules of ``auditor invite``): a random
token kept only as its hash, scoped to the firm and the run, ending after 15 days or when the next month
is recorded.  Because only the hash is kept, a link already sent cannot be put in a message again: each
firm written or sent to now gets a new link, and the firm's earlier links to the same run stop opening (a
session already opened keeps its hours).  The command says how many earlier links it ended; a firm sent
before and skipped on a run again gets no new link.
"""

from __future__ import annotations

import datetime as dt

from auditor.errors import UsageError
from auditor.history.invites import check_base_url, issue, later_month_recorded, live_links
from auditor.history.store import Store, translated


def _firms(items) -> dict[str, str]:
    return {i.part.key: i.part.name for i in items if i.part.key}


def make_links(store: Store, ref, items, base_url: str,
               now: dt.datetime | None = None) -> tuple[dict[str, tuple[str, dt.datetime]], int]:
    """A new link for each item's firm: (firm key -> (link, when it ends), firms whose earlier link ended)."""
    check_base_url(base_url)
    with translated(store.label), store.engine.connect() as conn, conn.begin():
        store.lock(conn)
        if later_month_recorded(conn, ref.scope, ref.as_of):
            raise UsageError(f"run {ref.run_id} ({ref.as_of}) is not the latest month of {ref.scope_label}: a link "
                             "to it would not open; give the latest run, or leave out --base-url")
        return issue(conn, scope=ref.scope, run_id=ref.run_id, as_of=ref.as_of, firms=_firms(items),
                     base_url=base_url, now=now)


def working_links(store: Store, ref, items) -> int:
    """How many of the items' firms have a link to the run that still opens."""
    keys = list(_firms(items))
    with translated(store.label), store.engine.connect() as conn:
        return sum(live_links(conn, scope=ref.scope, run_id=ref.run_id, keys=keys[i:i + 500])
                   for i in range(0, len(keys), 500))


def ends_line(links: dict, ended: int) -> str:
    """One line for the terminal: links made, when they end, earlier links ended."""
    if not links:
        return "no new links"
    last = max(e for _, e in links.values())
    return (f"{len(links)} new links to the firms' pages (each for its firm only; they end on {last:%Y-%m-%d} "
            f"or when the next month is recorded)" + (f"; the earlier links of {ended} firms were ended: only the "
                                                      "newest opens" if ended else ""))
