"""AWS-style identifiers from the ``secrets`` module: unique ids, access key ids, secrets, tokens.

Shapes follow reference_identifiers.html: a 4-letter prefix naming the kind, then base32-like
characters ([A-Z2-7]); access key ids are 20 characters, unique ids 21, secrets 40.
"""

from __future__ import annotations

import secrets
import string
import uuid

USER = "AIDA"
ROLE = "AROA"
GROUP = "AGPA"
POLICY = "ANPA"
INSTANCE_PROFILE = "AIPA"
ACCESS_KEY = "AKIA"
TEMPORARY_KEY = "ASIA"

_BASE32 = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
_URL_ID_ALPHABET = string.ascii_lowercase + string.digits


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def unique_id(prefix: str) -> str:
    """A principal's or policy's unique id: prefix + 17 characters (``AIDA…``, 21 in all)."""
    return prefix + _random(_BASE32, 17)


def access_key_id(prefix: str = ACCESS_KEY) -> str:
    """A long-term (``AKIA``) or temporary (``ASIA``) access key id, 20 characters."""
    return prefix + _random(_BASE32, 16)


def secret_access_key() -> str:
    """A 40-character secret from the alphabet AWS's secrets use."""
    return _random(_SECRET_ALPHABET, 40)


def session_token() -> str:
    """An opaque session token; URL-safe so presigned URLs carry it without surprises."""
    return secrets.token_urlsafe(96)


def account_id() -> str:
    """A 12-digit account id that does not start with 0 (so no tool ever strips it)."""
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def function_id() -> str:
    """A Lambda function's unique id: never shown by AWS, it keys tags and bindings so that a
    function re-created under an old name inherits nothing."""
    return str(uuid.uuid4())


def layer_id() -> str:
    """A Lambda layer's unique id (never shown): a layer's policies and bindings hang off it."""
    return str(uuid.uuid4())


def revision_id() -> str:
    """A ``RevisionId``: a random UUID, new on every change of the object it versions."""
    return str(uuid.uuid4())


def url_id() -> str:
    """A function URL's id, the ``<url-id>`` of ``https://<url-id>.lambda-url.<region>.on.aws``."""
    return _random(_URL_ID_ALPHABET, 32)


SERVER_CERTIFICATE = "ASCA"
SSH_PUBLIC_KEY = "APKA"
SERVICE_CREDENTIAL = "ACCA"


def signing_certificate_id() -> str:
    """A signing certificate's id: 32 upper-case letters and digits (AWS's are ``[\\w]+``, 24 to 128)."""
    return _random(_BASE32, 32)
