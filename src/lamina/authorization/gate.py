"""The one place that decides authorization.

Each operation declares its actions, resources, condition keys and resource policy beside its
handler (``lamina.services.registry.Authorization``); the gate gathers the caller's policies
from the store, asks the policy engine about every (action, resource) pair, records each
decision in the audit trail, and answers a denial with AWS's own sentence. Secondary checks
(``iam:PassRole``) come back through ``Gate.check``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Protocol

from lamina.auth.credentials import Caller
from lamina.context import RequestContext
from lamina.policy import (
    ContextValue,
    Decision,
    Policy,
    PolicySet,
    Principal,
    PrincipalType,
    Request,
    denial_message,
    evaluate,
)
from lamina.protocols import ServiceError
from lamina.store import NotFound, Store

from . import policies as gather
from .audit import AuditLog
from .context_keys import keys_at

_TYPES = {"Root": PrincipalType.ROOT, "IAMUser": PrincipalType.USER, "AssumedRole": PrincipalType.ASSUMED_ROLE,
          "FederatedUser": PrincipalType.FEDERATED_USER}


class Declaration(Protocol):
    """What an operation declares (``lamina.services.registry.Authorization`` is one)."""

    @property
    def actions(self) -> tuple[str, ...]: ...
    @property
    def more_actions(self) -> Callable[[RequestContext], Sequence[str]] | None: ...
    @property
    def resources(self) -> Callable[[RequestContext, Store], Sequence[str]]: ...
    @property
    def context(self) -> Callable[[RequestContext, Store], Mapping[str, ContextValue]] | None: ...
    @property
    def label(self) -> Callable[[RequestContext], str] | None: ...
    @property
    def resource_policy(self) -> Callable[[RequestContext, Store], Policy | None] | None: ...
    @property
    def never_authorized(self) -> bool: ...


class AccessDenied(ServiceError):
    """The gate's denial: AWS's ``AccessDenied`` (403) that also keeps the decision, so that the
    console can show which statements decided it (the wire answer carries only the sentence)."""

    def __init__(self, message: str, decision: Decision | None = None, action: str | None = None,
                 resource: str | None = None) -> None:
        super().__init__("AccessDenied", message, 403, True)
        self.decision = decision
        self.action = action
        self.resource = resource

    def __reduce__(self) -> tuple[Any, ...]:  # pickled back from a worker process with its decision
        return type(self), (self.message, self.decision, self.action, self.resource)


def access_denied(message: str, decision: Decision | None = None, action: str | None = None,
                  resource: str | None = None) -> ServiceError:
    """IAM and STS answer ``AccessDenied`` (403, the sender's fault)."""
    return AccessDenied(message, decision, action, resource)


def principal_of(caller: Caller) -> Principal:
    return Principal(caller.arn, _TYPES[caller.principal_type], caller.account_id, role_arn=caller.role_arn)


def caller_policies(store: Store, caller: Caller) -> gather.PrincipalPolicies:
    """The identity side of ``caller``; nothing when its user or role no longer exists.

    Found by the principal's unique id, not its name, and memoised under that id and the access
    key (the store's read cache, which any write clears): an entry can never serve a principal
    re-created under the same name.
    """
    key = ("caller-policies", caller.principal_type, caller.unique_id, caller.access_key_id)
    return store.cached(key, lambda: _gather(store, caller))


def _gather(store: Store, caller: Caller) -> gather.PrincipalPolicies:
    unique_id = caller.unique_id
    with store.transaction(read_only=True) as conn:
        try:
            if caller.principal_type == "IAMUser" and unique_id is not None:
                return gather.for_user_id(conn, unique_id)
            if caller.principal_type == "AssumedRole" and unique_id is not None:
                return gather.for_session(conn, caller.access_key_id, gather.for_role_id(conn, unique_id))
            if caller.principal_type == "FederatedUser" and caller.source_id is not None:
                source = gather.for_federated_user_source(conn, caller.account_id, caller.source_id)
                return gather.for_federated_session(conn, caller.access_key_id, source)
        except NotFound:
            return gather.PrincipalPolicies()
    return gather.PrincipalPolicies()


class Gate:
    """Decides every request; one per server."""

    def __init__(self, store: Store, audit_log: AuditLog) -> None:
        self.store = store
        self.audit = audit_log
        self._callers = SecondKeys()

    def authorize(self, ctx: RequestContext, declared: Declaration) -> None:
        """Raise AccessDenied unless the caller may do what ``declared`` says the operation does."""
        if declared.never_authorized:
            return
        extra = declared.context(ctx, self.store) if declared.context else {}
        resource_policy = declared.resource_policy(ctx, self.store) if declared.resource_policy else None
        label = declared.label(ctx) if declared.label else None
        mine = caller_policies(self.store, ctx.require_caller())
        more = declared.more_actions
        actions = declared.actions if more is None else [*declared.actions, *more(ctx)]
        resources = declared.resources(ctx, self.store)
        for action in actions:
            for resource in resources:
                self._decide(ctx, mine, action, resource, extra, resource_policy, label)

    def check(self, ctx: RequestContext, action: str, resource: str, context: Mapping[str, ContextValue] | None = None,
              resource_policy: Policy | None = None, label: str | None = None) -> Decision:
        """A secondary check (``iam:PassRole``) through the same rules; raises AccessDenied on a deny."""
        mine = caller_policies(self.store, ctx.require_caller())
        return self._decide(ctx, mine, action, resource, context or {}, resource_policy, label)

    def check_anonymous(self, ctx: RequestContext, action: str, resource: str, resource_account: str,
                        context: Mapping[str, ContextValue] | None = None,
                        resource_policy: Policy | None = None) -> Decision:
        """A request nobody signed (a function URL with AuthType NONE): only a resource-based policy
        that grants ``"*"`` allows it. Returns the decision, denied or not, and records it; the
        caller answers in its own words (a function URL says 403 Forbidden)."""
        return self.check_unsigned(ctx, Principal.from_arn("anonymous"), action, resource, resource_account, context,
                                   resource_policy)

    def check_unsigned(self, ctx: RequestContext, principal: Principal, action: str, resource: str,
                       resource_account: str, context: Mapping[str, ContextValue] | None = None,
                       resource_policy: Policy | None = None) -> Decision:
        """A request no AWS credential signed, by a principal known otherwise: anonymous, or a web
        identity or SAML user whose identity provider vouched for it (AssumeRoleWithWebIdentity,
        AssumeRoleWithSAML). Only the resource-based policy (a trust policy) can allow it. Returns
        the decision and records it; the caller words the denial (STS: "Not authorized to ...")."""
        moment = datetime.now(UTC)
        keys: dict[str, ContextValue] = {
            "aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "aws:EpochTime": str(int(moment.timestamp())),
            "aws:SecureTransport": "true" if ctx.secure else "false",
            "aws:RequestedRegion": ctx.region or "us-east-1", "aws:ViaAWSService": "false",
            "aws:PrincipalIsAWSService": "false", **({"aws:SourceIp": ctx.source_ip} if ctx.source_ip else {}),
            **(context or {})}
        request = Request(principal, action, resource, keys, resource_account)
        decision = evaluate(request, PolicySet(resource=resource_policy))
        self.audit.record(resource_account, principal.arn, action, resource, ctx.source_ip, decision)
        return decision

    def _decide(self, ctx: RequestContext, mine: gather.PrincipalPolicies, action: str, resource: str,
                extra: Mapping[str, ContextValue], resource_policy: Policy | None, label: str | None) -> Decision:
        caller = ctx.require_caller()
        now_ns = time.time_ns()  # one reading of the clock: the context's whole second and the audit's time
        principal, keys = self._callers.get(now_ns // 1_000_000_000, caller, ctx.source_ip, ctx.region,
                                            ctx.secure, mine.tags)
        context = {**keys, **extra} if extra else keys
        # AWS's own resources (its managed policies, account ``aws``) are read as the caller's: no account
        # owns them, so reading one is no cross-account request that would need a resource-based policy.
        same_account = resource == "*" or gather.is_aws_owned(resource)
        resource_account = caller.account_id if same_account else None
        request = Request(principal, action, resource, context, resource_account)
        decision = evaluate(request, mine.policy_set(resource_policy))
        self.audit.record(caller.account_id, caller.arn, action, resource, ctx.source_ip, decision, at_ns=now_ns)
        if not decision.allowed:
            raise access_denied(denial_message(caller.arn, action, label or resource, decision), decision, action,
                                resource)
        return decision


CallerView = tuple[Principal, Mapping[str, ContextValue]]
"""The engine's ``Principal`` for a caller and the global condition keys of its request."""


class SecondKeys:
    """Each caller's ``Principal`` and ``global_keys`` of the current second, memoised per (caller, source
    IP, region, transport, principal tags).

    Every key ``global_keys`` supplies is a function of those and of the whole second (``aws:CurrentTime``,
    ``aws:EpochTime`` and ``aws:MultiFactorAuthAge`` count whole seconds), so the requests of one second
    share one read-only mapping instead of building a dict and a ``Principal`` each; the memo starts
    afresh every second. Nothing in it is read from the store: the principal tags are an argument.
    """

    LIMIT = 4096
    """Entries kept within one second before the memo starts afresh (a bound, not a tuning knob)."""

    def __init__(self) -> None:
        self._second: tuple[int, dict[Hashable, CallerView]] = (-1, {})

    def get(self, epoch: int, caller: Caller, source_ip: str | None, region: str | None, secure: bool,
            principal_tags: tuple[tuple[str, str], ...]) -> CallerView:
        """``(principal_of(caller), keys_at(epoch, ...))``; the mapping is shared: never mutate it."""
        second, found = self._second  # read once: one second's entries never answer another second
        if second != epoch or len(found) >= self.LIMIT:
            found = {}
            self._second = (epoch, found)
        key = (caller, source_ip, region, secure, principal_tags)
        view = found.get(key)
        if view is None:
            keys = keys_at(epoch, caller, source_ip, region, secure, principal_tags)
            view = found[key] = (principal_of(caller), MappingProxyType(keys))
        return view
