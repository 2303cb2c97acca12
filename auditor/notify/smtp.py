"""Talking to the court's mail relay: connect (STARTTLS, implicit TLS or plain), log in (password,
OAuth2 token with XOAUTH2, or not at all), and hand over one message, reading the server's answer to
each step.

An answer is sorted as the SMTP standard means it: 2xx taken, 4xx "try later" (and a connection that
breaks, or a 421 "closing"), 5xx refused for good.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass

from auditor.errors import AuditorError
from auditor.notify.settings import Smtp

TAKEN, LATER, REFUSED = "taken", "later", "refused"


class NotifyError(AuditorError):
    """The mail relay cannot be used at all (no such host, the login refused...)."""


@dataclass
class Answer:
    outcome: str            # taken | later | refused
    text: str               # the server's answer, "550 5.1.1 <x@y>: user unknown"
    refused: list[str]      # recipients refused for good while others were taken


def _text(code, msg) -> str:
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    return " ".join(f"{code} {msg}".split())[:500]


def _kind(code: int) -> str:
    return TAKEN if 200 <= code < 400 else LATER if 400 <= code < 500 else REFUSED


class Relay:
    def __init__(self, smtp: Smtp, *, password: str = "", token: str = ""):
        self.cfg, self.password, self.token = smtp, password, token
        self.conn: smtplib.SMTP | None = None

    def connect(self) -> None:
        c = self.cfg
        if not c.host:
            raise NotifyError("no mail relay: give --smtp-host or set host in the settings file's [smtp]")
        context = ssl.create_default_context(cafile=c.ca_file or None)
        port = c.port_or_default
        try:
            conn: smtplib.SMTP
            if c.security == "tls":
                conn = smtplib.SMTP_SSL(c.host, port, timeout=c.timeout_seconds, context=context)
            else:
                conn = smtplib.SMTP(c.host, port, timeout=c.timeout_seconds)
            conn.ehlo()
            if c.security == "starttls":
                if not conn.has_extn("starttls"):
                    conn.close()
                    raise NotifyError(f"the mail relay {c.host}:{port} does not offer STARTTLS; "
                                      "set security = \"tls\" or \"none\" if that is how it works")
                conn.starttls(context=context)
                conn.ehlo()
            if c.username:
                self._login(conn)
        except NotifyError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise NotifyError(f"the mail relay {c.host} refused the login of {c.username!r}: "
                              f"{_text(exc.smtp_code, exc.smtp_error)}") from None
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise NotifyError(f"the mail relay {c.host}:{port}: TLS failed ({exc.__class__.__name__}: "
                              f"{' '.join(str(exc).split())[:200]}); check security, port and ca_file") from None
        except (OSError, smtplib.SMTPException) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())[:200]
            raise NotifyError(f"cannot reach the mail relay {c.host}:{port} ({why or exc.__class__.__name__})") from None
        self.conn = conn

    def _login(self, conn) -> None:
        user = self.cfg.username
        if self.token:
            conn.auth("XOAUTH2", lambda challenge=None: f"user={user}\x01auth=Bearer {self.token}\x01\x01",
                      initial_response_ok=True)
        else:
            conn.login(user, self.password)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                try:
                    self.conn.close()
                except OSError:
                    pass
            self.conn = None

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None

    def _reset(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def send(self, sender: str, recipients: list[str], data: bytes) -> Answer:
        """Hand one message over; a broken connection is "later" (and made again on the next call)."""
        try:
            if self.conn is None:
                self.connect()
            return self._send(sender, recipients, data)
        except NotifyError as exc:
            self._drop()
            return Answer(LATER, str(exc), [])
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            return Answer(LATER, f"connection lost ({' '.join(str(exc).split())[:200] or 'closed by the server'})", [])
        except smtplib.SMTPResponseException as exc:   # an answer smtplib raises (to DATA, say)
            if exc.smtp_code == 421 or exc.smtp_code < 400:
                self._drop()
            else:
                self._reset()
            return Answer(_kind(exc.smtp_code) if exc.smtp_code >= 400 else LATER,
                          _text(exc.smtp_code, exc.smtp_error), [])
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return Answer(LATER, f"connection failed ({exc.__class__.__name__}: {' '.join(str(exc).split())[:200]})",
                          [])

    def _send(self, sender, recipients, data) -> Answer:
        conn = self.conn
        if conn is None:
            raise smtplib.SMTPServerDisconnected("not connected")   # answered as "later" by send()
        code, msg = conn.mail(sender)
        if code == 421:
            self._drop()
            return Answer(LATER, _text(code, msg), [])
        if code >= 400:
            conn.rset()
            return Answer(_kind(code), _text(code, msg), [])
        taken: list[tuple[str, str]] = []     # (recipient, the server's answer)
        refused: list[tuple[str, str]] = []
        later: list[tuple[str, str]] = []
        for r in recipients:
            code, msg = conn.rcpt(r)
            if code == 421:
                self._drop()
                return Answer(LATER, _text(code, msg), [])
            (taken if code < 400 else later if code < 500 else refused).append((r, _text(code, msg)))
        if not taken:
            conn.rset()
            worst = later or refused
            return Answer(LATER if later else REFUSED, "; ".join(t for _, t in worst), [r for r, _ in refused])
        code, msg = conn.data(data)
        if code == 421:
            self._drop()
            return Answer(LATER, _text(code, msg), [])
        text = _text(code, msg)
        if refused or later:
            text += "; not taken: " + "; ".join(t for _, t in refused + later)
        return Answer(_kind(code), text, [r for r, _ in refused])


def reachable(host: str, port: int, timeout: float = 5.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
