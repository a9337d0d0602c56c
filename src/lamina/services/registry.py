"""The operation registry: each handler declares its service, operation name and authorization.

::

    @operation("sts", "GetCallerIdentity", authorization=NEVER_AUTHORIZED)
    def get_caller_identity(ctx: RequestContext, store: Store) -> dict[str, Any]: ...

    @operation("lambda", "CreateFunction", authorization=..., needs="deps")
    def create_function(ctx: RequestContext, deps: Deps) -> dict[str, Any]: ...   # deps.gate for PassRole

The decorator only marks the function; nothing is registered by importing a module. A
:class:`Registry` is built from an explicit list of handler modules and declarations
(``lamina.services.build_registry``) and handed to the server, which calls each handler with
what it declared it needs: the store, or the :class:`Deps` (store, gate, settings). The
declaration sits beside the handler so the gate reads it and the handler never re-implements a
check; a modelled operation without a handler answers ``NotImplemented`` (501).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from lamina.context import RequestContext
from lamina.policy import ContextValue, Policy, Principal
from lamina.protocols import ServiceError
from lamina.settings import Settings
from lamina.store import Store

if TYPE_CHECKING:
    from lamina.runtime import Invoker

__all__ = [
    "NEVER_AUTHORIZED",
    "Authorization",
    "Awaited",
    "Deps",
    "Handler",
    "InvocationLogs",
    "Offload",
    "Operation",
    "Registry",
    "SecondaryChecks",
    "collect",
    "not_implemented",
    "operation",
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


@dataclass(frozen=True)
class Awaited:
    """Waiting a handler hands back to the server: awaited on the event loop, which stays free.

    Invoke waits for a function's answer this way: the wait costs no worker process and no
    thread, only a suspended coroutine, so a slow function never holds up another client. The
    server awaits ``wait()`` and calls ``finish`` on its answer to get the operation's result.
    """

    wait: Callable[[], Awaitable[Any]]
    finish: Callable[[Any], Mapping[str, Any] | None] = _unchanged


Handler = Callable[[RequestContext, Store], "Mapping[str, Any] | Offload | None"]
"""An operation: the request context and the store (or the :class:`Deps`) in, a result shaped
like the output out, or an :class:`Offload` of the heavy part (password hashing, large simulations)."""

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


Needs = Literal["store", "deps"]
"""What a handler takes after the request context: the store, or every dependency (:class:`Deps`)."""


class SecondaryChecks(Protocol):
    """The gate, as handlers see it: one more decision inside an operation (``iam:PassRole``)."""

    def check(self, ctx: RequestContext, action: str, resource: str, context: Mapping[str, ContextValue] | None = None,
              resource_policy: Policy | None = None, label: str | None = None) -> Any: ...

    def check_anonymous(self, ctx: RequestContext, action: str, resource: str, resource_account: str,
                        context: Mapping[str, ContextValue] | None = None,
                        resource_policy: Policy | None = None) -> Any: ...

    def check_unsigned(self, ctx: RequestContext, principal: Principal, action: str, resource: str,
                       resource_account: str, context: Mapping[str, ContextValue] | None = None,
                       resource_policy: Policy | None = None) -> Any: ...


class InvocationLogs(Protocol):
    """Where each invocation's log goes (``lamina.function_logs.FunctionLogs``): queued, never a
    store write on the invocation's path."""

    def record(self, account_id: str, region: str, log_group: str, log_stream: str, log_text: str,
               at: datetime) -> None: ...


@dataclass(frozen=True)
class Deps:
    """What a handler that needs more than the store is given, explicitly (never module globals)."""

    store: Store
    gate: SecondaryChecks
    """For secondary checks inside an operation; raises AWS's AccessDenied like the gate itself."""
    settings: Settings
    invoker: Invoker | None = None
    """Runs functions (``lamina.runtime``); None where nothing may run (unit tests of the control plane)."""
    logs: InvocationLogs | None = None
    """Keeps each invocation's log (CloudWatch Logs' ``/aws/lambda/NAME``); None: logs are not kept."""


@dataclass(frozen=True)
class Operation:
    """A handler with its declaration and what it needs."""

    service: str
    name: str
    handler: Callable[..., Any]
    authorization: Authorization
    needs: Needs = "store"

    def call(self, ctx: RequestContext, deps: Deps) -> Any:
        """Run the handler with what it declared it needs."""
        return self.handler(ctx, deps.store if self.needs == "store" else deps)


_MARK = "__lamina_operation__"


def operation(service: str, name: str, *, authorization: Authorization,
              needs: Needs = "store") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark the decorated function as ``service``'s ``name`` operation (the model's spelling)."""

    def mark(handler: Callable[..., Any]) -> Callable[..., Any]:
        setattr(handler, _MARK, Operation(service, name, handler, authorization, needs))
        return handler

    return mark


def collect(modules: Iterable[ModuleType]) -> list[Operation]:
    """The operations marked in ``modules`` (and those a module builds and lists in ``OPERATIONS``)."""
    found: list[Operation] = []
    for module in modules:
        found += getattr(module, "OPERATIONS", [])
        for value in vars(module).values():
            marked = getattr(value, _MARK, None)
            if isinstance(marked, Operation) and getattr(value, "__module__", None) == module.__name__:
                found.append(marked)
    return found


class Registry:
    """Every implemented operation and every declared one, by (service, operation name)."""

    def __init__(self, operations: Iterable[Operation],
                 declared: Mapping[tuple[str, str], Authorization] | None = None) -> None:
        self._operations: dict[tuple[str, str], Operation] = {}
        for found in operations:
            key = (found.service, found.name)
            if key in self._operations:
                raise ValueError(f"{found.service}:{found.name} is registered twice")
            self._operations[key] = found
        self._declared = dict(declared or {})

    def find(self, service: str, name: str) -> Operation | None:
        """The implemented operation, or None when Lamina does not implement it yet."""
        return self._operations.get((service, name))

    def declaration(self, service: str, name: str) -> Authorization | None:
        """The operation's declaration: its handler's, else the declared one, else None."""
        found = self._operations.get((service, name))
        return found.authorization if found is not None else self._declared.get((service, name))

    def registered(self) -> list[Operation]:
        """Every implemented operation, for coverage reports and declaration checks."""
        return list(self._operations.values())

    def replaced(self, operation: Operation) -> Registry:
        """A copy with ``operation`` in place of the one of the same name (tests)."""
        return Registry([*(o for o in self.registered() if (o.service, o.name) != (operation.service,
                                                                                      operation.name)), operation],
                        self._declared)


def not_implemented(service: str, name: str) -> ServiceError:
    """A modelled operation Lamina has no handler for: 501, the receiver's fault (not the caller's)."""
    return ServiceError(
        "NotImplemented", f"Lamina does not implement the {service.upper()} operation {name} yet.", 501, False
    )
