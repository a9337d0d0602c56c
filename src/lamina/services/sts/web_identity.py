"""``sts:AssumeRoleWithWebIdentity``: a role session for the holder of an OIDC ID token.

The request is unsigned; the token is the proof, verified as AWS verifies it:

1. it is a JWT whose ``iss`` names an IAM OIDC provider in the role's account
   (``oidc-provider/<iss without https://>``), else InvalidIdentityToken;
2. its signature verifies with one of the issuer's keys (``jwks``: a configured JWKS, else OIDC
   discovery, fetched in a thread so the event loop never waits on the network), with PyJWT and
   an asymmetric algorithm only;
3. it has not expired (ExpiredTokenException) and its audience is one of the provider's client ids;
4. the role's trust policy allows ``sts:AssumeRoleWithWebIdentity`` to
   ``{"Federated": <provider ARN>}`` under the provider's keys (``<issuer>:sub``, ``:aud``,
   ``:oaud``, ``:amr``), and ``sts:TagSession`` when the token carries session tags
   (the ``https://aws.amazon.com/tags`` claim).

The session is ``assumed-role/ROLE/SESSION`` and keeps ``aws:FederatedProvider`` and the
provider's keys for every later decision.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping
from typing import Any

import jwt

from lamina.catalog import default_catalog
from lamina.context import RequestContext
from lamina.policy import ContextValue
from lamina.protocols import ServiceError, error_type
from lamina.services.registry import Authorization, Awaited, Deps, operation
from lamina.store import NotFound
from lamina.store.repositories import identity_providers

from . import federated, jwks
from .assume_role import role_ref

ACTION = "sts:AssumeRoleWithWebIdentity"
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
"""Asymmetric only: a provider's published keys must not double as a shared secret (no HS*, no none)."""
TAGS_CLAIM = "https://aws.amazon.com/tags"
NOT_A_JWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
NO_KEY = ("Couldn't retrieve verification key from your identity provider,  please reference "
          "AssumeRoleWithWebIdentity documentation for requirements")
BAD_SIGNATURE = "Signature verification failed for the web identity token"
BAD_AUDIENCE = "Incorrect token audience"

UNSIGNED = Authorization(never_authorized=True)
"""No AWS credentials: the trust policy decides, through the gate, once the token is verified."""


def invalid_token(message: str) -> ServiceError:
    return error_type("sts", "InvalidIdentityTokenException")(message)


def expired_token(message: str) -> ServiceError:
    return error_type("sts", "ExpiredTokenException")(message)


@operation("sts", "AssumeRoleWithWebIdentity", authorization=UNSIGNED, needs="deps")
def assume_role_with_web_identity(ctx: RequestContext, deps: Deps) -> Mapping[str, Any] | Awaited:
    """Verify the token, then a session; the keys come from a thread when they must be fetched."""
    params = ctx.params
    federated.check_role_arn(str(params["RoleArn"]))
    token = str(params["WebIdentityToken"])
    claims = _unverified_claims(token)
    provider = _provider(deps, str(params["RoleArn"]), str(claims["iss"]))
    issuer = f"https://{provider.url}"  # where the keys are looked up: an issuer written without a scheme too
    configured = dict(deps.settings.oidc_jwks)
    if jwks.configured_file(issuer, configured) is not None:
        return _finish(ctx, deps, token, provider, _keys(issuer, configured))

    async def fetch() -> jwt.PyJWKSet:
        return await asyncio.to_thread(_keys, issuer, configured)

    return Awaited(fetch, lambda keys: _finish(ctx, deps, token, provider, keys))


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise invalid_token(NOT_A_JWT) from None
    if not isinstance(claims.get("iss"), str) or not claims["iss"]:
        raise invalid_token(NOT_A_JWT)
    return claims


def provider_url(issuer: str) -> str:
    """The issuer as an OIDC provider's ARN names it: without ``https://`` or a trailing slash."""
    return issuer.removeprefix("https://").rstrip("/")


def _provider(deps: Deps, role_arn: str, issuer: str) -> identity_providers.OidcProvider:
    """The role account's IAM OIDC provider for ``issuer``; InvalidIdentityToken when there is none."""
    ref = role_ref(role_arn)
    missing = invalid_token(f"No OpenIDConnect provider found in your account for {issuer}")
    if ref is None:
        raise missing
    arn = f"arn:aws:iam::{ref.account_id}:oidc-provider/{provider_url(issuer)}"
    try:
        with deps.store.transaction(read_only=True) as conn:
            return identity_providers.get_oidc_provider(conn, arn)
    except NotFound:
        raise missing from None


def _keys(issuer: str, configured: Mapping[str, str]) -> jwt.PyJWKSet:
    try:
        return jwks.keys_for(issuer, configured)
    except jwks.KeysUnavailable:
        raise invalid_token(NO_KEY) from None


def _signing_key(token: str, keys: jwt.PyJWKSet) -> tuple[jwt.PyJWK, str]:
    header = jwt.get_unverified_header(token)
    algorithm = str(header.get("alg", ""))
    if algorithm not in ALGORITHMS:
        raise invalid_token(BAD_SIGNATURE)
    kid = header.get("kid")
    candidates = [key for key in keys.keys if kid is None or key.key_id == kid]
    if not candidates or (kid is None and len(candidates) != 1):
        raise invalid_token(NO_KEY)
    return candidates[0], algorithm


def verified_claims(token: str, keys: jwt.PyJWKSet, client_ids: tuple[str, ...], at: float) -> dict[str, Any]:
    """The token's claims once its signature, expiry and audience hold; AWS's error otherwise."""
    key, algorithm = _signing_key(token, keys)
    try:
        claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=[algorithm], options={
            "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False, "verify_iss": False})
    except jwt.InvalidSignatureError:
        raise invalid_token(BAD_SIGNATURE) from None
    except jwt.PyJWTError:
        raise invalid_token(NOT_A_JWT) from None
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)):
        raise invalid_token(NOT_A_JWT)
    if at >= expires:
        raise expired_token(f"Token expired: current date/time {int(at)} must be before the expiration "
                            f"date/time{int(expires)}")
    not_before = claims.get("nbf")
    if isinstance(not_before, (int, float)) and at + 300 < not_before:
        raise invalid_token("Token is not yet valid: its nbf claim is in the future")
    if not set(federated.as_list(claims.get("aud"))) & set(client_ids):
        raise invalid_token(BAD_AUDIENCE)
    return claims


def _finish(ctx: RequestContext, deps: Deps, token: str, provider: identity_providers.OidcProvider,
            keys: jwt.PyJWKSet) -> dict[str, Any]:
    claims = verified_claims(token, keys, provider.client_ids, time.time())
    who = _federated(provider, claims, str(ctx.params["RoleSessionName"]))
    role = federated.authorize(deps, ctx, ACTION, who)
    result = federated.issue(deps, ctx, role, str(ctx.params["RoleSessionName"]), who,
                             ctx.params.get("DurationSeconds"))
    audience = next(aud for aud in federated.as_list(claims.get("aud")) if aud in provider.client_ids)
    result.update({"SubjectFromWebIdentityToken": str(claims.get("sub", "")), "Provider": provider.arn,
                   "Audience": audience})
    return result


def _federated(provider: identity_providers.OidcProvider, claims: Mapping[str, Any],
               session_name: str) -> federated.Federated:
    """The provider's condition keys (``<url>:sub``, ``:aud`` — ``azp`` when present —, ``:oaud``,
    ``:amr``), and the session tags of the ``https://aws.amazon.com/tags`` claim."""
    prefix = provider.url
    audiences = federated.as_list(claims.get("aud"))
    keys: dict[str, str | list[str]] = {f"{prefix}:sub": str(claims.get("sub", ""))}
    keys[f"{prefix}:aud"] = str(claims["azp"]) if claims.get("azp") else _one_or_many(audiences)
    keys[f"{prefix}:oaud"] = _one_or_many(audiences)
    if claims.get("amr") is not None:
        keys[f"{prefix}:amr"] = federated.as_list(claims.get("amr"))
    for claim in provider_claims(prefix):  # GitHub's repository, ref, actor..., as AWS lists them
        value = claims.get(claim)
        if isinstance(value, bool):
            keys[f"{prefix}:{claim}"] = "true" if value else "false"
        elif isinstance(value, (str, int)):
            keys[f"{prefix}:{claim}"] = str(value)
    tags, transitive = _token_tags(claims.get(TAGS_CLAIM))
    context: dict[str, ContextValue] = {**keys, "sts:RoleSessionName": session_name}
    return federated.Federated(provider.arn, context, {"aws:FederatedProvider": provider.arn, **keys}, tags,
                               transitive)


@functools.lru_cache(maxsize=64)
def provider_claims(prefix: str) -> tuple[str, ...]:
    """The further claims AWS turns into ``<prefix>:<claim>`` keys for this provider (the Service
    Authorization Reference lists them for sts:AssumeRoleWithWebIdentity: GitHub's ``repository``,
    ``ref``, ``actor``..., GitLab's, Buildkite's); sub, aud, oaud and amr are handled apart."""
    action = default_catalog().action(ACTION)
    keys = action.all_condition_keys if action else ()
    found = [key[len(prefix) + 1:] for key in keys if key.startswith(f"{prefix}:")]
    return tuple(claim for claim in found if claim not in ("sub", "aud", "oaud", "amr") and "$" not in claim)


def _one_or_many(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _token_tags(claim: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """``{"principal_tags": {"K": ["V"]}, "transitive_tag_keys": ["K"]}`` as session tags."""
    if not isinstance(claim, dict):
        return {}, ()
    given = claim.get("principal_tags") or {}
    if not isinstance(given, dict):
        raise invalid_token("The https://aws.amazon.com/tags claim is malformed")
    tags = {str(key): federated.as_list(value)[0] if federated.as_list(value) else "" for key, value in given.items()}
    transitive = tuple(str(key) for key in federated.as_list(claim.get("transitive_tag_keys")))
    return tags, transitive
