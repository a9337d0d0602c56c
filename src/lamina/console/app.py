"""The console: routes under ``/console``, the signed-in session, and actions through the API's gate.

Every action builds a RequestContext for the session's principal (the IAM user, as if it signed
with a long-term key; ``aws:SourceIp`` is the browser's) and runs the registered operation with
``LaminaApp.perform``: the same declaration, gate, handler and audit trail as the API. A denial
keeps the gate's decision, so the page shows AWS's sentence and the statements that decided it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import urlencode

from lamina.authorization import AccessDenied, AuditLog, Gate
from lamina.context import RequestContext, new_request_id
from lamina.protocols import Response, ServiceError
from lamina.protocols.rest_json import Encoded
from lamina.settings import Settings
from lamina.store import Store
from lamina.workers import WorkerPool

from . import web
from .sessions import Session, Sessions
from .signin import SignIn

__all__ = ["Console", "Denial", "Host", "Page"]

log = logging.getLogger("lamina.console")


class Host(Protocol):
    """What the console needs of the server (``lamina.server.LaminaApp`` is one): its store, gate,
    audit trail and workers, and ``perform``, which authorizes then runs an operation."""

    store: Store
    settings: Settings
    workers: WorkerPool
    audit: AuditLog
    gate: Gate

    async def perform(self, ctx: RequestContext) -> Any: ...

Handler = Callable[["Page"], Awaitable[Response]]


@dataclass(frozen=True)
class Denial:
    """A denied action as the console shows it: AWS's sentence, the decision's reasons, a simulator link."""

    message: str
    action: str
    resource: str
    denied_by: str
    reasons: tuple[dict[str, str], ...]
    simulator_url: str


@dataclass
class Page:
    """One request to a signed-in page: the request, its session, and the console."""

    request: web.Request
    session: Session
    console: Console
    match: re.Match[str]

    async def call(self, service: str, operation: str, params: dict[str, Any]) -> Any:
        """Run ``operation`` as the session's principal through the API's gate and handler."""
        ctx = RequestContext(
            request_id=new_request_id(), method="POST", raw_path=web.PREFIX, query_string="", headers=(),
            body=b"", source_ip=self.request.ctx.source_ip, secure=self.request.ctx.secure, service=service,
            caller=self.session.caller, region=self.console.app.settings.region, operation=operation,
            params=params)
        return _plain(await self.console.app.perform(ctx))

    async def attempt(self, service: str, operation: str, params: dict[str, Any]) -> tuple[Any, Denial | str | None]:
        """``call``, with a denial or another error as the second value instead of raised."""
        try:
            return await self.call(service, operation, params), None
        except AccessDenied as denied:
            return None, denial_of(denied, self.session)
        except ServiceError as error:
            cause = error.__context__  # a service's own name for the gate's denial (Lambda's iam:PassRole)
            if isinstance(cause, AccessDenied) and cause.message == error.message:
                return None, denial_of(cause, self.session)
            return None, f"{error.code}: {error.message}"

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        return web.render(template, status, session=self.session, csrf=self.session.csrf, **values)

    @property
    def form(self) -> dict[str, str]:
        return self.request.form

    def arg(self, index: int) -> str:
        return self.match.group(index)


def _plain(value: Any) -> Any:
    """A handler's result as plain data: parts already encoded as Lambda's JSON are decoded again."""
    if isinstance(value, Encoded):
        return json.loads(value.body)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def denial_of(denied: AccessDenied, session: Session) -> Denial:
    decision = denied.decision
    reasons = tuple({"policy": reason.policy_id, "type": reason.policy_type.value, "statement": reason.statement,
                     "effect": reason.effect.value} for reason in (decision.reasons if decision else ()))
    denied_by = decision.denied_by.value if decision and decision.denied_by else "identity-based policy"
    action, resource = denied.action or "", denied.resource or ""
    query = urlencode({"principal": session.caller.arn, "action": action, "resource": resource})
    return Denial(denied.message, action, resource, denied_by, reasons, f"{web.PREFIX}/simulator?{query}")


class Console:
    """Answers every request under ``/console``."""

    def __init__(self, app: Host) -> None:
        self.app = app
        self.sessions = Sessions()
        self.signin = SignIn(app)
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        from . import pages  # the pages register themselves here

        pages.register(self)

    def body_limit(self, ctx: RequestContext) -> int:
        """How many body bytes to read: a zip upload's worth only for a live session, so that a
        stranger can never make the server buffer more than a sign-in form."""
        session_id = web.Request(ctx, "", {}).cookie(web.SESSION_COOKIE)
        return web.UPLOAD_BYTES if self.sessions.find(session_id) is not None else web.FORM_BYTES

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    async def handle(self, ctx: RequestContext) -> Response:
        """A console page; a client error is a page, never a traceback."""
        request = web.Request.of(ctx)
        if request.path.startswith("/static/"):
            return web.static_file(request.path.removeprefix("/static/"))
        try:
            return await self._dispatch(request)
        except ServiceError as error:
            return web.plain(error.status, f"{error.code}: {error.message}")
        except Exception:
            log.exception("console request %s %s failed", ctx.method, ctx.raw_path)
            return web.plain(500, "The console could not answer this request; the server's log says why.")

    async def _dispatch(self, request: web.Request) -> Response:
        session = self.sessions.find(request.cookie(web.SESSION_COOKIE))
        if request.path in ("/signin", "/") and session is None:
            return await self._signin(request)
        if session is None:
            return web.redirect(web.PREFIX)
        if request.path in ("/", "/signin"):  # already signed in: a sign-in page would start a second session
            return web.redirect(f"{web.PREFIX}/home")
        if request.method == "POST" and not web.tokens_equal(request.form.get("csrf"), session.csrf):
            return web.plain(403, "Forbidden: the form's CSRF token is missing or does not match this session.")
        if request.path == "/signout" and request.method == "POST":
            self.sessions.end(session.session_id)
            return web.redirect(web.PREFIX, {"Set-Cookie": web.cookie_header(web.SESSION_COOKIE, "",
                                                                               secure=request.ctx.secure, clear=True)})
        if session.password_change_required and request.path != "/password":
            return web.redirect(f"{web.PREFIX}/password")
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                return await handler(Page(request, session, self, match))
        return web.not_found()

    async def _signin(self, request: web.Request) -> Response:
        if request.method != "POST":
            return self._signin_form(request, "")
        if not web.tokens_equal(request.form.get("csrf"), request.cookie(web.SIGNIN_COOKIE)):
            return web.plain(403, "Forbidden: the form's CSRF token is missing or does not match.")
        form = request.form
        outcome = await self.signin.attempt(form.get("account", ""), form.get("username", ""),
                                            form.get("password", ""), form.get("mfa", ""), request.ctx.source_ip,
                                            root=form.get("kind") == "root")
        if outcome.caller is None:
            return self._signin_form(request, outcome.message, status=401, account=form.get("account", ""),
                                     username=form.get("username", ""), kind=form.get("kind", "iam"))
        session = self.sessions.start(outcome.caller, outcome.alias,
                                      password_change_required=outcome.password_change_required, mfa=outcome.mfa)
        cookie = web.cookie_header(web.SESSION_COOKIE, session.session_id, secure=request.ctx.secure)
        return web.redirect(web.PREFIX + ("/password" if session.password_change_required else "/home"),
                            {"Set-Cookie": cookie})

    def _signin_form(self, request: web.Request, message: str, status: int = 200, **values: str) -> Response:
        token = request.cookie(web.SIGNIN_COOKIE) or web.new_token()
        cookie = web.cookie_header(web.SIGNIN_COOKIE, token, secure=request.ctx.secure)
        values.setdefault("account", request.query.get("account", ""))
        values.setdefault("username", "")
        values.setdefault("kind", "iam")
        return web.render("signin.html", status, {"Set-Cookie": cookie}, csrf=token, message=message, session=None,
                          **values)

    def password_changed(self, session: Session) -> None:
        self.sessions.update(replace(session, password_change_required=False))
