"""A small HTML subset drawn as a PDF with ReportLab: what a notice template may use.

Block tags ``h1`` ``h2`` ``h3`` ``p`` ``ul``/``ol`` with ``li``, ``table`` with ``tr``, ``th``, ``td``
(a ``width="30%"`` on a heading cell sets its column), ``hr``; inline ``b``/``strong``, ``i``/``em``, ``br``.
Anything else is read as its text only.  The template's text is handed to ReportLab as text (escaped
again after parsing), so no value can become markup, an image or a link to a file.

ReportLab lays out paragraphs word by word and is pure Python with wheels for every system: a
two-page notice takes about 35 ms (with rl_accel), where drawing HTML with fpdf2 took 100 ms.  A table
cell of plain text (no inline tags, no word wider than its column) is handed to the table as lines
broken here, the way ``Paragraph`` breaks them, with each word's width measured once per process: the
table draws such lines itself at the same size, leading and place, and a profile of 2,500 notices put
most of the layout time in the cells' ``Paragraph`` objects (parsed, then wrapped two or three times).
"""

from __future__ import annotations

import io
import os
import re
from html.parser import HTMLParser
from xml.sax.saxutils import escape, unescape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from auditor.notify.pdf_lines import Lines, plain_lines

BODY_PT = 11
CELL_PT = 10
FOOTER_PT = 10
HEADINGS = {"h1": 16, "h2": 13, "h3": 12}
MARGIN = 0.75 * inch
CELL_PAD = 6            # ReportLab's table padding left and right (its default)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_WHOLE_BOLD = re.compile(r"<b>([^<]*)</b>")
def styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=regular, fontSize=BODY_PT, leading=BODY_PT * 1.3, spaceAfter=5,
                          alignment=TA_LEFT)
    out = {"p": body,
           "li": ParagraphStyle("li", parent=body, leftIndent=14, bulletIndent=4, spaceAfter=2),
           "cell": ParagraphStyle("cell", parent=body, fontSize=CELL_PT, leading=CELL_PT * 1.25, spaceAfter=0),
           "th": ParagraphStyle("th", parent=body, fontName=bold, fontSize=CELL_PT, leading=CELL_PT * 1.25,
                                spaceAfter=0)}
    for tag, size in HEADINGS.items():
        out[tag] = ParagraphStyle(tag, parent=body, fontName=bold, fontSize=size, leading=size * 1.25,
                                  spaceBefore=8 if tag != "h1" else 0, spaceAfter=4, keepWithNext=1)
    return out


class _Builder(HTMLParser):
    def __init__(self, style: dict[str, ParagraphStyle], width: float):
        super().__init__(convert_charrefs=True)
        self.style, self.width = style, width
        self.story: list = []
        self.block: str | None = None     # the open block tag
        self.buf: list[str] = []
        self.lists: list[list] = []       # [kind, number] of each open list
        self.table: list | None = None    # rows of (markup, is_heading, width)
        self.cell: list | None = None

    # text ---------------------------------------------------------------
    def handle_data(self, data):
        text = _SPACE.sub(" ", data)
        if not text.strip() and not self.buf:
            return
        (self.cell if self.cell is not None else self.buf).append(escape(text))

    def _inline(self, markup: str):
        (self.cell if self.cell is not None else self.buf).append(markup)

    def _flush(self):
        text = "".join(self.buf).strip()
        self.buf = []
        if not text:
            return
        tag = self.block or "p"
        if tag == "li":
            kind, n = self.lists[-1] if self.lists else ("ul", 0)
            if self.lists:
                self.lists[-1][1] += 1
            bullet = "\u2022" if kind == "ul" else f"{n + 1}."
            self.story.append(Paragraph(text, self.style["li"], bulletText=bullet))
        elif "<" not in text:     # plain text: laid out as a Paragraph would be, without parsing it as one
            self.story.append(Lines(unescape(text), self.style.get(tag, self.style["p"])))
        elif (whole := _WHOLE_BOLD.fullmatch(text)) is not None:     # bold throughout ("<b>What to do</b>")
            self.story.append(Lines(unescape(whole.group(1)), self._bold(tag)))
        else:
            self.story.append(Paragraph(text, self.style.get(tag, self.style["p"])))

    def _bold(self, tag: str) -> ParagraphStyle:
        """The block's style in the bold face a Paragraph's ``<b>`` would choose (its font family's)."""
        key = f"{tag}/bold"
        if key not in self.style:
            base = self.style.get(tag, self.style["p"])
            family, _, italic = ps2tt(base.fontName)
            self.style[key] = ParagraphStyle(key, parent=base, fontName=tt2ps(family, 1, italic))
        return self.style[key]

    # tags ---------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("b", "strong"):
            self._inline("<b>")
        elif tag in ("i", "em"):
            self._inline("<i>")
        elif tag == "br":
            self._inline("<br/>")
        elif tag in ("h1", "h2", "h3", "h4", "p", "li"):
            if self.cell is None:
                self._flush()
                self.block = "h3" if tag == "h4" else tag
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([tag, 0])
        elif tag == "hr":
            self._flush()
            self.story.append(HRFlowable(width="100%", thickness=0.5, color=colors.grey, spaceBefore=4,
                                         spaceAfter=4))
        elif tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None and self.table:
            self.cell = []
            self.table[-1].append([self.cell, tag == "th", a.get("width", "")])

    def handle_endtag(self, tag):
        if tag in ("b", "strong"):
            self._inline("</b>")
        elif tag in ("i", "em"):
            self._inline("</i>")
        elif tag in ("h1", "h2", "h3", "h4", "p", "li"):
            if self.cell is None:
                self._flush()
                self.block = None
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "table" and self.table is not None:
            self._table(self.table)
            self.table = None
            self.cell = None

    def _table(self, rows):
        rows = [r for r in rows if r]
        if not rows:
            return
        n = max(len(r) for r in rows)
        widths = []
        for i in range(n):
            w = rows[0][i][2] if i < len(rows[0]) else ""
            widths.append(float(w[:-1]) / 100 * self.width if re.fullmatch(r"\d+(\.\d+)?%", w or "") else None)
        free = [i for i, w in enumerate(widths) if w is None]
        rest = max(self.width - sum(w for w in widths if w), 0)
        for i in free:
            widths[i] = rest / len(free)
        cell, th = self.style["cell"], self.style["th"]
        data = [[self._cell("".join(c[0]).strip(), th if c[1] else cell, widths[i] - 2 * CELL_PAD)
                 for i, c in enumerate(r)] + [""] * (n - len(r)) for r in rows]
        bold = [("FONTNAME", (i, j), (i, j), th.fontName) for j, r in enumerate(rows) for i, c in enumerate(r)
                if c[1]]
        head = 1 if all(c[1] for c in rows[0]) else 0
        table = Table(data, colWidths=widths, repeatRows=head)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("FONTNAME", (0, 0), (-1, -1), cell.fontName), ("FONTSIZE", (0, 0), (-1, -1), cell.fontSize),
            ("LEADING", (0, 0), (-1, -1), cell.leading), *bold,
            *([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))] if head else []),
        ]))
        self.story.append(table)
        self.story.append(Spacer(1, 6))

    @staticmethod
    def _cell(markup: str, style: ParagraphStyle, width: float):
        """Plain text as the lines the table draws itself; anything with inline tags as a Paragraph."""
        if "<" not in markup:
            text = unescape(markup)
            lines = plain_lines(text, style.fontName, style.fontSize, width)
            if lines is not None:
                cell = Lines(text, style, lines)
                cell._at = width
                return cell
        return Paragraph(markup, style)

    def close(self):
        super().close()
        self._flush()


def html_to_pdf(html: str, *, title: str, author: str, footer: str, fonts: tuple[str, str]) -> bytes:
    """``html`` (the subset above) as a Letter PDF; ``footer`` and the page number on every page."""
    regular, bold = fonts
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=0.7 * inch,
                            bottomMargin=0.8 * inch, title=title, author=author, creator="NextGen account auditor",
                            invariant=1)
    builder = _Builder(styles(regular, bold), doc.width)
    builder.feed(html)
    builder.close()

    def page(canvas, _doc):
        canvas.saveState()
        canvas.setFont(regular, FOOTER_PT)
        canvas.drawCentredString(letter[0] / 2, 0.45 * inch, f"{footer} - page {canvas.getPageNumber()}")
        canvas.restoreState()

    doc.build(builder.story or [Spacer(1, 1)], onFirstPage=page, onLaterPages=page)
    return buf.getvalue()


_REGISTERED: dict[tuple[str, str], tuple[str, str]] = {}


def truetype(regular: str, bold: str) -> tuple[str, str]:
    """Register a TrueType pair once per process; the names to draw with."""
    key = (os.path.abspath(regular), os.path.abspath(bold))
    if key not in _REGISTERED:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        n = len(_REGISTERED)
        pdfmetrics.registerFont(TTFont(f"Body{n}", regular))
        pdfmetrics.registerFont(TTFont(f"Body{n}-Bold", bold))
        pdfmetrics.registerFontFamily(f"Body{n}", normal=f"Body{n}", bold=f"Body{n}-Bold",
                                      italic=f"Body{n}", boldItalic=f"Body{n}-Bold")
        _REGISTERED[key] = (f"Body{n}", f"Body{n}-Bold")
    return _REGISTERED[key]
