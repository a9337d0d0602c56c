"""Long-term access keys: Create/List/Update/DeleteAccessKey and GetAccessKeyLastUsed.

Without UserName each acts on the caller's own keys (the root's own when root calls). The secret
is in CreateAccessKey's answer only; no other answer carries it.
"""

from __future__ import annotations

from typing import Any

from lamina.arn import format_arn
from lamina.context import RequestContext
from lamina.services.registry import Authorization, operation
from lamina.store import NotFound, Store
from lamina.store.repositories import access_keys, users
from lamina.store.repositories.access_keys import AccessKeyRow

from ._common import account_of, transaction
from .errors import not_found
from .users import own_or_named, user_arn, user_authorization


def _metadata(key: AccessKeyRow) -> dict[str, Any]:
    out: dict[str, Any] = {"AccessKeyId": key.access_key_id, "Status": key.status, "CreateDate": key.created_at}
    if key.user_name is not None:
        out["UserName"] = key.user_name
    return out


@operation("iam", "CreateAccessKey", authorization=user_authorization("CreateAccessKey"))
def create_access_key(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new Active key and its secret, shown this once; a third key is LimitExceeded."""
    with transaction(store) as conn:
        issued = access_keys.create_access_key(conn, store.secret_box, account_of(ctx), own_or_named(ctx))
    return {"AccessKey": _metadata(issued.key) | {"SecretAccessKey": issued.secret}}


@operation("iam", "ListAccessKeys", authorization=user_authorization("ListAccessKeys"))
def list_access_keys(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        keys = access_keys.list_access_keys(conn, account_of(ctx), own_or_named(ctx))
    return {"AccessKeyMetadata": [_metadata(key) for key in keys], "IsTruncated": False}


def _owned(ctx: RequestContext, store: Store) -> tuple[str, str | None, str]:
    """Account, owner (None: root) and key id, after checking a named user exists (AWS says so first)."""
    account, owner = account_of(ctx), own_or_named(ctx)
    if owner is not None:
        with transaction(store, read_only=True) as conn:
            users.get_user(conn, account, owner)
    return account, owner, ctx.params["AccessKeyId"]


@operation("iam", "UpdateAccessKey", authorization=user_authorization("UpdateAccessKey"))
def update_access_key(ctx: RequestContext, store: Store) -> None:
    """Active or Inactive; an inactive key still counts toward the quota of 2."""
    account, owner, key_id = _owned(ctx, store)
    with transaction(store) as conn:
        access_keys.update_access_key_status(conn, account, owner, key_id, ctx.params["Status"])


@operation("iam", "DeleteAccessKey", authorization=user_authorization("DeleteAccessKey"))
def delete_access_key(ctx: RequestContext, store: Store) -> None:
    account, owner, key_id = _owned(ctx, store)
    with transaction(store) as conn:
        access_keys.delete_access_key(conn, account, owner, key_id)


def _key_in_account(ctx: RequestContext, store: Store) -> AccessKeyRow | None:
    try:
        with store.transaction(read_only=True) as conn:
            key = access_keys.get_access_key(conn, ctx.params["AccessKeyId"])
    except NotFound:
        return None
    return key if key.account_id == account_of(ctx) else None


def _owner_resource(ctx: RequestContext, store: Store) -> list[str]:
    """The key's owner: its user's ARN, the root's for a root key, ``*`` for an unknown key."""
    key = _key_in_account(ctx, store)
    if key is None:
        return ["*"]
    if key.user_name is None:
        return [format_arn("iam", "", key.account_id, "root")]
    return [user_arn(store, key.account_id, key.user_name)]


@operation(
    "iam",
    "GetAccessKeyLastUsed",
    authorization=Authorization(actions=("iam:GetAccessKeyLastUsed",), resources=_owner_resource),
)
def get_access_key_last_used(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """When, where and for which service the key last signed; ``N/A`` until it has."""
    key = _key_in_account(ctx, store)
    if key is None:
        raise not_found("access_key", ctx.params["AccessKeyId"])
    used: dict[str, Any] = {"ServiceName": key.last_used_service or "N/A", "Region": key.last_used_region or "N/A"}
    if key.last_used_at is not None:
        used["LastUsedDate"] = key.last_used_at
    out: dict[str, Any] = {"AccessKeyLastUsed": used}
    if key.user_name is not None:
        out["UserName"] = key.user_name
    return out
