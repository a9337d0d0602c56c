"""Two accounts on one server for the cross-account tests: a second account with its root key,
clients signing as that root or as a new user of it, and a denial as (HTTP status, message)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer


def second_account(server: LaminaServer) -> dict[str, str]:
    """A new account hosted by ``server`` (``lamina accounts create``): its id and root key."""
    done = subprocess.run([sys.executable, "-m", "lamina.cli", "accounts", "create", "--data-dir",
                           str(server.data_dir), "--json"], capture_output=True, text=True, check=True)
    created: dict[str, str] = json.loads(done.stdout)
    return created


def client(server: LaminaServer, service: str, key: str, secret: str, token: str | None = None) -> Any:
    return boto3.client(service, endpoint_url=server.endpoint_url, region_name=server.region,
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def root_of(server: LaminaServer, other: dict[str, str], service: str) -> Any:
    return client(server, service, other["AccessKeyId"], other["SecretAccessKey"])


def user_client(server: LaminaServer, iam: Any, name: str, service: str, *actions: str) -> Any:
    """A new user of ``iam``'s account allowed ``actions`` (none: no identity policy), as a client."""
    iam.create_user(UserName=name)
    if actions:
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions),
                                                            "Resource": "*"}]}
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return client(server, service, key["AccessKeyId"], key["SecretAccessKey"])


def denial(call: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["ResponseMetadata"]["HTTPStatusCode"], raised.value.response["Error"]["Message"]
