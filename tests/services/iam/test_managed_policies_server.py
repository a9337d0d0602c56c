"""AWS managed policies through a real ``lamina serve``: boto3 and the AWS CLI list, read, attach and count them,
and the gate decides with their documents; the issue's wrong answers (ValidationError for a value that is not
an ARN, ``Tags: []``, the boundary type) as a client sees them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina import managed_policies
from lamina.pytest_plugin import LaminaServer, start_server

EXECUTE = "arn:aws:iam::aws:policy/AWSLambdaExecute"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
INVALID_ARN = ("ValidationError", "Invalid ARN:  Could not be parsed!", 400)
REPO = Path(__file__).resolve().parents[3]
AWS_CLI = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS_CLI).exists():
    AWS_CLI = shutil.which("aws") or AWS_CLI
needs_cli = pytest.mark.skipif(not Path(AWS_CLI).exists(), reason="the AWS CLI is installed by `make test`")


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    server = start_server(tmp_path_factory.mktemp("managed") / "data")
    yield server
    server.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def user_client(server: LaminaServer, name: str, service: str) -> Any:
    key = server.client("iam").create_access_key(UserName=name)["AccessKey"]
    return server.client(service, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def test_list_policies_scope_aws_pages_through_every_policy(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    listed = [p for page in iam.get_paginator("list_policies").paginate(Scope="AWS", PaginationConfig={
        "PageSize": 300}) for p in page["Policies"]]
    assert [p["Arn"] for p in listed] == [p.arn for p in managed_policies.all_policies()]
    assert len(listed) > 1000 and len({p["PolicyId"] for p in listed}) == len(listed)
    execute = next(p for p in listed if p["Arn"] == EXECUTE)
    assert set(execute) == {"PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "AttachmentCount",
                            "PermissionsBoundaryUsageCount", "IsAttachable", "CreateDate", "UpdateDate"}
    jobs = iam.list_policies(Scope="AWS", PathPrefix="/job-function/")["Policies"]
    assert jobs and all(p["Path"] == "/job-function/" for p in jobs)
    assert "ViewOnlyAccess" in [p["PolicyName"] for p in jobs]


def test_get_policy_version_and_versions_of_an_aws_policy(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    policy = iam.get_policy(PolicyArn=EXECUTE)["Policy"]
    published = managed_policies.get(EXECUTE)
    assert published is not None
    assert policy["PolicyName"] == "AWSLambdaExecute" and policy["Path"] == "/" and policy["Tags"] == []
    assert policy["DefaultVersionId"] == published.default_version_id and policy["IsAttachable"] is True
    version = iam.get_policy_version(PolicyArn=EXECUTE, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    assert version["IsDefaultVersion"] is True and version["Document"] == json.loads(published.document)
    listed = iam.list_policy_versions(PolicyArn=EXECUTE)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed] == [(policy["DefaultVersionId"], True)]
    assert error_of(iam.get_policy_version, PolicyArn=EXECUTE, VersionId="v9999")[0] == "NoSuchEntity"
    assert error_of(iam.get_policy, PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyEver")[0] == "NoSuchEntity"


def test_attachment_counts_entities_and_only_attached(lamina_server: LaminaServer) -> None:
    """Root reads AWS's policies as its own account's resources (it used to be AccessDenied: account ``aws``)."""
    iam = lamina_server.client("iam")
    user, role = unique("counted"), unique("counted")
    iam.create_user(UserName=user)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    iam.attach_user_policy(UserName=user, PolicyArn=BASIC)
    iam.attach_role_policy(RoleName=role, PolicyArn=BASIC)
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=EXECUTE)
    assert iam.get_policy(PolicyArn=BASIC)["Policy"]["AttachmentCount"] == 2
    assert iam.get_policy(PolicyArn=EXECUTE)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    entities = iam.list_entities_for_policy(PolicyArn=BASIC)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == [user]
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    attached = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert BASIC in [p["Arn"] for p in attached] and EXECUTE not in [p["Arn"] for p in attached]
    bounding = iam.list_policies(Scope="AWS", PolicyUsageFilter="PermissionsBoundary")["Policies"]
    assert [p["Arn"] for p in bounding] == [EXECUTE]
    bounded = iam.list_entities_for_policy(PolicyArn=EXECUTE, PolicyUsageFilter="PermissionsBoundary")
    assert [r["RoleName"] for r in bounded["PolicyRoles"]] == [role]


def test_the_gate_decides_with_the_published_document(lamina_server: LaminaServer) -> None:
    """AWSLambdaExecute allows ``logs:*``: a user it is attached to may read CloudWatch Logs, another may not."""
    iam = lamina_server.client("iam")
    allowed, denied = unique("exec"), unique("plain")
    for name in (allowed, denied):
        iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=allowed, PolicyArn=EXECUTE)
    assert "logGroups" in user_client(lamina_server, allowed, "logs").describe_log_groups()
    assert error_of(user_client(lamina_server, denied, "logs").describe_log_groups)[0] == "AccessDeniedException"


def test_a_user_reads_aws_policies_with_iam_read_only_access(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = unique("reader")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    reader = user_client(lamina_server, name, "iam")
    assert reader.get_policy(PolicyArn=EXECUTE)["Policy"]["PolicyName"] == "AWSLambdaExecute"
    assert "PolicyUsers" in reader.list_entities_for_policy(PolicyArn=EXECUTE)
    assert error_of(reader.attach_user_policy, UserName=name, PolicyArn=EXECUTE)[0] == "AccessDenied"


def test_aws_policy_arns_in_other_partitions(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = unique("gov")
    arn = "arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    assert iam.list_attached_user_policies(UserName=name)["AttachedPolicies"] == [
        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": arn}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn


def test_values_that_are_not_arns(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    user, role, group = unique("arn"), unique("arn"), unique("arn")
    iam.create_user(UserName=user)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    iam.create_group(GroupName=group)
    bad = "AWSLambdaBasicExecutionRole"
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=bad) == INVALID_ARN
    assert error_of(iam.attach_role_policy, RoleName=role, PolicyArn=bad) == INVALID_ARN
    assert error_of(iam.attach_group_policy, GroupName=group, PolicyArn=bad) == INVALID_ARN
    assert error_of(iam.put_user_permissions_boundary, UserName=user, PermissionsBoundary=bad) == INVALID_ARN
    assert error_of(iam.put_role_permissions_boundary, RoleName=role, PermissionsBoundary=bad) == INVALID_ARN
    assert error_of(iam.create_user, UserName=unique("never"), PermissionsBoundary=bad) == INVALID_ARN
    assert error_of(iam.create_role, RoleName=unique("never"), AssumeRolePolicyDocument=TRUST,
                    PermissionsBoundary=bad) == INVALID_ARN
    pasted = "arn:aws:iam::aws:policy/arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
    assert error_of(iam.attach_role_policy, RoleName=role, PolicyArn=pasted) == (
        "InvalidInput", f"ARN {pasted} is not valid.", 400)
    missing = f"arn:aws:iam::{lamina_server.account_id}:policy/{bad}"
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=missing) == (
        "NoSuchEntity", f"Policy {missing} does not exist or is not attachable.", 404)


def test_service_role_policies_attach_only_to_service_linked_roles(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    user, role = unique("svc"), unique("svc")
    iam.create_user(UserName=user)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    service_policy = "arn:aws:iam::aws:policy/aws-service-role/AmazonElasticsearchServiceRolePolicy"
    refused = ("PolicyNotAttachable", "Cannot attach a Service Role Policy to a Customer Role.", 400)
    assert error_of(iam.attach_role_policy, RoleName=role, PolicyArn=service_policy) == refused
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=service_policy) == (
        "PolicyNotAttachable", "Cannot attach a Service Role Policy to a Customer User.", 400)
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []


def test_boundary_type_and_empty_tags(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = unique("bounded")
    created = iam.create_user(UserName=name, PermissionsBoundary=BASIC)["User"]
    expected = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": BASIC}
    assert created["PermissionsBoundary"] == expected
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == expected
    iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=name)["User"]
    arn = iam.create_policy(PolicyName=unique("untagged"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    }))["Policy"]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == []


# --- the AWS CLI -------------------------------------------------------------------------------------------


def cli(server: LaminaServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
           "AWS_DEFAULT_REGION": server.region, "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run([AWS_CLI, "--endpoint-url", server.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False)


@needs_cli
def test_the_aws_cli_lists_reads_and_refuses(lamina_server: LaminaServer) -> None:
    listed = cli(lamina_server, "iam", "list-policies", "--scope", "AWS", "--path-prefix", "/service-role/")
    assert listed.returncode == 0, listed.stderr
    names = [p["PolicyName"] for p in json.loads(listed.stdout)["Policies"]]
    assert "AWSLambdaBasicExecutionRole" in names and len(names) > 100  # the CLI follows every page
    version = cli(lamina_server, "iam", "get-policy-version", "--policy-arn", EXECUTE, "--version-id",
                  managed_policies.get(EXECUTE).default_version_id)  # type: ignore[union-attr]
    assert version.returncode == 0, version.stderr
    assert json.loads(version.stdout)["PolicyVersion"]["Document"]["Version"] == "2012-10-17"
    name = unique("cli")
    assert cli(lamina_server, "iam", "create-user", "--user-name", name).returncode == 0
    refused = cli(lamina_server, "iam", "attach-user-policy", "--user-name", name, "--policy-arn",
                  "not-an-arn-at-all-but-long")
    assert refused.returncode == 255
    assert ("An error occurred (ValidationError) when calling the AttachUserPolicy operation: "
            "Invalid ARN:  Could not be parsed!") in refused.stderr
