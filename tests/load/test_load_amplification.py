"""Tiny workbooks that would cost minutes and gigabytes once read: an .ods row repeated millions of
times, a sheet with one stray cell far away that stays under the cell limit.  Each is refused from
the file's own structure, before the reader builds anything, in one line naming the file and the
limit; a file within the limits is read as before."""

from __future__ import annotations

import sys
import time

import pytest

from auditor.errors import InputError
from auditor.load.table import Limits, read_table
from tests.conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import make_bombs

AS_OF = "2026-11-30"


def test_ods_row_repeated_two_million_times_is_refused_at_once(tmp_path):
    ods = make_bombs.ods(tmp_path / "repeat.ods", rows=2_000_000)
    assert ods.stat().st_size < 2000
    start = time.monotonic()
    with pytest.raises(InputError) as err:
        read_table(str(ods), "court_accounts", limits=Limits())
    assert time.monotonic() - start < 5
    text = str(err.value)
    assert text.startswith("repeat.ods: ") and "\n" not in text
    assert "2,000,000" in text and "--max-repeated-rows" in text and "10,000" in text


def test_ods_repeat_within_the_limit_is_read_and_the_limit_is_an_option(tmp_path):
    ods = make_bombs.ods(tmp_path / "repeat.ods", rows=50)
    raw = read_table(str(ods), "court_accounts", limits=Limits(max_repeated_rows=49))   # 49 copies of one row
    assert len(raw.frame) == 50
    with pytest.raises(InputError, match="more than the limit of 48 repeated rows"):
        read_table(str(ods), "court_accounts", limits=Limits(max_repeated_rows=48))
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", ods, "--as-of", AS_OF, "--out", out, "--max-repeated-rows", "10")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and not out.exists()
    lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if "repeat.ods" in ln]
    assert lines and "more than the limit of 10 repeated rows" in lines[0]


def test_sparse_sheet_under_the_cell_limit_is_refused(tmp_path):
    """One cell at AD1048576: 31.5 million cells of used range (under the 32 million limit) that hold
    three rows of data: 36 s and 1.8 GB once read as a grid."""
    bomb = make_bombs.xlsx_with_far_cell(tmp_path / "sparse.xlsx", "AD1048576", 1048576)
    assert bomb.stat().st_size < 2000 and 1048576 * 30 < Limits().max_cells
    start = time.monotonic()
    with pytest.raises(InputError) as err:
        read_table(str(bomb), "court_accounts", limits=Limits())
    assert time.monotonic() - start < 5
    text = str(err.value)
    assert text.startswith("sparse.xlsx: ") and "AD1048576" in text and "--max-blank-cells" in text
    assert "13 cells hold anything" in text


def test_sparse_ods_is_refused_too(tmp_path):
    import zipfile

    far = ('<table:table-row table:number-rows-repeated="5000"><table:table-cell/></table:table-row>'
           '<table:table-row><table:table-cell table:number-columns-repeated="900"/>'
           '<table:table-cell office:value-type="string"><text:p>stray</text:p></table:table-cell></table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {make_bombs._ODS_NS} '
               'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Accounts">'
               f"{make_bombs._ods_row(make_bombs.HEAD)}{make_bombs._ods_row(make_bombs.ROW)}{far}"
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    path = tmp_path / "far.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", make_bombs._MANIFEST, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    with pytest.raises(InputError, match=r"far\.ods: sheet 'Accounts' spans 5,003 rows by 901 columns .*"
                                         r"only 13 cells hold anything.*--max-blank-cells"):
        read_table(str(path), "court_accounts", limits=Limits(max_blank_cells=1_000_000))
    assert len(read_table(str(path), "court_accounts", limits=Limits(max_blank_cells=5_000_000)).frame) >= 1


def test_a_stray_cell_near_the_table_is_still_read(tmp_path):
    near = make_bombs.xlsx_with_far_cell(tmp_path / "near.xlsx", "F40", 40)
    raw = read_table(str(near), "court_accounts", limits=Limits())
    assert len(raw.frame) >= 1
    with pytest.raises(InputError, match="more than the limit of 10 "):
        read_table(str(near), "court_accounts", limits=Limits(max_blank_cells=10))


def test_sparse_binary_workbooks_are_refused_too(tmp_path):
    """.xlsb and .xls: the cells are counted from their records as the used range is measured."""
    import make_binary

    table = make_binary.table_cells([make_bombs.HEAD, make_bombs.ROW])
    xlsb = make_binary.xlsb(tmp_path / "far.xlsb", table + [(199_999, 29, "stray")])    # AD200000: 6 M cells
    xls = make_binary.xls(tmp_path / "far.xls", table + [(65_535, 255, "stray")])        # IV65536: 16.8 M cells
    for path, corner in ((xlsb, "AD200000"), (xls, "IV65536")):
        with pytest.raises(InputError) as err:
            read_table(str(path), "court_accounts", limits=Limits())
        assert corner in str(err.value) and "only 13 cells hold anything" in str(err.value), str(err.value)
    near = make_binary.xlsb(tmp_path / "near.xlsb", table + [(40, 5, "stray")])
    assert len(read_table(str(near), "court_accounts", limits=Limits()).frame) >= 1
