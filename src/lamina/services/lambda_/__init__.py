"""Lambda's operations, one module per group, each handler with its declaration beside it, and its
errors, one class per modelled error (``errors``). ``declarations.declared()`` declares every
modelled operation, so the gate decides those not served yet before the server answers
NotImplemented."""

from types import ModuleType

from . import (
    account_settings,
    aliases,
    concurrency,
    errors,
    function_updates,
    functions,
    invoke,
    layer_permissions,
    layers,
    permissions,
    resource_policies,
    tags,
    url_configs,
    versions,
)

MODULES: tuple[ModuleType, ...] = (
    functions, function_updates,
    versions, aliases, tags, concurrency, account_settings, url_configs,
    permissions, resource_policies, invoke,
    layers, layer_permissions,
)
"""The Lambda handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES", "errors"]
