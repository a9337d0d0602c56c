"""Differential tests: botocore signs, Lamina verifies.

Hypothesis builds random requests (methods, unicode and reserved-character paths, repeated and
empty query keys, padded and repeated headers, bodies, IAM/STS form posts, Lambda REST paths,
session tokens, literal and unsigned payload hashes), botocore's SigV4Auth / SigV4QueryAuth sign
them at a frozen clock, and ``verify`` must accept exactly what was sent. Then one thing is
changed and ``verify`` must refuse it with AWS's code. A last group drives real botocore clients
(serializers included) and captures the bytes they would put on the wire.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import quote, urlsplit

import botocore.session
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamina.auth import AuthError, SignedRequest, verify

AKID = "AKIALAMINATEST000001"
SECRET = "lamina/Secret+Key0123456789abcdefghijklm"
SIGNED_AT = datetime(2026, 1, 1, 0, 10, 0)  # naive UTC, as botocore's clock returns it
NOW = SIGNED_AT.replace(tzinfo=UTC)
STAMP = "20260101T001000Z"

ENDPOINTS = [
    "http://localhost:4599",
    "http://127.0.0.1:8080",
    "https://lamina.example.com",
    "https://lamina.example.com:443",
    "http://lamina.example.com:80",
    "https://lamina.example.com:8443",
    "http://[::1]:4599",
]
DEFAULT_PORTS = {"http": ":80", "https": ":443"}
HEADER_NAMES = ["X-Lamina-Test", "X-Amz-Meta-Note", "Content-Type", "X-Custom", "x-custom"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lookup(akid: str) -> str | None:
    return SECRET if akid == AKID else None


# ---------------------------------------------------------------- from botocore to the wire


def host_header(url: str) -> str:
    """What an HTTP client sends as Host: the authority, without a default port."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    default = DEFAULT_PORTS[parts.scheme]
    return netloc[: -len(default)] if netloc.endswith(default) else netloc


def to_wire(request: AWSRequest) -> SignedRequest:
    """The signed request as the server sees it. Headers come from ``request.headers`` so that
    repeated headers stay repeated; the Host header is the one the HTTP client would add."""
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = list(request.headers.items())
    if not any(name.lower() == "host" for name, _ in headers):
        headers.append(("Host", host_header(prepared.url)))
    body = prepared.body or b""
    return SignedRequest(
        prepared.method,
        parts.path,
        parts.query,
        headers,
        body.encode() if isinstance(body, str) else body,
    )


def sign(request: AWSRequest, signer: SigV4Auth) -> SignedRequest:
    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT):
        signer.add_auth(request)
    return to_wire(request)


def refused(request: SignedRequest, now: datetime = NOW, secrets: Any = lookup) -> AuthError:
    with pytest.raises(AuthError) as caught:
        verify(request, secrets, now)
    return caught.value


def set_header(request: SignedRequest, name: str, value: str) -> SignedRequest:
    """Replace the first header called ``name`` (case-insensitive)."""
    headers = list(request.headers)
    index = next(i for i, (key, _) in enumerate(headers) if key.lower() == name.lower())
    headers[index] = (headers[index][0], value)
    return replace(request, headers=headers)


# ---------------------------------------------------------------- strategies

safe_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.just("\t"), max_size=12)
token_text = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=1, max_size=40)


@st.composite
def paths(draw: st.DrawFn) -> str:
    """Generic paths (unicode, reserved characters, dot and empty segments) or Lambda REST paths."""
    if draw(st.booleans()):
        name = draw(
            st.sampled_from(["my-fn", "my-fn:1", "my-fn:$LATEST", "arn:aws:lambda:us-east-1:1:function:f:prod"])
        )
        tail = draw(st.sampled_from(["/invocations", "/policy", "/configuration", ""]))
        return f"/2015-03-31/functions/{quote(name, safe='')}{tail}"
    segments = draw(st.lists(safe_text | st.sampled_from([".", "..", ""]), max_size=5))
    safe = draw(st.sampled_from(["", "-_.~", ":@!$&'()*+,;=", "/~"]))
    return "/" + "/".join(quote(segment, safe=safe) for segment in segments)


keys = st.sampled_from(["a", "b", "Action", "k y", "é", "~x", "Marker"]) | safe_text
values = st.none() | safe_text
query_items = st.lists(st.tuples(keys, values), max_size=5)


def raw_query(items: list[tuple[str, str | None]]) -> str:
    """A canonical-encoded query, as botocore's serializers write one (``None``: no ``=``)."""
    return "&".join(
        quote(key, safe="-_.~") + ("" if value is None else "=" + quote(value, safe="-_.~")) for key, value in items
    )


@dataclass
class Case:
    request: SignedRequest
    payload: str
    token: str | None
    custom_headers: list[str]


@st.composite
def header_signed(draw: st.DrawFn) -> Case:
    endpoint = draw(st.sampled_from(ENDPOINTS))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]))
    form = method == "POST" and draw(st.booleans())
    path = "/" if form else draw(paths())
    items = draw(query_items)
    in_url = draw(st.booleans())
    url = endpoint + path + (f"?{raw_query(items)}" if in_url and items else "")
    params = [(key, value or "") for key, value in items] if not in_url else {}
    data: Any = b""
    if form:
        data = {
            "Action": draw(st.sampled_from(["ListUsers", "AssumeRole", "GetCallerIdentity"])),
            "Version": "2010-05-08",
            "UserName": draw(safe_text),
        }
    elif method in ("POST", "PUT", "PATCH"):
        data = draw(st.binary(max_size=64))
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_text), max_size=4))
    request = AWSRequest(method=method, url=url, data=data, params=params)
    for name, value in headers:
        request.headers[name] = value  # HTTPMessage appends: repeated names stay repeated
    if form:
        request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    payload = draw(st.sampled_from(["hash", "literal", "unsigned"]))
    if payload == "literal":
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(request.body or b"").hexdigest()
    elif payload == "unsigned":
        request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    token = draw(st.none() | token_text)
    service = draw(st.sampled_from(["iam", "sts", "lambda"]))
    region = draw(st.sampled_from(["us-east-1", "eu-west-3", "local"]))
    signer = SigV4Auth(Credentials(AKID, SECRET, token), service, region)
    return Case(sign(request, signer), payload, token, [name for name, _ in headers])


# ---------------------------------------------------------------- header auth

MUTATIONS = [
    "host",
    "custom",
    "query",
    "body",
    "date",
    "day",
    "secret",
    "unknown",
    "region",
    "path",
    "method",
    "token",
    "skew",
]


@SETTINGS
@given(case=header_signed(), mutation=st.sampled_from(MUTATIONS))
def test_botocore_header_signatures_verify(case: Case, mutation: str) -> None:
    request = case.request
    verified = verify(request, lookup, NOW)
    assert (verified.access_key_id, verified.signed_at, verified.session_token) == (AKID, NOW, case.token)
    assert not verified.presigned

    expected = "SignatureDoesNotMatch"
    now, secrets = NOW, lookup
    if mutation == "host":
        request = set_header(request, "host", request.header("host") + "x")
    elif mutation == "custom" and case.custom_headers:
        name = case.custom_headers[0]
        request = set_header(request, name, request.header(name) + "!")
    elif mutation == "query":
        request = replace(request, query=request.query + "x")
    elif mutation == "body":
        request = replace(request, body=request.body + b"!")
        if case.payload == "unsigned":  # nothing vouches for the body: accepted, as AWS does
            assert verify(request, lookup, NOW).access_key_id == AKID
            return
    elif mutation == "date":
        request = set_header(request, "x-amz-date", "20260101T001001Z")
    elif mutation == "day":
        request = set_header(request, "x-amz-date", "20260102T001000Z")
    elif mutation == "secret":
        secrets = lambda akid: SECRET[:-1] + "M"  # noqa: E731
    elif mutation == "unknown":
        secrets, expected = (lambda akid: None), "InvalidClientTokenId"
    elif mutation == "region":
        auth = request.header("authorization")
        request = set_header(request, "authorization", auth.replace(f"/{verified.region}/", "/us-west-2/"))
        if verified.region == "us-west-2":
            return
    elif mutation == "path":
        request = replace(request, path=request.path + "x")
    elif mutation == "method":
        request = replace(request, method="GET" if request.method != "GET" else "POST")
    elif mutation == "token" and case.token:
        request = set_header(request, "x-amz-security-token", case.token + "x")
    elif mutation == "skew":
        now = NOW + timedelta(minutes=15, seconds=1)
    else:
        return  # custom/token mutation without a custom header or token
    error = refused(request, now, secrets)
    assert error.code == expected, (mutation, error.message)
    assert SECRET not in str(error)


# ---------------------------------------------------------------- presigned URLs


@st.composite
def presigned(draw: st.DrawFn) -> tuple[SignedRequest, int, str | None]:
    endpoint = draw(st.sampled_from(ENDPOINTS))
    form = draw(st.booleans())
    items = draw(query_items)
    path = "/" if form else draw(paths())
    url = endpoint + path + (f"?{raw_query(items)}" if items else "")
    data = {"Action": "GetCallerIdentity", "Version": "2011-06-15", "Note": draw(safe_text)} if form else b""
    request = AWSRequest(method="POST" if form else "GET", url=url, data=data)
    for name, value in draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES[:2]), header_text), max_size=2)):
        request.headers[name] = value
    expires = draw(st.integers(min_value=1, max_value=604800))
    token = draw(st.none() | token_text)
    service = draw(st.sampled_from(["sts", "lambda", "iam"]))
    signer = SigV4QueryAuth(Credentials(AKID, SECRET, token), service, "us-east-1", expires=expires)
    return sign(request, signer), expires, token


@SETTINGS
@given(case=presigned(), mutation=st.sampled_from(["expired", "query", "signature", "secret", "early", "path"]))
def test_botocore_presigned_urls_verify(case: tuple[SignedRequest, int, str | None], mutation: str) -> None:
    request, expires, token = case
    verified = verify(request, lookup, NOW + timedelta(seconds=expires))
    assert verified.presigned and verified.session_token == token and verified.signed_at == NOW

    now, secrets, expected = NOW, lookup, "SignatureDoesNotMatch"
    if mutation == "expired":
        now, expected = NOW + timedelta(seconds=expires + 1), "AccessDenied"
    elif mutation == "query":
        request = replace(request, query="zz=1&" + request.query)
    elif mutation == "signature":
        sig = request.query.rsplit("=", 1)[1]
        flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        request = replace(request, query=request.query[: -len(sig)] + flipped)
    elif mutation == "secret":
        secrets = lambda akid: "not-the-secret"  # noqa: E731
    elif mutation == "early":
        now = NOW - timedelta(minutes=16)
    elif mutation == "path":
        request = replace(request, path=request.path + "x")
    error = refused(request, now, secrets)
    assert error.code == expected, (mutation, error.message)
    if expected == "AccessDenied":
        assert (error.status, error.message) == (403, "Request has expired")


# ---------------------------------------------------------------- host header and ports


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_host_with_and_without_port(endpoint: str) -> None:
    request = AWSRequest(method="GET", url=endpoint + "/", params={"Action": "GetCallerIdentity"})
    wire = sign(request, SigV4Auth(Credentials(AKID, SECRET), "sts", "us-east-1"))
    assert verify(wire, lookup, NOW).service == "sts"
    port = urlsplit(endpoint).port
    if port not in (None, 80, 443):
        assert wire.header("host").endswith(f":{port}")
        stripped = set_header(wire, "host", wire.header("host").rsplit(":", 1)[0])
        assert refused(stripped).code == "SignatureDoesNotMatch"


# ---------------------------------------------------------------- real botocore clients


class Captured(Exception):
    """Raised from before-send: a control-flow signal carrying the prepared request."""

    def __init__(self, request: Any) -> None:
        self.request = request


def text(value: str | bytes) -> str:
    """Header bytes as an ASGI server hands them over (latin-1)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def capture(service: str, operation: str, token: str | None = None, **params: Any) -> SignedRequest:
    """Run a real client call up to the moment it would hit the network; return the wire request."""
    client = botocore.session.get_session().create_client(
        service,
        region_name="us-east-1",
        endpoint_url="http://localhost:4599",
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
    )

    def stop(request: Any, **_: Any) -> None:
        raise Captured(request)

    client.meta.events.register_first("before-send", stop)
    with pytest.raises(Captured) as caught:
        getattr(client, operation)(**params)
    prepared = caught.value.request
    body = prepared.body or b""
    parts = urlsplit(prepared.url)
    headers = [(text(name), text(value)) for name, value in prepared.headers.items()]
    headers.append(("Host", host_header(prepared.url)))
    return SignedRequest(
        prepared.method, parts.path, parts.query, headers, body.encode() if isinstance(body, str) else body
    )


CALLS = [
    ("lambda", "invoke", {"FunctionName": "my-fn", "Qualifier": "1", "Payload": b'{"a": "\xc3\xa9 b"}'}),
    ("lambda", "get_function", {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod"}),
    ("lambda", "list_functions", {"MaxItems": 5, "Marker": "a b/c+d~é"}),
    (
        "lambda",
        "add_permission",
        {
            "FunctionName": "my-fn",
            "StatementId": "s",
            "Action": "lambda:InvokeFunction",
            "Principal": "s3.amazonaws.com",
        },
    ),
    ("iam", "list_users", {"PathPrefix": "/división/"}),
    ("iam", "create_user", {"UserName": "alice+bob@x", "Tags": [{"Key": "k", "Value": "v w"}]}),
    ("sts", "get_caller_identity", {}),
    (
        "sts",
        "assume_role",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "RoleSessionName": "sess",
            "Policy": '{"Version":"2012-10-17","Statement":[]}',
        },
    ),
]


@pytest.mark.parametrize(("service", "operation", "params"), CALLS, ids=[c[1] for c in CALLS])
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEJr//////////session+token=="])
def test_real_clients_verify(service: str, operation: str, params: dict[str, Any], token: str | None) -> None:
    wire = capture(service, operation, token, **params)
    verified = verify(wire, lookup, datetime.now(UTC))
    assert (verified.service, verified.region, verified.session_token) == (service, "us-east-1", token)
    tampered = replace(wire, body=wire.body + b" ") if wire.body else replace(wire, query=wire.query + "&x=1")
    assert refused(tampered, datetime.now(UTC)).code == "SignatureDoesNotMatch"


def test_real_presigned_get_caller_identity() -> None:
    client = botocore.session.get_session().create_client(
        "sts",
        region_name="us-east-1",
        endpoint_url="http://localhost:4599",
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
    )
    url = client.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    parts = urlsplit(url)
    # botocore presigns a Query-protocol call with the operation's method, POST (empty body)
    wire = SignedRequest("POST", parts.path, parts.query, [("Host", host_header(url))])
    now = datetime.now(UTC)
    verified = verify(wire, lookup, now)
    assert verified.presigned and verified.service == "sts"
    assert refused(wire, now + timedelta(seconds=61)).code == "AccessDenied"
    assert refused(replace(wire, method="GET"), now).code == "SignatureDoesNotMatch"
