"""Authorization: the one gate every request passes, its policy gathering and its audit trail."""

from .audit import AuditLog
from .gate import AccessDenied, Gate, access_denied, caller_policies, principal_of

__all__ = ["AccessDenied", "AuditLog", "Gate", "access_denied", "caller_policies", "principal_of"]
