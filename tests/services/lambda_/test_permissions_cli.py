"""A function's policy and who may act on it, through the AWS CLI: add-permission, get-policy and
remove-permission with their revision ids (a policy write renews the function's RevisionId), their
errors as recorded from AWS, and the AccessDeniedException sentences for a user without
lambda:AddPermission and for marymajor without iam:PassRole.

The CLI version `make test` installs (awscli 1.46.3) has no put-resource-policy, get-resource-policy
or delete-resource-policy: those are tested with boto3 (test_resource_policies*.py,
test_cross_account_server.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import access_key, as_recorded, fails, needs_cli, ok
from functions_support import LAMBDA_TRUST, create, execution_role, zipped
from test_permissions_support import matches

from lamina.pytest_plugin import LaminaServer, start_server

pytestmark = needs_cli
RECORDED = "lambda_permission_answers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-permissions-cli") / "data")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def function(server: LaminaServer) -> dict[str, Any]:
    """``guarded`` with version 1, made with boto3."""
    lam = server.client("lambda")
    made = create(lam, execution_role(server, name="lambda-ex"), "guarded")
    lam.publish_version(FunctionName="guarded")
    return made


def recorded_statement(key: str) -> Any:
    return json.loads((Path(__file__).parents[2] / "data" / f"{RECORDED}.json").read_text())["records"][key]


def add_permission(server: LaminaServer, sid: str, *more: str) -> Any:
    return ok(server, "lambda", "add-permission", "--function-name", "guarded", "--statement-id", sid, "--action",
              "lambda:InvokeFunction", "--principal", "s3.amazonaws.com", *more)


def revision(server: LaminaServer, qualifier: str = "$LATEST") -> str:
    found = ok(server, "lambda", "get-function-configuration", "--function-name", "guarded", "--qualifier", qualifier)
    return str(found["RevisionId"])


def test_add_get_and_remove_permissions(server: LaminaServer, function: dict[str, Any]) -> None:
    before = revision(server)
    added = add_permission(server, "s3", "--source-arn", "arn:aws:s3:::test-bucket")
    assert matches(recorded_statement("add_permission_source_arn")["Statement"], json.loads(added["Statement"]))
    policy = ok(server, "lambda", "get-policy", "--function-name", "guarded")
    assert matches(recorded_statement("get_policy_source_arn")["Policy"], json.loads(policy["Policy"]))
    assert policy["RevisionId"] != before and revision(server) == policy["RevisionId"]

    stale = fails(server, "lambda", "add-permission", "--function-name", "guarded", "--statement-id", "s4",
                  "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com", "--revision-id", before)
    assert as_recorded(stale, RECORDED, "add_permission_revision_exception")
    taken = fails(server, "lambda", "add-permission", "--function-name", "guarded", "--statement-id", "s3",
                  "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com")
    assert as_recorded(taken, RECORDED, "add_permission_conflicting_statement_id")
    invalid = fails(server, "lambda", "add-permission", "--function-name", "guarded", "--statement-id", "x",
                    "--action", "lambda:InvokeFunction", "--principal", "invalid.nonaws.com")
    assert as_recorded(invalid, RECORDED, "add_permission_principal_invalid")
    latest = fails(server, "lambda", "add-permission", "--function-name", "guarded", "--statement-id", "x",
                   "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com", "--qualifier", "$LATEST")
    assert as_recorded(latest, RECORDED, "add_permission_fn_qualifier_latest")

    add_permission(server, "s4", "--revision-id", policy["RevisionId"])
    second = ok(server, "lambda", "get-policy", "--function-name", "guarded")
    assert [s["Sid"] for s in json.loads(second["Policy"])["Statement"]] == ["s3", "s4"]
    removal = ("lambda", "remove-permission", "--function-name", "guarded", "--statement-id", "s3")
    stale_removal = fails(server, *removal, "--revision-id", policy["RevisionId"])
    assert as_recorded(stale_removal, RECORDED, "add_permission_revision_exception")
    assert ok(server, *removal, "--revision-id", second["RevisionId"]) == {}
    third = ok(server, "lambda", "get-policy", "--function-name", "guarded")
    assert [s["Sid"] for s in json.loads(third["Policy"])["Statement"]] == ["s4"]
    assert third["RevisionId"] not in (second["RevisionId"], policy["RevisionId"])
    missing_sid = fails(server, "lambda", "remove-permission", "--function-name", "guarded", "--statement-id",
                        "non-existent")
    assert as_recorded(missing_sid, RECORDED, "remove_permission_exception_nonexisting_sid")


def test_a_version_has_a_policy_and_revision_of_its_own(server: LaminaServer, function: dict[str, Any]) -> None:
    latest, version = revision(server), revision(server, "1")
    add_permission(server, "v1", "--qualifier", "1", "--revision-id", version)
    policy = ok(server, "lambda", "get-policy", "--function-name", "guarded", "--qualifier", "1")
    assert json.loads(policy["Policy"])["Statement"][0]["Resource"] == f"{function['FunctionArn']}:1"
    assert revision(server, "1") == policy["RevisionId"] != version and revision(server) == latest
    missing = fails(server, "lambda", "get-policy", "--function-name", "guarded", "--qualifier", "77")
    assert as_recorded(missing, RECORDED, "get_policy_fn_version_doesnotexist")


def test_access_denied_sentences(server: LaminaServer, function: dict[str, Any], tmp_path: Path) -> None:
    account = server.account_id
    key, secret = access_key(server, "noaccess")
    denied = fails(server, "lambda", "add-permission", "--function-name", "guarded", "--statement-id", "x",
                   "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com", key=key, secret=secret)
    assert (denied.code, denied.message) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{account}:user/noaccess is not authorized to perform: lambda:AddPermission on resource: "
        f"arn:aws:lambda:us-east-1:{account}:function:guarded because no identity-based policy allows the "
        "lambda:AddPermission action")

    may_create = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["lambda:CreateFunction"], "Resource": "*"}]}
    key, secret = access_key(server, "marymajor", may_create)
    (tmp_path / "function.zip").write_bytes(zipped())
    role_arn = f"arn:aws:iam::{account}:role/lambda-ex"
    no_pass = fails(server, "lambda", "create-function", "--function-name", "marys", "--runtime", "python3.12",
                    "--handler", "index.handler", "--role", role_arn, "--zip-file", "fileb://function.zip",
                    key=key, secret=secret, cwd=tmp_path)
    assert (no_pass.code, no_pass.operation, no_pass.message) == (
        "AccessDeniedException", "CreateFunction",
        f"User: arn:aws:iam::{account}:user/marymajor is not authorized to perform: iam:PassRole on resource: "
        f"{role_arn} because no identity-based policy allows the iam:PassRole action")

    untrusted = execution_role(server, trust={**LAMBDA_TRUST, "Statement": [
        {**LAMBDA_TRUST["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}]})
    refused = fails(server, "lambda", "create-function", "--function-name", "marys", "--runtime", "python3.12",
                    "--handler", "index.handler", "--role", untrusted, "--zip-file", "fileb://function.zip",
                    cwd=tmp_path)
    assert (refused.code, refused.message) == ("InvalidParameterValueException",
                                               "The role defined for the function cannot be assumed by Lambda.")
