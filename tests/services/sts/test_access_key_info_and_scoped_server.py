"""STS GetAccessKeyInfo, GetScopedCredentials and the STS operations whose inputs Lamina never issues,
through boto3 against ``lamina serve``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer, start_server
from lamina.services.sts.access_key_info import encoded_account


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("sts-keys") / "data")
    yield started
    started.stop()


def _error(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def _user_clients(server: LaminaServer, name: str, policy: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    sts = server.client("sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    for _ in range(30):
        try:
            sts.get_caller_identity()
            break
        except ClientError:
            time.sleep(0.2)
    return sts, key


def test_access_key_info_of_issued_keys(server: LaminaServer) -> None:
    sts = server.client("sts")
    assert sts.get_access_key_info(AccessKeyId=server.access_key_id)["Account"] == server.account_id
    iam = server.client("iam")
    iam.create_user(UserName="keyed")
    key = iam.create_access_key(UserName="keyed")["AccessKey"]["AccessKeyId"]
    assert sts.get_access_key_info(AccessKeyId=key)["Account"] == server.account_id
    iam.update_access_key(UserName="keyed", AccessKeyId=key, Status="Inactive")
    assert sts.get_access_key_info(AccessKeyId=key)["Account"] == server.account_id  # whatever its state
    session = sts.get_session_token()["Credentials"]["AccessKeyId"]
    assert session.startswith("ASIA") and sts.get_access_key_info(AccessKeyId=session)["Account"] == server.account_id


def test_access_key_info_of_foreign_keys_decodes_the_account(server: LaminaServer) -> None:
    sts = server.client("sts")
    assert sts.get_access_key_info(AccessKeyId="ASIAY34FZKBOKMUTVV7A")["Account"] == "609629065308"
    assert encoded_account("AKIAIOSFODNN7EXAMPLE") == sts.get_access_key_info(
        AccessKeyId="AKIAIOSFODNN7EXAMPLE")["Account"]


def test_access_key_info_is_authorized(server: LaminaServer) -> None:
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:GetAccessKeyInfo",
                                                    "Resource": "*"}]}
    sts, _ = _user_clients(server, "no-key-info", deny)
    assert _error(sts.get_access_key_info, AccessKeyId=server.access_key_id) == ("AccessDenied", 403)


def test_scoped_credentials_narrow_a_role_session(server: LaminaServer) -> None:
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    sts, _ = _user_clients(server, "scoper", allow)
    assert _error(sts.get_scoped_credentials, Policy=json.dumps(allow)) == ("InvalidSubjectCredentials", 400)
    user_session = sts.get_session_token()["Credentials"]
    as_user = server.client("sts", aws_access_key_id=user_session["AccessKeyId"],
                            aws_secret_access_key=user_session["SecretAccessKey"],
                            aws_session_token=user_session["SessionToken"])
    assert _error(as_user.get_scoped_credentials, Policy=json.dumps(allow)) == ("InvalidSubjectCredentials", 400)
    iam = server.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{server.account_id}:root"}}]}
    role = iam.create_role(RoleName="scoped-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName="scoped-role", PolicyName="all", PolicyDocument=json.dumps(allow))
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="wide")["Credentials"]
    temp = server.client("sts", aws_access_key_id=session["AccessKeyId"],
                         aws_secret_access_key=session["SecretAccessKey"], aws_session_token=session["SessionToken"])
    only_sts = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}
    scoped = temp.get_scoped_credentials(Policy=json.dumps(only_sts), DurationSeconds=900)
    creds = scoped["Credentials"]
    assert creds["Expiration"] <= session["Expiration"] and scoped["ScopedPoliciesCount"] == 1
    assert scoped["SessionInfo"]["Arn"] == f"arn:aws:sts::{server.account_id}:assumed-role/scoped-role/wide"
    narrowed = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"]}
    assert server.client("sts", **narrowed).get_caller_identity()["Arn"].endswith("assumed-role/scoped-role/wide")
    assert _error(server.client("iam", **narrowed).list_users) == ("AccessDenied", 403)
    server.client("iam", aws_access_key_id=session["AccessKeyId"], aws_secret_access_key=session["SecretAccessKey"],
                  aws_session_token=session["SessionToken"]).list_users()  # the wide session still may
    assert _error(temp.get_scoped_credentials, Policy="{not json") == ("MalformedPolicyDocument", 400)


def test_operations_on_inputs_lamina_never_issues(server: LaminaServer) -> None:
    sts = server.client("sts")
    assert _error(sts.decode_authorization_message, EncodedMessage="abc") == (
        "InvalidAuthorizationMessageException", 400)
    assert _error(sts.get_delegated_access_token, TradeInToken="x" * 20) == ("ExpiredTradeInTokenException", 400)
