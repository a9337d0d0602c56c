"""Authorization: the one gate every request passes, its policy gathering and its audit trail."""

from .audit import AuditLog
from .gate import Gate, access_denied, caller_policies, principal_of

__all__ = ["AuditLog", "Gate", "access_denied", "caller_policies", "principal_of"]
