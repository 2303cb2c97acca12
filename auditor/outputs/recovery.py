"""Finishing or undoing a run that was killed while putting its outputs in place: a run whose journal
was committed is rolled forward, any other is cleared away (layout: ``auditor.outputs.journal``)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from auditor.outputs.journal import (
    LOCK, NEW_PREFIX, PREFIX, RECORDED, Tampered, folders_locked, ours, read_journal, remove_stages, roll_forward,
    take_lock,
)


@dataclass
class Recovered:
    """What ``recover`` did in one folder: runs finished (their outputs) and runs undone."""

    finished: list[dict] = field(default_factory=list)
    undone: int = 0

    def lines(self, folder: Path) -> list[str]:
        out = []
        for journal in self.finished:
            names = ", ".join(journal.get("names") or [])
            line = (f"an earlier run (as of {journal.get('as_of') or 'an unknown date'}) was stopped while putting "
                    f"its outputs in place; finished it: {names} are now all from that run")
            if journal.get("history") and not journal.get("recorded"):
                line += " (check that 'auditor history' lists it: it was stopped while recording it)"
            if journal.get("tampered"):
                line += (f"; but {', '.join(journal['tampered'])} had been replaced by a link in its private folder "
                         "and was not put in place")
            out.append(line)
        if self.undone:
            out.append(f"removed what {self.undone} earlier stopped run(s) had left unfinished in {folder}; "
                       "the outputs there were not changed by them")
        return out


def recover(folder: Path) -> Recovered:
    """Finish (journal committed) or undo (not committed) every run in ``folder`` whose owner is gone."""
    done = Recovered()
    try:
        entries = sorted(p for p in folder.iterdir() if p.name.startswith((PREFIX, NEW_PREFIX)))
    except OSError:
        return done
    with folders_locked([folder], wait=False) as free:
        if not free:
            return done   # a run is putting its outputs there right now; the next run recovers
        for stage in entries:
            if stage.name.startswith(NEW_PREFIX):   # killed while setting up its staging folder
                if not ours(stage, NEW_PREFIX):
                    continue                         # another user's: never touched
                stage = stage.with_name(PREFIX + stage.name[len(NEW_PREFIX):]) if _claim(stage) else stage
            if ours(stage):
                _recover_one(stage, done)
    return done


def _recover_one(stage: Path, done: Recovered) -> None:
    fd = take_lock(stage)
    if fd is None:
        if not os.path.lexists(stage / LOCK) and stage.exists():
            shutil.rmtree(stage, ignore_errors=True)   # left by an older version, which had no lock
            done.undone += 1
        return
    held: list[int] = []
    try:
        journal = read_journal(stage)
        primary = Path(journal["primary"]) if journal and journal.get("primary") else None
        committed = None
        if primary is not None and primary != stage:
            pfd = take_lock(primary)
            if pfd is None and primary.exists():
                return       # another run is recovering it right now
            if pfd is not None:
                held.append(pfd)
        if primary is not None and ours(primary):
            committed = read_journal(primary)
        if committed is not None:
            for other in map(Path, committed["stages"]):   # each one there: ours, over, the same journal
                if other == primary or not os.path.lexists(other):
                    continue
                ofd = take_lock(other) if other != stage else None
                if ofd is not None:
                    held.append(ofd)
                if not ours(other) or (other != stage and ofd is None) or read_journal(other) != committed:
                    committed = None   # it names a folder that is not its own: nothing it says is done
                    break
        if committed is None:
            shutil.rmtree(stage, ignore_errors=True)
            done.undone += 1
            return
        try:
            roll_forward(committed)
        except Tampered as exc:
            committed["tampered"] = exc.names
        assert primary is not None   # the journal was read from it
        committed["recorded"] = os.path.lexists(primary / RECORDED)
        remove_stages([Path(s) for s in committed["stages"] if ours(Path(s))], primary)
        done.finished.append(committed)
    finally:
        for h in held:
            os.close(h)
        os.close(fd)


def _claim(new: Path) -> bool:
    """Rename a half set-up staging folder whose run is gone to an ordinary one (then cleared)."""
    fd = take_lock(new)
    if fd is None:
        return False
    try:
        os.rename(new, new.with_name(PREFIX + new.name[len(NEW_PREFIX):]))
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
