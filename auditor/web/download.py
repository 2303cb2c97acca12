"""The report's download: it works once, and only a whole report sent uses it up.

A HEAD request shows the headers and leaves the link working; a Range request gets the whole report
(200: the report is sent whole or not at all, so a link cannot be read piece by piece); a transfer
the client breaks off leaves the link working until ``--keep-minutes``.  The link is used up only
after the last byte was handed to the connection.
"""

from __future__ import annotations

from starlette.responses import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OnceDownload(FileResponse):
    def __init__(self, path, filename: str, *, on_sent, on_broken):
        super().__init__(path, filename=filename, content_disposition_type="attachment", media_type=XLSX)
        self.headers["accept-ranges"] = "none"
        self.on_sent, self.on_broken = on_sent, on_broken

    async def __call__(self, scope, receive, send):
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k not in (b"range", b"if-range")]}
        whole = gone = False

        async def watch_receive():
            nonlocal gone
            message = await receive()
            gone = gone or (message["type"] == "http.disconnect" and not whole)   # once sent whole, the
            # server says "disconnect" to any later receive
            return message

        async def watch_send(message):
            nonlocal whole
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                whole = True

        try:
            await super().__call__(scope, watch_receive, watch_send)
        finally:
            if whole and not gone and scope["method"] == "GET":
                self.on_sent()
            else:
                self.on_broken()
