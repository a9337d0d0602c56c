"""The issue's stories, end to end through a real server with boto3 (and the AWS CLI in test_cli_stories).

An administrator creates a user with a password and access keys; the user is denied with AWS's
exact sentence; the administrator attaches a policy and the same call succeeds; a third access
key is refused; the secret cannot be read again; a role in account B trusted by account A is
assumed from A and used.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from lamina_server import ACCOUNT, LAMINA, ROOT_KEY, ROOT_SECRET, Lamina, start_lamina

USER = "mateojackson"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/{USER}"


@pytest.fixture(scope="module")
def lamina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lamina]:
    server = start_lamina(tmp_path_factory.mktemp("stories") / "data", name="stories")
    yield server
    server.stop()


def client(lamina: Lamina, service: str, key: str = ROOT_KEY, secret: str = ROOT_SECRET,
           token: str | None = None) -> Any:
    return boto3.client(service, endpoint_url=lamina.endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token)


def error(call: Callable[[], object]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    found: dict[str, Any] = caught.value.response
    return found


def test_user_is_denied_then_allowed_and_keys_behave(lamina: Lamina) -> None:
    admin = client(lamina, "iam")
    admin.create_user(UserName=USER)
    admin.create_login_profile(UserName=USER, Password="Corr3ct-Horse!Battery")
    first = admin.create_access_key(UserName=USER)["AccessKey"]
    assert first["SecretAccessKey"] and first["AccessKeyId"].startswith("AKIA")

    user = client(lamina, "iam", first["AccessKeyId"], first["SecretAccessKey"])
    user_sts = client(lamina, "sts", first["AccessKeyId"], first["SecretAccessKey"])
    assert user_sts.get_caller_identity()["Arn"] == USER_ARN
    denied = error(lambda: user.get_user(UserName=USER))
    assert denied["Error"]["Code"] == "AccessDenied"
    assert denied["ResponseMetadata"]["HTTPStatusCode"] == 403
    message = denied["Error"]["Message"]
    assert message.startswith(f"User: {USER_ARN} is not authorized to perform: iam:GetUser on resource: ")
    assert message.endswith("because no identity-based policy allows the iam:GetUser action")

    admin.attach_user_policy(UserName=USER, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert user.get_user(UserName=USER)["User"]["Arn"] == USER_ARN

    admin.create_access_key(UserName=USER)
    third = error(lambda: admin.create_access_key(UserName=USER))
    assert (third["Error"]["Code"], third["Error"]["Message"]) == (
        "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
    listed = admin.list_access_keys(UserName=USER)["AccessKeyMetadata"]
    assert len(listed) == 2
    assert all("SecretAccessKey" not in key for key in listed)


def _new_account(lamina: Lamina) -> dict[str, str]:
    done = subprocess.run([str(LAMINA), "accounts", "create", "--data-dir", str(lamina.data_dir), "--json"],
                          capture_output=True, text=True, check=True)
    created: dict[str, str] = json.loads(done.stdout)
    return created


def _keys(created: dict[str, Any]) -> tuple[str, str, str]:
    flat = {k.lower().replace("_", ""): v for k, v in created.items() if isinstance(v, str)}
    for nested in created.values():
        if isinstance(nested, dict):
            flat.update({k.lower().replace("_", ""): v for k, v in nested.items() if isinstance(v, str)})
    return flat["accountid"], flat["accesskeyid"], flat["secretaccesskey"]


def test_role_in_account_b_trusted_by_a_is_assumed_and_used(lamina: Lamina) -> None:
    other, other_key, other_secret = _keys(_new_account(lamina))
    b_iam = client(lamina, "iam", other_key, other_secret)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    role = b_iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    b_iam.attach_role_policy(RoleName="deployer", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")

    admin = client(lamina, "iam")
    admin.create_user(UserName="ci")
    key = admin.create_access_key(UserName="ci")["AccessKey"]
    ci_sts = client(lamina, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    denied = error(lambda: ci_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="deploy"))
    assert denied["Error"]["Code"] == "AccessDenied"
    assume = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                      "Resource": role["Arn"]}]}
    admin.put_user_policy(UserName="ci", PolicyName="assume-deployer", PolicyDocument=json.dumps(assume))
    credentials = ci_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="deploy")["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")

    session = (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    identity = client(lamina, "sts", *session).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{other}:assumed-role/deployer/deploy"
    assert identity["Account"] == other
    roles = client(lamina, "iam", *session).list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == ["deployer"]
    refused = error(lambda: client(lamina, "iam", *session).create_user(UserName="nope"))
    assert refused["Error"]["Code"] == "AccessDenied"
    assert refused["Error"]["Message"].startswith(
        f"User: arn:aws:sts::{other}:assumed-role/deployer/deploy is not authorized to perform: iam:CreateUser")


def test_audit_shows_the_denial(lamina: Lamina) -> None:
    """The trail is written in batches every 0.2 s: poll for the event, for at most 10 s."""
    deadline = time.monotonic() + 10
    while True:
        done = subprocess.run([str(LAMINA), "audit", "--data-dir", str(lamina.data_dir), "--denied", "--json"],
                              capture_output=True, text=True, check=True)
        events = [json.loads(line) for line in done.stdout.splitlines()]
        if any(e["principal"] == USER_ARN and e["action"] == "iam:GetUser" for e in events) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert any(e["principal"] == USER_ARN and e["action"] == "iam:GetUser" for e in events)


def test_access_key_last_used_is_recorded(lamina: Lamina) -> None:
    """GetAccessKeyLastUsed reports the service and region of the key's latest signed call."""
    admin = client(lamina, "iam")
    admin.create_user(UserName="lastused")
    key = admin.create_access_key(UserName="lastused")["AccessKey"]
    assert admin.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    client(lamina, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    deadline = time.monotonic() + 10  # key use is written with the audit batch, every 0.2 s
    while True:
        used = admin.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        if used["ServiceName"] != "N/A" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (used["ServiceName"], used["Region"]) == ("sts", "us-east-1")
    assert "LastUsedDate" in used
