"""The five STS cases recorded against real AWS (LocalStack's test_sts.py snapshots), replayed through
boto3 against Lamina and compared field by field (``snapshot_support``). The caller is an IAM user
with administrator access, as in the recording account (AWS refuses AssumeRole to the root)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sts_snapshot_support import Matcher, recorded
from sts_support import client

from lamina.pytest_plugin import LaminaServer

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def short_uid() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def admin(lamina_server: LaminaServer) -> dict[str, Any]:
    iam, name = lamina_server.client("iam"), f"admin-{short_uid()}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="admin", PolicyDocument=json.dumps(ADMIN))
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    return key


def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return dict(raised.value.response)


def _trust(account_id: str, actions: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Action": actions, "Principal": {"AWS": account_id}, "Effect": "Allow"}]})


def test_get_federation_token(lamina_server: LaminaServer, admin: dict[str, Any]) -> None:
    for creds in (admin, {"AccessKeyId": lamina_server.access_key_id,
                          "SecretAccessKey": lamina_server.secret_access_key}):  # the recording's user, and root
        expected, matcher = recorded("test_get_federation_token"), Matcher(lamina_server.account_id)
        name = f"TestName{short_uid()}"
        answer = client(lamina_server, "sts", creds).get_federation_token(Name=name, DurationSeconds=900)
        matcher.check(expected["get-federation-token"], answer)
        assert matcher.bound["<resource:1>"] == name
        assert answer["FederatedUser"]["FederatedUserId"].split(":")[1] == name


def test_assume_role(lamina_server: LaminaServer, admin: dict[str, Any]) -> None:
    expected, matcher = recorded("test_assume_role"), Matcher(lamina_server.account_id)
    session_name = f"test-assume-role-{short_uid()}"
    matcher.check(expected["role-session-name"], {"RoleSessionName": session_name})
    iam, sts = client(lamina_server, "iam", admin), client(lamina_server, "sts", admin)
    created = iam.create_role(RoleName=f"role-{short_uid()}",
                              AssumeRolePolicyDocument=_trust(lamina_server.account_id, "sts:AssumeRole"))
    matcher.check(expected["create-role"], created)
    matcher.check(expected["assume-role"], sts.assume_role(RoleArn=created["Role"]["Arn"],
                                                           RoleSessionName=session_name))


def test_assume_role_tag_validation(lamina_server: LaminaServer, admin: dict[str, Any]) -> None:
    expected, matcher = recorded("test_assume_role_tag_validation"), Matcher(lamina_server.account_id)
    iam, sts = client(lamina_server, "iam", admin), client(lamina_server, "sts", admin)
    role = iam.create_role(RoleName=f"role-1-{short_uid()}", AssumeRolePolicyDocument=_trust(
        lamina_server.account_id, ["sts:AssumeRole", "sts:TagSession"]))
    matcher.check(expected["role-1"], role)
    arn = role["Role"]["Arn"]
    sts.assume_role(RoleArn=arn, RoleSessionName="Session1")
    matcher.check(expected["invalid-transitive-tag-keys"], _error(lambda: sts.assume_role(
        RoleArn=arn, RoleSessionName="SessionInvalidTransitiveKeys",
        Tags=[{"Key": "SessionTag1", "Value": "SessionValue1"}], TransitiveTagKeys=["InvalidKey"])))
    sts.assume_role(RoleArn=arn, RoleSessionName="SessionInvalidCasingTransitiveKeys",
                    Tags=[{"Key": "SessionTag1", "Value": "SessionValue1"}], TransitiveTagKeys=["sessiontag1"])
    matcher.check(expected["duplicate-tag-keys-different-casing"], _error(lambda: sts.assume_role(
        RoleArn=arn, RoleSessionName="SessionInvalidCasingTransitiveKeys",
        Tags=[{"Key": "SessionTag1", "Value": "SessionValue1"}, {"Key": "sessiontag1", "Value": "SessionValue2"}],
        TransitiveTagKeys=["sessiontag1"])))


def test_iam_role_chaining_override_transitive_tags(lamina_server: LaminaServer, admin: dict[str, Any]) -> None:
    expected, matcher = recorded("test_iam_role_chaining_override_transitive_tags"), Matcher(lamina_server.account_id)
    iam, sts = client(lamina_server, "iam", admin), client(lamina_server, "sts", admin)
    trust = _trust(lamina_server.account_id, ["sts:AssumeRole", "sts:TagSession"])
    role_1 = iam.create_role(RoleName=f"role-1-{short_uid()}", AssumeRolePolicyDocument=trust)
    matcher.check(expected["role-1"], role_1)
    role_2 = iam.create_role(RoleName=f"role-2-{short_uid()}", AssumeRolePolicyDocument=trust)
    matcher.check(expected["role-2"], role_2)
    iam.put_role_policy(RoleName=role_1["Role"]["RoleName"], PolicyName=f"policy-{short_uid()}",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                            "Resource": [role_2["Role"]["Arn"]]}]}))
    keys = sts.assume_role(RoleArn=role_1["Role"]["Arn"], RoleSessionName="Session1",
                           Tags=[{"Key": "SessionTag1", "Value": "SessionValue1"}],
                           TransitiveTagKeys=["SessionTag1"])["Credentials"]
    chained = client(lamina_server, "sts", keys)
    for snapshot_key, tag_key in (("override-transitive-tag-error", "SessionTag1"),
                                  ("override-transitive-tag-case-ignore-error", "sessiontag1")):
        matcher.check(expected[snapshot_key], _error(lambda key=tag_key: chained.assume_role(  # type: ignore[misc]
            RoleArn=role_2["Role"]["Arn"], RoleSessionName="Session2SessionTagOverride",
            Tags=[{"Key": key, "Value": "SessionValue2"}])))


def test_sts_invalid_parameters(lamina_server: LaminaServer, admin: dict[str, Any]) -> None:
    expected, matcher = recorded("test_sts_invalid_parameters"), Matcher(lamina_server.account_id)
    sts = boto3.client("sts", endpoint_url=lamina_server.endpoint_url, region_name=lamina_server.region,
                       aws_access_key_id=admin["AccessKeyId"], aws_secret_access_key=admin["SecretAccessKey"],
                       config=Config(parameter_validation=False))
    for snapshot_key, arn, session in (
            ("malformed-arn", "nothing-valid-in-here", "Session1"),
            ("no-partition", "arn::b:::something/test-role", "Session1"),
            ("no-service", "arn:a::::something/test-role", "Session1"),
            ("not-enough-colons", "arn:a:::something/test-role", "Session1"),
            ("no-resource", "arn:a:a::aaaaaaaaaa:", "Session1"),
            ("invalid-session-name", "arn:a:b:::something/test-role", "Session1:2")):
        matcher.check(expected[snapshot_key], _error(lambda a=arn, s=session: sts.assume_role(  # type: ignore[misc]
            RoleArn=a, RoleSessionName=s)))


def test_the_matcher_refuses_what_aws_did_not_answer() -> None:
    """The comparison can fail: another value, a missing or extra key, a placeholder bound twice differently."""
    expected = recorded("test_get_federation_token")["get-federation-token"]
    answer = {"Credentials": {"AccessKeyId": "ASIA1", "Expiration": __import__("datetime").datetime.now(),
                              "SecretAccessKey": "s", "SessionToken": "t"},
              "FederatedUser": {"Arn": "arn:aws:sts::123456789012:federated-user/bob",
                                "FederatedUserId": "123456789012:bob"},
              "PackedPolicySize": 0, "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}}}
    Matcher("123456789012").check(expected, answer)
    for broken in ({**answer, "PackedPolicySize": 3}, {**answer, "Extra": 1},
                   {**answer, "FederatedUser": {"Arn": "arn:aws:sts::123456789012:federated-user/bob",
                                                "FederatedUserId": "123456789012:alice"}}):
        with pytest.raises(AssertionError):
            Matcher("123456789012").check(expected, broken)
