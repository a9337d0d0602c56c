"""The console's HTTP plumbing: requests, forms, cookies, security headers, page rendering."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, quote

import jinja2

from lamina.context import RequestContext
from lamina.protocols import Response

__all__ = ["PREFIX", "Request", "html", "not_found", "redirect", "render", "static_file"]

PREFIX = "/console"
SESSION_COOKIE = "lamina-console"
SIGNIN_COOKIE = "lamina-console-signin"
"""The sign-in form's CSRF token before any session exists (double submit: cookie and field must match)."""

FORM_BYTES = 256 * 1024
"""The largest body read for a request without a session (the sign-in form needs far less)."""
UPLOAD_BYTES = 52 * 1024 * 1024
"""The largest body of a signed-in form: a function's zip (Lambda takes 50 MB) with its fields."""

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""On every console answer: no inline script, no framing (clickjacking), no caching of pages that
may hold a secret, no referrer leaking a console URL."""

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("lamina.console", "templates"),
    autoescape=True,
    undefined=jinja2.ChainableUndefined,  # AWS omits empty members: a missing one renders empty
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["pretty_json"] = lambda value: json.dumps(value, indent=2, sort_keys=False, default=str)
_env.filters["urlpart"] = lambda value: quote(str(value), safe="")


@dataclass
class Request:
    """One console request: the server's context plus the path below ``/console`` and its form."""

    ctx: RequestContext
    path: str
    query: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx: RequestContext) -> Request:
        path = ctx.raw_path[len(PREFIX):] or "/"
        request = cls(ctx, path, dict(parse_qsl(ctx.query_string)))
        kind = _content_type(ctx)  # as sent: a multipart boundary is case-sensitive
        if ctx.method == "POST" and kind.lower().startswith("application/x-www-form-urlencoded"):
            request.form = dict(parse_qsl(ctx.body.decode("utf-8", "replace"), keep_blank_values=True))
        elif ctx.method == "POST" and kind.lower().startswith("multipart/form-data"):
            request.form, request.files = _multipart(kind, ctx.body)
        return request

    @property
    def method(self) -> str:
        return self.ctx.method

    def cookie(self, name: str) -> str | None:
        for key, value in self.ctx.headers:
            if key.lower() != "cookie":
                continue
            for part in value.split(";"):
                found, _, content = part.strip().partition("=")
                if found == name:
                    return content
        return None


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """A multipart/form-data body's fields and files, read with the standard library's MIME parser."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
                                                  + body)
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            files[name] = data
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def _content_type(ctx: RequestContext) -> str:
    for key, value in ctx.headers:
        if key.lower() == "content-type":
            return value
    return ""


def cookie_header(name: str, value: str, *, secure: bool, clear: bool = False) -> str:
    """A console cookie: HttpOnly, SameSite=Strict, scoped to /console, Secure over TLS."""
    parts = [f"{name}={'' if clear else value}", f"Path={PREFIX}", "HttpOnly", "SameSite=Strict"]
    if clear:
        parts.append("Max-Age=0")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_equal(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and secrets.compare_digest(str(given), str(expected))


def render(template: str, status: int = 200, headers: Mapping[str, str] | None = None, **values: Any) -> Response:
    body = _env.get_template(template).render(prefix=PREFIX, **values).encode()
    return html(body, status, headers)


def html(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS, **(headers or {})}, body)


def redirect(location: str, headers: Mapping[str, str] | None = None) -> Response:
    """303 See Other: after a POST the browser GETs the next page (no re-submission on reload)."""
    return Response(303, {"Location": location, **SECURITY_HEADERS, **(headers or {})}, b"")


def json_answer(status: int, payload: Mapping[str, Any]) -> Response:
    return Response(status, {"Content-Type": "application/json", **SECURITY_HEADERS}, json.dumps(payload).encode())


def not_found() -> Response:
    return html(b"<!doctype html><title>Not found</title><h1>Not found</h1>", 404)


def plain(status: int, text: str) -> Response:
    return Response(status, {"Content-Type": "text/plain; charset=utf-8", **SECURITY_HEADERS}, text.encode())


def static_file(name: str) -> Response:
    """An asset shipped in the package (``lamina/console/static``); nothing comes from the internet."""
    suffix = name[name.rfind("."):] if "." in name else ""
    if "/" in name or name.startswith(".") or suffix not in _TYPES:
        return not_found()
    asset = resources.files("lamina.console").joinpath("static", name)
    if not asset.is_file():
        return not_found()
    headers = {"Content-Type": _TYPES[suffix], **SECURITY_HEADERS, "Cache-Control": "max-age=300"}
    return Response(200, headers, asset.read_bytes())
