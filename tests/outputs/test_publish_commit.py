"""Putting a run's outputs in place is one journalled commit (through the real command line).

A run writing a report with its firm folder into one folder and the findings CSV into another is
killed with SIGKILL at each rename of its commit (a ``sitecustomize`` put on PYTHONPATH by these tests
only wraps ``os.replace`` / ``os.rename`` to stop there, or to wait there until the test lets it go on:
the product holds no test hook); the
next run touching those folders, or ``auditor recover``, must leave all the previous outputs or all
the new ones, and no staging folder.  SIGINT / SIGTERM during the renames wait for them; a run killed
while writing leaves a staging folder the next run clears away, never one of a run still alive.
Permission errors are tested without the root's power to ignore file modes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, run_cli, write_csv

EXE = str(Path(sys.executable).with_name("auditor"))
HEADER = ["Firm", "Name", "Role", "Bar ID", "PACER Username", "PACER Use"]
HOOK = '''
import os, signal, time
_at, _mark, _go = int(os.environ.get("HOOK_AT", "0")), os.environ.get("HOOK_MARK"), os.environ.get("HOOK_GO")
_seen = [0]
def _wrap(real):
    def move(src, dst, *a, **k):
        src_, dst_ = os.fspath(src), os.fspath(dst)
        into_place = ".auditor-run-" in src_ and ".auditor-run-" not in dst_
        if into_place or "/replaced/" in dst_ or (".auditor-run-" in dst_ and dst_.endswith("journal.json")):
            _seen[0] += 1
            if _seen[0] == _at:
                if _mark:   # say so, and wait there until the test lets it go on (however slow the machine)
                    open(_mark, "w").close()
                    deadline = time.monotonic() + 600
                    while not os.path.exists(_go) and time.monotonic() < deadline:
                        time.sleep(0.01)
                else:
                    os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst, *a, **k)
    return move
os.replace, os.rename = _wrap(os.replace), _wrap(os.rename)
'''
# renames of the commit, in order: journal of the CSV's folder, journal of the report's folder (the
# commit point), the previous firm folder set aside, the firm folder, the CSV, the CSV's coverage file, the report
COMMIT_POINT, RENAMES = 2, 7


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def audit_cmd(base: Path, as_of: str, *extra) -> list[str]:
    roster = base / ("roster-old.csv" if as_of == "2026-08-31" else "roster-new.csv")
    return [EXE, "audit", "--roster", str(roster), "--as-of", as_of, "--out", str(base / "a" / "r.xlsx"),
            "--split-by-firm", "--findings-csv", str(base / "b" / "f.csv"), *extra]


def run(cmd, hook: Path | None = None, **env) -> subprocess.CompletedProcess:
    """``cmd`` (``auditor ...``) in a process of its own with the rename hook, which stops or pauses it; without
    the hook, in this process (tests/conftest.py: run_cli)."""
    if hook is None and not env:
        return run_cli(*cmd[1:])
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, **({"PYTHONPATH": str(hook)} if hook else {}), **env})


def state(base: Path) -> dict[str, str]:
    """Every output under a/ and b/: workbooks by the audit date on their Summary, others by digest."""
    out = {}
    for p in sorted([*(base / "a").rglob("*"), *(base / "b").rglob("*")]):
        if p.is_dir() or p.suffix == ".sqlite" or any(part.startswith(".") for part in p.relative_to(base).parts):
            continue
        if p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p, read_only=True)
            text = " ".join(str(v) for row in wb["Summary"].iter_rows(max_row=12, values_only=True) for v in row if v)
            wb.close()
            out[str(p.relative_to(base))] = "new" if "2026-09-30" in text else "old" if "2026-08-31" in text else text
        else:
            out[str(p.relative_to(base))] = digest(p)
    return out


def clean(base: Path) -> bool:
    return not [p for p in base.rglob(".*") if p.name.startswith((".auditor-", ".r-firms"))]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("commit")
    hook = root / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    refs = {}
    for as_of, _firms in (("2026-08-31", ["Acme LLP", "Beta LLP"]), ("2026-09-30", ["Acme LLP", "Gamma LLP"])):
        base = root / as_of
        base.mkdir()
        for name, fs in (("roster-old.csv", ["Acme LLP", "Beta LLP"]), ("roster-new.csv", ["Acme LLP", "Gamma LLP"])):
            write_csv(base / name, HEADER, [[f, f"Person {i}", "Attorney", f"NC{i}", f"user{i % 5}", "efiling"]
                                            for i, f in enumerate(fs * 10)])
        with_history = root / f"{as_of}-history"
        shutil.copytree(base, with_history)
        for folder, extra in ((base, ["--no-history"]), (with_history, ["--history", str(with_history / "h.sqlite")])):
            done = run(audit_cmd(folder, as_of, *extra))
            assert done.returncode == 0, done.stderr
            refs[folder.name] = state(folder)
    assert refs["2026-08-31"] != refs["2026-09-30"] and "a/r-firms/index.csv" in refs["2026-08-31"]
    return root, hook, refs


def previous_outputs(root: Path, tmp_path: Path, history: bool = False) -> Path:
    base = tmp_path / "run"
    shutil.copytree(root / ("2026-08-31-history" if history else "2026-08-31"), base)
    return base


def runs(history: Path) -> list[str]:
    done = run_cli("history", "--history", history)
    assert done.returncode == 0, done.stderr
    return [line.split()[1] for line in done.stdout.splitlines()[1:]]


@pytest.mark.parametrize("at", range(1, RENAMES + 1))
def test_killed_at_each_rename_the_next_run_leaves_all_old_or_all_new(setup, tmp_path, at):
    root, hook, refs = setup
    old, new = refs["2026-08-31"], refs["2026-09-30"]
    base = previous_outputs(root, tmp_path)
    killed = run(audit_cmd(base, "2026-09-30", "--no-history"), hook, HOOK_AT=str(at))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not clean(base)
    done = run([EXE, "recover", str(base / "a"), str(base / "b")])
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert state(base) == (old if at <= COMMIT_POINT else new)
    assert clean(base)
    if at > COMMIT_POINT:
        assert done.stdout.count("\n") == 1 and "finished it: r.xlsx, f.csv, f.coverage.csv, r-firms are now all from that run" \
            in done.stdout, done.stdout
    else:
        assert "the outputs there were not changed" in done.stdout, done.stdout


def test_a_run_killed_while_finishing_an_earlier_one_is_finished_by_the_next(setup, tmp_path):
    root, hook, refs = setup
    new = refs["2026-09-30"]
    base = previous_outputs(root, tmp_path)
    assert run(audit_cmd(base, "2026-09-30", "--no-history"), hook, HOOK_AT="5").returncode == -signal.SIGKILL
    again = run([EXE, "recover", str(base / "a"), str(base / "b")], hook, HOOK_AT="1")   # killed moving the CSV
    assert again.returncode == -signal.SIGKILL, again.stderr
    done = run([EXE, "recover", str(base / "b")])
    assert "finished it" in done.stdout, done.stdout
    assert state(base) == new and clean(base)


def test_the_next_audit_in_the_folder_finishes_it_and_says_so_in_one_line(setup, tmp_path):
    root, hook, refs = setup
    new = refs["2026-09-30"]
    base = previous_outputs(root, tmp_path)
    assert run(audit_cmd(base, "2026-09-30", "--no-history"), hook, HOOK_AT="4").returncode == -signal.SIGKILL
    other = run([EXE, "audit", "--roster", str(base / "roster-old.csv"), "--as-of", "2026-08-31",
                 "--out", str(base / "a" / "other.xlsx"), "--no-history"])
    assert other.returncode == 0, other.stderr
    assert other.stderr.count("\n") == 1 and "an earlier run (as of 2026-09-30) was stopped while putting its " \
        "outputs in place; finished it" in other.stderr, other.stderr
    assert {k: v for k, v in state(base).items() if "other" not in k} == new and clean(base)


STAGED = {"folder": ".auditor-run-*", "a file": ".auditor-run-*/?*"}


@pytest.mark.parametrize("when", ["folder", "a file"])
def test_a_run_killed_while_writing_leaves_a_staging_folder_the_next_run_clears(setup, tmp_path, when):
    """Killed by real timing: once its staging folder appears, or once a first file is in it."""
    root, _, refs = setup
    old, new = refs["2026-08-31"], refs["2026-09-30"]
    base = previous_outputs(root, tmp_path)
    proc = subprocess.Popen(audit_cmd(base, "2026-09-30", "--no-history"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not list((base / "a").glob(STAGED[when])) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run ended before it could be killed")
    left = not clean(base)   # else it was killed once its outputs were all in place
    committed = list((base / "a").glob(".auditor-run-*/journal.json")) or not left
    other = run([EXE, "audit", "--roster", str(base / "roster-old.csv"), "--as-of", "2026-08-31",
                 "--out", str(base / "a" / "other.xlsx"), "--findings-csv", str(base / "b" / "other.csv"),
                 "--no-history"])
    assert other.returncode == 0, other.stderr
    assert ("finished it" if committed else "left unfinished") in other.stderr or not left, other.stderr
    after = {k: v for k, v in state(base).items() if "other" not in k}
    # without a journal: killed before the commit point, or while removing its staging folders after it
    assert after == new if committed else after in (old, new)
    assert clean(base)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sigterm_or_sigint_during_the_renames_waits_for_them(setup, tmp_path, sig):
    root, hook, refs = setup
    new = refs["2026-09-30"]
    base = previous_outputs(root, tmp_path)
    mark, go = tmp_path / "paused", tmp_path / "go on"
    proc = subprocess.Popen(audit_cmd(base, "2026-09-30", "--no-history"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(hook), "HOOK_AT": "4", "HOOK_MARK": str(mark),
                                 "HOOK_GO": str(go)})
    try:   # the run stops at its fourth rename (the commit point passed) and waits there for `go`
        deadline = time.monotonic() + 300
        while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert mark.exists(), proc.communicate()
        # meanwhile another run touching the folders leaves the live run's staging folders alone
        busy = run([EXE, "recover", str(base / "a"), str(base / "b")])
        assert "nothing to finish" in busy.stdout, busy.stdout
        proc.send_signal(sig)   # while it is still in the middle of its renames
    finally:
        go.touch()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + sig, err
    assert err == f"auditor: stopped by {sig.name}; every output of this run had been written\n"
    assert state(base) == new and clean(base)


@pytest.mark.parametrize("at, recorded", [(COMMIT_POINT, False), (COMMIT_POINT + 1, True)])
def test_the_history_records_a_run_only_if_its_outputs_are_published(setup, tmp_path, at, recorded):
    """The history commits at the commit point, after the journal: a run killed before it is neither
    recorded nor published; killed after, it is recorded and the next run publishes it."""
    root, hook, refs = setup
    old, new = refs["2026-08-31-history"], refs["2026-09-30-history"]
    base = previous_outputs(root, tmp_path, history=True)
    history = base / "h.sqlite"
    assert runs(history) == ["2026-08-31"]
    killed = run(audit_cmd(base, "2026-09-30", "--history", str(history)), hook, HOOK_AT=str(at))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    done = run([EXE, "recover", str(base / "a"), str(base / "b")])
    assert state(base) == (new if recorded else old) and clean(base), done.stdout
    assert runs(history) == ["2026-08-31", *(["2026-09-30"] if recorded else [])]
    assert "check that" not in done.stdout


# --- permission errors, without root's power to ignore file modes -----------------------------

def unprivileged(cmd: list[str]) -> subprocess.CompletedProcess:
    """Run as root without the capabilities that bypass file modes (the interpreter lives in root's
    private home, so another user could not start it): modes are obeyed as for any user."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed: cannot drop root's power over file modes")
    caps = "-dac_override,-dac_read_search,-fowner"
    return subprocess.run([setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", *cmd], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def test_unprivileged_permission_errors_name_the_file(setup, tmp_path):
    root = setup[0]
    data = root / "2026-08-31" / "roster-old.csv"
    locked = tmp_path / "locked"
    locked.mkdir()
    bad = write_csv(tmp_path / "bad.csv", ["not", "a", "roster"], [["x", "y", "z"]])
    locked.chmod(0o555)
    # an unwritable output folder: refused before any data is read (the input would be refused too)
    done = unprivileged([EXE, "audit", "--roster", str(bad), "--as-of", "2026-09-30",
                         "--out", str(locked / "r.xlsx"), "--no-history"])
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "cannot write --out r.xlsx into the folder" in done.stderr and "permission denied" in done.stderr
    assert not list(locked.iterdir())
    # an unreadable input file
    secret = tmp_path / "secret.csv"
    shutil.copy(data, secret)
    secret.chmod(0)
    out = tmp_path / "r.xlsx"
    done = unprivileged([EXE, "audit", "--roster", str(secret), "--as-of", "2026-09-30", "--out", str(out),
                         "--no-history"])
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "secret.csv" in done.stderr and "ermission denied" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() and clean(tmp_path)
    # a name too long for the folder
    done = unprivileged([EXE, "audit", "--roster", str(data), "--as-of", "2026-09-30",
                         "--out", str(tmp_path / ("r" * 300 + ".xlsx")), "--no-history"])
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "--out rrrr" in done.stderr and "file name is too long" in done.stderr
    assert ".auditor" not in done.stderr and "partial" not in done.stderr and clean(tmp_path)


def test_a_staging_folder_planted_by_someone_else_is_never_acted_on(tmp_path):
    """Someone sharing the output folder plants a staging folder whose journal would move a file of
    theirs over the report: it is not private to this user, so no run follows it."""
    folder = tmp_path / "shared"
    folder.mkdir()
    report = folder / "r.xlsx"
    report.write_bytes(b"the clerk's report")
    planted = folder / ".auditor-run-planted"
    (planted / "out").mkdir(parents=True)
    (planted / "out" / "r.xlsx").write_bytes(b"forged")
    (planted / "lock").touch()
    moves = [{"from": str(planted / "out" / "r.xlsx"), "to": str(report), "replaces": "file",
              "stage": str(planted), "name": str(report)}]
    (planted / "journal.json").write_text(json.dumps({"primary": str(planted), "stages": [str(planted)],
                                                      "moves": moves}))
    planted.chmod(0o755)
    done = run([EXE, "recover", str(folder)])
    assert done.returncode == 0 and "nothing to finish" in done.stdout, done.stdout + done.stderr
    assert report.read_bytes() == b"the clerk's report" and planted.exists()
    planted.chmod(0o700)   # the same folder made by this user's own run is finished
    done = run([EXE, "recover", str(folder)])
    assert "finished it" in done.stdout and report.read_bytes() == b"forged" and not planted.exists()


def test_an_error_while_cleaning_up_after_a_signal_still_reads_as_stopped():
    """Closing a half-written workbook after SIGTERM can raise (zipfile: "Can't close the ZIP file while
    there is an open writing handle"); the run still says it was stopped, with 143, not that error."""
    import signal as _signal

    from auditor.cli.main import _ending
    from auditor.outputs.signals import Interrupted

    try:
        try:
            raise Interrupted(_signal.SIGTERM)
        except Interrupted:
            raise ValueError("Can't close the ZIP file while there is an open writing handle")  # noqa: B904
    except ValueError as exc:
        line, code = _ending(exc)
    assert code == 143 and line.startswith("auditor: stopped by SIGTERM"), line
    line, code = _ending(ValueError("plain"))
    assert (line, code) == ("auditor: ValueError: plain", 2)


def _catches_sigterm(pid: int) -> bool:
    """The process has its own SIGTERM handler (the auditor's, installed first thing)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(next(line.split()[1] for line in text.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see when the handler is set")
def test_ctrl_c_while_the_program_is_still_loading_is_one_line_and_130(tmp_path):
    """Ctrl-C a moment after starting (the command still importing its libraries) stops it like
    later: one line, exit 130, no traceback, nothing written."""
    exe = Path(sys.executable).with_name("auditor")
    out = tmp_path / "r.xlsx"
    proc = subprocess.Popen([str(exe), "audit", "--court-accounts", str(ROOT / "sample_data" / "court_accounts.csv"),
                             "--out", str(out), "--no-history"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 30
    while not _catches_sigterm(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.startswith("auditor: stopped by SIGINT") and err.count("\n") == 1, err
    assert "Traceback" not in err and not out.exists()
