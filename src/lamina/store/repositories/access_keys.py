"""Long-term access keys (AKIA…) of users and of the root: at most 2 each, secrets encrypted.

The secret leaves the store twice only: once at creation (CreateAccessKey shows it once) and
to the signature checker through ``get_secret``. It is stored as SecretBox ciphertext.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, func, select

from .. import ids
from ..crypto import SecretBox
from ..errors import LimitExceeded, NotFound
from ..schema import access_keys, accounts, users
from ._common import now
from .accounts import require_account
from .users import get_user

MAX_KEYS = 2
Status = Literal["Active", "Inactive"]


@dataclass(frozen=True)
class AccessKeyRow:
    access_key_id: str
    account_id: str
    user_name: str | None  # None: the account's root user
    user_id: str | None
    status: Status
    created_at: datetime
    last_used_at: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass(frozen=True)
class KeyWithSecret:
    key: AccessKeyRow
    secret: str


def _query() -> Any:
    return select(access_keys, users.c.name.label("user_name")).outerjoin(
        users, users.c.user_id == access_keys.c.user_id
    )


def _key(row: Row[Any]) -> AccessKeyRow:
    return AccessKeyRow(
        row.access_key_id,
        row.account_id,
        row.user_name,
        row.user_id,
        row.status,
        row.created_at,
        row.last_used_at,
        row.last_used_service,
        row.last_used_region,
    )


def _owner(conn: Connection, account_id: str, user_name: str | None) -> str | None:
    """The owner's user id (None for root), after locking the owner row for the quota check."""
    if user_name is None:
        require_account(conn, account_id)
        conn.execute(select(accounts.c.account_id).where(accounts.c.account_id == account_id).with_for_update())
        return None
    user = get_user(conn, account_id, user_name)
    conn.execute(select(users.c.user_id).where(users.c.user_id == user.user_id).with_for_update())
    return user.user_id


def _owned_by(account_id: str, user_id: str | None) -> tuple[Any, Any]:
    owner = access_keys.c.user_id.is_(None) if user_id is None else access_keys.c.user_id == user_id
    return access_keys.c.account_id == account_id, owner


def create_access_key(
    conn: Connection,
    box: SecretBox,
    account_id: str,
    user_name: str | None,
    *,
    issued: tuple[str, str] | None = None,
) -> KeyWithSecret:
    """A new Active key for a user (or the root when ``user_name`` is None); the 3rd is LimitExceeded.

    ``issued`` is an (access key id, secret) pair chosen by the operator instead of generated ones:
    ``lamina serve`` takes the root key from LAMINA_ROOT_ACCESS_KEY_ID/LAMINA_ROOT_SECRET_ACCESS_KEY.
    """
    user_id = _owner(conn, account_id, user_name)
    count = conn.execute(
        select(func.count()).select_from(access_keys).where(*_owned_by(account_id, user_id))
    ).scalar_one()
    if count >= MAX_KEYS:
        raise LimitExceeded("user" if user_name else "root", user_name or account_id, "AccessKeysPerUser", MAX_KEYS)
    key_id, secret = issued or (ids.access_key_id(ids.ACCESS_KEY), ids.secret_access_key())
    created = now()
    conn.execute(
        access_keys.insert().values(
            access_key_id=key_id,
            account_id=account_id,
            user_id=user_id,
            secret=box.encrypt(secret, context=key_id),
            status="Active",
            created_at=created,
        )
    )
    return KeyWithSecret(AccessKeyRow(key_id, account_id, user_name, user_id, "Active", created), secret)


def list_access_keys(conn: Connection, account_id: str, user_name: str | None) -> list[AccessKeyRow]:
    """A user's (or the root's) keys, oldest first; never more than 2, so no pagination."""
    user_id = None if user_name is None else get_user(conn, account_id, user_name).user_id
    query = (
        _query().where(*_owned_by(account_id, user_id)).order_by(access_keys.c.created_at, access_keys.c.access_key_id)
    )
    return [_key(row) for row in conn.execute(query)]


def get_access_key(conn: Connection, access_key_id: str) -> AccessKeyRow:
    row = conn.execute(_query().where(access_keys.c.access_key_id == access_key_id)).first()
    if row is None:
        raise NotFound("access key", access_key_id)
    return _key(row)


def get_secret(conn: Connection, box: SecretBox, access_key_id: str) -> KeyWithSecret:
    """The key and its decrypted secret, for SigV4 verification; status is the caller's to check."""
    row = conn.execute(_query().where(access_keys.c.access_key_id == access_key_id)).first()
    if row is None:
        raise NotFound("access key", access_key_id)
    return KeyWithSecret(_key(row), box.decrypt(row.secret, context=access_key_id))


def _owned_key(conn: Connection, account_id: str, user_name: str | None, access_key_id: str) -> AccessKeyRow:
    key = get_access_key(conn, access_key_id)
    same_owner = key.user_name is None if user_name is None else (key.user_name or "").lower() == user_name.lower()
    if key.account_id != account_id or not same_owner:
        raise NotFound("access key", access_key_id)
    return key


def update_access_key_status(
    conn: Connection, account_id: str, user_name: str | None, access_key_id: str, status: Status
) -> None:
    _owned_key(conn, account_id, user_name, access_key_id)
    conn.execute(access_keys.update().where(access_keys.c.access_key_id == access_key_id).values(status=status))


def delete_access_key(conn: Connection, account_id: str, user_name: str | None, access_key_id: str) -> None:
    _owned_key(conn, account_id, user_name, access_key_id)
    conn.execute(access_keys.delete().where(access_keys.c.access_key_id == access_key_id))


def record_key_use(conn: Connection, access_key_id: str, when: datetime, service: str, region: str) -> None:
    """GetAccessKeyLastUsed's data; a missing key is ignored (it may have just been deleted)."""
    conn.execute(
        access_keys.update()
        .where(access_keys.c.access_key_id == access_key_id)
        .values(last_used_at=when, last_used_service=service, last_used_region=region)
    )
