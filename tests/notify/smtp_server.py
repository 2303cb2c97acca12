"""A real SMTP server on loopback for the notify tests (aiosmtpd), whose answers a test can script.

``SmtpServer`` keeps every message it took (answered 250), parsed with the standard ``email`` parser.
A test can make it answer 421 or 450 to a recipient's next messages, refuse a recipient (550), drop the
connection when a message's data has come in (before answering it), or call a function on the Nth
message (to stop the sender there).  Authentication: LOGIN/PLAIN with a password, or XOAUTH2 with a token.
"""

from __future__ import annotations

import base64
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Script:
    refuse: set = field(default_factory=set)            # recipients answered 550
    temp_data: dict = field(default_factory=dict)       # recipient -> [answer, times left] at the end of DATA
    drop_data: dict = field(default_factory=dict)       # recipient -> times the connection is dropped after DATA
    on_message: object = None                           # f(n) called before answering the nth message taken
    password: str = ""                                   # LOGIN/PLAIN password wanted (with user)
    user: str = ""
    token: str = ""                                      # XOAUTH2 token wanted


class _Handler:
    def __init__(self, owner: SmtpServer):
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.owner.script.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        o, script = self.owner, self.owner.script
        with o.lock:
            o.attempts += 1
            for r in envelope.rcpt_tos:
                left = script.drop_data.get(r.lower(), 0)
                if left:
                    script.drop_data[r.lower()] = left - 1
                    o.dropped += 1
                    server.transport.close()    # the data came in; the answer never goes out
                    return "421 closing"
                answer = script.temp_data.get(r.lower())
                if answer and answer[1]:
                    answer[1] -= 1
                    return answer[0]
            n = len(o.messages) + 1
        if script.on_message is not None:
            stop = script.on_message(n)
            if stop:
                return stop
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with o.lock:
            o.messages.append((list(envelope.rcpt_tos), envelope.mail_from, msg))
        return f"250 2.0.0 Ok: queued as M{n:05d}"

    async def auth_XOAUTH2(self, server, args):
        blob = args[1] if len(args) > 1 else await server.challenge_auth("", encode_to_b64=False)
        try:
            text = base64.b64decode(blob).decode()
        except Exception:   # noqa: BLE001
            return AuthResult(success=False, handled=False)
        parts = dict(p.split("=", 1) for p in text.split("\x01") if "=" in p)
        ok = parts.get("user") == self.owner.script.user and parts.get("auth") == f"Bearer {self.owner.script.token}"
        self.owner.logins.append(("XOAUTH2", parts.get("user")))
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    def __init__(self, *, auth: bool = False, **tls):
        self.script = Script()
        self.messages: list = []
        self.logins: list = []
        self.attempts = 0
        self.dropped = 0
        self.lock = threading.Lock()
        self.port = free_port()
        kw = {}
        if auth:
            kw = dict(auth_require_tls=False, authenticator=self._check)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kw, **tls)

    def _check(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            ok = (auth_data.login.decode() == self.script.user and auth_data.password.decode() == self.script.password)
            self.logins.append((mechanism, auth_data.login.decode()))
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def to(self, address: str) -> list:
        return [m for rcpts, _, m in self.messages if address.lower() in (r.lower() for r in rcpts)]
