"""The upload page records each audit into the run history when ``auditor serve --history`` names one,
as the command line does (both through ``auditor.api.run``)."""

from __future__ import annotations

import io

import httpx
import openpyxl

from auditor.history import open_store
from auditor.history.query import list_runs
from tests.web.conftest import download_path, post, roster_file


def test_each_upload_is_compared_with_and_recorded_into_the_history(serve, tmp_path):
    store = tmp_path / "history.sqlite"
    server = serve(history=str(store))
    path = roster_file(tmp_path, "Acme", 6)
    sheets = []
    for as_of in ("2026-10-31", "2026-11-30"):
        r = post(server, [path], mapping="auto", as_of=as_of)
        assert r.status_code == 200, r.text
        got = httpx.get(server.url + download_path(r.text))
        sheets.append(openpyxl.load_workbook(io.BytesIO(got.content), read_only=True).sheetnames)
    opened = open_store(store, create=False, write=False)
    try:
        runs = list_runs(opened)
    finally:
        opened.close()
    assert [str(d) for d in runs.column("as_of")] == ["2026-10-31", "2026-11-30"]
    assert all({"Changes", "Trend"} <= set(names) for names in sheets)


def test_without_a_history_nothing_is_recorded(serve, tmp_path):
    server = serve()
    r = post(server, [roster_file(tmp_path, "Acme", 3)], mapping="auto", as_of="2026-11-30")
    assert r.status_code == 200
    got = httpx.get(server.url + download_path(r.text))
    names = openpyxl.load_workbook(io.BytesIO(got.content), read_only=True).sheetnames
    assert names == ["Summary", "Findings", "Data issues", "Rules"]
    assert not list(tmp_path.rglob("*.sqlite"))
