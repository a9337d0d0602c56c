"""STS operations: GetCallerIdentity, AssumeRole and GetSessionToken; the rest are declared only."""

from . import assume_role, caller_identity, session_token

MODULES = (caller_identity, assume_role, session_token)
"""The STS handler modules (``lamina.services.build_registry`` collects them)."""

__all__ = ["MODULES"]
