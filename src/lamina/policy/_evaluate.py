"""AWS's evaluation logic: combine every policy type into one Decision with its reasons.

Follows reference_policies_evaluation-logic_policy-eval-denyallow.html (single account),
reference_policies_evaluation-logic-cross-account.html, and the principal-type table for
resource-based policies; the exact contract is docs/evaluation-semantics.md. Evaluation never
raises for a well-formed request.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._compile import CompiledStatement, Policy
from ._context import Context
from ._decision import Decision, Outcome, PolicyType, Reason
from ._model import PolicyKind
from ._principals import RANK
from ._request import PolicySet, PrincipalType, Request

# Policy types by code; the order is also the order of reasons and of "which type denied".
TYPES = (PolicyType.SCP, PolicyType.RCP, PolicyType.IDENTITY, PolicyType.BOUNDARY,
         PolicyType.SESSION, PolicyType.RESOURCE, PolicyType.TRUST)
SCP, RCP, IDENTITY, BOUNDARY, SESSION, RESOURCE, TRUST = range(7)
_NO_IDENTITY = (PrincipalType.SERVICE, PrincipalType.ANONYMOUS, PrincipalType.WEB_IDENTITY)

Hit = tuple[Policy, CompiledStatement, "str | None"]
"""(policy, statement, grant kind) of one applicable statement, in scan order."""


class _Scan:
    """Applicable Allow and Deny statements, by policy type code."""

    __slots__ = ("action", "allows", "ctx", "denied", "denies", "principal", "resource")

    def __init__(self, request: Request, ctx: Context) -> None:
        self.action = request.action.lower()
        self.resource = request.resource
        self.principal = request.principal
        self.ctx = ctx
        self.allows: list[list[Hit]] = [[] for _ in TYPES]
        self.denies: list[list[Hit]] = [[] for _ in TYPES]
        self.denied = False

    def add(self, code: int, policies: Sequence[Policy]) -> bool:
        """Scan ``policies`` as type ``code``; True when one of them has an applicable Allow."""
        allows = self.allows[code]
        before = len(allows)
        action, resource, ctx = self.action, self.resource, self.ctx
        for policy in policies:
            for st in policy.compiled.applicable(action, resource):
                if st.resource_templates and not st.resource_matches(resource, ctx):
                    continue
                grant = None
                if st.principal is not None:
                    grant = st.grant(self.principal)
                    if grant is None:
                        continue
                if st.conditions and not _conditions_hold(st, ctx):
                    continue
                if st.is_allow:
                    allows.append((policy, st, grant))
                else:
                    self.denies[code].append((policy, st, grant))
                    self.denied = True
        return len(allows) > before


def _conditions_hold(st: CompiledStatement, ctx: Context) -> bool:
    for condition in st.conditions:  # noqa: SIM110 - a plain loop is faster than all() on this hot path
        if not condition.test(ctx):
            return False
    return True


def evaluate(request: Request, policies: PolicySet) -> Decision:
    """Decide ``request`` under ``policies`` exactly as AWS's evaluation logic does."""
    ctx = Context(request.context)
    scan = _Scan(request, ctx)
    scps_allow = _levels(scan, SCP, policies.scps)
    rcps_allow = _levels(scan, RCP, policies.rcps)
    scan.add(IDENTITY, policies.identity)
    if policies.boundary is not None:
        scan.add(BOUNDARY, (policies.boundary,))
    if policies.session:
        scan.add(SESSION, policies.session)
    resource_code = RESOURCE
    if policies.resource is not None:
        if policies.resource.kind is PolicyKind.TRUST:
            resource_code = TRUST
        scan.add(resource_code, (policies.resource,))
    notes = tuple(ctx.diagnostics)

    if scan.denied:
        first = next(code for code, hits in enumerate(scan.denies) if hits)
        return Decision(Outcome.EXPLICIT_DENY, _reasons(scan.denies), TYPES[first], notes)
    if not rcps_allow:
        failed: int | None = RCP
    elif not scps_allow:
        failed = SCP
    else:
        failed = _combine(request, policies, scan, resource_code)
    if failed is not None:
        return Decision(Outcome.IMPLICIT_DENY, (), TYPES[failed], notes)
    return Decision(Outcome.ALLOW, _reasons(scan.allows), None, notes)


def _levels(scan: _Scan, code: int, levels: Sequence[Sequence[Policy]] | None) -> bool:
    """Scan every level; True when each level has an applicable Allow (or none are given)."""
    if levels is None:
        return True
    every = True
    for level in levels:
        if not scan.add(code, level):
            every = False
    return every


def _combine(request: Request, policies: PolicySet, scan: _Scan, resource_code: int) -> int | None:
    """None when the request is allowed, else the code of the policy type that failed to allow it."""
    principal = request.principal
    grants = [grant for _, _, grant in scan.allows[resource_code]]
    if principal.type in _NO_IDENTITY:
        return None if grants else resource_code
    best = max((RANK[g] for g in grants if g is not None), default=-1)
    identity_ok = principal.type is PrincipalType.ROOT or bool(scan.allows[IDENTITY])
    boundary_ok = policies.boundary is None or bool(scan.allows[BOUNDARY])
    session_ok = not (principal.is_session and policies.session) or bool(scan.allows[SESSION])
    same_account = request.target_account == principal.account
    if not grants and (resource_code == TRUST or not same_account):
        return resource_code
    if same_account and (best == 2 or (best == 1 and boundary_ok and session_ok)):
        return None
    if not identity_ok:
        return IDENTITY
    if not boundary_ok:
        return BOUNDARY
    return None if session_ok else SESSION


def _reasons(hits: list[list[Hit]]) -> tuple[Reason, ...]:
    """Reasons in type order, then policy position and statement index (the scan's order)."""
    return tuple(policy.reason(TYPES[code], code, st) for code, of_type in enumerate(hits)
                 for policy, st, _ in of_type)
