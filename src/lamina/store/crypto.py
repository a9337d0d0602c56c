"""Secrets at rest: AES-GCM under a node key kept in ``<data dir>/secret.key`` (mode 0600).

A stolen database file alone reveals no secret access key. Each ciphertext is bound to its row
(the access key id is the associated data), so a ciphertext copied onto another row fails to
decrypt. The first byte is a format version, leaving room for key rotation later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE_NAME = "secret.key"
_FORMAT_V1 = b"\x01"
_NONCE_BYTES = 12


class SecretBox:
    """Encrypts and decrypts short secrets; never prints its key."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a SecretBox key is 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    @classmethod
    def ephemeral(cls) -> SecretBox:
        """A box with a fresh random key, for in-memory stores that never outlive the process."""
        return cls(AESGCM.generate_key(bit_length=256))

    @classmethod
    def from_key_file(cls, path: Path) -> SecretBox:
        """Load the node key, creating it (mode 0600, exclusively) on first use."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls(base64.b64decode(path.read_bytes().strip(), validate=True))
        key = AESGCM.generate_key(bit_length=256)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(key) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        return cls(key)

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Ciphertext for ``plaintext``, bound to ``context`` (the row's key id)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _FORMAT_V1 + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str) -> str:
        """The plaintext; raises ``cryptography.exceptions.InvalidTag`` on a wrong key or context."""
        if blob[:1] != _FORMAT_V1:
            raise ValueError("unknown secret format")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, context.encode()).decode()

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"


def token_digest(token: str) -> str:
    """SHA-256 of a session token; tokens are high-entropy, so a plain digest suffices."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison, so timing reveals nothing about a stored value."""
    return hmac.compare_digest(a.encode(), b.encode())
