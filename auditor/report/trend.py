"""The Trend sheet: the last 12 audits of the scope, open findings by severity and the readiness share,
with a chart of each.

The court's report shows the whole scope (:func:`scope_trend`).  Each firm's workbook shows that firm
alone (:class:`FirmTrends`): its open findings from the per-run counts by firm, and the share of its own
active e-filers who are ready from the per-run firm figures; nothing of any other firm.  Every workbook
of a run covers the same runs, so the sheet is laid out once (:func:`write_trend_layout`: widths, print
setup, charts over fixed rows) and filled with each workbook's rows (:func:`trend_rows`).

A firm the history holds no earlier figures for gets the sheet in plain words: this audit's row, and
that its trend starts here.  (A chart of one point, or of months before the firm was ever recorded,
would say nothing true.)  In a firm's table a blank cell means nothing was recorded for the firm in
that audit, and the Note column says why; a zero is a recorded zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.marker import Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from auditor.history.run_counts import TREND_RUNS
from auditor.model import SEVERITIES
from auditor.report.rows import CellRows, placeholder_date
from auditor.report.format import COUNT_FORMAT, DATE_FORMAT, PERCENT_FORMAT, SEVERITY_CHART_COLOURS, clean_value
from auditor.report.sheets import FONT_NAME, date_cell, header_row, print_setup, row_height, placeholder_styles, text_cell

HEADERS = ["Run date", *[f"Open {s}" for s in SEVERITIES], "Open findings", "Share ready", "Note"]
WIDTHS = [12, 12, 14, 12, 12, 15, 13, 50]
NOTE_ROWS = 3            # under the table: a blank row and at most two lines saying what the sheet shows
CHART_CM = (12.5, 14.0)  # widths of the two charts, side by side under the table (the table's width)

NOTHING = "nothing recorded for this firm in this audit"
NO_FILERS = "no active e-filers of this firm in this audit"
NOT_KEPT = "the firm's share ready was not recorded for this audit"
SCOPE_NOT_KEPT = "share ready not recorded for this audit"
SCOPE_NO_FILERS = "no active e-filers in this audit's inputs"


def _by_severity(counts: pd.DataFrame, index: list[str]) -> pd.DataFrame:
    """Open findings per ``index`` and severity (SEVERITIES columns)."""
    if counts.empty:
        empty = pd.MultiIndex.from_tuples([], names=index) if len(index) > 1 else pd.Index([], name=index[0])
        return pd.DataFrame(0, index=empty, columns=list(SEVERITIES), dtype="int64")
    # a groupby and unstack: pivot_table gives the same table for several times the fixed cost
    wide = counts.groupby([*index, "severity"])["open_findings"].sum().unstack("severity", fill_value=0)
    return wide.reindex(columns=list(SEVERITIES), fill_value=0).astype("int64")


def _dates(history) -> list:
    return list(pd.to_datetime(history.trend_runs["as_of"]).dt.date)


def scope_trend(history) -> list[list]:
    """The court's report: one row per run, oldest first (HEADERS order)."""
    runs = history.trend_runs
    wide = _by_severity(history.trend_counts, ["run_id"]).reindex(runs["run_id"].astype("int64"), fill_value=0)
    out = []
    for as_of, sev, active, ready in zip(_dates(history), wide.to_numpy(), runs["active_filers"], runs["ready_filers"]):
        active = None if pd.isna(active) else int(active)
        known = active is not None and not pd.isna(ready)   # a run whose figure was unknown kept no share
        share = ready / active if active and known else None
        note = SCOPE_NOT_KEPT if not known else (SCOPE_NO_FILERS if active == 0 else None)
        out.append([as_of, *map(int, sev), int(sev.sum()), share, note])
    return out


def scope_lines(history, runs: int) -> list[str]:
    if runs <= 1:
        return [f"This is the first audit of {history.scope_label} recorded in the run history: the trend starts here.",
                f"Each later audit recorded in the history adds a row (the last {TREND_RUNS} are shown)."]
    return [f"Open findings by severity, and the share of active e-filers who are ready, in the last {runs} audits",
            f"of {history.scope_label} recorded in the run history."]


class FirmTrends:
    """Every firm's trend, computed at once from the counts by firm and the firm figures of the runs."""

    def __init__(self, history):
        runs = history.trend_runs
        self.runs = len(runs)
        self.dates = _dates(history)
        ids = runs["run_id"].astype("int64").to_numpy()
        here = np.flatnonzero(ids == history.run_id)
        self.current = int(here[0]) if len(here) else None   # a backfilled month may fall outside the last 12
        counts = history.trend_counts
        counts = counts[counts["firm_key"].astype(str) != ""]
        firms = history.trend_firms.reindex(columns=["run_id", "firm_key", "active_filers", "ready_filers"])
        keys = sorted(set(counts["firm_key"].astype(str)) | set(firms["firm_key"].astype(str)))
        grid = pd.MultiIndex.from_product([keys, ids], names=["firm_key", "run_id"])
        sev = _by_severity(counts, ["firm_key", "run_id"]).reindex(grid)
        fig = firms.astype({"run_id": "int64"}).set_index(["firm_key", "run_id"]).reindex(grid)
        n = len(ids)
        pos = np.tile(np.arange(n), len(keys))
        counted = sev.notna().all(axis=1).to_numpy()
        figured = fig["active_filers"].notna().to_numpy()
        active = fig["active_filers"].fillna(0).to_numpy(dtype=np.int64)
        ready = fig["ready_filers"].fillna(0).to_numpy(dtype=np.int64)
        kept = np.isin(ids, firms["run_id"].astype("int64").to_numpy())[pos]   # the run stored firm figures
        now = pos == self.current
        shown = counted | figured | now
        values = sev.fillna(0).to_numpy(dtype=np.int64)
        note = np.where(~shown, NOTHING, np.where(
            figured & (active > 0), None, np.where(figured | kept | now, NO_FILERS, NOT_KEPT))).astype(object)
        share = np.where(figured & (active > 0), ready / np.maximum(active, 1), np.nan)
        # each firm's rows made when its workbook is (in a worker process): made here for every firm, they
        # were a third of the set-up the workers wait for
        self._grid = (pos, values, shown, share, note)
        earlier = (shown & ~now).reshape(len(keys), n).any(axis=1) if n else np.zeros(len(keys), bool)
        self.rows = {k: (i, bool(earlier[i])) for i, k in enumerate(keys)}

    def _rows(self, i: int) -> list[list]:
        n = self.runs
        pos, values, shown, share, note = (a[i * n:(i + 1) * n] for a in self._grid)
        return [[self.dates[p], *(map(int, v) if s else [None] * len(SEVERITIES)), int(v.sum()) if s else None,
                 None if np.isnan(sh) else float(sh), nt]
                for p, v, s, sh, nt in zip(pos, values, shown, share, note)]

    def of(self, key: str, firm: str) -> tuple[list[list], list[str], bool]:
        """The firm's rows, the lines under them, and whether the sheet has its charts (all the runs)."""
        at, earlier = self.rows.get(key, (None, False))
        rows = None if at is None else self._rows(at)
        if earlier and rows is not None:
            blank = any(r[1] is None for r in rows)
            return rows, [f"Open findings of {firm} by severity, and the share of the firm's active e-filers who are ready,",
                          f"in the last {self.runs} audits recorded in the run history."
                          + (" A blank row: nothing recorded for the firm in that audit." if blank else "")], \
                self.runs >= 2
        if self.current is None:
            now = []
        elif rows is not None:
            now = [rows[self.current]]
        else:   # in the inputs with no finding and no active e-filer
            now = [[self.dates[self.current], *[0] * len(SEVERITIES), 0, None, NO_FILERS]]
        return now, [f"The run history holds no earlier figures for {firm}: the trend starts with this audit.",
                     f"Each later audit recorded in the history adds a row (the last {TREND_RUNS} are shown)."], False


def _cell(ws, value, fmt: str | None = None, *, italic=False, wrap=False) -> Cell:
    c = WriteOnlyCell(ws, value=value)
    if fmt:
        c.number_format = fmt
    if italic:
        c.font = Font(name=FONT_NAME, italic=True, color="404040")
    c.alignment = Alignment(vertical="top", wrap_text=wrap)
    return c


def write_trend_layout(wb, as_of, runs: int, *, charts: bool) -> dict[str, str]:
    """Lay the Trend sheet out (charts over ``runs`` rows); return its style name -> placeholder column letter."""
    ws = wb.create_sheet("Trend")
    for i, w in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    print_setup(ws, as_of, fit_height=1)
    ws.append(header_row(ws, HEADERS, WIDTHS))
    letters = placeholder_styles(ws, {"date": date_cell(ws, placeholder_date(), DATE_FORMAT), "count": _cell(ws, 0, COUNT_FORMAT),
                                 "percent": _cell(ws, 0.5, PERCENT_FORMAT), "wrap": text_cell(ws, "x", wrap=True),
                                 "line": _cell(ws, "x", italic=True)})
    if charts:
        _charts(ws, runs)
    return letters


def _line_chart(title: str, width: float) -> LineChart:
    chart = LineChart()
    chart.title = title
    chart.x_axis.number_format = DATE_FORMAT
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if chart.legend is not None:
        chart.legend.position = "b"
    chart.width, chart.height = width, 8  # type: ignore[assignment]  # centimetres, a float (the stubs say int)
    return chart


def _charts(ws, runs: int) -> None:
    last = runs + 1
    top = last + NOTE_ROWS + 2
    dates = Reference(ws, min_col=1, min_row=2, max_row=last)
    counts = _line_chart("Open findings by severity", CHART_CM[0])
    counts.y_axis.title = "Open findings"
    counts.y_axis.scaling.min = 0
    counts.add_data(Reference(ws, min_col=2, max_col=1 + len(SEVERITIES), min_row=1, max_row=last),
                    titles_from_data=True)
    counts.set_categories(dates)
    for series, sev in zip(counts.series, SEVERITIES):
        _style(series, SEVERITY_CHART_COLOURS[sev])
    ws.add_chart(counts, f"A{top}")
    share = _line_chart("Share of active e-filers ready", CHART_CM[1])
    share.add_data(Reference(ws, min_col=HEADERS.index("Share ready") + 1, min_row=1, max_row=last),
                   titles_from_data=True)
    share.set_categories(dates)
    share.y_axis.number_format = "0%"
    share.y_axis.scaling.min = 0
    share.y_axis.scaling.max = 1
    _style(share.series[0], "1F4E78")
    ws.add_chart(share, f"{get_column_letter(HEADERS.index('Open findings') + 1)}{top}")


def _style(series, colour: str) -> None:
    series.smooth = False
    series.graphicalProperties.line.solidFill = colour
    series.graphicalProperties.line.width = 28575   # 2.25 pt
    series.marker = Marker(symbol="circle", size=6)
    series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
    series.marker.graphicalProperties.line.solidFill = colour


_WRAPPED = [None] * (len(HEADERS) - 1) + [WIDTHS[-1]]


def trend_rows(rows: list[list], lines: list[str], letters: dict[str, str]) -> CellRows:
    """The table's rows (HEADERS order; None is a blank cell) and the lines under it, for ``rows.finish``."""
    assert len(lines) < NOTE_ROWS
    out: list = []
    heights = {}
    for i, r in enumerate(rows):
        note = clean_value(r[-1]) if r[-1] else None
        if (h := row_height([*r[:-1], note], _WRAPPED)):
            heights[i] = h
        out.append([(r[0], "date"), *[None if v is None else (v, "count") for v in r[1:len(SEVERITIES) + 2]],
                    None if r[-2] is None else (r[-2], "percent"), None if note is None else (note, "wrap")])
    out.append(None)
    out += [[(clean_value(line), "line")] for line in lines]
    return CellRows("Trend", out, letters, first_row=2, heights=heights)
