"""The REST-JSON protocol against botocore itself, in both directions, for every Lambda operation.

* requests: botocore's ``rest-json`` serializer writes sample params (path labels, query strings,
  headers, JSON bodies, raw payloads); Lamina's parser must give them back;
* responses: Lamina's serializer writes sample results; botocore's ``rest-json`` parser must read
  back the same values, status code and headers;
* errors: every modelled Lambda error through a real boto3 client, and envelopes compared field by
  field with answers recorded from AWS (``tests/data/lambda_recorded_answers.json``).

Validation wording and malformed bodies are in ``test_rest_json_validation.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import (
    AWSPreparedRequest,
    AWSResponse,
    HeadersDict,
    create_request_object,
    prepare_request_dict,
)
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from botocore.serialize import create_serializer
from botocore.utils import ArgumentGenerator

from lamina.protocols import RestJsonParser, ServiceError, load_service, parser_for, serializer_for
from lamina.services.lambda_ import errors

SERVICE = load_service("lambda")
RECORDED = Path(__file__).parent.parent / "data" / "lambda_recorded_answers.json"
MOMENT = dt.datetime(2024, 5, 1, 12, 30, 45, 250000, tzinfo=dt.UTC)
RICH_TEXT = "Ünïcødé <tag> & \"quoted\" 'single' +=%;/?#[] \t line\r\nbreak end 😀"
CANDIDATES = (
    "arn:aws:lambda:us-east-1:123456789012:function:my-function:live",
    "arn:aws:lambda:us-east-1:123456789012:function:my-function:1/durable-execution/run-1/id-1",
    "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:3",
    "arn:aws:lambda:us-east-1:123456789012:layer:my-layer",
    "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0",
    "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:12345678-abcd-1234-abcd-123456789012",
    "arn:aws:lambda:us-east-1:123456789012:capacity-provider:my-provider",
    "arn:aws:lambda:us-east-1:123456789012:runtime/python3.12/version/0123456789abcdef",
    "arn:aws:lambda:us-east-1::runtime:0123456789abcdef",
    "arn:aws:iam::123456789012:role/service-role/lambda-role",
    "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0",
    "12345678-abcd-1234-abcd-123456789012",
    "Zm9v+/YmFy==",
    "csc-0123456789abcdef0",
    "lambda:GetLayerVersion",
    "$LATEST.PUBLISHED",
    "/mnt/efs",
    "o-abcdefghij",
    "123456789012",
    "sg-0123abcd",
    "subnet-0123abcd",
    "broker.example.com:9092",
    "ValidationException",
    "us-east-1",
)


def _operations(predicate: Any = None) -> list[str]:
    return [name for name in SERVICE.operation_names if predicate is None or predicate(SERVICE.operation(name))]


def _fits(pattern: str | None, text: str) -> bool:
    """Test-side pattern check, independent of Lamina's (``\\p{..}`` narrowed to ASCII + Latin)."""
    if pattern is None:
        return True
    simple = pattern.replace(r"\p{L}", "a-zA-ZÀ-ÿ").replace(r"\p{Z}", " ").replace(r"\p{N}", "0-9")
    return re.fullmatch(simple, text, re.ASCII) is not None


class Samples:
    """Sample values for a shape: ``valid`` ones meet every constraint, the others stress the wire."""

    def __init__(self, *, valid: bool) -> None:
        self.valid = valid

    def of(self, shape: Shape, name: str = "Value", stack: tuple[str, ...] = (), where: str | None = None) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, (*stack, shape.name))
        if kind == "list":
            size = max(1, min(2, shape.metadata.get("max", 2))) if self.valid else 2
            return [self.of(shape.member, f"{name}{i}", stack, where) for i in range(size)]
        if kind == "map":
            return {self.of(shape.key, f"{name}Key{i}", stack): self.of(shape.value, name, stack) for i in range(2)}
        if kind == "string":
            return self._string(shape, name, where)
        if kind in ("integer", "long"):
            return self._integer(shape, where)
        if kind in ("float", "double"):
            return float(shape.metadata.get("max", 1.5)) if self.valid else 1.5e300
        if kind == "boolean":
            return len(stack) % 2 == 1
        if kind == "timestamp":
            return MOMENT
        if kind == "blob":
            return b"\x00\x01binary\xff" + "Ünï".encode()
        raise AssertionError(f"no sample for {kind}")

    def _structure(self, shape: Shape, stack: tuple[str, ...]) -> dict[str, Any]:
        members = [(n, m) for n, m in shape.members.items() if not m.serialization.get("eventstream")]
        if shape.is_tagged_union:
            members = members[:1]
        return {
            name: self.of(member, name, stack, member.serialization.get("location"))
            for name, member in members
            if member.type_name != "structure" or member.name not in stack
        }

    def _integer(self, shape: Shape, where: str | None) -> int:
        if where == "statusCode":
            return 202
        if self.valid:
            return int(shape.metadata.get("max", shape.metadata.get("min", 7)))
        return -(2**31) if shape.type_name == "integer" else 2**63 - 1

    def _string(self, shape: Shape, name: str, where: str | None) -> str:
        meta = shape.metadata
        if meta.get("enum"):
            return str(meta["enum"][-1])
        header = where == "header"  # HTTP headers carry neither line breaks nor (portably) non-ASCII text
        if not self.valid:
            return f"{name} plain-text_1" if header else f"{name} {RICH_TEXT}"
        low, high = meta.get("min", 0), meta.get("max", 10_000)
        for candidate in ((f"{name} plain-text_1",) if header else (RICH_TEXT,)) + (*CANDIDATES, name, f"{name}-1"):
            text = (candidate * (low // len(candidate) + 1))[:high] if len(candidate) < low else candidate[:high]
            if low <= len(text) and _fits(meta.get("pattern"), text):
                return text
        raise AssertionError(f"no valid sample for {shape.name} ({meta.get('pattern')})")


def _wire(operation: OperationModel, params: dict[str, Any], *, checked: bool = True) -> Request:
    """The HTTP request botocore sends for ``params`` (its serializer, then its request encoding)."""
    serializer = create_serializer("rest-json", include_validation=checked)
    request_dict = serializer.serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url="https://lambda.us-east-1.amazonaws.com")
    prepared = create_request_object(request_dict).prepare()
    return Request.of(prepared)


def _parse(request: Request, *, validate: bool = True) -> tuple[OperationModel, dict[str, Any]]:
    parser: RestJsonParser = parser_for("lambda")
    return parser.parse(request.method, request.path, request.query, request.headers, request.body, validate=validate)


@dataclass(frozen=True)
class Request:
    """A request as Lamina's parser takes it: method, raw path, raw query, header pairs, body bytes."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def of(cls, prepared: AWSPreparedRequest) -> Request:
        split = urlsplit(prepared.url)
        body = prepared.body or b""
        if hasattr(body, "read"):
            body = body.read()
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        headers = [(name, _text(value)) for name, value in prepared.headers.items()]
        return cls(prepared.method, split.path, split.query, headers, raw)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def recorded(key: str) -> dict[str, Any]:
    """One answer recorded from AWS (a few fields of it), copied into tests/data."""
    records: dict[str, dict[str, Any]] = json.loads(RECORDED.read_text())["records"]
    return records[key]


Handler = Callable[[str, dict[str, Any]], Any]


def lambda_client(handler: Handler) -> Any:
    """A boto3 Lambda client whose requests Lamina's parser and serializer answer (no HTTP server).

    botocore's own parameter checks are off, so what reaches Lamina is what a careless client sends.
    """
    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url="https://lamina.test",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(parameter_validation=False, retries={"max_attempts": 0}),
    )

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        serializer, request_id = serializer_for("lambda"), "00000000-0000-0000-0000-000000000000"
        wire = Request.of(request)
        try:
            operation, params = _parse(wire)
            response = serializer.serialize(operation, handler(operation.name, params), request_id)
        except ServiceError as error:
            response = serializer.serialize_error(error, request_id)
        return AWSResponse(request.url, response.status, response.headers, _Raw(response.body))

    client.meta.events.register("before-send", send)
    return client


class _Raw(io.BytesIO):
    """A urllib3-like raw body: botocore reads it whole, streams it, or wraps it in a StreamingBody."""

    def stream(self, amt: int = 1024, **_: Any) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


def raises(error: ServiceError) -> Handler:
    def handler(operation: str, params: dict[str, Any]) -> Any:
        raise error

    return handler


def failed(call: Callable[[], Any]) -> dict[str, Any]:
    """The parsed answer of a call that must fail (botocore's ``ClientError.response``)."""
    with pytest.raises(ClientError) as caught:
        call()
    return dict(caught.value.response)


# -- requests: botocore serializes, Lamina parses -------------------------------------------------


@pytest.mark.parametrize("name", _operations())
def test_every_request_round_trips_with_valid_params(name: str) -> None:
    operation = SERVICE.operation(name)
    params = Samples(valid=True).of(operation.input_shape) if operation.input_shape else {}
    parsed_operation, parsed = _parse(_wire(operation, params))
    assert parsed_operation.name == name
    assert parsed == params


@pytest.mark.parametrize("name", _operations(lambda op: op.input_shape is not None))
def test_every_request_round_trips_awkward_values_unvalidated(name: str) -> None:
    operation = SERVICE.operation(name)
    params = Samples(valid=False).of(operation.input_shape)
    parsed_operation, parsed = _parse(_wire(operation, params, checked=False), validate=False)
    assert parsed_operation.name == name
    assert parsed == params


@pytest.mark.parametrize("name", _operations(lambda op: op.input_shape is not None))
def test_botocore_skeletons_round_trip(name: str) -> None:
    operation = SERVICE.operation(name)
    params = _without_none(ArgumentGenerator(use_member_names=True).generate_skeleton(operation.input_shape))
    _, parsed = _parse(_wire(operation, params, checked=False), validate=False)
    assert parsed == _skeleton_as_parsed(operation.input_shape, params)


def _without_none(value: Any) -> Any:
    """The skeleton without its ``None`` blobs: a client leaves such members out."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value if item is not None]
    return value


def _out_of_body(shape: Shape, key: str) -> bool:
    return bool(shape.members[key].serialization.get("location")) or key == shape.serialization.get("payload")


def _skeleton_as_parsed(shape: Shape, value: Any) -> Any:
    """ArgumentGenerator's values as they come back: aware UTC datetimes, no empty labels or payloads."""
    if isinstance(value, dict) and shape.type_name == "structure":
        return {
            key: _skeleton_as_parsed(shape.members[key], item)
            for key, item in value.items()
            if not (item in ("", b"") and _out_of_body(shape, key))
        }
    if isinstance(value, dict):
        return {key: _skeleton_as_parsed(shape.value, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_skeleton_as_parsed(shape.member, item) for item in value]
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def test_labels_with_colons_slashes_and_unicode_are_decoded() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:my-function:live"
    operation = SERVICE.operation("GetAlias")
    request = _wire(operation, {"FunctionName": arn, "Name": "Ünï/cødé ?#"}, checked=False)
    assert "/functions/arn%3Aaws%3Alambda" in request.path
    assert _parse(request, validate=False)[1] == {"FunctionName": arn, "Name": "Ünï/cødé ?#"}


def test_invoke_payload_headers_and_qualifier() -> None:
    operation = SERVICE.operation("Invoke")
    params = {
        "FunctionName": "my-function",
        "Qualifier": "$LATEST",
        "InvocationType": "Event",
        "LogType": "Tail",
        "ClientContext": "eyJjdXN0b20iOnt9fQ==",
        "Payload": b'{"key": "v\xc3\xa4lue"}',
    }
    assert _parse(_wire(operation, params)) == (operation, params)


def test_create_function_zip_file_is_base64_in_the_body() -> None:
    operation = SERVICE.operation("CreateFunction")
    zipped = bytes(range(256)) * 3
    params = {
        "FunctionName": "f",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Code": {"ZipFile": zipped},
        "MemorySize": 10240,
        "Environment": {"Variables": {"KEY": "välue"}},
        "Tags": {"team": "a b"},
    }
    request = _wire(operation, params)
    assert b'"ZipFile": "AAECAwQF' in request.body
    assert _parse(request)[1] == params


def test_querystring_lists_booleans_timestamps_and_large_ints() -> None:
    operation = SERVICE.operation("ListDurableExecutionsByFunction")
    params = {
        "FunctionName": "f",
        "Statuses": ["RUNNING", "SUCCEEDED"],
        "StartedAfter": MOMENT,
        "ReverseOrder": True,
        "MaxItems": 1000,
    }
    request = _wire(operation, params)
    assert "Statuses=RUNNING&Statuses=SUCCEEDED" in request.query
    assert _parse(request)[1] == params
    untag = SERVICE.operation("UntagResource")
    assert _parse(_wire(untag, {"Resource": CANDIDATES[0], "TagKeys": ["a", "b c"]}))[1]["TagKeys"] == ["a", "b c"]
    layer = SERVICE.operation("GetLayerVersion")
    assert _parse(_wire(layer, {"LayerName": "l", "VersionNumber": 2**53 + 1}))[1]["VersionNumber"] == 2**53 + 1


def test_the_most_specific_route_wins() -> None:
    by_arn = _wire(SERVICE.operation("GetLayerVersionByArn"), {"Arn": CANDIDATES[2]})
    assert _parse(by_arn) == (SERVICE.operation("GetLayerVersionByArn"), {"Arn": CANDIDATES[2]})
    assert _parse(_wire(SERVICE.operation("ListLayers"), {}))[0].name == "ListLayers"


# -- responses: Lamina serializes, botocore parses ------------------------------------------------


def _read(operation: OperationModel, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    payload: Any = body
    if operation.has_event_stream_output:
        payload = _Raw(body)
    elif operation.has_streaming_output:
        payload = StreamingBody(_Raw(body), len(body))
    raw = {
        "status_code": status,
        "headers": HeadersDict(headers),
        "body": payload,
        "context": {"operation_name": operation.name},
    }
    parsed: dict[str, Any] = create_parser("rest-json").parse(raw, operation.output_shape)
    return parsed


@pytest.mark.parametrize("name", _operations(lambda op: op.output_shape is not None))
def test_every_response_round_trips(name: str) -> None:
    operation = SERVICE.operation(name)
    result = Samples(valid=False).of(operation.output_shape)
    response = serializer_for("lambda").serialize(operation, result, "req-123")
    expected_status = 202 if _has_status_member(operation) else operation.http.get("responseCode", 200)
    assert response.status == expected_status
    parsed = _read(operation, response.status, response.headers, response.body)
    metadata = parsed.pop("ResponseMetadata")
    assert (metadata["RequestId"], metadata["HTTPStatusCode"]) == ("req-123", expected_status)
    parsed.pop("EventStream", None)
    if response.status == 204:
        assert response.body == b""
        return
    assert _normalised(parsed) == _normalised(result)


def _has_status_member(operation: OperationModel) -> bool:
    members = operation.output_shape.members.values()
    return any(member.serialization.get("location") == "statusCode" for member in members)


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    if hasattr(value, "read"):
        return value.read()
    return value


def test_no_content_answers_have_no_body() -> None:
    for name in _operations(lambda op: op.http.get("responseCode") == 204):
        response = serializer_for("lambda").serialize(name, None, "r")
        assert (response.status, response.body) == (204, b""), name


def test_timestamps_and_blobs_in_json_bodies() -> None:
    operation = SERVICE.operation("GetDurableExecution")
    result = {
        "DurableExecutionArn": "a",
        "DurableExecutionName": "n",
        "FunctionArn": "f",
        "Status": "RUNNING",
        "StartTimestamp": MOMENT,
        "InputPayload": "x",
    }
    response = serializer_for("lambda").serialize(operation, result, "r")
    assert b'"StartTimestamp":1714566645.25' in response.body
    assert _read(operation, 200, response.headers, response.body)["StartTimestamp"] == MOMENT


# -- errors ---------------------------------------------------------------------------------------


def _extra_members(shape_name: str) -> dict[str, str]:
    members = SERVICE.model.shape_for(shape_name).members
    return {name: f"{name} value" for name in members if name not in ("Type", "Message", "message")}


@pytest.mark.parametrize("shape_name", sorted(SERVICE.errors))
def test_every_modelled_error_reads_back_in_a_real_client(shape_name: str) -> None:
    shape = SERVICE.model.shape_for(shape_name)
    trait = shape.metadata["error"]
    message = "Function <x> & 'y' \"z\" Ünïcødé failed"
    extra = _extra_members(shape_name)
    answer = failed(lambda_client(raises(getattr(errors, shape_name)(message, **extra))).get_account_settings)
    assert answer["Error"] == {"Code": shape.error_code, "Message": message}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == trait["httpStatusCode"]
    assert answer["ResponseMetadata"]["RequestId"] == "00000000-0000-0000-0000-000000000000"
    assert answer["message" if "message" in shape.members else "Message"] == message
    assert answer["Type"] == ("User" if trait.get("senderFault", trait["httpStatusCode"] < 500) else "Service")
    assert {name: answer[name] for name in extra} == extra


# -- envelopes against recorded AWS answers -------------------------------------------------------


def _envelope(answer: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    status = answer["ResponseMetadata"]["HTTPStatusCode"]
    return {key: status if key == "HTTPStatusCode" else answer[key] for key in keys}


def _fields(record: dict[str, Any]) -> list[str]:
    return [key for key in record if key != "source"]


@pytest.mark.parametrize(
    ("key", "shape_name", "extra"),
    [
        (
            "invoke_latest_first_exc",
            "TooManyRequestsException",
            {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"},
        ),
        ("get_function_alias_notfound_exc", "ResourceNotFoundException", {}),
        ("invoke_function_invalid_payload_body", "InvalidRequestContentException", {}),
    ],
)
def test_error_envelopes_match_recorded_aws_answers(key: str, shape_name: str, extra: dict[str, str]) -> None:
    record = recorded(key)
    error = getattr(errors, shape_name)(record["Error"]["Message"], **extra)
    answer = failed(lambda: lambda_client(raises(error)).invoke(FunctionName="f", Payload=b"{}"))
    assert _envelope(answer, _fields(record)) == {key: record[key] for key in _fields(record)}


@pytest.mark.parametrize("key", ["lambda_invoke_result", "invoke_timed_out", "invoke_event"])
def test_invoke_answers_match_recorded_aws_answers(key: str) -> None:
    record = recorded(key)
    payload = record["Payload"]
    body = b"" if payload == "" else json.dumps(payload).encode()
    result = {name: record[name] for name in ("ExecutedVersion", "FunctionError", "StatusCode") if name in record}
    answer = lambda_client(lambda *_: {**result, "Payload": body}).invoke(FunctionName="f")
    read = answer["Payload"].read()
    assert (json.loads(read) if read else "") == payload
    for name in _fields(record):
        if name != "Payload":
            assert _envelope(answer, [name])[name] == record[name]


def test_delete_function_answers_204_as_recorded() -> None:
    record = recorded("delete_function_response")
    answer = lambda_client(lambda *_: {"StatusCode": 204}).delete_function(FunctionName="f")
    assert _envelope(answer, _fields(record)) == {k: record[k] for k in _fields(record)}


def test_unknown_route_is_404_unknown_operation() -> None:
    parser: RestJsonParser = parser_for("lambda")
    with pytest.raises(ServiceError) as caught:
        parser.parse("PATCH", "/2015-03-31/functions/f", "", [], b"")
    assert (caught.value.code, caught.value.status) == ("UnknownOperationException", 404)
    assert caught.value.message.startswith("No Lamina API answers PATCH /2015-03-31/functions/f.")
