"""Sessions and trust policies are bound to a principal's unique id, through a real server with boto3.

A user or role deleted and re-created under the same name is a new principal (a new ``AIDA…``/
``AROA…``): the old one's sessions stop working (``InvalidClientTokenId``) and the trust policies
that named it trust nobody of that name, reading with the old unique id in place of the ARN
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sts_support import client, error_of

from lamina.pytest_plugin import LaminaServer, start_server

INVALID_TOKEN = ("InvalidClientTokenId", "The security token included in the request is invalid.", 403)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def allow(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions),
                                                               "Resource": "*"}]})


def trusting(*principals: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})






@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    server = start_server(tmp_path_factory.mktemp("binding") / "data")
    yield server
    server.stop()


@pytest.fixture
def iam(lamina_server: LaminaServer) -> Any:
    return lamina_server.client("iam")


def new_user(iam: Any, name: str, *actions: str) -> dict[str, Any]:
    """A user allowed ``actions``; returns its access key."""
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow(*actions))
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    return key


def delete_user(iam: Any, name: str) -> None:
    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName=name, PolicyName="p")
    iam.delete_user(UserName=name)


def new_role(iam: Any, name: str, trust: str, *actions: str) -> dict[str, Any]:
    role: dict[str, Any] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
    if actions:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=allow(*actions))
    return role


def delete_role(iam: Any, name: str) -> None:
    if iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName="p")
    iam.delete_role(RoleName=name)


def trusted_principals(document: dict[str, Any]) -> list[str]:
    principals = document["Statement"][0]["Principal"]["AWS"]
    return [principals] if isinstance(principals, str) else list(principals)


def test_a_deleted_users_session_is_refused_even_once_its_name_is_reused(
        lamina_server: LaminaServer, iam: Any) -> None:
    name = unique("alice")
    old_key = new_user(iam, name, "sts:GetSessionToken")
    session = client(lamina_server, "sts", old_key).get_session_token()["Credentials"]
    assert client(lamina_server, "sts", session).get_caller_identity()["UserId"].startswith("AIDA")
    delete_user(iam, name)
    new_user(iam, name, "iam:*")  # same name, wider permissions
    assert error_of(lambda: client(lamina_server, "sts", session).get_caller_identity()) == INVALID_TOKEN
    assert error_of(lambda: client(lamina_server, "iam", session).list_users()) == INVALID_TOKEN


def test_a_deleted_roles_session_is_refused_even_once_its_name_is_reused(
        lamina_server: LaminaServer, iam: Any) -> None:
    role_name = unique("deployer")
    role = new_role(iam, role_name, trusting(lamina_server.account_id), "iam:GetRole")
    assumer = client(lamina_server, "sts", new_user(iam, unique("assumer"), "sts:AssumeRole"))
    session = assumer.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
    assert client(lamina_server, "iam", session).get_role(RoleName=role_name)["Role"]["RoleId"] == role["RoleId"]
    delete_role(iam, role_name)
    assert error_of(lambda: client(lamina_server, "sts", session).get_caller_identity()) == INVALID_TOKEN
    new_role(iam, role_name, trusting(lamina_server.account_id), "iam:*")
    assert error_of(lambda: client(lamina_server, "sts", session).get_caller_identity()) == INVALID_TOKEN
    assert error_of(lambda: client(lamina_server, "iam", session).list_roles()) == INVALID_TOKEN


def test_a_trust_policy_naming_a_recreated_user_trusts_nobody_of_that_name(
        lamina_server: LaminaServer, iam: Any) -> None:
    bob = unique("bob")
    first = client(lamina_server, "sts", new_user(iam, bob, "sts:AssumeRole"))
    bob_arn, old_id = iam.get_user(UserName=bob)["User"]["Arn"], iam.get_user(UserName=bob)["User"]["UserId"]
    target = new_role(iam, unique("target"), trusting(bob_arn))
    assert first.assume_role(RoleArn=target["Arn"], RoleSessionName="s1")["Credentials"]
    delete_user(iam, bob)
    second = client(lamina_server, "sts", new_user(iam, bob, "sts:AssumeRole"))
    code, message, status = error_of(lambda: second.assume_role(RoleArn=target["Arn"], RoleSessionName="s1"))
    assert (code, status) == ("AccessDenied", 403) and "sts:AssumeRole" in message

    shown = iam.get_role(RoleName=target["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert trusted_principals(shown) == [old_id]
    listed = [r for r in iam.list_roles()["Roles"] if r["RoleName"] == target["RoleName"]]
    assert trusted_principals(listed[0]["AssumeRolePolicyDocument"]) == [old_id]
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    detail = [r for r in details if r["RoleName"] == target["RoleName"]]
    assert trusted_principals(detail[0]["AssumeRolePolicyDocument"]) == [old_id]

    # naming the user again binds the new one
    iam.update_assume_role_policy(RoleName=target["RoleName"], PolicyDocument=trusting(bob_arn))
    assert trusted_principals(iam.get_role(RoleName=target["RoleName"])["Role"]["AssumeRolePolicyDocument"]) == [
        bob_arn]
    assert second.assume_role(RoleArn=target["Arn"], RoleSessionName="s1")["Credentials"]


def test_a_trust_policy_naming_a_recreated_role_trusts_nobody_of_that_name(
        lamina_server: LaminaServer, iam: Any) -> None:
    source_name = unique("source")
    source = new_role(iam, source_name, trusting(lamina_server.account_id), "sts:AssumeRole")
    old_id = source["RoleId"]
    target = new_role(iam, unique("target"), trusting(source["Arn"]))
    assumer = client(lamina_server, "sts", new_user(iam, unique("assumer"), "sts:AssumeRole"))

    def chain() -> Any:
        session = assumer.assume_role(RoleArn=source["Arn"], RoleSessionName="s1")["Credentials"]
        return client(lamina_server, "sts", session).assume_role(RoleArn=target["Arn"], RoleSessionName="chained")

    assert chain()["AssumedRoleUser"]["Arn"].endswith("/chained")
    delete_role(iam, source_name)
    recreated = new_role(iam, source_name, trusting(lamina_server.account_id), "sts:AssumeRole")
    assert recreated["Arn"] == source["Arn"] and recreated["RoleId"] != old_id
    code, message, status = error_of(chain)
    assert (code, status) == ("AccessDenied", 403) and "sts:AssumeRole" in message
    shown = iam.get_role(RoleName=target["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert trusted_principals(shown) == [old_id]


def test_a_renamed_user_stays_trusted_and_reads_under_its_new_name(lamina_server: LaminaServer, iam: Any) -> None:
    carol = unique("carol")
    sts = client(lamina_server, "sts", new_user(iam, carol, "sts:AssumeRole"))
    target = new_role(iam, unique("target"), trusting(iam.get_user(UserName=carol)["User"]["Arn"]))
    renamed = unique("caroline")
    iam.update_user(UserName=carol, NewUserName=renamed)
    shown = iam.get_role(RoleName=target["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert trusted_principals(shown) == [iam.get_user(UserName=renamed)["User"]["Arn"]]
    assert sts.assume_role(RoleArn=target["Arn"], RoleSessionName="s1")["Credentials"]


def test_a_trust_policy_must_name_principals_that_exist(lamina_server: LaminaServer, iam: Any) -> None:
    missing = f"arn:aws:iam::{lamina_server.account_id}:user/{unique('nobody')}"
    code, message, status = error_of(lambda: iam.create_role(RoleName=unique("r"),
                                                             AssumeRolePolicyDocument=trusting(missing)))
    assert (code, message, status) == ("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{missing}"',
                                       400)
    elsewhere = "arn:aws:iam::999988887777:user/someone"  # an account this server does not hold: as written
    role = new_role(iam, unique("r"), trusting(elsewhere))
    assert trusted_principals(iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]) == [
        elsewhere]
    code, message, _ = error_of(lambda: iam.update_assume_role_policy(RoleName=role["RoleName"],
                                                                      PolicyDocument=trusting(missing)))
    assert (code, message) == ("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{missing}"')
