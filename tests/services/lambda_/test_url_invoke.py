"""Function URLs without a server: the host forms, the payload format 2.0 event, the function's
answer as HTTP (its own response object or any JSON), and CORS from the URL's config."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lamina.auth.credentials import Caller
from lamina.context import RequestContext
from lamina.runtime import InvocationResult
from lamina.services.lambda_.url_invoke import http_answer, payload_event, url_id_of
from lamina.store.repositories.lambda_urls import UrlConfigRow

URL_ID = "abcdefghijklmnopqrstuvwxyz012345"


def _config(auth_type: str = "AWS_IAM", cors: dict[str, Any] | None = None) -> UrlConfigRow:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return UrlConfigRow("f-1", "123456789012", "us-east-1", "fn", "", URL_ID, auth_type, cors, "BUFFERED", at, at)


def _request(body: bytes = b"", headers: list[tuple[str, str]] | None = None, query: str = "") -> RequestContext:
    return RequestContext(request_id="req-1", method="POST", raw_path="/my/path%20here", query_string=query,
                          headers=headers or [("Host", f"{URL_ID}.lambda-url.us-east-1.localhost:4599")],
                          body=body, source_ip="127.0.0.1")


def _result(payload: Any, error: str | None = None) -> InvocationResult:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return InvocationResult("req-1", data, error, "", 1.0, None, 30)


@pytest.mark.parametrize("host", [
    f"{URL_ID}.lambda-url.us-east-1.on.aws", f"{URL_ID}.lambda-url.eu-west-1.localhost",
    f"{URL_ID}.lambda-url.us-east-1.localhost:4599", f"{URL_ID.upper()}.LAMBDA-URL.us-east-1.on.aws",
    f"{URL_ID}.lambda-url.us-east-1.lamina.internal:8080"])
def test_both_host_forms_name_the_url(host: str) -> None:
    assert url_id_of(host) == URL_ID


@pytest.mark.parametrize("host", [None, "localhost:4599", "127.0.0.1", "[::1]:4599", "lambda-url.localhost",
                                  "short.lambda-url.us-east-1.on.aws", f"{URL_ID}.lambda-url.us-east-1"])
def test_other_hosts_are_the_api(host: str | None) -> None:
    assert url_id_of(host) is None


def test_the_event_is_payload_format_2() -> None:
    headers = [("Host", f"{URL_ID}.lambda-url.us-east-1.localhost:4599"), ("Content-Type", "application/json"),
               ("X-Many", "a"), ("x-many", "b"), ("Cookie", "c1=1; c2=2"), ("User-Agent", "curl/8")]
    caller = Caller("123456789012", "arn:aws:iam::123456789012:user/ada", "IAMUser", "AIDAEXAMPLE", "AKIAEXAMPLE",
                    user_name="ada")
    ctx = _request(b'{"x": 1}', headers, "a=1&a=2&b=")
    ctx.caller = caller
    event = payload_event(ctx, _config(), URL_ID, {k.lower(): v for k, v in [
        ("host", headers[0][1]), ("content-type", "application/json"), ("x-many", "a,b"), ("cookie", "c1=1; c2=2"),
        ("user-agent", "curl/8")]})
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/my/path here" and event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["cookies"] == ["c1=1", "c2=2"] and "cookie" not in event["headers"]
    assert event["headers"]["x-many"] == "a,b"
    assert event["body"] == '{"x": 1}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["apiId"], context["domainPrefix"], context["stage"]) == (URL_ID, URL_ID, "$default")
    assert context["domainName"] == f"{URL_ID}.lambda-url.us-east-1.localhost"
    assert context["http"] == {"method": "POST", "path": "/my/path here", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "curl/8"}
    assert context["authorizer"]["iam"]["userArn"] == caller.arn
    assert context["authorizer"]["iam"]["accessKey"] == "AKIAEXAMPLE"


def test_a_binary_body_is_base64() -> None:
    event = payload_event(_request(b"\x00\xff"), _config("NONE"), URL_ID, {"content-type": "application/octet-stream"})
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\xff"
    assert "authorizer" not in event["requestContext"]


def test_a_response_object_is_the_http_response() -> None:
    answer = http_answer(_result({"statusCode": 201, "headers": {"X-Made": "yes"}, "body": "created",
                                  "cookies": ["a=1", "b=2"]}))
    assert (answer.status, answer.body, list(answer.cookies)) == (201, b"created", ["a=1", "b=2"])
    assert answer.headers["X-Made"] == "yes"
    binary = http_answer(_result({"statusCode": 200, "body": base64.b64encode(b"\x01\x02").decode(),
                                  "isBase64Encoded": True}))
    assert binary.body == b"\x01\x02"


def test_any_other_json_is_a_200_json_body() -> None:
    answer = http_answer(_result({"hello": "world"}))
    assert (answer.status, answer.headers["Content-Type"], json.loads(answer.body)) == (
        200, "application/json", {"hello": "world"})


def test_a_failed_function_is_a_502() -> None:
    assert http_answer(_result({"errorMessage": "boom"}, "Unhandled")).status == 502
    assert http_answer(_result({"statusCode": "not a number"})).status == 502
