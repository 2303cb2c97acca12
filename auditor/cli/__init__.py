"""The ``auditor`` command line (the ``auditor`` command starts at :mod:`auditor.cli.entry`).

- :mod:`main`       the command group, ``audit`` (through ``auditor.api.run``), and how a run ends
- :mod:`inputs`     ``validate`` and ``sample``: input files checked, or made up
- :mod:`reference`  ``rules``, ``columns``, ``courts``: what the auditor knows
- :mod:`services`   ``serve`` (the upload page), ``history``, ``recover``  (``notify``: ``auditor.notify.command``;
                    ``invite``: ``auditor.portal.command``)
- :mod:`common`     exit codes, dates, names as a terminal shows them, progress messages
- :mod:`limits`     the size limit options
"""
