"""Arrow text read in place: the bytes of a text array's cells and where each cell starts and ends in
them, as numpy views of the array's own buffers (no copy), for the vectorised looks at first bytes, last
bytes or any byte that several stages make before deciding whether a whole-column step is needed."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_OFFSET_TYPES = {pa.large_string(): np.int64, pa.string(): np.int32}


def layout(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(the text bytes, where each cell starts and ends in them) of a string or large_string array;
    None for any other type or an empty array.  A null cell starts where it ends."""
    width = _OFFSET_TYPES.get(chunk.type)
    if width is None or len(chunk) == 0:
        return None
    _, offsets_buf, data_buf = chunk.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=width, count=len(chunk) + 1, offset=np.dtype(width).itemsize * chunk.offset)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, dtype=np.uint8)
    return data, offsets[:-1], offsets[1:]


def first_bytes(data: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each cell's first byte, from ``layout`` (``data`` holding a byte at least).  An empty or null
    cell's is a neighbour's, to be set aside with ``ends > starts``: indexing every cell by position is
    several times cheaper than picking the non-empty cells first."""
    if len(starts) and starts[-1] < len(data):   # the starts only grow: every one is within the bytes
        return data[starts]
    return data[np.minimum(starts, len(data) - 1)]


def last_bytes(data: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each cell's last byte, from ``layout``, as ``first_bytes`` gives the first."""
    if len(ends) and ends[0] > 0:   # the ends only grow: every one is past a byte
        return data[ends - 1]
    return data[np.maximum(ends - 1, 0)]


def joined(chunk: pa.Array) -> memoryview:
    """The cells' text end to end, as a view of the array's own buffer (no copy): a sheet's rows of XML
    made in Arrow, handed to the writer whole."""
    found = layout(chunk)
    if found is None:
        return memoryview(b"")
    data, starts, ends = found
    return data[starts[0]:ends[-1]].data
