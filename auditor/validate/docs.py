"""``docs/columns.md``: the accepted input columns, their spellings and values, and the data issue
codes, written from ``auditor.columns`` and ``auditor.model`` (``make docs``; a test fails when stale)."""

from __future__ import annotations

from auditor import columns as C
from auditor.model import DATA_ISSUE_CODES

_TYPES = {C.TEXT: "text", C.CATEGORY: "one of a list", C.DATE: "date", C.BOOL: "yes/no"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _spellings(values) -> str:
    return ", ".join(f"`{v}`" for v in dict.fromkeys(values))


def columns_markdown() -> str:
    out = [
        "# Input columns",
        "",
        "Written from `auditor/columns.py` by `make docs`; do not edit by hand.",
        "",
        "Headers are matched after trimming, folding case and accents, and collapsing spaces, underscores "
        "and punctuation, so `PACER User Name`, `pacer_user_name` and `Pacer-Username` are one spelling. "
        "Values of a column with a list are matched the same way. A column not listed here is kept and "
        "named on the Summary; a required column that is missing stops that file with a message naming "
        "the spellings looked for. Exports that keep `Last Name` and `First Name` in columns of their own "
        "get the name column made from them.",
        "",
        f"Dates may be Excel dates, `2026-11-30`, `11/30/2026` or `11/30/26`. Yes/no cells accept "
        f"{_spellings(C.BOOL_TRUE)} for yes and {_spellings(C.BOOL_FALSE)} for no.",
        "",
    ]
    for kind in C.KINDS:
        out += [f"## {C.KIND_LABELS[kind].capitalize()} (`{C.KIND_OPTIONS[kind]}`)", "",
                "| column | required | type | header spellings accepted | values accepted |",
                "|---|---|---|---|---|"]
        for col in C.columns(kind):
            required = "yes" if col.required else ("for attorneys" if col.required_for_attorneys else "")
            if col.required and col.option:
                required = f"yes, or give `{col.option}`"
            values = "<br>".join(f"`{v}`: {_spellings(s)}" for v, s in col.categories.items())
            if col.default:
                values += f"<br>blank: `{col.default}`"
            out.append(f"| `{col.name}` | {required} | {_TYPES[col.dtype]} | {_cell(_spellings(col.aliases[1:]))} "
                       f"| {_cell(values)} |")
        out.append("")
    out += ["## Data issues", "",
            "Every row or cell that cannot be audited as it is becomes one row of the **Data issues** sheet, "
            "with its file, sheet, row, column, value, a plain reason, one of these codes and a severity "
            "(`rejected`: the row is not audited; `warning`: the row is audited, the cell ignored or read "
            "as said). The codes are stable, for filtering.", "",
            "| code | meaning |", "|---|---|"]
    out += [f"| `{code}` | {_cell(text)} |" for code, text in DATA_ISSUE_CODES.items()]
    return "\n".join(out) + "\n"
