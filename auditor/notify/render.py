"""The templates of notices and messages: Jinja2, the auditor's own or the court's (a folder given with
``--templates`` or the settings' ``templates`` key; a file missing there comes from the auditor's own).

HTML templates are autoescaped: text read from an input is shown as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources

import jinja2

URGENCY = {"high": "high (act first)", "medium": "medium", "low": "low", "info": "for information"}


def longdate(value) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value:%B} {value.day}, {value.year}"
    return str(value or "")


def lines(text) -> list[str]:
    return [line.strip() for line in str(text or "").split("\n") if line.strip()]


def accounts(f) -> str:
    parts = []
    if f.cmecf_login:
        parts.append(f"CM/ECF login {f.cmecf_login}" + (f" at {f.court}" if f.court else ""))
    elif f.court:
        parts.append(f"court {f.court}")
    if f.pacer_username:
        parts.append(f"PACER username {f.pacer_username}")
    return "; ".join(parts) or "-"


@lru_cache(maxsize=8)
def environment(folder: str = "") -> jinja2.Environment:
    own = jinja2.FileSystemLoader(str(resources.files("auditor.notify") / "templates"))
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder), own]) if folder else own
    env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(longdate=longdate, lines=lines, accounts=accounts,
                       urgency=lambda s: URGENCY.get(s, s))
    return env


def render(name: str, folder: str = "", **context) -> str:
    from auditor.errors import UsageError

    try:
        return environment(folder).get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        where = f"{name} in {folder}" if folder else name
        raise UsageError(f"template {where} cannot be used: {exc}") from None
