"""The court calendar: every PACER court, its type, and its NextGen go-live date.

The shipped calendar is ``rules/courts.csv`` (built from PACER's Court CM/ECF
Lookup feed and the go-live dates courts published, each row naming its
source).  A user may add courts or override dates with files of their own
(``--courts FILE``): same columns, only ``court_id`` required.

A court is live on NextGen on the audit date when its go-live date is on or
before that date; a court on NextGen whose date is not known counts as live.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pandas as pd

from auditor.errors import RulesError, UsageError

# The shipped catalogue (the top-level rules/ folder, installed as the package auditor._rules).
SHIPPED = files("auditor._rules")
DEFAULT_CALENDAR = SHIPPED / "courts.csv"
CALENDAR_COLUMNS = ["court_id", "pacer_court_ids", "name", "type", "circuit", "on_nextgen",
                    "nextgen_go_live", "go_live_precision", "source"]
COURT_TYPES = {"bankruptcy", "district", "appellate", "national"}
# the dates pandas can hold; a go-live date outside them is a placeholder, not a date
FIRST_DAY, LAST_DAY = dt.date(1678, 1, 1), dt.date(2262, 4, 10)


def _read_calendar(path) -> pd.DataFrame:
    try:
        with path.open("rb") as fh:
            frame = pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RulesError(str(path.name), f"cannot read the court calendar: {exc}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "court_id" not in frame.columns:
        raise RulesError(path.name, "a court calendar needs a court_id column")
    unknown = [c for c in frame.columns if c not in CALENDAR_COLUMNS]
    if unknown:
        raise RulesError(path.name, f"unknown calendar column(s): {', '.join(unknown)}; "
                                    f"expected some of: {', '.join(CALENDAR_COLUMNS)}")
    for col in CALENDAR_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame[CALENDAR_COLUMNS].apply(lambda s: s.str.strip())
    frame["court_id"] = frame["court_id"].str.lower()
    for i, row in frame.iterrows():  # a calendar is ~200 rows: checked row by row for exact messages
        where = f"row {i + 2}"
        if not row.court_id:
            raise RulesError(path.name, f"{where}: court_id is blank")
        if row.type and row.type.lower() not in COURT_TYPES:
            raise RulesError(path.name, f"{where}: type {row.type!r} is not one of {', '.join(sorted(COURT_TYPES))}")
        if row.nextgen_go_live:
            try:
                day = dt.date.fromisoformat(row.nextgen_go_live)
            except ValueError:
                raise RulesError(path.name, f"{where}: nextgen_go_live {row.nextgen_go_live!r} "
                                            "is not a date written YYYY-MM-DD") from None
            if not FIRST_DAY <= day <= LAST_DAY:  # a placeholder such as 9999-12-31: no date known
                frame.at[i, "nextgen_go_live"] = ""
                if day > LAST_DAY and not row.on_nextgen:
                    frame.at[i, "on_nextgen"] = "no"
        if row.on_nextgen and row.on_nextgen.lower() not in ("yes", "no"):
            raise RulesError(path.name, f"{where}: on_nextgen must be yes or no")
    dups = frame.court_id[frame.court_id.duplicated()]
    if len(dups):
        raise RulesError(path.name, f"court {dups.iloc[0]!r} is listed twice")
    frame["type"] = frame["type"].str.lower()
    frame["on_nextgen"] = frame["on_nextgen"].str.lower()
    return frame


def _lookup(court_ids: pd.Series, table: pd.Series) -> pd.Series:
    """``table``'s value for each court id, as plain objects: mapping Arrow text where no id is known
    gives an Arrow column of type null, which then takes no fill value."""
    return court_ids.astype(object).map(table)


@functools.lru_cache(maxsize=8)
def _parsed(rows: tuple[tuple[str, str, str], ...]) -> tuple[pd.Series, pd.Series]:
    """(go-live date, on_nextgen) by court id, from (court id, go-live text, on_nextgen) rows: parsing
    a few hundred dates costs more than a small audit's own work, and a server audits many times.
    Callers must not change what they are given."""
    index = pd.Index([r[0] for r in rows], name="court_id")
    go = pd.to_datetime(pd.Series([r[1] or None for r in rows], index=index, dtype=object))
    return go, pd.Series([r[2] for r in rows], index=index, dtype=object)


@functools.lru_cache(maxsize=8)
def _merged(files: tuple[tuple[str, str, int, int, int], ...]) -> pd.DataFrame:
    """The shipped calendar and the user's ``files`` (each: the path as given, then what tells it from
    another file or from itself changed) merged in turn."""
    base = _read_calendar(DEFAULT_CALENDAR)
    base["origin"] = DEFAULT_CALENDAR.name
    for given, *_ in files:
        path = Path(given)
        add = _read_calendar(path)
        add["origin"] = path.name
        # A user's row overrides the shipped one, field by field where the user gave a value.
        merged = base.set_index("court_id")
        add = add.set_index("court_id")
        known = add.index.isin(merged.index)
        merged.update(add[known].replace("", None))
        new = add[~known].copy()
        new.loc[new["on_nextgen"] == "", "on_nextgen"] = "yes"
        merged = pd.concat([merged, new])
        merged.index.name = "court_id"
        base = merged.reset_index()
    return base.reset_index(drop=True)


@dataclass
class Calendar:
    frame: pd.DataFrame  # CALENDAR_COLUMNS, one row per court_id, plus origin

    @classmethod
    def load(cls, extra: list[str | Path] | tuple = ()) -> Calendar:
        """The shipped calendar with the user's files ``extra`` applied in turn.  Read and checked once a
        process while the files are unchanged (an audit asks twice, a server or the tests for every
        audit); each caller gets a copy of its own."""
        files: list[tuple[str, str, int, int, int]] = []
        for path in extra:
            path = Path(path)
            if not path.is_file():
                _merged(tuple(files))   # a fault in a file before it is said first, as when read in turn
                raise RulesError(path.name, "court calendar file not found")
            st = path.stat()   # a changed file (time, size or inode) is read again
            files.append((str(path), os.path.abspath(path), st.st_mtime_ns, st.st_size, st.st_ino))
        return cls(_merged(tuple(files)).copy())

    def known_courts(self) -> dict[str, str]:
        """Every accepted spelling (lower case) -> canonical court id: ``ncmb``, ``ncmbk`` -> ``ncmb``."""
        out = {cid: cid for cid in self.frame.court_id}
        for cid, ids in zip(self.frame.court_id, self.frame.pacer_court_ids):
            for pid in filter(None, (p.strip().lower() for p in ids.split(";"))):
                out.setdefault(pid, cid)
        return out

    def resolve(self, court_id: str, option: str = "--court") -> str:
        """The canonical id of a court id given on the command line; UsageError naming the value when
        the calendar does not know it (every row would otherwise carry a court nobody can judge)."""
        key = "".join(str(court_id).split()).lower()
        found = self.known_courts().get(key)
        if found is None:
            raise UsageError(
                f"{option} {court_id!r} is not a court id in the court calendar; give the PACER court id "
                "such as ncmb (North Carolina Middle Bankruptcy Court); 'auditor courts WORD' finds one (for "
                "example: auditor courts carolina), and --courts FILE adds a court of your own")
        return found

    def search(self, words: str = "") -> pd.DataFrame:
        """The calendar rows whose id or name holds every word of ``words`` (case ignored)."""
        text = (self.frame["court_id"] + " " + self.frame["pacer_court_ids"] + " " + self.frame["name"]).str.lower()
        keep = pd.Series(True, index=self.frame.index)
        for word in words.lower().split():
            keep &= text.str.contains(word, regex=False)
        return self.frame[keep].sort_values("court_id")

    def first_go_live(self) -> dt.date | None:
        """The earliest NextGen go-live date in the calendar."""
        dates = self._dates()[0].dropna()
        return dates.min().date() if len(dates) else None

    def go_live(self, court_ids: pd.Series) -> pd.Series:
        """NextGen go-live date of each court id (NaT when unknown)."""
        return _lookup(court_ids, self._dates()[0]).astype("datetime64[ns]")

    def live(self, court_ids: pd.Series, as_of: dt.date) -> pd.Series:
        """True where the court is live on NextGen on ``as_of``.

        Known date: live from that date on.  On NextGen with no known date:
        live.  A court id not in the calendar: live (every PACER court has
        been on NextGen since 2022); the validator reports the unknown id.
        """
        go, on_nextgen = self._dates()
        live = (go <= pd.Timestamp(as_of)) | (go.isna() & (on_nextgen != "no"))
        return _lookup(court_ids, live).fillna(True).astype("boolean")

    def _dates(self) -> tuple[pd.Series, pd.Series]:
        """(NextGen go-live date, on_nextgen) by court id; the dates parsed once a process per calendar."""
        return _parsed(tuple(zip(self.frame["court_id"], self.frame["nextgen_go_live"], self.frame["on_nextgen"])))

    def name(self, court_id: str) -> str:
        hit = self.frame.loc[self.frame.court_id == court_id, "name"]
        return hit.iloc[0] if len(hit) else court_id
