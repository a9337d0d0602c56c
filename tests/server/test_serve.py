"""End to end against a real ``lamina serve``: boto3 and raw signed requests get AWS's answers."""

from __future__ import annotations

import json
import signal
import stat
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from lamina_server import ACCOUNT, ROOT_KEY, ROOT_SECRET, Lamina, post, root_env, signed_headers, start_lamina

FORM = "Action=GetCallerIdentity&Version=2011-06-15"


def sts(lamina: Lamina, key: str = ROOT_KEY, secret: str = ROOT_SECRET) -> Any:
    return boto3.client(
        "sts", endpoint_url=lamina.endpoint, region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}),
    )


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    response: dict[str, Any] = raised.value.response
    return response


def test_get_caller_identity_is_the_root(lamina: Lamina) -> None:
    answer = sts(lamina).get_caller_identity()
    assert (answer["UserId"], answer["Account"], answer["Arn"]) == (ACCOUNT, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root")
    metadata = answer["ResponseMetadata"]
    assert metadata["HTTPHeaders"]["x-amzn-requestid"] == metadata["RequestId"]


def test_wrong_secret_is_signature_does_not_match(lamina: Lamina) -> None:
    response = error_of(sts(lamina, secret="x" * 40).get_caller_identity)
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert response["Error"]["Type"] == "Sender"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_invalid_client_token_id(lamina: Lamina) -> None:
    response = error_of(sts(lamina, key="AKIAUNKNOWNUNKNOWN00").get_caller_identity)
    assert response["Error"]["Code"] == "InvalidClientTokenId"
    assert response["Error"]["Message"] == "The security token included in the request is invalid."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_no_auth_is_missing_authentication_token(lamina: Lamina) -> None:
    answer = post(lamina.endpoint + "/", FORM, {"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 403
    assert "<Code>MissingAuthenticationToken</Code>" in answer.body
    assert answer.headers["x-amzn-requestid"] in answer.body


def test_unsigned_boto3_gets_missing_authentication_token(lamina: Lamina) -> None:
    client = boto3.client("sts", endpoint_url=lamina.endpoint, region_name="us-east-1",
                          config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    response = error_of(client.get_caller_identity)
    assert response["Error"]["Code"] == "MissingAuthenticationToken"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_action_is_invalid_action(lamina: Lamina) -> None:
    body = "Action=GetCallerIdentities&Version=2011-06-15"
    answer = post(lamina.endpoint + "/", body, signed_headers(lamina.endpoint + "/", body))
    assert answer.status == 400
    assert "<Code>InvalidAction</Code>" in answer.body
    assert "Could not find operation GetCallerIdentities for version 2011-06-15" in answer.body


def test_known_but_unimplemented_operation_is_not_implemented(lamina: Lamina) -> None:
    response = error_of(lambda: sts(lamina).decode_authorization_message(EncodedMessage="x"))
    assert response["Error"]["Code"] == "NotImplemented"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_health_and_not_found(lamina: Lamina) -> None:
    with urllib.request.urlopen(lamina.endpoint + "/_lamina/health") as response:
        assert response.status == 200
        assert response.headers["x-amzn-RequestId"]
        assert json.load(response)["status"] == "ok"
    answer = post(lamina.endpoint + "/nowhere", "{}", {"Content-Type": "application/json"})
    assert answer.status == 404
    assert answer.headers["x-amzn-errortype"] == "UnknownOperationException"
    assert "No Lamina API answers POST /nowhere" in json.loads(answer.body)["Message"]


def test_root_credentials_file_is_private_and_aws_shaped(lamina: Lamina) -> None:
    path = lamina.data_dir / "root-credentials.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().splitlines() == ["Access key ID,Secret access key", f"{ROOT_KEY},{ROOT_SECRET}"]


def test_secret_is_printed_only_on_first_start_and_state_survives_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_lamina(data_dir, name="first")
    try:
        assert sts(first).get_caller_identity()["Account"] == ACCOUNT
    finally:
        first.stop()
    assert f"AWS_SECRET_ACCESS_KEY={ROOT_SECRET}" in first.stdout()
    assert f"export AWS_ENDPOINT_URL={first.endpoint} AWS_ACCESS_KEY_ID={ROOT_KEY}" in first.stdout()

    env = {k: v for k, v in root_env().items() if not k.startswith("LAMINA_ROOT_")}
    second = start_lamina(data_dir, env=env, name="second")
    try:
        assert sts(second).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    finally:
        second.stop()
    assert ROOT_SECRET not in second.stdout()
    assert f"AWS_ACCESS_KEY_ID={ROOT_KEY}" in second.stdout()


def test_generated_root_key_when_no_env(tmp_path: Path) -> None:
    env = {k: v for k, v in root_env().items() if not k.startswith("LAMINA_ROOT_")}
    server = start_lamina(tmp_path / "data", env=env)
    try:
        lines = (tmp_path / "data" / "root-credentials.csv").read_text().splitlines()
        key, secret = lines[1].split(",")
        assert key.startswith("AKIA") and len(key) == 20 and len(secret) == 40
        assert sts(server, key, secret).get_caller_identity()["UserId"] == ACCOUNT
    finally:
        server.stop()
    assert f"AWS_SECRET_ACCESS_KEY={secret}" in server.stdout()


def test_an_answered_write_survives_kill_9(tmp_path: Path) -> None:
    """Durability: once CreateUser has been answered, SIGKILL loses nothing (SQLite WAL, synchronous=FULL)."""
    server = start_lamina(tmp_path / "data", name="killed")
    try:
        iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                           aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
        iam.create_user(UserName="durable", Path="/kept/")
        key = iam.create_access_key(UserName="durable")["AccessKey"]
    finally:
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    again = start_lamina(tmp_path / "data", name="restarted")
    try:
        iam = boto3.client("iam", endpoint_url=again.endpoint, region_name="us-east-1",
                           aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
        assert iam.get_user(UserName="durable")["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/kept/durable"
        listed = iam.list_access_keys(UserName="durable")["AccessKeyMetadata"]
        assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    finally:
        again.stop()
