"""The HTTP/1.1 connection protocol Lamina runs under uvicorn: AWS-shaped answers to requests
that never reach the app, and a bound on the request head.

uvicorn answers a request its parser rejects (a lower-case method, a raw non-ASCII path, a
broken request line) with a plain-text "Invalid HTTP request received."; Lamina answers with an
AWS-shaped error instead (the JSON envelope with ``x-amzn-ErrorType``, as no service can be told
from a request that could not be parsed). The parser also sets no limit on the size of the
request line and headers; here they are refused past :data:`MAX_HEAD_BYTES`.

uvicorn writes a response's head and its body to the socket separately, as the app sends them: two
sends, each a trip through the kernel's TCP stack (and, on loopback, through the client's wake-up),
which cost a small answer about as much as the pipeline that computed it. The connection's
transport is wrapped so that what is written in one turn of the event loop leaves in one send.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from lamina.protocols import ServiceError, rest_json

__all__ = ["MAX_HEAD_BYTES", "CoalescingTransport", "LaminaHttpProtocol", "malformed_response"]

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


_PASSED_ON = ("is_closing", "get_extra_info", "pause_reading", "resume_reading", "is_reading")
"""The wrapped transport's methods uvicorn calls on every request, bound to the wrapper as they are."""


class CoalescingTransport:
    """A transport whose writes within one turn of the event loop go out as one write.

    The first write of a turn schedules the flush (``call_soon``); the app's ``http.response.start``
    and ``http.response.body`` are sent in the same turn, so a whole response is one send. Closing
    flushes first; aborting drops what is pending, as the wrapped transport's abort does. Anything
    else (flow control, addresses, ``is_closing``) is the wrapped transport's.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        for name in _PASSED_ON:  # bound once: ``__getattr__`` is only reached after a failed lookup
            if hasattr(transport, name):
                setattr(self, name, getattr(transport, name))

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))  # a bytearray or memoryview could change before the flush

    def writelines(self, lines: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Hand what is pending to the wrapped transport, in order, as one write."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class LaminaHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with AWS-shaped 400s, a bounded request head, in size and time,
    and each response written in one send."""

    _head_bytes = 0
    _head_since: float | None = None
    """When the request head being read began (the connection, or its first byte); None once read."""
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._head_began()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        self._head_began()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._head_since = None
        super().on_headers_complete()

    def _head_began(self) -> None:
        """Start the head's clock. The timer is armed only when none is: a connection serving
        requests back to back re-arms it once per timeout, not once per request."""
        self._head_since = self.loop.time()
        if self._head_timer is None:
            self._head_timer = self.loop.call_at(self._head_since + HEAD_TIMEOUT_SECONDS, self._check_head)

    def _check_head(self) -> None:
        """Close the connection if the head being read began a timeout ago; else wait for the
        head still being read, or for none (the next head arms the timer again)."""
        self._head_timer = None
        if self._head_since is None:
            return
        due = self._head_since + HEAD_TIMEOUT_SECONDS
        if self.loop.time() < due:
            self._head_timer = self.loop.call_at(due, self._check_head)
        elif self.cycle is None or self.cycle.response_complete:  # idle, or still reading a request head
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
