"""The IAM policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and GetContextKeysFor*.

Why here and not a second engine: every decision comes from ``lamina.policy.evaluate``, the engine
the gate uses, so the simulator answers exactly what a real request would get. A principal's
policies are read from the store in the gate's order (own inline, own attached, then each group's),
keeping each document's text so a matched statement is reported by its position, as AWS does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lamina.authorization.policies import managed_document
from lamina.context import RequestContext
from lamina.policy import (
    ContextValue,
    Decision,
    MalformedPolicyDocument,
    Outcome,
    Policy,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalType,
    Request,
    evaluate,
    parse_policy,
)
from lamina.services.registry import operation
from lamina.store import NotFound, Store
from lamina.store.repositories import attachments, groups, inline_policies, roles, users
from lamina.store.repositories._common import OwnerKind

from . import errors
from ._policy_text import context_keys, position, statement_spans
from .declarations import derived_authorization as _declaration

_DECISIONS = {Outcome.ALLOW: "allowed", Outcome.EXPLICIT_DENY: "explicitDeny", Outcome.IMPLICIT_DENY: "implicitDeny"}
_LIST_TYPES = {"stringList", "numericList", "booleanList", "ipList", "binaryList", "dateList"}


@dataclass(frozen=True)
class Source:
    """A policy with the id and type AWS reports it by, and its text for statement positions."""

    policy_id: str
    policy_type: str
    text: str
    policy: Policy


def _source(policy_id: str, policy_type: str, text: str, kind: PolicyKind = PolicyKind.IDENTITY) -> Source:
    try:
        return Source(policy_id, policy_type, text, parse_policy(text, kind, policy_id))
    except MalformedPolicyDocument as err:
        raise errors.malformed_policy_document(err.message) from err


def _inputs(ctx: RequestContext, member: str, policy_type: str = "IAM Policy") -> list[Source]:
    return [_source(f"{member}.{i}", policy_type, text)
            for i, text in enumerate(ctx.params.get(member) or (), start=1)]


def _owned(conn: Any, kind: OwnerKind, owner_id: str) -> list[Source]:
    found = [_source(name, kind, text) for name, text in inline_policies.inline_documents(conn, kind, owner_id).items()]
    for arn in attachments.attached_policy_arns(conn, kind, owner_id):
        text = managed_document(conn, arn)
        if text is not None:
            found.append(_source(arn.rsplit("/", 1)[-1], "IAM Policy", text))
    return found


def principal_sources(store: Store, account: str, arn: str) -> tuple[Principal, list[Source], Source | None]:
    """The user's, group's or role's identity policies and boundary; NoSuchEntity when absent."""
    parts = arn.split(":", 5)
    kind, _, rest = (parts[5] if len(parts) == 6 else "").partition("/")
    name = rest.rsplit("/", 1)[-1]
    if parts[:3] != ["arn", "aws", "iam"] or kind not in ("user", "group", "role") or not name:
        raise errors.invalid_input(f"Invalid ARN: {arn}")
    boundary_arn = None
    try:
        with store.transaction(read_only=True) as conn:
            if parts[4] != account:
                raise NotFound(kind, name)
            if kind == "user":
                user = users.get_user(conn, account, name)
                found, boundary_arn = _owned(conn, "user", user.user_id), user.permissions_boundary
                for group in groups.list_groups_for_user(conn, account, name, max_items=1000).items:
                    found += _owned(conn, "group", group.group_id)
                principal = Principal(user.arn, PrincipalType.USER, account)
            elif kind == "role":
                role = roles.get_role(conn, account, name)
                found, boundary_arn = _owned(conn, "role", role.role_id), role.permissions_boundary
                principal = Principal(f"arn:aws:sts::{account}:assumed-role/{name}/simulation",
                                      PrincipalType.ASSUMED_ROLE, account, role_arn=role.arn)
            else:
                group = groups.get_group(conn, account, name)
                found = _owned(conn, "group", group.group_id)
                principal = Principal(group.arn, PrincipalType.USER, account)
            text = managed_document(conn, boundary_arn) if boundary_arn else None
    except NotFound as err:
        raise errors.no_such_entity(f"The {kind} with name {name} cannot be found.") from err
    boundary = _source(boundary_arn.rsplit("/", 1)[-1], "IAM Policy", text) if boundary_arn and text else None
    return principal, found, boundary


def _context(ctx: RequestContext) -> dict[str, ContextValue]:
    found: dict[str, ContextValue] = {}
    for entry in ctx.params.get("ContextEntries") or ():
        values = [str(v) for v in entry.get("ContextKeyValues") or ()]
        found[entry["ContextKeyName"]] = values if entry.get("ContextKeyType") in _LIST_TYPES else values[0]
    return found


def _matched(decision: Decision, sources: dict[str, Source]) -> list[dict[str, Any]]:
    out = []
    for reason in decision.reasons:
        source = sources.get(reason.policy_id)
        if source is None:
            continue
        spans = statement_spans(source.text)
        start, end = spans[reason.statement_index] if reason.statement_index < len(spans) else (0, 0)
        out.append({"SourcePolicyId": source.policy_id, "SourcePolicyType": source.policy_type,
                    "StartPosition": position(source.text, start), "EndPosition": position(source.text, end)})
    return out


def _missing(sources: Sequence[Source], action: str, resource: str, context: dict[str, ContextValue]) -> list[str]:
    given = {key.lower() for key in context}
    keys: dict[str, str] = {}
    for source in sources:
        for st in source.policy.compiled.applicable(action, resource):
            for clause in source.policy.document.statements[st.index].conditions:
                if clause.key.lower() not in given:
                    keys.setdefault(clause.key.lower(), clause.key)
    return sorted(keys.values(), key=str.lower)


def _simulate(ctx: RequestContext, principal: Principal, identity: list[Source],
              boundary: Source | None) -> dict[str, Any]:
    resource_policy = None
    if ctx.params.get("ResourcePolicy"):
        resource_policy = _source("ResourcePolicy", "resource", ctx.params["ResourcePolicy"], PolicyKind.RESOURCE)
    everything = identity + [s for s in (boundary, resource_policy) if s is not None]
    by_id = {s.policy_id: s for s in everything}
    context = _context(ctx)
    owner = ctx.params.get("ResourceOwner")
    results = []
    for action in ctx.params.get("ActionNames") or ():
        for resource in ctx.params.get("ResourceArns") or ["*"]:
            policies = PolicySet(identity=[s.policy for s in identity], boundary=boundary.policy if boundary else None,
                                 resource=resource_policy.policy if resource_policy else None)
            request = Request(principal, action, resource, context,
                              resource_account=owner.split(":")[4] if owner and owner.count(":") >= 4 else None)
            decision = evaluate(request, policies)
            matched, missing = _matched(decision, by_id), _missing(everything, action, resource, context)
            result: dict[str, Any] = {
                "EvalActionName": action, "EvalResourceName": resource, "EvalDecision": _DECISIONS[decision.outcome],
                "MatchedStatements": matched, "MissingContextValues": missing,
                "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
                "ResourceSpecificResults": [{
                    "EvalResourceName": resource, "EvalResourceDecision": _DECISIONS[decision.outcome],
                    "MatchedStatements": matched, "MissingContextValues": missing}],
            }
            if resource != "*":  # AWS: present (empty within one account) only when a resource is named
                result["EvalDecisionDetails"] = {}
            if boundary is not None:
                alone = evaluate(request, PolicySet(identity=[boundary.policy]))
                result["PermissionsBoundaryDecisionDetail"] = {
                    "AllowedByPermissionsBoundary": alone.outcome is Outcome.ALLOW}
            results.append(result)
    return _page(ctx, results)


def _page(ctx: RequestContext, results: list[dict[str, Any]]) -> dict[str, Any]:
    """``Marker`` is the index of the next result, as text; ``MaxItems`` defaults to 100."""
    marker = ctx.params.get("Marker")
    start = int(marker) if marker and marker.isdigit() else 0
    size = int(ctx.params.get("MaxItems") or 100)
    page = results[start:start + size]
    out: dict[str, Any] = {"EvaluationResults": page, "IsTruncated": start + size < len(results)}
    if out["IsTruncated"]:
        out["Marker"] = str(start + size)
    return out


def _boundary_inputs(ctx: RequestContext) -> Source | None:
    found = _inputs(ctx, "PermissionsBoundaryPolicyInputList")
    return found[0] if found else None


@operation("iam", "SimulatePrincipalPolicy", authorization=_declaration("iam", "SimulatePrincipalPolicy"))
def simulate_principal_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The principal's stored policies plus any given ones; a given boundary replaces the stored one."""
    account = ctx.require_caller().account_id
    principal, found, boundary = principal_sources(store, account, ctx.params["PolicySourceArn"])
    return _simulate(ctx, principal, found + _inputs(ctx, "PolicyInputList"), _boundary_inputs(ctx) or boundary)


@operation("iam", "SimulateCustomPolicy", authorization=_declaration("iam", "SimulateCustomPolicy"))
def simulate_custom_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Only the given policies decide; the principal is CallerArn, else the caller."""
    caller = ctx.require_caller()
    arn = ctx.params.get("CallerArn") or caller.arn
    try:
        principal = Principal.from_arn(arn)
    except ValueError:
        principal = Principal(arn, PrincipalType.USER, caller.account_id)
    return _simulate(ctx, principal, _inputs(ctx, "PolicyInputList"), _boundary_inputs(ctx))


@operation("iam", "GetContextKeysForPrincipalPolicy",
           authorization=_declaration("iam", "GetContextKeysForPrincipalPolicy"))
def get_context_keys_for_principal_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Keys read by the principal's policies (a user's include its groups') and the given ones."""
    _, found, _ = principal_sources(store, ctx.require_caller().account_id, ctx.params["PolicySourceArn"])
    policies = [s.policy for s in found + _inputs(ctx, "PolicyInputList")]
    return {"ContextKeyNames": context_keys(policies)}


@operation("iam", "GetContextKeysForCustomPolicy", authorization=_declaration("iam", "GetContextKeysForCustomPolicy"))
def get_context_keys_for_custom_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Keys read by the given policies."""
    return {"ContextKeyNames": context_keys([s.policy for s in _inputs(ctx, "PolicyInputList")])}
