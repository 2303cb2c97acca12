"""A user's own header -> column choice for one file (the upload page's confirm step)."""

from __future__ import annotations

import pytest

from auditor.api import audit_tables, load_inputs
from auditor.columns import ROSTER
from auditor.errors import InputError
from auditor.load.table import read_table
from tests.conftest import write_csv

HEADER = ["Firm", "Nmae", "Title", "PACER Username"]
ROWS = [["Acme LLP", "Ann Able", "Attorney", "shared01x"], ["Acme LLP", "Bob Baker", "Attorney", "shared01x"]]


def test_misspelled_required_header_refused_without_a_map(tmp_path):
    path = write_csv(tmp_path / "r.csv", HEADER, ROWS)
    with pytest.raises(InputError, match="no column for person_name"):
        load_inputs({ROSTER: [path]})


def test_map_names_the_column_for_this_file_only(tmp_path):
    path = write_csv(tmp_path / "r.csv", HEADER, ROWS)
    other = write_csv(tmp_path / "other.csv", HEADER, ROWS)
    raw = read_table(path, ROSTER, header_map={"Nmae": "person_name"})
    assert raw.headers["person_name"] == "Nmae" and "Nmae" not in raw.unknown_columns
    assert raw.frame["person_name"].tolist() == ["Ann Able", "Bob Baker"]

    tables = load_inputs({ROSTER: [path]}, header_maps={str(path): {"Nmae": "person_name"}})
    result = audit_tables(tables)
    people = set(result.findings.loc[result.findings["rule_id"] == "shared-filing-account", "person_name"])
    assert people == {"Ann Able", "Bob Baker"}
    with pytest.raises(InputError, match="no column for person_name"):   # the other file is not touched
        load_inputs({ROSTER: [other]}, header_maps={str(path): {"Nmae": "person_name"}})


def test_map_takes_a_column_from_its_automatic_header(tmp_path):
    """Mapping "Login" to pacer_username keeps "PACER Username" out; None sets a match aside."""
    path = write_csv(tmp_path / "r.csv", ["Firm", "Name", "Title", "PACER Username", "Login"],
                     [["Acme", "Ann Able", "Attorney", "old", "new1234567"]])
    raw = read_table(path, ROSTER, header_map={"Login": "pacer_username"})
    assert raw.frame["pacer_username"].tolist() == ["new1234567"]
    assert "PACER Username" in raw.unknown_columns
    raw = read_table(path, ROSTER, header_map={"PACER Username": None})
    assert "pacer_username" not in raw.headers and "PACER Username" in raw.unknown_columns


def test_map_to_an_unknown_column_is_a_programming_error(tmp_path):
    path = write_csv(tmp_path / "r.csv", HEADER, ROWS)
    with pytest.raises(ValueError, match="unknown column"):
        read_table(path, ROSTER, header_map={"Nmae": "no_such_column"})


def test_files_come_back_in_the_order_given_though_the_biggest_load_first(tmp_path):
    """Files load biggest first; the tables, and which bad file stops the run, follow the given order."""
    small = write_csv(tmp_path / "small.csv", ["Firm", "Name", "Title"], [["Acme LLP", "Ann Able", "Attorney"]])
    big = write_csv(tmp_path / "big.csv", ["Firm", "Name", "Title"],
                    [["Acme LLP", f"Person {i}", "Paralegal"] for i in range(300)])
    tables = load_inputs({ROSTER: [small, big, small.with_name("other.csv")]}, skip_bad_files=True)
    assert [(t.name, t.status, t.rows_read) for t in tables] == [("small.csv", "audited", 1), ("big.csv", "audited", 300),
                                                                 ("other.csv", "skipped", 0)]
    bad = write_csv(tmp_path / "bad.csv", ["Firm", "Nmae"], [["Acme LLP", "x"]] * 400)
    with pytest.raises(InputError, match="^small2.csv"):
        load_inputs({ROSTER: [write_csv(tmp_path / "small2.csv", ["Firm"], [["Acme"]]), bad]})
