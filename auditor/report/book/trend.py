"""The Trend sheet (``report.trend``), with a run history: the last runs' open findings by severity and
the readiness share, with charts from two runs on; a firm's workbook shows its own."""

from __future__ import annotations

from auditor.report.book.base import CourtBook, FirmLayout, FirmRows
from auditor.report.trend import scope_lines, scope_trend, trend_rows, write_trend_layout

name = "Trend"
court = True
firm = True


def write(wb, book: CourtBook) -> list:
    history = book.result.history
    if history is None:
        return []
    rows = scope_trend(history)
    letters = write_trend_layout(wb, book.result.as_of, len(rows), charts=len(rows) >= 2)
    return [trend_rows(rows, scope_lines(history, len(rows)), letters)]


def lay_out(wb, layout: FirmLayout, charts: bool) -> int | None:
    history = layout.writer.history
    if history is None:
        return None
    layout.state[name] = write_trend_layout(wb, history.as_of, history.trends.runs, charts=charts)
    return 2


def fill(layout: FirmLayout, f: FirmRows) -> list:
    history = layout.writer.history
    if history is None:
        return []
    rows, lines, f.charts = history.trends.of(f.key, f.label)
    return [trend_rows(rows, lines, layout.state[name])]
