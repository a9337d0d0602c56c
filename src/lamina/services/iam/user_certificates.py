"""A user's X.509 signing certificates and SSH public keys.

Signing certificates (Upload/List/Update/DeleteSigningCertificate): at most 2 per user (the root
may hold its own when no UserName is given); the body must parse as a PEM X.509 certificate, and
the same body twice in an account is DuplicateCertificate. SSH public keys (Upload/Get/List/
Update/DeleteSSHPublicKey): at most 5 per user, ``ssh-rsa`` (2048 bits or more), ``ssh-ed25519``
or a PEM public key; ``Fingerprint`` is the MD5 of the key's SSH wire form, colon-separated, as
``ssh-keygen -l -E md5`` prints it. Lamina signs nothing with either; they are kept for the tools
that manage them (CodeCommit over SSH, SOAP-era signing).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from lamina.context import RequestContext
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import user_credentials, users
from lamina.store.repositories.user_credentials import SigningCertificateRow, SshKeyRow

from ._common import account_of
from ._credential_auth import on_user
from .credential_errors import (
    duplicate_certificate,
    duplicate_ssh_public_key,
    invalid_public_key,
    malformed_certificate,
    transaction,
    unrecognized_public_key_encoding,
)
from .users import own_or_named

# --- signing certificates ---------------------------------------------------------------------


def _signing_out(row: SigningCertificateRow, account: str) -> dict[str, Any]:
    return {"UserName": row.user_name or account, "CertificateId": row.certificate_id,
            "CertificateBody": row.body, "Status": row.status, "UploadDate": row.created_at}


@operation("iam", "UploadSigningCertificate", authorization=on_user("UploadSigningCertificate"))
def upload_signing_certificate(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new Active certificate; the third is LimitExceeded (``CertificatesPerUser``: 2)."""
    body = ctx.params["CertificateBody"].strip()
    try:
        x509.load_pem_x509_certificate(body.encode())
    except ValueError as error:
        raise malformed_certificate("Unable to parse certificate. Please ensure the certificate is in PEM "
                                    "format.") from error
    account, owner = account_of(ctx), own_or_named(ctx)
    with transaction(store) as conn:
        if body in user_credentials.signing_certificate_bodies(conn, account):
            raise duplicate_certificate()
        row = user_credentials.upload_signing_certificate(conn, account, owner, body)
    return {"Certificate": _signing_out(row, account)}


@operation("iam", "ListSigningCertificates", authorization=on_user("ListSigningCertificates"))
def list_signing_certificates(ctx: RequestContext, store: Store) -> dict[str, Any]:
    account = account_of(ctx)
    with transaction(store, read_only=True) as conn:
        found = user_credentials.list_signing_certificates(conn, account, own_or_named(ctx))
    return {"Certificates": [_signing_out(row, account) for row in found], "IsTruncated": False}


@operation("iam", "UpdateSigningCertificate", authorization=on_user("UpdateSigningCertificate"))
def update_signing_certificate(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        user_credentials.update_signing_certificate(conn, account_of(ctx), own_or_named(ctx),
                                                    ctx.params["CertificateId"], ctx.params["Status"])


@operation("iam", "DeleteSigningCertificate", authorization=on_user("DeleteSigningCertificate"))
def delete_signing_certificate(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        user_credentials.delete_signing_certificate(conn, account_of(ctx), own_or_named(ctx),
                                                    ctx.params["CertificateId"])


# --- SSH public keys --------------------------------------------------------------------------

_MIN_RSA_BITS = 2048


def _load_key(body: str) -> Any:
    """The public key of an upload (OpenSSH or PEM text); AWS's errors for anything else."""
    text = body.strip().encode()
    try:
        if text.startswith(b"-----BEGIN"):
            key: Any = serialization.load_pem_public_key(text)
        else:
            key = serialization.load_ssh_public_key(text)
    except (ValueError, TypeError, IndexError, UnsupportedAlgorithm) as error:
        raise unrecognized_public_key_encoding() from error
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise invalid_public_key(f"The public key must be at least {_MIN_RSA_BITS} bits long.")
    elif not isinstance(key, ed25519.Ed25519PublicKey):
        raise unrecognized_public_key_encoding()
    return key


def _openssh(key: Any) -> str:
    return str(key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode())


def fingerprint(body: str) -> str:
    """MD5 of the key's SSH wire form, as ``aa:bb:…`` (``ssh-keygen -l -E md5``)."""
    blob = base64.b64decode(_openssh(_load_key(body)).split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _encoded(body: str, encoding: str) -> str:
    key = _load_key(body)
    if encoding == "PEM":
        return str(key.public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode().strip())
    return _openssh(key)


def _ssh_metadata(row: SshKeyRow) -> dict[str, Any]:
    return {"UserName": row.user_name, "SSHPublicKeyId": row.key_id, "Status": row.status,
            "UploadDate": row.created_at}


def _ssh_out(row: SshKeyRow, encoding: str = "SSH") -> dict[str, Any]:
    return _ssh_metadata(row) | {"Fingerprint": row.fingerprint, "SSHPublicKeyBody": _encoded(row.body, encoding)}


def _user(ctx: RequestContext) -> str:
    """SSH keys always belong to a user (UserName is required by the model)."""
    return str(ctx.params["UserName"])


@operation("iam", "UploadSSHPublicKey", authorization=on_user("UploadSSHPublicKey"))
def upload_ssh_public_key(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new Active key; the same key twice is DuplicateSSHPublicKey, the sixth LimitExceeded."""
    body = ctx.params["SSHPublicKeyBody"].strip()
    account = account_of(ctx)
    with transaction(store) as conn:
        users.get_user(conn, account, _user(ctx))  # the user is checked before the key, as AWS does
        printed = fingerprint(body)
        if printed in user_credentials.ssh_key_fingerprints(conn, account, _user(ctx)):
            raise duplicate_ssh_public_key()
        row = user_credentials.upload_ssh_key(conn, account, _user(ctx), body, printed)
    return {"SSHPublicKey": _ssh_out(row)}


@operation("iam", "GetSSHPublicKey", authorization=on_user("GetSSHPublicKey"))
def get_ssh_public_key(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The key in the Encoding asked for: ``SSH`` (OpenSSH text) or ``PEM``."""
    with transaction(store, read_only=True) as conn:
        row = user_credentials.get_ssh_key(conn, account_of(ctx), _user(ctx), ctx.params["SSHPublicKeyId"])
    return {"SSHPublicKey": _ssh_out(row, ctx.params["Encoding"])}


@operation("iam", "ListSSHPublicKeys", authorization=on_user("ListSSHPublicKeys"))
def list_ssh_public_keys(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The named user's keys, else the calling user's; the root (no user) lists every user's keys."""
    with transaction(store, read_only=True) as conn:
        found = user_credentials.list_ssh_keys(conn, account_of(ctx), own_or_named(ctx))
    return {"SSHPublicKeys": [_ssh_metadata(row) for row in found], "IsTruncated": False}


@operation("iam", "UpdateSSHPublicKey", authorization=on_user("UpdateSSHPublicKey"))
def update_ssh_public_key(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        user_credentials.update_ssh_key(conn, account_of(ctx), _user(ctx), ctx.params["SSHPublicKeyId"],
                                        ctx.params["Status"])


@operation("iam", "DeleteSSHPublicKey", authorization=on_user("DeleteSSHPublicKey"))
def delete_ssh_public_key(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        user_credentials.delete_ssh_key(conn, account_of(ctx), _user(ctx), ctx.params["SSHPublicKeyId"])
