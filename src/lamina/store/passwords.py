"""Password hashes for login profiles: argon2id via argon2-cffi, parameters kept in the hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An encoded argon2id hash (salt and parameters included)."""
    return _HASHER.hash(password)


def verify_password(encoded: str, password: str) -> bool:
    """True when ``password`` matches; a malformed hash counts as no match, never an error."""
    try:
        return _HASHER.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _HASHER.check_needs_rehash(encoded)
