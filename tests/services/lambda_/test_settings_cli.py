"""A function's settings through the AWS CLI: tags, reserved concurrency, the account's settings and
function URL configs, each with the errors the CLI prints, compared with AWS's recorded answers."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from cli_support import as_recorded, fails, needs_cli, ok, recorded_response
from functions_support import create, execution_role

from lamina.pytest_plugin import LaminaServer, start_server

pytestmark = needs_cli
RECORDED = "lambda_versions_recorded_answers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-settings-cli") / "data")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def function(server: LaminaServer) -> dict[str, Any]:
    """``settled``, with version 1 and alias ``live``, made with boto3."""
    lam = server.client("lambda")
    made = create(lam, execution_role(server), "settled", Tags={"team": "core"})
    lam.publish_version(FunctionName="settled")
    lam.create_alias(FunctionName="settled", Name="live", FunctionVersion="1")
    return made


def test_tags(server: LaminaServer, function: dict[str, Any]) -> None:
    arn = function["FunctionArn"]
    assert ok(server, "lambda", "tag-resource", "--resource", arn, "--tags", "env=dev,owner=ana") == {}
    assert ok(server, "lambda", "list-tags", "--resource", arn) == {
        "Tags": {"team": "core", "env": "dev", "owner": "ana"}}
    assert ok(server, "lambda", "untag-resource", "--resource", arn, "--tag-keys", "env", "team") == {}
    assert ok(server, "lambda", "list-tags", "--resource", arn) == {"Tags": {"owner": "ana"}}
    versioned = fails(server, "lambda", "tag-resource", "--resource", f"{arn}:live", "--tags", "a=b")
    assert as_recorded(versioned, RECORDED, "tag_versions/tag_resource_exception")
    missing = fails(server, "lambda", "list-tags", "--resource", arn.replace(":settled", ":doesnotexist"))
    assert as_recorded(missing, RECORDED, "tag_exceptions/tag_lambda_doesnotexist")


def test_reserved_concurrency(server: LaminaServer, function: dict[str, Any]) -> None:
    put = ok(server, "lambda", "put-function-concurrency", "--function-name", "settled",
             "--reserved-concurrent-executions", "1")
    assert put == {"ReservedConcurrentExecutions": 1}
    assert ok(server, "lambda", "get-function-concurrency", "--function-name", "settled") == recorded_response(
        RECORDED, "function_concurrency/get_function_concurrency")
    assert ok(server, "lambda", "get-function", "--function-name", "settled")["Concurrency"] == put
    assert ok(server, "lambda", "delete-function-concurrency", "--function-name", "settled") == {}
    assert ok(server, "lambda", "get-function-concurrency", "--function-name", "settled") == recorded_response(
        RECORDED, "function_concurrency/get_function_concurrency_after_delete")
    qualified = fails(server, "lambda", "put-function-concurrency", "--function-name", "settled:live",
                      "--reserved-concurrent-executions", "1")
    assert as_recorded(qualified, RECORDED,
                       "function_concurrency_exceptions/put_function_concurrency_with_qualified_arn")
    missing = fails(server, "lambda", "put-function-concurrency", "--function-name", "doesnotexist",
                    "--reserved-concurrent-executions", "1")
    assert as_recorded(missing, RECORDED,
                       "function_concurrency_exceptions/put_function_concurrency_with_function_name_doesnotexist")


def test_account_settings(server: LaminaServer, function: dict[str, Any]) -> None:
    settings = ok(server, "lambda", "get-account-settings")
    keys = recorded_response(RECORDED, "account_settings/acc_settings_modded")
    assert sorted(settings["AccountLimit"]) == keys["AccountLimit"]
    assert sorted(settings["AccountUsage"]) == keys["AccountUsage"]
    assert settings["AccountUsage"]["FunctionCount"] == 1
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000


def test_function_url_configs(server: LaminaServer, function: dict[str, Any]) -> None:
    cors = json.dumps({"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET"]})
    created = ok(server, "lambda", "create-function-url-config", "--function-name", "settled", "--auth-type", "NONE",
                 "--cors", cors)
    assert (created["AuthType"], created["FunctionArn"]) == ("NONE", function["FunctionArn"])
    assert created["Cors"] == json.loads(cors)
    url = urllib.parse.urlsplit(created["FunctionUrl"])
    assert url.hostname is not None and url.hostname.endswith(".lambda-url.us-east-1.localhost")
    assert url.port == urllib.parse.urlsplit(server.endpoint_url).port
    again = fails(server, "lambda", "create-function-url-config", "--function-name", "settled", "--auth-type", "NONE")
    assert as_recorded(again, RECORDED, "url_config_lifecycle/failed_duplication")
    latest = fails(server, "lambda", "create-function-url-config", "--function-name", "settled", "--qualifier",
                   "$LATEST", "--auth-type", "NONE")
    assert as_recorded(latest, RECORDED, "url_config_exceptions/create_function_url_config_qualifier_latest")

    got = ok(server, "lambda", "get-function-url-config", "--function-name", "settled")
    assert got == {**created, "InvokeMode": "BUFFERED", "LastModifiedTime": got["LastModifiedTime"]}  # as recorded
    updated = ok(server, "lambda", "update-function-url-config", "--function-name", "settled", "--auth-type",
                 "AWS_IAM")
    assert (updated["AuthType"], updated["FunctionUrl"], updated["Cors"]) == ("AWS_IAM", created["FunctionUrl"],
                                                                             created["Cors"])
    aliased = ok(server, "lambda", "create-function-url-config", "--function-name", "settled", "--qualifier", "live",
                 "--auth-type", "NONE")
    listed = ok(server, "lambda", "list-function-url-configs", "--function-name", "settled")
    assert sorted(c["FunctionArn"] for c in listed["FunctionUrlConfigs"]) == sorted(
        [function["FunctionArn"], aliased["FunctionArn"]])

    assert ok(server, "lambda", "delete-function-url-config", "--function-name", "settled") == {}
    gone = fails(server, "lambda", "get-function-url-config", "--function-name", "settled")
    assert as_recorded(gone, RECORDED, "url_config_lifecycle/failed_getter")
    nothing = fails(server, "lambda", "list-function-url-configs", "--function-name", "doesnotexist")
    assert as_recorded(nothing, RECORDED, "url_config_list_paging/list_function_notfound")
