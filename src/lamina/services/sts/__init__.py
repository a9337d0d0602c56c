"""STS operations: GetCallerIdentity, AssumeRole and GetSessionToken; the rest are declared only."""

from . import access_key_info, assume_role, caller_identity, scoped, session_token

MODULES = (caller_identity, assume_role, session_token, access_key_info, scoped)
"""The STS handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES"]
