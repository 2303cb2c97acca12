"""One workbook per firm, in a folder of the run's own with an index of which file is which firm.

Every firm named in an input gets a workbook: one with its findings, or an
"all clear" one when it has none, so that a firm can tell clean from
forgotten.  A firm name with no letter or digit gets none (it cannot be told
apart from a typing slip); the index says so.  File names are the firm's name
as written, Unicode kept, made safe for Windows and macOS (no reserved
characters or names, no trailing dot or space, short enough) and unique even
where those systems ignore case or Unicode composition; names that would
still collide get a short code made from the firm's normalised name, so a
firm keeps its file name from one month to the next.
"""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor.outputs import threads
from auditor.model import SEVERITIES, AuditResult
from auditor.normalize import arrow, firm_key
from auditor.report.firm_writer import FirmWriter
from auditor.report.prepare import best_spelling

FIRM_COUNTS_ON_SHEET = 20          # more firms than this: counts on the "Firms" sheet, not the Summary
MAX_NAME_BYTES = 120               # UTF-8 bytes of a file name's stem (macOS and most disks allow 255)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
INDEX_COLUMNS = ["firm", "file", *SEVERITIES, "findings", "data issues", "active filers", "ready filers",
                 "share ready", "status"]
NO_WORKBOOK = "no workbook: the firm name has no letter or digit"


def file_stem(name: str) -> str:
    """The firm's name as a file name safe on Windows and macOS ("" when nothing is left)."""
    s = unicodedata.normalize("NFC", str(name))
    s = _UNSAFE.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip(" .")
    while len(s.encode("utf-8")) > MAX_NAME_BYTES:
        s = s[:-1]
    s = s.rstrip(" .")
    if s.split(".")[0].strip().upper() in _RESERVED:
        s = f"{s} (firm)"
    return s if _LETTER_OR_DIGIT.search(s) else ""


def file_names(firms: dict[str, str]) -> dict[str, str]:
    """Firm key -> unique file name (``firms``: key -> name as shown)."""
    stems = {k: file_stem(n) for k, n in firms.items()}
    fold = {k: unicodedata.normalize("NFC", s).casefold() for k, s in stems.items() if s}
    seen = pd.Series(list(fold.values()), dtype=object).value_counts()
    out = {}
    for k, stem in stems.items():
        if not stem:
            continue
        if seen[fold[k]] > 1:  # two firms, one name on a disk that ignores case: a code from each firm's key
            stem = f"{stem} ({hashlib.sha256(k.encode('utf-8')).hexdigest()[:6]})"
        out[k] = f"{stem}.xlsx"
    return out


def all_firms(result: AuditResult, prep) -> dict[str, str]:
    """Every firm in the findings, data issues and inputs: key -> the name most often written."""
    names = [prep.findings["firm_name"], prep.issues["firm_name"]]
    for t in result.inputs:
        if "firm_name" in t.records:
            names.append(t.records["firm_name"])
    s = pd.concat([n.astype("string[pyarrow]") for n in names], ignore_index=True).dropna()
    return {str(k): str(v) for k, v in best_spelling(firm_key(s), s).items()}


@dataclass
class FirmRow:
    key: str
    firm: str
    file: str | None
    severities: list[int]
    data_issues: int
    active: int
    ready: int
    unknown: str = ""           # why the readiness share is unknown ("" when known)
    active_unknown: str = ""    # why the count of active filers is unknown
    not_checked: bool = False   # some check of the run could not run: no findings is no all-clear
    split: bool = True          # firm workbooks were written (--split-by-firm)

    @property
    def figures(self) -> list:
        """Active filers, ready filers, share ready: "unknown" where a fact they need is missing."""
        return ["unknown" if self.active_unknown else self.active, "unknown" if self.unknown else self.ready,
                "unknown" if self.unknown else self.share]

    @property
    def findings(self) -> int:
        return sum(self.severities)

    @property
    def share(self) -> float | None:
        return self.ready / self.active if self.active else None

    @property
    def status(self) -> str:
        if self.file is None and self.split:
            return NO_WORKBOOK
        if self.findings:
            return "findings"
        return "no findings, but not everything was checked" if self.not_checked else "all clear: no findings"


def firm_rows(result: AuditResult, prep, firms: dict[str, str], files: dict[str, str] | None) -> list[FirmRow]:
    """One row per firm: findings by severity, data issues, readiness, its workbook's file name."""
    issues = firm_key(prep.issues["firm_name"]).value_counts()
    ready = (result.readiness or {}).get("by_firm", {})
    unknown_firms = (result.readiness or {}).get("unknown_firms") or set()
    active_unknown = (result.readiness or {}).get("active_unknown") or ""
    gaps = result.coverage is not None and bool(result.coverage.gaps)
    keys = list(firms)   # every firm's counts looked up at once (a run can name thousands of firms)
    sev = _by_severity(prep.finding_keys, prep.findings["severity"], keys).tolist()
    issue_counts = issues.reindex(keys, fill_value=0).to_numpy(dtype=np.int64).tolist()
    out = []
    for key, name, s, n in zip(keys, firms.values(), sev, issue_counts):
        a, r = ready.get(key, (0, 0))
        out.append(FirmRow(key, name, None if files is None else files.get(key), s, n, int(a), int(r),
                           "unknown" if key in unknown_firms else "", active_unknown if key in unknown_firms else "",
                           gaps, split=files is not None))
    return sorted(out, key=lambda row: (-row.findings, row.firm.casefold()))


def _by_severity(keys: pd.Series, severity: pd.Series, firms: list[str]) -> np.ndarray:
    """Each firm's findings by severity (a row per firm of ``firms``, a column per severity): counted on
    codes in one pass (pd.crosstab counts each firm and severity with a Python call: 12,000 firms)."""
    firm = pc.index_in(pc.fill_null(arrow(keys), ""), value_set=pa.array(firms, pa.string()))
    sev = pc.index_in(arrow(severity), value_set=pa.array(SEVERITIES, pa.string()))
    counted = pc.and_(pc.is_valid(firm), pc.is_valid(sev)).to_numpy(zero_copy_only=False)
    code = (pc.fill_null(firm, 0).to_numpy(zero_copy_only=False).astype(np.int64) * len(SEVERITIES)
            + pc.fill_null(sev, 0).to_numpy(zero_copy_only=False))[counted]
    return np.bincount(code, minlength=len(firms) * len(SEVERITIES)).reshape(len(firms), len(SEVERITIES))


def by_firm_rows(result: AuditResult, prep) -> list[FirmRow]:
    """The Firms sheet of a report written without per-firm workbooks: the firms with findings."""
    keys = prep.finding_keys
    seen = pd.DataFrame({"k": keys, "n": prep.findings["firm_name"]}).dropna().drop_duplicates("k")
    return firm_rows(result, prep, dict(zip(seen["k"].tolist(), seen["n"].tolist())), None)


def write_index_csv(rows: list[FirmRow], path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.partial")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(INDEX_COLUMNS)
        for r in rows:
            active, ready, share = r.figures
            w.writerow([r.firm, r.file or "", *r.severities, r.findings, r.data_issues, active, ready,
                        "" if share is None else share if share == "unknown" else f"{share:.3f}", r.status])
    os.replace(tmp, path)
    return path


def split_folder(path: Path) -> Path:
    """The folder of a run's firm workbooks: beside the report, named after it."""
    return path.with_name(f"{path.stem}-firms")


_JOB: tuple | None = None   # (FirmWriter, folder, firms, files) in a worker process, inherited through fork


def _write_chunk(keys: list[str]) -> int:
    if _JOB is None:
        raise RuntimeError("no firm workbooks to write in this process")
    writer, folder, firms, files = _JOB
    for k in keys:
        writer.write(k, firms[k], folder / files[k], atomic=False)
    return len(keys)


def write_split(result: AuditResult, path: Path, prep, firms: dict[str, str], files: dict[str, str],
                index: list[FirmRow], progress=lambda _msg: None, workers: int | None = None,
                alongside: Callable[[], object] = lambda: None) -> list[Path]:
    """Every firm's workbook and the index (index.csv) into ``split_folder(path)``, written in a hidden
    folder beside it and moved into place whole (a previous run's folder is replaced only then).
    ``alongside()`` (the court's report) runs in this process while worker processes write the
    workbooks (before them, without workers).  Returns the index's path, then the workbooks'."""
    final = split_folder(path)
    staging = final.with_name(f".{final.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _write_books(result, staging, prep, firms, files, progress, workers, alongside)
        write_index_csv(index, staging / "index.csv")
        old = final.with_name(f".{final.name}.old")
        if final.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [final / "index.csv"] + [final / files[k] for k in sorted(files)]


def _write_books(result, folder, prep, firms, files, progress, workers, alongside) -> None:
    global _JOB
    writer = FirmWriter(result, prep)
    keys = sorted(files)
    total, done = len(keys), 0
    progress(f"firm workbooks: 0 of {total:,}")
    last = [time.monotonic()]

    def tell(n: int) -> None:  # about once a second, and at the end
        if n == total or time.monotonic() - last[0] >= 1.0:
            last[0] = time.monotonic()
            progress(f"firm workbooks: {n:,} of {total:,}")

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1   # Windows
    workers = workers or min(cores, 8)
    chunks = [keys[i:i + 25] for i in range(0, len(keys), 25)]
    _JOB = (writer, folder, firms, files)
    try:
        if workers > 1 and len(chunks) > 1 and "fork" in multiprocessing.get_all_start_methods():
            threads.settle()   # no other thread running while the workers are forked
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                try:
                    futures = [pool.submit(_write_chunk, c) for c in chunks]   # the workers start here
                    alongside()   # the report is written while they write (this process would only wait)
                    for fut in as_completed(futures):
                        done += fut.result()
                        tell(done)
                except BaseException:   # no waiting for the rest of the workbooks: they will not be kept
                    pool.shutdown(cancel_futures=True)
                    raise
        else:
            alongside()
            for c in chunks:
                done += _write_chunk(c)
                tell(done)
    finally:
        _JOB = None
