"""The AWS operations, one module per group, each marked with its authorization declaration.

``build_registry()`` collects the handler modules each service package lists (``MODULES``) and
declares every other modelled operation (Lambda's from its own declarations, IAM's and STS's from
the catalog), so the gate decides it before the
server answers ``NotImplemented``. The server is handed the registry (``create_app``); nothing
registers itself when a module is imported.
"""

from __future__ import annotations

import functools

from . import iam, lambda_, logs, sts
from .iam.declarations import declared_from_catalog
from .lambda_.declarations import declared as lambda_declared
from .logs.declarations import declared as logs_declared
from .registry import (
    NEVER_AUTHORIZED,
    Authorization,
    Awaited,
    Deps,
    Handler,
    Offload,
    Operation,
    Registry,
    collect,
    not_implemented,
    operation,
)

__all__ = [
    "NEVER_AUTHORIZED",
    "SERVICES",
    "Authorization",
    "Awaited",
    "Deps",
    "Handler",
    "Offload",
    "Operation",
    "Registry",
    "build_registry",
    "declaration",
    "default_registry",
    "find",
    "not_implemented",
    "operation",
    "registered",
]

SERVICES = {"iam": iam.MODULES, "sts": sts.MODULES, "lambda": lambda_.MODULES, "logs": logs.MODULES}
"""Each served service's handler modules."""


def build_registry() -> Registry:
    """Every implemented operation, and a declaration for every other modelled one: Lambda's own
    (``lambda_.declarations.declared``, which builds ARNs in every form Lambda takes), CloudWatch
    Logs' own (``logs.declarations.declared``, the log-group resources AWS evaluates), the others'
    read off the catalog."""
    own = {"lambda": lambda_declared, "logs": logs_declared}
    declared: dict[tuple[str, str], Authorization] = {}
    for service in SERVICES:
        declared.update(own[service]() if service in own else declared_from_catalog(service))
    return Registry(collect(module for modules in SERVICES.values() for module in modules), declared)


@functools.cache
def default_registry() -> Registry:
    """The registry ``build_registry`` gives, built once (for tools and tests; the server gets its own)."""
    return build_registry()


def find(service: str, name: str) -> Operation | None:
    """The implemented operation in the default registry, or None."""
    return default_registry().find(service, name)


def declaration(service: str, name: str) -> Authorization | None:
    """The operation's declaration in the default registry."""
    return default_registry().declaration(service, name)


def registered() -> list[Operation]:
    """Every implemented operation in the default registry."""
    return default_registry().registered()
