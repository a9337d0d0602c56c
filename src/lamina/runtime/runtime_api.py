"""One environment's Lambda Runtime API (``2018-06-01``), served on its own loopback port.

The runtime inside the environment (Lamina's bootstrap, ``awslambdaric``, a custom ``bootstrap``)
long-polls ``GET /2018-06-01/runtime/invocation/next``, runs the event and posts
``/runtime/invocation/{id}/response`` or ``/error``; a failed start posts ``/runtime/init/error``.
Each environment gets its own listening socket on ``127.0.0.1`` (port chosen by the kernel), so
``AWS_LAMBDA_RUNTIME_API`` alone tells environments apart and a runtime can only ever answer its
own invocation.

HTTP is parsed by ``h11`` (already installed with uvicorn). Bodies are bounded: a response over
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
from collections.abc import Mapping
from dataclasses import dataclass, field

import h11

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
        return headers


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
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = False

    async def start(self) -> str:
        """Listen on a free loopback port; returns ``host:port`` for ``AWS_LAMBDA_RUNTIME_API``."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = f"{host}:{port}"
        return self.address

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
        for writer in list(self._writers):
            writer.transport.abort()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=1.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(writer)
        try:
            await _Connection(self, reader, writer).run()
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the runtime went away (or the environment is closing): nothing to answer
        finally:
            self._connections.discard(task)
            self._writers.discard(writer)
            writer.close()

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


class _Connection:
    """One keep-alive HTTP/1.1 connection from the runtime, parsed by h11."""

    def __init__(self, api: RuntimeAPI, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.api = api
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)

    async def run(self) -> None:
        while True:
            event = await self._event()
            if isinstance(event, h11.ConnectionClosed):
                return
            if not isinstance(event, h11.Request):
                raise h11.RemoteProtocolError("expected a request")
            headers = {name.decode().lower(): value.decode("latin-1") for name, value in event.headers}
            body = await self._body(self.api.max_payload)
            answer = await self.api.handle(event.method.decode(), event.target.decode("latin-1"), headers, body)
            if body is None:
                answer = _Answer(answer.status, answer.body, answer.headers, close=True)
            await self._send(answer)
            if answer.close or self.h11.our_state is h11.MUST_CLOSE:
                return
            self.h11.start_next_cycle()

    async def _event(self) -> h11.Event | type[h11.PAUSED] | type[h11.NEED_DATA]:
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            self.h11.receive_data(await self.reader.read(65536))

    async def _body(self, limit: int) -> bytes | None:
        """The request's body, or None when it is over ``limit`` (read and dropped up to a bound)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self._event()
            if isinstance(event, h11.EndOfMessage):
                return b"".join(chunks) if size <= limit else None
            if not isinstance(event, h11.Data):
                raise h11.RemoteProtocolError("unexpected event in a body")
            size += len(event.data)
            if size > DRAIN_LIMIT:
                raise ConnectionError("request body far over the limit")
            if size <= limit:
                chunks.append(bytes(event.data))
            else:
                chunks.clear()

    async def _send(self, answer: _Answer) -> None:
        headers = [*answer.headers, ("Content-Length", str(len(answer.body))), ("Date", _http_date())]
        if answer.close:
            headers.append(("Connection", "close"))
        data = self.h11.send(h11.Response(status_code=answer.status, headers=headers)) or b""
        data += self.h11.send(h11.Data(data=answer.body)) or b""
        data += self.h11.send(h11.EndOfMessage()) or b""
        self.writer.write(data)
        await self.writer.drain()


def _http_date() -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
