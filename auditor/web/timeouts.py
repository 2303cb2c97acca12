"""How the upload server is run by uvicorn: its protocol with a deadline on each request's head.

uvicorn closes a connection left idle between requests (``timeout_keep_alive``) but waits for ever
for a request's first line and headers: a client sending one header line every few seconds keeps a
connection open as long as it likes.  ``HeadDeadline`` closes a connection whose request head has
not arrived within ``header_seconds`` of its first byte (or of the connection, when nothing comes).
"""

from __future__ import annotations

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from auditor.web.config import WebConfig

MAX_HEAD_BYTES = 16 * 1024   # request line and headers; h11's own default


def protocol(header_seconds: float) -> type[H11Protocol]:
    class HeadDeadline(H11Protocol):
        _head = None

        def _arm(self) -> None:
            if self._head is None:
                self._head = self.loop.call_later(header_seconds, self._late)

        def _disarm(self) -> None:
            if self._head is not None:
                self._head.cancel()
                self._head = None

        def _late(self) -> None:
            self._head = None
            if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            before = self.cycle
            if before is None or before.response_complete:
                self._arm()
            super().data_received(data)
            if self.cycle is not before:    # a request's head arrived
                self._disarm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeadDeadline


def uvicorn_config(app, config: WebConfig, host: str, port: int, **options) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, http=protocol(config.header_seconds),
                          timeout_keep_alive=max(1, round(config.keep_alive_seconds)),
                          h11_max_incomplete_event_size=MAX_HEAD_BYTES, server_header=False, **options)
