"""Reading real input files: encodings, delimiters, workbooks, header rows, refusals."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from auditor.errors import InputError
from auditor.load.table import Limits, read_table

COURT_HEADER = ["Court", "CM/ECF Login", "Name", "Filer Type", "Bar Number", "PACER Login", "Email"]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def xlsx(tmp_path: Path, name: str, rows: list[list], merge: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Accounts"
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    p = tmp_path / name
    wb.save(p)
    return p


def test_utf8_bom_csv_aliases_leading_zeros_and_row_numbers(tmp_path):
    p = write(tmp_path, "ncmb.csv",
              "Court,PACER Login,CM/ECF Login,Name,Filer Type,Bar Number,Notes\n"
              "ncmb,00412345,jdoe,\"Doe, John\",Atty,00412345,  spaced  \n"
              "ncmb,ann1,asmith,\"Smith, Ann\",Limited Filer,,\n", "utf-8-sig")
    raw = read_table(p, "court_accounts")
    assert raw.encoding == "utf-8-sig"
    assert raw.name == "ncmb.csv" and raw.sheet == "" and len(raw.sha256) == 64
    assert raw.header_row == 1
    assert list(raw.frame.index) == [2, 3]
    assert raw.frame.loc[2, "pacer_username"] == "00412345"
    assert raw.frame.loc[2, "bar_id"] == "00412345"
    assert raw.frame.loc[2, "Notes"] == "spaced"
    assert raw.frame.loc[3, "bar_id"] is raw.frame.loc[3, "Notes"]  # both <NA>
    assert raw.headers["pacer_username"] == "PACER Login"
    assert raw.unknown_columns == ["Notes"]
    assert set(raw.present_columns) == {"court_id", "pacer_username", "cmecf_login", "filer_name",
                                        "filer_role", "bar_id"}


def test_cp1252_semicolon_csv_keeps_accents(tmp_path):
    p = write(tmp_path, "latin.csv",
              "Court;Login;Name;Role\nncmb;jn;Núñez, José;attorney\n", "cp1252")
    raw = read_table(p, "court_accounts")
    assert raw.encoding == "cp1252" and raw.delimiter == ";"
    assert raw.frame.loc[2, "filer_name"] == "Núñez, José"


def test_utf16_tab_csv(tmp_path):
    p = write(tmp_path, "u16.csv", "Court\tLogin\tName\tRole\r\nncwb\tmé\tRenée Ödön\tstaff\r\n", "utf-16")
    raw = read_table(p, "court_accounts")
    assert raw.encoding == "utf-16" and raw.delimiter == "\t"
    assert raw.frame.loc[2, "cmecf_login"] == "mé"
    assert raw.frame.loc[2, "filer_name"] == "Renée Ödön"


def test_nfc_normalised(tmp_path):
    p = write(tmp_path, "nfd.csv", "Login,Name,Role\nx,Nun\u0303ez,staff\n")
    raw = read_table(p, "court_accounts")
    assert raw.frame.loc[2, "filer_name"] == "Nu\u00f1ez"


def test_quoted_newlines_and_blank_lines_number_records_like_excel(tmp_path):
    p = write(tmp_path, "q.csv",
              "Login,Name,Role,Notes\r\n"
              "a,\"Doe,\r\nJohn\",staff,\"say \"\"hi\"\"\"\r\n"
              "\r\n"
              ",,,\r\n"
              "b,Bee,staff,\r\n")
    raw = read_table(p, "court_accounts")
    assert list(raw.frame.index) == [2, 5]
    assert raw.frame.loc[2, "filer_name"] == "Doe,\r\nJohn"
    assert raw.frame.loc[2, "Notes"] == 'say "hi"'
    assert raw.rows_blank == 2


def test_header_and_footer_found_past_long_runs_of_blank_rows(tmp_path):
    # the header search looks among the first rows that are not blank, the footer check among the last
    # ones: a hundred blank rows above the header and below the totals line move neither
    p = write(tmp_path, "far.csv", ",,\n" * 100 + "Login,Name,Role\nx,X Y,staff\n,,\ny,Y Z,staff\n"
              + "Total: 2 records,,\n" + ",,\n" * 100)
    raw = read_table(p, "court_accounts")
    assert raw.header_row == 101
    assert list(raw.frame.index) == [102, 104]
    assert raw.rows_blank == 1   # the blank row between the two filers; none above the header or below
    footers = [i for i in raw.header_issues if i["code"] == "footer-row"]
    assert [i["row"] for i in footers] == [105]


def test_title_rows_above_header_are_reported(tmp_path):
    p = write(tmp_path, "t.csv", "Filer accounts export\nas of 2024-01-01\nLogin,Name,Role\nx,X Y,staff\n")
    raw = read_table(p, "court_accounts")
    assert raw.header_row == 3
    assert list(raw.frame.index) == [4]
    titles = [i for i in raw.header_issues if i["reason"].startswith("title row")]
    assert [i["row"] for i in titles] == [1, 2]
    assert titles[0]["value"] == "Filer accounts export" and titles[0]["severity"] == "warning"


def test_delimiter_chosen_by_header_match(tmp_path):
    # commas inside the names would make a comma-split look wide; the header decides
    p = write(tmp_path, "semi.csv", "Login;Name;Role\nx;Doe, John, Jr.;staff\n")
    raw = read_table(p, "court_accounts")
    assert raw.delimiter == ";"
    assert raw.frame.loc[2, "filer_name"] == "Doe, John, Jr."


def test_duplicate_headers_keep_first_and_warn(tmp_path):
    p = write(tmp_path, "dup.csv", "Login,Name,Role,PACER Login,PACER ID\nx,X,staff,first,second\n")
    raw = read_table(p, "court_accounts")
    assert raw.frame.loc[2, "pacer_username"] == "first"
    assert "PACER ID (column E)" in raw.unknown_columns
    assert raw.frame.loc[2, "PACER ID (column E)"] == "second"
    dup = [i for i in raw.header_issues if "duplicate" in i["reason"]]
    assert len(dup) == 1 and "PACER ID" in dup[0]["reason"] and "PACER Login" in dup[0]["reason"]


def test_blank_header_cell_named_by_letter(tmp_path):
    p = write(tmp_path, "bl.csv", "Login,Name,Role,\nx,X,staff,extra\n")
    raw = read_table(p, "court_accounts")
    assert raw.unknown_columns == ["column D"]


def test_header_only_file_has_no_rows(tmp_path):
    p = write(tmp_path, "h.csv", ",".join(COURT_HEADER) + "\n")
    raw = read_table(p, "court_accounts")
    assert len(raw.frame) == 0 and raw.header_row == 1


@pytest.mark.parametrize("content", [b"", b"   \r\n\n  ", b"\xef\xbb\xbf"])
def test_empty_file_refused(tmp_path, content):
    p = tmp_path / "e.csv"
    p.write_bytes(content)
    with pytest.raises(InputError, match="e.csv: is empty"):
        read_table(p, "court_accounts")


def test_xlsx_title_merged_cells_numbers_dates_and_blank_rows(tmp_path):
    p = xlsx(tmp_path, "acc.xlsx", [
        ["Court filer accounts — March", None, None, None, None, None, None],
        COURT_HEADER + ["Linked", "Active?"],
        ["ncmb", 12345, "Doe, John", "Atty", 412345.0, "jdoe", "j@x.com", dt.datetime(2021, 3, 4), True],
        [None] * 9,
        ["ncmb", "bee", "Bee, Ann", "staff", None, None, None, dt.datetime(2021, 3, 4, 15, 30), False],
        ["ncmb", "cee", "Cee", "staff", 1.5, None, None, 44000, None],
    ], merge="A1:G1")
    raw = read_table(p, "court_accounts")
    assert raw.sheet == "Accounts" and raw.file_type == "xlsx"
    assert raw.header_row == 2
    assert list(raw.frame.index) == [3, 5, 6]
    assert raw.rows_blank == 1
    f = raw.frame
    assert f.loc[3, "cmecf_login"] == "12345"
    assert f.loc[3, "bar_id"] == "412345"
    assert f.loc[3, "linked_on"] == "2021-03-04"
    assert f.loc[5, "linked_on"] == "2021-03-04 15:30:00"
    assert f.loc[3, "account_status"] == "TRUE" and f.loc[5, "account_status"] == "FALSE"   # "Active?" column
    assert f.loc[6, "bar_id"] == "1.5" and f.loc[6, "linked_on"] == "44000"
    assert [i["row"] for i in raw.header_issues if i["reason"].startswith("title row")] == [1]


def test_xlsx_sheet_choice(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active.append(["nothing here"])
    ws = wb.create_sheet("Data")
    ws.append(["Login", "Name", "Role"])
    ws.append(["x", "X", "staff"])
    p = tmp_path / "two.xlsx"
    wb.save(p)
    raw = read_table(p, "court_accounts", sheet="Data")
    assert raw.sheet == "Data" and raw.frame.loc[2, "cmecf_login"] == "x"
    with pytest.raises(InputError, match="no sheet named 'Nope'.*'Cover', 'Data'"):
        read_table(p, "court_accounts", sheet="Nope")


def test_xlsx_data_not_starting_at_a1(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C4"], ws["D4"], ws["E4"] = "Login", "Name", "Role"
    ws["C5"], ws["D5"], ws["E5"] = "x", "X", "staff"
    ws["G4"] = None
    p = tmp_path / "off.xlsx"
    wb.save(p)
    raw = read_table(p, "court_accounts")
    assert raw.header_row == 4 and list(raw.frame.index) == [5]


def _macro_workbook(tmp_path: Path, name: str) -> Path:
    src = xlsx(tmp_path, "plain.xlsx", [["Login", "Name", "Role"], ["x", "X", "staff"]])
    out = tmp_path / name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", b"\x00" * 64)
    return out


@pytest.mark.parametrize("name", ["macro.xlsm", "macro.xlsx"])
def test_macro_enabled_workbook_refused(tmp_path, name):
    p = _macro_workbook(tmp_path, name)
    with pytest.raises(InputError, match="macro-enabled"):
        read_table(p, "court_accounts")


def test_password_protected_workbook_refused(tmp_path):
    p = tmp_path / "locked.xlsx"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 500
    p.write_bytes(ole)
    with pytest.raises(InputError, match="locked.xlsx: is password-protected.*unprotected copy"):
        read_table(p, "court_accounts")


def test_csv_named_xlsx_refused(tmp_path):
    p = write(tmp_path, "fake.xlsx", "Login,Name,Role\nx,X,staff\n")
    with pytest.raises(InputError, match=r"fake.xlsx: is not an Excel workbook \(.xlsx\) \(its content is plain text"):
        read_table(p, "court_accounts")


@pytest.mark.parametrize("name,content,what", [
    ("doc.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    ("noise.csv", bytes(range(256)) * 8, "binary"),
    ("z.xlsx", None, "zip archive without a workbook"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100, "damaged"),
])
def test_wrong_content_refused(tmp_path, name, content, what):
    p = tmp_path / name
    if content is None:
        with zipfile.ZipFile(p, "w") as zf:
            zf.writestr("readme.txt", "hello")
    else:
        p.write_bytes(content)
    with pytest.raises(InputError, match=what):
        read_table(p, "court_accounts")


def test_zip_bomb_refused(tmp_path):
    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"\x00" * (1 << 20)
            for _ in range(40):
                fh.write(block)
    assert p.stat().st_size < 1 << 20
    with pytest.raises(InputError, match="zip bomb"):
        read_table(p, "court_accounts")
    small = Limits(max_unzipped_bytes=10 << 20, max_zip_ratio=10_000)
    with pytest.raises(InputError, match="unpack to 40 MB, more than the limit of 10 MB"):
        read_table(p, "court_accounts", limits=small)


def test_size_and_row_limits(tmp_path):
    p = write(tmp_path, "big.csv", "Login,Name,Role\n" + "x,X,staff\n" * 50)
    with pytest.raises(InputError, match="more than the limit.*--max-file-mb"):
        read_table(p, "court_accounts", limits=Limits(max_file_bytes=100))
    with pytest.raises(InputError, match="has 50 data rows, more than the limit of 10.*--max-rows"):
        read_table(p, "court_accounts", limits=Limits(max_rows=10))


def test_long_cell_rejects_row(tmp_path):
    p = write(tmp_path, "long.csv", "Login,Name,Role\nx," + "N" * 300 + ",staff\ny,Y,staff\n")
    raw = read_table(p, "court_accounts", limits=Limits(max_cell_chars=250))
    long = [i for i in raw.header_issues if i["severity"] == "rejected"]
    assert len(long) == 1 and long[0]["row"] == 2 and long[0]["column"] == "Name"
    assert long[0]["value"] == "N" * 200 + "…"


def test_missing_file_refused(tmp_path):
    with pytest.raises(InputError, match="nope.csv: file not found"):
        read_table(tmp_path / "nope.csv", "court_accounts")


def test_trailing_comma_on_every_row_is_not_a_ragged_row(tmp_path):
    p = tmp_path / "acc.csv"
    p.write_text("Login,Name,Role\njdoe,John Doe,Attorney,\nasmith,Ann Smith,staff,\nbb,Bob,staff,x\n", encoding="utf-8")
    raw = read_table(p, "court_accounts")
    assert [(i["row"], i["code"]) for i in raw.header_issues] == [(4, "ragged-row")]
    assert list(raw.frame.columns) == ["cmecf_login", "filer_name", "filer_role"]


@pytest.mark.parametrize("encoding", ["ascii", "utf-8"])
def test_every_file_trims_the_same_white_space(tmp_path, encoding):
    """Unicode's white space includes the separators 0x1C-0x1F: a cell holding only those is
    blank whether the file is plain ASCII or not, so the same export never reads two ways."""
    other = "" if encoding == "ascii" else "\u00e9"
    p = write(tmp_path, "s.csv", f"Login,Name,Role,Last filed\nx\x1f,N{other}\x1c,staff,\x1f\x1e \n",
              "utf-8")
    raw = read_table(p, "court_accounts")
    row = raw.frame.loc[2]
    assert row["cmecf_login"] == "x"
    assert row["filer_name"] == f"N{other}"
    assert row.isna()["last_filed_on"]


def test_one_cell_to_trim_or_compose_among_many_that_need_nothing(tmp_path):
    """A column is copied only when some cell changes: among names ending in letters outside ASCII
    (which trimming leaves alone) the one with a no-break space still loses it, and the one name
    written with a combining accent is still composed."""
    names = ["Jos\u00e9", "Andr\u00e9 L\u00f3pez", "Nu\u00f1ez"] * 40
    names[57] = "Jos\u00e9\u00a0"
    names[91] = "Jose\u0301"
    lines = [f"u{i},{n},staff" for i, n in enumerate(names)]
    p = write(tmp_path, "s.csv", "Login,Name,Role\n" + "\n".join(lines) + "\n")
    got = read_table(p, "court_accounts").frame["filer_name"]
    assert got.loc[59] == "Jos\u00e9" and got.loc[93] == "Jos\u00e9"
    assert got.drop([59, 93]).tolist() == [n for i, n in enumerate(names) if i not in (57, 91)]
