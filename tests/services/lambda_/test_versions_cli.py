"""Versions and aliases through the AWS CLI: publish-version with its preconditions,
list-versions-by-function page by page, an alias's life with a routing config, and the errors as
the CLI prints them, compared with AWS's recorded answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cli_support import as_recorded, fails, needs_cli, ok
from functions_support import create, execution_role, zipped

from lamina.pytest_plugin import LaminaServer, start_server

pytestmark = needs_cli
RECORDED = "lambda_versions_recorded_answers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-versions-cli") / "data")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def function(server: LaminaServer) -> dict[str, Any]:
    """``versioned``, made with boto3: the CLI tests what is done to it."""
    return create(server.client("lambda"), execution_role(server), "versioned")


def test_publish_and_list_versions(server: LaminaServer, function: dict[str, Any]) -> None:
    wrong_sha = fails(server, "lambda", "publish-version", "--function-name", "versioned", "--code-sha256",
                      "somenonexistentsha256")
    assert as_recorded(wrong_sha, RECORDED, "publish_with_wrong_sha256/publish_wrong_sha256_exc")
    wrong_revision = fails(server, "lambda", "publish-version", "--function-name", "versioned", "--revision-id",
                           "wrong")
    assert as_recorded(wrong_revision, RECORDED, "publish_with_wrong_revisionid/publish_wrong_revisionid_exc")
    current = server.client("lambda").get_function_configuration(FunctionName="versioned")
    first = ok(server, "lambda", "publish-version", "--function-name", "versioned", "--description", "one",
               "--code-sha256", current["CodeSha256"], "--revision-id", current["RevisionId"])
    assert (first["Version"], first["Description"]) == ("1", "one")
    assert first["FunctionArn"] == f"{function['FunctionArn']}:1"
    server.client("lambda").update_function_code(FunctionName="versioned", ZipFile=zipped({"index.py": "# two\n"}))
    second = ok(server, "lambda", "publish-version", "--function-name", "versioned")
    assert second["Version"] == "2" and second["CodeSha256"] != first["CodeSha256"]
    listed = ok(server, "lambda", "list-versions-by-function", "--function-name", "versioned", "--page-size", "1")
    assert [v["Version"] for v in listed["Versions"]] == ["$LATEST", "1", "2"]
    assert listed["Versions"][1]["FunctionArn"] == first["FunctionArn"]


def test_an_alias_from_create_to_delete(server: LaminaServer, function: dict[str, Any]) -> None:
    arn = f"{function['FunctionArn']}:custom"
    weights = json.dumps({"AdditionalVersionWeights": {"2": 0.25}})
    created = ok(server, "lambda", "create-alias", "--function-name", "versioned", "--name", "custom",
                 "--function-version", "1", "--description", "production", "--routing-config", weights)
    assert created == {"AliasArn": arn, "Name": "custom", "FunctionVersion": "1", "Description": "production",
                       "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}},
                       "RevisionId": created["RevisionId"]}
    taken = fails(server, "lambda", "create-alias", "--function-name", "versioned", "--name", "custom",
                  "--function-version", "1")
    assert as_recorded(taken, RECORDED, "notfound_and_invalid_routingconfigs/routing_config_exc_already_exist")
    assert taken.message == f"Alias already exists: {arn}"
    missing_version = fails(server, "lambda", "create-alias", "--function-name", "versioned", "--name", "later",
                            "--function-version", "10")
    assert as_recorded(missing_version, RECORDED, "notfound_and_invalid_routingconfigs/target_version_doesnotexist")
    latest_routed = fails(server, "lambda", "create-alias", "--function-name", "versioned", "--name", "latest",
                          "--function-version", "$LATEST", "--routing-config", weights)
    assert as_recorded(latest_routed, RECORDED, "notfound_and_invalid_routingconfigs/target_version_exc_version_latest")

    assert ok(server, "lambda", "get-alias", "--function-name", "versioned", "--name", "custom") == created
    stale = fails(server, "lambda", "update-alias", "--function-name", "versioned", "--name", "custom",
                  "--function-version", "2", "--routing-config", "{}", "--revision-id", "wrong")
    assert as_recorded(stale, RECORDED, "function_revisions_version_and_alias/update_alias_revision_exception")
    updated = ok(server, "lambda", "update-alias", "--function-name", "versioned", "--name", "custom",
                 "--function-version", "2", "--routing-config", "{}", "--revision-id", created["RevisionId"])
    assert (updated["FunctionVersion"], updated["RevisionId"] != created["RevisionId"]) == ("2", True)
    assert "AdditionalVersionWeights" not in updated.get("RoutingConfig", {})
    by_version = ok(server, "lambda", "list-aliases", "--function-name", "versioned", "--function-version", "2")
    assert [a["Name"] for a in by_version["Aliases"]] == ["custom"]
    through = ok(server, "lambda", "get-function", "--function-name", "versioned:custom")
    assert (through["Configuration"]["Version"], through["Configuration"]["FunctionArn"]) == ("2", arn)  # as recorded

    assert ok(server, "lambda", "delete-alias", "--function-name", "versioned", "--name", "custom") == {}
    gone = fails(server, "lambda", "get-alias", "--function-name", "versioned", "--name", "custom")
    assert gone.code == "ResourceNotFoundException" and gone.message == f"Cannot find alias arn: {arn}"
    no_update = fails(server, "lambda", "update-alias", "--function-name", "versioned", "--name", "custom")
    assert no_update.code == "ResourceNotFoundException" and no_update.message == f"Alias not found: {arn}"


def test_deleting_a_version(server: LaminaServer, function: dict[str, Any]) -> None:
    assert ok(server, "lambda", "delete-function", "--function-name", "versioned", "--qualifier", "1") == {
        "StatusCode": 204}
    listed = ok(server, "lambda", "list-versions-by-function", "--function-name", "versioned")
    assert [v["Version"] for v in listed["Versions"]] == ["$LATEST", "2"]
    missing = fails(server, "lambda", "get-function", "--function-name", "versioned", "--qualifier", "1")
    assert missing.code == "ResourceNotFoundException"
    assert missing.message == f"Function not found: {function['FunctionArn']}:1"
