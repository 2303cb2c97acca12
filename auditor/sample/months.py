"""Sample data over several consecutive months, with known changes between them.

:func:`generate_months` writes one folder per month end (``2026-09/``, ``2026-10/``, ...), each a complete
set of inputs as :func:`auditor.sample.files.generate` makes them, and ``months.json`` naming what changed:

- **fixed**: court filing accounts that were unlinked and are linked to a new, individual PACER username
  (their ``unlinked-filing-account`` finding is resolved);
- **new**: new attorneys' filing accounts with no PACER username (a new ``unlinked-filing-account``);
- **reopened**: from the third month, the first account fixed the month before loses its link again
  (the finding comes back).

Only the court export changes from month to month; the PACER list and rosters stay the same.  CSV only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import shutil
from typing import Any
from pathlib import Path

import pandas as pd

from auditor.sample import names as N
from auditor.sample.files import DEFAULT_AS_OF, generate

RULE = "unlinked-filing-account"
FIXED_PER_MONTH = 2
NEW_PER_MONTH = 2
_H = N.COURT_HEADERS


def month_ends(last: dt.date, months: int) -> list[dt.date]:
    """``months`` consecutive month ends, the last one being ``last``'s month end."""
    out = []
    y, m = last.year, last.month
    for _ in range(months):
        out.append(dt.date(y, m, calendar.monthrange(y, m)[1]))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _key(row) -> dict:
    return {"rule_id": RULE, "court_id": row[_H["court_id"]], "cmecf_login": row[_H["cmecf_login"]]}


def generate_months(rows: int, out_dir, *, months: int = 3, seed: int = 0, last: dt.date = DEFAULT_AS_OF) -> dict:
    """Write ``months`` monthly folders of sample inputs into ``out_dir``; return the manifest."""
    if months < 2:
        raise ValueError("give at least 2 months")
    out = Path(out_dir)
    dates = month_ends(last, months)
    first = out / dates[0].strftime("%Y-%m")
    base = generate(rows, first, seed=seed, fmt="csv", as_of=dates[0])
    court_file = base["files"]["court_accounts"][0]
    court = pd.read_csv(first / court_file, dtype=str, keep_default_na=False)
    login = court[_H["cmecf_login"]]
    unlinked = [e for e in base.get("planted", []) if e["rule_id"] == RULE and e["file"] == court_file]
    plain = [e for e in unlinked if e["key"]["cmecf_login"].isalnum()]
    candidates = [int(login.index[login == e["key"]["cmecf_login"]][0]) for e in plain]
    plan = [{"as_of": dates[0].isoformat(), "folder": first.name, "fixed": [], "new": [], "reopened": []}]
    fixed_before: list[int] = []
    for n, when in enumerate(dates[1:], 2):
        folder = out / when.strftime("%Y-%m")
        folder.mkdir(parents=True, exist_ok=True)
        for p in first.iterdir():
            if p.name not in (court_file, "manifest.json"):
                shutil.copy2(p, folder / p.name)
        entry: dict[str, Any] = {"as_of": when.isoformat(), "folder": folder.name, "fixed": [], "new": [], "reopened": []}
        if fixed_before and n >= 3:   # the first account fixed last month loses its link again
            back = fixed_before[0]
            court.loc[back, _H["pacer_username"]] = ""
            court.loc[back, _H["linked_on"]] = ""
            entry["reopened"].append(_key(court.loc[back]))
            candidates.remove(back) if back in candidates else None
        fixing, candidates = candidates[:FIXED_PER_MONTH], candidates[FIXED_PER_MONTH:]
        for i in fixing:
            court.loc[i, _H["pacer_username"]] = f"{str(court.at[i, _H['cmecf_login']]).lower()}ng{n:02d}x"
            court.loc[i, _H["linked_on"]] = when.strftime("%m/%d/%Y")
            entry["fixed"].append(_key(court.loc[i]))
        fixed_before = fixing
        added = []
        for k in range(NEW_PER_MONTH):
            row = dict.fromkeys(court.columns, "")
            row.update({_H["court_id"]: court[_H["court_id"]].iloc[0], _H["cmecf_login"]: f"newatty{n:02d}{k}",
                        _H["filer_name"]: f"Newcomb, Avery {chr(65 + n)}{k}", _H["filer_role"]: "Attorney",
                        _H["bar_id"]: f"NC9{n:02d}{k:02d}", _H["email"]: f"newatty{n:02d}{k}@example.com",
                        _H["account_status"]: "Active"})
            added.append(row)
            entry["new"].append(_key(row))
        court = pd.concat([court, pd.DataFrame(added)], ignore_index=True)
        court.to_csv(folder / court_file, index=False)
        plan.append(entry)
    manifest = {"rows": int(rows), "seed": seed, "files": base["files"], "months": plan}
    (out / "months.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest
