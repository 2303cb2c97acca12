"""Find out what an input file really is, from its content, before reading it.

A file is judged by its first bytes and, for zip-based workbooks, by the
members listed in its zip directory (read without unpacking anything), so a
CSV renamed ``.xlsx``, a PDF, a macro-enabled workbook, a password-protected
workbook or a zip bomb is refused with one clear line instead of a crash.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from auditor.errors import InputError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

# family -> how it is named in messages
FAMILY_LABELS = {
    "xlsx": "Excel workbook (.xlsx)",
    "xlsb": "Excel binary workbook (.xlsb)",
    "xls": "Excel 97-2003 workbook (.xls)",
    "ods": "OpenDocument spreadsheet (.ods)",
    "csv": "CSV text file",
}
_EXT_FAMILY = {
    ".xlsx": "xlsx", ".xltx": "xlsx", ".xlsb": "xlsb", ".xls": "xls", ".ods": "ods",
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".tab": "csv",
}
_MACRO_EXTS = (".xlsm", ".xltm", ".xlam")
_SMALL_MEMBER = 1 << 20  # members under 1 MB never count as a zip bomb

MACROS_REFUSED = ("is a macro-enabled workbook; macros are not accepted. In Excel use File > Save As > "
                  "Excel Workbook (.xlsx) and give that file instead")


@dataclass(frozen=True)
class Detected:
    family: str          # xlsx | xlsb | xls | ods | csv
    ext: str


def _zip_family(path: str, name: str, limits) -> tuple[str | None, str]:
    """The workbook family of a zip file (None if it is no workbook) and a description."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
            if total > limits.max_unzipped_bytes:
                raise InputError(name, (
                    f"refused: it would unpack to {total / 2**20:,.0f} MB, more than the limit of "
                    f"{limits.max_unzipped_bytes / 2**20:,.0f} MB (a damaged file or a zip bomb)"))
            for i in infos:
                if i.file_size > _SMALL_MEMBER and i.file_size > limits.max_zip_ratio * max(i.compress_size, 1):
                    raise InputError(name, (
                        f"refused: part {i.filename!r} is compressed {i.file_size // max(i.compress_size, 1):,} "
                        f"to 1, more than the limit of {limits.max_zip_ratio} to 1 (a zip bomb)"))
            content_types = b""
            if "[Content_Types].xml" in names:
                info = zf.getinfo("[Content_Types].xml")
                if info.file_size < 4 << 20:
                    content_types = zf.read(info)
            mimetype = zf.read("mimetype")[:200] if "mimetype" in names else b""
    except InputError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, NotImplementedError, ValueError) as exc:
        raise InputError(name, f"is damaged and cannot be opened as a workbook ({exc})") from None
    # an .xlsb's own content type says "binary.macroEnabled" with or without macros: only a
    # VBA project, or an .xlsm/.xltm/.xlam content type, means macros
    ctypes = content_types.lower()
    if any(n.lower().endswith("vbaproject.bin") for n in names) or any(
            t in ctypes for t in (b"sheet.macroenabled", b"template.macroenabled", b"addin.macroenabled")):
        raise InputError(name, MACROS_REFUSED)
    if "xl/workbook.xml" in names:
        return "xlsx", "an Excel workbook (.xlsx)"
    if "xl/workbook.bin" in names:
        return "xlsb", "an Excel binary workbook (.xlsb)"
    if b"opendocument.spreadsheet" in mimetype or ("content.xml" in names and not mimetype):
        return "ods", "an OpenDocument spreadsheet (.ods)"
    if b"opendocument" in mimetype:
        return None, "an OpenDocument file that is not a spreadsheet"
    if "word/document.xml" in names:
        return None, "a Word document"
    if "ppt/presentation.xml" in names:
        return None, "a PowerPoint presentation"
    return None, "a zip archive without a workbook inside"


def _describe_other(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head[:3] in (b"\xff\xd8\xff",) or head.startswith(b"\x89PNG") or head[:4] in (b"GIF8",):
        return "an image"
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    if head.lstrip().startswith(b"<?xml"):
        return "an XML document"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        return "a compressed archive"
    if _looks_binary(head):
        return "binary data, not text"
    return "text"


def _looks_binary(head: bytes) -> bool:
    from auditor.load.csv import utf16_without_bom   # pandas: not needed to list a folder's files

    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head):
        return False
    if b"\x00" in head:
        return True
    control = len(head[:4096].translate(None, _NOT_CONTROL))   # the bytes left are the control bytes
    return control > max(8, len(head[:4096]) // 50)


# every byte but the control characters (below 9, and 14 to 31), deleted to count those
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def detect(path: str, name: str, head: bytes, limits) -> Detected:
    """The file family to read ``path`` as, or InputError when it must be refused."""
    ext = ""
    if "." in name:
        ext = "." + name.rsplit(".", 1)[1].lower()
    if ext in _MACRO_EXTS:
        raise InputError(name, MACROS_REFUSED)
    want = _EXT_FAMILY.get(ext)  # None: unknown extension, judged by content alone
    family: str | None
    if head.startswith(OLE2_MAGIC):
        with open(path, "rb") as fh:
            blob = fh.read(min(limits.max_file_bytes, 64 << 20))
        if _ENCRYPTION_INFO in blob:
            raise InputError(name, (
                "is password-protected (encrypted) and cannot be read. Open it in Excel, remove the "
                "password (File > Info > Protect Workbook), save an unprotected copy and give that file"))
        family, what = "xls", "an Excel 97-2003 workbook (.xls)"
    elif head.startswith(ZIP_MAGIC):
        family, what = _zip_family(path, name, limits)
    else:
        what = _describe_other(head)
        family = "csv" if what == "text" else None
        if family == "csv":
            what = "plain text (CSV)"
    expected = FAMILY_LABELS.get(want, "a spreadsheet or CSV file") if want else "a spreadsheet or CSV file"
    if family is None:
        raise InputError(name, f"is not {_article(expected)} (its content is {what})")
    if want is not None and family != want:
        raise InputError(name, (
            f"is not {_article(expected)} (its content is {what}); give the file its proper "
            "extension or save it again in the expected format"))
    return Detected(family=family, ext=ext)


def _article(label: str) -> str:
    if label.startswith(("a ", "an ")):
        return label
    return ("an " if label[0].lower() in "aeiou" else "a ") + label


INPUT_EXTENSIONS = tuple(_EXT_FAMILY)
_GLOB_CHARS = ("*", "?", "[")


def input_files(paths) -> list[str]:
    """The files named by ``paths``: a folder stands for every spreadsheet and CSV file in it (sorted
    by name; hidden files and Excel's ``~$`` lock files left out), and a pattern the shell did not
    expand (``roster_*.csv``) for the files it matches.  Anything else is passed on as given, to be
    refused by the reader with its own message when it is no file."""
    import glob
    import os

    out: list[str] = []
    for p in map(os.fspath, paths):
        if os.path.isdir(p):
            found = sorted(e.path for e in os.scandir(p) if e.is_file() and not e.name.startswith((".", "~$"))
                           and os.path.splitext(e.name)[1].lower() in INPUT_EXTENSIONS)
            if not found:
                raise InputError(os.path.basename(os.path.normpath(p)) or p, (
                    "is a folder without a CSV or spreadsheet file in it (looked for: "
                    f"{', '.join(INPUT_EXTENSIONS)})"))
            out += found
        elif not os.path.exists(p) and any(c in p for c in _GLOB_CHARS):
            found = sorted(f for f in glob.glob(p) if os.path.isfile(f))
            if not found:
                raise InputError(p, "no file matches this pattern")
            out += found
        else:
            out.append(p)
    return out


def refuse_missing(paths) -> None:
    """InputError, in the reader's own words, for the first of ``paths`` (as :func:`input_files` gives
    them) that is not there: the command line says so before it loads what reading needs (pandas and
    pyarrow take a second to load).  Any other reason a file cannot be read is left to the reader."""
    import os
    from pathlib import Path

    for p in paths:
        try:
            os.stat(p)
        except FileNotFoundError:
            raise InputError(os.path.basename(Path(p)), "file not found") from None
        except OSError:
            pass
