"""Hypothesis strategies for hostile requests: any modelled operation with random or oversized
parameters, broken policy documents, broken signatures, duplicate headers and query parameters.

Requests are built as raw HTTP (method, path, query, headers, body) so that nothing a client
library would refuse to send is out of reach; valid signatures come from botocore's own signer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.model import OperationModel, Shape
from botocore.serialize import create_serializer
from hypothesis import strategies as st

ACCOUNT = "123456789012"
_SESSION = botocore.session.get_session()
MODELS = {name: _SESSION.get_service_model(name) for name in ("iam", "sts", "lambda")}

NASTY_STRINGS = [
    "", "*", "?", "${aws:username}", "arn:aws:iam::123456789012:user/" + "*a" * 10 + "*b", "a" * 40,
    "1e999999", "-0", "NaN", "\x00", "\ud7ff", "é" * 10, "../../etc/passwd", "%00", "<x>&amp;", "]]>",
    "arn:aws:lambda:us-east-1:123456789012:function:f", "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::123456789012:user/" + "a" * 40, "x" * 70_000,
]


@dataclass
class RawRequest:
    """One request as bytes on the wire would carry it."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    label: str = ""

    def describe(self) -> str:
        return f"{self.label}: {self.method} {self.path[:80]}?{self.query[:80]} ({len(self.body)} bytes)"

    def __repr__(self) -> str:  # hypothesis prints failing examples; a 3 MB body would drown them
        return f"RawRequest({self.describe()!r}, headers={self.headers!r}, body={self.body[:200]!r}...)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(NASTY_STRINGS),
        st.text(alphabet="ab*?:/${}", max_size=60),
    )


def policy_documents() -> st.SearchStrategy[str]:
    """Broken and well-formed policy documents, as text."""
    values = st.one_of(text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True))
    condition = st.dictionaries(
        st.sampled_from(["StringLike", "NumericLessThan", "ArnLike", "IpAddress", "DateGreaterThan", "Bool",
                         "ForAnyValue:StringEquals", "StringEqualsIfExists", "Null", "Bogus"]),
        st.dictionaries(st.sampled_from(["aws:username", "aws:SourceIp", "aws:CurrentTime", "iam:PassedToService",
                                         "aws:PrincipalTag/team", "lambda:FunctionArn", "x"]),
                        st.one_of(values, st.lists(values, max_size=3)), max_size=2),
        max_size=2)
    statement = st.fixed_dictionaries({}, optional={
        "Effect": st.sampled_from(["Allow", "Deny", "allow", "Maybe"]),
        "Action": st.one_of(text(), st.lists(text(), max_size=4)),
        "NotAction": st.lists(text(), max_size=2),
        "Resource": st.one_of(text(), st.lists(text(), max_size=4)),
        "Principal": st.one_of(st.just("*"), st.dictionaries(st.sampled_from(["AWS", "Service", "Federated"]),
                                                             text(), max_size=2)),
        "Condition": condition,
        "Sid": text(),
    })
    document = st.fixed_dictionaries({}, optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17", "bogus"]),
        "Statement": st.one_of(statement, st.lists(statement, max_size=6)),
        "Id": text(),
    })
    as_json = document.map(json.dumps)
    return st.one_of(as_json, as_json.map(lambda s: s[: len(s) // 2]), text())


def value_for(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Random values of the shape's Python type (so botocore can serialize them), ignoring constraints."""
    kind = shape.type_name
    if "policy" in shape.name.lower() and kind == "string":
        return policy_documents()
    if kind == "string":
        return st.sampled_from(shape.enum) | text() if shape.enum else text()
    if kind in ("integer", "long"):
        return st.integers(-(2**40), 2**40)
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "timestamp":
        return st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)).map(
            lambda d: d.replace(tzinfo=UTC))
    if kind == "blob":
        return st.binary(max_size=64)
    if depth > 3:  # deep recursive shapes (policy simulations' context): stop with an empty value
        return st.just([] if kind == "list" else {})
    if kind == "list":
        return st.lists(value_for(shape.member, depth + 1), max_size=4)
    if kind == "map":
        return st.dictionaries(value_for(shape.key, depth + 1), value_for(shape.value, depth + 1), max_size=3)
    if kind == "structure":
        members = {name: value_for(member, depth + 1) for name, member in shape.members.items()}
        required = set(shape.required_members)
        return st.fixed_dictionaries({k: v for k, v in members.items() if k in required},
                                     optional={k: v for k, v in members.items() if k not in required})
    return st.none()


def sign(service: str, method: str, url: str, body: bytes, headers: dict[str, str],
         key: str, secret: str) -> dict[str, str]:
    request = AWSRequest(method, url, data=body, headers=headers)
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _body(serialized: Any) -> bytes:
    """botocore's serialized body: a form dict (Query), text or bytes (REST-JSON)."""
    if isinstance(serialized, dict):
        return urlencode(serialized).encode()
    return serialized if isinstance(serialized, bytes) else str(serialized or "").encode()


@st.composite
def operation_requests(draw: st.DrawFn, endpoint: str, key: str, secret: str) -> RawRequest:
    """A signed request for a random operation of IAM, STS or Lambda with random parameters."""
    service = draw(st.sampled_from(["iam", "sts", "lambda"]))
    model = MODELS[service]
    operation: OperationModel = model.operation_model(draw(st.sampled_from(model.operation_names)))
    params = draw(value_for(operation.input_shape)) if operation.input_shape is not None else {}
    try:
        serializer = create_serializer(model.metadata["protocol"], include_validation=False)
        serialized = serializer.serialize_to_request(params, operation)
    except Exception:  # a value botocore cannot put on the wire (a missing path label): skip it
        return RawRequest("GET", "/_lamina/health", label="skipped")
    path = serialized["url_path"]
    query = urlencode(serialized["query_string"], doseq=True) if serialized["query_string"] else ""
    body = _body(serialized["body"])
    headers = {k: str(v) for k, v in serialized["headers"].items()}
    url = endpoint + path + (f"?{query}" if query else "")
    signed = sign(service, serialized["method"], url, body, headers, key, secret)
    return RawRequest(serialized["method"], path, query, list(signed.items()), body, f"{service}:{operation.name}")


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[RawRequest]) -> RawRequest:
    """A request with its signature broken, headers or parameters duplicated, or its body enlarged."""
    request = draw(base)
    how = draw(st.sampled_from(["signature", "duplicate-header", "duplicate-query", "drop-header", "big-body",
                                "scope-case"]))
    headers = list(request.headers)
    if how == "signature" and headers:
        index = draw(st.integers(0, len(headers) - 1))
        name, value = headers[index]
        cut = draw(st.integers(0, len(value)))
        headers[index] = (name, value[:cut] + draw(st.text(max_size=5)).encode("latin-1", "replace").decode("latin-1"))
    elif how == "duplicate-header" and headers:
        headers.append(draw(st.sampled_from(headers)))
    elif how == "duplicate-query":
        extra = draw(st.sampled_from(["Action=GetUser", "X-Amz-Signature=00", "Version=2010-05-08", "a=1&a=2"]))
        request.query = f"{request.query}&{extra}" if request.query else extra
    elif how == "drop-header" and headers:
        headers.pop(draw(st.integers(0, len(headers) - 1)))
    elif how == "big-body":
        request.body += b"A" * draw(st.sampled_from([70_000, 3 * 1024 * 1024]))
    elif how == "scope-case":
        headers = [(n, v.replace("/iam/", "/IAM/").replace("/sts/", "/STS/")) for n, v in headers]
    request.headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
    request.label += f" [{how}]"
    return request


ACTIONS = ["iam:GetUser", "lambda:GetFunction", "s3:GetObject", "sts:AssumeRole", "iam:*", "*"]


def _simulate_custom() -> st.SearchStrategy[tuple[str, str, dict[str, Any]]]:
    return st.fixed_dictionaries({
        "PolicyInputList": st.lists(policy_documents(), min_size=1, max_size=3),
        "ActionNames": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
        "ResourceArns": st.lists(st.sampled_from(NASTY_STRINGS[:10]), min_size=1, max_size=3),
    }).map(lambda p: ("iam", "SimulateCustomPolicy", p))


def _create_policy() -> st.SearchStrategy[tuple[str, str, dict[str, Any]]]:
    return st.fixed_dictionaries({"PolicyName": st.text(alphabet="abcdef", min_size=1, max_size=12),
                                  "PolicyDocument": policy_documents()}).map(lambda p: ("iam", "CreatePolicy", p))


def _assume_role_policy() -> st.SearchStrategy[tuple[str, str, dict[str, Any]]]:
    return st.fixed_dictionaries({"RoleName": st.text(alphabet="abcdef", min_size=1, max_size=12),
                                  "AssumeRolePolicyDocument": policy_documents()}).map(
        lambda p: ("iam", "CreateRole", p))


@st.composite
def policy_requests(draw: st.DrawFn, endpoint: str, key: str, secret: str) -> RawRequest:
    """Well-formed calls that carry broken or hostile policy documents deep into the server."""
    service, name, params = draw(st.one_of(_simulate_custom(), _create_policy(), _assume_role_policy()))
    model = MODELS[service]
    operation = model.operation_model(name)
    serialized = create_serializer(model.metadata["protocol"], include_validation=False).serialize_to_request(
        params, operation)
    body = _body(serialized["body"])
    headers = {k: str(v) for k, v in serialized["headers"].items()}
    signed = sign(service, "POST", endpoint + "/", body, headers, key, secret)
    return RawRequest("POST", "/", "", list(signed.items()), body, f"{service}:{name}")
