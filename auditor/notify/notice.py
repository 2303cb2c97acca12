"""A firm's notice as a PDF letter on Letter paper, text at 10 pt or more.

Made with ReportLab from the ``notice.html`` template (``auditor.notify.pdf`` draws its HTML subset):
pure Python with wheels on every system, no system library (HTML-to-PDF engines built on a browser's
layout, such as WeasyPrint, need Pango).  Names in any script need a Unicode font: DejaVu Sans or Arial where the system has it (or the
settings' ``font``); without one the PDF's own Helvetica is used and a letter it lacks is written without
its accent, or as "?".
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from functools import lru_cache
from pathlib import Path

from auditor.notify.render import render
from auditor.notify.settings import Settings
from auditor.notify.source import Part

_FONT_PLACES = [   # (regular, bold): Linux, Windows, macOS
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    (os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arial.ttf"),
     os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arialbd.ttf")),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
]
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u2022": "-", "\u2026": "...", "\u00a0": " "})


@lru_cache(maxsize=4)
def font_files(chosen: str = "") -> tuple[str, str] | None:
    """(regular, bold) TrueType files, or None for the PDF's own Helvetica."""
    if chosen:
        p = Path(chosen)
        if not p.is_file():
            from auditor.errors import UsageError

            raise UsageError(f"the notices' font {p.name!r} is not a file")
        bold_file = p.with_name(p.stem + "-Bold" + p.suffix)
        return str(p), str(bold_file if bold_file.is_file() else p)
    for regular, bold in _FONT_PLACES:
        if os.path.isfile(regular):
            return regular, bold if os.path.isfile(bold) else regular
    return None


def _fits_cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def _cp1252(text: str) -> str:
    """Text the PDF's own fonts can draw: accents kept where they have the letter, else dropped."""
    if _fits_cp1252(text):
        return text
    out = []
    for ch in text.translate(_PLAIN):
        if _fits_cp1252(ch):
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and _fits_cp1252(base) else "?")
    return "".join(out)


def context(part: Part, run, settings: Settings, *, link: str = "", today: dt.date | None = None,
            link_ends: dt.datetime | None = None) -> dict:
    groups = part.groups()
    acting = part.acting
    return {
        "court": settings, "firm_name": part.name, "as_of": run.as_of, "today": today or dt.date.today(),
        "groups": groups, "finding_count": len(acting),
        "people_count": len({(f.person, f.cmecf_login, f.pacer_username) for f in acting}),
        "first_due": min((f.due_date for f in acting if f.due_date), default=None),
        "info_count": sum(1 for f in part.findings if f.status in ("Open", "In progress") and not f.acting),
        "court_items": part.key == "", "link": link, "link_ends": link_ends if link else None,
    }


def notice_pdf(part: Part, run, settings: Settings, *, templates: str = "", link: str = "",
               today: dt.date | None = None, link_ends: dt.datetime | None = None) -> bytes:
    """The notice of one firm (or, for ``run.court``, of the court's own items), as PDF bytes."""
    from auditor.notify.pdf import html_to_pdf, truetype

    html = render("notice.html", templates, **context(part, run, settings, link=link, today=today,
                                                                 link_ends=link_ends))
    html = html.translate(_PLAIN)
    # the PDF's own Helvetica draws Western European letters; a TrueType font only when a letter needs it
    files = font_files(settings.font) if settings.font or not _fits_cp1252(html) else None
    if files:
        fonts = truetype(*files)
        label = part.name
    else:
        fonts = ("Helvetica", "Helvetica-Bold")
        html, label = _cp1252(html), _cp1252(part.name)
    return html_to_pdf(html, title=f"Notice to {label}" if part.key else "The court's own items",
                       author=_cp1252(settings.court_name) if not files else settings.court_name,
                       footer=label if part.key else "The court's own items", fonts=fonts)


def made_notice(job: dict, part: Part):
    """(the firm's findings, its notice) when it has something to act on, else None: for
    ``auditor.notify.pool`` (``job``: the run, the settings and the templates)."""
    from auditor.notify.source import load_part

    part = load_part(part)
    if not part.needs_notice:
        return None
    return part.findings, notice_pdf(part, job["run"], job["settings"], templates=job["templates"])
