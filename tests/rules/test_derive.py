"""Derived fields, family by family, on small hand-made inputs read through the real loader; and the
registry's declarations checked against what derive returns."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from auditor.api import load_inputs
from auditor.court_calendar import Calendar
from auditor.columns import COURT_ACCOUNTS, KINDS, PACER_ACCOUNTS, ROSTER
from auditor.derive.base import Family
from auditor.derive.registry import DERIVED, FAMILIES, check_order, derive
from auditor.field_types import BOOL, DATE, INT, TEXT
from conftest import ROOT, write_csv

AS_OF = dt.date(2026, 11, 30)
COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Role", "Bar Number", "E-mail", "Firm", "PACER Login",
                "Status"]
ROSTER_HEADER = ["Firm", "Name", "Role", "Bar ID", "Email", "PACER Login", "Use", "PAA ID", "Left Firm"]
PACER_HEADER = ["PACER Username", "Account Holder", "Account Type", "Upgraded", "PAA ID", "Email Address"]


def derived(tmp_path: Path, court=(), roster=(), pacer=()) -> dict[str, pd.DataFrame]:
    files = {}
    for kind, header, rows in ((COURT_ACCOUNTS, COURT_HEADER, court), (ROSTER, ROSTER_HEADER, roster),
                               (PACER_ACCOUNTS, PACER_HEADER, pacer)):
        if rows:
            files[kind] = [write_csv(tmp_path / f"{kind}.csv", header, [list(r) for r in rows])]
    tables = load_inputs(files)
    records = {t.kind: t.records for t in tables}
    return derive(records, AS_OF, Calendar.load())


def col(frame: pd.DataFrame, name: str) -> list:
    return [None if pd.isna(v) else v for v in frame[name].tolist()]


# The registry -----------------------------------------------------------------------------------
_DTYPES = {DATE: "datetime64", BOOL: "boolean", INT: "Int64", TEXT: "string"}


def test_registry_declares_exactly_what_derive_returns_on_the_sample_data():
    d = ROOT / "sample_data"
    files = {COURT_ACCOUNTS: [d / "court_accounts.csv"], PACER_ACCOUNTS: [d / "pacer_accounts.csv"],
             ROSTER: sorted(d.glob("roster_*"))}
    tables = load_inputs(files)
    records = {k: pd.concat([t.records for t in tables if t.kind == k], ignore_index=True) for k in KINDS}
    out = derive(records, AS_OF, Calendar.load())
    for kind in KINDS:
        added = set(out[kind].columns) - set(records[kind].columns)
        declared = {f.name for f in DERIVED if kind in f.kinds}
        assert {c for c in added if not c.startswith("_")} == declared - set(records[kind].columns), kind
        for f in DERIVED:
            if kind in f.kinds:
                assert str(out[kind][f.name].dtype).startswith(_DTYPES[f.dtype]), (kind, f.name)


def test_registry_refuses_a_family_before_one_it_needs():
    check_order(FAMILIES)
    late = Family("late", (), lambda run: None, after=("keys",))
    with pytest.raises(RuntimeError, match="late must come after keys"):
        check_order((late, *FAMILIES))


# keys and sharing --------------------------------------------------------------------------------
def test_usernames_keep_leading_zeros_and_ignore_padding_and_case(tmp_path):
    out = derived(tmp_path, court=[
        ("ncmb", "a1", "Ames, Ann", "Attorney", "NC1", "", "", "00412345", "Active"),
        ("ncmb", "b1", "Bell, Bo", "Attorney", "NC2", "", "", "412345", "Active"),
        ("ncmb", "c1", "Cole, Cy", "Attorney", "NC3", "", "", "  CCole2020 ", "Active"),
        ("nceb", "c2", "Cole, Cy", "Attorney", "NC3", "", "", "ccole2020", "Active"),
    ])[COURT_ACCOUNTS]
    assert col(out, "pacer_efiling_people") == [1, 1, 1, 1]
    assert col(out, "username_length") == [8, 6, 9, 9]


def test_accented_names_in_nfc_and_nfd_are_one_person(tmp_path):
    nfd = unicodedata.normalize("NFD", "José García")
    out = derived(tmp_path, court=[
        ("ncmb", "a1", "García, José", "Paralegal", "", "", "", "jgarcia2020", "Active"),
        ("nceb", "a2", nfd, "Paralegal", "", "", "", "JGARCIA2020", "Active"),
    ])[COURT_ACCOUNTS]
    assert col(out, "pacer_efiling_people") == [1, 1]


def test_inactive_accounts_do_not_count_as_users(tmp_path):
    out = derived(tmp_path, court=[
        ("ncmb", "a1", "Ames, Ann", "Attorney", "NC1", "", "", "shared01", "Active"),
        ("ncmb", "b1", "Bell, Bo", "Attorney", "NC2", "", "", "shared01", "Inactive"),
        ("ncmb", "c1", "Cole, Cy", "Attorney", "NC3", "", "", "shared02", "Active"),
        ("ncmb", "d1", "Dunn, Di", "Attorney", "NC4", "", "", "shared02", "Active"),
    ])[COURT_ACCOUNTS]
    assert col(out, "is_efiling_use") == [True, False, True, True]
    assert col(out, "pacer_efiling_people") == [1, 1, 2, 2]
    assert "Cole, Cy (efiling)" in out["pacer_users"].iloc[2]


def test_roster_research_use_and_people_who_left(tmp_path):
    out = derived(tmp_path, roster=[
        ("Ames LLP", "Ann Ames", "Attorney", "NC1", "", "amesfirm", "efiling", "", ""),
        ("Ames LLP", "Bo Bell", "Paralegal", "", "", "amesfirm", "research", "", ""),
        ("Ames LLP", "Cy Cole", "Paralegal", "", "", "amesfirm", "research", "", "2025-01-31"),
    ])[ROSTER]
    assert col(out, "has_left_firm") == [False, False, True]
    assert col(out, "is_research_use") == [False, True, False]
    assert col(out, "pacer_people") == [2, 2, 2]
    assert col(out, "pacer_research_people") == [1, 1, 1]


# listing: the PACER account list, PAA ids ---------------------------------------------------------
def test_paa_ids_and_listed_fields(tmp_path):
    out = derived(tmp_path, roster=[
        ("Ames LLP", "Ann Ames", "Attorney", "NC1", "", "aames2020", "efiling", "", ""),
        ("Ames LLP", "Bo Bell", "Attorney", "NC2", "", "1068549", "efiling", "", ""),
        ("Ames LLP", "Cy Cole", "Attorney", "NC3", "", "ccole2020", "efiling", "1068549", ""),
    ], pacer=[
        ("aames2020", "Ann Ames", "Individual", "Yes", "1068549", ""),
        ("ccole2020", "Cy Cole", "Individual", "No", "", ""),
    ])[ROSTER]
    assert col(out, "pacer_is_paa") == [False, True, False]
    assert col(out, "pacer_listed") == [True, False, True]
    assert col(out, "pacer_upgraded") == [True, None, False]
    assert col(out, "linked_to_paa") == [True, False, True]


def test_holder_name_matches(tmp_path):
    out = derived(tmp_path, court=[
        ("ncmb", "a1", "Ames, Ann B.", "Attorney", "NC1", "", "", "aames2020", "Active"),
        ("ncmb", "b1", "Bell, Bo", "Attorney", "NC2", "", "", "bbell2020", "Active"),
        ("ncmb", "c1", "Cole, Cy", "Attorney", "NC3", "", "", "ccole2020", "Active"),
    ], pacer=[
        ("aames2020", "ANN AMES", "Individual", "Yes", "", ""),
        ("bbell2020", "Dee Dunn", "Individual", "Yes", "", ""),
        ("ccole2020", "", "Individual", "Yes", "", ""),
    ])[COURT_ACCOUNTS]
    assert col(out, "holder_name_matches") == [True, False, None]


# court: several courts ----------------------------------------------------------------------------
def test_bar_ids_are_counted_per_court(tmp_path):
    out = derived(tmp_path, court=[
        ("ncmb", "a1", "Ames, Ann", "Attorney", "nc-001", "", "", "aames2020", "Active"),
        ("NCMB", "a2", "Ames, Ann", "Attorney", "NC001", "", "", "aames2020", "Active"),
        ("nceb", "a3", "Ames, Ann", "Attorney", "NC001", "", "", "aames2020", "Active"),
        ("nceb", "a4", "Ames, Ann", "Attorney", "NC001", "", "", "aames2020", "Inactive"),
    ])[COURT_ACCOUNTS]
    assert col(out, "bar_active_accounts_at_court") == [2, 2, 1, 1]
    assert col(out, "court_known") == [True, True, True, True]
    assert all(isinstance(v, bool) for v in col(out, "court_live"))


# pacer: the PACER list's own derived fields ------------------------------------------------------
def test_one_person_with_several_pacer_accounts_by_email(tmp_path):
    out = derived(tmp_path, court=[
        ("ncmb", "a1", "Ames, Ann", "Attorney", "NC1", "", "Ames LLP", "aames2020", "Active"),
    ], pacer=[
        ("aames2020", "Ann Ames", "Individual", "Yes", "", "Ann.Ames@x.com"),
        ("aames1999", "Ann Ames", "Individual", "No", "", "ann.ames+old@x.com"),
        ("amesfirm", "Ames LLP", "Shared", "No", "", "ann.ames@x.com"),
    ])[PACER_ACCOUNTS]
    assert col(out, "person_pacer_accounts") == [2, 2, None]
    assert col(out, "person_pacer_usernames")[:2] == ["aames1999, aames2020"] * 2
    assert col(out, "used_for_efiling") == [True, False, False]
    assert col(out, "firm_name") == ["Ames LLP", None, None]
