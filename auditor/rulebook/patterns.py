"""Regular expressions of rule conditions, run by RE2 (through pyarrow) in time linear in the text.

Python's own engine backtracks: ``(\\w+\\s?)*`` took 35 s on a 30-character name.  A pattern RE2
cannot run (lookaround, backreferences) is refused when the rules file is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # pyarrow is imported when a pattern is first checked or run (not to list the rules)
    import numpy as np


class PatternError(ValueError):
    """A pattern RE2 cannot run."""


def short(value: object, limit: int = 60) -> str:
    """A value as shown in an error message: repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _anchored(pattern: str) -> str:
    return f"^(?:{pattern})$"


def linear_pattern(pattern: str) -> str:
    """``pattern`` when RE2 can run it, else PatternError saying why."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern=_anchored(pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        why = " ".join(str(exc).split())[:120]
        raise PatternError(f"pattern {short(pattern)} cannot be run in linear time (RE2 syntax: no lookaround "
                           f"or backreferences): {why}") from None
    return pattern


def full_matches(values, pattern: str) -> np.ndarray:
    """Boolean array: where the whole value matches ``pattern`` (blank: False)."""
    import numpy as np
    import pyarrow.compute as pc

    hit = pc.fill_null(pc.match_substring_regex(values, pattern=_anchored(pattern)), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
