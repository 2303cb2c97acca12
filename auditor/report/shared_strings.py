"""Texts that recur down a big sheet's column, written once: the workbook's shared strings.

A rule's title and its steps, a severity, a status, a firm's name: on a sheet of 100,000 findings a
few hundred distinct texts fill most of the cells (a rule's steps alone are half the Findings sheet's
text).  Such a column's texts go once into ``xl/sharedStrings.xml`` and each cell names its text by
number (``<c r="E2" s="40" t="s"><v>7</v></c>``), as Excel itself saves a workbook; a column of mostly
distinct texts (evidence, ids) keeps its text in the cell.  The cells read back the same either way:
the same text, style and quote prefix, white space at either end kept (marked as in a cell), an empty
text an empty string cell, a missing value no cell.

Only the court's report has them (``rows.finish``), and only when one of its big sheets has such a
column: a small sheet's cells are built without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from auditor.report.cells import FEW_ROWS
from auditor.report.sheet_xml import escape

if TYPE_CHECKING:
    from auditor.report.rows import CellColumn

PART = "xl/sharedStrings.xml"
RELS = "xl/_rels/workbook.xml.rels"
TYPES = "[Content_Types].xml"
_NS = "http://schemas.openxmlformats.org"
_RELATIONSHIP = (f'<Relationship Type="{_NS}/officeDocument/2006/relationships/sharedStrings" '
                 'Target="sharedStrings.xml" Id="rIdShared" />')
_OVERRIDE = ('<Override PartName="/xl/sharedStrings.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />')
_STR = pa.large_string()


@dataclass
class Shared:
    """One column's texts: ``texts`` its distinct values, ``codes`` each row's among them (null where
    missing), ``numbers`` each text's number among the shared strings (as text, "" for an empty text,
    which stays an empty string cell), ``empty`` whether each text is empty."""

    texts: pa.Array
    codes: pa.Array
    numbers: pa.Array
    empty: np.ndarray


class SharedStrings:
    """The shared strings of a workbook's big sheets (``pending``: the rows ``rows.finish`` puts in place)."""

    def __init__(self, pending: list):
        coded = {}
        self.distinct: set[tuple[str, str]] = set()   # text columns of mostly distinct texts: kept in the cells
        for p in pending:
            columns = getattr(p, "columns", None)
            if columns is None or p.rows <= FEW_ROWS:   # a small sheet is built cell by cell (report.cells)
                continue
            for c in columns:
                if c.kind in ("text", "severity"):
                    found = _few_texts(c)
                    if found is not None:
                        coded[(p.sheet, c.letter)] = found
                    else:
                        self.distinct.add((p.sheet, c.letter))
        dictionaries = [d.dictionary for d in coded.values()]
        # every column's texts numbered at once, in the order they first come (one hashing of them all)
        every = pc.dictionary_encode(pa.concat_arrays(dictionaries)) if dictionaries else None
        self.texts = every.dictionary if every is not None else pa.array([], _STR)
        self.columns: dict[tuple[str, str], Shared] = {}
        start = 0
        for key, d in coded.items():
            empty = pc.equal(pc.binary_length(d.dictionary), 0).to_numpy(zero_copy_only=False)
            number = pc.cast(every.indices.slice(start, len(d.dictionary)), _STR)   # type: ignore[union-attr]
            start += len(d.dictionary)
            number = pc.if_else(pa.array(empty), pa.scalar("", _STR), number)
            self.columns[key] = Shared(d.dictionary, d.indices, number, empty)

    def __bool__(self) -> bool:
        return bool(self.columns)

    def column(self, sheet: str, letter: str) -> Shared | None:
        return self.columns.get((sheet, letter))

    def xml(self) -> bytes:
        """``xl/sharedStrings.xml``: each text escaped, marked to keep white space at either end as a cell's is."""
        texts = self.texts
        padded = pc.not_equal(pc.binary_length(pc.utf8_trim_whitespace(texts)), pc.binary_length(texts))
        opening = pc.if_else(padded, pa.scalar('<si><t xml:space="preserve">', _STR), pa.scalar("<si><t>", _STR))
        items = pc.binary_join_element_wise(opening, escape(texts), pa.scalar("</t></si>", _STR), pa.scalar("", _STR))
        head = f'<sst xmlns="{_NS}/spreadsheetml/2006/main" uniqueCount="{len(texts)}">'
        return (head + "".join(items.to_pylist()) + "</sst>").encode("utf-8")

    @staticmethod
    def relationships(data: bytes) -> bytes:
        """``xl/_rels/workbook.xml.rels`` naming the shared strings."""
        return data.replace(b"</Relationships>", _RELATIONSHIP.encode() + b"</Relationships>", 1)

    @staticmethod
    def content_types(data: bytes) -> bytes:
        """``[Content_Types].xml`` with the shared strings' type."""
        return data.replace(b"</Types>", _OVERRIDE.encode() + b"</Types>", 1)


def _few_texts(c: CellColumn) -> pa.DictionaryArray | None:
    """The column dictionary-encoded, when its distinct texts are at most half its values."""
    values = c.values.combine_chunks() if isinstance(c.values, pa.ChunkedArray) else c.values
    coded = pc.dictionary_encode(values.cast(_STR))
    if isinstance(coded, pa.ChunkedArray):
        coded = coded.combine_chunks()
    return coded if 0 < len(coded.dictionary) * 2 <= len(values) else None
