"""What the upload page's fork server imports once, so that every worker forked from it starts with the
audit code loaded: the worker module and what an audit and its report import on first use
(``work.WARM_MODULES``).

Imports only: no file is read and no thread is started here, as processes are forked from this one.  Each
worker still calls ``work.warm()`` (the rules and the calendar, read once a worker).
"""

from __future__ import annotations

import importlib

from auditor.web import work

for _name in work.WARM_MODULES:
    importlib.import_module(_name)
