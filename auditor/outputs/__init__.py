"""Putting a run's outputs in place, whole or not at all.

- :mod:`staging`   where outputs go: checked before any data is read, written in private staging folders,
                   moved into place as one commit (``Staging``); one file replaced whole (``atomic_file``)
- :mod:`journal`   the staging folder's layout, its lock, and the journal of moves that is the commit
- :mod:`recovery`  finishing (committed) or clearing away (not committed) a run that was killed
- :mod:`signals`   SIGINT and SIGTERM: a run stops cleanly, waits while its outputs are moved, ends in one line
- :mod:`threads`   work on threads beside the main one, waited for before the process forks
"""
