"""The Runtime API's answers as AWS's runtime (rapid) gives them, checked over real HTTP."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lamina.runtime.runtime_api import MAX_PAYLOAD_BYTES, Invocation, RuntimeAPI

Answer = tuple[int, dict[str, str], bytes]


async def request(address: str, method: str, path: str, body: bytes | None = None,
                  headers: dict[str, str] | None = None) -> Answer:
    """One HTTP call from a thread (the API runs on this loop)."""
    def call() -> Answer:
        connection = http.client.HTTPConnection(address, timeout=10)
        try:
            connection.request(method, "/2018-06-01/runtime/" + path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()
    return await asyncio.to_thread(call)


def on_api(test: Callable[[RuntimeAPI], Awaitable[None]], **options: Any) -> None:
    async def run() -> None:
        api = RuntimeAPI(**options)
        await api.start()
        try:
            await test(api)
        finally:
            await api.close()
    asyncio.run(run())


def invocation(**changes: Any) -> Invocation:
    values: dict[str, Any] = {
        "request_id": "req-1", "payload": b'{"a": 1}', "invoked_arn": "arn:aws:lambda:us-east-1:1:function:f",
        "deadline_ms": 1_700_000_000_000, "trace_id": "Root=1-00000000-000000000000000000000000",
        "client_context": '{"custom": {}}', "cognito_identity": '{"cognitoIdentityId": "i"}',
    }
    return Invocation(**{**values, **changes})


def test_next_carries_the_event_and_every_header_then_a_response_is_accepted() -> None:
    async def test(api: RuntimeAPI) -> None:
        waiting = asyncio.ensure_future(request(api.address, "GET", "invocation/next"))
        await api.ready.wait()
        sent = invocation()
        api.deliver(sent)
        status, headers, body = await waiting
        assert (status, body) == (200, b'{"a": 1}')
        assert {key: headers[key] for key in (
            "Content-Type", "Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Deadline-Ms",
            "Lambda-Runtime-Invoked-Function-Arn", "Lambda-Runtime-Trace-Id", "Lambda-Runtime-Client-Context",
            "Lambda-Runtime-Cognito-Identity")} == {
            "Content-Type": "application/json", "Lambda-Runtime-Aws-Request-Id": "req-1",
            "Lambda-Runtime-Deadline-Ms": "1700000000000",
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:1:function:f",
            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
            "Lambda-Runtime-Client-Context": '{"custom": {}}',
            "Lambda-Runtime-Cognito-Identity": '{"cognitoIdentityId": "i"}',
        }
        wrong = await request(api.address, "POST", "invocation/other/response", b"1")
        assert wrong[0] == 400 and json.loads(wrong[2]) == {
            "errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
        accepted = await request(api.address, "POST", "invocation/req-1/response", b'"done"')
        assert accepted[0] == 202
        reply = await sent.reply
        assert (reply.kind, reply.body) == ("response", b'"done"')
        again = await request(api.address, "POST", "invocation/req-1/response", b'"twice"')
        assert again[0] == 403 and json.loads(again[2]) == {
            "errorType": "InvalidStateTransition",
            "errorMessage": "State transition from RuntimeResponseSentState to InvocationResponse failed for "
                            "runtime. Error: State transition is not allowed",
        }
    on_api(test)


def test_an_error_is_accepted_with_its_type() -> None:
    async def test(api: RuntimeAPI) -> None:
        waiting = asyncio.ensure_future(request(api.address, "GET", "invocation/next"))
        await api.ready.wait()
        sent = invocation()
        api.deliver(sent)
        await waiting
        document = b'{"errorMessage": "x", "errorType": "KeyError"}'
        status, _, _ = await request(api.address, "POST", "invocation/req-1/error", document,
                                     {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
        assert status == 202
        reply = await sent.reply
        assert (reply.kind, reply.body, reply.error_type) == ("error", document, "Unhandled")
    on_api(test)


def test_a_response_before_next_is_refused() -> None:
    async def test(api: RuntimeAPI) -> None:
        status, _, body = await request(api.address, "POST", "invocation/req-1/response", b"1")
        assert status == 403 and json.loads(body)["errorMessage"].startswith("State transition from Started to ")
    on_api(test)


def test_init_error_is_accepted_once() -> None:
    async def test(api: RuntimeAPI) -> None:
        document = b'{"errorMessage": "m", "errorType": "Runtime.ImportModuleError"}'
        headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"}
        assert (await request(api.address, "POST", "init/error", document, headers))[0] == 202
        reply = api.init_error.result()
        assert (reply.kind, reply.error_type, reply.body) == ("init_error", "Runtime.ImportModuleError", document)
        assert (await request(api.address, "POST", "init/error", document, headers))[0] == 403
    on_api(test)


def test_an_oversized_response_is_413_and_fails_the_invocation() -> None:
    async def test(api: RuntimeAPI) -> None:
        waiting = asyncio.ensure_future(request(api.address, "GET", "invocation/next"))
        await api.ready.wait()
        sent = invocation()
        api.deliver(sent)
        await waiting
        status, _, body = await request(api.address, "POST", "invocation/req-1/response", b"x" * 2000)
        assert status == 413 and json.loads(body) == {
            "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "RequestEntityTooLarge"}
        reply = await sent.reply
        assert reply.error_type == "Function.ResponseSizeTooLarge"
    on_api(test, max_payload=1000)


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "unknown", 404), ("POST", "invocation/next", 405), ("GET", "invocation/req/response", 405),
])
def test_unknown_paths_and_methods(method: str, path: str, status: int) -> None:
    async def test(api: RuntimeAPI) -> None:
        assert (await request(api.address, method, path))[0] == status
    on_api(test)


def test_the_limit_is_awss() -> None:
    assert MAX_PAYLOAD_BYTES == 6 * 1024 * 1024 + 100


def test_a_reply_pipelined_with_next_is_answered_with_the_next_event_in_one_write() -> None:
    """Lamina's Python bootstrap sends ``/response`` and ``/next`` together: the 202 waits for the
    next event, and both answers arrive in order (one write each way per warm invocation)."""
    async def test(api: RuntimeAPI) -> None:
        host, port = api.address.split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        await api.ready.wait()
        first = invocation()
        api.deliver(first)
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Lambda-Runtime-Aws-Request-Id: req-1\r\n" in head
        await reader.readexactly(len(first.payload))
        writer.write(b"POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 6\r\n\r\n\"done\""
                     b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = await first.reply
        assert (reply.kind, reply.body) == ("response", b'"done"')
        await api.ready.wait()
        await asyncio.sleep(0.05)
        assert not reader._buffer, "the 202 is held until the next event"  # type: ignore[attr-defined]
        second = invocation(request_id="req-2", payload=b'{"b": 2}')
        api.deliver(second)
        accepted = await reader.readuntil(b"\r\n\r\n")
        assert accepted.startswith(b"HTTP/1.1 202 Accepted\r\n")
        await reader.readexactly(int(accepted.split(b"Content-Length: ")[1].split(b"\r\n")[0]))
        event = await reader.readuntil(b"\r\n\r\n")
        assert b"Lambda-Runtime-Aws-Request-Id: req-2\r\n" in event
        assert await reader.readexactly(8) == b'{"b": 2}'
        writer.close()
    on_api(test)
