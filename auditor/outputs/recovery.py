"""Finishing or undoing a run that was killed while putting its outputs in place: a run whose journal
was committed is rolled forward, any other is cleared away (layout: ``auditor.outputs.journal``)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from auditor.outputs.journal import (
    NEW_PREFIX, PREFIX, RECORDED, LOCK, ours, read_journal, remove_stages, roll_forward, take_lock,
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
    for stage in entries:
        if stage.name.startswith(NEW_PREFIX):   # killed while setting up its staging folder
            stage = stage.with_name(PREFIX + stage.name[len(NEW_PREFIX):]) if _claim(stage) else stage
        if not ours(stage):
            continue
        fd = take_lock(stage)
        if fd is None:
            if not os.path.lexists(stage / LOCK) and stage.exists():
                shutil.rmtree(stage, ignore_errors=True)   # left by an older version, which had no lock
                done.undone += 1
            continue
        try:
            journal = read_journal(stage)
            primary = Path(journal["primary"]) if journal and journal.get("primary") else None
            held = []
            if primary is not None and primary != stage:
                pfd = take_lock(primary)
                if pfd is None and primary.exists():
                    continue       # another run is recovering it right now
                held.append(pfd)
            try:
                committed = read_journal(primary) if primary is not None and ours(primary) else None
                if committed is not None and primary is not None:
                    for other in committed["stages"]:
                        if Path(other) not in (stage, primary) and ours(Path(other)):
                            held.append(take_lock(Path(other)))
                    roll_forward(committed)
                    committed["recorded"] = os.path.lexists(primary / RECORDED)
                    remove_stages([Path(s) for s in committed["stages"] if ours(Path(s))], primary)
                    done.finished.append(committed)
                else:
                    shutil.rmtree(stage, ignore_errors=True)
                    done.undone += 1
            finally:
                for h in held:
                    if h is not None:
                        os.close(h)
        finally:
            os.close(fd)
    return done


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
