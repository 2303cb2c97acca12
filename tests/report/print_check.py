"""Measure a workbook as LibreOffice prints it: text size, overlapping text and clipped cells.

``print_pdf`` converts workbooks to PDF with ``soffice --headless --convert-to pdf`` (one LibreOffice
start for all of them, with a calibration workbook beside them), and ``Printout`` reads the PDF's word
boxes back with ``pdftotext -bbox``:

- **size**: a word box is as tall as its font's ascent plus descent, a fixed share of the font size.
  That share is measured on the calibration workbook (one cell of 10 pt text printed at 100%), so a
  word's size in points is its box height divided by it.
- **overlap**: no two word boxes on a page cover each other (beyond a hair for rounding).
- **clipped**: every word of every printed cell (inside the sheet's print area, the whole used range
  when there is none) is in the printout of its sheet.  LibreOffice leaves out the letters that do not
  fit a cell ("Accepted un" for "Accepted until"); a word broken over two lines of a wrapped cell
  counts when its parts are there.  A page belongs to the sheet named at the left of its footer, and
  the footer's own words do not count.  A number too wide for its cell prints as "###" (``hashes``).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.utils import range_boundaries

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
FC_MATCH = shutil.which("fc-match")


def calibri_twin() -> bool:
    """Whether LibreOffice sets Calibri (the report's font) in Carlito, its metric twin, as Excel's
    widths assume (``scripts/system-deps.sh`` installs it)."""
    if not FC_MATCH:
        return False
    found = subprocess.run([FC_MATCH, "Calibri"], capture_output=True, text=True).stdout
    return "carlito" in found.lower()
MIN_POINTS = 8.0
CALIBRATION_POINTS = 10
_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def _calibration_book(folder: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Calibration"
    ws["A1"].font = openpyxl.styles.Font(name="Calibri", size=CALIBRATION_POINTS)
    ws.column_dimensions["A"].width = 30
    path = folder / "zz-calibration.xlsx"
    wb.save(path)
    return path


def print_pdf(paths: list[Path], folder: Path) -> tuple[list[Path], float]:
    """The workbooks printed to PDF by LibreOffice (in ``folder``), and the word box height of one point
    of text."""
    folder.mkdir(parents=True, exist_ok=True)
    calibration = _calibration_book(folder)
    names = [p.stem for p in paths]
    assert len(set(names)) == len(names), "two workbooks of one name would print to one PDF"
    proc = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{folder}/lo-profile",
                           "--convert-to", "pdf", "--outdir", str(folder), *map(str, paths), str(calibration)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    pdfs = [folder / f"{n}.pdf" for n in names]
    for pdf in pdfs:
        assert pdf.exists(), f"LibreOffice wrote no {pdf.name}: {proc.stdout} {proc.stderr}"
    (page,) = _pages(folder / "zz-calibration.pdf")
    (word,) = [w for w in page.words if w.text == "Calibration"]
    return pdfs, (word.y1 - word.y0) / CALIBRATION_POINTS


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)

    @property
    def body(self) -> list[Word]:
        """The words above the footer line."""
        if not self.words:
            return []
        last = max(w.y0 for w in self.words)
        return [w for w in self.words if w.y0 <= last - 1]

    @property
    def sheet(self) -> str:
        """The sheet name at the left of the footer."""
        if not self.words:
            return ""
        last = max(w.y0 for w in self.words)
        bottom = [w for w in self.words if w.y0 > last - 1 and w.x1 < self.width * 0.3]
        return " ".join(w.text for w in sorted(bottom, key=lambda w: w.x0))


def _pages(pdf: Path) -> list[Page]:
    html = subprocess.run([PDFTOTEXT, "-raw", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = []
    for i, part in enumerate(html.split("<page ")[1:], 1):
        w, h = map(float, _PAGE.match("<page " + part).groups())
        words = [Word(float(a), float(b), float(c), float(d), _unescape(t)) for a, b, c, d, t in _WORD.findall(part)]
        pages.append(Page(i, w, h, words))
    return pages


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")


class Printout:
    """A workbook and its PDF, measured."""

    def __init__(self, xlsx: Path, pdf: Path, unit: float):
        self.xlsx, self.pdf, self.unit = xlsx, pdf, unit
        self.pages = _pages(pdf)

    def sheets(self) -> list[str]:
        """The sheet of each page, in order."""
        return [p.sheet for p in self.pages]

    def pages_of(self, sheet: str) -> list[Page]:
        return [p for p in self.pages if p.sheet == sheet]

    def text(self, sheet: str | None = None) -> str:
        return " ".join(w.text for p in (self.pages if sheet is None else self.pages_of(sheet)) for w in p.words)

    def small_words(self, minimum: float = MIN_POINTS) -> list[tuple[int, str, float]]:
        """(page, word, points) of every word set smaller than ``minimum`` points."""
        return [(p.number, w.text, round((w.y1 - w.y0) / self.unit, 2)) for p in self.pages for w in p.words
                if (w.y1 - w.y0) / self.unit < minimum - 0.05]

    def smallest(self) -> float:
        return min((w.y1 - w.y0) / self.unit for p in self.pages for w in p.words)

    def overlaps(self, slack: float = 0.4) -> list[tuple[int, str, str]]:
        """(page, word, word) of every two words whose letters cover each other by more than ``slack``
        points both ways.  A word box runs from the font's ascent to its descent, taller than its
        letters: the middle 60% of each box is compared, so that lines set close but apart pass."""
        out = []
        for p in self.pages:
            if len(p.words) < 2:
                continue
            b = np.array([(w.x0, w.y0, w.x1, w.y1) for w in p.words])
            trim = (b[:, 3] - b[:, 1]) * 0.2
            b[:, 1] += trim
            b[:, 3] -= trim
            for i in range(len(b) - 1):
                rest = b[i + 1:]
                dx = np.minimum(b[i, 2], rest[:, 2]) - np.maximum(b[i, 0], rest[:, 0])
                dy = np.minimum(b[i, 3], rest[:, 3]) - np.maximum(b[i, 1], rest[:, 1])
                for j in np.flatnonzero((dx > slack) & (dy > slack)):
                    out.append((p.number, p.words[i].text, p.words[i + 1 + j].text))
        return out

    def hashes(self) -> list[tuple[int, str]]:
        """(page, word) of every number or date too wide for its cell ("###")."""
        return [(p.number, w.text) for p in self.pages for w in p.words if w.text.startswith("##")]

    def clipped(self, sheets: list[str] | None = None) -> list[tuple[str, str, str]]:
        """(sheet, cell, missing word) of every word of a printed cell that its sheet's pages do not show."""
        wb = openpyxl.load_workbook(self.xlsx)
        out = []
        for ws in wb:
            if sheets is not None and ws.title not in sheets:
                continue
            pages = self.pages_of(ws.title)
            assert pages, f"no printed page is footed {ws.title!r}: {self.sheets()}"
            words = {w.text for p in pages for w in p.body}
            for cell, text in printed_cells(ws):
                for token in text.split():
                    if token not in words and not _pieces(token, words, 3):
                        out.append((ws.title, cell, token))
        return out


def _pieces(token: str, words: set, depth: int) -> bool:
    """Whether ``token`` is the words of a wrapped line and the next (a word broken over lines)."""
    if depth == 0:
        return False
    for i in range(1, len(token)):
        if token[:i] in words and (token[i:] in words or _pieces(token[i:], words, depth - 1)):
            return True
    return False


def _shown(cell) -> str | None:
    """A cell's value as the printout shows it (text, dates, counts and shares as formatted)."""
    v = cell.value
    if v is None:
        return None
    fmt = cell.number_format or ""
    if isinstance(v, dt.datetime):
        return f"{v:%Y-%m-%d %H:%M:%S}" if "h" in fmt else f"{v:%Y-%m-%d}"
    if isinstance(v, dt.date):
        return f"{v:%Y-%m-%d}"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        if "%" in fmt:
            decimals = len(fmt.split(".")[1].split("%")[0]) if "." in fmt else 0
            return f"{v * 100:.{decimals}f}%"
        return f"{v:,.0f}" if "," in fmt else (str(int(v)) if float(v).is_integer() else str(v))
    return str(v)


def printed_cells(ws):
    """(cell reference, text) of each cell the sheet prints: inside its print area, in no hidden row
    or column."""
    areas = []
    if ws.print_area:
        for part in ws.print_area.split(","):
            ref = part.split("!")[-1].replace("$", "")
            areas.append(range_boundaries(ref))
    else:
        areas.append((1, 1, ws.max_column, ws.max_row))
    for c0, r0, c1, r1 in areas:
        c1 = min(c1 or ws.max_column, ws.max_column)
        r1 = min(r1 or ws.max_row, ws.max_row)
        for row in ws.iter_rows(min_row=r0 or 1, max_row=r1, min_col=c0 or 1, max_col=c1):
            for cell in row:
                if cell.value is None:
                    continue
                if ws.column_dimensions[cell.column_letter].hidden or ws.row_dimensions[cell.row].hidden:
                    continue
                text = _shown(cell)
                if text:
                    yield cell.coordinate, text
