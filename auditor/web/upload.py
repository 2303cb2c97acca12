"""Read a multipart upload as it streams in, with limits, into a private folder.

Starlette's form parser spools file parts to temporary files without a size
cap (its ``max_part_size`` covers only plain fields), so the body is parsed
here with python-multipart's streaming parser directly: every byte is counted
as it arrives, a file part is written under a name the server chose, and the
upload stops being stored as soon as a limit is passed.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import TYPE_CHECKING, BinaryIO
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from auditor.web.config import WebConfig, size_words

if TYPE_CHECKING:   # defined for type checkers only
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 4096
DRAIN_FACTOR = 4           # read (and discard) at most this many times the limit before answering
_KEEP_EXT = re.compile(r"^\.[a-z0-9]{1,5}$")


class UploadRefused(Exception):
    """The upload is refused whole; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class UploadedFile:
    path: Path      # where the server stored it
    name: str       # the name the client gave, cleaned, for display only
    field: str = ""  # the form field it came in (on the page, one per kind of input)


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)


def display_name(raw: str, taken: set[str]) -> str:
    """The client's file name as shown on the page and in the report: the last path part, no
    control characters, at most 100 characters, and unique within the upload."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip() or "upload"
    if len(name) > 100:
        stem, ext = os.path.splitext(name)
        name = stem[: 100 - len(ext[:10])] + ext[:10]
    base, n = name, 1
    while name in taken:
        n += 1
        stem, ext = os.path.splitext(base)
        name = f"{stem} ({n}){ext}"
    taken.add(name)
    return name


def too_big(limit: int, what: str) -> UploadRefused:
    return UploadRefused(f"{what} is larger than the limit of {size_words(limit)}; nothing was kept", 413)


async def read_upload(stream, content_type: str | None, content_length: str | None, folder: Path,
                      config: WebConfig) -> Upload:
    """Parse the request body from ``stream`` (an async iterator of bytes) into ``folder``."""
    ctype, params = parse_options_header(content_type or "")
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UploadRefused("send the files as a multipart form (multipart/form-data)", 400)
    if content_length and content_length.isdigit() and int(content_length) > DRAIN_FACTOR * config.max_request_bytes:
        raise too_big(config.max_request_bytes, "the upload")
    state = _State(folder, config)
    parser = MultipartParser(params[b"boundary"], state.callbacks())
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > config.max_request_bytes and state.refused is None:
            state.refuse(too_big(config.max_request_bytes, "the upload"))
        if state.refused is not None:
            if total > DRAIN_FACTOR * config.max_request_bytes:
                break
            continue           # read to the end without storing, so the browser sees the answer
        try:
            parser.write(chunk)
        except UploadRefused as exc:
            state.refuse(exc)
        except Exception:  # noqa: BLE001 - any parse failure of an untrusted body is a bad request
            state.refuse(UploadRefused("the upload could not be read (a broken multipart body)", 400))
    if state.refused is not None:
        raise state.refused
    try:
        parser.finalize()
    except Exception:  # noqa: BLE001
        raise UploadRefused("the upload ended before it was complete", 400) from None
    state.close()
    return state.upload


class _State:
    """The parser's callbacks: one part at a time, fields in memory, files to disk."""

    def __init__(self, folder: Path, config: WebConfig):
        self.folder, self.config = folder, config
        self.upload = Upload()
        self.refused: UploadRefused | None = None
        self.names: set[str] = set()
        self._hname = self._hvalue = b""
        self._disposition = b""
        self._field: str | None = None
        self._data = bytearray()
        self._file: BinaryIO | None = None
        self._size = 0

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self.begin, "on_part_data": self.data, "on_part_end": self.end,
                "on_header_field": self.hfield, "on_header_value": self.hvalue,
                "on_header_end": self.hend, "on_headers_finished": self.headers_done}

    def refuse(self, exc: UploadRefused) -> None:
        self.refused = exc
        self.close()
        for f in self.upload.files:
            f.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def begin(self) -> None:
        self._disposition, self._field, self._data, self._size = b"", None, bytearray(), 0

    def hfield(self, data: bytes, start: int, end: int) -> None:
        self._hname += data[start:end]

    def hvalue(self, data: bytes, start: int, end: int) -> None:
        self._hvalue += data[start:end]

    def hend(self) -> None:
        if self._hname.lower() == b"content-disposition":
            self._disposition = self._hvalue
        self._hname = self._hvalue = b""

    def headers_done(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._field = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            return
        raw = options[b"filename"].decode("utf-8", "replace")
        if not raw:   # a file input left empty
            self._field = None
            return
        if len(self.upload.files) >= self.config.max_files:
            raise UploadRefused(f"too many files: at most {self.config.max_files} in one upload", 413)
        name = display_name(raw, self.names)
        ext = os.path.splitext(name)[1].lower()
        path = self.folder / f"{len(self.upload.files) + 1}{ext if _KEEP_EXT.match(ext) else ''}"
        self._file = open(path, "xb")   # noqa: SIM115 - closed in end() or close()
        self.upload.files.append(UploadedFile(path=path, name=name, field=self._field or ""))

    def data(self, data: bytes, start: int, end: int) -> None:
        n = end - start
        self._size += n
        if self._file is not None:
            if self._size > self.config.max_file_bytes:
                raise too_big(self.config.max_file_bytes, f"the file {self.upload.files[-1].name!r}")
            self._file.write(data[start:end])
        elif self._field is not None:
            if self._size > MAX_FIELD_BYTES:
                raise UploadRefused(f"the form field {self._field!r} is too long", 413)
            self._data += data[start:end]

    def end(self) -> None:
        if self._file is not None:
            self._file.close()      # an empty file is kept: the loader says "is empty"
            self._file = None
        elif self._field is not None:
            self.upload.fields.setdefault(self._field, self._data.decode("utf-8", "replace"))


async def read_confirm(request, limit: int) -> dict[str, str]:
    """The confirm step's form, read whole into memory only up to ``limit`` bytes (a larger body is
    refused as it streams in, 413), then parsed as Starlette parses a form."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise too_big(limit, "the form")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_big(limit, "the form")
    from starlette.requests import Request

    async def replay():
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        async with Request(request.scope, replay).form(max_files=0, max_fields=2000,
                                                       max_part_size=limit) as form:
            return {k: str(v) for k, v in form.items()}
    except Exception:  # noqa: BLE001 - any parse failure of an untrusted body is a bad request
        raise UploadRefused("the form could not be read; please upload the files again", 400) from None
