"""STS operations: GetCallerIdentity, AssumeRole and GetSessionToken; the rest are declared only."""

from . import assume_role, caller_identity, declarations, session_token

__all__ = ["assume_role", "caller_identity", "declarations", "session_token"]
