"""Lamina's ASGI app: every API on one port, one request pipeline written as one list.

::

    ASGI http ─► admit         health → 200 JSON; the service from cheap signals (SigV4 scope,
                 │             Lambda's paths); body limits and a known key before a large body
                 │             (Query: iam, sts · REST-JSON: lambda · JSON 1.1: logs)
                 ▼ read body   bounded (limits.read_body)
                 │  route         the service (a Query form's ``Action`` when unsigned) or 404
                 │  authenticate  SigV4 against the store's access keys → ctx.caller, ctx.region
                 │  parse         the model's operation and validated params
                 │  authorize     the operation's declaration → the gate
                 │  dispatch      the registered handler → a result, or an Offload of its heavy part,
                 │                awaited in the worker pool (Throttling when the pool is full)
                 ▼  serialize     the service's protocol, with the request id
    a ServiceError anywhere → the service's error envelope; anything else → 500 InternalFailure

``/console`` and ``/console/...`` never enter this pipeline: the web console (``lamina.console``)
answers them, its actions running operations through ``perform`` (authorize → dispatch → finish).

Each step takes the context and returns None (go on) or a finished Response (stop). The steps are
short and synchronous (SQLite reads, HMAC, the engine) and run inline on the event loop; what can
take long (password hashing, large simulations) is an Offload that runs in a worker process, so
one caller never holds up another. No web framework: the app is plain ASGI, served by uvicorn.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from lamina import __version__, limits
from lamina.auth import REST_JSON_CODES, AuthError, claimed_access_key, verify
from lamina.auth.credentials import ResolvedKey, federated_user_refusal, resolve_access_key
from lamina.authorization import AuditLog, Gate
from lamina.console import Console
from lamina.context import RequestContext, new_request_id
from lamina.function_logs import FunctionLogs
from lamina.protocols import (
    Response,
    ServiceError,
    decode_form,
    error_type,
    load_service,
    parser_for,
    rest_json,
    serializer_for,
)
from lamina.protocols.routes import RouteMatch, router_for
from lamina.protocols.validation import compile_patterns
from lamina.runtime import Invoker
from lamina.services import Awaited, Deps, Offload, Operation, Registry, build_registry, not_implemented
from lamina.services.lambda_ import function_code, url_invoke
from lamina.services.lambda_.event_queue import EventRunner
from lamina.services.sts import outbound
from lamina.settings import Settings
from lamina.store import NotFound, Store
from lamina.store.repositories import lambda_code
from lamina.workers import PoolBusy, WorkerPool, WorkerTimeout

__all__ = ["HEALTH_PATH", "LaminaApp", "create_app"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Step = Callable[[RequestContext], Response | None]

HEALTH_PATH = "/_lamina/health"
CONSOLE_PATH = "/console"
"""The web console's pages (``lamina.console``), on the same port as the APIs."""
QUERY_SERVICES = ("sts", "iam")
"""Services spoken over the Query protocol and picked by the SigV4 scope's service."""
REST_SERVICES = ("lambda",)
"""Services spoken over REST-JSON, picked by the scope or by their paths."""
JSON_SERVICES = ("logs",)
"""Services spoken over AWS JSON 1.1 (``X-Amz-Target``), picked by the SigV4 scope's service."""
SERVED = QUERY_SERVICES + REST_SERVICES + JSON_SERVICES
FALLBACK_SERVICE = "sts"
"""Whose envelope an unsigned Query request's error uses (IAM's and STS's differ only in xmlns)."""
UNSIGNED_STS_OPERATIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
"""STS operations that take no AWS credentials: the token or assertion is the proof."""
REQUEST_ID_HEADER = "x-amzn-RequestId"
INTERNAL_FAILURE = "The request processing has failed because of an unknown error, exception or failure."
UNKNOWN = "unknown"
"""``ctx.service`` of a request that names a service Lamina does not serve."""

_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
log = logging.getLogger("lamina.server")


def create_app(store: Store, settings: Settings, workers: WorkerPool | None = None,
               registry: Registry | None = None, invoker: Invoker | None = None) -> LaminaApp:
    """The ASGI app serving ``store``; ``settings`` name the node (account, region, endpoint);
    ``registry`` holds the operations it serves (``lamina.services.build_registry()`` when None);
    ``invoker`` runs functions (environments under the data dir, calling back to this node)."""
    invoker = invoker or Invoker(settings.data_dir.resolve() / "runtime", settings.endpoint, sandbox=settings.sandbox)
    return LaminaApp(store, settings, workers or WorkerPool(), registry or build_registry(), invoker)


class LaminaApp:
    """The ASGI callable; ``handle`` runs the pipeline on one request, with no I/O of its own."""

    def __init__(self, store: Store, settings: Settings, workers: WorkerPool, registry: Registry,
                 invoker: Invoker | None = None) -> None:
        self.store = store
        self.settings = settings
        self.workers = workers
        self.registry = registry
        self.audit = AuditLog(store)
        self.gate = Gate(store, self.audit)
        self.invoker = invoker
        self.function_logs = FunctionLogs(store)
        """Where invocations' logs go (``record``), written in batches and read through CloudWatch Logs."""
        self.deps = Deps(store, self.gate, settings, invoker, self.function_logs)
        """What handlers that ask for more than the store are given (the gate for iam:PassRole, the
        invoker, the functions' logs)."""
        self.events = EventRunner(self.deps, retry_delays=settings.event_retry_delays)
        """Runs Event invocations from the store's queue, from the lifespan's start to its end."""
        self.console = Console(self)
        """The web console under ``/console``: its actions go through ``perform``."""
        self._background: list[asyncio.Task[None]] = []
        self.buffered = limits.Budget()
        self.heavy_rate = limits.RateLimit()
        _load_protocols()
        self.pipeline: list[Step] = [
            self.route,  # which API: the Query protocol (iam, sts), Lambda's REST paths, or 404
            self.authenticate,  # SigV4 → the caller
            self.parse,  # the request → operation and validated params
            self.authorize,  # the operation's declaration → the gate
        ]

    # -- the pipeline --------------------------------------------------------------------------

    def handle(self, ctx: RequestContext) -> Response:
        """The whole pipeline on a request whose body is read; an Offload runs right here."""
        try:
            early = self._before_handler(ctx)
            if early is not None:
                return early
            outcome = self.dispatch(ctx)
            ctx.result = outcome.run_inline() if isinstance(outcome, Offload) else outcome
            return self.serialize(ctx)
        except Exception as error:
            return self._failure(ctx, error)

    async def respond(self, ctx: RequestContext) -> Response:
        """The same pipeline, with an Offload's work awaited in the worker pool, an Awaited's here."""
        try:
            early = self._before_handler(ctx)
            if early is not None:
                return early
            outcome = self.dispatch(ctx)
            if isinstance(outcome, Offload) and outcome.pure:  # the answer is the result: serialized there too
                done: Response = await self._offload(ctx, _serialized, _service(ctx), _operation_name(ctx),
                                                     ctx.request_id, outcome.work, outcome.args)
                return done
            if isinstance(outcome, Offload | Awaited):  # the common answer is ready: no coroutine for it
                outcome = await self._finish(ctx, outcome)
            ctx.result = outcome
            return self.serialize(ctx)
        except limits.Throttled as error:
            await asyncio.sleep(limits.THROTTLED_PAUSE_SECONDS)
            return self._failure(ctx, error)
        except Exception as error:
            return self._failure(ctx, error)

    async def perform(self, ctx: RequestContext) -> Any:
        """Authorize then run an operation whose service, operation and params are already set (the
        console's actions): the same gate and handlers as the API, no wire protocol around them.
        Raises the gate's AccessDenied or the handler's ServiceError."""
        self.authorize(ctx)
        return await self._finish(ctx, self.dispatch(ctx))

    async def _finish(self, ctx: RequestContext, outcome: Any) -> Any:
        """A handler's outcome as its result: an Offload's work awaited in the pool, an Awaited's here."""
        if isinstance(outcome, Offload):
            return outcome.finish(await self._offload(ctx, outcome.work, *outcome.args))
        if isinstance(outcome, Awaited):
            return outcome.finish(await outcome.wait())
        return outcome

    def _before_handler(self, ctx: RequestContext) -> Response | None:
        for step in self.pipeline:
            response = step(ctx)
            if response is not None:
                return response
        return None

    def admit(self, ctx: RequestContext) -> int:
        """Before the body: the service from cheap signals, and how many body bytes may be read.

        Raises the error to answer at once (nothing read) when the declared body is over the
        service's limit, when a large body comes from no access key Lamina knows, or when that
        key's account has used up its rate of heavy work. 0 when the framing says there is no body
        (``Content-Length: 0``, or neither it nor chunked encoding): nothing to wait for.
        """
        ctx.service = _service_from_head(ctx)
        operation = _rest_operation(ctx)
        limit = limits.body_limit(ctx.service, operation)
        declared = _content_length(ctx)
        if declared == 0 or (declared is None and not _chunked(ctx)):
            return 0
        if declared is not None and declared > limit:
            raise limits.too_large(ctx.service, declared, limit, operation)
        if (declared is None and _chunked(ctx)) or (declared or 0) > limits.UNAUTHENTICATED_BODY_BYTES:
            if not self.heavy_rate.allow(self._require_known_key(ctx)):  # a large body costs the loop
                raise limits.throttled(ctx.service)
            return limit
        return min(limit, limits.UNAUTHENTICATED_BODY_BYTES)

    def route(self, ctx: RequestContext) -> Response | None:
        """Health, else the service: the SigV4 scope's, Lambda's paths, else a Query form's ``Action``."""
        if ctx.method == "GET" and ctx.raw_path == HEALTH_PATH:
            return self._health()
        if ctx.method == "GET" and ctx.raw_path.startswith(function_code.CODE_PATH):
            return self._function_code(ctx)
        if ctx.method == "GET" and ctx.raw_path.startswith(outbound.PATH_PREFIX):  # outbound federation's issuer
            status, document = outbound.issuer_document(self.store, self.settings.endpoint, ctx.raw_path)
            return _json(status, document)
        ctx.service = _service_from_head(ctx)
        if ctx.service == UNKNOWN:
            raise ServiceError("NotImplemented", f"Lamina serves {', '.join(SERVED)}; "
                               "this request is signed for another service.", 501, sender_fault=False)
        if ctx.service in REST_SERVICES + JSON_SERVICES:
            return None
        if ctx.method in ("GET", "POST"):
            ctx.form = decode_form(ctx.body if ctx.method == "POST" else b"", ctx.query_string)
            if ctx.service in QUERY_SERVICES or (ctx.service is None and "Action" in ctx.form):
                ctx.service = ctx.service or FALLBACK_SERVICE
                return None
        return self._error(ctx, _unknown_operation(ctx))

    def authenticate(self, ctx: RequestContext) -> None:
        """Verify SigV4 with the secret of the key that signed; set the caller and the region.

        STS's AssumeRoleWithWebIdentity and AssumeRoleWithSAML take no AWS credentials (the model
        marks them unsigned): their caller is whoever the token or assertion proves, which the
        handler verifies, so they run with no caller and the node's region."""
        if ctx.service == "sts" and ctx.form.get("Action") in UNSIGNED_STS_OPERATIONS:
            ctx.region = self.settings.region
            return
        resolved: dict[str, ResolvedKey] = {}

        def lookup_secret(access_key_id: str) -> str | None:
            found = resolve_access_key(self.store, access_key_id)
            if found is not None:
                resolved[access_key_id] = found
            return found.secret if found else None

        at = datetime.now(UTC)
        try:
            signer = verify(ctx.signed_request(), lookup_secret, at)
            if signer.service != ctx.service:
                raise AuthError("SignatureDoesNotMatch",
                                f"Credential should be scoped to correct service: '{ctx.service}'. ")
            # a temporary key also needs its session's token, unexpired; a long-term key, none
            ctx.caller = resolved[signer.access_key_id].accept(signer.session_token, at, ctx.service)
        except AuthError as error:
            raise _auth_error(ctx, error) from None
        ctx.region = signer.region
        if not signer.access_key_id.startswith("ASIA"):
            self.audit.key_used(signer.access_key_id, _service(ctx), signer.region)

    def parse(self, ctx: RequestContext) -> None:
        """The request → the model's operation and its validated params."""
        service = _service(ctx)
        if service in REST_SERVICES:  # an unknown route: UnknownOperationException
            operation, params = parser_for(service).parse(ctx.method, ctx.raw_path, ctx.query_string, ctx.headers,
                                                          ctx.body, match=_rest_route(ctx))
        elif service in JSON_SERVICES:  # the operation is X-Amz-Target's
            operation, params = parser_for(service).parse(ctx.headers, ctx.body)
        else:
            operation, params = parser_for(service).parse(ctx.form)
        ctx.operation, ctx.params = operation.name, params

    def authorize(self, ctx: RequestContext) -> None:
        """The operation's declaration → the one gate; an operation nobody declared never runs."""
        service, name = _service(ctx), _operation_name(ctx)
        refused = federated_user_refusal(ctx.caller, service, name) if ctx.caller is not None else None
        if refused is not None:  # a federated user may call no IAM and no STS but GetCallerIdentity
            raise _auth_error(ctx, refused)
        declared = self.registry.declaration(service, name)
        if declared is None:
            raise not_implemented(service, name)
        self.gate.authorize(ctx, declared)

    def dispatch(self, ctx: RequestContext) -> Any:
        """Run the operation's handler against the store: its result, or an Offload of its heavy part."""
        return self._operation(ctx).call(ctx, self.deps)

    def serialize(self, ctx: RequestContext) -> Response:
        """The result in the service's protocol, with the request id."""
        return serializer_for(_service(ctx)).serialize(_operation_name(ctx), ctx.result, ctx.request_id)

    # -- helpers -------------------------------------------------------------------------------

    async def _offload(self, ctx: RequestContext, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` in a worker, within the account's rate of heavy work and the pool's bounds."""
        charged_at_admission = len(ctx.body) > limits.UNAUTHENTICATED_BODY_BYTES  # see admit
        if not charged_at_admission and not self.heavy_rate.allow(ctx.require_caller().account_id):
            raise limits.throttled(ctx.service)
        try:
            return await self.workers.run(work, *args, timeout=limits.OFFLOAD_DEADLINE_SECONDS)
        except PoolBusy:
            raise limits.throttled(ctx.service) from None
        except WorkerTimeout:
            log.error("request %s (%s %s) overran the %s s worker deadline", ctx.request_id, ctx.service,
                      ctx.operation, limits.OFFLOAD_DEADLINE_SECONDS)
            raise ServiceError("ServiceUnavailable", "The request took too long and was stopped.", 503,
                               sender_fault=False) from None

    def _require_known_key(self, ctx: RequestContext) -> str:
        """The account of the active access key a request names, read before its body; else the
        authentication error, so that a large body is never read for a stranger."""
        try:
            access_key_id = claimed_access_key(ctx.signed_request())
        except AuthError as error:
            raise _auth_error(ctx, error) from None
        found = resolve_access_key(self.store, access_key_id)
        if found is None:
            raise _auth_error(ctx, AuthError("InvalidClientTokenId", "The security token included in the request "
                                             "is invalid."))
        return found.caller.account_id

    def _operation(self, ctx: RequestContext) -> Operation:
        service, name = _service(ctx), _operation_name(ctx)
        operation = self.registry.find(service, name)
        if operation is None:
            raise not_implemented(service, name)
        return operation

    def _failure(self, ctx: RequestContext, error: Exception) -> Response:
        if isinstance(error, ServiceError):
            return self._error(ctx, error)
        log.error("request %s (%s %s) failed", ctx.request_id, ctx.service, ctx.operation, exc_info=error)
        return self._error(ctx, ServiceError("InternalFailure", INTERNAL_FAILURE, 500, sender_fault=False))

    def _error(self, ctx: RequestContext, error: ServiceError) -> Response:
        if ctx.service in QUERY_SERVICES or (ctx.service in (None, UNKNOWN) and _looks_like_query(ctx)):
            return serializer_for(ctx.service if ctx.service in QUERY_SERVICES else FALLBACK_SERVICE) \
                .serialize_error(error, ctx.request_id)
        if ctx.service in JSON_SERVICES:
            if error.code == "AccessDenied":  # the gate's denial as the service's modelled AccessDeniedException
                error = error_type(ctx.service, "AccessDeniedException")(error.message)
            return serializer_for(ctx.service).serialize_error(error, ctx.request_id)
        if error.code == "AccessDenied":  # the gate's denial, in the name Lambda's protocol gives it
            error = ServiceError(REST_JSON_CODES[error.code], error.message, error.status, error.sender_fault)
        return rest_json.serialize_error(error, ctx.request_id)

    def _function_code(self, ctx: RequestContext) -> Response:
        """GetFunction's ``Code.Location``: the zip, for whoever holds the signed, unexpired URL."""
        sha256_hex = ctx.raw_path.removeprefix(function_code.CODE_PATH)
        query = dict(parse_qsl(ctx.query_string))
        try:
            expires = int(query.get("X-Amz-Expires", ""))
        except ValueError:
            expires = 0
        if not function_code.location_valid(self.store.secret_box, sha256_hex, expires,
                                            query.get("X-Amz-Signature", "")):
            return rest_json.serialize_error(ServiceError(
                "AccessDeniedException", "Request has expired, or its signature does not match.", 403), ctx.request_id)
        try:
            with self.store.transaction(read_only=True) as conn:
                code = lambda_code.read_code(conn, sha256_hex)
        except NotFound:
            return rest_json.serialize_error(ServiceError("ResourceNotFoundException", "The code no longer exists.",
                                                          404), ctx.request_id)
        return Response(200, {"Content-Type": "application/zip"}, code)

    def _health(self) -> Response:
        return _json(200, {"status": "ok", "version": __version__, "services": list(SERVED),
                           "account_id": self.settings.account_id, "region": self.settings.region,
                           "workers_busy": self.workers.busy,
                           "invocations_running": self.invoker.busy() if self.invoker is not None else 0})

    def close(self) -> None:
        """Write the audit events and function logs still queued and stop the workers."""
        self.audit.close()
        self.function_logs.close()
        self.workers.close()

    async def start(self) -> None:
        """At the lifespan's start: say how functions are isolated; run queued Event invocations.

        Then everything loaded so far (the service models, compiled patterns, the registry: a
        hundred thousand containers) is moved out of the garbage collector's sight with ``gc.freeze()``.
        They live as long as the process, and a full collection walking them paused the loop for
        80 ms or more every few thousand requests."""
        if self.invoker is not None:
            mode = await self.invoker.prepare()
            note = f" ({self.invoker.sandbox_note})" if self.invoker.sandbox_note else ""
            log.info("Functions run %s%s", "in bubblewrap sandboxes" if mode == "bwrap" else "as plain processes",
                     note)
        self._background.append(asyncio.create_task(self.events.run()))
        gc.freeze()

    async def stop(self) -> None:
        """At the lifespan's end: stop taking events, stop every execution environment."""
        await self.events.stop()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self.invoker is not None:
            await self.invoker.close()

    # -- ASGI ----------------------------------------------------------------------------------

    async def _answer(self, ctx: RequestContext, receive: Receive) -> Response | None:
        """Admit, read the body within its bounds, run the pipeline; None if the client left."""
        try:
            limit = self.admit(ctx)
            ctx.body = await limits.read_body(receive, limit, self.buffered) if limit else b""
        except limits.ClientGone:
            return None
        except limits.BodyRefused as refused:
            error = refused.error(ctx.service, _rest_operation(ctx))
        except ServiceError as refused:
            error = refused
        else:
            return await self.respond(ctx)
        if isinstance(error, limits.Throttled):
            await asyncio.sleep(limits.THROTTLED_PAUSE_SECONDS)
        response = self._error(ctx, error)
        response.headers["Connection"] = "close"  # the unread rest of the body must not be read as a request
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, self)
            return
        if scope["type"] != "http":
            return
        ctx = _context(scope)
        url_id = url_invoke.url_id_of(_first_header(ctx, "host"))
        if url_id is not None:  # a function URL: the function answers, not an API
            await self._function_url(ctx, receive, send, url_id)
            return
        if ctx.raw_path == CONSOLE_PATH or ctx.raw_path.startswith(CONSOLE_PATH + "/"):
            response = await self._console_answer(ctx, receive)
        else:
            response = await self._answer(ctx, receive)
        if response is None:  # the client went away mid-request
            return
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()
                   if name.lower() not in ("content-length", REQUEST_ID_HEADER.lower())]
        headers += [(b"content-length", str(len(response.body)).encode()),
                    (REQUEST_ID_HEADER.encode(), ctx.request_id.encode())]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})


    async def _console_answer(self, ctx: RequestContext, receive: Receive) -> Response | None:
        """A console page: its form body (within the console's bound: small unless signed in), then
        ``lamina.console``."""
        try:
            ctx.body = await limits.read_body(receive, self.console.body_limit(ctx), self.buffered)
        except limits.ClientGone:
            return None
        except limits.BodyRefused:
            return Response(413, {"Content-Type": "text/plain; charset=utf-8"}, b"Request Entity Too Large")
        return await self.console.handle(ctx)

    async def _function_url(self, ctx: RequestContext, receive: Receive, send: Send, url_id: str) -> None:
        """A request to a function URL: its body (Invoke's 6 MB bound), its caller when the URL takes
        SigV4, then ``url_invoke`` runs the function and shapes the HTTP answer."""
        config = url_invoke.find_url(self.deps, url_id)
        if config is None:
            answer = url_invoke.message(404, "No function URL answers at this address.")
        else:
            try:
                ctx.body = await limits.read_body(receive, limits.body_limit("lambda", "Invoke"), self.buffered)
            except limits.ClientGone:
                return
            except limits.BodyRefused:
                answer = url_invoke.message(413, "Request Entity Too Large")
            else:
                answer = await self._url_answer(ctx, config, url_id)
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers.items()
                   if name.lower() not in ("content-length", "set-cookie")]
        headers += [(b"set-cookie", cookie.encode("latin-1")) for cookie in answer.cookies]
        headers += [(b"content-length", str(len(answer.body)).encode()),
                    (REQUEST_ID_HEADER.lower().encode(), ctx.request_id.encode())]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _url_answer(self, ctx: RequestContext, config: Any, url_id: str) -> url_invoke.UrlAnswer:
        preflight = ctx.method == "OPTIONS" and bool(_header(ctx, "access-control-request-method"))
        if config.auth_type == "AWS_IAM" and not preflight:
            ctx.service = "lambda"
            try:
                self.authenticate(ctx)
            except ServiceError:  # unsigned, badly signed, unknown key: AWS says only this
                return url_invoke.message(url_invoke.FORBIDDEN, "Forbidden")
        else:
            ctx.region = config.region
        return await url_invoke.invoke_url(self.deps, ctx, config, url_id)


def _first_header(ctx: RequestContext, name: str) -> str | None:
    found = _header(ctx, name)
    return found[0] if found else None


def _serialized(service: str, operation: str, request_id: str, work: Callable[..., Any],
                args: tuple[Any, ...]) -> Response:
    """In a worker: run a pure Offload's work and serialize its answer as the operation's result."""
    return serializer_for(service).serialize(operation, work(*args), request_id)


def _load_protocols() -> None:
    """Build every service's parser, serializer and router now, so no request pays for loading a model."""
    for service in SERVED:
        parser_for(service)
        serializer_for(service)
    for service in REST_SERVICES:
        router_for(service)
    for service in SERVED:
        compile_patterns(load_service(service))


def _service(ctx: RequestContext) -> str:
    if ctx.service is None:
        raise RuntimeError("route has not picked a service")
    return ctx.service


def _operation_name(ctx: RequestContext) -> str:
    if ctx.operation is None:
        raise RuntimeError("parse has not named the operation")
    return ctx.operation


def _service_from_head(ctx: RequestContext) -> str | None:
    """The service from the SigV4 scope (any case: ``authenticate`` then insists on AWS's), else
    from the path (Lambda's), else None (an unsigned request, told by its form later)."""
    if "service" not in ctx.derived:
        ctx.derived["service"] = _head_service(ctx)
    found: str | None = ctx.derived["service"]
    return found


def _head_service(ctx: RequestContext) -> str | None:
    scope = _scope_service(ctx)
    if scope is not None:
        served = scope.lower()
        return served if served in SERVED else UNKNOWN
    if any(router_for(service).owns(ctx.raw_path) for service in REST_SERVICES):
        return "lambda"
    return None


def _rest_operation(ctx: RequestContext) -> str | None:
    """A REST service's operation, from the method and path alone (None for other services)."""
    match = _rest_route(ctx)
    return match.operation if match else None


def _rest_route(ctx: RequestContext) -> RouteMatch | None:
    """The route a REST service's request takes, matched once (admission and parsing both ask)."""
    if ctx.service not in REST_SERVICES:
        return None
    if "route" not in ctx.derived:
        ctx.derived["route"] = router_for(_service(ctx)).match(ctx.method, ctx.raw_path, ctx.query_string)
    found: RouteMatch | None = ctx.derived["route"]
    return found


def _scope_service(ctx: RequestContext) -> str | None:
    """The service in the SigV4 credential scope (header or presigned), unverified: for routing only."""
    credential = None
    authorization = ctx.header_values("authorization")
    if authorization:
        match = _CREDENTIAL.search(authorization[0])
        credential = match.group(1) if match else None
    else:
        for name, value in parse_qsl(ctx.query_string):
            if name == "X-Amz-Credential":
                credential = value
                break
    parts = credential.split("/") if credential else []
    return parts[3] if len(parts) == 5 and parts[3] else None


def _header(ctx: RequestContext, name: str) -> list[str]:
    return ctx.header_values(name)


def _content_length(ctx: RequestContext) -> int | None:
    values = _header(ctx, "content-length")
    try:
        return max(int(value) for value in values) if values else None
    except ValueError:
        return None


def _chunked(ctx: RequestContext) -> bool:
    return any("chunked" in value.lower() for value in _header(ctx, "transfer-encoding"))


def _looks_like_query(ctx: RequestContext) -> bool:
    """A Query-protocol request by its shape: a form ``Action`` (read) or a form content type."""
    if "Action" in ctx.form or "Action=" in ctx.query_string:
        return True
    return any("x-www-form-urlencoded" in value for value in _header(ctx, "content-type"))


def _auth_error(ctx: RequestContext, error: AuthError) -> ServiceError:
    """An authentication failure with the code the addressed service's protocol uses."""
    code = error.rest_json_code if ctx.service in REST_SERVICES + JSON_SERVICES else error.code
    return ServiceError(code, error.message, error.status, sender_fault=error.status < 500)


def _unknown_operation(ctx: RequestContext) -> ServiceError:
    return ServiceError(
        "UnknownOperationException",
        f"No Lamina API answers {ctx.method} {ctx.raw_path}. IAM and STS take a SigV4-signed Query request "
        f"(form field Action, credential scope iam or sts), Lambda its REST paths; health is GET {HEALTH_PATH}.",
        404,
    )


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())


def _context(scope: Scope) -> RequestContext:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    client = scope.get("client")
    return RequestContext(
        request_id=new_request_id(),
        method=scope["method"].upper(),
        raw_path=raw_path.decode("utf-8", "surrogateescape"),
        query_string=scope.get("query_string", b"").decode("utf-8", "surrogateescape"),
        headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]],
        body=b"",
        source_ip=client[0] if client else None,
        secure=scope.get("scheme") == "https",
    )


async def _lifespan(receive: Receive, send: Send, app: LaminaApp) -> None:
    """At start, the background runner (the store opens before the app, workers start on first use);
    at shutdown, functions stop, then ``close`` runs (in a thread: it writes the last audit events)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await app.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await app.stop()
            await asyncio.to_thread(app.close)
            await send({"type": "lifespan.shutdown.complete"})
            return
