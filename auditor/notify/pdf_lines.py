"""A paragraph of plain text in one font, laid out and drawn as ReportLab's ``Paragraph`` draws it.

Most of a notice's paragraphs are plain text (what to do, the headings): a ``Paragraph`` parses each
one as markup and wraps it two or three times while the page is laid out.  ``Lines`` breaks the text once
per width (``plain_lines``, the same breaks), has the same height (lines x leading),
draws the lines from the same first baseline (the top less the font size) and splits between pages as a
``Paragraph`` of the same style does (never leaving one line of several alone at the bottom of a page).
A word wider than the line is left to a real ``Paragraph``, which splits words.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

_WIDTHS: dict[tuple[str, float], dict[str, float]] = {}


def _width(word: str, font: str, size: float) -> float:
    known = _WIDTHS.setdefault((font, size), {})
    w = known.get(word)
    if w is None:
        w = known[word] = stringWidth(word, font, size)
    return w


def plain_lines(text: str, font: str, size: float, width: float) -> list[str] | None:
    """``text`` broken into lines no wider than ``width`` as ``Paragraph`` breaks them (at spaces), or
    None when one word alone is wider (the paragraph then splits the word itself)."""
    words = text.split()
    if not words:
        return [""]
    space = _width(" ", font, size)
    shrink = rl_config.spaceShrinkage * space      # a line may squeeze its spaces this much, as Paragraph's do
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in words:
        w = _width(word, font, size)
        if w > width:
            return None
        if line and used + space + w > width + shrink * len(line):
            lines.append(" ".join(line))
            line, used = [word], w
        else:
            used = used + space + w if line else w
            line.append(word)
    lines.append(" ".join(line))
    return lines


class Lines(Flowable):
    def __init__(self, text: str, style: ParagraphStyle, lines: list[str] | None = None):
        super().__init__()
        self.text, self.style = text, style
        self._lines = lines
        self._at: float | None = None        # the width the lines were broken for
        self._para: Paragraph | None = None  # a word too wide for a line: ReportLab's own paragraph

    def _break(self, avail: float) -> list[str] | None:
        width = avail - self.style.leftIndent - self.style.rightIndent
        if self._lines is None or self._at != width:
            self._lines, self._at = plain_lines(self.text, self.style.fontName, self.style.fontSize, width), width
        return self._lines

    def wrap(self, availWidth, availHeight):
        lines = self._break(availWidth)
        if lines is None:
            self._para = self._para or Paragraph(escape(self.text), self.style)
            self.width, self.height = self._para.wrap(availWidth, availHeight)
            return self.width, self.height
        self.width, self.height = availWidth, len(lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        lines = self._break(availWidth)
        if lines is None:
            self._para = self._para or Paragraph(escape(self.text), self.style)
            return self._para.split(availWidth, availHeight)
        fit = int((availHeight + 1e-8) / self.style.leading)
        if fit >= len(lines):
            return [self]
        if fit < 1 or (fit == 1 and not self.style.allowOrphans):
            return []
        first, rest = Lines(self.text, self.style, lines[:fit]), Lines(self.text, self.style, lines[fit:])
        first._at = rest._at = self._at
        return [first, rest]

    def draw(self):
        if self._para is not None:
            self._para.drawOn(self.canv, 0, 0)
            return
        s = self.style
        text = self.canv.beginText(s.leftIndent, self.height - s.fontSize)
        text.setFont(s.fontName, s.fontSize, s.leading)
        text.setFillColor(s.textColor)
        space = _width(" ", s.fontName, s.fontSize)
        for line in self._lines or []:
            words = line.split(" ")
            used = sum(_width(w, s.fontName, s.fontSize) for w in words) + space * (len(words) - 1)
            # a line a little wider than the column has its spaces squeezed to fit, as Paragraph's are
            text.setWordSpace((self._at - used) / (len(words) - 1) if used > (self._at or 0) > 0 and len(words) > 1
                              else 0)
            text.textLine(line)
        self.canv.drawText(text)
