"""Invoke: run a function and answer with what it returned, queue the event, or only check (DryRun).

The gate has already decided ``lambda:InvokeFunction`` on the ARN as the caller named it (the
function's resource-based policy included). ``RequestResponse`` hands the run to the runtime and
the server awaits its answer (an :class:`Awaited`, so a slow function holds up no one);
``Event`` stores the event in the queue and answers 202 at once (``event_queue.py`` runs it);
``DryRun`` answers 204 once the request is known to be valid and allowed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.runtime import InvalidCode, InvocationResult, RuntimeUnavailable
from lamina.services.registry import Awaited, Deps, operation
from lamina.store.repositories import lambda_async_invocations

from .declarations import declaration
from .errors import (
    InvalidRequestContentException,
    InvalidRuntimeException,
    InvalidZipFileException,
    RequestTooLargeException,
)
from .invocation import Target, answer, check_concurrency, function_spec, run, target
from .names import function_ref

__all__ = ["ASYNC_PAYLOAD_LIMIT", "invoke", "invoke_with_response_stream", "parse_client_context", "validate_payload"]

ASYNC_PAYLOAD_LIMIT = 1_048_576
"""An Event invocation's payload: at most 1 MB (AWS raised it from 256 KB in 2025)."""
SYNC_PAYLOAD_LIMIT = 6_291_456
"""A RequestResponse invocation's payload: at most 6 MB (the server refuses larger bodies unread)."""


@operation("lambda", "Invoke", needs="deps", authorization=declaration("Invoke"))
def invoke(ctx: RequestContext, deps: Deps) -> Mapping[str, Any] | Awaited:
    """Run ``FunctionName`` (``Qualifier``) with ``Payload`` as its event, the way ``InvocationType`` asks."""
    params, ref = ctx.params, function_ref(ctx)
    kind = str(params.get("InvocationType") or "RequestResponse")
    payload = validate_payload(params.get("Payload"), ASYNC_PAYLOAD_LIMIT if kind == "Event" else SYNC_PAYLOAD_LIMIT)
    client_context = parse_client_context(params.get("ClientContext"))
    chosen = target(deps.store, ref)
    if kind == "DryRun":
        return {"StatusCode": 204}
    if kind == "Event":
        with deps.store.transaction(changes_state=False) as conn:  # the queue is no cached state
            lambda_async_invocations.enqueue(conn, ctx.request_id, ref.account, ref.region, ref.name,
                                             ref.qualifier or "", payload, client_context)
        return {"StatusCode": 202}
    running = _runner(ctx, deps, chosen, payload, client_context)
    tail = params.get("LogType") == "Tail"

    def finish(result: InvocationResult) -> dict[str, Any]:
        return answer(result, chosen, tail=tail)

    return Awaited(running, finish)


@operation("lambda", "InvokeWithResponseStream", needs="deps", authorization=declaration("InvokeWithResponseStream"))
def invoke_with_response_stream(ctx: RequestContext, deps: Deps) -> Mapping[str, Any] | Awaited:
    """Invoke, answered as an event stream: the response as ``PayloadChunk`` events, then
    ``InvokeComplete`` (with the error, if any, and the log tail).

    Lamina's environments answer whole (buffered) responses, so the payload comes as one chunk
    once the function returns; a function that writes its response progressively
    (``awslambda.streamifyResponse``) is not streamed yet (docs/runtime.md)."""
    params, ref = ctx.params, function_ref(ctx)
    payload = validate_payload(params.get("Payload"), SYNC_PAYLOAD_LIMIT)
    client_context = parse_client_context(params.get("ClientContext"))
    chosen = target(deps.store, ref)
    if params.get("InvocationType") == "DryRun":
        return {"StatusCode": 204}
    running = _runner(ctx, deps, chosen, payload, client_context)
    tail = params.get("LogType") == "Tail"

    def finish(result: InvocationResult) -> dict[str, Any]:
        buffered = answer(result, chosen, tail=tail)
        complete: dict[str, Any] = {}
        if result.function_error:
            complete = _error_details(result.payload)
        if tail:
            complete["LogResult"] = buffered["LogResult"]
        events: list[dict[str, Any]] = [{"PayloadChunk": {"Payload": result.payload}}] if result.payload else []
        return {"StatusCode": 200, "ExecutedVersion": chosen.executed_version,
                "EventStream": [*events, {"InvokeComplete": complete}]}

    return Awaited(running, finish)


def _runner(ctx: RequestContext, deps: Deps, chosen: Target, payload: bytes,
            client_context: str | None) -> Callable[[], Awaitable[InvocationResult]]:
    """The run a synchronous invocation awaits, once the limits allow it to start."""
    if deps.invoker is None:
        raise InvalidRuntimeException("This Lamina node runs no functions.")
    check_concurrency(deps, chosen)
    spec = function_spec(deps, chosen)

    async def running() -> InvocationResult:
        try:
            return await run(deps, spec, payload, request_id=ctx.request_id, invoked_arn=chosen.invoked_arn,
                             client_context=client_context)
        except RuntimeUnavailable as missing:
            raise InvalidRuntimeException(str(missing)) from None
        except InvalidCode as broken:
            raise InvalidZipFileException(str(broken)) from None

    return running


def _error_details(document: bytes) -> dict[str, str]:
    """``InvokeComplete``'s ErrorCode and ErrorDetails from the function's error document."""
    try:
        found = json.loads(document)
    except ValueError:
        found = {}
    if not isinstance(found, dict):
        found = {}
    return {"ErrorCode": str(found.get("errorType", "Unhandled")),
            "ErrorDetails": str(found.get("errorMessage", document.decode(errors="replace")))}


def validate_payload(payload: bytes | None, limit: int) -> bytes:
    """The event as the function will get it: JSON, within the invocation type's limit.

    An empty payload is the empty object, as the SDKs send none."""
    data = payload or b""
    if len(data) > limit:
        raise RequestTooLargeException(f"Request must be smaller than {limit} bytes for the Invoke operation")
    if not data.strip():
        return b"{}"
    try:
        json.loads(data)
    except UnicodeDecodeError as error:
        raise InvalidRequestContentException(
            "Could not parse request body into json: Could not parse payload into json: "
            f"Invalid UTF-8 start byte 0x{data[error.start]:02x}") from None
    except ValueError as error:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {error}") from None
    return data


def parse_client_context(encoded: str | None) -> str | None:
    """``ClientContext`` is base64 of a JSON object; the function sees the JSON."""
    if not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
        if not isinstance(json.loads(decoded), dict):
            raise ValueError("not an object")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidRequestContentException("Client context must be a valid Base64-encoded JSON object.") from None
    return decoded


