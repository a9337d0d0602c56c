"""The story of Lambda's service-linked role, end to end through boto3 against a real server.

AWSServiceRoleForLambda (``lambda.amazonaws.com``) is created by CreateServiceLinkedRole; while a
function runs as it, DeleteServiceLinkedRole's task FAILS and GetServiceLinkedRoleDeletionStatus
names the function, by region, in ``RoleUsageList``; the plain DeleteRole is refused
(UnmodifiableEntity); once the function is gone the deletion SUCCEEDS.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer, start_server

SERVICE = "lambda.amazonaws.com"
ROLE = "AWSServiceRoleForLambda"
POLICY = "arn:aws:iam::aws:policy/aws-service-role/AWSLambdaServiceRolePolicy"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    found = start_server(tmp_path_factory.mktemp("slr-story") / "data")
    try:
        yield found
    finally:
        found.stop()


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_lambda_service_linked_role_cannot_go_while_a_function_uses_it(server: LaminaServer) -> None:
    iam, lam = server.client("iam"), server.client("lambda")
    role = iam.create_service_linked_role(AWSServiceName=SERVICE, Description="for the story")["Role"]
    assert role["RoleName"] == ROLE and role["Path"] == f"/aws-service-role/{SERVICE}/"
    assert role["Arn"] == f"arn:aws:iam::{server.account_id}:role/aws-service-role/{SERVICE}/{ROLE}"
    assert role["Description"] == "for the story"
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": SERVICE}, "Action": "sts:AssumeRole"}]
    attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSLambdaServiceRolePolicy", "PolicyArn": POLICY}]

    function = lam.create_function(FunctionName="uses-slr", Runtime="python3.12", Role=role["Arn"],
                                   Handler="index.handler", Code={"ZipFile": _code()})
    task = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert task.startswith(f"task/aws-service-role/{SERVICE}/{ROLE}/")
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "FAILED"
    assert status["Reason"]["RoleUsageList"] == [{"Region": server.region, "Resources": [function["FunctionArn"]]}]
    assert ROLE in status["Reason"]["Reason"]
    assert iam.get_role(RoleName=ROLE)["Role"]["Arn"] == role["Arn"]  # still there

    with pytest.raises(ClientError) as raised:
        iam.delete_role(RoleName=ROLE)
    assert raised.value.response["Error"]["Code"] == "UnmodifiableEntity"
    assert raised.value.response["Error"]["Message"] == (
        f"Cannot perform the operation on the protected role '{ROLE}' - this role is only modifiable by AWS")

    lam.delete_function(FunctionName="uses-slr")
    task = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "SUCCEEDED" and "Reason" not in status
    with pytest.raises(ClientError) as raised:
        iam.get_role(RoleName=ROLE)
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"


def test_replicator_role_and_refusals(server: LaminaServer) -> None:
    iam = server.client("iam")
    role = iam.create_service_linked_role(AWSServiceName=f"replicator.{SERVICE}")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForLambdaReplicator" and "Description" not in role
    allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    for call, params in ((iam.update_role, {"Description": "x"}),
                         (iam.attach_role_policy, {"PolicyArn": admin}),
                         (iam.detach_role_policy, {"PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/"
                                                                "AWSLambdaReplicator"}),
                         (iam.put_role_policy, {"PolicyName": "p", "PolicyDocument": allow}),
                         (iam.delete_role_policy, {"PolicyName": "p"}),
                         (iam.put_role_permissions_boundary, {"PermissionsBoundary": admin}),
                         (iam.delete_role_permissions_boundary, {}),
                         (iam.update_assume_role_policy, {"PolicyDocument": '{"Version": "2012-10-17", "Statement": '
                          '[{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, '
                          '"Action": "sts:AssumeRole"}]}'})):
        with pytest.raises(ClientError) as raised:
            call(RoleName=role["RoleName"], **params)
        assert raised.value.response["Error"]["Code"] == "UnmodifiableEntity"
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]))
    with pytest.raises(ClientError) as raised:
        iam.delete_service_linked_role(RoleName="plain")
    assert raised.value.response["Error"]["Code"] == "InvalidInput"
    with pytest.raises(ClientError) as raised:
        iam.create_service_linked_role(AWSServiceName="nothing.example.com")
    assert raised.value.response["Error"]["Code"] == "InvalidInput"
    with pytest.raises(ClientError) as raised:
        iam.get_service_linked_role_deletion_status(DeletionTaskId=f"task/aws-service-role/{SERVICE}/x/y")
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"


def test_documented_roles_beyond_the_recordings(server: LaminaServer) -> None:
    iam = server.client("iam")
    role = iam.create_service_linked_role(AWSServiceName="spot.amazonaws.com")["Role"]
    assert role["Arn"].endswith(":role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot")
    assert iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"] == [
        {"PolicyName": "AWSEC2SpotServiceRolePolicy",
         "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AWSEC2SpotServiceRolePolicy"}]
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/aws-service-role/AWSEC2SpotServiceRolePolicy")
    assert policy["Policy"]["Path"] == "/aws-service-role/"
    task = iam.delete_service_linked_role(RoleName=role["RoleName"])["DeletionTaskId"]
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
