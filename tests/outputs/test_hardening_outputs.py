"""Outputs never destroy inputs, never half-land, never follow a planted link (through the real command).

A run's outputs (report, firm workbooks, findings CSV and Parquet) are written to a private
staging folder and moved into place together; these tests try to make it overwrite an input,
collide with itself or another run, or leave a mixed set when it fails or is killed.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, run_cli, write_csv, write_xlsx

AS_OF = "2026-11-30"
COURT_HEADER = ["Court", "CM/ECF Login", "Filer Name", "Filer Type", "Bar Number", "PACER Login", "Firm"]
ROSTER_HEADER = ["Firm", "Name", "Role", "Bar ID", "PACER Username", "PACER Use"]
EXE = Path(sys.executable).with_name("auditor")


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def court_csv(path: Path, rows: int = 3) -> Path:
    return write_csv(path, COURT_HEADER, [["ncmb", f"user{i}", f"Filer {i}", "Attorney", f"NC{i}", f"u{i}",
                                           "Acme LLP"] for i in range(rows)])


def no_staging_left(folder: Path) -> bool:
    """No staging folder or file of a run is left under ``folder``.  A running audit may rename or remove
    a folder while it is being listed; then it is listed again."""
    while True:
        try:
            return not [p for p in folder.rglob(".*") if p.name.startswith((".auditor-run-", ".r."))]
        except FileNotFoundError:
            continue


@pytest.mark.parametrize("which", ["out", "csv", "parquet"])
def test_an_output_equal_to_an_input_is_refused_before_reading(tmp_path, which):
    data = court_csv(tmp_path / "court.csv")
    book = write_xlsx(tmp_path / "court.xlsx", COURT_HEADER, [["ncmb", "x1", "X", "Attorney", "N1", "x1", "A"]])
    before = {p: digest(p) for p in (data, book)}
    args = {"out": ["--out", book],
            "csv": ["--out", tmp_path / "r.xlsx", "--findings-csv", data],
            "parquet": ["--out", tmp_path / "r.xlsx", "--findings-parquet", data]}[which]
    proc = run_cli("audit", "--court-accounts", data, "--court-accounts", book, "--as-of", AS_OF, *args)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.count("\n") == 1 and "is the input" in proc.stderr, proc.stderr
    assert {p: digest(p) for p in (data, book)} == before
    assert not (tmp_path / "r.xlsx").exists()


def test_outputs_equal_to_each_other_are_refused(tmp_path):
    data = court_csv(tmp_path / "court.csv")
    for args, words in ((["--findings-csv", tmp_path / "f", "--findings-parquet", tmp_path / "f"], "--findings-parquet f"),
                        (["--findings-csv", tmp_path / "r.xlsx"], "--findings-csv r.xlsx")):
        proc = run_cli("audit", "--court-accounts", data, "--as-of", AS_OF, "--out", tmp_path / "r.xlsx", *args)
        assert proc.returncode == 2 and words in proc.stderr and "the output of" in proc.stderr, proc.stderr
        assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "f").exists()


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_an_output_that_is_a_link_to_an_input_is_refused(tmp_path, link):
    data = court_csv(tmp_path / "court.csv")
    alias = tmp_path / "alias.csv"
    (os.symlink if link == "symlink" else os.link)(data, alias)
    before = digest(data)
    proc = run_cli("audit", "--court-accounts", data, "--as-of", AS_OF, "--out", tmp_path / "r.xlsx",
                   "--findings-csv", alias)
    assert proc.returncode == 2 and "is the input court.csv" in proc.stderr, proc.stderr
    assert digest(data) == before


def test_a_firm_workbook_named_like_an_input_is_refused_and_nothing_is_written(tmp_path):
    out = tmp_path / "r.xlsx"
    # the roster is an .xlsx with the name and folder the firm workbook of Acme LLP gets
    (tmp_path / "r-firms").mkdir()
    book = write_xlsx(tmp_path / "r-firms" / "Acme LLP.xlsx", ROSTER_HEADER,
                      [["Acme LLP", "Ann Lee", "Attorney", "NC1", "annlee", "efiling"]])
    before = digest(book)
    proc = run_cli("audit", "--roster", book, "--as-of", AS_OF, "--out", out,
                   "--split-by-firm", "--findings-csv", tmp_path / "f.csv")
    assert proc.returncode == 2, proc.stdout
    assert "the input Acme LLP.xlsx is in r-firms, the folder of firm workbooks" in proc.stderr, proc.stderr
    assert digest(book) == before
    assert not out.exists() and not (tmp_path / "f.csv").exists() and no_staging_left(tmp_path)


@pytest.mark.parametrize("target", ["/dev/null", "/dev/full"])
def test_a_device_as_output_is_refused(tmp_path, target):
    if not Path(target).exists():
        pytest.skip(f"{target} does not exist here")
    data = court_csv(tmp_path / "court.csv")
    proc = run_cli("audit", "--court-accounts", data, "--as-of", AS_OF, "--out", tmp_path / "r.xlsx",
                   "--findings-csv", target)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr, proc.stderr
    assert not (tmp_path / "r.xlsx").exists()


def test_an_unwritable_output_folder_is_refused_before_the_audit(tmp_path):
    data = tmp_path / "court.csv"
    data.write_text("not, a, court, export\n")   # would be refused, but the output is checked first
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    proc = run_cli("audit", "--court-accounts", data, "--as-of", AS_OF, "--out", blocker / "r.xlsx")
    assert proc.returncode == 2 and "--out r.xlsx" in proc.stderr and "not a folder" in proc.stderr, proc.stderr


def test_a_name_too_long_names_the_output(tmp_path):
    data = court_csv(tmp_path / "court.csv")
    proc = run_cli("audit", "--court-accounts", data, "--as-of", AS_OF, "--out", tmp_path / ("r" * 300 + ".xlsx"))
    assert proc.returncode == 2 and "file name is too long" in proc.stderr and "partial" not in proc.stderr


def test_a_full_disk_names_the_output_not_a_temporary_file(tmp_path):
    """A file-size limit stands in for a full disk: the write fails part way through."""
    data = court_csv(tmp_path / "court.csv", rows=400)
    out = tmp_path / "r.xlsx"

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (12_000, 12_000))
    proc = subprocess.run([str(EXE), "audit", "--court-accounts", str(data), "--as-of", AS_OF, "--out", str(out),
                           "--no-history"],  # the history store's own full disk: tests/history/test_history_faults.py
                          capture_output=True, text=True, preexec_fn=small_files, cwd=ROOT, timeout=600)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "r.xlsx" in proc.stderr and "larger than this disk" in proc.stderr
    assert "partial" not in proc.stderr and ".auditor-run" not in proc.stderr
    assert not out.exists() and no_staging_left(tmp_path)


def test_planted_links_at_temporary_names_are_not_followed(tmp_path):
    data = court_csv(tmp_path / "court.csv")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in (".r.partial.xlsx", ".r.xlsx.partial", ".f.csv.partial"):
        os.symlink(victim, tmp_path / name)
    out = tmp_path / "r.xlsx"
    proc = run_cli("audit", "--court-accounts", data, "--as-of", AS_OF, "--out", out,
                   "--findings-csv", tmp_path / "f.csv")
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious"
    assert not out.is_symlink() and out.is_file() and not (tmp_path / "f.csv").is_symlink()
    openpyxl.load_workbook(out).close()


def test_two_runs_writing_one_report_leave_one_valid_workbook(tmp_path):
    data = court_csv(tmp_path / "court.csv", rows=300)
    out = tmp_path / "r.xlsx"
    cmd = [str(EXE), "audit", "--court-accounts", str(data), "--as-of", AS_OF, "--out", str(out)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "Summary" in wb.sheetnames
    wb.close()
    assert no_staging_left(tmp_path)


def test_a_failed_run_leaves_the_previous_outputs(tmp_path):
    """A second run that fails once its outputs are written (a firm workbook would replace an input)
    leaves every output of the first run as it was."""
    court = court_csv(tmp_path / "court.csv", rows=20)
    out, fcsv = tmp_path / "r.xlsx", tmp_path / "f.csv"
    first = run_cli("audit", "--court-accounts", court, "--as-of", AS_OF, "--out", out, "--split-by-firm",
                    "--findings-csv", fcsv)
    assert first.returncode == 0, first.stderr
    def state():
        return {str(p.relative_to(tmp_path)): digest(p) for p in tmp_path.rglob("*") if p.is_file()
                and p.name != "court.csv"}

    before = state()
    assert "r-firms/Acme LLP.xlsx" in before and "r-firms/index.csv" in before
    clash = write_xlsx(tmp_path / "r-firms" / "Zed LLP.xlsx", ROSTER_HEADER,
                       [["Zed LLP", "Zoe", "Attorney", "NC9", "zoe", "efiling"]])
    before = state()
    second = run_cli("audit", "--court-accounts", court, "--roster", clash, "--as-of", "2026-12-31", "--out", out,
                     "--split-by-firm", "--findings-csv", fcsv, "--no-history")
    assert second.returncode == 2, second.stdout
    assert state() == before


# --- killed at any moment: the previous outputs or all of the new ones ---------------------------
# The kill is timed by the run's own progress lines (--progress), not by a fraction of a big run's time:
# a small data set is enough, the signal lands in the named phase however fast or slow the machine.
# The renames of the commit (each one, SIGKILL; SIGINT / SIGTERM waiting for them) are tested
# deterministically in tests/outputs/test_publish_commit.py.

def _inputs(folder: Path) -> list[str]:
    court = court_csv(folder / "court.csv", rows=300)
    rows = [[f"Firm {i % 12} LLP", f"Person {i}", "Attorney", f"NC{i}", f"user{i}", "efiling"] for i in range(300)]
    roster = write_csv(folder / "roster.csv", ROSTER_HEADER, rows)
    return ["--court-accounts", str(court), "--roster", str(roster)]


def _state(folder: Path) -> dict[str, str]:
    """Each output's audit date (workbooks: read from the Summary; CSV: its content digest)."""
    out = {}
    for p in sorted(folder.iterdir()):
        if p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p, read_only=True)
            text = " ".join(str(v) for row in wb["Summary"].iter_rows(max_row=12, values_only=True) for v in row if v)
            wb.close()
            out[p.name] = "new" if "2026-11-30" in text else "old" if "2026-10-31" in text else text[:80]
        elif p.suffix == ".csv":
            out[p.name] = digest(p)
    return out


def _audit(args: list[str], as_of: str, folder: Path) -> list[str]:
    return ["audit", *args, "--as-of", as_of, "--out", str(folder / "r.xlsx"), "--split-by-firm",
            "--findings-csv", str(folder / "f.csv"),
            "--no-history"]  # the history's own kill test: tests/history/test_history_faults.py


@pytest.fixture(scope="module")
def kill_setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("kill")
    args = _inputs(base)
    ref = {}
    for as_of, name in (("2026-10-31", "old"), ("2026-11-30", "new")):
        folder = base / name
        folder.mkdir()
        proc = run_cli(*_audit(args, as_of, folder))
        assert proc.returncode == 0, proc.stderr
        ref[name] = _state(folder)
    assert ref["old"] != ref["new"] and "f.csv" in ref["new"]
    return base, args, ref


# phases, each by the progress line that begins it: reading the inputs (nothing staged yet), writing the
# report into the staging folder, writing the firm workbooks there (the last step before the commit)
PHASES = {"reading": "reading court.csv", "writing": "writing ", "firms": "firm workbooks: 0 of"}


@pytest.mark.parametrize("sig, phase", [
    (signal.SIGKILL, "reading"), (signal.SIGKILL, "writing"), (signal.SIGKILL, "firms"),
    (signal.SIGINT, "writing"), (signal.SIGINT, "firms"), (signal.SIGTERM, "writing"), (signal.SIGTERM, "firms"),
], ids=lambda v: getattr(v, "name", str(v)))
def test_a_killed_run_leaves_the_previous_outputs_or_all_new_ones(kill_setup, tmp_path, sig, phase):
    base, args, ref = kill_setup
    folder = tmp_path / "out"
    shutil.copytree(base / "old", folder)
    proc = subprocess.Popen([str(EXE), *_audit(args, "2026-11-30", folder), "--progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if PHASES[phase] in line:
            break
    else:
        pytest.fail(f"the run ended before {phase}: {''.join(seen)}")
    if phase != "reading":   # and its staging folder is there: the kill lands with outputs half written
        deadline = time.monotonic() + 60
        while no_staging_left(folder) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert not no_staging_left(folder), "".join(seen)
    proc.send_signal(sig)
    _, rest = proc.communicate(timeout=600)
    err = "".join(seen) + rest
    assert "Traceback" not in err
    if sig == signal.SIGKILL:   # what the next run in the folder does first (see tests/outputs/test_publish_commit.py)
        assert proc.returncode == -sig, err
        assert run_cli("recover", folder).returncode == 0
    after = _state(folder)
    old = {k: ("old" if v == "old" else v) for k, v in ref["old"].items()}
    assert after == old, (proc.returncode, err, after)   # stopped before its commit: the previous outputs
    assert no_staging_left(folder)
    if sig != signal.SIGKILL:
        assert proc.returncode == 128 + sig and rest.count("\n") == 1 and "stopped by" in rest, err


def test_a_findings_file_named_like_a_firm_workbook_is_refused(tmp_path):
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, [["Acme LLP", "Ann Lee", "Attorney", "NC1", "annlee",
                                                                 "efiling"]])
    out = tmp_path / "r.xlsx"
    (tmp_path / "r-firms").mkdir()
    proc = run_cli("audit", "--roster", roster, "--as-of", AS_OF, "--out", out, "--split-by-firm",
                   "--findings-csv", tmp_path / "r-firms" / "Acme LLP.xlsx", "--no-history")
    assert proc.returncode == 2 and "is the output of the firm workbook" in proc.stderr, proc.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["r-firms", "roster.csv"]


def test_an_output_equal_to_a_file_inside_an_input_folder_is_refused(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    data = court_csv(folder / "court.csv")
    before = digest(data)
    proc = run_cli("audit", "--court-accounts", folder, "--as-of", AS_OF, "--out", tmp_path / "r.xlsx",
                   "--findings-csv", data)
    assert proc.returncode == 2 and "is the input court.csv" in proc.stderr, proc.stderr
    assert digest(data) == before and not (tmp_path / "r.xlsx").exists()
