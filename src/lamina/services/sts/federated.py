"""What AssumeRoleWithWebIdentity and AssumeRoleWithSAML share: the trust decision and the role session.

Both are unsigned: the identity provider's token or assertion is the only proof of who calls.
Once the handler has verified it, the role's trust policy decides through the gate
(``Gate.check_unsigned``) with a web-identity principal naming the provider
(``Principal: {"Federated": <provider ARN>}``) and the provider's condition keys; then a role
session is issued exactly as AssumeRole issues one (duration within ``MaxSessionDuration``,
session policies, tags), carrying the provider's keys into every later decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lamina.arn import format_arn, parse_arn
from lamina.authorization import access_denied
from lamina.context import RequestContext
from lamina.policy import ContextValue, Principal, PrincipalType
from lamina.services.registry import Deps
from lamina.store import now
from lamina.store.repositories import roles, sessions

from .assume_role import _duration, _packed_size, _session_policy, _trust_policy, credentials, find_role, role_ref


@dataclass(frozen=True)
class Federated:
    """Who the identity provider vouched for, as the trust policy and the session see it."""

    provider_arn: str
    context: Mapping[str, ContextValue]
    """The provider's condition keys for the trust policy (``<issuer>:sub``, ``saml:aud``...)."""
    session_keys: Mapping[str, str | list[str]]
    """The keys the session carries into later decisions."""
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()


def check_role_arn(arn: str) -> None:
    """A RoleArn that is no ARN at all is a ValidationError before anything else, as in AssumeRole."""
    role_ref(arn)


def authorize(deps: Deps, ctx: RequestContext, action: str, who: Federated) -> roles.RoleRow:
    """The role, once its trust policy allows ``action`` (and ``sts:TagSession`` for token tags) to
    the provider's user; AccessDenied "Not authorized to perform ``action``" otherwise (AWS says
    no more, whether the role is missing or does not trust the provider)."""
    role_arn = str(ctx.params["RoleArn"])
    denied = access_denied(f"Not authorized to perform {action}")
    with deps.store.transaction(read_only=True) as conn:
        role = find_role(conn, role_arn)
    if role is None:
        raise denied
    trust = _trust_policy(ctx, deps.store)
    principal = Principal(who.provider_arn, PrincipalType.WEB_IDENTITY, federated=who.provider_arn)
    context: dict[str, ContextValue] = {"aws:FederatedProvider": who.provider_arn, **who.context}
    actions = [action, "sts:TagSession"] if who.tags else [action]
    if who.tags:
        context.update({f"aws:RequestTag/{key}": value for key, value in who.tags.items()})
        context["aws:TagKeys"] = list(who.tags)
    for checked in actions:
        decision = deps.gate.check_unsigned(ctx, principal, checked, role.arn, role.account_id, context, trust)
        if not decision.allowed:
            raise denied
    return role


def issue(deps: Deps, ctx: RequestContext, role: roles.RoleRow, session_name: str, who: Federated,
          requested_duration: int | None, latest: datetime | None = None) -> dict[str, Any]:
    """A role session for the provider's user: Credentials, AssumedRoleUser and PackedPolicySize.
    ``latest`` caps its expiry (SAML's ``SessionNotOnOrAfter``)."""
    params = ctx.params
    duration = _duration(requested_duration, role, chained=False)
    expires_at = now() + timedelta(seconds=duration)
    if latest is not None and latest < expires_at:
        expires_at = latest
    policy = _session_policy(params.get("Policy"))
    policy_arns = tuple(str(item["arn"]) for item in params.get("PolicyArns") or ())
    tags = dict(who.tags or {})
    spec = sessions.SessionSpec(
        account_id=role.account_id, kind="assumed-role",
        principal_arn=format_arn("sts", "", role.account_id, f"assumed-role/{role.name}/{session_name}",
                                 parse_arn(role.arn).partition),
        principal_id=f"{role.role_id}:{session_name}", source_arn=role.arn, source_id=role.role_id,
        expires_at=expires_at, session_name=session_name,
        session_policies=(policy,) if policy else (), session_policy_arns=policy_arns, tags=tags,
        transitive_tag_keys=who.transitive_tag_keys, context_keys=dict(who.session_keys))
    packed = _packed_size(policy, policy_arns, tags)
    with deps.store.transaction() as conn:
        issued = sessions.create_session(conn, deps.store.secret_box, spec)
    result: dict[str, Any] = {"Credentials": credentials(issued),
                              "AssumedRoleUser": {"AssumedRoleId": spec.principal_id, "Arn": spec.principal_arn}}
    if policy or policy_arns or tags:
        result["PackedPolicySize"] = packed
    return result


def as_list(value: Any) -> list[str]:
    """A claim or attribute that may be one value or several, as a list of strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]

