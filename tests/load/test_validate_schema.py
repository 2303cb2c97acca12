"""The pandera schema decides what a table fails; the quick look before it (``passes`` in
auditor/validate/schema.py) only spares the schema's run on a table with nothing to fail.  These tests
hold the two to one answer: the schema checks nothing the quick look does not ask, and on real records
and on records spoiled one way at a time, the quick look says "passes" exactly when the schema does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from auditor import columns as C
from auditor.api import load_input
from auditor.validate import schema as T

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
FILES = {C.COURT_ACCOUNTS: "court_accounts.csv", C.ROSTER: "roster_whitfield-pemberton-llp.csv",
         C.PACER_ACCOUNTS: "pacer_accounts.csv"}


@pytest.mark.parametrize("kind", C.KINDS)
def test_the_schema_checks_only_what_the_quick_look_asks(kind):
    schema = T.schema(kind)
    assert set(schema.columns) == {c.name for c in C.columns(kind)}
    assert not schema.checks   # nothing across columns
    for col in C.columns(kind):
        column = schema.columns[col.name]
        assert column.nullable is (not col.required), col.name
        if col.dtype == C.CATEGORY:
            (check,) = column.checks
            assert check.name == "isin" and set(check.statistics["allowed_values"]) == set(col.categories)
        else:
            assert column.checks == [], col.name


def _schemapasses(kind: str, frame: pd.DataFrame) -> bool:
    try:
        T.schema(kind).validate(frame, lazy=True)
        return True
    except SchemaErrors:
        return False


def _records(kind: str) -> pd.DataFrame:
    table = load_input(SAMPLE / FILES[kind], kind, firm="Whitfield & Pemberton LLP" if kind == C.ROSTER else None)
    assert len(table.records) > 10
    return table.records[[c.name for c in C.columns(kind)]].copy()


def _spoiled(kind: str):
    """(what was done, records): each required column blanked in one row, each category column given a
    value outside its categories in one row, and each not-required category column blanked (which passes)."""
    for col in C.columns(kind):
        if col.required:
            frame = _records(kind)
            frame.loc[frame.index[3], col.name] = pd.NA
            yield f"{col.name} blank", frame
        if col.dtype == C.CATEGORY:
            frame = _records(kind)
            frame.loc[frame.index[5], col.name] = "no such value"
            yield f"{col.name} unknown", frame
            if not col.required:
                frame = _records(kind)
                frame.loc[frame.index[5], col.name] = pd.NA
                yield f"{col.name} blank", frame


@pytest.mark.parametrize("kind", C.KINDS)
def test_the_quick_look_and_the_schema_agree(kind):
    frame = _records(kind)
    assert T.passes(kind, frame) and _schemapasses(kind, frame)
    cases = list(_spoiled(kind))
    assert any(not _schemapasses(kind, f) for _, f in cases)   # the spoiling reaches the schema
    for what, spoiled in cases:
        assert T.passes(kind, spoiled) == _schemapasses(kind, spoiled), what
