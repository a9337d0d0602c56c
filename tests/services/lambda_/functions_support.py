"""Helpers for the Lambda function tests against a real server: a role Lambda may assume, zips,
clients from access keys, and AWS's error as (code, message, HTTP status)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
HANDLER_SOURCE = "def handler(event, context):\n    return {'hello': event.get('name', 'world')}\n"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def zipped(files: dict[str, str] | None = None, executable: tuple[str, ...] = ()) -> bytes:
    """A deployment package: ``index.py`` with a handler unless ``files`` says otherwise; the
    ``executable`` entries get mode 0755 (a ``provided`` runtime's ``bootstrap``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (files or {"index.py": HANDLER_SOURCE}).items():
            entry = zipfile.ZipInfo(name)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = (0o100755 if name in executable else 0o100644) << 16
            archive.writestr(entry, text)
    return buffer.getvalue()


def execution_role(server: LaminaServer, trust: dict[str, Any] | None = None, name: str | None = None) -> str:
    """A role (trusting Lambda unless ``trust`` says otherwise); its ARN."""
    created = server.client("iam").create_role(RoleName=name or unique("lambda-ex"),
                                               AssumeRolePolicyDocument=json.dumps(trust or LAMBDA_TRUST))
    return str(created["Role"]["Arn"])


def user_client(server: LaminaServer, service: str, user: str, policy: dict[str, Any] | None = None) -> Any:
    """A client signing as a new IAM user ``user`` (with ``policy`` inline, if given)."""
    iam = server.client("iam")
    iam.create_user(UserName=user)
    if policy is not None:
        iam.put_user_policy(UserName=user, PolicyName="granted", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return keyed_client(server, service, key)


def keyed_client(server: LaminaServer, service: str, creds: dict[str, Any]) -> Any:
    return boto3.client(service, endpoint_url=server.endpoint_url, region_name=server.region,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"))


def create(client: Any, role: str, name: str | None = None, **more: Any) -> dict[str, Any]:
    """CreateFunction with a python handler and the zip above (``more`` overrides or adds members)."""
    params: dict[str, Any] = {"FunctionName": name or unique("fn"), "Runtime": "python3.12", "Role": role,
                              "Handler": "index.handler", "Code": {"ZipFile": more.pop("zip", None) or zipped()}}
    found: dict[str, Any] = client.create_function(**{**params, **more})
    return found


def error_of(call: Any) -> tuple[str, str, int]:
    """Run ``call``; the ClientError it must raise as (code, message, HTTP status)."""
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
