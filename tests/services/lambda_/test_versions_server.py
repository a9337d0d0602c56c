"""Versions and aliases end to end: boto3 against a real ``lamina serve``, compared with AWS's recorded answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from test_versions_support import (
    ARN,
    ZIP,
    client_error,
    client_normalised,
    create_served_function,
    open_store,
    recorded,
    recorded_error,
    served,
    update_code,
)

from lamina.pytest_plugin import LaminaServer

NAMES = {"fn-unknown": "<function-name:1>-unknown", "fn": "<function-name:1>"}
ROUTINGS = "notfound_and_invalid_routingconfigs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    with served(tmp_path_factory, "versions") as running:
        create_served_function(running, "fn")
        yield running


@pytest.fixture(scope="module")
def lam(server: LaminaServer) -> Any:
    return server.client("lambda", config=Config(parameter_validation=False))  # the server validates


@pytest.fixture(scope="module")
def two_versions(server: LaminaServer, lam: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    first = lam.publish_version(FunctionName="fn")
    store = open_store(server.data_dir)
    try:
        update_code(store, "fn", ZIP + b"2")
    finally:
        store.close()
    return first, lam.publish_version(FunctionName="fn", Description="second")


def test_publish_and_list_versions(lam: Any, two_versions: tuple[dict[str, Any], dict[str, Any]]) -> None:
    first, second = two_versions
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (first["Version"], first["FunctionArn"], first["State"]) == ("1", f"{ARN}:fn:1", "Active")
    assert (second["Version"], second["Description"]) == ("2", "second")
    again = lam.publish_version(FunctionName="fn")
    assert (again["Version"], again["RevisionId"]) == ("2", second["RevisionId"])
    listed = lam.list_versions_by_function(FunctionName="fn")
    assert [v["Version"] for v in listed["Versions"]] == ["$LATEST", "1", "2"]
    assert listed["Versions"][0]["FunctionArn"] == f"{ARN}:fn:$LATEST" and "State" not in listed["Versions"][0]
    pages = lam.get_paginator("list_versions_by_function").paginate(FunctionName="fn",
                                                                    PaginationConfig={"PageSize": 1})
    assert [v["Version"] for page in pages for v in page["Versions"]] == ["$LATEST", "1", "2"]


def test_publish_preconditions(lam: Any) -> None:
    assert client_error(lambda: lam.publish_version(FunctionName="fn", RevisionId="wrong")) == recorded_error(
        "publish_with_wrong_revisionid/publish_wrong_revisionid_exc")
    code, message, status = client_error(lambda: lam.publish_version(FunctionName="fn",
                                                                     CodeSha256="somenonexistentsha256"))
    expected = recorded("publish_with_wrong_sha256/publish_wrong_sha256_exc")
    assert (code, status) == (expected["Error"]["Code"], expected["HTTPStatusCode"])
    assert message.startswith("CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST (")


def test_alias_lifecycle(lam: Any, two_versions: Any) -> None:
    created = lam.create_alias(FunctionName="fn", Name="custom", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    expected = recorded(f"{ROUTINGS}/create_alias_response")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == expected["HTTPStatusCode"]
    assert {k: v for k, v in created.items() if k not in ("ResponseMetadata", "RevisionId")} == {
        **{k: v for k, v in expected["Response"].items() if k != "RevisionId"}, "AliasArn": f"{ARN}:fn:custom"}
    assert lam.get_alias(FunctionName=f"{ARN}:fn", Name="custom")["RevisionId"] == created["RevisionId"]
    updated = lam.update_alias(FunctionName="fn", Name="custom", RoutingConfig={"AdditionalVersionWeights": {}},
                               RevisionId=created["RevisionId"])
    assert "RoutingConfig" not in updated and updated["RevisionId"] != created["RevisionId"]
    lam.create_alias(FunctionName="fn", Name="on-two", FunctionVersion="2")
    ones = lam.list_aliases(FunctionName="fn", FunctionVersion="1")
    assert [a["Name"] for a in ones["Aliases"]] == ["custom"]
    deleted = lam.delete_alias(FunctionName="fn", Name="on-two")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.delete_alias(FunctionName="fn", Name="on-two")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert [a["Name"] for a in lam.list_aliases(FunctionName="fn")["Aliases"]] == ["custom"]


@pytest.mark.parametrize(("record", "params"), [
    ("routing_config_exc_toomany", {"FunctionVersion": "1", "Weights": {"1": 0.8, "2": 0.2}}),
    ("routing_config_exc_toohigh", {"FunctionVersion": "1", "Weights": {"2": 2}}),
    ("routing_config_exc_subzero", {"FunctionVersion": "1", "Weights": {"2": -1}}),
    ("routing_config_exc_sameversion", {"FunctionVersion": "1", "Weights": {"1": 0.5}}),
    ("target_version_doesnotexist", {"FunctionVersion": "10", "Weights": {"2": 0.5}}),
    ("routing_config_exc_version_doesnotexist", {"FunctionVersion": "1", "Weights": {"10": 0.5}}),
    ("target_version_exc_version_latest", {"FunctionVersion": "$LATEST", "Weights": {"1": 0.5}}),
    ("routing_config_exc_version_latest", {"FunctionVersion": "1", "Weights": {"$LATEST": 0.5}}),
    ("routing_config_exc_fn_doesnotexist", {"FunctionVersion": "1", "Weights": {"2": 0.5}, "Function": "fn-unknown"}),
])
def test_create_alias_errors_as_aws(lam: Any, two_versions: Any, record: str, params: dict[str, Any]) -> None:
    found = client_error(lambda: lam.create_alias(
        FunctionName=params.get("Function", "fn"), Name="invalid", FunctionVersion=params["FunctionVersion"],
        RoutingConfig={"AdditionalVersionWeights": params["Weights"]}))
    assert client_normalised(found, NAMES) == recorded_error(f"{ROUTINGS}/{record}")


def test_alias_not_found_answers(lam: Any, two_versions: Any) -> None:
    lam.create_alias(FunctionName="fn", Name="dup", FunctionVersion="1")
    duplicate = client_error(lambda: lam.create_alias(FunctionName="fn", Name="dup", FunctionVersion="1"))
    assert duplicate[0] == "ResourceConflictException" and duplicate[2] == 409
    assert client_normalised(client_error(lambda: lam.get_alias(FunctionName="fn", Name="non-existent")),
                             NAMES) == recorded_error(f"{ROUTINGS}/alias_does_not_exist_esc")
    assert client_normalised(client_error(lambda: lam.update_alias(FunctionName="fn", Name="non-existent")),
                             NAMES) == recorded_error("non_existent_alias_update/update_alias_response")
    assert client_error(lambda: lam.update_alias(FunctionName="fn", Name="dup", RevisionId="wrong")) == \
        recorded_error("function_revisions_version_and_alias/update_alias_revision_exception")
    assert client_error(lambda: lam.create_alias(FunctionName="fn", Name="2024", FunctionVersion="1"))[0] == \
        "ValidationException"
