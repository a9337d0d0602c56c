"""Lambda layers through a real ``lamina serve`` with boto3: publish, read, list, delete, and the
answers AWS recorded for each (tests/data/lambda_layer_answers.json)."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import re
import urllib.request
import zipfile
from typing import Any

import pytest
from functions_support import create, error_of, execution_role, unique, user_client
from layers_support import LAYER_ZIP, SHAPES, STATUSES, filled, publish, recorded

from lamina.pytest_plugin import LaminaServer

CREATED_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")


@pytest.fixture(scope="module")
def aws_lambda(lamina_server: LaminaServer) -> Any:
    return lamina_server.client("lambda")


@pytest.fixture(scope="module")
def role(lamina_server: LaminaServer) -> str:
    return execution_role(lamina_server)


def _without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def test_publish_answers_as_aws(aws_lambda: Any, lamina_server: LaminaServer) -> None:
    name = unique("layer")
    published = publish(aws_lambda, name, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"],
                        LicenseInfo="MIT", Description="shared code")
    expected = SHAPES["publish_result"]
    assert published["ResponseMetadata"]["HTTPStatusCode"] == STATUSES["publish_result"] == 201
    assert set(_without_metadata(published)) == set(expected)
    assert set(published["Content"]) == set(expected["Content"])
    assert published["LayerArn"] == filled(expected["LayerArn"], lamina_server.account_id, name)
    assert published["LayerVersionArn"] == filled(expected["LayerVersionArn"], lamina_server.account_id, name)
    assert (published["Version"], published["CompatibleRuntimes"], published["CompatibleArchitectures"]) == (
        1, ["python3.12"], ["x86_64"])
    assert (published["LicenseInfo"], published["Description"]) == ("MIT", "shared code")
    assert CREATED_DATE.fullmatch(published["CreatedDate"])
    data = LAYER_ZIP
    assert published["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert published["Content"]["CodeSize"] == len(data)


def test_content_location_serves_the_zip(aws_lambda: Any) -> None:
    """The same signed URL on Lamina as GetFunction's ``Code.Location``."""
    location = publish(aws_lambda)["Content"]["Location"]
    assert "/_lamina/code/" in location
    with urllib.request.urlopen(location, timeout=10) as answer:
        assert answer.read() == LAYER_ZIP


def test_lists_answer_only_when_given(aws_lambda: Any) -> None:
    """Left out: no compatibility keys and no licence (AWS's S3 content answer); empty lists: empty lists."""
    bare = _without_metadata(publish(aws_lambda))
    assert set(bare) == set(SHAPES["publish_s3_content_result"])
    empty = _without_metadata(publish(aws_lambda, CompatibleRuntimes=[], CompatibleArchitectures=[]))
    assert set(empty) == set(SHAPES["publish_empty_result"])
    assert (empty["CompatibleRuntimes"], empty["CompatibleArchitectures"]) == ([], [])


def test_retired_runtimes_are_compatible_runtimes(aws_lambda: Any) -> None:
    """AWS's layer API takes runtimes a new function cannot use (recorded: python3.7, go1.x, provided)."""
    runtimes = ["python3.7", "go1.x", "provided", "nodejs12.x"]
    assert publish(aws_lambda, CompatibleRuntimes=runtimes)["CompatibleRuntimes"] == runtimes


def test_get_and_get_by_arn(aws_lambda: Any) -> None:
    published = _without_metadata(publish(aws_lambda, Description="d"))
    name = published["LayerArn"].rsplit(":", 1)[1]
    by_name = _without_metadata(aws_lambda.get_layer_version(LayerName=name, VersionNumber=1))
    by_layer_arn = _without_metadata(aws_lambda.get_layer_version(LayerName=published["LayerArn"], VersionNumber=1))
    by_arn = _without_metadata(aws_lambda.get_layer_version_by_arn(Arn=published["LayerVersionArn"]))
    for found in (by_name, by_layer_arn, by_arn):
        assert {k: v for k, v in found.items() if k != "Content"} == {
            k: v for k, v in published.items() if k != "Content"}
        assert found["Content"]["CodeSha256"] == published["Content"]["CodeSha256"]


def test_versions_are_never_reused(aws_lambda: Any) -> None:
    name = unique("layer")
    for _ in range(2):
        publish(aws_lambda, name, CompatibleRuntimes=["python3.12"])
    listed = aws_lambda.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in listed] == [2, 1]
    assert set(listed[0]) == set(SHAPES["list_layer_versions_predelete"]["LayerVersions"][0]) - {
        "CompatibleArchitectures", "LicenseInfo", "Description"} | {"Description"}
    for version in (1, 2, 2):
        deleted = aws_lambda.delete_layer_version(LayerName=name, VersionNumber=version)
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == STATUSES["delete_layer_1"] == 204
    assert aws_lambda.list_layer_versions(LayerName=name)["LayerVersions"] == []
    assert publish(aws_lambda, name)["Version"] == 3


def test_list_layers_latest_matching_version_filters_and_pages(aws_lambda: Any) -> None:
    prefix = unique("list")
    publish(aws_lambda, f"{prefix}-a", CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    publish(aws_lambda, f"{prefix}-a", CompatibleRuntimes=["nodejs20.x"], CompatibleArchitectures=["arm64"])
    publish(aws_lambda, f"{prefix}-b", CompatibleRuntimes=["python3.12"])

    def mine(**filters: Any) -> list[tuple[str, int]]:
        layers = aws_lambda.list_layers(**filters)["Layers"]
        return [(item["LayerName"], item["LatestMatchingVersion"]["Version"]) for item in layers
                if item["LayerName"].startswith(prefix)]

    assert mine() == [(f"{prefix}-a", 2), (f"{prefix}-b", 1)]
    assert mine(CompatibleRuntime="python3.12") == [(f"{prefix}-a", 1), (f"{prefix}-b", 1)]
    assert mine(CompatibleArchitecture="arm64") == [(f"{prefix}-a", 2)]
    first = aws_lambda.list_layers(MaxItems=1)
    assert len(first["Layers"]) == 1 and "NextMarker" in first
    following = aws_lambda.list_layers(MaxItems=1, Marker=first["NextMarker"])
    assert following["Layers"][0]["LayerName"] > first["Layers"][0]["LayerName"]
    item = aws_lambda.list_layers()["Layers"][0]
    assert set(item) == {"LayerName", "LayerArn", "LatestMatchingVersion"}


def test_a_missing_layer_lists_no_versions(aws_lambda: Any) -> None:
    found = aws_lambda.list_layer_versions(LayerName=unique("nothing"))
    assert _without_metadata(found) == SHAPES["list_nonexistent_layer"]


@pytest.mark.parametrize(("answer", "call"), [
    ("get_layer_version_exc_layer_doesnotexist", lambda c, n: c.get_layer_version(LayerName=f"{n}-x", VersionNumber=1)),
    ("get_layer_version_exc_layer_version_doesnotexist_2", lambda c, n: c.get_layer_version(LayerName=n,
                                                                                            VersionNumber=2)),
    ("get_layer_version_exc_layer_version_doesnotexist_zero", lambda c, n: c.get_layer_version(LayerName=n,
                                                                                               VersionNumber=0)),
    ("get_layer_version_exc_layer_version_doesnotexist_negative",
     lambda c, n: c.get_layer_version(LayerName=n, VersionNumber=-1)),
    ("delete_layer_version_exc_layerversion_invalid_version",
     lambda c, n: c.delete_layer_version(LayerName=n, VersionNumber=-1)),
    ("list_layers_exc_compatibleruntime_invalid", lambda c, n: c.list_layers(CompatibleRuntime="runtimedoesnotexist")),
    ("list_layers_exc_compatiblearchitecture_invalid",
     lambda c, n: c.list_layers(CompatibleArchitecture="archdoesnotexist")),
])
def test_errors_as_recorded(aws_lambda: Any, lamina_server: LaminaServer, answer: str, call: Any) -> None:
    name = publish(aws_lambda)["LayerArn"].rsplit(":", 1)[1]
    assert error_of(lambda: call(aws_lambda, name)) == recorded(answer, lamina_server.account_id, name)


def test_by_arn_errors_as_recorded(aws_lambda: Any, lamina_server: LaminaServer) -> None:
    layer_arn = publish(aws_lambda)["LayerArn"]
    name = layer_arn.rsplit(":", 1)[1]
    assert error_of(lambda: aws_lambda.get_layer_version_by_arn(Arn=layer_arn)) == recorded(
        "get_layer_version_by_arn_exc_invalidarn", lamina_server.account_id, name)
    assert error_of(lambda: aws_lambda.get_layer_version_by_arn(Arn=f"{layer_arn}:2")) == recorded(
        "get_layer_version_by_arn_exc_nonexistentversion", lamina_server.account_id, name)


@pytest.mark.parametrize(("answer", "runtimes", "architectures"), [
    ("publish_layer_version_exc_invalid_runtime_arch", ["invalidruntime"], ["invalidarch"]),
    ("publish_layer_version_exc_partially_invalid_values", ["invalidruntime", "invalidruntime2", "nodejs20.x"],
     ["invalidarch", "x86_64"]),
])
def test_unknown_runtimes_and_architectures(aws_lambda: Any, lamina_server: LaminaServer, answer: str,
                                            runtimes: list[str], architectures: list[str]) -> None:
    """Both in one ValidationException, the runtimes' sentence listing the runtimes functions may use."""
    found = error_of(lambda: publish(aws_lambda, CompatibleRuntimes=runtimes, CompatibleArchitectures=architectures))
    assert found == recorded(answer, lamina_server.account_id)


def test_an_unknown_runtime_or_architecture_alone(aws_lambda: Any, lamina_server: LaminaServer) -> None:
    code, message, status = recorded("publish_layer_version_exc_invalid_runtime_arch", lamina_server.account_id)
    runtime_part, arch_part = message.removeprefix("2 validation errors detected: ").split("; ")
    assert error_of(lambda: publish(aws_lambda, CompatibleRuntimes=["invalidruntime"])) == (
        code, f"1 validation error detected: {runtime_part}", status)
    assert error_of(lambda: publish(aws_lambda, CompatibleArchitectures=["invalidarch"])) == (
        code, f"1 validation error detected: {arch_part}", status)
    assert error_of(lambda: publish(aws_lambda, CompatibleArchitectures=["x86_64", "arm64", "x86_64"]))[0] == code


def test_s3_content_is_refused_as_for_functions(aws_lambda: Any, role: str) -> None:
    for_layer = error_of(lambda: aws_lambda.publish_layer_version(
        LayerName=unique("layer"), Content={"S3Bucket": "bucket", "S3Key": "layer.zip"}))
    for_function = error_of(lambda: aws_lambda.create_function(
        FunctionName=unique("fn"), Runtime="python3.12", Role=role, Handler="index.handler",
        Code={"S3Bucket": "bucket", "S3Key": "code.zip"}))
    assert for_layer == for_function
    assert for_layer[0] == "InvalidParameterValueException" and "no object storage" in for_layer[1]


def test_a_bad_zip_is_refused(aws_lambda: Any) -> None:
    code, message, _ = error_of(lambda: publish(aws_lambda, Content={"ZipFile": b"not a zip"}))
    assert (code, message) == ("InvalidParameterValueException",
                               "Could not unzip uploaded file. Please check your file, then try to upload again.")


def test_a_function_with_layers(aws_lambda: Any, role: str, lamina_server: LaminaServer) -> None:
    first, second = publish(aws_lambda), publish(aws_lambda)
    arns = [second["LayerVersionArn"], first["LayerVersionArn"]]
    created = create(aws_lambda, role, Layers=arns)
    expected = [{"Arn": arn, "CodeSize": len(LAYER_ZIP)} for arn in arns]
    assert created["Layers"] == expected
    assert set(SHAPES["get_fn_config"]["Layers"][0]) == {"Arn", "CodeSize"}
    name = created["FunctionName"]
    assert aws_lambda.get_function_configuration(FunctionName=name)["Layers"] == expected
    updated = aws_lambda.update_function_configuration(FunctionName=name, Layers=arns[1:])
    assert updated["Layers"] == expected[1:]
    aws_lambda.delete_layer_version(LayerName=first["LayerArn"], VersionNumber=1)
    assert aws_lambda.get_function(FunctionName=name)["Configuration"]["Layers"] == expected[1:]  # still used
    assert "Layers" not in aws_lambda.update_function_configuration(FunctionName=name, Layers=[])
    assert "Layers" not in aws_lambda.get_function_configuration(FunctionName=name)


def test_function_layer_errors_as_recorded(aws_lambda: Any, role: str, lamina_server: LaminaServer) -> None:
    account = lamina_server.account_id
    name = unique("layer")
    one, two = publish(aws_lambda, name)["LayerVersionArn"], publish(aws_lambda, name)["LayerVersionArn"]
    layer_arn = one.rsplit(":", 1)[0]
    cases = {
        "two_layer_versions_single_function_exc": [one, two],
        "two_identical_layer_versions_single_function_exc": [one, one],
        "add_nonexistent_layer_exc": [f"arn:aws:lambda:us-east-1:{account}:layer:doesnotexist:1"],
        "add_nonexistent_layer_version_exc": [f"{layer_arn}:9"],
        "add_layer_arn_without_version_exc": [layer_arn],
        "create_function_with_layer_in_different_region": [one.replace("us-east-1", "eu-west-1")],
        "create_function_with_six_layers": [one] * 6,
    }
    for answer, layers in cases.items():
        assert error_of(lambda layers=layers: create(aws_lambda, role, Layers=layers)) == recorded(
            answer, account, name), answer
    function = create(aws_lambda, role)["FunctionName"]
    assert error_of(lambda: aws_lambda.update_function_configuration(FunctionName=function, Layers=[one, two])) == (
        recorded("two_layer_versions_single_function_exc", account, name))


def test_a_layer_past_the_6_mb_payload_limit(aws_lambda: Any) -> None:
    """PublishLayerVersion takes a zip up to 50 MB, as CreateFunction does, not Lambda's 6 MB payload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("python/blob.bin", random.Random(8).randbytes(7 * 1024 * 1024))
    published = publish(aws_lambda, Content={"ZipFile": buffer.getvalue()})
    assert published["Content"]["CodeSize"] == len(buffer.getvalue())


def test_the_lambda_layer_condition_key(lamina_server: LaminaServer, role: str) -> None:
    """``lambda:Layer`` holds the layers a function is created with: a policy can allow only approved ones."""
    owner = lamina_server.client("lambda")
    approved, other = publish(owner, unique("approved")), publish(owner, unique("unvetted"))
    account = lamina_server.account_id
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["lambda:GetLayerVersion", "iam:PassRole"], "Resource": "*"},
        {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*",
         "Condition": {"ForAllValues:StringLike": {
             "lambda:Layer": f"arn:aws:lambda:us-east-1:{account}:layer:approved-*"}}}]}
    developer = user_client(lamina_server, "lambda", unique("developer"), policy)
    assert create(developer, role, Layers=[approved["LayerVersionArn"]])["Layers"][0]["Arn"] == (
        approved["LayerVersionArn"])
    code, message, status = error_of(lambda: create(developer, role, Layers=[other["LayerVersionArn"]]))
    assert (code, status) == ("AccessDeniedException", 403) and "lambda:CreateFunction" in message
