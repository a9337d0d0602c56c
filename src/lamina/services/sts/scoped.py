"""The STS operations that exchange something Lamina never issues, and GetScopedCredentials.

- ``GetScopedCredentials``: a new session of the same principal with one more session policy (so
  it can only narrow) and at most the remaining lifetime; only temporary credentials may call it,
  as AWS requires (``InvalidSubjectCredentials`` otherwise). Lamina's policy engine applies session
  policies to role and federated sessions only, so a GetSessionToken session (a user's or the
  root's) is refused too rather than handed credentials that would not be narrowed.
- ``DecodeAuthorizationMessage``: Lamina's denials carry their reasons in the message itself and
  never an encoded message, so every message given is invalid (AWS's
  ``InvalidAuthorizationMessageException``), after the caller is authorized as on AWS.
- ``GetDelegatedAccessToken``: trade-in tokens come from IAM delegation requests, which need AWS
  partner onboarding Lamina does not have; every token is ``ExpiredTradeInTokenException``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

from lamina.context import RequestContext
from lamina.policy import MalformedPolicyDocument, PolicyKind, parse_policy
from lamina.protocols import ServiceError
from lamina.services.registry import Authorization, operation
from lamina.store import NotFound, Store, now
from lamina.store.repositories import sessions

from .assume_role import credentials


@operation("sts", "DecodeAuthorizationMessage",
           authorization=Authorization(actions=("sts:DecodeAuthorizationMessage",)))
def decode_authorization_message(ctx: RequestContext, store: Store) -> dict[str, Any]:
    raise ServiceError("InvalidAuthorizationMessageException", "The message is not a valid encoded authorization "
                       "message.", 400, True)


@operation("sts", "GetDelegatedAccessToken", authorization=Authorization(actions=("sts:GetDelegatedAccessToken",)))
def get_delegated_access_token(ctx: RequestContext, store: Store) -> dict[str, Any]:
    raise ServiceError("ExpiredTradeInTokenException", "The trade-in token is invalid or has expired.", 400, True)


def _invalid_subject() -> ServiceError:
    return ServiceError("InvalidSubjectCredentials", "GetScopedCredentials can only be called with the temporary "
                        "security credentials of a role or federated session.", 400, True)


@operation("sts", "GetScopedCredentials", authorization=Authorization(actions=("sts:GetScopedCredentials",)))
def get_scoped_credentials(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The caller's own session narrowed by ``Policy`` and, when asked, shortened."""
    caller = ctx.require_caller()
    if not caller.temporary or caller.principal_type not in ("AssumedRole", "FederatedUser"):
        raise _invalid_subject()
    document = ctx.params["Policy"]
    try:
        parse_policy(document, PolicyKind.IDENTITY)
    except MalformedPolicyDocument as error:
        raise ServiceError("MalformedPolicyDocument", error.message, 400, True) from error
    with store.transaction() as conn:
        try:
            current = sessions.get_session(conn, caller.access_key_id).spec
        except NotFound as error:
            raise _invalid_subject() from error
        expires = current.expires_at
        if ctx.params.get("DurationSeconds"):
            expires = min(expires, now() + timedelta(seconds=int(ctx.params["DurationSeconds"])))
        if expires <= now():
            raise ServiceError("InsufficientSessionLifetime", "The remaining session lifetime is too short.", 400,
                               True)
        spec = dataclasses.replace(current, expires_at=expires,
                                   session_policies=(*current.session_policies, json.dumps(json.loads(document))))
        issued = sessions.create_session(conn, store.secret_box, spec)
    token = issued.session_token
    out: dict[str, Any] = {"Credentials": credentials(issued),
                           "SessionInfo": {"ScopedSessionId": issued.session.access_key_id, "Arn": spec.principal_arn},
                           "SessionTokenSize": len(token), "ScopedPoliciesCount": len(spec.session_policies)}
    if spec.source_identity:
        out["SourceIdentity"] = spec.source_identity
    return out
