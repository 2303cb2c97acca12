"""Type and check the cells of a loaded table; turn bad cells into data issues.

``validate_table`` coerces every canonical column to its type (vectorised,
keeping the user's row numbers as the index), then checks the rows with a
pandera schema built from auditor.columns (looked at first with a few vectorised
tests that say only whether anything fails: pandera runs, and is imported, only
for a table where something does).  A row missing something the audit
cannot do without (a blank login, an unknown filer role) is rejected; a cell
that is merely unusable (a bad date, a bad e-mail) is blanked with a warning
and the row is still audited.  Every problem becomes one row of data issues,
named by file, sheet, row, the column as the user wrote it, and the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from auditor import columns as C
from auditor.columns import PERSON_COLUMN
from auditor.errors import InputError
from auditor.load.table import RawTable
from auditor.model import FILE_COL, KIND_COL, ROW_COL, SHEET_COL, InputTable
from auditor.validate.records import bookkeeping_dtype
from auditor.validate.issues import Issues
from auditor.validate.joined import Joined, join
from auditor.validate.schema import ROLE_COLUMN, run_schema
from auditor.validate.coerce import (
    STRING, as_text, coerce_bool, coerce_category, coerce_court, coerce_date, coerce_email, distinct, is_excel_error,
    may_hold_excel_error, no_account,
)

_USERNAME_COLUMNS = ("pacer_username", "paa_id")   # cells where "N/A", "none" or "-" mean no account
_TYPE_WORDS = {C.DATE: "date", C.BOOL: "yes/no value"}


def _check_columns(raw: RawTable, court, firm) -> None:
    """InputError when a required column is missing and no option stands in for it."""
    for col in C.columns(raw.kind):
        if not col.required or col.name in raw.headers:
            continue
        if col.name == "court_id" and court:
            continue
        if col.name == "firm_name" and firm:
            continue
        looked = ", ".join(dict.fromkeys(col.aliases))
        found = _one_line(", ".join(raw.all_headers)) or "nothing"
        if not raw.header_recognised:
            problem = (f"the header row was not recognised as {C.KIND_LABELS[raw.kind]} "
                       f"(row {raw.header_row} reads: {found}); no column for {col.name} "
                       f"(looked for: {looked})")
            if raw.file_type == "csv":
                problem += (f". The file was read as {raw.delimiter!r}-separated; check the "
                            "delimiter and that the file has a header row")
        else:
            problem = f"no column for {col.name} (looked for: {looked}); found: {found}"
        if col.option:
            problem += f". Add the column or give {col.option}"
        other = C.likely_kind(raw.all_headers, raw.kind)
        if other is not None:
            problem = f"this file is {_wrong_kind(raw.kind, other)} ({problem})"
        raise InputError(raw.name, problem)


def _check_ambiguous(raw: RawTable) -> None:
    """InputError when a header could name several columns and its values do not say which: the
    audit asks rather than guesses."""
    if not raw.ambiguous:
        return
    parts = [f"the column {h!r} could hold {' or '.join(cands)}" for h, cands in raw.ambiguous]
    h, cands = raw.ambiguous[0]
    raise InputError(raw.name, (
        "; ".join(parts) + " and its values do not tell which; say which with --map "
        f"\"{h}={cands[0]}\" (or {', '.join(cands[1:])}), or choose it on the upload page's mapping step"))


def _wrong_kind(given: str, other: str) -> str:
    def label(kind):
        return ("a " if kind == C.ROSTER else "") + C.KIND_LABELS[kind]
    return (f"probably the wrong kind: given as {label(given)} ({C.KIND_OPTIONS[given]}), its columns look "
            f"like {label(other)}; give it with {C.KIND_OPTIONS[other]}")


def _wrong_kind_issue(raw: RawTable) -> list[dict]:
    """A warning when the file's columns fit another kind of input clearly better than its own."""
    other = C.likely_kind(raw.all_headers, raw.kind)
    if other is None:
        return []
    return [{"file": raw.name, "sheet": raw.sheet, "row": raw.header_row, "column": "",
             "value": _one_line(", ".join(raw.all_headers), 200), "reason": "the file is " + _wrong_kind(raw.kind, other),
             "code": "wrong-kind", "severity": "warning", "firm_name": pd.NA}]


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


_NAME_PARTS = {  # header keys (columns.header_key) of name parts that exports keep in columns of their own
    "last": ("lastname", "surname", "familyname", "last"),
    "first": ("firstname", "givenname", "first"),
    "middle": ("middlename", "middleinitial", "mi", "middle"),
    "suffix": ("suffix", "namesuffix"),
}


def compose_name(raw: RawTable) -> None:
    """Exports that keep "Last Name" and "First Name" in columns of their own get the name column
    the audit needs, written "Last, First Middle Suffix" (the parts' columns are used up)."""
    target = PERSON_COLUMN[raw.kind]
    if target in raw.frame.columns:
        return
    found: dict[str, str] = {}
    for col in raw.unknown_columns:
        key = C.header_key(col)
        for part, keys in _NAME_PARTS.items():
            if key in keys and part not in found:
                found[part] = col
    if "last" not in found or "first" not in found:
        return
    parts = {p: raw.frame[c].astype(STRING).str.strip().replace("", pd.NA)  # type: ignore[call-overload]  # pandas-stubs
             for p, c in found.items()}
    given = parts["first"]
    for extra in ("middle", "suffix"):
        if extra in parts:
            given = (given.fillna("") + " " + parts[extra].fillna("")).str.strip().replace("", pd.NA)
    last = parts["last"]
    name = (last + ", " + given).fillna(last).fillna(given)
    raw.frame[target] = name.astype(STRING)
    raw.headers[target] = " + ".join(found[p] for p in ("last", "first", "middle", "suffix") if p in found)
    raw.present_columns.append(target)
    raw.unknown_columns = [c for c in raw.unknown_columns if c not in found.values()]


_UPGRADED_TYPES = {"upgradedpaceraccount": True, "upgraded": True, "legacypaceraccount": False,
                   "legacypaceraccountupgrade": False, "legacy": False}


def _upgraded_from_account_type(frame: pd.DataFrame, text: dict) -> None:
    """PACER's own screen says "Account Type: Upgraded PACER Account" or "Legacy PACER Account":
    where the upgraded column is blank or absent, that answer fills it."""
    codes, spellings, _ = distinct(text["account_type"])  # a few distinct spellings, looked up once each
    if not len(spellings):
        return
    answers = pd.array([_UPGRADED_TYPES.get(C.header_key(v)) for v in spellings] + [None], dtype="boolean")
    said = pd.Series(answers[np.where(codes >= 0, codes, len(spellings))], index=frame.index)
    frame["upgraded"] = frame["upgraded"].astype("boolean").fillna(said)


def validate_table(raw: RawTable, *, court: str | None = None, firm: str | None = None,
                   known_courts: Mapping[str, str] | None = None) -> InputTable:
    """Typed, checked records of one loaded table, with its data issues."""
    (table,) = validate_tables([raw], court=court, firm=firm, known_courts=known_courts)
    if isinstance(table, InputError):
        raise table
    return table


def validate_tables(raws: list[RawTable], *, court: str | None = None, firm: str | None = None,
                    known_courts: Mapping[str, str] | None = None) -> list[InputTable | InputError]:
    """``validate_table`` of each of ``raws`` (the table, or why the file is refused).  Tables of one kind
    with the same columns are checked as one: fifty small rosters cost about what one big one does,
    not fifty times each step's fixed cost."""
    out: list[InputTable | InputError] = [InputError("", "")] * len(raws)
    groups: dict[tuple, list[int]] = {}
    for i, raw in enumerate(raws):
        try:
            compose_name(raw)
            _check_ambiguous(raw)
            _check_columns(raw, court, firm)
        except InputError as exc:
            out[i] = exc
            continue
        groups.setdefault((raw.kind, *(c.name in raw.frame.columns for c in C.columns(raw.kind))), []).append(i)
    for members in groups.values():
        for i, table in zip(members, _validate(join([raws[i] for i in members]), court, firm, known_courts)):
            out[i] = table
    return out


def _validate(joined: Joined, court, firm, known_courts) -> list[InputTable]:
    raws, kind, src = joined.raws, joined.raws[0].kind, joined.frame
    index = src.index
    na = pd.Series(pd.NA, index=index, dtype=STRING)
    text = {c.name: (as_text(src[c.name]) if c.name in src.columns else na) for c in C.columns(kind)}
    firm_col = text["firm_name"].copy() if "firm_name" in text else None
    if kind == C.ROSTER and firm:
        firm_col = text["firm_name"].fillna(str(firm).strip())
    issues = Issues(raws, firm_col, joined.rows, joined.starts)
    rejected = np.zeros(len(index), dtype=bool)
    loader_rejects = issues.places([[i["row"] for i in raw.header_issues if i.get("severity") == "rejected"]
                                    for raw in raws])
    if len(loader_rejects):
        rejected[loader_rejects] = True

    out: dict[str, pd.Series] = {}
    within: set[str] = set()   # category columns whose every value was made a category
    for col in C.columns(kind):
        s = text[col.name]
        if col.name not in src.columns:
            out[col.name] = _empty(col, index)
            continue
        err = is_excel_error(s) if may_hold_excel_error(s) else None
        if err is not None and err.any():
            rows = index[err.to_numpy()]
            sev = "rejected" if col.required else "warning"
            issues.add(rows, col.name, s, f"the cell holds an Excel error value, not a {col.name}; "
                       + ("the row is not audited" if col.required else "the cell is ignored"), sev, "excel-error")
            if col.required:
                rejected |= err.to_numpy()
            s = s.mask(err)
        if col.name in _USERNAME_COLUMNS:
            none = no_account(s).to_numpy()
            if none.any():
                issues.add(index[none], col.name, s, "means no account: read as blank"
                           + ("; the row is not audited" if col.required else ""),
                           "rejected" if col.required else "warning", "no-account")
                if col.required:
                    rejected |= none
                s = s.mask(none)
        out[col.name] = _coerce(col, s, issues, known_courts, within)

    frame = pd.DataFrame(out, index=index)
    if "court_id" in frame.columns and court:
        given, _ = coerce_court(pd.Series([str(court)], dtype=STRING), known_courts)
        frame["court_id"] = frame["court_id"].fillna(given.iloc[0])
    if kind == C.ROSTER and firm:
        frame["firm_name"] = frame["firm_name"].fillna(str(firm).strip())

    rejected |= run_schema(kind, frame, text, issues, within)
    _defaults(kind, frame, text)
    if kind == C.PACER_ACCOUNTS:
        _upgraded_from_account_type(frame, text)
    _attorney_bar(kind, frame, text, rejected, issues)

    tables = []
    found = issues.frames([_wrong_kind_issue(raw) + raw.header_issues for raw in raws])
    for raw, (part, numbers, kept), file_issues in zip(raws, joined.split(frame, rejected), found):
        records = _records(part, numbers, kept, raw, kind)
        tables.append(InputTable(
            path=raw.path, name=raw.name, kind=kind, sheet=raw.sheet, sha256=raw.sha256,
            rows_read=len(numbers), records=records, rows_rejected=int((~kept).sum()),
            issues=file_issues, rows_blank=raw.rows_blank,
            unknown_columns=list(raw.unknown_columns), present_columns=list(raw.present_columns),
            column_map=dict(raw.headers)))
    return tables


def _records(part: dict, numbers: np.ndarray, kept: np.ndarray, raw: RawTable, kind: str) -> pd.DataFrame:
    """A file's records: the kept rows of its columns, then its bookkeeping columns, made as one frame
    (set one at a time, each new column rebuilt the frame's column index: about 1 ms a file).  No copy
    of a column when every row is kept."""
    if not kept.all():
        part = {c: v[kept] for c, v in part.items()}
    n = int(kept.sum())
    part |= {FILE_COL: _constant(raw.name, n), SHEET_COL: _constant(raw.sheet, n), ROW_COL: numbers[kept],
             KIND_COL: _constant(kind, n)}
    return pd.DataFrame(part, index=pd.RangeIndex(n), copy=False)


def _constant(value: str, n: int) -> pd.Categorical:
    """One text repeated n times, held once (a category) with a one-byte code per row: the file,
    sheet and kind of every record cost a byte each, not the text over again on every row."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), dtype=_one_value(value), validate=False)


@lru_cache(maxsize=64)
def _one_value(value: str) -> pd.CategoricalDtype:
    return bookkeeping_dtype([value])


def _empty(col: C.Column, index: pd.Index) -> pd.Series:
    dtype = {C.DATE: "datetime64[ns]", C.BOOL: "boolean"}.get(col.dtype, STRING)
    return pd.Series(pd.NaT if dtype == "datetime64[ns]" else pd.NA, index=index, dtype=dtype)


def _coerce(col: C.Column, s: pd.Series, issues: Issues, known_courts, within: set[str]) -> pd.Series:
    if col.dtype == C.DATE:
        val, bad, side = coerce_date(s)
        if bad.any():
            issues.add(s.index[bad.to_numpy()], col.name, s,
                       "not a date this auditor understands (use YYYY-MM-DD, MM/DD/YYYY or an Excel date); "
                       "the cell is ignored", "warning", "bad-date")
        late, early = (side > 0).to_numpy(), (side < 0).to_numpy()
        if late.any():
            issues.add(s.index[late], col.name, s, (
                "a date after the year 2262, read as no end date" if col.name in C.END_DATES
                else "a date after the year 2262, not a real date here; the cell is ignored"), "warning",
                "date-out-of-range")
        if early.any():
            issues.add(s.index[early], col.name, s, "a date before the year 1678, not a real date here; "
                       "the cell is ignored", "warning", "date-out-of-range")
        return val
    if col.dtype == C.BOOL:
        val, bad = coerce_bool(s)
        if bad.any():
            issues.add(s.index[bad.to_numpy()], col.name, s,
                       "not a yes/no value (use yes or no); the cell is ignored", "warning", "bad-bool")
        return val
    if col.dtype == C.CATEGORY:
        val, unknown = coerce_category(s, col)   # unknown values are judged by the schema
        if not unknown.any():
            within.add(col.name)
        return val
    if col.name == "court_id":
        val, bad = coerce_court(s, known_courts)
        if bad.any():
            rows = s.index[bad.to_numpy()]
            reason = ("unknown court id '" + val.reindex(rows).astype(STRING)
                      + "': not in the court calendar ('auditor courts' lists the ids; --courts FILE adds "
                      "one); the court counts as live on NextGen")
            issues.add(rows, col.name, s, reason, "warning", "unknown-court")
        return val
    if col.name == "email":
        val, bad = coerce_email(s)
        if bad.any():
            issues.add(s.index[bad.to_numpy()], col.name, s,
                       "not a valid e-mail address; the cell is ignored", "warning", "bad-email")
        return val
    return s.astype(STRING)


def _defaults(kind: str, frame: pd.DataFrame, text: dict) -> None:
    """Fill defaults into cells left blank, never into cells whose value was not understood: an
    account status of "Frozen" stays unknown rather than being audited as active."""
    for col in C.columns(kind):
        if col.default is not None:
            blank = text[col.name].isna() & frame[col.name].isna()
            if blank.any():
                frame[col.name] = frame[col.name].mask(blank, col.default)
    if kind == C.ROSTER:
        blank = (text["pacer_use"].isna() & frame["pacer_use"].isna()).to_numpy()
        if blank.any():   # in Arrow: a numpy array of texts would go to Arrow one Python string at a time
            attorney = frame["role"].eq("attorney").fillna(False).to_numpy(bool)
            use = pyarrow.array(frame["pacer_use"].array)
            default = pc.if_else(pyarrow.array(attorney), "efiling", "research").cast(use.type)
            frame["pacer_use"] = pd.Series(ArrowStringArray(pc.if_else(pyarrow.array(blank), default, use)),
                                           index=frame.index)


def _attorney_bar(kind: str, frame, text, rejected, issues: Issues) -> None:
    role = ROLE_COLUMN.get(kind)
    if role is None:
        return
    missing = frame[role].eq("attorney").fillna(False).to_numpy(bool) & frame["bar_id"].isna().to_numpy()
    missing &= ~rejected
    if missing.any():
        issues.add(frame.index[missing], "bar_id", text["bar_id"],
                   "attorney without bar id: identified by name", "warning", "attorney-without-bar")
