"""Federation end to end through boto3: a GitHub-Actions-style OIDC token and a SAML response assume
roles on a real ``lamina serve``, with the tests' own keys (``--oidc-jwks``), and are refused as AWS
refuses them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from federation_support import GITHUB, GITHUB_SUB, STS_AUDIENCE, OidcIssuer, SamlIdp
from sts_support import client, error_of

from lamina.pytest_plugin import LaminaServer, start_server

NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
GITHUB_HOST = "token.actions.githubusercontent.com"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def issuer() -> OidcIssuer:
    return OidcIssuer()


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory, issuer: OidcIssuer) -> Iterator[LaminaServer]:
    """This module's server, trusting the tests' own GitHub signing key."""
    base = tmp_path_factory.mktemp("federation")
    jwks = issuer.write_jwks(base / "github-jwks.json")
    server = start_server(base / "data", options=["--oidc-jwks", f"{GITHUB}={jwks}"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def anonymous(lamina_server: LaminaServer) -> Any:
    """STS with no credentials at all, as GitHub's runner calls AssumeRoleWithWebIdentity."""
    return boto3.client("sts", endpoint_url=lamina_server.endpoint_url, region_name=lamina_server.region,
                        config=Config(signature_version=UNSIGNED))


@pytest.fixture(scope="module")
def github_provider(lamina_server: LaminaServer) -> str:
    arn: str = lamina_server.client("iam").create_open_id_connect_provider(
        Url=GITHUB, ClientIDList=[STS_AUDIENCE])["OpenIDConnectProviderArn"]
    return arn


def _role(server: LaminaServer, trust: dict[str, Any], allowed: str = "iam:ListRoles") -> dict[str, Any]:
    iam = server.client("iam")
    role: dict[str, Any] = iam.create_role(RoleName=unique("deploy"), AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="allowed", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": allowed, "Resource": "*"}]}))
    return role


@pytest.fixture(scope="module")
def deploy_role(lamina_server: LaminaServer, github_provider: str) -> dict[str, Any]:
    """The role GitHub's documentation shows: only octo-org/octo-repo, audience sts.amazonaws.com."""
    return _role(lamina_server, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": github_provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GITHUB_HOST}:aud": STS_AUDIENCE},
                      "StringLike": {f"{GITHUB_HOST}:sub": "repo:octo-org/octo-repo:*"}}}]})


def test_github_token_assumes_the_pinned_role_and_its_credentials_work(
        lamina_server: LaminaServer, anonymous: Any, issuer: OidcIssuer, github_provider: str,
        deploy_role: dict[str, Any]) -> None:
    answer = anonymous.assume_role_with_web_identity(RoleArn=deploy_role["Arn"], RoleSessionName="gh-run-1",
                                                     WebIdentityToken=issuer.token(), DurationSeconds=900)
    assert answer["SubjectFromWebIdentityToken"] == GITHUB_SUB
    assert answer["Audience"] == STS_AUDIENCE and answer["Provider"] == github_provider
    assert answer["AssumedRoleUser"] == {
        "Arn": f"arn:aws:sts::{lamina_server.account_id}:assumed-role/{deploy_role['RoleName']}/gh-run-1",
        "AssumedRoleId": f"{deploy_role['RoleId']}:gh-run-1"}
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and "PackedPolicySize" not in answer
    assert (creds["Expiration"] - datetime.now(UTC)) <= timedelta(seconds=900)
    session_iam = client(lamina_server, "iam", creds)
    assert any(role["Arn"] == deploy_role["Arn"] for role in session_iam.list_roles()["Roles"])
    code, message, _ = error_of(lambda: session_iam.list_users())
    assert code == "AccessDenied" and "iam:ListUsers" in message
    who = client(lamina_server, "sts", creds).get_caller_identity()
    assert who["Arn"] == answer["AssumedRoleUser"]["Arn"]


def test_a_token_for_another_repository_is_refused_with_awss_message(
        anonymous: Any, issuer: OidcIssuer, deploy_role: dict[str, Any]) -> None:
    token = issuer.token(sub="repo:someone-else/octo-repo:ref:refs/heads/main")
    assert error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken=token)) == (
        "AccessDenied", NOT_AUTHORIZED, 403)


def test_an_expired_token_is_expired(anonymous: Any, issuer: OidcIssuer, deploy_role: dict[str, Any]) -> None:
    code, message, status = error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken=issuer.token(lifetime=-60)))
    assert (code, status) == ("ExpiredTokenException", 400)
    assert message.startswith("Token expired: current date/time ") and "must be before the expiration date/time" \
        in message


def test_a_token_signed_by_another_key_is_invalid(anonymous: Any, deploy_role: dict[str, Any]) -> None:
    impostor = OidcIssuer()  # same issuer and kid, another key
    code, _, status = error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken=impostor.token()))
    assert (code, status) == ("InvalidIdentityToken", 400)
    unknown_kid = OidcIssuer(kid="rotated-away")
    assert error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken=unknown_kid.token())) == (
        "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider,  please reference "
        "AssumeRoleWithWebIdentity documentation for requirements", 400)


def test_a_wrong_audience_is_incorrect(anonymous: Any, issuer: OidcIssuer, deploy_role: dict[str, Any]) -> None:
    assert error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken=issuer.token(aud="sigstore"))) == (
        "InvalidIdentityToken", "Incorrect token audience", 400)


def test_no_provider_for_the_issuer_and_not_a_jwt(anonymous: Any, deploy_role: dict[str, Any]) -> None:
    other = OidcIssuer(issuer="https://accounts.example.org")
    assert error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken=other.token())) == (
        "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://accounts.example.org", 400)
    code, message, _ = error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken="not-a-token-at-all"))
    assert code == "InvalidIdentityToken" and "not a valid JWT" in message


def test_a_missing_role_is_not_authorized(lamina_server: LaminaServer, anonymous: Any, issuer: OidcIssuer,
                                          github_provider: str) -> None:
    missing = f"arn:aws:iam::{lamina_server.account_id}:role/{unique('absent')}"
    assert error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=missing, RoleSessionName="gh", WebIdentityToken=issuer.token())) == ("AccessDenied", NOT_AUTHORIZED,
                                                                                     403)


def test_provider_keys_and_token_tags_reach_later_decisions(lamina_server: LaminaServer, anonymous: Any,
                                                            issuer: OidcIssuer, github_provider: str) -> None:
    """A role policy conditioned on the token's subject and on a session tag from the token's tags claim."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": github_provider},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]}]}
    role = _role(lamina_server, trust, allowed="iam:GetRole")
    lamina_server.client("iam").put_role_policy(RoleName=role["RoleName"], PolicyName="conditional",
                                                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*",
        "Condition": {"StringEquals": {f"{GITHUB_HOST}:sub": GITHUB_SUB, "aws:PrincipalTag/team": "platform",
                                       "aws:FederatedProvider": github_provider}}}]}))
    tags = {"principal_tags": {"team": ["platform"]}, "transitive_tag_keys": ["team"]}
    answer = anonymous.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="tagged",
                                                     WebIdentityToken=issuer.token(**{"https://aws.amazon.com/tags":
                                                                                      tags}))
    assert answer["PackedPolicySize"] > 0
    client(lamina_server, "iam", answer["Credentials"]).list_roles()
    untagged = anonymous.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="plain",
                                                       WebIdentityToken=issuer.token())
    assert error_of(lambda: client(lamina_server, "iam", untagged["Credentials"]).list_roles())[0] == "AccessDenied"


def test_token_tags_need_tag_session_in_the_trust_policy(anonymous: Any, issuer: OidcIssuer,
                                                         deploy_role: dict[str, Any]) -> None:
    token = issuer.token(**{"https://aws.amazon.com/tags": {"principal_tags": {"team": ["x"]}}})
    assert error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=deploy_role["Arn"], RoleSessionName="gh", WebIdentityToken=token)) == ("AccessDenied",
                                                                                      NOT_AUTHORIZED, 403)


def test_githubs_custom_claims_are_condition_keys(lamina_server: LaminaServer, anonymous: Any,
                                                 issuer: OidcIssuer, github_provider: str) -> None:
    """``token.actions.githubusercontent.com:repository`` and ``:ref``, as AWS supports them, pin a role too."""
    role = _role(lamina_server, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": github_provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GITHUB_HOST}:repository": "octo-org/octo-repo",
                                       f"{GITHUB_HOST}:ref": "refs/heads/main"}}}]})
    claims = {"repository": "octo-org/octo-repo", "ref": "refs/heads/main", "actor": "octocat"}
    anonymous.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="gh",
                                            WebIdentityToken=issuer.token(**claims))
    other_ref = issuer.token(**{**claims, "ref": "refs/heads/feature"})
    assert error_of(lambda: anonymous.assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="gh", WebIdentityToken=other_ref))[0] == "AccessDenied"


# -- SAML ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def idp() -> SamlIdp:
    return SamlIdp()


@pytest.fixture(scope="module")
def saml_provider(lamina_server: LaminaServer, idp: SamlIdp) -> str:
    arn: str = lamina_server.client("iam").create_saml_provider(Name=unique("corp-idp"),
                                                               SAMLMetadataDocument=idp.metadata())["SAMLProviderArn"]
    return arn


@pytest.fixture(scope="module")
def saml_role(lamina_server: LaminaServer, saml_provider: str) -> dict[str, Any]:
    return _role(lamina_server, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": saml_provider}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml", "saml:sub": "alice"}}}]})


def test_a_signed_saml_response_assumes_the_role(lamina_server: LaminaServer, anonymous: Any, idp: SamlIdp,
                                                 saml_provider: str, saml_role: dict[str, Any]) -> None:
    answer = anonymous.assume_role_with_saml(RoleArn=saml_role["Arn"], PrincipalArn=saml_provider,
                                             SAMLAssertion=idp.response(saml_role["Arn"], saml_provider))
    assert answer["Subject"] == "alice" and answer["SubjectType"] == "persistent"
    assert answer["Issuer"] == idp.entity_id and answer["Audience"] == "https://signin.aws.amazon.com/saml"
    assert answer["NameQualifier"] and answer["AssumedRoleUser"]["Arn"].endswith(
        f"assumed-role/{saml_role['RoleName']}/alice@example.com")
    client(lamina_server, "iam", answer["Credentials"]).list_roles()
    capped = anonymous.assume_role_with_saml(
        RoleArn=saml_role["Arn"], PrincipalArn=saml_provider, SAMLAssertion=idp.response(
            saml_role["Arn"], saml_provider, session_end=datetime.now(UTC) + timedelta(minutes=20)))
    assert capped["Credentials"]["Expiration"] - datetime.now(UTC) <= timedelta(minutes=20)  # SessionNotOnOrAfter


def test_saml_refusals(anonymous: Any, idp: SamlIdp, saml_provider: str, saml_role: dict[str, Any]) -> None:
    def assume(assertion: str) -> tuple[str, str, int]:
        return error_of(lambda: anonymous.assume_role_with_saml(RoleArn=saml_role["Arn"], PrincipalArn=saml_provider,
                                                                SAMLAssertion=assertion))

    arn = saml_role["Arn"]
    assert assume(idp.response(arn, saml_provider, signer=SamlIdp())) == (
        "InvalidIdentityToken", "Response signature invalid", 400)
    assert assume(idp.response(arn, saml_provider, issued=datetime.now(UTC) - timedelta(minutes=10))) == (
        "ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance", 400)
    assert assume(idp.response(arn, saml_provider, subject="mallory")) == (
        "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403)
    assert assume(idp.response(arn, saml_provider, session_name=None)) == (
        "InvalidIdentityToken", "RoleSessionName is required in AuthnResponse", 400)
    assert assume(idp.response(arn, saml_provider, audience="https://elsewhere.example.com"))[0] == \
        "InvalidIdentityToken"
    other_role = arn.rsplit("/", 1)[0] + "/not-this-one"
    assert assume(idp.response(other_role, saml_provider))[0] == "AccessDenied"
