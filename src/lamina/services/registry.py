"""The operation registry: each handler declares its service, operation name and authorization.

::

    @operation("sts", "GetCallerIdentity", authorization=NEVER_AUTHORIZED)
    def get_caller_identity(ctx: RequestContext, store: Store) -> dict[str, Any]: ...

The declaration sits beside the handler so the authorization gate (next slice) reads it and the
handler never re-implements a check. ``find`` gives the registered operation; a modelled
operation without one answers ``NotImplemented`` (501) through :func:`not_implemented`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lamina.context import RequestContext
from lamina.policy import ContextValue, Policy
from lamina.protocols import ServiceError
from lamina.store import Store

__all__ = [
    "NEVER_AUTHORIZED",
    "Authorization",
    "Handler",
    "Offload",
    "Operation",
    "declaration",
    "declare",
    "find",
    "not_implemented",
    "operation",
    "registered",
]

def _unchanged(answer: Any) -> Any:
    return answer


@dataclass(frozen=True)
class Offload:
    """Heavy work a handler hands back to the server instead of doing it on the event loop.

    The server runs ``work(*args)`` in a bounded pool of worker processes (so ``work`` is a
    top-level function of plain, picklable data, and may raise ``ServiceError``), answers
    ``Throttling`` when the pool is full, then calls ``finish`` on the answer, back in the
    request's pipeline, to get the operation's result (it may use the store there).
    """

    work: Callable[..., Any]
    args: tuple[Any, ...] = ()
    finish: Callable[[Any], Mapping[str, Any] | None] = _unchanged

    def run_inline(self) -> Mapping[str, Any] | None:
        """The same result, computed right here (unit tests, and callers without a pool)."""
        return self.finish(self.work(*self.args))

    @property
    def pure(self) -> bool:
        """True when the work's answer is the result itself (no ``finish``): the server may then
        serialize it in the worker too, so a large answer never costs the event loop."""
        return self.finish is _unchanged


Handler = Callable[[RequestContext, Store], "Mapping[str, Any] | Offload | None"]
"""An operation: the request context and the store in, a result shaped like the output out, or
an :class:`Offload` of the heavy part (password hashing, large simulations)."""

ContextKeys = Mapping[str, ContextValue]


def _any_resource(ctx: RequestContext, store: Store) -> Sequence[str]:
    return ("*",)


@dataclass(frozen=True)
class Authorization:
    """What AWS's Service Authorization Reference says an operation needs from the gate."""

    actions: tuple[str, ...] = ()
    """The IAM actions checked (``iam:CreateUser``); empty when the operation is never authorized."""
    more_actions: Callable[[RequestContext], Sequence[str]] | None = None
    """Actions the request itself adds: ``sts:TagSession`` when AssumeRole passes tags."""
    resources: Callable[[RequestContext, Store], Sequence[str]] = field(default=_any_resource)
    """The resource ARNs the actions act on, built from the request (``*`` when none); each action
    is checked on each resource. May read the store (an IAM user's ARN carries its path)."""
    context: Callable[[RequestContext, Store], ContextKeys] | None = None
    """The operation's own condition keys (``aws:RequestTag/...``, ``iam:PassedToService``,
    ``sts:ExternalId``...), added to the global keys the gate supplies."""
    label: Callable[[RequestContext], str] | None = None
    """How AWS names the resource in an AccessDenied message when not by its ARN
    (IAM says ``user NAME``); None: the ARN."""
    resource_policy: Callable[[RequestContext, Store], Policy | None] | None = None
    """The resource-based policy that also decides (a role's trust policy for sts:AssumeRole)."""
    never_authorized: bool = False
    """True for the few operations AWS answers for any authenticated caller (GetCallerIdentity)."""


NEVER_AUTHORIZED = Authorization(never_authorized=True)
"""GetCallerIdentity's declaration: "No permissions are required to perform this operation"."""


@dataclass(frozen=True)
class Operation:
    """A registered handler with its declaration."""

    service: str
    name: str
    handler: Handler
    authorization: Authorization


_REGISTRY: dict[tuple[str, str], Operation] = {}
_DECLARED: dict[tuple[str, str], Authorization] = {}


def operation(service: str, name: str, *, authorization: Authorization) -> Callable[[Handler], Handler]:
    """Register the decorated function as ``service``'s ``name`` operation (the model's spelling)."""

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in _REGISTRY:
            raise ValueError(f"{service}:{name} is registered twice")
        _REGISTRY[key] = Operation(service, name, handler, authorization)
        return handler

    return register


def declare(service: str, name: str, authorization: Authorization) -> None:
    """Declare what a modelled operation needs before Lamina implements it, so the gate decides
    it (and the caller learns "not authorized" before "not implemented"). A handler registered
    with :func:`operation` always takes precedence."""
    _DECLARED[(service, name)] = authorization


def declaration(service: str, name: str) -> Authorization | None:
    """The operation's declaration: its handler's, else the one from :func:`declare`, else None."""
    found = _REGISTRY.get((service, name))
    return found.authorization if found is not None else _DECLARED.get((service, name))


def find(service: str, name: str) -> Operation | None:
    """The registered operation, or None when Lamina does not implement it yet."""
    return _REGISTRY.get((service, name))


def registered() -> list[Operation]:
    """Every registered operation, for coverage reports and declaration checks."""
    return list(_REGISTRY.values())


def not_implemented(service: str, name: str) -> ServiceError:
    """A modelled operation Lamina has no handler for: 501, the receiver's fault (not the caller's)."""
    return ServiceError(
        "NotImplemented", f"Lamina does not implement the {service.upper()} operation {name} yet.", 501, False
    )
