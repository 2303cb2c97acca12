"""Putting a run's outputs in place as one commit, and finishing or undoing a run that was killed.

Each output folder of a run gets a private staging folder ``.auditor-run-*`` (see
``auditor.outputs.staging.Staging``), laid out as::

    lock          held (flock, exclusive) by the run for its whole life: the kernel lets it go when
                  the run ends in any way, even killed, so a lock that can be taken means the run is over
    out/          the outputs, named as they will be in the folder
    replaced/     what an output replaces that must be set aside first (a previous firm folder)
    journal.json  every move of the run (staged path, final path, what it replaces), written once all
                  outputs are written, just before the first of them is moved into place

A run with outputs in several folders writes the journal in each of their staging folders, the one
of the report's folder last: that last journal, once on disk, is the commit point.  Renames of several
files cannot be atomic together, so a run killed after it rolls forward (the next run in any of these
folders, or ``auditor recover``, makes the remaining moves), and a run killed before it is undone (its
staging folders are deleted; the outputs in place were never touched).  SIGINT and SIGTERM are blocked
from the commit point until every move is done, so only SIGKILL (or a power cut) can land there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import sys
from pathlib import Path

if sys.platform == "win32":   # a byte-range lock on the lock file does the same
    import msvcrt
    fcntl = None
else:
    import fcntl

PREFIX = ".auditor-run-"
NEW_PREFIX = ".auditor-new-"   # a staging folder being set up (renamed to PREFIX once its lock is held)
LOCK, OUT, REPLACED, JOURNAL, RECORDED = "lock", "out", "replaced", "journal.json", "recorded"


def fsync_folder(folder: Path) -> None:
    if os.name == "nt":   # a folder cannot be opened there; NTFS journals its own entries
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def take_lock(stage: Path, *, create: bool = False) -> int | None:
    """An open descriptor holding the stage's lock, or None when a live run holds it (or it has no lock)."""
    flags = (os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
             | (os.O_CREAT | os.O_EXCL if create else 0))
    try:
        fd = os.open(stage / LOCK, flags, 0o600)
    except OSError:
        return None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,name-defined,unused-ignore]  # Windows only
    except OSError:
        os.close(fd)
        return None
    return fd


def write_journal(stage: Path, journal: dict) -> None:
    """Write ``stage/journal.json`` durably: a temporary name, fsync, rename, fsync of the folder."""
    tmp = stage / (JOURNAL + ".tmp")
    with open(tmp, "x", encoding="utf-8") as fh:
        json.dump(journal, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, stage / JOURNAL)
    fsync_folder(stage)


def ours(stage: Path) -> bool:
    """A staging folder this user's runs made: a real folder, owned by this user, private to it
    (one planted by someone else sharing the output folder is never acted on)."""
    try:
        st = os.lstat(stage)
    except OSError:
        return False
    private = os.name == "nt" or (st.st_uid == os.getuid() and not st.st_mode & 0o077)   # Windows: its ACL
    return stage.name.startswith(PREFIX) and stat.S_ISDIR(st.st_mode) and private


def read_journal(stage: Path) -> dict | None:
    """The journal of ``stage``, if it has one that moves only staged items of its own staging
    folders into the folders holding them."""
    try:
        with open(stage / JOURNAL, encoding="utf-8") as fh:
            journal = json.load(fh)
        stages = {Path(s) for s in journal["stages"]}
        if Path(journal["primary"]) not in stages or stage not in stages:
            return None
        for m in journal["moves"]:
            src, dst, home = Path(m["from"]), Path(m["to"]), Path(m["stage"])
            if home not in stages or src.parent != home / OUT or dst != home.parent / src.name:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return journal


def roll_forward(journal: dict) -> None:
    """Make every move of the journal not yet made (each is made at most once: a moved file has left
    its staging folder); a folder an output replaces is first set aside in the staging folder."""
    for move in journal["moves"]:
        src, dst = Path(move["from"]), Path(move["to"])
        if not os.path.lexists(src):
            continue
        if move.get("replaces") == "folder" and os.path.isdir(dst) and not os.path.islink(dst):
            aside = Path(move["stage"]) / REPLACED / dst.name
            shutil.rmtree(aside, ignore_errors=True)
            aside.parent.mkdir(exist_ok=True)
            os.rename(dst, aside)
        os.replace(src, dst)
    for folder in {Path(m["to"]).parent for m in journal["moves"]}:
        with contextlib.suppress(OSError):
            fsync_folder(folder)


def remove_stages(stages: list[Path], primary: Path | None) -> None:
    """Delete staging folders, the report's (``primary``, which holds the commit) last."""
    for stage in sorted(stages, key=lambda s: s == primary):
        shutil.rmtree(stage, ignore_errors=True)


def journal_moves(stages: dict[Path, Path], given: dict[Path, Path], last: Path | None) -> list[dict]:
    """One move per staged item (``stages``: final folder -> staging folder), the main report last."""
    moves: list[dict] = []
    for folder, stage in stages.items():
        for item in sorted((stage / OUT).iterdir()):
            dst = folder / item.name
            kind = ("folder" if os.path.isdir(dst) and not os.path.islink(dst) else
                    "file" if os.path.lexists(dst) else None)
            moves.append({"from": str(item), "to": str(dst), "replaces": kind, "stage": str(stage),
                          "name": str(given[folder] / item.name)})
    moves.sort(key=lambda m: last is not None and Path(m["to"]) == last)
    return moves
