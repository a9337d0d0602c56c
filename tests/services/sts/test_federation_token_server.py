"""GetFederationToken through boto3: who may call it, and what a federated user may then do (the
intersection of its maker's policies with the session policies, or a resource policy naming it)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sts_support import client, error_of

from lamina.pytest_plugin import LaminaServer


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def allow(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions),
                                                               "Resource": "*"}]})


@pytest.fixture(scope="module")
def maker(lamina_server: LaminaServer) -> dict[str, Any]:
    """A user allowed to list roles and users and to make federated users (not to list groups)."""
    iam, name = lamina_server.client("iam"), unique("broker")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow(
        "iam:ListRoles", "iam:ListUsers", "sts:GetFederationToken", "sts:AssumeRole", "sts:GetSessionToken"))
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    return key


def test_federated_user_gets_the_intersection_of_user_and_session_policies(
        lamina_server: LaminaServer, maker: dict[str, Any]) -> None:
    answer = client(lamina_server, "sts", maker).get_federation_token(
        Name="carol", Policy=allow("iam:ListRoles", "iam:ListGroups"))
    assert answer["FederatedUser"] == {"FederatedUserId": f"{lamina_server.account_id}:carol",
                                       "Arn": f"arn:aws:sts::{lamina_server.account_id}:federated-user/carol"}
    assert answer["PackedPolicySize"] > 0
    iam = client(lamina_server, "iam", answer["Credentials"])
    iam.list_roles()  # both allow it
    code, message, _ = error_of(lambda: iam.list_users())  # the user allows it, the session policy does not
    assert code == "AccessDenied" and "federated-user/carol is not authorized to perform: iam:ListUsers" in message
    assert error_of(lambda: iam.list_groups())[0] == "AccessDenied"  # the session allows it, the user does not
    who = client(lamina_server, "sts", answer["Credentials"]).get_caller_identity()
    assert who["Arn"] == answer["FederatedUser"]["Arn"] and who["UserId"] == f"{lamina_server.account_id}:carol"


def test_without_a_session_policy_a_federated_user_may_do_nothing(lamina_server: LaminaServer,
                                                                  maker: dict[str, Any]) -> None:
    answer = client(lamina_server, "sts", maker).get_federation_token(Name="dave")
    assert answer["PackedPolicySize"] == 0
    assert error_of(lambda: client(lamina_server, "iam", answer["Credentials"]).list_roles())[0] == "AccessDenied"


def test_a_resource_policy_naming_the_federated_user_allows_it(lamina_server: LaminaServer,
                                                               maker: dict[str, Any]) -> None:
    """A role's trust policy naming ``federated-user/erin`` lets that session assume it, no session policy needed."""
    iam = lamina_server.client("iam")
    federated_arn = f"arn:aws:sts::{lamina_server.account_id}:federated-user/erin"
    role = iam.create_role(RoleName=unique("for-erin"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": federated_arn},
                                                "Action": "sts:AssumeRole"}]}))["Role"]
    erin = client(lamina_server, "sts", client(lamina_server, "sts", maker).get_federation_token(
        Name="erin")["Credentials"])
    assumed = erin.assume_role(RoleArn=role["Arn"], RoleSessionName="from-erin")
    assert assumed["AssumedRoleUser"]["Arn"].endswith(f"{role['RoleName']}/from-erin")
    frank = client(lamina_server, "sts", client(lamina_server, "sts", maker).get_federation_token(
        Name="frank")["Credentials"])
    assert error_of(lambda: frank.assume_role(RoleArn=role["Arn"], RoleSessionName="xx"))[0] == "AccessDenied"


def test_only_long_term_credentials_may_call_it(lamina_server: LaminaServer, maker: dict[str, Any]) -> None:
    session = client(lamina_server, "sts", maker).get_session_token()["Credentials"]
    assert error_of(lambda: client(lamina_server, "sts", session).get_federation_token(Name="xx")) == (
        "AccessDenied", "Cannot call GetFederationToken with session credentials", 403)
    federated = client(lamina_server, "sts", maker).get_federation_token(Name="gg", Policy=allow("*"))["Credentials"]
    assert error_of(lambda: client(lamina_server, "sts", federated).get_federation_token(Name="xx"))[0] == \
        "AccessDenied"


def test_the_caller_needs_the_permission_and_root_is_capped_at_an_hour(lamina_server: LaminaServer) -> None:
    iam, name = lamina_server.client("iam"), unique("nobody")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    code, message, _ = error_of(lambda: client(lamina_server, "sts", key).get_federation_token(Name="xx"))
    assert code == "AccessDenied" and "sts:GetFederationToken" in message
    assert "federated-user/xx" in message
    answer = lamina_server.client("sts").get_federation_token(Name="root-made", DurationSeconds=129600,
                                                             Policy=allow("iam:ListRoles"))
    assert answer["Credentials"]["Expiration"] - datetime.now(UTC) <= timedelta(hours=1)
    client(lamina_server, "iam", answer["Credentials"]).list_roles()  # root's access ∩ the session policy
    assert error_of(lambda: client(lamina_server, "iam", answer["Credentials"]).list_users())[0] == "AccessDenied"


def test_session_tags_need_tag_session(lamina_server: LaminaServer, maker: dict[str, Any]) -> None:
    code, message, _ = error_of(lambda: client(lamina_server, "sts", maker).get_federation_token(
        Name="tagged", Tags=[{"Key": "team", "Value": "a"}]))
    assert code == "AccessDenied" and "sts:TagSession" in message
