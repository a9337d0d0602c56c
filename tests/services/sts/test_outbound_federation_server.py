"""Outbound web identity federation and AssumeRoot through boto3: the account's issuer, tokens a relying
party verifies by discovery against the node, and AWS-shaped refusals where Lamina lacks Organizations."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import jwt
import pytest
from sts_support import client, error_of

from lamina.pytest_plugin import LaminaServer


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A server of its own: the outbound switch is account-wide."""
    from lamina.pytest_plugin import start_server

    server = start_server(tmp_path_factory.mktemp("outbound") / "data")
    yield server
    server.stop()


def test_outbound_federation_lifecycle_and_verifiable_tokens(account: LaminaServer) -> None:
    iam, sts = account.client("iam"), account.client("sts")
    assert error_of(lambda: iam.get_outbound_web_identity_federation_info())[::2] == ("FeatureDisabled", 404)
    assert error_of(lambda: sts.get_web_identity_token(Audience=["https://api.example.com"],
                                                       SigningAlgorithm="RS256"))[::2] == (
        "OutboundWebIdentityFederationDisabledException", 403)
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert issuer.startswith(account.endpoint_url)
    assert iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"] == issuer
    assert error_of(lambda: iam.enable_outbound_web_identity_federation())[::2] == ("FeatureEnabled", 409)

    discovery = _get_json(f"{issuer}/.well-known/openid-configuration")
    assert discovery["issuer"] == issuer
    keys = jwt.PyJWKSet.from_dict(_get_json(discovery["jwks_uri"]))
    for algorithm in ("RS256", "ES384"):
        answer = sts.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm=algorithm,
                                            DurationSeconds=120, Tags=[{"Key": "team", "Value": "a"}])
        token = answer["WebIdentityToken"]
        kid = jwt.get_unverified_header(token)["kid"]
        claims = jwt.decode(token, next(k for k in keys.keys if k.key_id == kid).key, algorithms=[algorithm],
                            audience="https://api.example.com", issuer=issuer)
        assert claims["sub"] == f"arn:aws:iam::{account.account_id}:root" and claims["exp"] - claims["iat"] == 120
        assert claims["https://sts.amazonaws.com/"]["request_tags"] == {"team": "a"}

    iam.disable_outbound_web_identity_federation()
    assert error_of(lambda: iam.disable_outbound_web_identity_federation())[::2] == ("FeatureDisabled", 404)
    assert iam.enable_outbound_web_identity_federation()["IssuerIdentifier"] == issuer  # the same issuer again


def test_outbound_tokens_name_the_role_of_a_role_session_and_need_permission(account: LaminaServer) -> None:
    iam = account.client("iam")
    name = f"minter-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    code, message, status = error_of(lambda: client(account, "sts", key).get_web_identity_token(
        Audience=["x"], SigningAlgorithm="RS256"))
    assert (code, status) == ("AccessDenied", 403) and "sts:GetWebIdentityToken" in message


def test_assume_root_without_organizations_is_access_denied(account: LaminaServer) -> None:
    task = {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}
    code, message, status = error_of(lambda: account.client("sts").assume_root(TargetPrincipal="111122223333",
                                                                               TaskPolicyArn=task))
    assert (code, status) == ("AccessDenied", 403) and "111122223333" in message
