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


def ours(stage: Path, prefix: str = PREFIX) -> bool:
    """A staging folder this user's runs made: a real folder, owned by this user, private to it
    (one planted by someone else sharing the output folder is never acted on)."""
    try:
        st = os.lstat(stage)
    except OSError:
        return False
    private = os.name == "nt" or (st.st_uid == os.getuid() and not st.st_mode & 0o077)   # Windows: its ACL
    return stage.name.startswith(prefix) and stat.S_ISDIR(st.st_mode) and private


def _plain_path(text: str) -> bool:
    """An absolute path written plainly (no "..", no "."), as the run wrote it."""
    return os.path.isabs(text) and os.path.normpath(text) == text


def read_journal(stage: Path) -> dict | None:
    """The journal of ``stage``, if it has one that moves only staged items of its own staging
    folders into the folders holding them: every staging folder it lists is named as one, written
    plainly, and the home of some of its moves (a journal naming any other folder is not trusted)."""
    try:
        with open(stage / JOURNAL, encoding="utf-8") as fh:
            journal = json.load(fh)
        if not all(isinstance(s, str) and _plain_path(s) and Path(s).name.startswith(PREFIX)
                   for s in journal["stages"]):
            return None
        stages = {Path(s) for s in journal["stages"]}
        if Path(journal["primary"]) not in stages or stage not in stages:
            return None
        homes = set()
        for m in journal["moves"]:
            if not all(_plain_path(m[k]) for k in ("from", "to", "stage")):
                return None
            src, dst, home = Path(m["from"]), Path(m["to"]), Path(m["stage"])
            if (home not in stages or src.parent != home / OUT or dst != home.parent / src.name
                    or src.name in ("", ".", "..")):
                return None
            homes.add(home)
        if homes != stages:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return journal


class Tampered(OSError):
    """Staged outputs replaced by something else than what the run wrote (a link); ``names``."""

    def __init__(self, names: list[str]):
        super().__init__(f"{', '.join(names)} replaced by a link")
        self.names = names


def _as_written(path: Path) -> bool:
    """A staged output as a run writes it: a regular file, or a folder holding only regular files
    and folders; never a link (it would be put in place as that link)."""
    st = os.lstat(path)
    if stat.S_ISREG(st.st_mode):
        return True
    if not stat.S_ISDIR(st.st_mode):
        return False
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            mode = os.lstat(os.path.join(top, name)).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                return False
    return True


def roll_forward(journal: dict) -> None:
    """Make every move of the journal not yet made (each is made at most once: a moved file has left
    its staging folder); a folder in the way of a staged folder (a previous firm folder, or one another
    run put there since the journal was written) is first set aside in the staging folder.  A staged
    item that is no longer what the run wrote (a link) is deleted, not moved: :class:`Tampered` after
    the other moves."""
    tampered = []
    for move in journal["moves"]:
        src, dst = Path(move["from"]), Path(move["to"])
        if not os.path.lexists(src):
            continue
        if not _as_written(src):
            tampered.append(Path(move.get("name") or dst).name)
            if os.path.isdir(src) and not os.path.islink(src):
                shutil.rmtree(src)
            else:
                os.unlink(src)
            continue
        if os.path.isdir(src) and os.path.isdir(dst) and not os.path.islink(dst):
            aside = Path(move["stage"]) / REPLACED / dst.name
            shutil.rmtree(aside, ignore_errors=True)
            aside.parent.mkdir(exist_ok=True)
            os.rename(dst, aside)
        os.replace(src, dst)
    for folder in {Path(m["to"]).parent for m in journal["moves"]}:
        with contextlib.suppress(OSError):
            fsync_folder(folder)
    if tampered:
        raise Tampered(tampered)


@contextlib.contextmanager
def folders_locked(folders, wait: bool = True):
    """Commits into the same folders take turns: each holds an exclusive lock on every folder it puts
    outputs in (taken in one order, so two runs never wait for each other), from before its journal is
    written until its last move.  A second run's journal is written only after the first's moves, and
    sees what they put in place.  Yields True; with ``wait`` false, False at once when a commit holds one."""
    fds = []
    try:
        if fcntl is not None:
            for folder in sorted({str(f) for f in folders}):
                fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
                fds.append(fd)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                except BlockingIOError:
                    yield False
                    return
        yield True
    finally:
        for fd in fds:
            os.close(fd)


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
