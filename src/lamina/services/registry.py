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
from lamina.protocols import ServiceError
from lamina.store import Store

__all__ = [
    "NEVER_AUTHORIZED",
    "Authorization",
    "Handler",
    "Operation",
    "find",
    "not_implemented",
    "operation",
    "registered",
]

Handler = Callable[[RequestContext, Store], Mapping[str, Any] | None]
"""An operation: the request context and the store in, a result shaped like the output out."""


def _any_resource(ctx: RequestContext) -> Sequence[str]:
    return ("*",)


@dataclass(frozen=True)
class Authorization:
    """What AWS's Service Authorization Reference says an operation needs from the gate."""

    actions: tuple[str, ...] = ()
    """The IAM actions checked (``iam:CreateUser``); empty when the operation is never authorized."""
    resources: Callable[[RequestContext], Sequence[str]] = field(default=_any_resource)
    """The resource ARNs the actions act on, built from the request (``*`` when none)."""
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


def operation(service: str, name: str, *, authorization: Authorization) -> Callable[[Handler], Handler]:
    """Register the decorated function as ``service``'s ``name`` operation (the model's spelling)."""

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in _REGISTRY:
            raise ValueError(f"{service}:{name} is registered twice")
        _REGISTRY[key] = Operation(service, name, handler, authorization)
        return handler

    return register


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
