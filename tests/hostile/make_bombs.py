"""Tiny workbooks whose used range is huge (built at test time by make_large.make_all).

- ``range_bomb.xlsx``: a header and a row, plus one cell at ``XFD300000``: 2 KB that a dense
  reader would turn into about 157 GB;
- ``range_bomb_3000.xlsx``: the same with the far cell at ``XFD3000`` (2.9 GB dense);
- ``range_bomb_rows.xlsx``: a far cell at ``A9000000`` (past the row limit, one column);
- ``range_bomb_lying.xlsx``: the far cell without an ``r`` attribute in a row numbered 300000,
  after a ``<dimension>`` that claims ``A1:F2``;
- ``repeated_rows.ods``: a data row repeated 20,000,000 times (``number-rows-repeated``);
- ``repeated_columns.ods``: a cell repeated across 16,000 columns.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HEAD = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "PACER Login"]
ROW = ["ncmb", "jsmith", "Smith, Jane", "Attorney", "NC1", "jsmith1234"]
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        '<sheet name="Accounts" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def _cell(ref: str | None, text: str) -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'


def _table_rows() -> str:
    letters = "ABCDEF"
    return "".join(f'<row r="{n}">' + "".join(_cell(f"{letters[i]}{n}", v) for i, v in enumerate(values))
                   + "</row>" for n, values in ((1, HEAD), (2, ROW)))


def xlsx_with_far_cell(path: Path, far: str | None, far_row: int) -> Path:
    """The two-row table plus one text cell ``far`` (or an unnumbered cell in row ``far_row``)."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><dimension ref="A1:F2"/>'
            f'<sheetData>{_table_rows()}<row r="{far_row}">{_cell(far, "stray")}</row></sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", body)
    return path


_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
             'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
             '<manifest:file-entry manifest:full-path="/" '
             'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
             '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
             '</manifest:manifest>')


def _ods_row(values, rows: int = 1, first_span: int = 1) -> str:
    cells = "".join(
        '<table:table-cell office:value-type="string"'
        + (f' table:number-columns-repeated="{first_span}"' if i == 0 and first_span > 1 else "")
        + f"><text:p>{v}</text:p></table:table-cell>" for i, v in enumerate(values))
    rep = f' table:number-rows-repeated="{rows}"' if rows > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


def ods(path: Path, rows: int = 1, first_span: int = 1) -> Path:
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Accounts">'
               f"{_ods_row(HEAD)}{_ods_row(ROW, rows, first_span)}"
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


BUILDERS = {
    "range_bomb.xlsx": lambda p: xlsx_with_far_cell(p, "XFD300000", 300000),
    "range_bomb_3000.xlsx": lambda p: xlsx_with_far_cell(p, "XFD3000", 3000),
    "range_bomb_rows.xlsx": lambda p: xlsx_with_far_cell(p, "A9000000", 9000000),
    "range_bomb_lying.xlsx": lambda p: xlsx_with_far_cell(p, None, 9000000),
    "range_ok.xlsx": lambda p: xlsx_with_far_cell(p, "F40", 40),
    "repeated_rows.ods": lambda p: ods(p, rows=20_000_000),
    "repeated_columns.ods": lambda p: ods(p, first_span=16_000),
    "repeated_ok.ods": lambda p: ods(p, rows=3),
}
