"""``sts:AssumeRole``: temporary credentials for a role, decided by its trust policy.

The gate evaluates the role's trust policy as the resource policy (``PolicyKind.TRUST``) with
the STS condition keys, for ``sts:AssumeRole`` and, when the request passes tags, ``sts:TagSession``;
this handler only applies AWS's fixed rules (no root callers, duration against the role's
``MaxSessionDuration`` and the 1-hour chaining limit, session policy size, tag rules) and issues
an ``ASIA`` session in the store. A role ARN that names no role gets a trust policy that grants
nothing, so the gate answers AccessDenied as AWS does. The trust policy's users and roles are
bound to their unique ids (``lamina.authorization.bound_principals``): one deleted and
re-created under the same name is not trusted.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lamina.arn import format_arn, parse_arn
from lamina.authorization import access_denied, bound_principals
from lamina.context import Caller, RequestContext
from lamina.policy import (
    ContextValue,
    Decision,
    MalformedPolicyDocument,
    Outcome,
    Policy,
    PolicyKind,
    PolicyType,
    denial_message,
    parse_policy,
)
from lamina.protocols import ServiceError
from lamina.services.registry import Authorization, operation
from lamina.store import Connection, NotFound, Store, now
from lamina.store.repositories import named_principals, roles, sessions

from . import mfa

DEFAULT_DURATION = 3600
CHAINING_LIMIT = 3600
POLICY_PLAINTEXT_LIMIT = 2048
PACKED_LIMIT = 2048
"""Bytes of compressed session policies and tags that make 100 % of AWS's packed allowance."""

_ARN = re.compile(r"^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$")
_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role(/(?:[^/]+/)*)([^/]+)$")
_NOTHING = parse_policy({"Version": "2012-10-17", "Statement": []}, PolicyKind.TRUST, "no-such-role")


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, 400, True)


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message, 400, True)


def credentials(issued: sessions.IssuedCredentials) -> dict[str, Any]:
    """The ``Credentials`` member of AssumeRole's and GetSessionToken's responses."""
    return {"AccessKeyId": issued.session.access_key_id, "SecretAccessKey": issued.secret_access_key,
            "SessionToken": issued.session_token, "Expiration": issued.session.spec.expires_at}


@dataclass(frozen=True)
class RoleRef:
    """A role ARN taken apart: account, path and name."""

    arn: str
    account_id: str
    path: str
    name: str


def role_ref(arn: str) -> RoleRef | None:
    """The role an ARN names; None for a well-formed ARN that is no IAM role. Malformed → ValidationError."""
    parts = _ARN.match(arn)
    if parts is None or not all(parts.group(i) for i in (1, 2, 5)):
        raise validation_error(f"{arn} is invalid")
    match = _ROLE_ARN.match(arn)
    return RoleRef(arn, match.group(1), match.group(2), match.group(3)) if match else None


def find_role(conn: Connection, arn: str) -> roles.RoleRow | None:
    """The stored role the ARN names, path included; None when there is none."""
    ref = role_ref(arn)
    if ref is None:
        return None
    try:
        role = roles.get_role(conn, ref.account_id, ref.name)
    except NotFound:
        return None
    return role if role.path == ref.path else None


# -- the declaration ---------------------------------------------------------------------------


def _role_arn(ctx: RequestContext, store: Store) -> Sequence[str]:
    return (str(ctx.params["RoleArn"]),)


def _trust_policy(ctx: RequestContext, store: Store) -> Policy:
    with store.transaction(read_only=True) as conn:
        role = find_role(conn, str(ctx.params["RoleArn"]))
        if role is None:
            return _NOTHING
        try:
            return bound_principals.resource_policy(conn, named_principals.OWNER_ROLE_TRUST, role.role_id,
                                                    role.assume_role_policy, PolicyKind.TRUST, f"{role.name}-trust")
        except MalformedPolicyDocument:
            return _NOTHING


def request_tags(ctx: RequestContext) -> dict[str, str]:
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in ctx.params.get("Tags") or ()}


def _context(ctx: RequestContext, store: Store) -> Mapping[str, ContextValue]:
    keys: dict[str, ContextValue] = {"sts:RoleSessionName": str(ctx.params["RoleSessionName"])}
    for param, key in (("ExternalId", "sts:ExternalId"), ("SourceIdentity", "sts:SourceIdentity")):
        if ctx.params.get(param) is not None:
            keys[key] = str(ctx.params[param])
    tags = request_tags(ctx)
    if tags:
        keys.update({f"aws:RequestTag/{key}": value for key, value in tags.items()})
        keys["aws:TagKeys"] = list(tags)
    if ctx.params.get("TransitiveTagKeys"):
        keys["sts:TransitiveTagKeys"] = [str(key) for key in ctx.params["TransitiveTagKeys"]]
    keys.update(mfa.context_keys(ctx, store))  # SerialNumber + TokenCode: checked before the trust policy
    return keys


def _tag_session(ctx: RequestContext) -> Sequence[str]:
    """Passing session tags is ``sts:TagSession`` too, which the trust (and identity) policy must allow."""
    return ("sts:TagSession",) if ctx.params.get("Tags") or ctx.params.get("TransitiveTagKeys") else ()


ASSUME_ROLE = Authorization(actions=("sts:AssumeRole",), more_actions=_tag_session, resources=_role_arn,
                            context=_context, resource_policy=_trust_policy)


# -- the handler -------------------------------------------------------------------------------


@operation("sts", "AssumeRole", authorization=ASSUME_ROLE)
def assume_role(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new role session: ASIA key, secret and token until ``DurationSeconds`` from now."""
    caller, params = ctx.require_caller(), ctx.params
    if caller.principal_type == "Root":  # AWS's fixed rule, whatever the trust policy says
        raise access_denied("Roles may not be assumed by root accounts.")
    session_name = str(params["RoleSessionName"])
    with store.transaction() as conn:
        role = find_role(conn, str(params["RoleArn"]))
        if role is None:  # deleted between the gate and here
            no_trust = Decision(Outcome.IMPLICIT_DENY, (), PolicyType.TRUST)  # as the gate answers a missing role
            raise access_denied(denial_message(caller.arn, "sts:AssumeRole", str(params["RoleArn"]), no_trust))
        duration = _duration(params.get("DurationSeconds"), role, chained=caller.principal_type == "AssumedRole")
        policy = _session_policy(params.get("Policy"))
        policy_arns = tuple(str(item["arn"]) for item in params.get("PolicyArns") or ())
        parent = _calling_session(conn, caller)
        tags, transitive = _session_tags(ctx, parent)
        source_identity = params.get("SourceIdentity") or (parent.source_identity if parent else None)
        mfa_at = mfa.use_code(conn, store, ctx) or caller.mfa_authenticated_at  # a chained session keeps its MFA
        spec = sessions.SessionSpec(
            account_id=role.account_id, kind="assumed-role",
            principal_arn=format_arn("sts", "", role.account_id, f"assumed-role/{role.name}/{session_name}",
                                     parse_arn(role.arn).partition),
            principal_id=f"{role.role_id}:{session_name}",
            source_arn=role.arn, source_id=role.role_id,
            expires_at=now() + timedelta(seconds=duration), session_name=session_name,
            source_identity=source_identity, session_policies=(policy,) if policy else (),
            session_policy_arns=policy_arns, tags=tags, transitive_tag_keys=transitive, mfa_authenticated_at=mfa_at,
        )
        packed = _packed_size(policy, policy_arns, tags)
        issued = sessions.create_session(conn, store.secret_box, spec)
    result: dict[str, Any] = {
        "Credentials": credentials(issued),
        "AssumedRoleUser": {"AssumedRoleId": spec.principal_id, "Arn": spec.principal_arn},
    }
    if policy or policy_arns or params.get("Tags"):
        result["PackedPolicySize"] = packed
    if spec.source_identity is not None:
        result["SourceIdentity"] = spec.source_identity
    return result


def _duration(requested: int | None, role: roles.RoleRow, *, chained: bool) -> int:
    duration = DEFAULT_DURATION if requested is None else int(requested)
    if chained and duration > CHAINING_LIMIT:
        raise validation_error("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
                               "role chaining.")
    if duration > role.max_session_duration:
        raise validation_error("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    return duration


def _session_policy(document: str | None) -> str | None:
    """The inline session policy, checked as IAM checks an identity policy; None when not passed."""
    if document is None:
        return None
    if len(document) > POLICY_PLAINTEXT_LIMIT:
        raise validation_error(f"1 validation error detected: Value '{document}' at 'policy' failed to satisfy "
                               f"constraint: Member must have length less than or equal to {POLICY_PLAINTEXT_LIMIT}")
    try:
        parse_policy(document, PolicyKind.IDENTITY, "session-policy")
    except MalformedPolicyDocument as error:
        raise ServiceError("MalformedPolicyDocument", str(error), 400, True) from None
    return document


def _calling_session(conn: Connection, caller: Caller) -> sessions.SessionSpec | None:
    """The role session making this request (role chaining), whose transitive tags carry over."""
    if caller.principal_type != "AssumedRole":
        return None
    try:
        return sessions.get_session(conn, caller.access_key_id).spec
    except NotFound:
        return None


def _session_tags(ctx: RequestContext, parent: sessions.SessionSpec | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """The session's tags and transitive keys: the request's, plus the calling session's transitive ones."""
    tags = request_tags(ctx)
    lowered = [key.lower() for key in tags]
    if len(set(lowered)) != len(lowered):
        raise invalid_parameter("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    transitive = tuple(str(key) for key in ctx.params.get("TransitiveTagKeys") or ())
    if any(key.lower() not in lowered for key in transitive):
        raise invalid_parameter("The specified transitive tag key must be included in the requested tags.")
    if parent is None:
        return tags, transitive
    inherited = {key: value for key, value in parent.tags.items()
                 if key.lower() in {k.lower() for k in parent.transitive_tag_keys}}
    if any(key.lower() in {k.lower() for k in inherited} for key in tags):
        raise invalid_parameter("One of the specified transitive tag keys can't be set because it conflicts with a "
                                "transitive tag key from the calling session.")
    return {**inherited, **tags}, tuple(dict.fromkeys((*parent.transitive_tag_keys, *transitive)))


def _packed_size(policy: str | None, policy_arns: tuple[str, ...], tags: Mapping[str, str]) -> int:
    """Percent of AWS's packed allowance the session policies and tags use; over 100 is refused."""
    minified = json.dumps(json.loads(policy), separators=(",", ":")) if policy else ""
    payload = json.dumps([minified, list(policy_arns), sorted(tags.items())], separators=(",", ":"))
    percent = math.ceil(len(zlib.compress(payload.encode(), 9)) * 100 / PACKED_LIMIT)
    if percent > 100:
        raise ServiceError("PackedPolicyTooLarge", f"Packed policy consumes {percent}% of allotted space, please "
                           "use smaller policy.", 400, True)
    return percent
