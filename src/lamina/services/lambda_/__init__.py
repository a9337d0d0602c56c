"""Lambda's operations, one module per group, each handler with its declaration beside it, and its
errors, one class per modelled error (``errors``). ``declarations.declared()`` declares every
modelled operation, so the gate decides those not served yet before the server answers
NotImplemented."""

from types import ModuleType

from . import errors, function_updates, functions, permissions, resource_policies

MODULES: tuple[ModuleType, ...] = (functions, function_updates, permissions, resource_policies)
"""The Lambda handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES", "errors"]
