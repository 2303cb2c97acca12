"""Real-world spreadsheets and CSVs from other projects' test suites (/work/shared/corpus).

None is a court export.  Fed as each input kind, every file must be read or
refused with an InputError whose message is one line starting with the file
name; never another exception, never a hang.  The loader is also checked on
its own (before the required-column check), since most corpus files stop
there: whatever it reads must keep every row accounted for.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from auditor.errors import InputError
from auditor.load.table import read_table
from auditor.api import load_input
from conftest import run_cli

# The corpus lives in the shared folder beside the project (CI clones the project next to it).
CORPUS = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "corpus", Path("/work/shared/corpus"))
               if p.is_dir()), Path("/work/shared/corpus"))
FILES = sorted(p for p in CORPUS.glob("*/*") if p.suffix.lower() != ".md") if CORPUS.exists() else []
KINDS = ("court_accounts", "roster", "pacer_accounts")
pytestmark = pytest.mark.skipif(not FILES, reason="shared corpus not present")


def _one_line_refusal(exc: InputError, path: Path) -> None:
    msg = str(exc)
    assert msg.startswith(path.name) and "\n" not in msg and "Traceback" not in msg, msg
    assert len(msg) < 1200


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_corpus_file_read_or_refused(path):
    for kind in KINDS:
        start = time.perf_counter()
        try:
            raw = read_table(path, kind)
        except InputError as exc:
            _one_line_refusal(exc, path)
        else:
            assert raw.frame.index.is_unique and (raw.frame.index > raw.header_row).all()
        try:
            table = load_input(path, kind)
        except InputError as exc:
            _one_line_refusal(exc, path)
        else:
            assert table.rows_read == table.rows_audited + table.rows_rejected
            assert table.records["_row"].is_unique
        assert time.perf_counter() - start < 20, f"{path.name} took too long as {kind}"


@pytest.mark.parametrize("name, words", [("pass_protected.xlsx", "password"), ("vba.xlsm", "macro"),
                                         ("issue221.xlsm", "macro"), ("pass_protected.xlsb", "password")])
def test_corpus_refuses_what_it_must(name, words):
    """Password-protected and macro-enabled workbooks are refused by name, whatever the kind."""
    path = CORPUS / "calamine" / name
    if not path.exists():
        pytest.skip(f"{name} is not in this copy of the corpus")
    for kind in KINDS:
        with pytest.raises(InputError, match=words):
            read_table(path, kind)


# csv-spectrum's own expected readings (its json/ folder), for the cases with quoting
SPECTRUM = {
    "comma_in_quotes.csv": (["first", "last", "address", "city", "zip"],
                            [["John", "Doe", "120 any st.", "Anytown, WW", "08123"]]),
    "empty.csv": (["a", "b", "c"], [["1", "", ""], ["2", "3", "4"]]),
    "escaped_quotes.csv": (["a", "b"], [["1", 'ha "ha" ha'], ["3", "4"]]),
    "json.csv": (["key", "val"], [["1", '{"type": "Point", "coordinates": [102.0, 0.5]}']]),
    "newlines.csv": (["a", "b", "c"], [["1", "2", "3"], ["Once upon \na time", "5", "6"], ["7", "8", "9"]]),
    "quotes_and_newlines.csv": (["a", "b"], [["1", 'ha \n"ha" \nha'], ["3", "4"]]),
    "utf8.csv": (["a", "b", "c"], [["1", "2", "3"], ["4", "5", "\u02a4"]]),
}


@pytest.mark.parametrize("name", sorted(SPECTRUM))
def test_csv_spectrum_is_read_verbatim(name):
    """Quotes, commas and newlines inside values come out as csv-spectrum says, numbered by record."""
    path = CORPUS / "csv-spectrum" / name
    header, rows = SPECTRUM[name]
    raw = read_table(path, "pacer_accounts")
    assert raw.all_headers == header
    got = [["" if v is None or v is pd.NA else v for v in row] for row in raw.frame.itertuples(index=False)]
    assert got == rows
    assert list(raw.frame.index) == list(range(2, 2 + len(rows)))


@pytest.mark.parametrize("name, words", [
    ("calamine/pass_protected.xlsx", "is password-protected"),
    ("calamine/merge_cells.xlsx", "no column for person_name"),
    ("calamine/issue_666_panic.xlsb", "is empty"),
    ("csv-spectrum/quotes_and_newlines.csv", "no column for person_name"),
])
def test_corpus_through_the_installed_command(name, words, tmp_path):
    """None of these is a roster: each is refused with one line naming the file and why, and no report."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} is not in this copy of the corpus")
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--roster", path, "--firm", "Acme", "--as-of", "2026-11-30", "--out", out)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"auditor: {path.name}: ") and words in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and not out.exists()


BINARY = [p for p in FILES if p.suffix.lower() in (".xls", ".xlsb")]


@pytest.mark.parametrize("path", BINARY, ids=[p.name for p in BINARY])
def test_binary_range_check_measures_what_the_reader_reads(path):
    """The range check of .xls and .xlsb walks the records itself, before the reader builds its grid:
    for every sheet the reader reads, it must find the same last row and column, never fewer."""
    import python_calamine

    from auditor.load.extent_binary import xls_sheets, xlsb_extent

    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:   # noqa: BLE001
        return   # the reader refuses the file (the loader says it is damaged or protected)
    measured = ({name: reach for name, reach, _ in xls_sheets(str(path))} if path.suffix.lower() == ".xls"
                else {name: xlsb_extent(str(path), name) for name in wb.sheet_names})
    for name in wb.sheet_names:
        try:
            ws = wb.get_sheet_by_name(name)
        except Exception:   # noqa: BLE001
            continue
        if ws.start is None:
            continue
        assert measured[name][:2] == (ws.start[0] + ws.height, ws.start[1] + ws.width), name
        assert 0 < measured[name][2] <= ws.height * ws.width, name   # the cells holding something
