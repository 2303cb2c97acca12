"""The court's settings for notices and messages: a small TOML file the clerk fills once.

``auditor notify --init-settings`` writes the example below (``auditor-court.toml``); the README
describes every key.  A password is never kept in the file: the file names an environment variable
that holds it (or the clerk is asked for it), and the same for an OAuth2 token.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import UsageError

DEFAULT_NAME = "auditor-court.toml"
SECURITIES = ("starttls", "tls", "none")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")

EXAMPLE = """\
# Settings for 'auditor notify': the court's details on every notice and message, and its mail relay.
# Fill this in once. Text is written on the notices exactly as given here.

[court]
name = "United States Bankruptcy Court for the Middle District of North Carolina"
clerk_name = "Office of the Clerk"
address = "101 South Edgeworth Street, Greensboro, NC 27401"
phone = "(336) 358-4000"
# where firms write back, and where the clerk's digest of each sending goes
reply_to = "nextgen@example.uscourts.gov"
# the sender of every message (often the same address)
from_address = "nextgen@example.uscourts.gov"
clerk_email = "clerk@example.uscourts.gov"
# days a firm has to act when a finding has no due date of its own
answer_within_days = 14

[smtp]
host = "smtp.example.uscourts.gov"
port = 587
# starttls (port 587), tls (implicit TLS, port 465) or none (a relay inside the court's network)
security = "starttls"
# leave username empty for a relay that takes mail without logging in
username = ""
# the password is read from this environment variable (or asked for with --password-prompt)
password_env = "AUDITOR_SMTP_PASSWORD"
# for relays that take an OAuth2 access token instead (XOAUTH2): the variable holding the token
oauth2_token_env = ""
# a certificate authority file for a relay whose certificate the system does not know (optional)
ca_file = ""
timeout_seconds = 60

[notices]
# a folder of your own templates (notice.html, message.txt, message.html, digest.txt); any file not
# there is taken from the auditor's own
templates = ""
# a TrueType font for the notices (needed only for names in scripts other than Latin); by default
# DejaVu Sans or Arial is used where the system has it
font = ""
"""


@dataclass
class Smtp:
    host: str = ""
    port: int = 0
    security: str = "starttls"
    username: str = ""
    password_env: str = "AUDITOR_SMTP_PASSWORD"
    oauth2_token_env: str = ""
    ca_file: str = ""
    timeout_seconds: float = 60.0

    @property
    def port_or_default(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]


@dataclass
class Settings:
    court_name: str = "The Court"
    clerk_name: str = "Office of the Clerk"
    address: str = ""
    phone: str = ""
    reply_to: str = ""
    from_address: str = ""
    clerk_email: str = ""
    answer_within_days: int = 14
    smtp: Smtp = field(default_factory=Smtp)
    templates: str = ""
    font: str = ""
    source: str = ""        # the file read ("" when none)

    @property
    def sender(self) -> str:
        return self.from_address or self.reply_to


def _text(table: dict, key: str, where: str, default: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise UsageError(f"{where}: {key} must be text in quotes")
    return value.strip()


def _number(table: dict, key: str, where: str, default, low=0):
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
        raise UsageError(f"{where}: {key} must be a number of at least {low}")
    return value


def load(path: str | os.PathLike | None) -> Settings:
    """The settings in ``path`` (default: ``auditor-court.toml`` here, or none at all)."""
    if path is None:
        if not Path(DEFAULT_NAME).is_file():
            return Settings()
        path = DEFAULT_NAME
    p = Path(path)
    name = p.name
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UsageError(f"{name}: no such settings file ('auditor notify --init-settings' writes one)") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not a text file in UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{name}: not a valid settings file ({exc})") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot be read ({exc.strerror})") from None
    known = {"court", "smtp", "notices"}
    for key in data:
        if key not in known:
            raise UsageError(f"{name}: unknown section [{key}] (known: court, smtp, notices)")
    court, smtp, notices = (data.get(k, {}) for k in ("court", "smtp", "notices"))
    where = f"{name} [court]"
    s = Settings(
        court_name=_text(court, "name", where, Settings.court_name),
        clerk_name=_text(court, "clerk_name", where, Settings.clerk_name),
        address=_text(court, "address", where), phone=_text(court, "phone", where),
        reply_to=_text(court, "reply_to", where), from_address=_text(court, "from_address", where),
        clerk_email=_text(court, "clerk_email", where),
        answer_within_days=int(_number(court, "answer_within_days", where, 14, 1)),
        templates=_text(notices, "templates", f"{name} [notices]"),
        font=_text(notices, "font", f"{name} [notices]"), source=str(p),
    )
    for key in ("reply_to", "from_address", "clerk_email"):
        value = getattr(s, key)
        if value and not _EMAIL.match(value):
            raise UsageError(f"{where}: {key} {value!r} is not an e-mail address")
    where = f"{name} [smtp]"
    security = _text(smtp, "security", where, "starttls").lower()
    if security not in SECURITIES:
        raise UsageError(f"{where}: security must be one of {', '.join(SECURITIES)}, not {security!r}")
    s.smtp = Smtp(host=_text(smtp, "host", where), port=int(_number(smtp, "port", where, 0)), security=security,
                  username=_text(smtp, "username", where),
                  password_env=_text(smtp, "password_env", where, Smtp.password_env),
                  oauth2_token_env=_text(smtp, "oauth2_token_env", where), ca_file=_text(smtp, "ca_file", where),
                  timeout_seconds=float(_number(smtp, "timeout_seconds", where, 60, 1)))
    if s.templates and not Path(s.templates).is_absolute():   # relative to the settings file
        s.templates = str(p.parent / s.templates)
    return s


def write_example(path: str | os.PathLike) -> Path:
    """Write the example settings file, never over an existing file."""
    p = Path(path)
    try:
        with p.open("x", encoding="utf-8") as fh:
            fh.write(EXAMPLE)
    except FileExistsError:
        raise UsageError(f"{p.name} already exists; edit it, or give another name") from None
    return p
