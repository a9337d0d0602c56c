"""Lambda's operations, one module per group (operations without a handler are declared, then answer
NotImplemented), and its errors, one class per modelled error (``errors``)."""

from types import ModuleType

from . import account_settings, aliases, concurrency, errors, tags, url_configs, versions

MODULES: tuple[ModuleType, ...] = (
    versions, aliases, tags, concurrency, account_settings, url_configs,
)
"""The Lambda handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES", "errors"]
