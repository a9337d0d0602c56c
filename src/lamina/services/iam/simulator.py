"""The IAM policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and GetContextKeysFor*.

Why here and not a second engine: every decision comes from ``lamina.policy.evaluate``, the engine
the gate uses, so the simulator answers exactly what a real request would get. A principal's
policies are read from the store in the gate's order (own inline, own attached, then each group's),
keeping each document's text so a matched statement is reported by its position, as AWS does.

Why an :class:`Offload`: a simulation can hold thousands of statements and decisions, so the
handler only reads the store and hands :func:`simulate` plain data (texts, names, values) to run
in a worker process, within :data:`SIMULATION_BUDGET_SECONDS`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from lamina.arn import format_arn, parse_arn
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
from lamina.protocols import ServiceError
from lamina.services.registry import Offload, operation
from lamina.store import NotFound, Store
from lamina.store.repositories import OwnerKind, attachments, groups, inline_policies, roles, users

from . import errors
from ._policy_text import StatementPositions, context_keys
from .declarations import derived_authorization as _declaration

_DECISIONS = {Outcome.ALLOW: "allowed", Outcome.EXPLICIT_DENY: "explicitDeny", Outcome.IMPLICIT_DENY: "implicitDeny"}
_LIST_TYPES = {"stringList", "numericList", "booleanList", "ipList", "binaryList", "dateList"}

SIMULATION_BUDGET_SECONDS = 5.0
"""How long one Simulate* request may compute before it is refused with InvalidInput; read when
the request arrives, so a test can lower it."""


class PolicyText(NamedTuple):
    """A policy as AWS reports it (id and type) with its text: plain data for the worker."""

    policy_id: str
    policy_type: str
    text: str


class PrincipalFacts(NamedTuple):
    """The simulated caller as plain values (``type`` is a ``PrincipalType`` value)."""

    arn: str
    type: str
    account: str | None
    role_arn: str | None = None


class Simulation(NamedTuple):
    """Everything :func:`simulate` needs, as plain picklable data."""

    identity: tuple[PolicyText, ...]
    boundary: PolicyText | None
    resource_policy: str | None
    principal: PrincipalFacts
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    context: Mapping[str, ContextValue]
    resource_owner: str | None
    start: int
    """The first result to compute (``Marker``)."""
    size: int
    """How many results to compute (``MaxItems``)."""


@dataclass(frozen=True)
class Source:
    """A parsed policy with the id and type AWS reports it by, and its text for statement positions."""

    policy_id: str
    policy_type: str
    text: str
    policy: Policy

    @cached_property
    def positions(self) -> StatementPositions:
        """Found once per document, when a decision first names one of its statements."""
        return StatementPositions(self.text)


def _parsed(given: PolicyText, kind: PolicyKind = PolicyKind.IDENTITY) -> Source:
    try:
        policy = parse_policy(given.text, kind, given.policy_id)
    except MalformedPolicyDocument as err:
        raise errors.malformed_policy_document(err.message) from err
    return Source(given.policy_id, given.policy_type, given.text, policy)


def _inputs(ctx: RequestContext, member: str, policy_type: str = "IAM Policy") -> list[PolicyText]:
    return [PolicyText(f"{member}.{i}", policy_type, text)
            for i, text in enumerate(ctx.params.get(member) or (), start=1)]


def _owned(conn: Any, kind: OwnerKind, owner_id: str) -> list[PolicyText]:
    texts = inline_policies.inline_documents(conn, kind, owner_id)
    found = [PolicyText(name, kind, text) for name, text in texts.items()]
    for arn in attachments.attached_policy_arns(conn, kind, owner_id):
        text = managed_document(conn, arn)
        if text is not None:
            found.append(PolicyText(arn.rsplit("/", 1)[-1], "IAM Policy", text))
    return found


def principal_sources(store: Store, account: str,
                      arn: str) -> tuple[PrincipalFacts, list[PolicyText], PolicyText | None]:
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
                principal = PrincipalFacts(user.arn, PrincipalType.USER.value, account)
            elif kind == "role":
                role = roles.get_role(conn, account, name)
                found, boundary_arn = _owned(conn, "role", role.role_id), role.permissions_boundary
                partition = parse_arn(role.arn).partition
                session = format_arn("sts", "", account, f"assumed-role/{name}/simulation", partition)
                principal = PrincipalFacts(session,
                                           PrincipalType.ASSUMED_ROLE.value, account, role.arn)
            else:
                group = groups.get_group(conn, account, name)
                found = _owned(conn, "group", group.group_id)
                principal = PrincipalFacts(group.arn, PrincipalType.USER.value, account)
            text = managed_document(conn, boundary_arn) if boundary_arn else None
    except NotFound as err:
        raise errors.no_such_entity(f"The {kind} with name {name} cannot be found.") from err
    boundary = PolicyText(boundary_arn.rsplit("/", 1)[-1], "IAM Policy", text) if boundary_arn and text else None
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
        start, end = source.positions.of(reason.statement_index)
        out.append({"SourcePolicyId": source.policy_id, "SourcePolicyType": source.policy_type,
                    "StartPosition": start, "EndPosition": end})
    return out


def _missing(sources: Sequence[Source], action: str, resource: str, context: Mapping[str, ContextValue]) -> list[str]:
    given = {key.lower() for key in context}
    keys: dict[str, str] = {}
    for source in sources:
        for st in source.policy.compiled.applicable(action, resource):
            for clause in source.policy.document.statements[st.index].conditions:
                if clause.key.lower() not in given:
                    keys.setdefault(clause.key.lower(), clause.key)
    return sorted(keys.values(), key=str.lower)


def over_budget(budget: float) -> ServiceError:
    """InvalidInput, IAM's modelled error for a request it will not process as given, saying how
    to make it smaller (a worker's time is shared by every caller)."""
    return errors.invalid_input(
        f"The simulation did not finish within its time budget of {budget:g} seconds. Simulate fewer "
        "actions or resources per request (MaxItems pages the results), or smaller policies.")


def simulate(job: Simulation, budget: float) -> dict[str, Any]:
    """The page of results ``job`` asks for (the worker's side; plain data in and out).

    Documents are parsed here from their text (``parse_policy`` caches by content). The clock is
    read between decisions: past ``budget`` seconds, InvalidInput (see :func:`over_budget`).
    """
    deadline = time.monotonic() + budget
    identity = [_parsed(p) for p in job.identity]
    boundary = _parsed(job.boundary) if job.boundary else None
    resource_policy = None
    if job.resource_policy:
        resource_policy = _parsed(PolicyText("ResourcePolicy", "resource", job.resource_policy), PolicyKind.RESOURCE)
    everything = identity + [s for s in (boundary, resource_policy) if s is not None]
    by_id = {s.policy_id: s for s in everything}
    facts = job.principal
    principal = Principal(facts.arn, PrincipalType(facts.type), facts.account, role_arn=facts.role_arn)
    owner = job.resource_owner
    resource_account = owner.split(":")[4] if owner and owner.count(":") >= 4 else None
    policies = PolicySet(identity=[s.policy for s in identity], boundary=boundary.policy if boundary else None,
                         resource=resource_policy.policy if resource_policy else None)
    alone = PolicySet(identity=[boundary.policy]) if boundary else None
    resources = job.resources or ("*",)
    total = len(job.actions) * len(resources)
    results = []
    for k in range(job.start, min(job.start + job.size, total)):
        if time.monotonic() >= deadline:
            raise over_budget(budget)
        action, resource = job.actions[k // len(resources)], resources[k % len(resources)]
        request = Request(principal, action, resource, job.context, resource_account=resource_account)
        decision = evaluate(request, policies)
        matched, missing = _matched(decision, by_id), _missing(everything, action, resource, job.context)
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
        if alone is not None:
            result["PermissionsBoundaryDecisionDetail"] = {
                "AllowedByPermissionsBoundary": evaluate(request, alone).outcome is Outcome.ALLOW}
        results.append(result)
    return _page(results, job.start, job.size, total)


def _page(results: list[dict[str, Any]], start: int, size: int, total: int) -> dict[str, Any]:
    """``Marker`` is the index of the next result, as text."""
    out: dict[str, Any] = {"EvaluationResults": results, "IsTruncated": start + size < total}
    if out["IsTruncated"]:
        out["Marker"] = str(start + size)
    return out


def _offload(ctx: RequestContext, principal: PrincipalFacts, identity: list[PolicyText],
             boundary: PolicyText | None) -> Offload:
    """The request as a :class:`Simulation` for :func:`simulate`; ``MaxItems`` defaults to 100."""
    marker = ctx.params.get("Marker") or ""
    job = Simulation(
        identity=tuple(identity), boundary=boundary, resource_policy=ctx.params.get("ResourcePolicy") or None,
        principal=principal, actions=tuple(ctx.params.get("ActionNames") or ()),
        resources=tuple(ctx.params.get("ResourceArns") or ()), context=_context(ctx),
        resource_owner=ctx.params.get("ResourceOwner"), start=_start(marker),
        size=int(ctx.params.get("MaxItems") or 100))
    return Offload(simulate, (job, SIMULATION_BUDGET_SECONDS))


def _start(marker: str) -> int:
    """The index a ``Marker`` names; 0 for one this simulator did not write (``²``, 5,000 digits)."""
    return int(marker) if marker.isdecimal() and len(marker) <= 18 else 0


def _boundary_inputs(ctx: RequestContext) -> PolicyText | None:
    found = _inputs(ctx, "PermissionsBoundaryPolicyInputList")
    return found[0] if found else None


@operation("iam", "SimulatePrincipalPolicy", authorization=_declaration("iam", "SimulatePrincipalPolicy"))
def simulate_principal_policy(ctx: RequestContext, store: Store) -> Offload:
    """The principal's stored policies plus any given ones; a given boundary replaces the stored one."""
    account = ctx.require_caller().account_id
    principal, found, boundary = principal_sources(store, account, ctx.params["PolicySourceArn"])
    return _offload(ctx, principal, found + _inputs(ctx, "PolicyInputList"), _boundary_inputs(ctx) or boundary)


@operation("iam", "SimulateCustomPolicy", authorization=_declaration("iam", "SimulateCustomPolicy"))
def simulate_custom_policy(ctx: RequestContext, store: Store) -> Offload:
    """Only the given policies decide; the principal is CallerArn, else the caller."""
    caller = ctx.require_caller()
    arn = ctx.params.get("CallerArn") or caller.arn
    try:
        found = Principal.from_arn(arn)
        principal = PrincipalFacts(found.arn, found.type.value, found.account, found.role_arn)
    except ValueError:
        principal = PrincipalFacts(arn, PrincipalType.USER.value, caller.account_id)
    return _offload(ctx, principal, _inputs(ctx, "PolicyInputList"), _boundary_inputs(ctx))


@operation("iam", "GetContextKeysForPrincipalPolicy",
           authorization=_declaration("iam", "GetContextKeysForPrincipalPolicy"))
def get_context_keys_for_principal_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Keys read by the principal's policies (a user's include its groups') and the given ones."""
    _, found, _ = principal_sources(store, ctx.require_caller().account_id, ctx.params["PolicySourceArn"])
    policies = [_parsed(p).policy for p in found + _inputs(ctx, "PolicyInputList")]
    return {"ContextKeyNames": context_keys(policies)}


@operation("iam", "GetContextKeysForCustomPolicy", authorization=_declaration("iam", "GetContextKeysForCustomPolicy"))
def get_context_keys_for_custom_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """Keys read by the given policies."""
    return {"ContextKeyNames": context_keys([_parsed(p).policy for p in _inputs(ctx, "PolicyInputList")])}
