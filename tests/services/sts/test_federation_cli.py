"""The AWS CLI (v1, `.cli-venv`) against Lamina for the federation families: OIDC and SAML providers,
assume-role-with-web-identity, assume-role-with-saml and get-federation-token, as a user types them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from federation_support import GITHUB, GITHUB_SUB, STS_AUDIENCE, OidcIssuer, SamlIdp

from lamina.pytest_plugin import LaminaServer, start_server

REPO = Path(__file__).resolve().parents[3]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS
pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")
_ERROR = re.compile(r"An error occurred \((?P<code>[^)]+)\) when calling the \w+ operation: (?P<message>.*)")


def aws(server: LaminaServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
           "AWS_DEFAULT_REGION": server.region, "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run([AWS, "--endpoint-url", server.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False)


def ok(server: LaminaServer, *args: str) -> Any:
    done = aws(server, *args)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def fails(server: LaminaServer, *args: str) -> tuple[str, str]:
    done = aws(server, *args)
    found = _ERROR.search(done.stderr)
    assert found is not None and done.returncode == 255, (done.returncode, done.stderr)
    return found["code"], found["message"].strip()


@pytest.fixture(scope="module")
def issuer() -> OidcIssuer:
    return OidcIssuer()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, issuer: OidcIssuer) -> Iterator[LaminaServer]:
    base = tmp_path_factory.mktemp("federation-cli")
    started = start_server(base / "data", options=["--oidc-jwks", f"{GITHUB}={issuer.write_jwks(base / 'k.json')}"])
    yield started
    started.stop()


def test_oidc_provider_and_web_identity_with_the_cli(server: LaminaServer, issuer: OidcIssuer) -> None:
    arn = ok(server, "iam", "create-open-id-connect-provider", "--url", GITHUB, "--client-id-list",
             STS_AUDIENCE)["OpenIDConnectProviderArn"]
    assert ok(server, "iam", "list-open-id-connect-providers")["OpenIDConnectProviderList"] == [{"Arn": arn}]
    ok(server, "iam", "tag-open-id-connect-provider", "--open-id-connect-provider-arn", arn, "--tags",
       "Key=team,Value=ci")
    got = ok(server, "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
    assert got["Url"] == "token.actions.githubusercontent.com" and got["Tags"] == [{"Key": "team", "Value": "ci"}]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:*"}}}]}
    role = ok(server, "iam", "create-role", "--role-name", "cli-deploy", "--assume-role-policy-document",
              json.dumps(trust))["Role"]
    answer = ok(server, "sts", "assume-role-with-web-identity", "--role-arn", role["Arn"], "--role-session-name",
                "cli", "--web-identity-token", issuer.token())
    assert answer["SubjectFromWebIdentityToken"] == GITHUB_SUB and answer["Provider"] == arn
    assert fails(server, "sts", "assume-role-with-web-identity", "--role-arn", role["Arn"], "--role-session-name",
                 "cli", "--web-identity-token", issuer.token(sub="repo:other/repo:ref:refs/heads/main")) == (
        "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    ok(server, "iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
    assert fails(server, "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", arn)[0] == \
        "NoSuchEntity"


def test_saml_provider_and_assume_role_with_saml_with_the_cli(server: LaminaServer, tmp_path: Path) -> None:
    idp = SamlIdp()
    metadata = tmp_path / "metadata.xml"
    metadata.write_text(idp.metadata())
    arn = ok(server, "iam", "create-saml-provider", "--name", "corp", "--saml-metadata-document",
             f"file://{metadata}")["SAMLProviderArn"]
    assert ok(server, "iam", "get-saml-provider", "--saml-provider-arn", arn)["SAMLMetadataDocument"] == \
        idp.metadata()
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": arn},
                                                     "Action": "sts:AssumeRoleWithSAML"}]}
    role = ok(server, "iam", "create-role", "--role-name", "cli-saml", "--assume-role-policy-document",
              json.dumps(trust))["Role"]
    answer = ok(server, "sts", "assume-role-with-saml", "--role-arn", role["Arn"], "--principal-arn", arn,
                "--saml-assertion", idp.response(role["Arn"], arn))
    assert answer["Subject"] == "alice" and answer["Issuer"] == idp.entity_id
    assert fails(server, "sts", "assume-role-with-saml", "--role-arn", role["Arn"], "--principal-arn", arn,
                 "--saml-assertion", idp.response(role["Arn"], arn, signer=SamlIdp())) == (
        "InvalidIdentityToken", "Response signature invalid")
    ok(server, "iam", "delete-saml-provider", "--saml-provider-arn", arn)


def test_get_federation_token_with_the_cli(server: LaminaServer) -> None:
    answer = ok(server, "sts", "get-federation-token", "--name", "cli-fed", "--duration-seconds", "900")
    assert answer["FederatedUser"] == {"FederatedUserId": f"{server.account_id}:cli-fed",
                                       "Arn": f"arn:aws:sts::{server.account_id}:federated-user/cli-fed"}
    assert answer["PackedPolicySize"] == 0


def test_outbound_federation_and_assume_root_with_the_cli(server: LaminaServer) -> None:
    issuer = ok(server, "iam", "enable-outbound-web-identity-federation")["IssuerIdentifier"]
    assert ok(server, "iam", "get-outbound-web-identity-federation-info") == {"IssuerIdentifier": issuer,
                                                                             "JwtVendingEnabled": True}
    token = ok(server, "sts", "get-web-identity-token", "--audience", "urn:example:api",
               "--signing-algorithm", "ES384")["WebIdentityToken"]
    assert token.count(".") == 2
    ok(server, "iam", "disable-outbound-web-identity-federation")
    assert fails(server, "sts", "get-web-identity-token", "--audience", "x", "--signing-algorithm", "RS256")[0] == \
        "OutboundWebIdentityFederationDisabledException"
    code, _ = fails(server, "sts", "assume-root", "--target-principal", "111122223333", "--task-policy-arn",
                    "arn=arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")
    assert code == "AccessDenied"
