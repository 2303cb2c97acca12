"""Trim every cell, empty -> <NA>, text in Unicode NFC form, column by column.

Most columns need none of it: a cell needs trimming only when its first or last byte may be white
space, and NFC only when it holds a character that NFC may change (none up to U+02FF).  Those bytes are
looked at with numpy over the column's own buffers; a column is trimmed or normalised (a new copy of
its text) only when some cell would change, so an export without stray spaces is handed on as read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor.columns import STRING

ASCII_SPACE = " \t\n\v\f\r\x1c\x1d\x1e\x1f"  # the ASCII characters Unicode calls white space

# Text whose bytes are all at most 0xCB holds only characters up to U+02FF (Latin letters with their
# accents already on them, IPA, spacing modifiers): each is in NFC and none composes with another
# (tests/load/test_clean.py asks Python's Unicode tables), so such text is already in NFC.  Above it
# (combining accents from U+0300, other scripts) the cells are looked at one by one.
NFC_SURE_BYTE = 0xCB


def _edge(b: np.ndarray) -> np.ndarray:
    """Whether each of the bytes ``b`` (first or last bytes of cells) is one after which a cell may
    change when trimmed: every ASCII control character and the space, and any byte of a character
    outside ASCII (some of them are Unicode white space).  One subtraction, no table look-up: the bytes
    from 0x21 to 0x7F become 0 to 0x5E, and every other byte wraps around to more."""
    return (b - np.uint8(0x21)) > np.uint8(0x5E)


def clean(grid: pd.DataFrame, ascii_only: bool = False) -> pd.DataFrame:
    """Every cell of ``grid`` trimmed, empty -> <NA>, in NFC form.  ``ascii_only``: the file is ASCII
    throughout; it trims the same characters as any other file (Unicode counts the information
    separators 0x1C-0x1F as white space, ASCII trimming does not, hence the explicit list)."""
    out = {}
    for col, s in grid.items():
        if not isinstance(s.dtype, pd.StringDtype) or s.dtype.storage != "pyarrow":
            s = s.astype(STRING)
        arr = arrow(s)
        out[col] = pd.arrays.ArrowStringArray(pa.chunked_array([_clean_chunk(c, ascii_only) for c in arr.chunks],
                                                               arr.type))
    return pd.DataFrame(out, index=grid.index)


def arrow(s: pd.Series) -> pa.ChunkedArray:
    arr = pa.array(s.array)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _trim(chunk: pa.Array, ascii_only: bool) -> pa.Array:
    return pc.ascii_trim(chunk, ASCII_SPACE) if ascii_only else pc.utf8_trim_whitespace(chunk)


def _clean_chunk(chunk: pa.Array, ascii_only: bool) -> pa.Array:
    layout = arrow_text.layout(chunk)
    if layout is None:   # not the usual layout of Arrow text: every step done whole, as it always may be
        chunk = _trim(chunk, ascii_only)
        if not ascii_only and not pc.all(pc.string_is_ascii(chunk)).as_py():
            chunk = pc.utf8_normalize(chunk, "NFC")
        return _empty_to_null(chunk)
    data, starts, ends = layout
    cells = data[starts[0]:ends[-1]]
    if len(cells) == 0:   # every cell empty
        return _empty_to_null(chunk)
    top = int(cells.max())
    # a byte after which a cell may change when trimmed (``_edge``) lies outside 0x21-0x7F: when no byte of
    # the column does, two passes over its bytes say so without picking out every cell's first and last
    if top > 0x7F or int(cells.min()) < 0x21:
        edge = _edge(arrow_text.first_bytes(data, starts)) | _edge(arrow_text.last_bytes(data, ends))
        edge &= ends > starts
        if _changed_by(chunk, edge, lambda a: _trim(a, ascii_only)):
            chunk = _trim(chunk, ascii_only)
    if not ascii_only and top > NFC_SURE_BYTE:
        wide = ~pc.fill_null(pc.string_is_ascii(chunk), True).to_numpy(zero_copy_only=False)
        if _changed_by(chunk, wide, lambda a: pc.utf8_normalize(a, "NFC")):
            chunk = pc.utf8_normalize(chunk, "NFC")
    return _empty_to_null(chunk)


def _changed_by(chunk: pa.Array, maybe: np.ndarray, fn) -> bool:
    """Whether ``fn`` changes any of the cells of ``chunk`` that ``maybe`` marks (only those are
    worked on)."""
    if not maybe.any():
        return False
    some = chunk.take(pa.array(np.flatnonzero(maybe)))
    return not pc.all(pc.fill_null(pc.equal(fn(some), some), True)).as_py()


def _empty_to_null(chunk: pa.Array) -> pa.Array:
    """Empty text -> null.  The text stays where it is; only the validity bitmap is new."""
    found = arrow_text.layout(chunk) if not (chunk.offset or chunk.null_count) else None
    if found is not None:   # the empty cells read from the offsets with numpy, the bitmap packed from them
        _, starts, ends = found
        empty = ends == starts
        if not empty.any():
            return chunk
        valid = pa.py_buffer(np.packbits(~empty, bitorder="little"))
        return pa.Array.from_buffers(chunk.type, len(chunk), [valid, *chunk.buffers()[1:]])
    empty = pc.equal(pc.binary_length(chunk), 0)
    if not pc.any(empty).as_py():
        return chunk
    if chunk.offset or chunk.null_count:
        return pc.if_else(empty, pa.scalar(None, chunk.type), chunk)
    valid = pc.invert(empty)
    if valid.offset:
        return pc.if_else(empty, pa.scalar(None, chunk.type), chunk)
    return pa.Array.from_buffers(chunk.type, len(chunk), [valid.buffers()[1], *chunk.buffers()[1:]])
