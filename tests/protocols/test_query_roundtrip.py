"""The Query protocol against botocore itself, in both directions, for every IAM and STS operation.

* requests: botocore's ``query`` serializer writes sample params; Lamina's parser must give them back;
* responses: Lamina's serializer writes sample results; botocore's ``query`` parser must read them back;
* errors: every modelled error of both services, and envelopes compared with recorded AWS answers;
* validation: AWS's wording for missing, too long, out-of-range and badly patterned input.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.utils import ArgumentGenerator
from hypothesis import given
from hypothesis import strategies as st

from lamina.protocols import (
    ServiceError,
    decode_form,
    load_service,
    modeled_error,
    parser_for,
    serializer_for,
)

SERVICES = ("iam", "sts")
RECORDED = Path(__file__).resolve().parents[1] / "data" / "aws_answers.json"  # real AWS answers (see its _about)
MOMENT = dt.datetime(2024, 5, 1, 12, 30, 45, 250000, tzinfo=dt.UTC)
RICH_TEXT = "Ünïcødé <tag> & \"quoted\" 'single' +=%;/?#[] \t line\r\nbreak end"
PLAIN_CANDIDATES = (
    "/",
    "/division_abc/",
    "arn:aws:iam::123456789012:role/sample-role",
    "v1",
    "123456789012",
    "AKIAIOSFODNN7EXAMPLE",
    "sample",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ",
    "https://example.com/callback?a=b",
    "o-abcdefghij/r-abcd/ou-abcd-efghijkl/",
    "p-abcdefgh12",
)


def _operations(predicate: Any = None) -> list[tuple[str, str]]:
    pairs = []
    for service in SERVICES:
        spec = load_service(service)
        pairs += [
            (service, name) for name in spec.operation_names if predicate is None or predicate(spec.operation(name))
        ]
    return pairs


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

    def of(self, shape: Shape, name: str = "Value", stack: tuple[str, ...] = ()) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, (*stack, shape.name))
        if kind == "list":
            size = max(1, min(2, shape.metadata.get("max", 2))) if self.valid else 2
            return [self.of(shape.member, f"{name}{i}", stack) for i in range(size)]
        if kind == "map":
            return {self.of(shape.key, f"{name}Key{i}", stack): self.of(shape.value, name, stack) for i in range(2)}
        if kind == "string":
            return self._string(shape, name)
        if kind in ("integer", "long"):
            return int(shape.metadata.get("min", 7)) if self.valid else -12345678901
        if kind in ("float", "double"):
            return 1.5
        if kind == "boolean":
            return len(stack) % 2 == 1
        if kind == "timestamp":
            return MOMENT
        if kind == "blob":
            return b"\x00\x01binary\xff"
        raise AssertionError(f"no sample for {kind}")

    def _structure(self, shape: Shape, stack: tuple[str, ...]) -> dict[str, Any]:
        members = list(shape.members.items())
        if shape.is_tagged_union:
            members = members[:1]
        return {
            name: self.of(member, name, stack)
            for name, member in members
            if member.type_name != "structure" or member.name not in stack
        }

    def _string(self, shape: Shape, name: str) -> str:
        meta = shape.metadata
        if meta.get("enum"):
            return meta["enum"][-1]
        if not self.valid:
            return f"{name} {RICH_TEXT}"
        low, high = meta.get("min", 0), meta.get("max", 10_000)
        for candidate in (RICH_TEXT, name, f"{name}-1", *PLAIN_CANDIDATES):
            text = (candidate * (low // len(candidate) + 1))[:high] if len(candidate) < low else candidate[:high]
            if low <= len(text) and _fits(meta.get("pattern"), text):
                return text
        raise AssertionError(f"no valid sample for {shape.name} ({meta.get('pattern')})")


def _wire(operation: OperationModel, params: dict[str, Any], *, checked: bool = True) -> bytes:
    """The form body botocore sends for ``params`` (its serializer, then its request encoding).

    ``checked=False`` skips botocore's client-side checks, to send what a careless client could.
    """
    serializer = create_serializer("query", include_validation=checked)
    request = serializer.serialize_to_request(params, operation)
    prepared = AWSRequest(method="POST", url="https://example.com/", data=request["body"]).prepare()
    return prepared.body


def _read(operation: OperationModel, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    raw = {"status_code": status, "headers": headers, "body": body}
    return create_parser("query").parse(raw, operation.output_shape)


# -- requests: botocore serializes, Lamina parses -------------------------------------------------


@pytest.mark.parametrize(("service", "name"), _operations())
def test_every_request_round_trips_with_valid_params(service: str, name: str) -> None:
    operation = load_service(service).operation(name)
    params = Samples(valid=True).of(operation.input_shape) if operation.input_shape else {}
    parsed_operation, parsed = parser_for(service).parse(decode_form(_wire(operation, params)))
    assert parsed_operation.name == name
    assert parsed == params


@pytest.mark.parametrize(("service", "name"), _operations(lambda op: op.input_shape is not None))
def test_every_request_round_trips_awkward_values_unvalidated(service: str, name: str) -> None:
    operation = load_service(service).operation(name)
    params = Samples(valid=False).of(operation.input_shape)
    _, parsed = parser_for(service).parse(decode_form(_wire(operation, params, checked=False)), validate=False)
    assert parsed == params


@pytest.mark.parametrize(("service", "name"), _operations(lambda op: op.input_shape is not None))
def test_botocore_skeletons_round_trip(service: str, name: str) -> None:
    operation = load_service(service).operation(name)
    params = ArgumentGenerator(use_member_names=True).generate_skeleton(operation.input_shape)
    _, parsed = parser_for(service).parse(decode_form(_wire(operation, params, checked=False)), validate=False)
    assert parsed == _utc(params)


def _utc(value: Any) -> Any:
    """Naive datetimes (ArgumentGenerator's) as the aware UTC ones the parser returns."""
    if isinstance(value, dict):
        return {key: _utc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_utc(item) for item in value]
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def test_empty_list_query_string_and_repeated_names() -> None:
    body = "Action=CreateUser&Version=2010-05-08&UserName=bob&Tags="
    _, params = parser_for("iam").parse(decode_form(body, "UserName=ignored&Path=%2Fp%2F"))
    assert params == {"UserName": "bob", "Tags": [], "Path": "/p/"}


def test_list_elements_follow_numeric_order_and_unknown_params_are_ignored() -> None:
    form = decode_form(
        "Action=UntagUser&Version=2010-05-08&UserName=u&TagKeys.member.10=j&TagKeys.member.2=b"
        "&TagKeys.member.1=a&Unknown=1&X-Amz-Signature=abc"
    )
    assert parser_for("iam").parse(form)[1] == {"UserName": "u", "TagKeys": ["a", "b", "j"]}


# -- responses: Lamina serializes, botocore parses ------------------------------------------------


@pytest.mark.parametrize(("service", "name"), _operations(lambda op: op.output_shape is not None))
def test_every_response_round_trips(service: str, name: str) -> None:
    operation = load_service(service).operation(name)
    result = Samples(valid=False).of(operation.output_shape)
    response = serializer_for(service).serialize(operation, result, "req-123")
    assert response.status == 200
    parsed = _read(operation, response.status, response.headers, response.body)
    metadata = parsed.pop("ResponseMetadata")
    assert (metadata["RequestId"], metadata["HTTPStatusCode"]) == ("req-123", 200)
    assert _normalised(parsed) == _normalised(result)


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    return value


@pytest.mark.parametrize(("service", "name"), _operations(lambda op: op.output_shape is None))
def test_operations_without_output_answer_with_metadata_only(service: str, name: str) -> None:
    operation = load_service(service).operation(name)
    response = serializer_for(service).serialize(name, None, "req-9")
    assert response.body.startswith(f"<{name}Response xmlns=".encode())
    assert _read(operation, 200, response.headers, response.body)["ResponseMetadata"]["RequestId"] == "req-9"


def test_text_botocore_cannot_see_is_escaped_or_replaced() -> None:
    operation = load_service("iam").operation("GetUser")
    user = {"Path": "/", "UserName": "a\r\nb\x00c", "UserId": "i", "Arn": "x", "CreateDate": MOMENT}
    response = serializer_for("iam").serialize(operation, {"User": user}, "r")
    assert _read(operation, 200, {}, response.body)["User"]["UserName"] == "a\r\nb\ufffdc"


# -- errors ---------------------------------------------------------------------------------------


def _error_shapes() -> Iterator[tuple[str, str]]:
    for service in SERVICES:
        for shape_name in load_service(service).errors:
            yield service, shape_name


@pytest.mark.parametrize(("service", "shape_name"), list(_error_shapes()))
def test_every_modelled_error_reads_back_in_botocore(service: str, shape_name: str) -> None:
    spec = load_service(service)
    shape = spec.model.shape_for(shape_name)
    message = "Entity <x> & 'y' \"z\" failed"
    response = serializer_for(service).serialize_error(modeled_error(service, shape_name, message), "req-e")
    parsed = _read(spec.operation(spec.operation_names[0]), response.status, response.headers, response.body)
    expected_fault = (
        "Sender" if shape.metadata.get("error", {}).get("senderFault", response.status < 500) else "Receiver"
    )
    assert parsed["Error"] == {"Code": shape.error_code, "Message": message, "Type": expected_fault}
    assert response.status == shape.metadata.get("error", {}).get("httpStatusCode", 400)
    assert parsed["ResponseMetadata"]["RequestId"] == "req-e"


def test_server_failure_is_the_receivers_fault() -> None:
    response = serializer_for("iam").serialize("GetUser", modeled_error("iam", "ServiceFailureException", "x"), "r")
    assert response.status == 500
    assert b"<Type>Receiver</Type><Code>ServiceFailure</Code>" in response.body


def _recorded(key: str) -> dict[str, Any]:
    """AWS's answer recorded under ``key``: its ``Error`` and ``HTTPStatusCode``."""
    answer: dict[str, Any] = json.loads(RECORDED.read_text())["answers"][key]
    return answer


class _InProcess:
    """A botocore client whose requests Lamina's parser and serializer answer (no HTTP server)."""

    def __init__(self, service: str, handler: Any) -> None:
        self.client = boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url="https://lamina.test",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
        )
        self.service, self.handler = service, handler
        self.client.meta.events.register("before-send", self._send)

    def _send(self, request: AWSRequest, **_: Any) -> AWSResponse:
        serializer, request_id = serializer_for(self.service), "00000000-0000-0000-0000-000000000000"
        try:
            operation, params = parser_for(self.service).parse(decode_form(request.body))
            response = serializer.serialize(operation, self.handler(operation.name, params), request_id)
        except ServiceError as error:
            response = serializer.serialize_error(error, request_id)
        return AWSResponse(request.url, response.status, response.headers, _Raw(response.body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def _envelope(error: ClientError) -> dict[str, Any]:
    return {"Error": error.response["Error"], "HTTPStatusCode": error.response["ResponseMetadata"]["HTTPStatusCode"]}


def _as_recorded(record: dict[str, Any]) -> dict[str, Any]:
    return {"Error": record["Error"], "HTTPStatusCode": record["HTTPStatusCode"]}


def test_iam_error_envelope_matches_recorded_aws_answer() -> None:
    record = _recorded("delete-non-existent-policy-exc")
    message = record["Error"]["Message"]

    def handler(operation: str, params: dict[str, Any]) -> Any:
        raise modeled_error("iam", "NoSuchEntityException", message)

    with pytest.raises(ClientError) as caught:
        _InProcess("iam", handler).client.delete_policy(
            PolicyArn="arn:aws:iam::111111111111:policy/non-existent-policy"
        )
    assert _envelope(caught.value) == _as_recorded(record)


def test_sts_validation_envelope_matches_recorded_aws_answer() -> None:
    record = _recorded("invalid-session-name")
    with pytest.raises(ClientError) as caught:
        _InProcess("sts", lambda *_: {}).client.assume_role(
            RoleArn="arn:aws:iam::111111111111:role/test-role", RoleSessionName="Session1:2"
        )
    assert _envelope(caught.value) == _as_recorded(record)


@pytest.mark.parametrize(
    ("key", "call"),
    [
        (
            "update-wrong-id",
            {"ServiceSpecificCredentialId": "totally-wrong-credential-id-with-hyphens", "Status": "Active"},
        ),
        ("update-invalid-status", {"ServiceSpecificCredentialId": "ACCA1234567890EXAMPLE", "Status": "invalid"}),
    ],
)
def test_iam_validation_messages_match_recorded_aws_answers(key: str, call: dict[str, str]) -> None:
    record = _recorded(key)
    with pytest.raises(ClientError) as caught:
        _InProcess("iam", lambda *_: {}).client.update_service_specific_credential(UserName="u", **call)
    assert _envelope(caught.value) == _as_recorded(record)


def test_successful_call_through_a_real_client() -> None:
    identity = {"UserId": "AIDAEXAMPLE", "Account": "111111111111", "Arn": "arn:aws:iam::111111111111:user/u"}
    answer = _InProcess("sts", lambda name, params: identity).client.get_caller_identity()
    assert {key: answer[key] for key in identity} == identity


# -- action, version and validation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ("Version=2011-06-15", "MissingAction", "The request is missing an action or a required parameter."),
        (
            "Action=NoSuchAction&Version=2011-06-15",
            "InvalidAction",
            "Could not find operation NoSuchAction for version 2011-06-15",
        ),
        (
            "Action=GetCallerIdentity",
            "InvalidAction",
            "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED",
        ),
        (
            "Action=GetCallerIdentity&Version=",
            "InvalidAction",
            "Could not find operation GetCallerIdentity for version ",
        ),
        (
            "Action=GetCallerIdentity&Version=2010-05-08",
            "InvalidAction",
            "Could not find operation GetCallerIdentity for version 2010-05-08",
        ),
    ],
)
def test_action_and_version_errors(body: str, code: str, message: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parser_for("sts").parse(decode_form(body))
    assert (caught.value.code, caught.value.message, caught.value.status) == (code, message, 400)


def _problem(service: str, body: str) -> str:
    with pytest.raises(ServiceError) as caught:
        parser_for(service).parse(decode_form(body))
    assert (caught.value.code, caught.value.status, caught.value.fault) == ("ValidationError", 400, "Sender")
    return caught.value.message


def test_missing_required_members() -> None:
    assert _problem("iam", "Action=CreateUser&Version=2010-05-08") == (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
    )


def test_too_long_value_iam_does_not_quote_it_sts_does() -> None:
    assert _problem("iam", "Action=CreateUser&Version=2010-05-08&UserName=" + "a" * 65) == (
        "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )
    long_name = "s" * 65
    message = _problem("sts", f"Action=AssumeRole&Version=2011-06-15&RoleArn={'r' * 20}&RoleSessionName={long_name}")
    assert message == (
        f"1 validation error detected: Value '{long_name}' at 'roleSessionName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )


def test_several_problems_number_range_and_nested_paths() -> None:
    message = _problem("iam", "Action=ListUsers&Version=2010-05-08&MaxItems=0&PathPrefix=no-slash")
    assert message.startswith("2 validation errors detected: ")
    assert (
        "Value at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern" in message
    )
    assert (
        "Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1" in message
    )
    tagged = _problem(
        "iam", "Action=TagUser&Version=2010-05-08&UserName=u&Tags.member.1.Key=k&Tags.member.1.Value=%28x%29"
    )
    assert "Value at 'tags.1.member.value' failed to satisfy constraint" in tagged


def test_unicode_letters_pass_java_patterns_and_length_counts_utf16_units() -> None:
    _, params = parser_for("iam").parse(
        decode_form(
            "Action=TagUser&Version=2010-05-08&UserName=u&Tags.member.1.Key=k&Tags.member.1.Value=%C3%9Cn%C3%AFc%C3%B8d%C3%A9"
        )
    )
    assert params["Tags"][0]["Value"] == "Ünïcødé"
    emoji = "%F0%9F%98%80" * 33  # 33 characters, 66 UTF-16 units
    assert "length less than or equal to 64" in _problem(
        "sts", f"Action=AssumeRole&Version=2011-06-15&RoleArn={'r' * 20}&RoleSessionName={emoji}"
    )


def test_list_of_scalars_reports_the_whole_list() -> None:
    message = _problem(
        "sts",
        f"Action=AssumeRole&Version=2011-06-15&RoleArn={'r' * 20}&RoleSessionName=ok"
        "&TransitiveTagKeys.member.1=good&TransitiveTagKeys.member.2=",
    )
    assert message == (
        "1 validation error detected: Value '[good, ]' at 'transitiveTagKeys' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, "
        "Member must not be null]"
    )


def test_sensitive_values_are_never_quoted() -> None:
    message = _problem(
        "sts",
        f"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={'r' * 20}"
        "&RoleSessionName=ok&WebIdentityToken=abc",
    )
    assert "Value at 'webIdentityToken'" in message


def test_wrong_types_and_deferred_validation() -> None:
    assert "Member must be an integer" in _problem("iam", "Action=ListUsers&Version=2010-05-08&MaxItems=ten")
    parser = parser_for("iam")
    operation, params = parser.parse(decode_form("Action=CreateUser&Version=2010-05-08"), validate=False)
    assert params == {}
    with pytest.raises(ServiceError, match="Value null at 'userName'"):
        parser.validate(operation, params)


# -- the form decoder against the standard library -------------------------------------------------

FORM_ALPHABET = st.sampled_from(["a", "Z", "=", "&", "+", "%", "%2", "%41", "%e2%82%ac", "%zz", "%5C", "\\", "x",
                                 "%00", "%FF", " ", "é", ";", "%%", "%3D", "%26"])


@given(st.lists(FORM_ALPHABET, max_size=40).map("".join), st.lists(FORM_ALPHABET, max_size=20).map("".join))
def test_decode_form_reads_what_parse_qsl_reads(body: str, query: str) -> None:
    expected: dict[str, str] = {}
    for source in (body, query):
        for name, value in parse_qsl(source, keep_blank_values=True):
            expected.setdefault(name, value)
    assert decode_form(body.encode(), query) == expected
