"""``docs/columns.md``: the accepted input columns, their spellings and values, and the data issue
codes, written from ``auditor.columns`` and ``auditor.model`` (``make docs``; a test fails when stale)."""

from __future__ import annotations

from auditor import columns as C
from auditor.load.recognise import AMBIGUOUS
from auditor.model import DATA_ISSUE_CODES

_TYPES = {C.TEXT: "text", C.CATEGORY: "one of a list", C.DATE: "date", C.BOOL: "yes/no"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _spellings(values) -> str:
    return ", ".join(f"`{v}`" for v in dict.fromkeys(values))


_AMBIGUOUS_SHOWN = {"paceraccount": "pacer account", "account": "account", "pacerid": "pacer id",
                    "accountid": "account id", "paceraccountid": "pacer account id", "id": "id",
                    "useraccount": "user account", "accountname": "account name"}


def _ambiguous_spellings(kind: str) -> dict[str, tuple[str, ...]]:
    return {_AMBIGUOUS_SHOWN.get(k, k): v for k, v in AMBIGUOUS[kind].items()}


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
        "A header is read as words, with the abbreviations people use written out: "
        + ", ".join(f"`{a}` = {' '.join(w)}" for a, w in C.ABBREVIATIONS.items())
        + ", `#` = number, `e-mail` = email; so `PACER Acct`, `Acct Status`, `Bar #`, `E-mail addr` and "
        "`PACER Login ID` are spellings listed below. A header that is no spelling of any column is read by "
        "its words (`Attorney E-mail` is an e-mail; `Secondary E-mail`, `Bar Status`, `Remark` or `Filing "
        "Agent` are none of the columns) and used only when a sample of its values has that column's shape "
        "(e-mail addresses, usernames, 7-digit account numbers, dates, the values of a list). Where a header "
        "could be two columns (in a PACER list, `PACER Acct` may be the username or the 7-digit account "
        "number) the values decide; where two headers could hold one column, the one whose values fit it "
        "and whose header says it more plainly is read. When the values cannot decide, the file is not "
        "audited on a guess: the audit stops with one line naming the file, the header and the columns it "
        "could be, and you say which with `--map \"HEADER=column\"` (on `audit` and `validate`; "
        "`\"HEADER=\"` leaves a header unused) or on the upload page's mapping step. The Summary's Input "
        "files table and `auditor validate` show which header was read as which column "
        "(`PACER Acct -> PACER username`).",
        "",
        "Tables are found as exported: title rows above the header and a totals or \"report generated\" "
        "line below the table are not audited (each is listed as a data issue), the table may start "
        "anywhere on the sheet, a workbook whose first sheet is a notes or cover sheet is read from the "
        "first sheet with a header, and text files may be comma-, semicolon-, tab- or bar (`|`)-separated, "
        "in UTF-8, UTF-16 (with or without its byte order mark) or Windows-1252.",
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
            spellings = col.aliases[1:]
            if kind in AMBIGUOUS:
                spellings += tuple(f"{k} (or {' or '.join(c for c in v if c != col.name)}, by its values)"
                                   for k, v in _ambiguous_spellings(kind).items() if col.name in v)
            out.append(f"| `{col.name}` | {required} | {_TYPES[col.dtype]} | {_cell(_spellings(spellings))} "
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
