"""The JSON 1.1 protocol (CloudWatch Logs) against botocore itself, in both directions, for every logs operation.

* requests: botocore's ``json`` serializer writes sample params with ``X-Amz-Target``; Lamina's parser
  must give back the operation and the same params;
* responses: Lamina's serializer writes sample results; botocore's ``json`` parser reads back the same;
* errors: every modelled logs error through a real boto3 client (code, message, status, extra members);
* refusals: no or an unknown target, a body that is not a JSON object, a constraint broken.
"""

from __future__ import annotations

from typing import Any

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
from botocore.model import OperationModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from test_rest_json_roundtrip import Samples, _Raw, failed

from lamina.protocols import JsonParser, ServiceError, error_type, load_service, parser_for, serializer_for
from lamina.protocols.json_rpc import CONTENT_TYPE

SERVICE = load_service("logs")
REQUEST_ID = "11111111-2222-3333-4444-555555555555"


def _operations(predicate: Any = None) -> list[str]:
    return [name for name in SERVICE.operation_names if predicate is None or predicate(SERVICE.operation(name))]


def _streams(operation: OperationModel) -> bool:
    shape = operation.output_shape
    return shape is not None and any(m.serialization.get("eventstream") for m in shape.members.values())


def _wire(operation: OperationModel, params: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes]:
    """The headers and body botocore sends for ``params`` (its own checks off: the values stress the wire)."""
    request_dict = create_serializer("json", include_validation=False).serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url="https://logs.us-east-1.amazonaws.com")
    prepared = create_request_object(request_dict).prepare()
    return _headers(prepared), _body(prepared)


def _headers(prepared: AWSPreparedRequest) -> list[tuple[str, str]]:
    return [(name, value.decode() if isinstance(value, bytes) else value) for name, value in prepared.headers.items()]


def _body(prepared: AWSPreparedRequest) -> bytes:
    body = prepared.body or b""
    return body.encode() if isinstance(body, str) else bytes(body)


def _parser() -> JsonParser:
    return parser_for("logs")


@pytest.mark.parametrize("name", _operations())
def test_every_request_round_trips(name: str) -> None:
    """Every modelled operation's wire form (Unicode text, extreme numbers, blobs, nested shapes);
    the model's constraints are checked apart (``validate=False`` here, and the last test below)."""
    operation = SERVICE.operation(name)
    params = Samples(valid=False).of(operation.input_shape) if operation.input_shape else {}
    headers, body = _wire(operation, params)
    parsed_operation, parsed = _parser().parse(headers, body, validate=False)
    assert parsed_operation.name == name
    assert parsed == params


@pytest.mark.parametrize("name", _operations(lambda op: op.output_shape is not None and not _streams(op)))
def test_every_response_reads_back_in_botocore(name: str) -> None:
    operation = SERVICE.operation(name)
    result = Samples(valid=False).of(operation.output_shape)
    response = serializer_for("logs").serialize(name, result, REQUEST_ID)
    assert response.status == 200 and response.headers["Content-Type"] == CONTENT_TYPE
    wire = {"status_code": 200, "headers": HeadersDict(response.headers), "body": response.body}
    parsed = create_parser("json").parse(wire, operation.output_shape)
    metadata = parsed.pop("ResponseMetadata")
    assert metadata["RequestId"] == REQUEST_ID
    assert parsed == result


def test_an_operation_without_output_answers_an_empty_200() -> None:
    response = serializer_for("logs").serialize("CreateLogGroup", None, REQUEST_ID)
    assert (response.status, response.body, response.headers["x-amzn-RequestId"]) == (200, b"", REQUEST_ID)


def logs_client(answer: Any) -> Any:
    """A boto3 logs client answered by Lamina's parser and serializer (no HTTP server)."""
    client = boto3.client("logs", region_name="us-east-1", endpoint_url="https://lamina.test",
                          aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                          config=Config(retries={"max_attempts": 0}))

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        serializer = serializer_for("logs")
        try:
            operation, params = _parser().parse(_headers(request), _body(request))
            response = serializer.serialize(operation, answer(operation.name, params), REQUEST_ID)
        except ServiceError as error:
            response = serializer.serialize_error(error, REQUEST_ID)
        return AWSResponse(request.url, response.status, response.headers, _Raw(response.body))

    client.meta.events.register("before-send", send)
    return client


@pytest.mark.parametrize("shape_name", sorted(SERVICE.errors))
def test_every_modelled_error_reaches_botocore(shape_name: str) -> None:
    kind = error_type("logs", shape_name)
    members = SERVICE.model.shape_for(shape_name).members
    fields = {name: Samples(valid=False).of(members[name], name) for name in sorted(kind.extra_members)}

    def answer(operation: str, params: dict[str, Any]) -> Any:
        raise kind("It went wrong.", **fields)

    response = failed(lambda: logs_client(answer).describe_log_groups())
    assert response["Error"]["Code"] == SERVICE.error(shape_name).code
    assert response["Error"]["Message"] == "It went wrong."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == SERVICE.error(shape_name).status == 400
    assert response["ResponseMetadata"]["RequestId"] == REQUEST_ID
    for name, value in fields.items():
        assert response[name] == value


def test_the_error_envelope_is_type_and_message() -> None:
    error = ServiceError("ResourceNotFoundException", "The specified log group does not exist.")
    response = serializer_for("logs").serialize_error(error, REQUEST_ID)
    assert response.body == (b'{"__type":"ResourceNotFoundException",'
                             b'"message":"The specified log group does not exist."}')
    assert response.headers["Content-Type"] == CONTENT_TYPE


@pytest.mark.parametrize("target", [None, "Logs_20140328.NoSuchThing", "Other_2014.GetLogEvents", "GetLogEvents"])
def test_an_unknown_target_is_unknown_operation(target: str | None) -> None:
    headers = [] if target is None else [("X-Amz-Target", target)]
    with pytest.raises(ServiceError) as caught:
        _parser().parse(headers, b"{}")
    assert (caught.value.code, caught.value.status) == ("UnknownOperationException", 400)


@pytest.mark.parametrize("body", [b"{", b"[]", b'"text"', b"\xff"])
def test_a_body_that_is_not_a_json_object_is_a_serialization_exception(body: bytes) -> None:
    with pytest.raises(ServiceError) as caught:
        _parser().parse([("X-Amz-Target", "Logs_20140328.DescribeLogGroups")], body)
    assert caught.value.code == "SerializationException"


def test_an_empty_body_is_no_params() -> None:
    operation, params = _parser().parse([("x-amz-target", "Logs_20140328.DescribeLogGroups")], b"")
    assert (operation.name, params) == ("DescribeLogGroups", {})


def test_a_broken_constraint_is_invalid_parameter_in_coral_words() -> None:
    with pytest.raises(ServiceError) as caught:
        _parser().parse([("X-Amz-Target", "Logs_20140328.CreateLogGroup")], b'{"logGroupName": "a b"}')
    assert caught.value.code == "InvalidParameterException"
    assert caught.value.message == ("1 validation error detected: Value 'a b' at 'logGroupName' failed to satisfy "
                                    "constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")


SERVED_REQUESTS: dict[str, dict[str, Any]] = {
    "DescribeLogGroups": {"logGroupNamePrefix": "/aws/lambda/", "limit": 50, "nextToken": "eyJ9"},
    "DescribeLogStreams": {"logGroupIdentifier": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f",
                           "orderBy": "LastEventTime", "descending": True, "limit": 5},
    "GetLogEvents": {"logGroupName": "/aws/lambda/f", "logStreamName": "2026/11/30/[$LATEST]0123abcd",
                     "startTime": 1796030729000, "endTime": 1796030849000, "limit": 10000, "startFromHead": True,
                     "nextToken": "f/" + "0" * 56},
    "FilterLogEvents": {"logGroupName": "/aws/lambda/f", "logStreamNames": ["a", "b"], "startTime": 0,
                        "endTime": 1796030849000, "filterPattern": '?ERROR ?"Task timed out"', "limit": 100,
                        "interleaved": True},
    "CreateLogGroup": {"logGroupName": "/app/made", "tags": {"team": "a"}},
    "DeleteLogGroup": {"logGroupName": "/app/made"},
    "PutRetentionPolicy": {"logGroupName": "/app/made", "retentionInDays": 7},
    "DeleteRetentionPolicy": {"logGroupName": "/app/made"},
}
"""Requests to each served operation as the AWS CLI and boto3 send them."""


@pytest.mark.parametrize("name", sorted(SERVED_REQUESTS))
def test_every_served_request_round_trips_validated(name: str) -> None:
    operation = SERVICE.operation(name)
    request_dict = create_serializer("json").serialize_to_request(SERVED_REQUESTS[name], operation)  # botocore checks
    prepare_request_dict(request_dict, endpoint_url="https://logs.us-east-1.amazonaws.com")
    prepared = create_request_object(request_dict).prepare()
    parsed_operation, parsed = _parser().parse(_headers(prepared), _body(prepared))
    assert (parsed_operation.name, parsed) == (name, SERVED_REQUESTS[name])
