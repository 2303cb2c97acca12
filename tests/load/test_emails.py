"""The e-mail check settles most cells by their bytes: its answer must be the regular expression's,
cell for cell, whichever way the bytes fall."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc

from auditor.validate.emails import EMAIL_RE, email_shaped

CELLS = ["a@b.com", "a@b.us", "a@b.info", "a@b.c", "@b.com", "a@.com", "a@b..com", "a@b.com.", "a@@b.com",
         "a@b@c.com", "a.b@c", "ab@c.d.e", "a@bcom", "a b@c.com", "a\t@b.com", "a@b.co\x0bm", "ü@ö.com", "a@b.cöm",
         "a@ö.ü", "a@b.c.com", "x@y.legal", "x@y.abcdef", "a@b.c.", "a@b.", "a@..com", "a@.b.com", "a.@b.com",
         ".a@b.com", "a@b.com\n", "é@b.us", None, "a@b..", "a@b.c..d", "a@b.x.y.org", "a@bc.d"]


def _regex(cells: pa.ChunkedArray) -> list[bool]:
    return pc.fill_null(pc.match_substring_regex(cells, f"^{EMAIL_RE}$"), True).to_pylist()


def _column(cells: list, parts: int = 1) -> pa.ChunkedArray:
    cut = len(cells) // parts
    return pa.chunked_array([pa.array(cells[i * cut:(i + 1) * cut if i < parts - 1 else None], pa.large_string())
                             for i in range(parts)], pa.large_string())


def test_the_bytes_give_the_regular_expressions_answer_for_every_cell():
    for cells in (CELLS, [c for c in CELLS if c is None or (c.count("@") == 1 and " " not in c and "\t" not in c
                                                            and "\n" not in c and "\x0b" not in c)]):
        column = _column(cells)
        assert email_shaped(column).tolist() == _regex(column)
    # well-formed addresses only: the bytes settle them; a few not: those go to the regular expression
    good = [f"user{i}@firm{i % 7}.{('com', 'us', 'info', 'legal')[i % 4]}" for i in range(40)]
    column = _column(good + ["a@b.c.", "a@.com", "a@b..com", "@b.us", None], parts=3)
    assert email_shaped(column).tolist() == _regex(column)
    assert email_shaped(column).tolist()[:40] == [True] * 40


def test_random_cells_agree_with_the_regular_expression():
    rng = random.Random(7)
    for trial in range(200):
        cells: list[str | None] = []
        for _ in range(60):
            if rng.random() < 0.1:
                cells.append(None)
            elif rng.random() < 0.75:   # mostly one "@", dots anywhere
                cells.append("x" + "".join(rng.choice("ab.") for _ in range(rng.randint(0, 3))) + "@"
                             + "".join(rng.choice("abc.") for _ in range(rng.randint(0, 8))))
            else:
                cells.append("".join(rng.choice("ab.@ \t\x0bü-") for _ in range(rng.randint(1, 12))))
        column = _column(cells, parts=1 + trial % 3)
        assert email_shaped(column).tolist() == _regex(column), cells
