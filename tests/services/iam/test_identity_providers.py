"""IAM OIDC and SAML providers through boto3 against a running server: shapes, errors, tags, the gate."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.pytest_plugin import LaminaServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sts"))
from federation_support import SamlIdp

THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def iam(lamina_server: LaminaServer) -> Any:
    return lamina_server.client("iam")


def test_oidc_provider_lifecycle(iam: Any, lamina_server: LaminaServer) -> None:
    host = f"{unique('issuer')}.example.com/path"
    url = f"https://{host}"
    created = iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"],
                                                  ThumbprintList=[THUMBPRINT], Tags=[{"Key": "team", "Value": "ci"}])
    arn = created["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{lamina_server.account_id}:oidc-provider/{host}"
    assert created["Tags"] == [{"Key": "team", "Value": "ci"}]
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert (got["Url"], got["ClientIDList"], got["ThumbprintList"]) == (host, ["sts.amazonaws.com"], [THUMBPRINT])
    assert got["Tags"] == [{"Key": "team", "Value": "ci"}] and got["CreateDate"]
    assert {"Arn": arn} in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="other")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="other")  # no change
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="never-there")
    second = "a" * 40
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=[second])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["other"] and got["ThumbprintList"] == [second]

    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "TEAM", "Value": "ops"},
                                                                         {"Key": "env", "Value": "dev"}])
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["env"])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "TEAM", "Value": "ops"}]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)) == (
        "NoSuchEntity", f"OpenIDConnect provider not found for arn {arn}", 404)
    assert error_of(lambda: iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn))[0] == "NoSuchEntity"
    assert error_of(lambda: iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn))[0] == \
        "NoSuchEntity"


def test_oidc_provider_errors(iam: Any) -> None:
    url = f"https://{unique('dup')}.example.com"
    iam.create_open_id_connect_provider(Url=url, ClientIDList=["a"])
    assert error_of(lambda: iam.create_open_id_connect_provider(Url=url, ClientIDList=["a"])) == (
        "EntityAlreadyExists", f"Provider with url {url} already exists.", 409)
    assert error_of(lambda: iam.create_open_id_connect_provider(Url="http://insecure.example.com")) == (
        "ValidationError", "Invalid Open ID Connect Provider URL", 400)
    assert error_of(lambda: iam.create_open_id_connect_provider(
        Url=f"https://{unique('many')}.example.com", ThumbprintList=[THUMBPRINT] * 6)) == (
        "InvalidInput", "Thumbprint list must contain fewer than 5 entries.", 400)
    assert error_of(lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn="arn:aws:iam::123:nothing"))[0] \
        == "InvalidInput"


def test_saml_provider_lifecycle(iam: Any, lamina_server: LaminaServer) -> None:
    idp = SamlIdp()
    name = unique("corp")
    created = iam.create_saml_provider(Name=name, SAMLMetadataDocument=idp.metadata(),
                                       Tags=[{"Key": "k", "Value": "v"}])
    arn = created["SAMLProviderArn"]
    assert arn == f"arn:aws:iam::{lamina_server.account_id}:saml-provider/{name}"
    assert created["Tags"] == [{"Key": "k", "Value": "v"}]
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == idp.metadata() and got["ValidUntil"] > got["CreateDate"]
    assert got["Tags"] == [{"Key": "k", "Value": "v"}] and len(got["SAMLProviderUUID"]) == 36
    listed = [p for p in iam.list_saml_providers()["SAMLProviderList"] if p["Arn"] == arn]
    assert listed and listed[0]["ValidUntil"] == got["ValidUntil"]

    rotated = SamlIdp()
    assert iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=rotated.metadata())[
        "SAMLProviderArn"] == arn
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == rotated.metadata()
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "other", "Value": "x"}])
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["k"])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [{"Key": "other", "Value": "x"}]
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert error_of(lambda: iam.get_saml_provider(SAMLProviderArn=arn)) == (
        "NoSuchEntity", f"Manifest not found for arn {arn}", 404)


def test_saml_provider_errors(iam: Any) -> None:
    idp = SamlIdp()
    name = unique("dup")
    iam.create_saml_provider(Name=name, SAMLMetadataDocument=idp.metadata())
    assert error_of(lambda: iam.create_saml_provider(Name=name, SAMLMetadataDocument=idp.metadata()))[0] == \
        "EntityAlreadyExists"
    not_metadata = "<root>" + "x" * 1000 + "</root>"
    assert error_of(lambda: iam.create_saml_provider(Name=unique("bad"), SAMLMetadataDocument=not_metadata)) == (
        "InvalidInput", "Could not parse metadata", 400)


def test_provider_operations_go_through_the_gate(iam: Any, lamina_server: LaminaServer) -> None:
    """A user allowed only to read providers cannot create one; the denial names the provider ARN."""
    name = unique("reader")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListOpenIDConnectProviders",
                                                "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    reader = boto3.client("iam", endpoint_url=lamina_server.endpoint_url, region_name=lamina_server.region,
                          aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    reader.list_open_id_connect_providers()
    code, message, status = error_of(lambda: reader.create_open_id_connect_provider(Url="https://gated.example.com"))
    assert (code, status) == ("AccessDenied", 403)
    assert "iam:CreateOpenIDConnectProvider" in message
    assert f"arn:aws:iam::{lamina_server.account_id}:oidc-provider/gated.example.com" in message
