"""STS operations: GetCallerIdentity, AssumeRole and GetSessionToken."""

from . import assume_role, caller_identity, session_token

__all__ = ["assume_role", "caller_identity", "session_token"]
