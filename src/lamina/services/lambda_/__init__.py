"""Lambda's operations (none served yet: every one is declared, then answers NotImplemented) and its
errors, one class per modelled error (``errors``)."""

from . import errors

MODULES: tuple[()] = ()
"""The Lambda handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES", "errors"]
