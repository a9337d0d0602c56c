"""Outbound web identity federation: ``sts:GetWebIdentityToken`` and the issuer Lamina serves.

AWS's 2025 feature lets an account mint JWTs for its principals, which outside services verify
against the account's issuer (``IssuerIdentifier``) by OIDC discovery. Lamina does the same with
keys of its own: IAM's EnableOutboundWebIdentityFederation makes the account's issuer (a URL under
this node's endpoint) and its RS256 and ES384 keys (encrypted in the store); GetWebIdentityToken
signs ``iss``, ``sub`` (the caller's principal ARN, the role's for a role session), ``aud``,
``iat``, ``exp``, ``jti`` and AWS's ``https://sts.amazonaws.com/`` claims; and the server answers
``<issuer>/.well-known/openid-configuration`` and ``<issuer>/.well-known/jwks.json``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from lamina.context import RequestContext
from lamina.protocols import ServiceError, error_type
from lamina.services.iam.declarations import derived_authorization
from lamina.services.registry import Deps, operation
from lamina.store import Store
from lamina.store.repositories import identity_providers

PATH_PREFIX = "/_lamina/outbound/"
DEFAULT_DURATION = 300
ALGORITHMS = ("RS256", "ES384")
AWS_CLAIMS = "https://sts.amazonaws.com/"


def issuer_url(endpoint: str, issuer_id: str) -> str:
    """The account's issuer: an https URL on AWS, this node's endpoint here (see docs/sts.md)."""
    return f"{endpoint.rstrip('/')}{PATH_PREFIX}{issuer_id}"


def new_signing_keys() -> dict[str, str]:
    """A fresh RS256 (2048-bit RSA) and ES384 (P-384) private key, as PEM, by algorithm."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP384R1())

    def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()

    return {"RS256": pem(rsa_key), "ES384": pem(ec_key)}


def _kid(issuer_id: str, algorithm: str) -> str:
    return f"{issuer_id[:12]}-{algorithm.lower()}"


def jwks(found: identity_providers.OutboundFederation) -> dict[str, Any]:
    """The public half of the account's keys, as a JWKS."""
    keys = []
    for algorithm, private in sorted(found.signing_keys.items()):
        public = serialization.load_pem_private_key(private.encode(), password=None).public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
        elif isinstance(public, ec.EllipticCurvePublicKey):
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
        else:  # only RSA and EC keys are ever made (new_signing_keys)
            continue
        keys.append({**jwk, "kid": _kid(found.issuer_id, algorithm), "alg": algorithm, "use": "sig"})
    return {"keys": keys}


def issuer_document(store: Store, endpoint: str, path: str) -> tuple[int, dict[str, Any]]:
    """What the server answers under ``PATH_PREFIX``: discovery, the JWKS, or 404."""
    issuer_id, _, rest = path.removeprefix(PATH_PREFIX).partition("/")
    with store.transaction(read_only=True) as conn:
        found = identity_providers.find_outbound_issuer(conn, store.secret_box, issuer_id)
    if found is None or rest not in (".well-known/openid-configuration", ".well-known/jwks.json"):
        return 404, {"message": "No outbound web identity issuer answers here."}
    issuer = issuer_url(endpoint, issuer_id)
    if rest.endswith("jwks.json"):
        return 200, jwks(found)
    return 200, {"issuer": issuer, "jwks_uri": f"{issuer}/.well-known/jwks.json", "response_types_supported":
                 ["id_token"], "subject_types_supported": ["public"],
                 "id_token_signing_alg_values_supported": list(ALGORITHMS)}


def _disabled() -> ServiceError:
    return error_type("sts", "OutboundWebIdentityFederationDisabledException")(
        "Outbound web identity federation is disabled for this account.")


@operation("sts", "GetWebIdentityToken", authorization=derived_authorization("sts", "GetWebIdentityToken"),
           needs="deps")
def get_web_identity_token(ctx: RequestContext, deps: Deps) -> dict[str, Any]:
    """A JWT about the caller for ``Audience``, signed with the account's ``SigningAlgorithm`` key."""
    caller, params = ctx.require_caller(), ctx.params
    with deps.store.transaction(read_only=True) as conn:
        found = identity_providers.get_outbound(conn, deps.store.secret_box, caller.account_id)
    if found is None or not found.enabled:
        raise _disabled()
    algorithm = str(params["SigningAlgorithm"])
    if algorithm not in ALGORITHMS:
        raise ServiceError("ValidationError", f"SigningAlgorithm {algorithm} is not supported; use RS256 or ES384.",
                           400, True)
    duration = int(params.get("DurationSeconds") or DEFAULT_DURATION)
    now = int(time.time())
    claims = {"iss": issuer_url(deps.settings.endpoint, found.issuer_id), "sub": caller.role_arn or caller.arn,
              "aud": _audience(params["Audience"]), "iat": now, "nbf": now, "exp": now + duration,
              "jti": str(uuid.uuid4()), AWS_CLAIMS: _aws_claims(ctx, params.get("Tags") or [])}
    token = jwt.encode(claims, found.signing_keys[algorithm], algorithm=algorithm,
                       headers={"kid": _kid(found.issuer_id, algorithm)})
    return {"WebIdentityToken": token, "Expiration": datetime.fromtimestamp(now + duration, UTC)}


def _audience(given: list[str]) -> str | list[str]:
    return given[0] if len(given) == 1 else list(given)


def _aws_claims(ctx: RequestContext, tags: list[Mapping[str, str]]) -> dict[str, Any]:
    caller = ctx.require_caller()
    found: dict[str, Any] = {"aws_account": caller.account_id, "source_region": ctx.region or "us-east-1",
                             "principal_id": caller.arn}
    if tags:
        found["request_tags"] = {str(tag["Key"]): str(tag.get("Value", "")) for tag in tags}
    return found
