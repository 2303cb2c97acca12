"""The rows of a firm's Findings, Changes and Data issues sheets, gathered from XML built once for the run.

A firm's sheet of a few rows cost about a millisecond to build however few its rows (each of a dozen
Arrow kernels costs some microseconds a call: ``report.cells``).  Every row's cells are the same in
any firm's workbook but for the row's number, so :class:`RowBank` builds the cells of every row of
the run once (with the same functions, so each cell is the same), with the row number left out, and
a firm's rows are laid out by one ``take``: for each row, its start and number, its height, then
each cell's reference, number and the rest of the cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from auditor import arrow_text
from auditor.report.cells import STR, column_tails, lines_together
from auditor.report.heights import LINE_POINTS, MAX_ROW_POINTS
from auditor.report.rows import Pending

_ROW, _HEIGHT, _CUSTOM, _END, _EMPTY = range(5)   # positions of the fixed texts in a bank


class RowBank:
    """Every row of a sheet of the run (``whole``: its rows for the whole run) as XML pieces, built once
    for each set of style ids (a template's placeholder row)."""

    def __init__(self, whole: Pending):
        self.whole = whole
        self._built: dict[tuple, tuple[pa.Array, np.ndarray, int]] = {}

    def build(self, styles: dict[str, str]) -> tuple[pa.Array, np.ndarray, int]:
        """(texts, positions of each row's cell tails (rows x columns; -1: no cell), where the row numbers
        start among the texts)."""
        key = tuple(sorted(styles.items()))
        if key not in self._built:
            self._built[key] = self._build(styles)
        return self._built[key]

    def _build(self, styles: dict[str, str]) -> tuple[pa.Array, np.ndarray, int]:
        p = self.whole
        n, columns = p.rows, p.columns
        values = [c.values[:n] for c in columns]
        ordered = column_tails(columns, values, n, styles)   # as report.cells.cells_together makes them
        lines = lines_together(columns, values, n)
        heights = pc.cast(pa.array(np.round(np.minimum(lines * LINE_POINTS + 1.5, MAX_ROW_POINTS), 1)), STR)
        fixed = pa.array(['<row r="', '" ht="', '" customHeight="1">', "</row>", ""]
                         + [f'<c r="{c.letter}' for c in columns], STR)
        cells = pa.concat_arrays(ordered) if ordered else pa.array([], STR)   # column after column
        base = len(fixed) + n
        tail_at = (base + np.arange(len(columns) * n, dtype=np.int64)).reshape(len(columns), n).T
        tail_at = np.where(cells.is_null().to_numpy(zero_copy_only=False).reshape(len(columns), n).T, -1, tail_at)
        numbers = pc.cast(pa.array(np.arange(n + p.first_row + 1, dtype=np.int64)), STR)
        texts = pa.concat_arrays([fixed, heights.cast(STR), pc.fill_null(cells, ""), numbers])
        return texts, np.ascontiguousarray(tail_at), base + len(columns) * n

    def xml(self, take: np.ndarray, first_row: int, styles: dict[str, str]) -> memoryview:
        """The XML of the run's rows ``take``, numbered from ``first_row``: the bytes ``cells.few_rows``
        makes of the same rows."""
        texts, tail_at, number_at = self.build(styles)
        m, k = len(take), tail_at.shape[1]
        nums = number_at + first_row + np.arange(m, dtype=np.int64)
        order = np.empty((m, 5 + 3 * k), dtype=np.int64)
        order[:, 0] = _ROW
        order[:, 1] = nums
        order[:, 2] = _HEIGHT
        order[:, 3] = 5 + tail_at.shape[1] + np.asarray(take, dtype=np.int64)   # the row's height
        order[:, 4] = _CUSTOM
        tails = tail_at[take]
        present = tails >= 0
        order[:, 5:5 + 3 * k:3] = np.where(present, 5 + np.arange(k), _EMPTY)
        order[:, 6:6 + 3 * k:3] = np.where(present, nums[:, None], _EMPTY)
        order[:, 7:7 + 3 * k:3] = np.where(present, tails, _EMPTY)
        order = np.concatenate([order, np.full((m, 1), _END, dtype=np.int64)], axis=1).ravel()
        out = texts.take(pa.array(order))
        return arrow_text.joined(out)


@dataclass
class BankedRows(Pending):
    """A firm's rows of a sheet, taken from the run's :class:`RowBank` (``take``: their rows of the run)."""

    bank: RowBank | None = None
    take: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.intp))

    def xml(self, styles: dict[str, str]) -> memoryview:
        assert self.bank is not None
        return self.bank.xml(self.take, self.first_row, styles)


BANKED = ("Findings", "Data issues", "Changes")   # the sheets whose rows a firm takes from the run's


def bank_of(state: dict, name: str) -> RowBank:
    """The run's :class:`RowBank` of sheet ``name`` (``state[name]``: the laid-out sheet and every column's
    values for the whole run, in the sheet's order), made on first use."""
    bank = state.get(name + " bank")
    if bank is None:
        sheet, every = state[name]
        n = len(next(iter(every.values()))) if every else 0
        whole = replace(sheet, rows=n, columns=[replace(c, values=v) for c, v in zip(sheet.columns, every.values())])
        bank = state[name + " bank"] = RowBank(whole)
    return bank


def banked(state: dict, name: str, rows) -> BankedRows:
    """A firm's ``rows`` (its rows of the run) of sheet ``name``, laid out from the run's bank."""
    sheet, _ = state[name]
    return BankedRows(sheet.sheet, len(rows), sheet.columns, sheet.table, sheet.empty_text, sheet.first_row,
                      bank=bank_of(state, name), take=np.asarray(rows, dtype=np.int64))
