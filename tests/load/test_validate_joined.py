"""Small tables of one kind are checked together as one table (auditor.validate.joined); each file must
come out exactly as when it is checked alone: the same records, the same data issues under its own name,
row numbers and headers as written, the same refusal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditor.court_calendar import Calendar
from auditor.errors import InputError
from auditor.load.table import read_table
from auditor.validate.table import validate_table, validate_tables

HEADER = "Firm,Name,Position,Bar No,Work Email,PACER User Name,PACER Usage,PAA,Filing Courts,Date Left\n"
GOOD = 'Acme LLP,Ann Lee,Attorney,NC1,ann@acme.com,alee1,E-Filing,1052711,ncmd,\n'
ROSTERS = {
    # a title row, an unknown role (audited as other), a bad e-mail, a bad date, a blank name (rejected)
    "a.csv": "Staff list, December\n" + HEADER + GOOD
    + 'Acme LLP,Bo Ray,Wizard,,bo@acme,bray,Research,,nceb,31/31/2020\n'
    + 'Acme LLP,,Paralegal,,x@acme.com,xx1,,,,\n'
    + 'Acme LLP,Cy Doe,Attorney,,cy@acme.com,N/A,Both,,ncmd,2024-02-30\n',
    # headers written otherwise (the issues name them as written), an Excel error, a ragged row
    "b.csv": "Law Firm,Full Name,Title,Bar Number,E-mail Address,PACER Login,Use,PAA ID,Court IDs,Left On\n"
    + GOOD + 'Beta PC,Dee Fox,#N/A,GA2,dee@beta.com,dfox,E-Filing,,nceb,\n'
    + 'Beta PC,Eve Kim,Staff,,eve@beta.com,ekim,Lots,,nceb,01/02/2025\n'
    + 'Beta PC,Smith, John,Attorney,,,,,,,\n'
    + 'Beta PC,Gil Ort,attorney,,gil@beta.com,gort,efiling,,ncmd,\n',
    # nothing wrong
    "c.csv": HEADER + GOOD + GOOD.replace("Ann Lee", "Al Ng").replace("alee1", "alng2"),
    # without some columns: checked in a group of its own
    "d.csv": "Firm,Name,Position,Work Email\nDelta,Flo Yu,Attorney,flo@delta.com\nDelta,Gus,Boss,gus@\n",
    # refused: no name column
    "e.csv": "Firm,Position\nEcho,Attorney\n",
    # the same as a.csv under another name: issues and records name their own file
    "f.csv": "Staff list, December\n" + HEADER + GOOD + 'Acme LLP,,Paralegal,,x@acme.com,xx1,,,,\n',
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("rosters")
    paths = []
    for name, text in ROSTERS.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def _alone(path: Path, **kw):
    try:
        return validate_table(read_table(path, "roster"), **kw)
    except InputError as exc:
        return exc


@pytest.mark.parametrize("kw", [{}, {"firm": "Given Firm LLP", "court": "ncmd"}], ids=["plain", "options"])
def test_files_checked_together_come_out_as_checked_alone(files, kw):
    kw = {**kw, "known_courts": Calendar.load().known_courts()}
    together = validate_tables([read_table(p, "roster") for p in files], **kw)
    assert len(together) == len(files)
    issues_seen = 0
    for path, joined in zip(files, together):
        alone = _alone(path, **kw)
        if isinstance(alone, InputError):
            assert isinstance(joined, InputError) and str(joined) == str(alone), path.name
            continue
        assert not isinstance(joined, InputError), path.name
        pd.testing.assert_frame_equal(joined.records, alone.records, check_exact=True)
        pd.testing.assert_frame_equal(joined.issues, alone.issues, check_exact=True)
        for field in ("name", "sheet", "sha256", "rows_read", "rows_rejected", "rows_blank", "unknown_columns",
                      "present_columns", "column_map"):
            assert getattr(joined, field) == getattr(alone, field), (path.name, field)
        assert set(joined.issues["file"]) <= {path.name}
        issues_seen += len(joined.issues)
    assert issues_seen >= 12   # the files above do hold problems of many kinds


def test_the_issues_say_each_files_own_rows_and_headers(files):
    by_name = {t.name: t for t in validate_tables([read_table(p, "roster") for p in files])
               if not isinstance(t, InputError)}
    a, b = by_name["a.csv"].issues, by_name["b.csv"].issues
    assert ("Work Email", 4) in set(zip(a["column"], a["row"]))            # bo@acme, row 4 of a.csv
    assert ("Title", 3) in set(zip(b["column"], b["row"]))                 # #N/A, row 3 of b.csv
    assert (b["code"] == "ragged-row").sum() == 1 and (a["code"] == "title-row").sum() == 1
    assert list(by_name["f.csv"].records["_file"].astype(str).unique()) == ["f.csv"]
    assert by_name["c.csv"].issues.empty and len(by_name["c.csv"].records) == 2
