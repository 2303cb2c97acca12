"""A firm workbook's zip, put together in memory (``report.firm_zip``) with its rows taken from XML built
once for the run (``report.firm_rows``), is the file Python's zipfile writes from the same parts and
the firm's rows built on their own, byte for byte, and reads back whole."""

import io
import zipfile
from dataclasses import replace

import pyarrow as pa

from auditor.report.firm_rows import BankedRows
from auditor.report.firm_writer import FirmWriter
from auditor.report.firms import all_firms
from auditor.report.prepare import prepare
from test_report import firm_result


def built_alone(p):
    """A sheet's rows as a firm's own values (as they were built before the run's rows were banked)."""
    if not isinstance(p, BankedRows):
        return p
    whole = p.bank.whole
    return replace(whole, rows=p.rows, columns=[replace(c, values=c.values.take(pa.array(p.take))) for c in whole.columns])


def test_firm_workbooks_are_the_zip_files_zipfile_writes():
    result = firm_result()
    prep = prepare(result)
    writer = FirmWriter(result, prep)
    firms = all_firms(result, prep)
    template = writer.templates[False]
    kept = []
    template_render = template.render
    template.render = lambda pending, path: (kept.append(pending), template_render(pending, path))[1]
    for key, name in firms.items():
        for _ in range(2):   # the second time from the parts compressed once
            ours = io.BytesIO()
            writer.write(key, name, ours, atomic=False)
            theirs = io.BytesIO()
            template.template.render([built_alone(p) for p in kept[-1]], theirs)
            assert ours.getvalue() == theirs.getvalue(), key
            with zipfile.ZipFile(ours) as z:
                assert z.testzip() is None and "xl/worksheets/sheet1.xml" in z.namelist()
    assert len(firms) == 3 and template._shared   # the laid-out parts were reused
    assert sum(isinstance(p, BankedRows) for pending in kept for p in pending) >= 4   # rows taken from the bank
