"""Lambda's operations (those without a handler are declared, then answer NotImplemented) and
its errors, one class per modelled error (``errors``)."""

from types import ModuleType

from . import errors, permissions, resource_policies

MODULES: tuple[ModuleType, ...] = (permissions, resource_policies)
"""The Lambda handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES", "errors"]
