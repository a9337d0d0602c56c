"""CreateFunction's and UpdateFunctionConfiguration's checks, answered with the codes and sentences
AWS recorded (tests/data/lambda_function_answers.json), and shapes field by field."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from functions_support import create, error_of, execution_role, unique

from lamina.pytest_plugin import LaminaServer

ANSWERS = json.loads((Path(__file__).parents[2] / "data" / "lambda_function_answers.json").read_text())
ERRORS: dict[str, dict[str, Any]] = ANSWERS["errors"]


@pytest.fixture(scope="module")
def aws_lambda(lamina_server: LaminaServer) -> Any:
    return lamina_server.client("lambda")


@pytest.fixture(scope="module")
def role(lamina_server: LaminaServer) -> str:
    return execution_role(lamina_server)


def recorded(name: str, *, account: str = "", function: str = "") -> tuple[str, str, int]:
    found = ERRORS[name]
    message = str(found["message"]).replace("<partition>", "aws").replace("<region>", "us-east-1")
    message = message.replace("111111111111", account).replace("<fn-name>", function)
    message = message.replace("<function-name:1>", function)
    return found["code"], message, found["status"]


def test_a_runtime_aws_does_not_take(aws_lambda: Any, role: str) -> None:
    assert error_of(lambda: create(aws_lambda, role, Runtime="non-existent-runtime")) == recorded("invalid_runtime")


def test_a_deprecated_runtime_of_the_model_is_refused(aws_lambda: Any, role: str) -> None:
    """A retired runtime is named as such, in the sentence AWS recorded for python3.7, java8 and six
    more (test_recorded_answers_server.py compares those)."""
    code, message, status = error_of(lambda: create(aws_lambda, role, Runtime="python2.7"))
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message == ("The runtime parameter of python2.7 is no longer supported for creating or updating AWS "
                       "Lambda functions. We recommend you use a supported runtime while creating or updating "
                       "functions.")


def test_update_refuses_a_runtime_too(aws_lambda: Any, role: str) -> None:
    name = create(aws_lambda, role)["FunctionName"]
    assert error_of(lambda: aws_lambda.update_function_configuration(
        FunctionName=name, Runtime="non-existent-runtime")) == recorded("update_invalid_runtime")


def test_what_is_not_a_zip(aws_lambda: Any, role: str) -> None:
    assert error_of(lambda: create(aws_lambda, role, zip=b"not a zip file")) == recorded("invalid_zip")


def test_a_zip_whose_contents_are_over_250_mb(aws_lambda: Any, role: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("big.bin", b"\0" * 262_144_000)
    assert len(buffer.getvalue()) < 1_000_000
    assert error_of(lambda: create(aws_lambda, role, zip=buffer.getvalue())) == recorded("oversized_unzipped")


@pytest.mark.parametrize(("name", "variables"), [
    ("large_environment", {"LARGE_VAR": "x" * 4081}),
    ("large_environment_two_keys", {"SMALL_VAR": "ok", "LARGE_VAR": "x" * 4064}),
])
def test_environment_over_4_kb(aws_lambda: Any, role: str, name: str, variables: dict[str, str]) -> None:
    assert error_of(lambda: create(aws_lambda, role, Environment={"Variables": variables})) == recorded(name)
    smaller = {key: value[:-1] for key, value in variables.items()}
    assert create(aws_lambda, role, Environment={"Variables": smaller})["Environment"]["Variables"] == smaller


@pytest.mark.parametrize(("member", "value", "message"), [
    ("MemorySize", 10241, "'MemorySize' value failed to satisfy constraint: Member must have value less than or "
                          "equal to 10240"),
    ("Timeout", 901, "'Timeout' value failed to satisfy constraint: Member must have value less than or equal to 900"),
])
def test_limits_below_the_models(aws_lambda: Any, role: str, member: str, value: int, message: str) -> None:
    assert error_of(lambda: create(aws_lambda, role, **{member: value})) == (
        "InvalidParameterValueException", message, 400)
    assert create(aws_lambda, role, **{member: value - 1})[member] == value - 1


def test_the_models_own_checks_come_first(aws_lambda: Any, role: str) -> None:
    assert error_of(lambda: create(aws_lambda, "r1")) == recorded("invalid_role_arn")
    assert error_of(lambda: create(aws_lambda, role, Architectures=["x86_64", "arm64"])) == \
        recorded("multiple_architectures")
    assert error_of(lambda: create(aws_lambda, role, Architectures=["X86_64"])) == recorded("uppercase_architecture")
    assert error_of(lambda: aws_lambda.list_functions(FunctionVersion="invalid")) == \
        recorded("list_invalid_function_version")


def test_object_storage_and_images_are_refused_clearly(aws_lambda: Any, role: str) -> None:
    code, message, status = error_of(lambda: aws_lambda.create_function(
        FunctionName=unique("fn"), Runtime="python3.12", Role=role, Handler="index.handler",
        Code={"S3Bucket": "bucket", "S3Key": "function.zip"}))
    assert (code, status) == ("InvalidParameterValueException", 400) and "no object storage" in message
    code, message, status = error_of(lambda: aws_lambda.create_function(
        FunctionName=unique("fn"), Role=role, PackageType="Image", Code={"ImageUri": "example.com/image:1"}))
    assert (code, status) == ("InvalidParameterValueException", 400) and "container images" in message
    name = create(aws_lambda, role)["FunctionName"]
    assert error_of(lambda: aws_lambda.update_function_code(FunctionName=name, ImageUri="example.com/i:1"))[1] == \
        "Please don't provide ImageUri when updating a function with packageType Zip."


def test_missing_functions_and_versions(aws_lambda: Any, role: str, lamina_server: LaminaServer) -> None:
    account, missing = lamina_server.account_id, unique("missing")
    assert error_of(lambda: aws_lambda.get_function(FunctionName=missing)) == recorded(
        "deleted_function", account=account, function=missing)
    assert error_of(lambda: aws_lambda.delete_function(FunctionName=missing, Qualifier="1")) == recorded(
        "delete_missing_with_qualifier", account=account, function=missing)
    name = create(aws_lambda, role)["FunctionName"]
    assert error_of(lambda: aws_lambda.get_function(FunctionName=name, Qualifier="1221")) == recorded(
        "missing_version", account=account, function=name)
    assert error_of(lambda: aws_lambda.delete_function(FunctionName=name, Qualifier="live"))[1] == \
        "Deletion of aliases is not currently supported."


def _same_shape(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if isinstance(value, dict):
            assert isinstance(ours[key], dict) and set(ours[key]) == set(value), key


def test_answers_have_aws_members(aws_lambda: Any, role: str) -> None:
    shapes = ANSWERS["shapes"]
    created = create(aws_lambda, role, Timeout=5, MemorySize=256, Environment={"Variables": {}})
    created.pop("ResponseMetadata")
    _same_shape(created, shapes["create"])
    name = created["FunctionName"]
    found = aws_lambda.get_function(FunctionName=name)
    found.pop("ResponseMetadata")
    _same_shape(found, shapes["get_function"])
    _same_shape(found["Configuration"], shapes["get_function"]["Configuration"])
    updated = aws_lambda.update_function_configuration(FunctionName=name, Description="Changed-Description",
                                                       Environment={"Variables": {"ENV_A": "a"}})
    updated.pop("ResponseMetadata")
    _same_shape(updated, shapes["update_configuration"])
    plain = create(aws_lambda, role)
    plain.pop("ResponseMetadata")
    _same_shape(plain, shapes["create_without_environment"])
    listed = aws_lambda.list_functions(FunctionVersion="ALL")["Functions"]
    _same_shape(next(f for f in listed if f["FunctionName"] == name), shapes["listed"])


def test_names_and_arns_on_create(aws_lambda: Any, role: str, lamina_server: LaminaServer) -> None:
    account = lamina_server.account_id
    long_name = "a" * 65
    assert error_of(lambda: create(aws_lambda, role, long_name)) == (
        "InvalidParameterValueException", f"1 validation error detected: Value '{long_name}' at 'functionName' "
        "failed to satisfy constraint: Member must have length less than or equal to 64", 400)
    by_arn = unique("by-arn")
    arn = f"arn:aws:lambda:us-east-1:{account}:function:{by_arn}"
    assert create(aws_lambda, role, arn)["FunctionArn"] == arn
    partial = unique("partial")
    assert create(aws_lambda, role, f"{account}:function:{partial}")["FunctionName"] == partial
    elsewhere = f"arn:aws:lambda:ap-southeast-1:{account}:function:{unique('far')}"
    assert error_of(lambda: create(aws_lambda, role, elsewhere)) == (
        "ResourceNotFoundException", "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')",
        404)
    theirs = f"arn:aws:lambda:us-east-1:111122223333:function:{unique('theirs')}"
    assert error_of(lambda: create(aws_lambda, role, theirs))[2] == 403
