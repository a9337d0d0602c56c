"""Lambda's input checks through a real boto3 client: recorded AWS wording, malformed bodies, wrong types."""

from __future__ import annotations

from typing import Any

import pytest
from test_rest_json_roundtrip import failed, lambda_client, recorded

from lamina.protocols import RestJsonParser, ServiceError, parser_for

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"


def _nothing(operation: str, params: dict[str, Any]) -> Any:
    raise AssertionError(f"{operation} should not run: {params}")


def _answer(method: str, **params: Any) -> dict[str, Any]:
    answer = failed(lambda: getattr(lambda_client(_nothing), method)(**params))
    return {"Error": answer["Error"], "HTTPStatusCode": answer["ResponseMetadata"]["HTTPStatusCode"]}


def _as_recorded(key: str) -> dict[str, Any]:
    record = recorded(key)
    return {"Error": record["Error"], "HTTPStatusCode": record["HTTPStatusCode"]}


@pytest.mark.parametrize(
    ("key", "method", "params"),
    [
        ("invalid_function_name_exc", "list_aliases", {"FunctionName": "invalid:function:name"}),
        ("list_functions_invalid_functionversion", "list_functions", {"FunctionVersion": "invalid"}),
        (
            "put_provisioned_invalid_param_0",
            "put_provisioned_concurrency_config",
            {"FunctionName": "f", "Qualifier": "1", "ProvisionedConcurrentExecutions": 0},
        ),
        ("untag_empty_keys", "untag_resource", {"Resource": FUNCTION_ARN}),
        (
            "uppercase_architecture",
            "create_function",
            {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": b"PK"}, "Architectures": ["X86_64"]},
        ),
        (
            "multiple_architectures",
            "create_function",
            {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": b"PK"}, "Architectures": ["x86_64", "arm64"]},
        ),
        (
            "create_function_url_config_qualifier_latest",
            "create_function_url_config",
            {"FunctionName": "f", "Qualifier": "$LATEST", "AuthType": "NONE"},
        ),
        (
            "routing_config_exc_toohigh",
            "create_alias",
            {
                "FunctionName": "f",
                "Name": "a",
                "FunctionVersion": "1",
                "RoutingConfig": {"AdditionalVersionWeights": {"2": 2.0}},
            },
        ),
        (
            "routing_config_exc_version_latest",
            "create_alias",
            {
                "FunctionName": "f",
                "Name": "a",
                "FunctionVersion": "1",
                "RoutingConfig": {"AdditionalVersionWeights": {"$LATEST": 0.5}},
            },
        ),
        (
            "add_permission_invalid_statement_id",
            "add_permission",
            {
                "FunctionName": "f",
                "StatementId": "example.com",
                "Action": "lambda:InvokeFunction",
                "Principal": "s3.amazonaws.com",
            },
        ),
        (
            "create_alias_number_exception",
            "create_alias",
            {"FunctionName": "f", "Name": "2024", "FunctionVersion": "1"},
        ),
    ],
)
def test_validation_messages_match_recorded_aws_answers(key: str, method: str, params: dict[str, Any]) -> None:
    assert _answer(method, **params) == _as_recorded(key)


def test_function_name_wildcard_is_refused_with_the_namespaced_pattern() -> None:
    answer = _answer("get_function", FunctionName="*")
    assert answer["Error"]["Code"] == "ValidationException"
    assert answer["Error"]["Message"].startswith(
        "1 validation error detected: Value '*' at 'functionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?"
    )


# -- malformed requests ---------------------------------------------------------------------------


def _parse(method: str, path: str, query: str = "", body: bytes = b"", *, validate: bool = True) -> Any:
    parser: RestJsonParser = parser_for("lambda")
    return parser.parse(method, path, query, [("Content-Type", "application/json")], body, validate=validate)


def _refused(method: str, path: str, query: str = "", body: bytes = b"") -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        _parse(method, path, query, body)
    return caught.value


@pytest.mark.parametrize(
    "body",
    [b"{", b"[1, 2]", b'"text"', b"\x87r\x9e", b'{"FunctionName": "f",}'],
)
def test_a_body_that_is_not_a_json_object_is_invalid_request_content(body: bytes) -> None:
    error = _refused("POST", "/2015-03-31/functions", body=body)
    assert (error.code, error.status, error.sender_fault) == ("InvalidRequestContentException", 400, True)
    assert error.message.startswith("Could not parse request body into json: ")


def test_invalid_request_content_envelope_has_lowercase_message_and_type() -> None:
    answer = failed(lambda: lambda_client(_nothing).update_alias(FunctionName="f", Name="a", Description=7))
    assert answer["Error"]["Code"] == "InvalidRequestContentException"
    assert (answer["Type"], answer["ResponseMetadata"]["HTTPStatusCode"]) == ("User", 400)
    assert answer["message"] == answer["Error"]["Message"]
    assert "at 'description'" in answer["message"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"FunctionName": "f", "Role": "r", "Code": {}, "MemorySize": "big"}', "memorySize"),
        (b'{"FunctionName": "f", "Role": "r", "Code": {}, "MemorySize": true}', "memorySize"),
        (b'{"FunctionName": "f", "Role": "r", "Code": {"ZipFile": "not base64!"}}', "code.zipFile"),
        (b'{"FunctionName": "f", "Role": "r", "Code": []}', "code"),
        (b'{"FunctionName": "f", "Role": "r", "Code": {}, "Layers": "l"}', "layers"),
        (
            b'{"FunctionName": "f", "Role": "r", "Code": {}, "Environment": {"Variables": {"K": 1}}}',
            "environment.variables.K",
        ),
    ],
)
def test_json_values_of_the_wrong_type_are_invalid_request_content(body: bytes, where: str) -> None:
    error = _refused("POST", "/2015-03-31/functions", body=body)
    assert error.code == "InvalidRequestContentException"
    assert f"at '{where}'" in error.message


def test_wrong_types_in_query_strings_and_labels_are_validation_errors() -> None:
    error = _refused("GET", "/2015-03-31/functions", "MaxItems=ten")
    assert (error.code, error.status) == ("ValidationException", 400)
    assert error.message == (
        "1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy constraint: "
        "Member must be a 32-bit integer"
    )
    assert (
        "Member must be a boolean"
        in _refused("GET", "/2025-12-01/durable-executions/x", "IncludeExecutionData=yes").message
    )
    assert "Member must be a 64-bit integer" in _refused("GET", "/2018-10-31/layers/l/versions/one").message


def test_numbers_beyond_java_int_and_long_are_refused() -> None:
    assert "a 32-bit integer" in _refused("GET", "/2015-03-31/functions", "MaxItems=2147483648").message
    assert _parse("GET", "/2015-03-31/functions", "MaxItems=2147483647", validate=False)[1]["MaxItems"] == 2**31 - 1
    assert "a 64-bit integer" in _refused("GET", f"/2018-10-31/layers/l/versions/{2**63}").message
    body = b'{"FunctionName": "f", "Role": "r", "Code": {}, "MemorySize": 2147483648}'
    error = _refused("POST", "/2015-03-31/functions", body=body)
    assert (error.code, "a 32-bit integer at 'memorySize'" in error.message) == ("InvalidRequestContentException", True)


def test_missing_required_members_are_named_in_model_order() -> None:
    error = _refused("POST", "/2015-03-31/functions", body=b"{}")
    assert error.message == (
        "3 validation errors detected: "
        "Value null at 'functionName' failed to satisfy constraint: Member must not be null; "
        "Value null at 'role' failed to satisfy constraint: Member must not be null; "
        "Value null at 'code' failed to satisfy constraint: Member must not be null"
    )


def test_empty_body_null_values_and_unknown_keys() -> None:
    body = b'{"FunctionName": "f", "Role": "' + ROLE.encode() + b'", "Code": {"S3Bucket": null}, "Bogus": 1}'
    _, params = _parse("POST", "/2015-03-31/functions", body=body)
    assert params == {"FunctionName": "f", "Role": ROLE, "Code": {}}
    _, params = _parse("GET", "/2015-03-31/functions")
    assert params == {}


def test_deferred_validation() -> None:
    parser: RestJsonParser = parser_for("lambda")
    operation, params = _parse("POST", "/2015-03-31/functions", body=b"{}", validate=False)
    assert (operation.name, params) == ("CreateFunction", {})
    with pytest.raises(ServiceError, match="Value null at 'functionName'"):
        parser.validate(operation, params)


def test_headers_are_matched_case_insensitively_and_prefix_maps_keep_names() -> None:
    parser: RestJsonParser = parser_for("lambda")
    headers = [("x-amz-invocation-type", "Event"), ("X-AMZ-LOG-TYPE", "None")]
    _, params = parser.parse("POST", "/2015-03-31/functions/f/invocations", "", headers, b"{}")
    assert params == {"FunctionName": "f", "InvocationType": "Event", "LogType": "None", "Payload": b"{}"}
