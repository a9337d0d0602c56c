"""The function control plane through a real ``lamina serve`` with boto3: create, read, list, delete."""

from __future__ import annotations

import base64
import hashlib
import urllib.error
import urllib.request
from typing import Any

import pytest
from functions_support import create, error_of, execution_role, unique, zipped

from lamina.pytest_plugin import LaminaServer


@pytest.fixture(scope="module")
def aws_lambda(lamina_server: LaminaServer) -> Any:
    return lamina_server.client("lambda")


@pytest.fixture(scope="module")
def role(lamina_server: LaminaServer) -> str:
    return execution_role(lamina_server)


def test_create_answers_as_aws_with_its_defaults(aws_lambda: Any, role: str, lamina_server: LaminaServer) -> None:
    name, code = unique("fn"), zipped()
    created = create(aws_lambda, role, name, zip=code)
    arn = f"arn:aws:lambda:us-east-1:{lamina_server.account_id}:function:{name}"
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == arn and created["FunctionName"] == name
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert created["CodeSize"] == len(code)
    assert (created["Timeout"], created["MemorySize"], created["EphemeralStorage"]) == (3, 128, {"Size": 512})
    assert created["Architectures"] == ["x86_64"] and created["PackageType"] == "Zip"
    assert created["TracingConfig"] == {"Mode": "PassThrough"}
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert created["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert (created["State"], created["StateReasonCode"], created["Version"]) == ("Pending", "Creating", "$LATEST")
    assert "LastUpdateStatus" not in created and created["Description"] == ""
    assert created["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith("arn:aws:lambda:us-east-1::runtime:")


def test_waiters_then_get_function(aws_lambda: Any, role: str) -> None:
    name = create(aws_lambda, role, Tags={"team": "blue"})["FunctionName"]
    aws_lambda.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    found = aws_lambda.get_function(FunctionName=name)
    assert found["Configuration"]["State"] == "Active"
    assert found["Configuration"]["LastUpdateStatus"] == "Successful"
    assert found["Code"]["RepositoryType"] == "S3" and "/_lamina/code/" in found["Code"]["Location"]
    assert found["Tags"] == {"team": "blue"}
    assert aws_lambda.get_function_configuration(FunctionName=name)["FunctionName"] == name


def test_delete_then_not_found(aws_lambda: Any, role: str, lamina_server: LaminaServer) -> None:
    name = create(aws_lambda, role)["FunctionName"]
    assert aws_lambda.delete_function(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    arn = f"arn:aws:lambda:us-east-1:{lamina_server.account_id}:function:{name}"
    assert error_of(lambda: aws_lambda.get_function(FunctionName=name)) == (
        "ResourceNotFoundException", f"Function not found: {arn}", 404)
    assert error_of(lambda: aws_lambda.delete_function(FunctionName=name)) == (
        "ResourceNotFoundException", f"Function not found: {arn}", 404)


def test_a_taken_name_is_a_conflict(aws_lambda: Any, role: str) -> None:
    name = create(aws_lambda, role)["FunctionName"]
    assert error_of(lambda: create(aws_lambda, role, name)) == (
        "ResourceConflictException", f"Function already exist: {name}", 409)


def test_a_role_lambda_cannot_assume_is_refused(aws_lambda: Any, lamina_server: LaminaServer) -> None:
    untrusting = execution_role(lamina_server, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    missing = f"arn:aws:iam::{lamina_server.account_id}:role/nobody"
    for role in (untrusting, missing):
        assert error_of(lambda role=role: create(aws_lambda, role)) == (
            "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.", 400)


def test_update_configuration_then_code_with_waiters(aws_lambda: Any, role: str) -> None:
    name = create(aws_lambda, role)["FunctionName"]
    changed = aws_lambda.update_function_configuration(
        FunctionName=name, Description="Changed-Description", MemorySize=512, Timeout=10, Runtime="python3.11",
        Environment={"Variables": {"ENV_A": "a"}})
    assert (changed["LastUpdateStatus"], changed["State"]) == ("InProgress", "Active")
    assert (changed["MemorySize"], changed["Timeout"], changed["Runtime"]) == (512, 10, "python3.11")
    aws_lambda.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    current = aws_lambda.get_function_configuration(FunctionName=name)
    assert current["LastUpdateStatus"] == "Successful" and current["Environment"] == {"Variables": {"ENV_A": "a"}}
    assert current["RevisionId"] != changed["RevisionId"] or current["Description"] == "Changed-Description"
    new_code = zipped({"index.py": "def handler(e, c):\n    return 2\n"})
    updated = aws_lambda.update_function_code(FunctionName=name, ZipFile=new_code)
    assert updated["CodeSize"] == len(new_code) and updated["CodeSha256"] != current["CodeSha256"]
    assert updated["Description"] == "Changed-Description"


def test_a_stale_revision_is_a_failed_precondition(aws_lambda: Any, role: str) -> None:
    created = create(aws_lambda, role)
    name = created["FunctionName"]
    aws_lambda.update_function_configuration(FunctionName=name, Description="first")
    stale = "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API " \
            "to retrieve the latest Revision Id"
    assert error_of(lambda: aws_lambda.update_function_configuration(
        FunctionName=name, Description="second", RevisionId=created["RevisionId"])) == (
        "PreconditionFailedException", stale, 412)
    assert error_of(lambda: aws_lambda.update_function_code(
        FunctionName=name, ZipFile=zipped(), RevisionId=created["RevisionId"])) == (
        "PreconditionFailedException", stale, 412)


def test_publish_on_create_and_on_update(aws_lambda: Any, role: str, lamina_server: LaminaServer) -> None:
    created = create(aws_lambda, role, Publish=True)
    name = created["FunctionName"]
    assert created["Version"] == "1"
    updated = aws_lambda.update_function_code(FunctionName=name, ZipFile=zipped({"a.py": "x = 1\n"}), Publish=True)
    assert updated["Version"] == "2" and updated["FunctionArn"].endswith(f":{name}:2")
    one = aws_lambda.get_function_configuration(FunctionName=name, Qualifier="1")
    assert one["Version"] == "1" and one["FunctionArn"].endswith(f"{name}:1")
    listed = aws_lambda.list_functions(FunctionVersion="ALL")["Functions"]
    mine = [f["FunctionArn"].rsplit(":", 1)[1] for f in listed if f["FunctionName"] == name]
    assert mine == ["$LATEST", "1", "2"]
    assert aws_lambda.delete_function(FunctionName=name, Qualifier="1")["ResponseMetadata"]["HTTPStatusCode"] == 204
    arn = f"arn:aws:lambda:us-east-1:{lamina_server.account_id}:function:{name}"
    assert error_of(lambda: aws_lambda.get_function(FunctionName=f"{name}:1")) == (
        "ResourceNotFoundException", f"Function not found: {arn}:1", 404)
    assert error_of(lambda: aws_lambda.delete_function(FunctionName=name, Qualifier="$LATEST")) == (
        "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function.", 400)


def test_list_functions_pages(aws_lambda: Any, role: str) -> None:
    for _ in range(3):
        create(aws_lambda, role)
    seen, marker = [], None
    while True:
        page = aws_lambda.list_functions(MaxItems=2, **({"Marker": marker} if marker else {}))
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        assert all("State" not in f and "RuntimeVersionConfig" not in f for f in page["Functions"])
        marker = page.get("NextMarker")
        if not marker:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) >= 3
    everything = aws_lambda.get_paginator("list_functions").paginate().build_full_result()["Functions"]
    assert [f["FunctionName"] for f in everything] == seen


def test_the_code_location_downloads_the_zip_and_only_while_signed(aws_lambda: Any, role: str) -> None:
    code = zipped()
    name = create(aws_lambda, role, zip=code)["FunctionName"]
    location = aws_lambda.get_function(FunctionName=name)["Code"]["Location"]
    with urllib.request.urlopen(location, timeout=10) as answer:  # no credentials: the URL is the grant
        assert (answer.status, answer.headers["Content-Type"], answer.read()) == (200, "application/zip", code)
    forged = location[: location.index("X-Amz-Signature=") + len("X-Amz-Signature=")] + "AAAA"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    with refused.value:
        assert (refused.value.code, refused.value.headers["x-amzn-ErrorType"]) == (403, "AccessDeniedException")
