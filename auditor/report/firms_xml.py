"""The Firms sheet's rows as sheet XML, built column by column in Arrow: a run names thousands of firms,
and a Python call per cell (``rows.CellRows``) cost more than the rest of the sheet.  The XML is the same,
byte for byte, as ``rows`` builds for the same cells: a text cell inline, marked to keep its white space,
cleaned (``format.clean_strings``) and escaped, with Excel's quote prefix where it would read as a formula;
a count or a share a number cell; "unknown" a text cell; no share (no active filer) no cell."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor.report.cells import join
from auditor.report.rows import text_values
from auditor.report.sheet_xml import escape, formula_like, sattr

if TYPE_CHECKING:
    from auditor.report.firms import FirmRow

_STR = pa.large_string()
UNKNOWN = "unknown"


class FirmCells:
    """The Firms sheet's cells, to be laid out as XML once the placeholder row's style ids are known."""

    def __init__(self, rows: list[FirmRow], with_files: bool, answers: dict[str, str] | None, styles: dict):
        self.styles = styles      # style name -> placeholder column letter (text, text~q, count, percent)
        self.rows = len(rows)
        figures = [r.figures for r in rows]
        numbers = np.array([[*r.severities, r.findings, r.data_issues] for r in rows], dtype=np.int64).reshape(-1, 6)
        self.columns: list[tuple[str, object]] = [("text", [r.firm for r in rows])]
        self.columns += [("count", numbers[:, k]) for k in range(6)]
        self.columns += [("count", [f[0] for f in figures]), ("count", [f[1] for f in figures]),
                         ("percent", [f[2] for f in figures])]
        if with_files:
            self.columns += [("text", [r.file or None for r in rows]), ("text", [r.status for r in rows])]
        if answers is not None:
            self.columns.append(("text", [answers.get(r.key, "no findings last month") for r in rows]))

    def xml(self, ids: dict[str, str]) -> bytes:
        """The rows' XML (``ids``: placeholder column letter -> style id)."""
        if not self.rows:
            return b""
        rownum = pc.cast(pa.array(np.arange(2, self.rows + 2, dtype=np.int64)), _STR)
        cells = [self._column(chr(65 + j), style, values, rownum, ids) for j, (style, values) in enumerate(self.columns)]
        parts = [pa.scalar('<row r="', _STR), rownum, pa.scalar('">', _STR), *cells, pa.scalar("</row>", _STR)]
        rows = pc.binary_join_element_wise(*parts, pa.scalar("", _STR), null_handling="replace")   # no cell where null
        return bytes(arrow_text.joined(rows))

    def _attr(self, style: str, ids: dict[str, str]) -> str:
        return sattr(ids.get(self.styles.get(style)))   # type: ignore[arg-type]

    def _column(self, letter: str, style: str, values, rownum: pa.Array, ids: dict[str, str]) -> pa.Array:
        """Each row's cell of the column (null: no cell)."""
        if style == "text":
            return _text_cells(letter, text_values(pd.Series(values, dtype=object)), rownum,
                               self._attr("text", ids), self._attr("text~q", ids))
        if isinstance(values, np.ndarray):
            numbers = pc.cast(pa.array(values), _STR)
            return _number_cells(letter, numbers, rownum, self._attr(style, ids))
        # a figure, "unknown" (a text cell) or None (no cell); a share as Python writes it to 15 digits
        unknown = [v == UNKNOWN for v in values]
        shown = [None if v is None or u else (f"{v:.15g}" if isinstance(v, float) else repr(v))
                 for v, u in zip(values, unknown)]
        known = _number_cells(letter, pa.array(shown, _STR), rownum, self._attr(style, ids))
        said = _text_cells(letter, pa.array([UNKNOWN if u else None for u in unknown], _STR), rownum,
                           self._attr("text", ids), self._attr("text~q", ids))
        return pc.coalesce(known, said)


def _number_cells(letter: str, numbers: pa.Array, rownum: pa.Array, attr: str) -> pa.Array:
    return join(f'<c r="{letter}', rownum, f'"{attr} t="n"><v>', numbers, "</v></c>")


def _text_cells(letter: str, texts: pa.Array, rownum: pa.Array, attr: str, quoted: str) -> pa.Array:
    style = pc.if_else(pa.array(formula_like(texts)), pa.scalar(quoted or attr, _STR), pa.scalar(attr, _STR))
    return join(f'<c r="{letter}', rownum, '"', style, ' t="inlineStr"><is><t xml:space="preserve">', escape(texts),
                "</t></is></c>")
