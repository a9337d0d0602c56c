"""GetFederationToken through boto3: who may call it, and what a federated user may then do (the
intersection of its maker's policies with the session policies, or a resource policy naming it;
never IAM, and of STS only GetCallerIdentity, as AWS says)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sts_support import client, error_of

from lamina.pytest_plugin import LaminaServer

DENIED = "AccessDeniedException"  # Lambda's name for the gate's AccessDenied


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def allow(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions),
                                                               "Resource": "*"}]})


@pytest.fixture(scope="module")
def maker(lamina_server: LaminaServer) -> dict[str, Any]:
    """A user allowed to list functions and layers and to make federated users (not account settings)."""
    iam, name = lamina_server.client("iam"), unique("broker")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow(
        "lambda:ListFunctions", "lambda:ListLayers", "lambda:GetFunction", "sts:GetFederationToken",
        "sts:GetSessionToken"))
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    return key


def test_federated_user_gets_the_intersection_of_user_and_session_policies(
        lamina_server: LaminaServer, maker: dict[str, Any]) -> None:
    answer = client(lamina_server, "sts", maker).get_federation_token(
        Name="carol", Policy=allow("lambda:ListFunctions", "lambda:GetAccountSettings"))
    assert answer["FederatedUser"] == {"FederatedUserId": f"{lamina_server.account_id}:carol",
                                       "Arn": f"arn:aws:sts::{lamina_server.account_id}:federated-user/carol"}
    assert answer["PackedPolicySize"] > 0
    lam = client(lamina_server, "lambda", answer["Credentials"])
    lam.list_functions()  # both allow it
    code, message, _ = error_of(lambda: lam.list_layers())  # the user allows it, the session policy does not
    assert code == DENIED and "federated-user/carol is not authorized to perform: lambda:ListLayers" in message
    assert error_of(lambda: lam.get_account_settings())[0] == DENIED  # the session allows it, the user does not
    who = client(lamina_server, "sts", answer["Credentials"]).get_caller_identity()
    assert who["Arn"] == answer["FederatedUser"]["Arn"] and who["UserId"] == f"{lamina_server.account_id}:carol"


def test_a_federated_user_calls_no_iam_and_no_sts_but_get_caller_identity(
        lamina_server: LaminaServer, maker: dict[str, Any]) -> None:
    creds = client(lamina_server, "sts", maker).get_federation_token(Name="ivan", Policy=allow("*"))["Credentials"]
    assert error_of(lambda: client(lamina_server, "iam", creds).list_roles()) == (
        "InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    sts = client(lamina_server, "sts", creds)
    role_arn = f"arn:aws:iam::{lamina_server.account_id}:role/anything"
    assert error_of(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="xx")) == (
        "AccessDenied", "Cannot call AssumeRole with session credentials", 403)
    assert error_of(lambda: sts.get_federation_token(Name="xx")) == (
        "AccessDenied", "Cannot call GetFederationToken with session credentials", 403)
    assert sts.get_caller_identity()["Arn"].endswith(":federated-user/ivan")


def test_without_a_session_policy_a_federated_user_may_do_nothing(lamina_server: LaminaServer,
                                                                  maker: dict[str, Any]) -> None:
    answer = client(lamina_server, "sts", maker).get_federation_token(Name="dave")
    assert answer["PackedPolicySize"] == 0
    assert error_of(lambda: client(lamina_server, "lambda", answer["Credentials"]).list_functions())[0] == DENIED


def _function(server: LaminaServer) -> str:
    iam = server.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service":
                                                     "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=unique("fn-role"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    name = unique("fn")
    server.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                                            Role=role["Arn"], Code={"ZipFile": buffer.getvalue()})
    return name


def test_a_resource_policy_naming_the_federated_user_allows_it(lamina_server: LaminaServer,
                                                               maker: dict[str, Any]) -> None:
    """A function policy naming ``federated-user/erin`` lets that session read it with no session policy."""
    name = _function(lamina_server)
    lamina_server.client("lambda").add_permission(
        FunctionName=name, StatementId="erin", Action="lambda:GetFunction",
        Principal=f"arn:aws:sts::{lamina_server.account_id}:federated-user/erin")
    erin = client(lamina_server, "sts", maker).get_federation_token(Name="erin")["Credentials"]
    assert client(lamina_server, "lambda", erin).get_function(FunctionName=name)["Configuration"]["FunctionName"] \
        == name
    frank = client(lamina_server, "sts", maker).get_federation_token(Name="frank")["Credentials"]
    assert error_of(lambda: client(lamina_server, "lambda", frank).get_function(FunctionName=name))[0] == DENIED


def test_only_long_term_credentials_may_call_it(lamina_server: LaminaServer, maker: dict[str, Any]) -> None:
    session = client(lamina_server, "sts", maker).get_session_token()["Credentials"]
    assert error_of(lambda: client(lamina_server, "sts", session).get_federation_token(Name="xx")) == (
        "AccessDenied", "Cannot call GetFederationToken with session credentials", 403)


def test_the_caller_needs_the_permission_and_root_is_capped_at_an_hour(lamina_server: LaminaServer) -> None:
    iam, name = lamina_server.client("iam"), unique("nobody")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    code, message, _ = error_of(lambda: client(lamina_server, "sts", key).get_federation_token(Name="xx"))
    assert code == "AccessDenied" and "sts:GetFederationToken" in message
    assert "federated-user/xx" in message
    answer = lamina_server.client("sts").get_federation_token(Name="root-made", DurationSeconds=129600,
                                                             Policy=allow("lambda:ListFunctions"))
    assert answer["Credentials"]["Expiration"] - datetime.now(UTC) <= timedelta(hours=1)
    lam = client(lamina_server, "lambda", answer["Credentials"])
    lam.list_functions()  # the root's access ∩ the session policy
    assert error_of(lambda: lam.list_layers())[0] == DENIED


def test_session_tags_need_tag_session(lamina_server: LaminaServer, maker: dict[str, Any]) -> None:
    code, message, _ = error_of(lambda: client(lamina_server, "sts", maker).get_federation_token(
        Name="tagged", Tags=[{"Key": "team", "Value": "a"}]))
    assert code == "AccessDenied" and "sts:TagSession" in message
