"""The column-mapping confirm step: the user's choices turned into the loader's header maps.

The mapping page shows one drop-down per field, listing the file's own
headers, with the automatic match chosen.  What comes back is checked against
the headers the file really has (a value that is not one of them is ignored)
and becomes, per stored file, header as written -> canonical column: the
``header_maps`` of ``auditor.api.load_inputs``, used for this upload only.
"""

from __future__ import annotations

from pathlib import Path


def field_name(i: int, field: str) -> str:
    """The form field of file ``i``'s drop-down for ``field``."""
    return f"map-{i}-{field}"


def header_maps(files: list[dict], inspected: dict, chosen: dict[str, str],
                typed: dict[str, str] | None = None) -> tuple[dict, list[str]]:
    """(header maps keyed by stored path, problems to show on the page).  ``typed``: field -> the
    value typed on the page for files without that column: such a field may be left unmatched."""
    typed = typed or {}
    maps: dict[str, dict[str, str | None]] = {}
    problems: list[str] = []
    for i, (f, seen) in enumerate(zip(files, inspected["files"])):
        headers = set(seen["headers"])
        mine: dict[str, str | None] = {}
        used: dict[str, str] = {}
        labels: dict[str, str] = {}
        for fld in seen["fields"]:
            auto = fld["header"]
            value = chosen.get(field_name(i, fld["name"]), auto)
            if value in headers:
                if value in used:
                    problems.append(f"{seen['name']}: the column {value!r} was chosen for both "
                                    f"{labels[used[value]]} and {_label(fld)}; choose one column for each")
                    continue
                used[value] = fld["name"]
                labels[fld["name"]] = _label(fld)
                mine[value] = fld["name"]
            elif value == "":
                if auto in headers:
                    mine.setdefault(auto, None)   # "not in this file": the automatic match is not used
                if fld["required"] and not typed.get(fld["name"]):
                    how = " or type it in the box above" if fld.get("typed") else ""
                    problems.append(f"{seen['name']}: choose the column that holds {_label(fld)}{how} "
                                    f"({fld['description'] or 'required'})")
            # any other value (a name composed of two columns, or something not in the file) keeps the
            # automatic reading
        for header, canon in list(mine.items()):
            if canon is None and header in used:
                mine[header] = used[header]
        for a in seen.get("ambiguous", ()):   # a column that could be two fields is used only as chosen
            mine.setdefault(a["header"], None)
        maps[str(Path(f["path"]))] = mine
    return maps, problems


def _label(fld: dict) -> str:
    return fld.get("label") or fld["name"]
