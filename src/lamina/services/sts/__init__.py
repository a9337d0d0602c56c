"""STS operations. Today: GetCallerIdentity; AssumeRole and the session credentials come next."""

from . import caller_identity

__all__ = ["caller_identity"]
