"""The journalled commit against races and tampering (through the real command line): two runs
writing the same outputs at once, a journal that lists folders not its own, a staged file replaced by
a link, and another user's half set-up staging folder in a shared folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT
from test_publish_commit import EXE, audit_cmd, clean, run, setup, state  # noqa: F401 (setup: a fixture)


def fresh(root: Path, tmp_path: Path) -> Path:
    """The two months' rosters, and no output yet (no firm folder either)."""
    base = tmp_path / "run"
    base.mkdir()
    for name in ("roster-old.csv", "roster-new.csv"):
        shutil.copy(root / "2026-08-31" / name, base / name)
    return base


def start(cmd, hook: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(hook), **env})


def wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_two_runs_writing_the_same_outputs_at_once_do_not_wedge_the_folder(setup, tmp_path):  # noqa: F811
    """Run A is paused just after its commit point (its journal written, nothing moved yet), while run B
    writes the same outputs, firm folder included, into the same folders: the folder had no firm folder,
    so A's journal says the firm folder replaces nothing.  B waits for A's commit, then replaces it whole."""
    root, hook, refs = setup
    base = fresh(root, tmp_path)
    mark = tmp_path / "paused"
    go = tmp_path / "go"
    a = start(audit_cmd(base, "2026-09-30", "--no-history"), hook, HOOK_AT="3", HOOK_MARK=str(mark), HOOK_GO=str(go))
    try:
        assert wait_for(mark.exists, 120), a.communicate(timeout=60)
        b = start(audit_cmd(base, "2026-08-31", "--no-history"), tmp_path / "no-hook")
        # B has written all of its outputs into its own staging folder while A is still paused
        assert wait_for(lambda: b.poll() is not None or len(list((base / "b").glob(".auditor-run-*/out/f.csv"))) == 2,
                        120)
        assert a.poll() is None and b.poll() is None   # B waits for A's commit
        go.touch()
        out_b, err_b = b.communicate(timeout=240)
    finally:
        go.touch()
        out_a, err_a = a.communicate(timeout=240)
    assert a.returncode == 0, err_a
    assert b.returncode == 0, err_b
    assert clean(base)
    assert state(base) == refs["2026-08-31"]     # every output from B, the run that committed last
    again = run([EXE, "recover", str(base / "a"), str(base / "b")])
    assert again.returncode == 0 and "nothing to finish" in again.stdout, again.stderr


def test_a_staged_file_replaced_by_a_link_is_not_put_in_place(setup, tmp_path):  # noqa: F811
    root, hook, _ = setup
    base = fresh(root, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the report folder")
    mark = tmp_path / "paused"
    go = tmp_path / "go"
    a = start(audit_cmd(base, "2026-09-30", "--no-history"), hook, HOOK_AT="3", HOOK_MARK=str(mark), HOOK_GO=str(go))
    try:
        assert wait_for(mark.exists, 120), a.communicate(timeout=60)
        staged = next((base / "b").glob(".auditor-run-*/out/f.csv"))
        staged.unlink()
        staged.symlink_to(secret)
    finally:
        go.touch()
        out, err = a.communicate(timeout=240)
    assert a.returncode == 2 and "Traceback" not in err, err
    line = err.strip()
    assert len(line.splitlines()) == 1 and "f.csv" in line and "link" in line, line
    assert not (base / "b" / "f.csv").is_symlink()
    assert not os.path.lexists(base / "b" / "f.csv")
    assert (base / "a" / "r.xlsx").is_file() and not (base / "a" / "r.xlsx").is_symlink()
    done = run([EXE, "recover", str(base / "a"), str(base / "b")])
    assert done.returncode == 0, done.stderr
    assert clean(base)


def _stage(folder: Path, name: str) -> Path:
    stage = folder / name
    (stage / "out").mkdir(parents=True)
    os.chmod(stage, 0o700)
    (stage / "lock").touch(0o600)
    return stage


def test_recover_acts_only_on_what_its_own_journal_legitimately_lists(tmp_path):
    here, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    victim = _stage(elsewhere, ".auditor-run-victim")            # a folder of this user, not of this run
    (victim / "out" / "precious.xlsx").write_text("kept")
    stage = _stage(here, ".auditor-run-tampered")
    (stage / "out" / "r.xlsx").write_text("staged")
    (here / "r.xlsx").write_text("previous report")
    journal = {"version": 1, "primary": str(stage), "stages": [str(stage), str(victim)],
               "moves": [{"from": str(stage / "out" / "r.xlsx"), "to": str(here / "r.xlsx"), "replaces": "file",
                          "stage": str(stage), "name": str(here / "r.xlsx")}],
               "names": ["r.xlsx"], "as_of": "2026-09-30", "history": None}
    (stage / "journal.json").write_text(json.dumps(journal))
    done = run([EXE, "recover", str(here)])
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert (victim / "out" / "precious.xlsx").read_text() == "kept"     # never deleted
    assert (here / "r.xlsx").read_text() == "previous report"           # a journal not to be trusted moves nothing
    assert not stage.exists()                                            # its own staging folder is cleared away

    dotdot = _stage(here, ".auditor-run-dotdot")                         # a stage named through ".."
    (dotdot / "out" / "r.xlsx").write_text("staged")
    sneaky = str(here / ".auditor-run-dotdot" / ".." / ".." / "elsewhere" / ".auditor-run-victim")
    journal.update(primary=str(dotdot), stages=[str(dotdot), sneaky],
                   moves=[{**journal["moves"][0], "from": str(dotdot / "out" / "r.xlsx"), "stage": str(dotdot)}])
    (dotdot / "journal.json").write_text(json.dumps(journal))
    assert run([EXE, "recover", str(here)]).returncode == 0
    assert (victim / "out" / "precious.xlsx").read_text() == "kept"
    assert (here / "r.xlsx").read_text() == "previous report"


@pytest.mark.skipif(os.geteuid() != 0, reason="making a folder owned by another user needs root")
def test_another_users_half_set_up_staging_folder_is_never_renamed(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    theirs = _stage(shared, ".auditor-new-theirs")
    for p in (theirs / "out", theirs / "lock", theirs):
        os.chown(p, 65534, 65534)
    done = run([EXE, "recover", str(shared)])
    assert done.returncode == 0, done.stderr
    assert theirs.is_dir() and (theirs / "lock").exists()
    assert sorted(p.name for p in shared.iterdir()) == [".auditor-new-theirs"]


def test_a_folder_put_in_the_way_after_the_journal_is_set_aside_not_a_wedge(tmp_path):
    """The journal says the firm folder replaces nothing; by the time it is moved, a folder is there
    (put there by a run that does not take turns, an older version): it is set aside and replaced."""
    from auditor.outputs.staging import Staging

    out = tmp_path / "reports"
    out.mkdir()
    stage = Staging()
    firms = stage.path(out / "r-firms")
    firms.mkdir()
    (firms / "acme.xlsx").write_text("this run")
    (stage.path(out / "r.xlsx")).write_text("this run's report")

    def meanwhile():
        (out / "r-firms").mkdir()
        (out / "r-firms" / "other.xlsx").write_text("another run")

    try:
        stage.commit(last=out / "r.xlsx", then=meanwhile)
    finally:
        stage.discard()
    assert sorted(p.name for p in (out / "r-firms").iterdir()) == ["acme.xlsx"]
    assert (out / "r.xlsx").read_text() == "this run's report"
    assert sorted(p.name for p in out.iterdir()) == ["r-firms", "r.xlsx"]


@pytest.mark.parametrize("when", ["set up", "cleared"])
def test_a_ctrl_c_as_a_staging_folder_appears_or_goes_leaves_none(tmp_path, monkeypatch, when):
    """The signal lands right after the rename that puts a new staging folder in view (or while the
    run clears its staging folders after the stop): the stopped run still leaves no staging folder."""
    import signal

    from auditor.outputs import journal
    from auditor.outputs.signals import Interrupted, stop_on_signals
    from auditor.outputs.staging import Staging

    out = tmp_path / "reports"
    out.mkdir()
    real_rename, real_remove = os.rename, journal.remove_stages

    def rename_then_signal(src, dst):
        real_rename(src, dst)
        if Path(dst).name.startswith(journal.PREFIX):
            signal.raise_signal(signal.SIGINT)

    def remove_after_signal(stages, primary=None):
        signal.raise_signal(signal.SIGINT)
        real_remove(stages, primary)

    before = signal.getsignal(signal.SIGINT)
    stop_on_signals()
    try:
        stage = Staging()
        with pytest.raises(Interrupted):
            try:
                if when == "set up":
                    monkeypatch.setattr(os, "rename", rename_then_signal)
                    stage.path(out / "r.xlsx").write_text("half")
                else:
                    stage.path(out / "r.xlsx").write_text("half")
                    monkeypatch.setattr(journal, "remove_stages", remove_after_signal)
                    raise Interrupted(signal.SIGINT)
            finally:
                stage.discard()
    finally:
        signal.signal(signal.SIGINT, before)
        monkeypatch.undo()
    assert list(out.iterdir()) == []
