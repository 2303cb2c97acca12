"""pandera's checks registered once, on import (``validate.table`` imports this before any validation),
without their data generators.

pandera registers its pandas checks at its first validation, and with the test tools installed it
imports hypothesis then to give each check a data generator: 0.1 s of CPU in every run, for a feature
the auditor never uses.  The checks are registered here with hypothesis hidden, as on a user's machine,
where it is not installed (where it is already loaded, as in the tests, nothing is hidden); done at
import, it is part of what a warm worker of the upload page has done before its first upload.
"""

from __future__ import annotations

import sys


def register_checks() -> None:
    hide = "hypothesis" not in sys.modules
    if hide:
        sys.modules["hypothesis"] = None   # type: ignore[assignment]  # "import hypothesis" fails meanwhile
    try:
        import pandas as pd
        import pandera.backends.register_checks  # noqa: F401 - what a check's first run looks its backend up with
        import pandera.pandas as pa

        pa.DataFrameSchema.register_default_backends(pd.DataFrame)
    finally:
        if hide and sys.modules.get("hypothesis", 0) is None:
            del sys.modules["hypothesis"]


register_checks()
