"""Where a run's outputs go, and how they get there whole.

- ``check_outputs`` refuses, before any data is read, an output that is one of the inputs or
  another output of the same run (compared by resolved path and by file identity), an output
  that exists and is not a regular file (a device, a folder, a pipe), a name too long for its
  folder, and a folder that cannot be written.
- ``Staging`` gives each output folder a private folder of its own (``tempfile.mkdtemp``: a new,
  unguessable name that only this user can enter), where every output of the run is written.
  ``commit`` moves them all into place, each with one atomic rename, only once all were written,
  as one journalled commit (``auditor.outputs.journal``); SIGINT and SIGTERM wait until the renames are
  done.  A failed or interrupted run leaves the previous outputs as they were; a run killed while
  its outputs were being moved is finished by the next run writing into the same folder
  (``recover``), a run killed before that is cleared away.
- ``atomic_file`` writes one file through a temporary file made with ``tempfile`` (``O_EXCL``,
  never following a planted link) in the target folder, then renamed over the target.

Errors name the output the user gave, never a temporary file.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterable
from typing import Any

from auditor.outputs import journal, recovery, signals
from auditor.errors import UsageError

_UMASK = os.umask(0o022)
os.umask(_UMASK)


class OutputError(UsageError):
    """An output that cannot be written (named as the user gave it)."""


def describe(exc: OSError) -> str:
    """An OS error in plain words, without the temporary path it happened on."""
    words = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
             errno.EACCES: "permission denied", errno.EPERM: "permission denied",
             errno.ENAMETOOLONG: "the file name is too long", errno.EROFS: "the disk is read-only",
             errno.ENOENT: "the folder does not exist", errno.EISDIR: "it is a folder",
             errno.ENOTDIR: "a part of the path is not a folder",
             errno.EFBIG: "the file is larger than this disk or account allows"}
    return words.get(exc.errno or 0, exc.strerror or exc.__class__.__name__)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _nearest_folder(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_outputs(outputs: Iterable[tuple[str, Any]], inputs: Iterable = ()) -> None:
    """OutputError (naming the option) when the outputs cannot be written safely.

    ``outputs``: (option or label, path) pairs, e.g. ``[("--out", "r.xlsx"), ("--findings-csv", None)]``.
    """
    taken: dict[str, str] = {}
    ids: dict[tuple[int, int], str] = {}
    for p in inputs:
        p = Path(p)
        taken.setdefault(os.path.realpath(p), f"the input {p.name}")
        ident = _identity(p)
        if ident is not None:
            ids.setdefault(ident, f"the input {p.name}")
    folders: dict[Path, str] = {}
    for label, p in outputs:
        if p is None:
            continue
        p = Path(p)
        where = f"{label} {p.name}"
        real = os.path.realpath(p)
        ident = _identity(p)
        clash = taken.get(real) or (ids.get(ident) if ident is not None else None)
        if clash:
            raise OutputError(f"{where} is {clash}: choose another file name (an output never replaces "
                              f"an input or another output of the same run)")
        taken[real] = f"the output of {label}"
        if ident is not None:
            ids[ident] = f"the output of {label}"
        if os.path.lexists(p):
            try:
                mode = os.stat(p).st_mode
            except OSError as exc:
                raise OutputError(f"cannot write {where}: {describe(exc)}") from None
            if not stat.S_ISREG(mode):
                kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, pipe or socket)"
                raise OutputError(f"{where} is {kind}: give the path of a file to write")
        folder = _nearest_folder(p.parent if str(p.parent) else Path("."))
        if len(os.fsencode(p.name)) > _name_max(folder):
            raise OutputError(f"cannot write {where}: the file name is too long")
        if not folder.is_dir():
            raise OutputError(f"cannot write {where}: {folder} is not a folder")
        folders.setdefault(folder, where)
    for folder, where in folders.items():
        try:  # a real try, not os.access: read-only disks and network shares answer it wrongly
            tempfile.TemporaryFile(dir=folder).close()   # O_TMPFILE: nothing to leave behind
        except OSError as exc:
            raise OutputError(f"cannot write {where} into the folder {folder}: {describe(exc)}") from None


@contextmanager
def atomic_file(path, label: str | None = None):
    """Open a new temporary file beside ``path`` for writing (binary); on success it replaces ``path``."""
    path = Path(path)
    label = label or path.name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {label}: {describe(exc)}") from None
    try:
        if hasattr(os, "fchmod"):   # not on Windows before Python 3.13, where a new file takes its folder's ACL
            os.fchmod(fd, 0o666 & ~_UMASK)   # as an ordinary new file (mkstemp makes it private)
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {label}: {describe(exc)}") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


class Staging:
    """Private folders beside the outputs, where a run writes everything before it is moved into place
    (layout and commit: ``auditor.outputs.journal``)."""

    def __init__(self) -> None:
        self._stages: dict[Path, Path] = {}   # final folder -> its private staging folder
        self._given: dict[Path, Path] = {}    # final folder -> the folder as the caller wrote it
        self._locks: dict[Path, int] = {}     # staging folder -> descriptor holding its lock
        self._labels: dict[Path, str] = {}
        self.outputs: str | None = None   # how far they got: None, signals.STAGED, signals.PUBLISHED

    def _stage(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        new = Path(tempfile.mkdtemp(prefix=journal.NEW_PREFIX, dir=folder))
        fd = journal.take_lock(new, create=True)
        if fd is None:
            shutil.rmtree(new, ignore_errors=True)
            raise OSError(errno.EACCES, "cannot lock a new staging folder")
        stage = folder / (journal.PREFIX + new.name[len(journal.NEW_PREFIX):])
        try:
            (new / journal.OUT).mkdir()
            os.rename(new, stage)   # seen by other runs only once its lock is held
        except OSError:
            os.close(fd)
            shutil.rmtree(new, ignore_errors=True)
            raise
        self._locks[stage] = fd
        return stage

    def path(self, final, label: str | None = None) -> Path:
        """Where to write the output that will be ``final``."""
        final = Path(final)
        folder = final.parent.resolve()
        stage = self._stages.get(folder)
        if stage is None:
            # a Ctrl-C or SIGTERM waits until the new staging folder is known here, so discard() removes it
            with signals.signals_blocked():
                try:
                    stage = self._stage(folder)
                except OSError as exc:
                    raise OutputError(f"cannot write {label or final.name}: {describe(exc)}") from None
                self._stages[folder] = stage
                self._given[folder] = final.parent
                self.outputs = self.outputs or signals.STAGED
        self._labels[stage / journal.OUT / final.name] = label or final.name
        return stage / journal.OUT / final.name

    def final(self, staged: Path) -> Path:
        """The path a staged file will have once moved into place (in the folder as given)."""
        for folder, stage in self._stages.items():
            if staged.is_relative_to(stage / journal.OUT):
                return self._given[folder] / staged.relative_to(stage / journal.OUT)
        raise ValueError(f"{staged} is not staged here")

    def commit(self, last: Path | None = None, then=None, as_of=None, history: str | None = None) -> None:
        """Move every staged item into place, ``last`` (the main report) last of all.

        The journal is written first (in every staging folder, the report's last: the commit point);
        then ``then()`` runs (the run history records the run: if it fails nothing is moved), then
        the moves.  SIGINT and SIGTERM wait until all is done; a SIGKILL from the commit point on is
        finished by the next run in any of these folders (``auditor.outputs.recovery``)."""
        if not self._stages:
            return
        primary = self._stages.get(last.parent.resolve()) if last is not None else next(iter(self._stages.values()))
        if primary is None:
            raise ValueError(f"{last} was not staged")
        last = last.parent.resolve() / last.name if last is not None else None
        with journal.folders_locked(self._stages):   # another run's commit into these folders: after it
            self._commit(primary, last, then, as_of, history)

    def _commit(self, primary: Path, last: Path | None, then, as_of, history) -> None:
        moves = journal.journal_moves(self._stages, self._given, last)
        plan = {"version": 1, "primary": str(primary), "stages": [str(s) for s in self._stages.values()],
                   "moves": moves, "names": [Path(m["name"]).name for m in reversed(moves)],
                   "as_of": str(as_of) if as_of else None, "history": history}
        with signals.signals_blocked():
            try:
                for stage in sorted(self._stages.values(), key=lambda s: s == primary):
                    journal.write_journal(stage, plan)
            except OSError as exc:
                raise OutputError(f"cannot write {self._labels.get(Path(moves[-1]['from']), last)}: "
                                  f"{describe(exc)}") from None
            if then is not None:
                try:
                    then()
                except BaseException:
                    (primary / journal.JOURNAL).unlink()   # not committed after all: nothing was moved
                    journal.fsync_folder(primary)
                    raise
                (primary / journal.RECORDED).touch()
            try:
                journal.roll_forward(plan)
            except journal.Tampered as exc:
                self.outputs = signals.PUBLISHED
                self.discard(primary)
                raise OutputError(f"{', '.join(exc.names)} was not put in place: it was replaced by a link in the "
                                  "run's private folder while the run wrote it (someone changed that folder); "
                                  "the other outputs were put in place") from None
            except BaseException as exc:
                self._release()   # committed: the next run in this folder (or auditor recover) finishes it
                if not isinstance(exc, OSError):
                    raise
                failed = next((m for m in moves if os.path.lexists(m["from"])), moves[-1])
                raise OutputError(f"cannot put {Path(failed['name']).name} in place: {describe(exc)}; the next "
                                  f"run writing into {Path(failed['name']).parent} finishes this one "
                                  "(or run: auditor recover)") from None
            self.outputs = signals.PUBLISHED
            self.discard(primary)

    def _release(self) -> None:
        for fd in self._locks.values():
            os.close(fd)
        self._locks.clear()
        self._stages.clear()

    def discard(self, primary: Path | None = None) -> None:
        """Delete the staging folders (the report's last) and let their locks go; a Ctrl-C or SIGTERM
        meanwhile waits until they are gone."""
        with signals.signals_blocked():
            journal.remove_stages(list(self._stages.values()), primary)
            self._release()


def recover(folders: Iterable) -> list[str]:
    """Finish or undo earlier runs killed while writing into ``folders``; one line for each."""
    lines = []
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        try:
            lines += recovery.recover(folder).lines(folder)
        except OSError as exc:
            raise OutputError(f"cannot finish an earlier run stopped while writing into {folder}: "
                              f"{describe(exc)}") from None
    return lines
