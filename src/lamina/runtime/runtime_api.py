"""One environment's Lambda Runtime API (``2018-06-01``), served on its own loopback port.

The runtime inside the environment (Lamina's bootstrap, ``awslambdaric``, a custom ``bootstrap``)
long-polls ``GET /2018-06-01/runtime/invocation/next``, runs the event and posts
``/runtime/invocation/{id}/response`` or ``/error``; a failed start posts ``/runtime/init/error``.
Each environment gets its own listening socket on ``127.0.0.1`` (port chosen by the kernel), so
``AWS_LAMBDA_RUNTIME_API`` alone tells environments apart and a runtime can only ever answer its
own invocation; a sandbox without network gets its own Unix socket instead, bound into it alone
and offered to the runtime as ``127.0.0.1:9001`` by the sandbox's relay.

HTTP/1.1 is parsed by ``httptools`` (llhttp, the parser uvicorn runs on; a protocol callback per
event, no stream buffering), each connection served in order. Bodies are bounded: a response over
AWS's 6 MB (+100 bytes) limit is answered 413 and the invocation fails with
``Function.ResponseSizeTooLarge``, as AWS does. Status codes and error documents follow AWS's
runtime (rapid): 202 accepted, 400 ``InvalidRequestID``, 403 ``InvalidStateTransition``,
413 ``RequestEntityTooLarge``, 500 when the environment is going away.

::

    Started ──/next──► Ready ──deliver()──► Running ──/response or /error──► (reply) ──/next──► Ready
       └─/init/error─► InitError
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import httptools

__all__ = ["MAX_PAYLOAD_BYTES", "Invocation", "Reply", "RuntimeAPI"]

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100
"""AWS's limit on a response (and an error document) from the runtime: 6 MiB + 100 bytes."""
MAX_HEADER_BYTES = 2 * 1024 * 1024
"""Headers may be large: ``awslambdaric`` sends an X-Ray error cause of up to 1 MiB."""
DRAIN_LIMIT = 4 * MAX_PAYLOAD_BYTES
"""An oversized body is read and dropped up to this size (so the client sees the 413), then cut."""
_PREFIX = "/2018-06-01/runtime/"
_INVOCATION = re.compile(r"^invocation/([^/]+)/(response|error)$")


@dataclass(frozen=True)
class Reply:
    """What the runtime posted for an invocation (or for its start)."""

    kind: str
    """``response``, ``error`` or ``init_error``."""
    body: bytes
    content_type: str = "application/json"
    error_type: str | None = None
    """``Lambda-Runtime-Function-Error-Type`` of an error (``Runtime.ImportModuleError``, ...)."""


@dataclass
class Invocation:
    """One event handed to the runtime, and the future its reply settles."""

    request_id: str
    payload: bytes
    invoked_arn: str
    deadline_ms: int
    trace_id: str
    client_context: str | None = None
    cognito_identity: str | None = None
    reply: asyncio.Future[Reply] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def headers(self) -> list[tuple[str, str]]:
        """The headers of ``/next``'s answer, as AWS sends them."""
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(self.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", self.invoked_arn),
            ("Lambda-Runtime-Trace-Id", self.trace_id),
        ]
        if self.client_context:
            headers.append(("Lambda-Runtime-Client-Context", self.client_context))
        if self.cognito_identity:
            headers.append(("Lambda-Runtime-Cognito-Identity", self.cognito_identity))
        return [(name, _header_value(value)) for name, value in headers]


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    close: bool = False


def _error(status: int, error_type: str, message: str, close: bool = False) -> _Answer:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return _Answer(status, body, close=close)


_ACCEPTED = _Answer(202, b'{"status":"OK"}\n')
_TOO_LARGE = _error(
    413, "RequestEntityTooLarge", f"Exceeded maximum allowed payload size ({MAX_PAYLOAD_BYTES} bytes).", close=True
)


class RuntimeAPI:
    """The Runtime API of one environment; the environment awaits its events."""

    def __init__(self, max_payload: int = MAX_PAYLOAD_BYTES) -> None:
        self.max_payload = max_payload
        self.state = "Started"
        self.ready = asyncio.Event()
        """Set while the runtime waits in ``/next`` (the first time: init is complete)."""
        self.init_error: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self.address = ""
        self._server: asyncio.Server | None = None
        self._current: Invocation | None = None
        self._queued: asyncio.Future[Invocation | None] | None = None
        self._pending: Invocation | None = None
        self._connections: set[_Connection] = set()
        self._closing = False

    async def start(self) -> str:
        """Listen on a free loopback port; returns ``host:port`` for ``AWS_LAMBDA_RUNTIME_API``."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = f"{host}:{port}"
        return self.address

    async def start_unix(self, path: str) -> None:
        """Listen on a Unix socket at ``path`` instead: a sandbox without network reaches it through
        its relay (the same protocol; ``address`` is then the relay's, set by the caller)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Connection(self), path)

    def deliver(self, invocation: Invocation) -> None:
        """Hand ``invocation`` to the runtime: at once when it waits in ``/next``, else on its next call."""
        if self._queued is not None and not self._queued.done():
            self._start(invocation)
            self._queued.set_result(invocation)
        else:
            self._pending = invocation

    def _start(self, invocation: Invocation) -> None:
        self._current = invocation
        self._pending = None
        self.state = "Running"
        self.ready.clear()

    def abandon(self) -> None:
        """Forget the invocation in flight (it timed out); a late reply gets 400 InvalidRequestID."""
        self._current = None

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        if self._queued is not None and not self._queued.done():
            self._queued.set_result(None)
        for connection in list(self._connections):
            connection.abort()

    async def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None) -> _Answer:
        """Answer one request (``body`` is None when it was over the limit)."""
        if self._closing:
            return _error(500, "InternalServerError", "Internal Server Error", close=True)
        if not target.startswith(_PREFIX):
            return _error(404, "NotFound", "Not Found")
        path = target[len(_PREFIX):].split("?", 1)[0]
        if path == "invocation/next":
            return await self._next() if method == "GET" else _error(405, "MethodNotAllowed", "Method Not Allowed")
        if method != "POST":
            return _error(405 if path == "init/error" or _INVOCATION.match(path) else 404, "NotFound", "Not Found")
        if path == "init/error":
            return self._init_error(headers, body)
        matched = _INVOCATION.match(path)
        if matched is None:
            return _error(404, "NotFound", "Not Found")
        return self._reply(matched[1], matched[2], headers, body)

    async def _next(self) -> _Answer:
        if self._current is not None and not self._current.reply.done():
            self._current.reply.set_result(Reply("error", b"", error_type="Runtime.NoResponse"))
        self._current = None
        self.state = "Ready"
        invocation = self._pending
        if invocation is not None:
            self._start(invocation)
        else:
            self._queued = asyncio.get_running_loop().create_future()
            self.ready.set()
            invocation = await self._queued
        if invocation is None:
            return _error(500, "InternalServerError", "Internal Server Error", close=True)
        return _Answer(200, invocation.payload, tuple(invocation.headers()))

    def _init_error(self, headers: Mapping[str, str], body: bytes | None) -> _Answer:
        if self.state != "Started" or self.init_error.done():
            return _transition_refused(self.state, "InitError")
        if body is None:
            return _TOO_LARGE
        self.state = "InitError"
        error_type = headers.get("lambda-runtime-function-error-type") or "Runtime.Unknown"
        self.init_error.set_result(Reply("init_error", body, _content_type(headers), error_type))
        return _ACCEPTED

    def _reply(self, request_id: str, kind: str, headers: Mapping[str, str], body: bytes | None) -> _Answer:
        target_state = "InvocationResponse" if kind == "response" else "InvocationErrorResponse"
        if self.state != "Running":
            return _transition_refused(self.state, target_state)
        current = self._current
        if current is None or current.request_id != request_id or current.reply.done():
            return _error(400, "InvalidRequestID", "Invalid request ID")
        self.state = "RuntimeResponseSentState"
        if body is None:
            message = f"Response payload size exceeded maximum allowed payload size ({self.max_payload} bytes)."
            document = json.dumps({"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}).encode()
            current.reply.set_result(Reply("error", document, error_type="Function.ResponseSizeTooLarge"))
            return _TOO_LARGE
        if kind == "response":
            current.reply.set_result(Reply("response", body, _content_type(headers)))
        else:
            error_type = headers.get("lambda-runtime-function-error-type") or "Runtime.Unknown"
            current.reply.set_result(Reply("error", body, _content_type(headers), error_type))
        return _ACCEPTED


def _transition_refused(state: str, target: str) -> _Answer:
    message = f"State transition from {state} to {target} failed for runtime. Error: State transition is not allowed"
    return _error(403, "InvalidStateTransition", message)


def _content_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type") or "application/json"


_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 413: "Request Entity Too Large", 500: "Internal Server Error"}


@dataclass
class _Request:
    method: str = ""
    target: bytearray = field(default_factory=bytearray)
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    header_bytes: int = 0

    def body(self, limit: int) -> bytes | None:
        return b"".join(self.chunks) if self.size <= limit else None


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection from the runtime; requests are answered in order."""

    def __init__(self, api: RuntimeAPI) -> None:
        self.api = api
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.request = _Request()
        self.ready: deque[tuple[_Request, bool]] = deque()
        self.wakeup = asyncio.Event()
        self.worker: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes
        self.api._connections.add(self)
        self.worker = asyncio.get_running_loop().create_task(self._answer_in_order())

    def connection_lost(self, exc: Exception | None) -> None:
        self.api._connections.discard(self)
        self.transport = None
        if self.worker is not None:
            self.worker.cancel()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade, ConnectionError):
            self.abort()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.request = _Request()

    def on_url(self, url: bytes) -> None:
        self.request.target += url
        self._count_header(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header(len(name) + len(value))
        self.request.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        request = self.request
        request.size += len(body)
        if request.size > DRAIN_LIMIT:
            raise ConnectionError("request body far over the limit")
        if request.size <= self.api.max_payload:
            request.chunks.append(body)
        else:
            request.chunks.clear()

    def on_message_complete(self) -> None:
        self.request.method = self.parser.get_method().decode("latin-1")
        self.ready.append((self.request, self.parser.should_keep_alive()))
        self.wakeup.set()

    def _count_header(self, size: int) -> None:
        self.request.header_bytes += size
        if self.request.header_bytes > MAX_HEADER_BYTES:
            raise ConnectionError("request headers over the limit")

    async def _answer_in_order(self) -> None:
        """Answer the parsed requests one by one, in order.

        An answer whose connection already holds the next request (the runtime pipelined, as
        Lamina's Python bootstrap sends ``/response`` and ``/next`` together) is held back and
        goes out with the next one: a warm invocation then costs one write each way instead of
        two, and the runtime is not woken for a 202 while the server answers the Invoke.
        """
        held: list[bytes] = []
        try:
            while True:
                await self.wakeup.wait()
                self.wakeup.clear()
                while self.ready:
                    request, keep_alive = self.ready.popleft()
                    body = request.body(self.api.max_payload)
                    answer = await self.api.handle(
                        request.method, request.target.decode("latin-1"), request.headers, body,
                    )
                    close = answer.close or body is None or not keep_alive
                    held.append(_encode(answer, close))
                    if close or not self.ready:
                        self._write(held)
                    if close:
                        if self.transport is not None:
                            self.transport.close()
                        return
        except asyncio.CancelledError:
            pass  # the runtime went away (or the environment is closing): nothing to answer

    def _write(self, held: list[bytes]) -> None:
        data = b"".join(held)
        held.clear()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


def _encode(answer: _Answer, close: bool) -> bytes:
    """One HTTP/1.1 response, head and body."""
    head = [f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Unknown')}"]
    head += [f"{name}: {value}" for name, value in answer.headers]
    head += [f"Content-Length: {len(answer.body)}", f"Date: {_http_date()}"]
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer.body


def _header_value(value: str) -> str:
    """A value safe on one header line: a caller's client context cannot add headers of its own."""
    return value.replace("\r", " ").replace("\n", " ")


_date: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The ``Date`` header, formatted once a second."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)))
    return _date[1]
