"""Where a run's outputs go, and how they get there whole.

- ``check_outputs`` refuses, before any data is read, an output that is one of the inputs or
  another output of the same run (compared by resolved path and by file identity), an output
  that exists and is not a regular file (a device, a folder, a pipe), a name too long for its
  folder, and a folder that cannot be written.
- ``Staging`` gives each output folder a private folder of its own (``tempfile.mkdtemp``: a new,
  unguessable name that only this user can enter), where every output of the run is written.
  ``commit`` moves them all into place, each with one atomic rename, only once all were written;
  SIGINT and SIGTERM wait until the renames are done.  A failed or interrupted run leaves the
  previous outputs as they were.
- ``atomic_file`` writes one file through a temporary file made with ``tempfile`` (``O_EXCL``,
  never following a planted link) in the target folder, then renamed over the target.

Errors name the output the user gave, never a temporary file.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

from auditor.errors import UsageError

STAGE_PREFIX = ".auditor-run-"
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
    return words.get(exc.errno, exc.strerror or exc.__class__.__name__)


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


def check_outputs(outputs: Iterable[tuple[str, object]], inputs: Iterable = ()) -> None:
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
    folders: set[Path] = set()
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
        folders.add(folder)
    for folder in folders:
        try:  # a real try, not os.access: read-only disks and network shares answer it wrongly
            Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=folder)).rmdir()
        except OSError as exc:
            raise OutputError(f"cannot write into the folder {folder}: {describe(exc)}") from None


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


@contextmanager
def _signals_deferred():
    """SIGINT and SIGTERM received inside the block take effect when it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    saved = {s: signal.signal(s, lambda n, _f: caught.append(n)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        for s in caught:
            signal.raise_signal(s)


class Staging:
    """Private folders beside the outputs, where a run writes everything before it is moved into place."""

    def __init__(self) -> None:
        self._stages: dict[Path, Path] = {}   # final folder -> its private staging folder
        self._given: dict[Path, Path] = {}    # final folder -> the folder as the caller wrote it
        self._labels: dict[Path, str] = {}

    def path(self, final, label: str | None = None) -> Path:
        """Where to write the output that will be ``final``."""
        final = Path(final)
        folder = final.parent.resolve()
        stage = self._stages.get(folder)
        if stage is None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=folder))
            except OSError as exc:
                raise OutputError(f"cannot write {label or final.name}: {describe(exc)}") from None
            self._stages[folder] = stage
            self._given[folder] = final.parent
        self._labels[stage / final.name] = label or final.name
        return stage / final.name

    def finals(self) -> list[Path]:
        """Every staged file and folder, at the path it will have once moved into place."""
        return [folder / item.name for folder, stage in self._stages.items() for item in sorted(stage.iterdir())]

    def final(self, staged: Path) -> Path:
        """The path a staged file will have once moved into place (in the folder as given)."""
        for folder, stage in self._stages.items():
            if staged.is_relative_to(stage):
                return self._given[folder] / staged.relative_to(stage)
        raise ValueError(f"{staged} is not staged here")

    def commit(self, last: Path | None = None, then=None) -> None:
        """Move every staged item into place (``last``, the main report, last of all), then
        call ``then()``; SIGINT and SIGTERM wait until both are done."""
        moves = [(stage / f.name, f) for f in self.finals()
                 for stage in [self._stages[f.parent]]]
        if last is not None:
            last = last.parent.resolve() / last.name
            moves.sort(key=lambda m: m[1] == last)
        with _signals_deferred():
            for src, dst in moves:
                try:
                    os.replace(src, dst)
                except OSError as exc:
                    label = self._labels.get(src, dst.name)
                    raise OutputError(f"cannot write {label}: {describe(exc)}") from None
            self.discard()
            if then is not None:
                then()

    def discard(self) -> None:
        for stage in self._stages.values():
            shutil.rmtree(stage, ignore_errors=True)
        self._stages.clear()
