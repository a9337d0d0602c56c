"""The HTTP/1.1 connection protocol Lamina runs under uvicorn: AWS-shaped answers to requests
that never reach the app, and a bound on the request head.

uvicorn answers a request its parser rejects (a lower-case method, a raw non-ASCII path, a
broken request line) with a plain-text "Invalid HTTP request received."; Lamina answers with an
AWS-shaped error instead (the JSON envelope with ``x-amzn-ErrorType``, as no service can be told
from a request that could not be parsed). The parser also sets no limit on the size of the
request line and headers; here they are refused past :data:`MAX_HEAD_BYTES`.
"""

from __future__ import annotations

import asyncio
import uuid

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from lamina.protocols import ServiceError, rest_json

__all__ = ["MAX_HEAD_BYTES", "LaminaHttpProtocol", "malformed_response"]

MAX_HEAD_BYTES = 64 * 1024
"""The most bytes of request line and headers Lamina reads for one request."""
HEAD_TIMEOUT_SECONDS = 30.0
"""How long a connection may take to deliver a request's line and headers (a new connection's
first request included) before it is closed: slow senders cannot hold connections forever."""
_STATUS_LINE = b"HTTP/1.1 400 Bad Request\r\n"


class HeadTooLarge(Exception):
    """The request line and headers passed :data:`MAX_HEAD_BYTES`."""


def malformed_response(reason: str) -> bytes:
    """A whole HTTP/1.1 400 response, AWS-shaped, that closes the connection."""
    request_id = str(uuid.uuid4())
    error = ServiceError("BadRequestException", f"The request could not be read as HTTP/1.1: {reason}", 400)
    response = rest_json.serialize_error(error, request_id)
    lines = [_STATUS_LINE]
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    lines += [f"Content-Length: {len(response.body)}\r\n".encode(), b"Connection: close\r\n\r\n", response.body]
    return b"".join(lines)


class LaminaHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with AWS-shaped 400s and a bounded request head, in size and time."""

    _head_bytes = 0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        if self._head_timer is None:
            self._start_head_timer()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.cycle is None or self.cycle.response_complete:  # idle, or still reading a request head
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge(f"the request line and headers are larger than {MAX_HEAD_BYTES} bytes")

    def send_400_response(self, msg: str) -> None:
        reason = "the request line and headers are too large" if self._head_bytes > MAX_HEAD_BYTES else (
            "the request line, a header or the body framing is malformed (methods are upper case; paths are "
            "percent-encoded ASCII)")
        self.transport.write(malformed_response(reason))
        self.transport.close()
