"""The Summary's chart: findings by who acts and severity, a stacked bar per who-acts.

It draws the owner table of the Summary (its header row and one row per who-acts) and sits beside the
cover, outside the printed area: on paper the table itself says the same.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference

from auditor.model import SEVERITIES
from auditor.report.format import SEVERITY_CHART_COLOURS


def owner_chart(ws, head: int, owners: int, anchor: str) -> None:
    """Add the chart of the owner table whose header is row ``head`` (who acts in column A, the
    severities from column B) at the cell ``anchor``."""
    last = head + owners
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Findings by who acts and severity"
    chart.x_axis.title = None
    chart.y_axis.title = "Findings"
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(SEVERITIES), min_row=head, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
    for series, sev in zip(chart.series, SEVERITIES):
        colour = SEVERITY_CHART_COLOURS[sev]
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.width, chart.height = 16, 8
    ws.add_chart(chart, anchor)
