"""AWS's evaluation logic: combine every policy type into one Decision with its reasons.

Follows reference_policies_evaluation-logic_policy-eval-denyallow.html (single account),
reference_policies_evaluation-logic-cross-account.html, and the principal-type table for
resource-based policies; the exact contract is docs/evaluation-semantics.md. Evaluation never
raises for a well-formed request. This is the hot path: it allocates little and loops plainly.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._compile import CompiledStatement, Policy
from ._context import Context
from ._decision import Decision, Outcome, PolicyType, Reason
from ._model import PolicyKind
from ._principals import RANK
from ._request import PolicySet, Principal, PrincipalType, Request

# Policy types by code; the order is also the order of reasons and of "which type denied".
TYPES = (PolicyType.SCP, PolicyType.RCP, PolicyType.IDENTITY, PolicyType.BOUNDARY,
         PolicyType.SESSION, PolicyType.RESOURCE, PolicyType.TRUST)
SCP, RCP, IDENTITY, BOUNDARY, SESSION, RESOURCE, TRUST = range(7)
_NO_IDENTITY = (PrincipalType.SERVICE, PrincipalType.ANONYMOUS, PrincipalType.WEB_IDENTITY)
_SESSIONS = (PrincipalType.ASSUMED_ROLE, PrincipalType.FEDERATED_USER)

Hit = tuple[int, Policy, CompiledStatement, "str | None"]
"""(type code, policy, statement, grant kind) of one applicable statement, in scan order."""


def _scan(code: int, policies: Sequence[Policy], action: str, resource: str, principal: Principal,
          ctx: Context, allows: list[Hit], denies: list[Hit]) -> bool:
    """Add the applicable statements of ``policies`` as type ``code``; True if one is an Allow."""
    before = len(allows)
    for policy in policies:
        for st in policy.compiled.applicable(action, resource):
            if st.resource_templates and not st.resource_matches(resource, ctx):
                continue
            grant = None
            if st.principal is not None:
                grant = st.grant(principal)
                if grant is None:
                    continue
            if st.conditions and not _conditions_hold(st, ctx):
                continue
            (allows if st.is_allow else denies).append((code, policy, st, grant))
    return len(allows) > before


def _levels(code: int, levels: Sequence[Sequence[Policy]], action: str, resource: str, principal: Principal,
            ctx: Context, allows: list[Hit], denies: list[Hit]) -> bool:
    """Scan every level of SCPs or RCPs; True when each level has an applicable Allow."""
    every = True
    for level in levels:
        if not _scan(code, level, action, resource, principal, ctx, allows, denies):
            every = False
    return every


def _conditions_hold(st: CompiledStatement, ctx: Context) -> bool:
    for condition in st.conditions:  # noqa: SIM110 - a plain loop is faster than all() on this hot path
        if not condition.test(ctx):
            return False
    return True


def evaluate(request: Request, policies: PolicySet) -> Decision:
    """Decide ``request`` under ``policies`` exactly as AWS's evaluation logic does."""
    ctx = Context(request.context)
    action = request.action.lower()
    resource = request.resource
    principal = request.principal
    allows: list[Hit] = []
    denies: list[Hit] = []
    scps_allow = policies.scps is None or _levels(SCP, policies.scps, action, resource, principal, ctx,
                                                  allows, denies)
    rcps_allow = policies.rcps is None or _levels(RCP, policies.rcps, action, resource, principal, ctx,
                                                  allows, denies)
    identity_ok = bool(policies.identity) and _scan(IDENTITY, policies.identity, action, resource, principal, ctx,
                                                    allows, denies)
    boundary = policies.boundary
    boundary_ok = boundary is None or _scan(BOUNDARY, (boundary,), action, resource, principal, ctx,
                                            allows, denies)
    session_ok = not policies.session or _scan(SESSION, policies.session, action, resource, principal, ctx,
                                               allows, denies)
    resource_code = RESOURCE
    grants: list[str | None] = []
    if policies.resource is not None:
        if policies.resource.kind is PolicyKind.TRUST:
            resource_code = TRUST
        before = len(allows)
        _scan(resource_code, (policies.resource,), action, resource, principal, ctx, allows, denies)
        grants = [hit[3] for hit in allows[before:]]
    notes = tuple(ctx.diagnostics) if ctx.diagnostics else ()

    if denies:
        first = min(hit[0] for hit in denies)
        return Decision(Outcome.EXPLICIT_DENY, _reasons(denies), TYPES[first], notes)
    if not rcps_allow:
        failed: int | None = RCP
    elif not scps_allow:
        failed = SCP
    else:
        session_ok = session_ok or principal.type not in _SESSIONS
        if principal.type is PrincipalType.ROOT:  # full access, and no boundary is possible
            identity_ok = boundary_ok = True
        failed = _combine(request, resource_code, grants, identity_ok, boundary_ok, session_ok)
    if failed is not None:
        return Decision(Outcome.IMPLICIT_DENY, (), TYPES[failed], notes)
    return Decision(Outcome.ALLOW, _reasons(allows), None, notes)


def _combine(request: Request, resource_code: int, grants: list[str | None], identity_ok: bool,
             boundary_ok: bool, session_ok: bool) -> int | None:
    """None when the request is allowed, else the code of the policy type that failed to allow it."""
    principal = request.principal
    if principal.type in _NO_IDENTITY:
        return None if grants else resource_code
    same_account = request.target_account == principal.account
    if grants:
        best = max((RANK[g] for g in grants if g is not None), default=-1)
        if same_account and (best == 2 or (best == 1 and boundary_ok and session_ok)):
            return None
    elif resource_code == TRUST or not same_account:
        return resource_code
    if not identity_ok:
        return IDENTITY
    if not boundary_ok:
        return BOUNDARY
    return None if session_ok else SESSION


def _reasons(hits: list[Hit]) -> tuple[Reason, ...]:
    """Reasons in type order, then policy position and statement index: the order of the scan,
    which visits the types in code order."""
    if not hits:
        return ()
    return tuple(policy.reason(TYPES[code], code, st) for code, policy, st, _ in hits)
