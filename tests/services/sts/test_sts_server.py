"""STS credentials through a real ``lamina serve`` with boto3: users' keys, role sessions, tokens."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sts_support import client, error_of

from lamina.pytest_plugin import LaminaServer, start_server
from lamina.store import open_store
from lamina.store.repositories import sessions


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"






@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    """This module's own ``lamina serve`` (a real subprocess), so sessions written beside it stay local."""
    server = start_server(tmp_path_factory.mktemp("sts") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def role(lamina_server: LaminaServer) -> dict[str, Any]:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": lamina_server.account_id},
                                                     "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
    iam = lamina_server.client("iam")
    created: dict[str, Any] = iam.create_role(RoleName=unique("deployer"), Path="/ci/",
                                              AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=created["RoleName"], PolicyName="read-roles", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}]}))
    return created


@pytest.fixture(scope="module")
def assumer(lamina_server: LaminaServer) -> Any:
    """STS as an IAM user whose identity policy allows assuming roles and tagging sessions (AWS refuses root)."""
    iam, name = lamina_server.client("iam"), unique("builder")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                                                 "Resource": "*"}]}))
    return client(lamina_server, "sts", iam.create_access_key(UserName=name)["AccessKey"])


@pytest.fixture(scope="module")
def role_session(assumer: Any, role: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = assumer.assume_role(RoleArn=role["Arn"], RoleSessionName="build-1")
    return answer


def test_root_may_not_assume_a_role(lamina_server: LaminaServer, role: dict[str, Any]) -> None:
    sts = lamina_server.client("sts")
    code, message, status = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="root"))
    assert (code, message, status) == ("AccessDenied", "Roles may not be assumed by root accounts.", 403)


def test_user_assumes_a_role_and_the_session_is_the_assumed_role(
        lamina_server: LaminaServer, role: dict[str, Any], role_session: dict[str, Any]) -> None:
    creds = role_session["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    expected = f"arn:aws:sts::{lamina_server.account_id}:assumed-role/{role['RoleName']}/build-1"
    assert role_session["AssumedRoleUser"]["Arn"] == expected
    identity = client(lamina_server, "sts", creds).get_caller_identity()
    assert identity["Arn"] == expected
    assert identity["UserId"] == f"{role['RoleId']}:build-1"


def test_session_credentials_work_on_iam_with_the_roles_policies(
        lamina_server: LaminaServer, role: dict[str, Any], role_session: dict[str, Any]) -> None:
    iam = client(lamina_server, "iam", role_session["Credentials"])
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["Arn"] == role["Arn"]
    code, _, status = error_of(lambda: iam.list_users())
    assert (code, status) == ("AccessDenied", 403)


def test_session_key_with_a_wrong_or_missing_token_is_invalid(
        lamina_server: LaminaServer, role_session: dict[str, Any]) -> None:
    creds = dict(role_session["Credentials"])
    for token in ("not-the-token", None):
        creds["SessionToken"] = token
        code, message, status = error_of(lambda: client(lamina_server, "sts", creds).get_caller_identity())
        assert (code, status) == ("InvalidClientTokenId", 403)
        assert message.startswith("The security token included in the request is invalid")


def test_expired_session_is_refused(lamina_server: LaminaServer, role: dict[str, Any]) -> None:
    store = open_store(lamina_server.data_dir)
    try:
        with store.transaction() as conn:
            account = lamina_server.account_id
            issued = sessions.create_session(conn, store.secret_box, sessions.SessionSpec(
                account_id=account, kind="assumed-role", principal_arn=f"arn:aws:sts::{account}:assumed-role/x/old",
                principal_id=f"{role['RoleId']}:old", source_arn=role["Arn"], source_id=role["RoleId"],
                expires_at=datetime.now(UTC) - timedelta(seconds=5), session_name="old"))
    finally:
        store.close()
    creds = {"AccessKeyId": issued.session.access_key_id, "SecretAccessKey": issued.secret_access_key,
             "SessionToken": issued.session_token}
    code, message, status = error_of(lambda: client(lamina_server, "sts", creds).get_caller_identity())
    assert (code, message, status) == ("ExpiredToken", "The security token included in the request is expired", 403)


def test_user_key_authenticates_and_its_session_token_acts_as_the_user(lamina_server: LaminaServer) -> None:
    iam, name = lamina_server.client("iam"), unique("alice")
    user = iam.create_user(UserName=name, Path="/team/")["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    identity = client(lamina_server, "sts", key).get_caller_identity()
    assert (identity["Arn"], identity["UserId"]) == (user["Arn"], user["UserId"])
    assert identity["Arn"] == f"arn:aws:iam::{lamina_server.account_id}:user/team/{name}"
    # "No permissions are required for a user to get a session token": not even an explicit deny stops it
    iam.put_user_policy(UserName=name, PolicyName="no-tokens", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Deny", "Action": "sts:GetSessionToken", "Resource": "*"}]}))
    session = client(lamina_server, "sts", key).get_session_token(DurationSeconds=900)["Credentials"]
    assert session["AccessKeyId"].startswith("ASIA")
    sts = client(lamina_server, "sts", session)
    assert sts.get_caller_identity()["Arn"] == user["Arn"]
    code, message, _ = error_of(lambda: sts.get_session_token())
    assert (code, message) == ("AccessDenied", "Cannot call GetSessionToken with session credentials")


def test_inactive_user_key_is_unknown(lamina_server: LaminaServer) -> None:
    iam, name = lamina_server.client("iam"), unique("bob")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    code, _, status = error_of(lambda: client(lamina_server, "sts", key).get_caller_identity())
    assert (code, status) == ("InvalidClientTokenId", 403)


def test_assume_role_is_denied_without_trust(assumer: Any, role: dict[str, Any]) -> None:
    sts = assumer
    missing = role["Arn"].rsplit("/", 1)[0] + "/no-such-role"
    code, message, status = error_of(lambda: sts.assume_role(RoleArn=missing, RoleSessionName="probe"))
    assert (code, status) == ("AccessDenied", 403)
    assert "sts:AssumeRole" in message
    code, message, _ = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="probe",
                                                         DurationSeconds=7200))
    assert (code, message) == ("ValidationError",
                               "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")


def test_trust_policy_conditions_and_session_policies_decide(lamina_server: LaminaServer, assumer: Any,
                                                             role: dict[str, Any]) -> None:
    iam, sts, account = lamina_server.client("iam"), assumer, lamina_server.account_id
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "secret-handshake"}}}]}
    guarded = iam.create_role(RoleName=unique("guarded"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    code, _, _ = error_of(lambda: sts.assume_role(RoleArn=guarded["Arn"], RoleSessionName="probe"))
    assert code == "AccessDenied"
    code, _, _ = error_of(lambda: sts.assume_role(RoleArn=guarded["Arn"], RoleSessionName="probe",
                                                   ExternalId="wrong-handshake"))
    assert code == "AccessDenied"
    assert sts.assume_role(RoleArn=guarded["Arn"], RoleSessionName="probe", ExternalId="secret-handshake")
    narrow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="narrow", Policy=json.dumps(narrow))["Credentials"]
    code, _, _ = error_of(lambda: client(lamina_server, "iam", creds).get_role(RoleName=role["RoleName"]))
    assert code == "AccessDenied"  # the role allows iam:GetRole, the session policy does not


def test_session_tags_need_sts_tag_session_in_the_trust_policy(lamina_server: LaminaServer, assumer: Any) -> None:
    iam, account = lamina_server.client("iam"), lamina_server.account_id

    def trust(*actions: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": account}, "Action": list(actions)}]})

    tagged = iam.create_role(RoleName=unique("tagged"), AssumeRolePolicyDocument=trust("sts:AssumeRole"))["Role"]
    assert assumer.assume_role(RoleArn=tagged["Arn"], RoleSessionName="plain")  # no tags: no sts:TagSession
    tags = [{"Key": "team", "Value": "a"}]
    code, message, status = error_of(lambda: assumer.assume_role(RoleArn=tagged["Arn"], RoleSessionName="tagged",
                                                                   Tags=tags))
    assert (code, status) == ("AccessDenied", 403)
    assert "sts:TagSession" in message and tagged["Arn"] in message
    iam.update_assume_role_policy(RoleName=tagged["RoleName"], PolicyDocument=trust("sts:AssumeRole", "sts:TagSession"))
    answer = assumer.assume_role(RoleArn=tagged["Arn"], RoleSessionName="tagged", Tags=tags, TransitiveTagKeys=["team"])
    assert answer["AssumedRoleUser"]["Arn"].endswith(f"/{tagged['RoleName']}/tagged")
    assert "PackedPolicySize" in answer


def test_role_chaining_through_the_server(lamina_server: LaminaServer, role: dict[str, Any],
                                          role_session: dict[str, Any]) -> None:
    iam = lamina_server.client("iam")
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="chain", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    sts = client(lamina_server, "sts", role_session["Credentials"])
    code, message, _ = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="hop",
                                                         DurationSeconds=3601))
    assert code == "ValidationError" and "role chaining" in message
    hop = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="hop")
    assert hop["AssumedRoleUser"]["Arn"].endswith(f"/{role['RoleName']}/hop")
    identity = client(lamina_server, "sts", hop["Credentials"]).get_caller_identity()
    assert identity["Arn"] == hop["AssumedRoleUser"]["Arn"]
