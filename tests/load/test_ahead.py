"""Input files parsed ahead while the command line loads the audit's code (``auditor.load.ahead``): a
reader gets the table it would have read, or the file's own refusal, once; other settings or a second
reader read the file themselves; no thread outlives the run."""

from __future__ import annotations

import sys
import threading

import pandas as pd
import pytest

from auditor.errors import InputError
from auditor.load import ahead
from auditor.load.ahead import parsed, parsing_ahead
from auditor.load.table import Limits, read_table



@pytest.fixture(autouse=True)
def small_files_too(monkeypatch):
    monkeypatch.setattr(ahead, "BIG_BYTES", 1)   # the files here are small: parse them ahead all the same


HEADER = "Court,CM/ECF Login,Name,Filer Type,Bar Number,PACER Login,Email\n"


def _parsing() -> bool:
    return any(t.name.startswith("parse-ahead") for t in threading.enumerate() if t.is_alive())


def test_small_files_and_workbooks_are_left_to_their_readers(tmp_path, monkeypatch):
    monkeypatch.setattr(ahead, "BIG_BYTES", 100)
    small, book = tmp_path / "small.csv", tmp_path / "big.xlsx"
    small.write_text(HEADER)
    book.write_bytes(b"PK" + b" " * 200)
    with parsing_ahead([("court_accounts", small), ("roster", book)], limits=Limits(), header_map=None):
        assert not _parsing()


def test_a_reader_gets_what_it_would_have_read(tmp_path):
    court = tmp_path / "ncmb.csv"
    court.write_text(HEADER + "ncmb,jdoe,\"Doe, John\",Atty,NC123,jdoe1,j@x.com\n")
    roster = tmp_path / "acme.csv"
    roster.write_text("Firm,Name,Title,Email\nAcme LLP,Ann Able,Attorney,ann@acme.example\n")
    limits = Limits()
    with parsing_ahead([("court_accounts", court), ("roster", str(roster))], limits=limits, header_map=None):
        other = parsed(court, "court_accounts", Limits(max_rows=5), None)   # other settings: read it yourself
        raw = parsed(court, "court_accounts", limits, None)
        assert parsed(court, "court_accounts", limits, None) is None   # once only
        assert parsed(roster, "court_accounts", limits, None) is None   # not as another kind
        mine = parsed(roster, "roster", limits, {})
    assert other is None and raw is not None and mine is not None
    pd.testing.assert_frame_equal(raw.frame, read_table(court, "court_accounts").frame)
    assert raw.sha256 == read_table(court, "court_accounts").sha256 and mine.frame["firm_name"].tolist() == ["Acme LLP"]
    assert not _parsing() and parsed(court, "court_accounts", limits, None) is None


def test_a_file_refused_is_refused_to_its_reader(tmp_path):
    pdf = tmp_path / "accounts.csv"
    pdf.write_bytes(b"%PDF-1.4 \x00\x01\x02" * 10)
    with parsing_ahead([("roster", pdf), ("roster", tmp_path / "gone.csv")], limits=Limits(), header_map=None):
        with pytest.raises(InputError, match="is not a CSV text file"):
            parsed(pdf, "roster", Limits(), None)
        assert parsed(tmp_path / "gone.csv", "roster", Limits(), None) is None   # its reader says it is missing
    assert not _parsing()


def test_an_audit_takes_the_tables_parsed_ahead(tmp_path, monkeypatch):
    """load_inputs gives the same tables with files parsed ahead, without parsing them again, and while
    they are parsed its own thread loads the report's modules (as long as they are being parsed)."""
    from auditor.api.audit import load_inputs
    from auditor.load import table

    court = tmp_path / "ncmb.csv"
    court.write_text(HEADER + "ncmb,jdoe,\"Doe, John\",Atty,NC123,jdoe1,j@x.com\n")
    roster = tmp_path / "acme.csv"
    roster.write_text("Firm,Name,Title,Email\nAcme LLP,Ann Able,Attorney,ann@acme.example\n")
    files = {"court_accounts": [court], "roster": [roster]}
    plain = load_inputs(files)
    read = []
    monkeypatch.setattr(table, "read_table", lambda *a, **k: read.append(a) or pytest.fail("parsed again"))
    busy = iter([True, False])
    monkeypatch.setattr("auditor.api.later.LATER", ("tabnanny", "pyclbr"))
    monkeypatch.delitem(sys.modules, "tabnanny", raising=False)
    monkeypatch.delitem(sys.modules, "pyclbr", raising=False)
    monkeypatch.setattr(sys.modules["auditor.api.audit"], "parsing", lambda: next(busy, False))
    with parsing_ahead([("court_accounts", court), ("roster", roster)], limits=Limits(), header_map=None):
        early = load_inputs(files)
    assert not read and [t.sha256 for t in early] == [t.sha256 for t in plain]
    for a, b in zip(early, plain):
        pd.testing.assert_frame_equal(a.records, b.records)
    assert "tabnanny" in sys.modules and "pyclbr" not in sys.modules   # imported while busy, and only then
