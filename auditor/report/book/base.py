"""What every report sheet offers (:class:`Sheet`), and what it is given to write: the court's report
(:class:`CourtBook`) or one firm's workbook (a layout laid out once by :class:`FirmLayout`, then
:class:`FirmRows` for each firm)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from auditor.model import AuditResult, InputTable
    from auditor.report.firm_writer import FirmWriter
    from auditor.report.prepare import Prepared


@dataclass
class CourtBook:
    """The court's report: the whole run."""

    result: AuditResult
    prep: Prepared
    max_rows: int
    firms_sheet: list | None      # rows of the Firms sheet, or None: no Firms sheet
    counts: dict                  # findings by rule id


@dataclass
class FirmRows:
    """One firm's workbook: its rows of the run."""

    key: str                      # the firm's normalised name
    label: str                    # its name as shown
    frows: np.ndarray             # its rows of the findings
    irows: np.ndarray             # and of the data issues
    findings: pd.DataFrame        # its findings' firm_name, person_name and evidence (outsiders redacted);
    redacted: bool                # whether any were; every other value: the layout's, taken by frows
    issues: pd.DataFrame          # its data issues' firm_name (the rest: taken by irows)
    inputs: list[InputTable]      # the input files holding its rows
    readiness: Any
    counts: dict                  # its findings by rule id
    charts: bool = False          # set by the Trend sheet: whether its trend has charts


@dataclass
class FirmLayout:
    """What the sheets of a run's firm workbooks keep from laying out the template (by sheet name)."""

    writer: FirmWriter
    state: dict = field(default_factory=dict)


class Sheet(Protocol):
    """A sheet of the report.  ``court``/``firm``: whether the court's report / each firm's workbook has it
    (it may still leave itself out, writing nothing: the Trend sheet without a history)."""

    name: str
    court: bool
    firm: bool

    def write(self, wb, book: CourtBook) -> list:
        """Add the sheet (or sheets, or none) to the court's report ``wb``; return the rows ``rows.finish``
        puts in place."""
        ...

    def lay_out(self, wb, layout: FirmLayout, charts: bool) -> int | None:
        """Add the sheet to the firm template ``wb``; return its placeholder row, or None: no such sheet."""
        ...

    def fill(self, layout: FirmLayout, firm: FirmRows) -> list:
        """The firm's rows of the sheet, to render into the template."""
        ...
