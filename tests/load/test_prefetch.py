"""CSV files read ahead while the program starts (``auditor.load.prefetch``): the reader gets the same
bytes and checksum as reading the file itself, a file changed since is read as it is now, and no thread
outlives the run."""

from __future__ import annotations

import hashlib
import os
import threading

from auditor.load.prefetch import reading_ahead, taken
from auditor.load.table import read_table

HEADER = "Court,CM/ECF Login,Name,Filer Type,Bar Number,PACER Login,Email\n"


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.is_alive()}


def test_the_reader_gets_the_file_as_it_is(tmp_path):
    court = tmp_path / "ncmb.csv"
    court.write_text(HEADER + "ncmb,jdoe,\"Doe, John\",Atty,NC123,jdoe1,j@x.com\n")
    book = tmp_path / "roster.xlsx"
    book.write_bytes(b"PK\x03\x04 not read ahead")
    with reading_ahead([str(court), str(book), str(tmp_path / "gone.csv")], max_bytes=1 << 20):
        data, sha = taken(court)   # the reader names it by a Path
        assert bytes(data) == court.read_bytes() and sha == hashlib.sha256(court.read_bytes()).hexdigest()
        assert taken(court) is None and taken(book) is None   # once only; a workbook is not read ahead
        raw = read_table(court, "court_accounts")
    assert raw.frame["cmecf_login"].tolist() == ["jdoe"] and raw.sha256 == sha
    assert "read-ahead" not in _threads()
    assert taken(court) is None   # nothing kept after the run


def test_a_file_changed_after_it_was_read_ahead_is_read_again(tmp_path):
    court = tmp_path / "ncmb.csv"
    court.write_text(HEADER + "ncmb,jdoe,\"Doe, John\",Atty,NC123,jdoe1,j@x.com\n")
    with reading_ahead([court], max_bytes=1 << 20):
        while "read-ahead" in _threads():
            threading.Event().wait(0.001)
        court.write_text(HEADER + "ncmb,asmith,\"Smith, Ann\",Atty,NC124,asmith1,a@x.com\n")
        os.utime(court, ns=(1, 1))   # another modification time even on a coarse clock
        raw = read_table(court, "court_accounts")
    assert raw.frame["cmecf_login"].tolist() == ["asmith"]
    assert raw.sha256 == hashlib.sha256(court.read_bytes()).hexdigest()


def test_a_file_over_the_limit_is_left_to_its_reader(tmp_path):
    court = tmp_path / "ncmb.csv"
    court.write_text(HEADER + "ncmb,jdoe,\"Doe, John\",Atty,NC123,jdoe1,j@x.com\n")
    with reading_ahead([court], max_bytes=10):
        assert taken(court) is None
