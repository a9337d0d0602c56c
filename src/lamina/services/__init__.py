"""The AWS operations, one module per group, each registered with its authorization declaration.

Importing this package registers every implemented operation (``sts`` today; ``iam`` and
``lambda_`` next). The server asks :func:`find` for a handler by (service, operation name).
"""

from . import sts
from .registry import (
    NEVER_AUTHORIZED,
    Authorization,
    Handler,
    Offload,
    Operation,
    declaration,
    declare,
    find,
    not_implemented,
    operation,
    registered,
)

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
    "sts",
]
