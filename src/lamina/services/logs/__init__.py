"""CloudWatch Logs' read API over the functions' logs (``lamina.function_logs`` writes them), one
module per group of operations, each handler with its declaration; ``declarations.declared()``
declares every modelled operation, so the gate decides those not served before the server answers
NotImplemented."""

from types import ModuleType

from . import errors, events, groups, streams

MODULES: tuple[ModuleType, ...] = (groups, streams, events)
"""The logs handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES", "errors"]
