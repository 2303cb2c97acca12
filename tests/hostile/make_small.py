"""Write the small hostile input files kept in this folder (run once; the files are committed).

Each file plants one case of SPEC section 7 (bad input) or one attack an
upload page meets; ``expected.csv`` says what the auditor must do with it.
``pass_protected.xlsx`` is copied from calamine's test suite (MIT licence,
github.com/tafia/calamine): a real Excel-encrypted workbook.

    .venv/bin/python tests/hostile/make_small.py
"""

from __future__ import annotations

import codecs
import shutil
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
H = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "PACER Login", "Email"]
ROWS = [
    ["ncmb", "jsmith", "Smith, John", "Attorney", "NC12345", "jsmith2020", "js@example.com"],
    ["ncmb", "jroe", "Roe, Jane", "Attorney", "NC22222", "jroe20201", "jr@example.com"],
    ["ncwb", "kwhite", "White, Kim", "Staff", "", "kw4821", ""],
]


def csv_text(header, rows, sep=",", eol="\n") -> str:
    def cell(v):
        v = str(v)
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in (sep, '"', "\n", "\r")) else v
    return "".join(sep.join(cell(v) for v in r) + eol for r in [header, *rows])


def text(name: str, body: str, encoding: str = "utf-8", bom: bytes = b"") -> None:
    (HERE / name).write_bytes(bom + body.encode(encoding))


def workbook(name: str, rows, *, merges=(), text_cells=True, formulas=None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Accounts"
    for r in rows:
        ws.append(r)
        if text_cells:
            for c in ws[ws.max_row]:
                if isinstance(c.value, str):
                    c.data_type = "s"
    for m in merges:
        ws.merge_cells(m)
    for ref, f in (formulas or {}).items():
        ws[ref] = f
    wb.save(HERE / name)


def main() -> None:
    good = csv_text(H, ROWS)
    text("empty.csv", "")
    text("blank_lines_only.csv", "\n\n  \n\r\n")
    text("header_only.csv", csv_text(H, []))
    text("semicolon.csv", csv_text(H, ROWS, sep=";"))
    text("tab_named_csv.csv", csv_text(H, ROWS, sep="\t"))
    text("colon_delimited.csv", csv_text(H, ROWS, sep=":"))
    text("bom_utf8.csv", good, bom=codecs.BOM_UTF8)
    text("utf16.csv", good, encoding="utf-16")
    latin = [["ncmb", "jmuller", "Müller, Jürgen", "Attorney", "NC1", "jmuller20", ""],
             ["ncmb", "fgarcia", "García, François", "Attorney", "NC2", "fgarcia20", ""]]
    text("latin1.csv", csv_text(H, latin), encoding="latin-1")
    # UTF-8 with one row in Windows-1252 (rows pasted together from two systems)
    (HERE / "mixed_encoding.csv").write_bytes(csv_text(H, latin[:1]).encode("utf-8")
                                              + csv_text([], latin[1:]).lstrip("\n").encode("cp1252"))
    nonascii = [["ncmb", "zhangwei", "张伟", "Attorney", "NC3", "zhangwei1", ""],
                ["ncmb", "ostrom", "Øyvind Åström", "Attorney", "NC4", "ostrom001", ""],
                ["ncmb", "nfc", "Jose\u0301 Nu\u0303n\u0303ez", "Pro Se", "", "", ""]]
    text("non_ascii.csv", csv_text(H, nonascii))
    text("blank_rows_between.csv", csv_text(H, [ROWS[0], ["", "", "", "", "", "", ""], ROWS[1]]) + "\n"
         + csv_text([], [ROWS[2]]).lstrip("\n"))
    text("duplicate_columns.csv", csv_text(H + ["Login"], [r + [r[1] + "x"] for r in ROWS]))
    text("trailing_spaces.csv", csv_text([h + "  " for h in H], [[f" {v}   " for v in r] for r in ROWS]))
    text("crlf.csv", csv_text(H, ROWS, eol="\r\n"))
    formula_rows = [["ncmb", "=1+1", '=HYPERLINK("http://evil.example","click")', "Pro Se", "", "+1-555", ""],
                    ["ncmb", "@SUM(A1)", "-2", "Pro Se", "", "\t=cmd|' /C calc'!A0", ""],
                    ["ncmb", "plain", "\r=x", "Pro Se", "", "", ""]]
    text("formula_text.csv", csv_text(H, formula_rows))
    text("ragged_rows.csv", "Court,CM/ECF Login,Filer Name,Filer Type\nncmb,a1,A One,Staff,extra,more\nncmb,a2\n")
    text("unterminated_quote.csv", 'Court,CM/ECF Login,Filer Name,Filer Type\nncmb,a1,"A One,Staff\nncmb,a2,B,Staff\n')
    text("nul_bytes.csv", "Court,CM/ECF Login\x00,Filer Name\nncmb,\x00\x00\x00\x00a1,A\x00\x00\x00\x00\x00\x00\x00\x00\x00\n")
    text("no_header.csv", csv_text(ROWS[0], ROWS[1:]))
    text("missing_required.csv", csv_text(["Court", "Filer Name"], [["ncmb", "A B"]]))
    text("bad_cells.csv", csv_text(H + ["Status", "Linked On"], [
        ["ncmb", "", "Blank Login", "Attorney", "NC1", "x12345678", "", "Active", ""],
        ["ncmb", "a2", "Bad Role", "Wizard", "", "", "", "Active", ""],
        ["ncmb", "a3", "Bad Date", "Staff", "", "", "not-an-email", "Frozen", "31/31/2020"],
        ["ncmb", "a4", "#N/A", "Staff", "", "", "", "", "44000"],
    ]))
    (HERE / "pdf_named.csv").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    (HERE / "html_named.xlsx").write_bytes(b"<!DOCTYPE html><html><body><table><tr><td>x</td></tr></table></body></html>")
    text("csv_named.xlsx", good)
    (HERE / "binary_junk.csv").write_bytes(bytes(range(256)) * 8)

    # workbooks
    # a merged title row, and "Filer Name" merged across two columns: read
    workbook("merged_header.xlsx", [["CM/ECF filer accounts, November 2026"] + [None] * 7,
                                    ["Court", "CM/ECF Login", "Filer Name", None, "Filer Type", "Bar Number",
                                     "PACER Login", "Email"],
                                    *[r[:3] + [None] + r[3:] for r in ROWS]],
             merges=["A1:H1", "C2:D2"])
    # a two-level header ("Account" over "CM/ECF Login" and "Filer Name"): refused, naming the column
    workbook("two_row_header.xlsx", [["Court", "Account", None, "Filer Type", "Bar Number", "PACER Login", "Email"],
                                     [None, "CM/ECF Login", "Filer Name", None, None, None, None], *ROWS],
             merges=["B1:C1", "A1:A2"])
    workbook("blank_rows_between.xlsx", [H, ROWS[0], [], [], ROWS[1], [None] * 7, ROWS[2]])
    serial_h = H + ["Linked On", "Last Filed"]
    workbook("excel_date_serials.xlsx", [serial_h, ROWS[0] + [43952, 46000.5], ROWS[1] + [1, 2958465],
                                         ROWS[2] + [60, 9999999]], text_cells=False)
    workbook("numbers_as_numbers.xlsx", [H, ["ncmb", 1234567, "Smith, John", "Attorney", 12345, 123456, ""],
                                         ["ncmb", 2345678, "Roe, Jane", "Attorney", 12345.0, 12345678901, ""]],
             text_cells=False)
    workbook("formulas.xlsx", [H, *ROWS], formulas={"B2": "=CONCAT(\"a\",\"b\")", "C3": '=HYPERLINK("http://x","y")',
                                                  "F4": "=1+1"})
    workbook("formula_text.xlsx", [H, ["ncmb", "=1+1", '=HYPERLINK("http://x","y")', "Pro Se", "", "+1-555", ""],
                                   ["ncmb", "@SUM(A1)", "-2", "Pro Se", "", "\t=x", "\r=x"]])
    workbook("header_only.xlsx", [H])
    workbook("empty_sheet.xlsx", [])
    workbook("trailing_spaces.xlsx", [[h + " " for h in H], *[[f"  {v} " for v in r] for r in ROWS]])
    # a macro-enabled workbook, and the same content renamed .xlsx
    for out in ("macro.xlsm", "macro_renamed.xlsx"):
        src = HERE / "formula_text.xlsx"
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(HERE / out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                zout.writestr(item, zin.read(item.filename))
            zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    good_xlsx = (HERE / "formula_text.xlsx").read_bytes()
    (HERE / "corrupt_truncated.xlsx").write_bytes(good_xlsx[: len(good_xlsx) // 2])
    with zipfile.ZipFile(HERE / "zip_not_workbook.xlsx", "w") as z:
        z.writestr("readme.txt", "hello")
    with zipfile.ZipFile(HERE / "corrupt_sheet_xml.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        with zipfile.ZipFile(HERE / "formula_text.xlsx") as zin:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data[: len(data) // 2]
                z.writestr(item, data)
    shutil.copyfile("/work/shared/corpus/calamine/pass_protected.xlsx", HERE / "pass_protected.xlsx")


if __name__ == "__main__":
    main()
