"""Lamina's ASGI app: every API on one port, one request pipeline written as one list.

::

    ASGI http ─► read body ─► RequestContext
                 │  route         GET /_lamina/health → 200 JSON; form ``Action`` or SigV4 scope iam|sts
                 │                → the Query protocol; anything else → 404 JSON
                 │  authenticate  SigV4 against the store's access keys → ctx.caller, ctx.region
                 │  parse         QueryParser → ctx.operation, ctx.params (validated)
                 │  authorize     the operation's declaration → the gate (never-authorized only, today)
                 │  dispatch      the registered handler → ctx.result
                 ▼  serialize     QuerySerializer → status, headers, XML body
    a ServiceError anywhere → the service's error envelope; anything else → 500 InternalFailure

Each step takes the context and returns None (go on) or a finished Response (stop). The steps
are synchronous (the store is SQLAlchemy Core), so a request runs in a worker thread; the ASGI
layer only moves bytes. No web framework: the app is plain ASGI, served by uvicorn.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from lamina import __version__
from lamina.auth import AuthError, verify
from lamina.auth.credentials import ResolvedKey, resolve_access_key
from lamina.authorization import AuditLog, Gate
from lamina.context import RequestContext
from lamina.protocols import Response, ServiceError, decode_form, parser_for, serializer_for
from lamina.services import Offload, Operation, declaration, find, not_implemented
from lamina.settings import Settings
from lamina.store import Store

__all__ = ["HEALTH_PATH", "LaminaApp", "create_app"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Step = Callable[[RequestContext], Response | None]

HEALTH_PATH = "/_lamina/health"
QUERY_SERVICES = ("sts", "iam")
"""Services spoken over the Query protocol and picked by the SigV4 scope's service."""
FALLBACK_SERVICE = "sts"
"""Whose envelope an unsigned Query request's error uses (IAM's and STS's differ only in xmlns)."""
REQUEST_ID_HEADER = "x-amzn-RequestId"
INTERNAL_FAILURE = "The request processing has failed because of an unknown error, exception or failure."

_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
log = logging.getLogger("lamina.server")


def create_app(store: Store, settings: Settings) -> LaminaApp:
    """The ASGI app serving ``store``; ``settings`` name the node (account, region, endpoint)."""
    return LaminaApp(store, settings)


class LaminaApp:
    """The ASGI callable; ``handle`` runs the pipeline on one request, with no I/O of its own."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.audit = AuditLog(store)
        self.gate = Gate(store, self.audit)
        self.pipeline: list[Step] = [
            self.route,  # which API: health, the Query protocol (iam, sts), or 404
            self.authenticate,  # SigV4 → the caller
            self.parse,  # form → operation and validated params
            self.authorize,  # the operation's declaration → the gate
            self.dispatch,  # the handler → the result
        ]

    # -- the pipeline --------------------------------------------------------------------------

    def handle(self, ctx: RequestContext) -> Response:
        """Run every step until one answers, then serialize; errors become the service's envelope."""
        try:
            for step in self.pipeline:
                response = step(ctx)
                if response is not None:
                    return response
            return self.serialize(ctx)
        except ServiceError as error:
            return self._error(ctx, error)
        except Exception:
            log.exception("request %s (%s %s) failed", ctx.request_id, ctx.service, ctx.operation)
            return self._error(ctx, ServiceError("InternalFailure", INTERNAL_FAILURE, 500, sender_fault=False))

    def route(self, ctx: RequestContext) -> Response | None:
        """Pick the API from cheap signals: the path, the form's ``Action``, the SigV4 scope's service."""
        if ctx.method == "GET" and ctx.raw_path == HEALTH_PATH:
            return self._health()
        if ctx.method in ("GET", "POST"):
            ctx.form = decode_form(ctx.body if ctx.method == "POST" else b"", ctx.query_string)
            service = _scope_service(ctx)
            if service in QUERY_SERVICES or (service is None and "Action" in ctx.form):
                ctx.service = service or FALLBACK_SERVICE
                return None
        return _not_found(ctx)

    def authenticate(self, ctx: RequestContext) -> None:
        """Verify SigV4 with the secret of the key that signed; set the caller and the region."""
        resolved: dict[str, ResolvedKey] = {}

        def lookup_secret(access_key_id: str) -> str | None:
            found = resolve_access_key(self.store, access_key_id)
            if found is not None:
                resolved[access_key_id] = found
            return found.secret if found else None

        at = datetime.now(UTC)
        try:
            signer = verify(ctx.signed_request(), lookup_secret, at)
            # a temporary key also needs its session's token, unexpired; a long-term key, none
            ctx.caller = resolved[signer.access_key_id].accept(signer.session_token, at)
        except AuthError as error:
            raise ServiceError(error.code, error.message, error.status, sender_fault=error.status < 500) from None
        ctx.region = signer.region
        if not signer.access_key_id.startswith("ASIA"):
            self.audit.key_used(signer.access_key_id, _service(ctx), signer.region)

    def parse(self, ctx: RequestContext) -> None:
        """The Query form → the model's operation and its validated params."""
        operation, params = parser_for(_service(ctx)).parse(ctx.form)
        ctx.operation, ctx.params = operation.name, params

    def authorize(self, ctx: RequestContext) -> None:
        """The operation's declaration → the one gate; an operation nobody declared never runs."""
        service, name = _service(ctx), _operation_name(ctx)
        declared = declaration(service, name)
        if declared is None:
            raise not_implemented(service, name)
        self.gate.authorize(ctx, declared)

    def dispatch(self, ctx: RequestContext) -> None:
        """Run the operation's handler against the store."""
        result = self._operation(ctx).handler(ctx, self.store)
        ctx.result = result.run_inline() if isinstance(result, Offload) else result

    def serialize(self, ctx: RequestContext) -> Response:
        """The result in the service's protocol, with the request id."""
        return serializer_for(_service(ctx)).serialize(_operation_name(ctx), ctx.result, ctx.request_id)

    # -- helpers -------------------------------------------------------------------------------

    def _operation(self, ctx: RequestContext) -> Operation:
        service, name = _service(ctx), _operation_name(ctx)
        operation = find(service, name)
        if operation is None:
            raise not_implemented(service, name)
        return operation

    def _error(self, ctx: RequestContext, error: ServiceError) -> Response:
        return serializer_for(ctx.service or FALLBACK_SERVICE).serialize_error(error, ctx.request_id)

    def _health(self) -> Response:
        return _json(200, {"status": "ok", "version": __version__, "services": list(QUERY_SERVICES),
                           "account_id": self.settings.account_id, "region": self.settings.region})

    # -- ASGI ----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            await asyncio.to_thread(self.audit.close)  # write the audit events still queued
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        if body is None:  # the client went away mid-request
            return
        ctx = _context(scope, body)
        response = self.handle(ctx)  # inline: short CPU-bound work; threads would only contend for the GIL
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()
                   if name.lower() not in ("content-length", REQUEST_ID_HEADER.lower())]
        headers += [(b"content-length", str(len(response.body)).encode()),
                    (REQUEST_ID_HEADER.encode(), ctx.request_id.encode())]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})


def _service(ctx: RequestContext) -> str:
    if ctx.service is None:
        raise RuntimeError("route has not picked a service")
    return ctx.service


def _operation_name(ctx: RequestContext) -> str:
    if ctx.operation is None:
        raise RuntimeError("parse has not named the operation")
    return ctx.operation


def _scope_service(ctx: RequestContext) -> str | None:
    """The service in the SigV4 credential scope (header or presigned), unverified: for routing only."""
    credential = None
    for name, value in ctx.headers:
        if name.lower() == "authorization":
            match = _CREDENTIAL.search(value)
            credential = match.group(1) if match else None
            break
    else:
        for name, value in parse_qsl(ctx.query_string):
            if name == "X-Amz-Credential":
                credential = value
                break
    parts = credential.split("/") if credential else []
    return parts[3] if len(parts) == 5 else None


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())


def _not_found(ctx: RequestContext) -> Response:
    return _json(404, {
        "error": "NotFound",
        "message": f"No Lamina API answers {ctx.method} {ctx.raw_path}. IAM and STS take a SigV4-signed "
                   f"Query request (form field Action, credential scope iam or sts); health is GET {HEALTH_PATH}.",
    })


def _context(scope: Scope, body: bytes) -> RequestContext:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    client = scope.get("client")
    return RequestContext(
        request_id=str(uuid.uuid4()),
        method=scope["method"].upper(),
        raw_path=raw_path.decode("utf-8", "surrogateescape"),
        query_string=scope.get("query_string", b"").decode("utf-8", "surrogateescape"),
        headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]],
        body=body,
        source_ip=client[0] if client else None,
        secure=scope.get("scheme") == "https",
    )


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to set up or tear down yet (the store opens before the app); just acknowledge."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
