"""Service-specific credentials: Create/List/Reset/Update/DeleteServiceSpecificCredential.

A user name and password for a service that cannot sign with SigV4 (CodeCommit's Git over HTTPS,
Amazon Keyspaces' Cassandra drivers), or a Bedrock API key. The password (or key secret) is in
Create's and Reset's answers only; the store keeps its SHA-256. Lamina serves none of these
services, so the credentials sign nothing here: the operations keep them as AWS does, for tools
that manage them.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.crypto import token_digest
from lamina.store.repositories import user_credentials, users
from lamina.store.repositories.user_credentials import ServiceCredentialRow

from ._common import account_of
from ._credential_auth import on_user
from .credential_errors import no_such_service, transaction
from .users import own_or_named

SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com")
"""The services AWS issues service-specific credentials for."""

_API_KEY_SERVICES = frozenset({"bedrock.amazonaws.com"})
"""Services whose credential is an API key (alias and secret) rather than a user name and password."""


def _require_service(name: str) -> None:
    if name not in SERVICES:
        raise no_such_service(name)


def _secret(service: str) -> str:
    """A new password (44 characters, as AWS's) or, for Bedrock, an API key secret."""
    raw = base64.b64encode(secrets.token_bytes(33)).decode()
    return f"ABSK{raw}" if service in _API_KEY_SERVICES else raw


def _metadata(row: ServiceCredentialRow) -> dict[str, Any]:
    out: dict[str, Any] = {"UserName": row.user_name, "Status": row.status, "CreateDate": row.created_at,
                           "ServiceSpecificCredentialId": row.credential_id, "ServiceName": row.service_name}
    if row.service_name in _API_KEY_SERVICES:
        out["ServiceCredentialAlias"] = row.service_user_name
    else:
        out["ServiceUserName"] = row.service_user_name
    if row.expires_at is not None:
        out["ExpirationDate"] = row.expires_at
    return out


def _with_secret(row: ServiceCredentialRow, secret: str) -> dict[str, Any]:
    field = "ServiceCredentialSecret" if row.service_name in _API_KEY_SERVICES else "ServicePassword"
    return {"ServiceSpecificCredential": _metadata(row) | {field: secret}}


def _owner(ctx: RequestContext) -> str:
    """The named user, else the calling user; the root has no service-specific credentials."""
    owner = own_or_named(ctx)
    if owner is None:
        raise ServiceError("ValidationError", "Must specify userName when calling with non-User credentials", 400)
    return owner


@operation("iam", "CreateServiceSpecificCredential", authorization=on_user("CreateServiceSpecificCredential"))
def create_service_specific_credential(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new Active credential named ``USER-at-ACCOUNT``; the user is checked before the service."""
    account, service = account_of(ctx), ctx.params["ServiceName"]
    with transaction(store) as conn:
        user = users.get_user(conn, account, ctx.params["UserName"])
        _require_service(service)
        service_user = f"{user.name}-at-{account}"
        days = ctx.params.get("CredentialAgeDays")
        if service in _API_KEY_SERVICES:
            service_user = f"BedrockAPIKey-{secrets.token_hex(2)}-at-{account}"
        secret = _secret(service)
        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=int(days)) if days else None
        created = user_credentials.create_service_credential(
            conn, account, user.name, service, service_user, token_digest(secret), expires)
    return _with_secret(created, secret)


@operation("iam", "ListServiceSpecificCredentials", authorization=on_user("ListServiceSpecificCredentials"))
def list_service_specific_credentials(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The user's credentials (of one service when named); ``AllUsers`` lists the whole account's.
    The user is checked before the service, as Create does."""
    account, service = account_of(ctx), ctx.params.get("ServiceName")
    owner = None if ctx.params.get("AllUsers") else _owner(ctx)
    with transaction(store, read_only=True) as conn:
        if owner is not None:
            owner = users.get_user(conn, account, owner).name
        if service is not None:
            _require_service(service)
        found = user_credentials.list_service_credentials(conn, account, owner, service)
    return {"ServiceSpecificCredentials": [_metadata(row) for row in found]}  # AWS sends no IsTruncated


@operation("iam", "UpdateServiceSpecificCredential", authorization=on_user("UpdateServiceSpecificCredential"))
def update_service_specific_credential(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        user_credentials.update_service_credential(conn, account_of(ctx), _owner(ctx),
                                                   ctx.params["ServiceSpecificCredentialId"],
                                                   status=ctx.params["Status"])


@operation("iam", "ResetServiceSpecificCredential", authorization=on_user("ResetServiceSpecificCredential"))
def reset_service_specific_credential(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new password for the credential (its status unchanged), shown this once."""
    with transaction(store) as conn:
        account, owner, cred_id = account_of(ctx), _owner(ctx), ctx.params["ServiceSpecificCredentialId"]
        current = user_credentials.get_service_credential(conn, account, owner, cred_id)
        secret = _secret(current.service_name)
        row = user_credentials.update_service_credential(conn, account, owner, cred_id,
                                                         secret_digest=token_digest(secret))
    return _with_secret(row, secret)


@operation("iam", "DeleteServiceSpecificCredential", authorization=on_user("DeleteServiceSpecificCredential"))
def delete_service_specific_credential(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        user_credentials.delete_service_credential(conn, account_of(ctx), _owner(ctx),
                                                   ctx.params["ServiceSpecificCredentialId"])
