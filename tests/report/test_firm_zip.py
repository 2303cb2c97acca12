"""A firm workbook's zip, put together in memory (``report.firm_zip``), is the file Python's zipfile
writes from the same parts, byte for byte, and reads back whole."""

import io
import zipfile

from auditor.report.firm_writer import FirmWriter
from auditor.report.firms import all_firms
from auditor.report.prepare import prepare
from test_report import firm_result


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
            template.template.render(kept[-1], theirs)
            assert ours.getvalue() == theirs.getvalue(), key
            with zipfile.ZipFile(ours) as z:
                assert z.testzip() is None and "xl/worksheets/sheet1.xml" in z.namelist()
    assert len(firms) == 3 and template._shared   # the laid-out parts were reused
