"""How tall a row of wrapped text is: the lines each text takes in a column of a given width, measured
as LibreOffice prints Calibri's metric twin (used to set row heights, so that text never runs into the
row below on paper)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text

LINE_POINTS = 14.5                # height of one line of 11-point text
MAX_ROW_POINTS = 409.0            # Excel's tallest row


def chars_per_line(width: float) -> float:
    """About how many characters of ordinary text fit on one line of a column this wide, once wrapped
    at word breaks (a line loses half a word or so).  Measured on LibreOffice's printout in Carlito,
    Calibri's metric twin: a 50-wide column holds about 56 characters a line, a 22-wide one about 20;
    an estimate too high makes text run into the row below."""
    return max(1.0, (width - 1.0) * 1.27 - 6.0)


def paragraph_lines(texts: pa.Array, per_line: float | np.ndarray) -> np.ndarray:
    """Lines each text takes, its paragraphs (split at line breaks) each starting a new line
    (``per_line``: one figure for all, or one per text)."""
    paragraphs = pc.split_pattern(texts, "\n")
    each = pc.cast(pc.utf8_length(pc.list_flatten(paragraphs)), pa.float64()).to_numpy(zero_copy_only=False)
    owner = pc.list_parent_indices(paragraphs).to_numpy(zero_copy_only=False)
    divisor = per_line if np.ndim(per_line) == 0 else np.asarray(per_line)[owner]
    return np.maximum(np.bincount(owner, weights=np.maximum(np.ceil(each / divisor), 1.0),
                                  minlength=len(texts)), 1.0)


_paragraph_lines = paragraph_lines


def lines_of(values: pa.Array, per_line: float) -> np.ndarray:
    """Lines each text takes wrapped at ``per_line`` characters (1 for a missing text).  A column of few
    distinct texts (a rule's steps) has each measured once; in another only the texts holding a line
    break are split into paragraphs."""
    head = pc.dictionary_encode(values[:1000])
    if len(values) and len(head.dictionary) * 2 <= len(head):
        coded = pc.dictionary_encode(values)
        if isinstance(coded, pa.ChunkedArray):
            coded = coded.combine_chunks()
        if len(coded.dictionary) * 2 <= len(values):
            lines = _paragraph_lines(coded.dictionary, per_line)
            index = pc.fill_null(coded.indices, 0).to_numpy(zero_copy_only=False)
            missing = coded.indices.is_null().to_numpy(zero_copy_only=False)
            return np.where(missing, 1.0, lines[index]) if len(lines) else np.ones(len(values))
    size, breaks = _ascii_sizes(values)
    if size is None:
        size = pc.fill_null(pc.utf8_length(values), 0).to_numpy(zero_copy_only=False)
    lines = np.maximum(np.ceil(size / per_line), 1.0)
    if not breaks:
        return lines
    broken = np.flatnonzero(pc.fill_null(pc.count_substring(values, "\n"), 0).to_numpy(zero_copy_only=False))
    if len(broken):
        lines[broken] = _paragraph_lines(values.take(pa.array(broken)), per_line)
    return lines


def _ascii_sizes(values: pa.Array) -> tuple[np.ndarray | None, bool]:
    """(each text's length, when every byte is ASCII (one character each; a missing text 0), else None;
    whether any text may hold a line break), read off the array's bytes in two numpy passes instead of
    counting characters and line breaks text by text."""
    found = arrow_text.layout(values) if isinstance(values, pa.Array) else None
    if found is None or not len(found[0]):
        return None, True
    data, starts, ends = found
    raw = data[starts[0]:ends[-1]]
    if not len(raw) or int(raw.max()) >= 0x80:
        return None, True
    return (ends - starts), bool((raw == 0x0A).any())
