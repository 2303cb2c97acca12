"""Synthetic sample data: a court's CM/ECF export, a PACER accounts list and firm rosters.

:func:`generate` writes realistic input files with known problems planted at
known rows, and a ``manifest.json`` that lists them (and the tricky
non-problems that must not be reported), so that the auditor can be
demonstrated, tested end to end and benchmarked at any size.  Generation is
vectorised with numpy and deterministic for a given seed: the same arguments
give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections import Counter
from pathlib import Path
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor.sample import names as N
from auditor.sample.people import COURT, PACER, ROSTER
from auditor.sample.world import build

DEFAULT_COURTS = ("ncmb", "ncwb", "nceb", "ncmd")
DEFAULT_AS_OF = dt.date(2026, 11, 30)
MIN_ROWS = 100
FULL_MANIFEST_MAX = 20_000
FORMATS = ("csv", "xlsx")
_FIXED_TIME = "2026-01-01T00:00:00Z"


def generate(rows: int, out_dir, *, seed: int = 0, fmt: str = "csv", as_of: dt.date = DEFAULT_AS_OF,
             court_ids: Sequence[str] | None = None, roster_formats: Sequence[str] | None = None) -> dict:
    """Write sample inputs into ``out_dir`` and return the manifest.

    Files: ``court_accounts.<fmt>`` (``rows`` rows), ``pacer_accounts.<fmt>``
    (about 0.6 x rows), one ``roster_<firm>.<fmt>`` per rostered firm (2 to 50
    files, about 0.3 x rows together) and ``manifest.json``.
    ``roster_formats`` gives the rosters' formats in turn (e.g. ("csv", "xlsx")
    alternates them); by default every roster is in ``fmt``.
    """
    if int(rows) < MIN_ROWS:
        raise ValueError(f"sample data needs at least {MIN_ROWS} rows (got {rows})")
    formats = [fmt, *(roster_formats or ())]
    if any(f not in FORMATS for f in formats):
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    courts = [c.strip().lower() for c in (court_ids or DEFAULT_COURTS) if c and c.strip()]
    if not courts:
        raise ValueError("at least one court id is needed")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w = build(int(rows), courts, as_of, rng)

    # court export in filer order (each filer's accounts together)
    court = w.court
    court_inv = np.arange(int(rows))
    court_file = f"court_accounts.{fmt}"
    _write(out / court_file, court, N.COURT_HEADERS, fmt, N.US, "Filer Accounts")

    pacer_file = f"pacer_accounts.{fmt}"
    _write(out / pacer_file, w.pacer, N.PACER_HEADERS, fmt, N.ISO, "PACER Accounts")

    # rosters: one file per firm, in firm order
    rperm = np.argsort(w.roster["_firm"], kind="stable")
    roster = {c: _take(v, rperm) for c, v in w.roster.items()}
    roster_inv = _inverse(rperm)
    starts = np.searchsorted(roster["_firm"], np.arange(len(w.firms) + 1))
    roster_files, roster_names = [], []
    cycle = list(roster_formats) if roster_formats else [fmt]
    for f, firm in enumerate(w.firms):
        t = f % len(N.ROSTER_HEADERS)
        lo, hi = int(starts[f]), int(starts[f + 1])
        part = {c: v[lo:hi] for c, v in roster.items() if c != "_firm"}
        written = firm.replace(" & ", " and ").replace(",", "") if f % 4 == 1 else firm
        part["firm_name"] = np.full(hi - lo, written, dtype=object)
        part["role"] = _display(part["role"], N.ROSTER_ROLE_DISPLAY[t])
        part["pacer_use"] = _display(part["pacer_use"], N.ROSTER_USE_DISPLAY[t])
        if t == 1:
            part["courts"] = pc.replace_substring(part["courts"], ";", ", ")
        rfmt = cycle[f % len(cycle)]
        name = f"roster_{N.slug(firm)}.{rfmt}"
        cols = ["firm_name", "person_name", "role", "bar_id", "email", "pacer_username", "pacer_use",
                "paa_id", "courts", "left_firm_on"]
        _write(out / name, {c: part[c] for c in cols}, N.ROSTER_HEADERS[t], rfmt, (N.ISO, N.US)[f % 2], "Roster")
        roster_files.append(name)
        roster_names.append(written)

    files = {COURT: [court_file], ROSTER: roster_files, PACER: [pacer_file]}

    def entries(items):
        out_list = []
        for rule, kind, idx in items:
            for i in np.asarray(idx):
                out_list.append(_entry(rule, kind, int(i), court, court_inv, roster, roster_inv, starts,
                                       roster_files, roster_names, w.pacer, court_file, pacer_file))
        out_list.sort(key=lambda e: (e["rule_id"], e["file"], e["row"]))
        return out_list

    planted_counts: Counter[str] = Counter()
    for rule, _kind, idx in w.planted:
        planted_counts[rule] += len(idx)
    court_hit = np.zeros(int(rows), dtype=bool)
    for _rule, kind, idx in w.planted:
        if kind == COURT:
            court_hit[idx] = True
    manifest = {
        "seed": seed, "rows": int(rows), "as_of": as_of.isoformat(), "courts": courts, "files": files,
        "row_counts": {court_file: int(rows), pacer_file: len(w.pacer["pacer_username"]),
                       **{n: int(c) for n, c in zip(roster_files, np.bincount(roster["_firm"],
                                                                               minlength=len(w.firms)))}},
        "court_rows_with_planted_problem": int(court_hit.sum()),
        "planted_counts": dict(sorted(planted_counts.items())),
    }
    if rows <= FULL_MANIFEST_MAX:
        manifest["planted"] = entries(w.planted)
    manifest["must_not_fire"] = entries(w.must_not_fire)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _get(values, i: int) -> str:
    v = values[i]
    return str(v.as_py() if isinstance(v, pa.Scalar) else v)


def _inverse(perm: np.ndarray) -> np.ndarray:
    inv = np.empty(len(perm), dtype=np.int64)
    inv[perm] = np.arange(len(perm))
    return inv


def _take(values, perm: np.ndarray):
    """Rows of a column in a new order: text columns become Arrow arrays (fast for long text)."""
    values = np.asarray(values) if not isinstance(values, pa.Array) else values
    if isinstance(values, pa.Array) or values.dtype.kind in "OTU":
        return pa.array(values).take(pa.array(perm)) if not isinstance(values, pa.Array) else values.take(perm)
    return values[perm]


def _display(values, mapping: dict) -> np.ndarray:
    if isinstance(values, pa.Array):
        values = values.to_numpy(zero_copy_only=False)
    out = values.astype(object)
    for canon, shown in mapping.items():
        out[values == canon] = shown
    return out


def _entry(rule, kind, i, court, court_inv, roster, roster_inv, starts, roster_files, roster_names,
           pacer, court_file, pacer_file) -> dict:
    if kind == COURT:
        p = int(court_inv[i])
        return {"rule_id": rule, "kind": kind, "file": court_file, "row": p + 2,
                "key": {"court_id": _get(court["court_id"], p), "cmecf_login": _get(court["cmecf_login"], p),
                        "pacer_username": _get(court["pacer_username"], p)}}
    if kind == ROSTER:
        p = int(roster_inv[i])
        f = int(roster["_firm"][p])
        return {"rule_id": rule, "kind": kind, "file": roster_files[f], "row": p - int(starts[f]) + 2,
                "key": {"firm_name": roster_names[f], "person_name": _get(roster["person_name"], p),
                        "pacer_username": _get(roster["pacer_username"], p)}}
    return {"rule_id": rule, "kind": kind, "file": pacer_file, "row": i + 2,
            "key": {"pacer_username": _get(pacer["pacer_username"], i)}}


def _frame(table: dict, headers: dict, fmt: str, date_style: str) -> pd.DataFrame:
    data = {}
    for col, values in table.items():
        if not isinstance(values, pa.Array) and np.issubdtype(np.asarray(values).dtype, np.datetime64):
            if fmt == "xlsx":
                data[headers[col]] = pd.Series(np.asarray(values, dtype="datetime64[s]"))
            else:
                iso = np.datetime_as_string(values, unit="D").astype(object)
                iso[np.isnat(values)] = ""
                s = pd.Series(iso, dtype="string[pyarrow]")
                if date_style == N.US:
                    s = (s.str.slice(5, 7) + "/" + s.str.slice(8, 10) + "/" + s.str.slice(0, 4)).fillna("")
                    s = s.where(s != "//", "")
                data[headers[col]] = s
        else:
            if isinstance(values, pa.Array):
                s = pd.Series(pd.array(values.cast(pa.large_string()), dtype="string[pyarrow]"))
            else:
                s = pd.Series(np.asarray(values).astype(object), dtype="string[pyarrow]")
            data[headers[col]] = s.mask(s == "") if fmt == "xlsx" else s
    return pd.DataFrame(data)


def _arrow_text(values, date_style: str) -> pa.Array:
    """One column as CSV field text: dates formatted, quotes where needed, blanks empty."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        values = np.asarray(values)
        if np.issubdtype(values.dtype, np.datetime64):
            iso = pa.array(np.datetime_as_string(values, unit="D"), mask=np.isnat(values))
            if date_style == N.US:
                iso = pc.binary_join_element_wise(
                    pc.utf8_slice_codeunits(iso, 5, 7), pc.utf8_slice_codeunits(iso, 8, 10),
                    pc.utf8_slice_codeunits(iso, 0, 4), "/")
            return pc.fill_null(iso, "")
        arr = pa.array(values, type=pa.string()) if values.dtype.kind != "O" else pa.array(values, pa.string())
    arr = pc.fill_null(arr.cast(pa.string()), "")
    needs = pc.or_(pc.or_(pc.match_substring(arr, ","), pc.match_substring(arr, '"')),
                   pc.match_substring(arr, "\n"))
    if pc.any(needs).as_py():
        quoted = pc.binary_join_element_wise("\"", pc.replace_substring(arr, "\"", "\"\""), "\"", "")
        arr = pc.if_else(needs, quoted, arr)
    return arr


def _csv_bytes(table: dict, headers: dict, date_style: str) -> bytes:
    """UTF-8 CSV text of a table, built column-wise with Arrow (no loop per row)."""
    cols = list(table)
    fields = [_arrow_text(table[c], date_style) for c in cols]
    head = ",".join(headers[c] for c in cols) + "\n"
    if not len(fields[0]):
        return head.encode("utf-8")
    lines = pc.binary_join_element_wise(*fields, ",")
    lines = pc.binary_join_element_wise(lines, "", "\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = lines.buffers()[1]
    data = lines.buffers()[2]
    width = 8 if pa.types.is_large_string(lines.type) else 4
    off = np.frombuffer(offsets, dtype=np.int64 if width == 8 else np.int32)
    lo, hi = int(off[lines.offset]), int(off[lines.offset + len(lines)])
    return head.encode("utf-8") + data.to_pybytes()[lo:hi]


def _write(path: Path, table: dict, headers: dict, fmt: str, date_style: str, sheet: str) -> None:
    if fmt == "csv":
        path.write_bytes(_csv_bytes(table, headers, date_style))
        return
    df = _frame(table, headers, fmt, date_style)
    import rustpy_xlsxwriter

    buf = io.BytesIO()
    rustpy_xlsxwriter.write_worksheet(
        df, buf, sheet_name=sheet, datetime_format="mm/dd/yyyy" if date_style == N.US else "yyyy-mm-dd",
        bold_headers=True, freeze_row=1)
    path.write_bytes(_fix_timestamps(buf.getvalue()))


def _fix_timestamps(data: bytes) -> bytes:
    """Give the workbook's creation time a fixed value, so that the same seed gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                import re
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + _FIXED_TIME.encode(), body)
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)
    return out.getvalue()
