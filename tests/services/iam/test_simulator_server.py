"""Simulator, account details and catalog declarations through a real ``lamina serve`` with boto3."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer, start_server

ALLOW_PUT = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]})


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    """This module's own ``lamina serve`` (a real subprocess)."""
    server = start_server(tmp_path_factory.mktemp("simulator") / "data")
    yield server
    server.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def user_client(server: LaminaServer, name: str, service: str = "iam") -> Any:
    key = server.client("iam").create_access_key(UserName=name)["AccessKey"]
    return server.client(service, aws_access_key_id=key["AccessKeyId"],
                         aws_secret_access_key=key["SecretAccessKey"])


def test_simulate_and_context_keys_through_the_server(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = unique("sim")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName="put", PolicyDocument=ALLOW_PUT)
    out = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:PutObject", "s3:GetObject"])
    decisions = [(r["EvalActionName"], r["EvalDecision"]) for r in out["EvaluationResults"]]
    assert decisions == [("s3:PutObject", "allowed"), ("s3:GetObject", "implicitDeny")]
    assert out["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "put"
    custom = iam.simulate_custom_policy(PolicyInputList=[ALLOW_PUT], ActionNames=["s3:PutObject"])
    assert custom["EvaluationResults"][0]["EvalDecision"] == "allowed"
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})])
    assert keys["ContextKeyNames"] == ["aws:SecureTransport"]


def test_account_details_through_the_server(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = unique("details")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="put", PolicyDocument=ALLOW_PUT)
    users: list[dict[str, Any]] = []
    for page in iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["User"], PaginationConfig={"PageSize": 1}):
        users += page["UserDetailList"]
    [mine] = [u for u in users if u["UserName"] == name]
    assert mine["UserPolicyList"][0]["PolicyDocument"] == json.loads(ALLOW_PUT)  # boto3 decodes it


def test_aws_managed_policy_in_details_and_simulation(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = unique("reader")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    read_only = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    iam.attach_user_policy(UserName=name, PolicyArn=read_only)
    details = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
    [policy] = [p for p in details["Policies"] if p["Arn"] == read_only]
    assert policy["AttachmentCount"] >= 1 and policy["PolicyVersionList"][0]["IsDefaultVersion"] is True
    out = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["iam:GetUser", "iam:DeleteUser"])
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]
    assert out["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "ReadOnlyAccess"


def test_gate_decides_simulator_and_saml_provider_operations(lamina_server: LaminaServer) -> None:
    iam = lamina_server.client("iam")
    name = unique("gated")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    me = user_client(lamina_server, name)
    messages = []
    for call in (lambda: me.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:GetObject"]),
                 lambda: me.list_saml_providers()):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        messages.append(denied.value.response["Error"]["Message"])
    assert f"iam:SimulatePrincipalPolicy on resource: {arn}" in messages[0]
    assert "iam:ListSAMLProviders on resource: *" in messages[1]
    iam.put_user_policy(UserName=name, PolicyName="sim", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy", "Resource": arn},
            {"Effect": "Allow", "Action": "iam:ListSAMLProviders", "Resource": "*"}]}))
    out = me.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["iam:ListSAMLProviders"])
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert me.list_saml_providers()["ResponseMetadata"]["HTTPStatusCode"] == 200  # served since federation
