"""Helpers shared by the STS tests that run against a real server: clients from issued credentials,
and AWS's error as (code, message, HTTP status)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer


def client(server: LaminaServer, service: str, creds: dict[str, Any]) -> Any:
    """A boto3 client signing with ``creds`` (an access key, or STS credentials with their token)."""
    return boto3.client(service, endpoint_url=server.endpoint_url, region_name=server.region,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"))


def error_of(call: Any) -> tuple[str, str, int]:
    """Run ``call`` and return the ClientError it must raise, as (code, message, HTTP status)."""
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
