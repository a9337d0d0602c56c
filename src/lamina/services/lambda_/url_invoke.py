"""Function URLs served: an HTTP request to ``<url-id>.lambda-url.<region>.localhost`` runs the function.

AWS documents the whole contract (lambda/latest/dg/urls-invocation.html, urls-auth.html): the
request becomes an event in payload format 2.0; the function's answer becomes the HTTP response
(a ``statusCode`` object as given, any other JSON as a 200 ``application/json`` body); CORS
headers come from the URL's config, and preflight requests are answered without running the
function. Authorization: ``AWS_IAM`` URLs take SigV4-signed requests (service ``lambda``) and the
caller needs ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction`` (identity or function
policy); ``NONE`` URLs need the function policy to grant both to ``"*"``. AWS answers a refusal
with ``403 {"Message":"Forbidden"}``, whatever the reason, and so does Lamina.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.runtime import InvalidCode, InvocationResult, RuntimeUnavailable
from lamina.services.registry import Deps
from lamina.store import NotFound
from lamina.store.repositories import lambda_urls
from lamina.store.repositories.lambda_urls import UrlConfigRow

from .declarations import policy_of
from .invocation import check_concurrency, function_spec, run, target
from .names import FunctionRef

__all__ = ["FORBIDDEN", "UrlAnswer", "find_url", "invoke_url", "message", "url_id_of"]

_HOST = re.compile(r"([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\.[a-z0-9.-]+?\.?(?::\d{1,5})?", re.IGNORECASE)
"""``<url-id>.lambda-url.<region>.`` under any domain: AWS's ``on.aws``, Lamina's ``localhost``, or
the host name Lamina was started with (docs/lambda-urls.md)."""
_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml", "application/x-www-form")


@dataclass
class UrlAnswer:
    """An HTTP response to a function URL request."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    cookies: Sequence[str] = ()


def url_id_of(host: str | None) -> str | None:
    """The url id a ``Host`` names (AWS's form, Lamina's, or under Lamina's own host name)."""
    found = _HOST.fullmatch(host or "")
    return found.group(1).lower() if found else None


def find_url(deps: Deps, url_id: str) -> UrlConfigRow | None:
    try:
        with deps.store.transaction(read_only=True) as conn:
            return lambda_urls.find_by_url_id(conn, url_id)
    except NotFound:
        return None


def message(status: int, text: str) -> UrlAnswer:
    """A response of Lamina's own (not the function's): ``{"Message": ...}`` as AWS's are."""
    return UrlAnswer(status, {"Content-Type": "application/json"}, json.dumps({"Message": text}).encode())


FORBIDDEN = 403


def _ref(config: UrlConfigRow) -> FunctionRef:
    return FunctionRef(config.account_id, config.region, config.function_name, config.qualifier or None)


def authorized(deps: Deps, ctx: RequestContext, config: UrlConfigRow) -> bool:
    """Both actions AWS requires (since October 2025), each through the one gate."""
    ref = _ref(config)
    resource, policy = ref.qualified_arn, policy_of(deps.store, ref)
    checks = (("lambda:InvokeFunctionUrl", {"lambda:FunctionUrlAuthType": config.auth_type}),
              ("lambda:InvokeFunction", {"lambda:InvokedViaFunctionUrl": "true"}))
    for action, keys in checks:
        if config.auth_type == "NONE":
            if not deps.gate.check_anonymous(ctx, action, resource, config.account_id, keys, policy).allowed:
                return False
            continue
        try:
            deps.gate.check(ctx, action, resource, keys, policy)
        except ServiceError:
            return False
    return True


async def invoke_url(deps: Deps, ctx: RequestContext, config: UrlConfigRow, url_id: str) -> UrlAnswer:
    """Everything after the caller is known: CORS preflight, authorization, the run, the response."""
    headers = _headers(ctx)
    cors = config.cors or {}
    if ctx.method == "OPTIONS" and cors and "access-control-request-method" in headers:
        return _preflight(cors, headers)
    if not authorized(deps, ctx, config):
        return message(FORBIDDEN, "Forbidden")
    try:
        chosen = target(deps.store, _ref(config))
        check_concurrency(deps, chosen)
        spec = function_spec(deps, chosen)
    except ServiceError as error:
        status = 429 if error.code == "TooManyRequestsException" else 502
        return message(status, "Rate Exceeded." if status == 429 else "Internal Server Error")
    event = payload_event(ctx, config, url_id, headers)
    try:
        result = await run(deps, spec, json.dumps(event).encode(), request_id=ctx.request_id,
                           invoked_arn=chosen.invoked_arn)
    except (RuntimeUnavailable, InvalidCode, ServiceError):
        return message(502, "Internal Server Error")
    answer = http_answer(result)
    answer.headers.update(_cors_headers(cors, headers))
    return answer


def _headers(ctx: RequestContext) -> dict[str, str]:
    """Header names lower-cased; repeated headers joined by commas, as the event shows them."""
    found: dict[str, str] = {}
    for name, value in ctx.headers:
        key = name.lower()
        found[key] = f"{found[key]},{value}" if key in found else value
    return found


def payload_event(ctx: RequestContext, config: UrlConfigRow, url_id: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """The request as payload format 2.0, the shape AWS documents for function URLs."""
    path = unquote(ctx.raw_path) or "/"
    now = datetime.now(UTC)
    shown = {k: v for k, v in headers.items() if k != "cookie"}
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": ctx.query_string,
        "headers": shown,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";") if c.strip()]
    if ctx.query_string:
        params: dict[str, str] = {}
        for key, value in parse_qsl(ctx.query_string, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    domain = headers.get("host", "").split(":")[0]
    event["requestContext"] = {
        "accountId": "anonymous" if config.auth_type == "NONE" else config.account_id,
        "apiId": url_id, "domainName": domain, "domainPrefix": url_id,
        "http": {"method": ctx.method, "path": path, "protocol": "HTTP/1.1", "sourceIp": ctx.source_ip or "",
                 "userAgent": headers.get("user-agent", "")},
        "requestId": ctx.request_id, "routeKey": "$default", "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(time.time() * 1000),
    }
    if ctx.caller is not None:
        caller = ctx.caller
        event["requestContext"]["authorizer"] = {"iam": {
            "accessKey": caller.access_key_id, "accountId": caller.account_id, "callerId": caller.user_id,
            "cognitoIdentity": None, "principalOrgId": None, "userArn": caller.arn, "userId": caller.user_id}}
    if ctx.body:
        text = _is_text(headers.get("content-type", ""))
        event["body"] = ctx.body.decode() if text else base64.b64encode(ctx.body).decode()
        event["isBase64Encoded"] = not text
    else:
        event["isBase64Encoded"] = False
    return event


def _is_text(content_type: str) -> bool:
    return content_type.lower().startswith(_TEXT_TYPES)


def http_answer(result: InvocationResult) -> UrlAnswer:
    """The function's answer as HTTP: its own response object, or its JSON as a 200 body."""
    if result.function_error:
        return message(502, "Internal Server Error")
    try:
        returned = json.loads(result.payload) if result.payload else None
    except ValueError:
        return message(502, "Internal Server Error")
    if not (isinstance(returned, dict) and "statusCode" in returned):
        return UrlAnswer(200, {"Content-Type": "application/json"}, result.payload)
    try:
        status = int(returned["statusCode"])
        headers = {str(k): str(v) for k, v in (returned.get("headers") or {}).items()}
        body = returned.get("body")
        data = b"" if body is None else (base64.b64decode(body) if returned.get("isBase64Encoded") else
                                          (body if isinstance(body, str) else json.dumps(body)).encode())
        cookies = [str(c) for c in returned.get("cookies") or ()]
    except (TypeError, ValueError):
        return message(502, "Internal Server Error")
    if not 100 <= status <= 599:
        return message(502, "Internal Server Error")
    headers.setdefault("Content-Type", "application/json")
    return UrlAnswer(status, headers, data, cookies)


def _allowed_origin(cors: Mapping[str, Any], origin: str | None) -> str | None:
    origins = [str(o) for o in cors.get("AllowOrigins") or ()]
    if origin is None or not origins:
        return None
    if "*" in origins:
        return "*" if not cors.get("AllowCredentials") else origin
    return origin if origin in origins else None


def _cors_headers(cors: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, str]:
    """The CORS headers of an actual response, from the URL's config (AWS's override the function's)."""
    origin = _allowed_origin(cors, headers.get("origin"))
    if origin is None:
        return {}
    found = {"Access-Control-Allow-Origin": origin}
    if cors.get("ExposeHeaders"):
        found["Access-Control-Expose-Headers"] = ",".join(cors["ExposeHeaders"])
    if cors.get("AllowCredentials"):
        found["Access-Control-Allow-Credentials"] = "true"
    return found


def _preflight(cors: Mapping[str, Any], headers: Mapping[str, str]) -> UrlAnswer:
    """An OPTIONS preflight, answered from the config alone."""
    found = _cors_headers(cors, headers)
    if found:
        methods = [str(m) for m in cors.get("AllowMethods") or ()]
        if methods:
            found["Access-Control-Allow-Methods"] = ",".join(methods)
        if cors.get("AllowHeaders"):
            found["Access-Control-Allow-Headers"] = ",".join(cors["AllowHeaders"])
        if cors.get("MaxAge") is not None:
            found["Access-Control-Max-Age"] = str(cors["MaxAge"])
    return UrlAnswer(200, found)
