"""Where a benchmark writes its figures: ``<folder>/<name>-<date>.csv``, one row a measure."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path


def save_rows(rows: list[dict], folder: Path, name: str, *, append: bool = False) -> Path:
    """Write (or with ``append``, add to the day's file) ``rows`` and return the file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{dt.date.today().isoformat()}.csv"
    new = not (append and path.exists())
    with path.open("a" if append else "w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        if new:
            w.writeheader()
        w.writerows(rows)
    return path
