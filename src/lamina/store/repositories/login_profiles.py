"""Console passwords (one login profile per user, argon2 hashes) and the account password policy."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from .. import dialect
from ..errors import AlreadyExists, NotFound
from ..passwords import verify_password
from ..schema import account_password_policy, login_profiles, root_login_profiles
from ._common import now
from .accounts import require_account
from .users import get_user


@dataclass(frozen=True)
class LoginProfileRow:
    user_name: str
    created_at: datetime
    password_reset_required: bool


@dataclass(frozen=True)
class PasswordPolicy:
    """UpdateAccountPasswordPolicy's fields; the defaults are AWS's when a field is omitted."""

    minimum_password_length: int = 6
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change_password: bool = False
    max_password_age: int | None = None
    password_reuse_prevention: int | None = None
    hard_expiry: bool = False


def create_login_profile(
    conn: Connection, account_id: str, user_name: str, password_hash: str, *, password_reset_required: bool = False
) -> LoginProfileRow:
    """Store a password's hash (``passwords.hash_password``: slow by design, so the caller makes it
    outside the transaction); a second profile is AlreadyExists. Policy checks are the caller's."""
    user = get_user(conn, account_id, user_name)
    if conn.execute(select(login_profiles.c.user_id).where(login_profiles.c.user_id == user.user_id)).first():
        raise AlreadyExists("login profile", user.name)
    created = now()
    conn.execute(
        login_profiles.insert().values(
            user_id=user.user_id,
            account_id=account_id,
            password_hash=password_hash,
            password_reset_required=password_reset_required,
            created_at=created,
        )
    )
    return LoginProfileRow(user.name, created, password_reset_required)


def get_login_profile(conn: Connection, account_id: str, user_name: str) -> LoginProfileRow:
    user = get_user(conn, account_id, user_name)
    row = conn.execute(select(login_profiles).where(login_profiles.c.user_id == user.user_id)).first()
    if row is None:
        raise NotFound("login profile", user.name)
    return LoginProfileRow(user.name, row.created_at, bool(row.password_reset_required))


def update_login_profile(
    conn: Connection,
    account_id: str,
    user_name: str,
    *,
    password_hash: str | None = None,
    password_reset_required: bool | None = None,
) -> LoginProfileRow:
    """A new password hash and/or reset flag for an existing profile."""
    profile = get_login_profile(conn, account_id, user_name)
    user = get_user(conn, account_id, user_name)
    changes: dict[str, object] = {}
    if password_hash is not None:
        changes["password_hash"] = password_hash
    if password_reset_required is not None:
        changes["password_reset_required"] = password_reset_required
    if changes:
        conn.execute(login_profiles.update().where(login_profiles.c.user_id == user.user_id).values(**changes))
    return get_login_profile(conn, account_id, profile.user_name)


def delete_login_profile(conn: Connection, account_id: str, user_name: str) -> None:
    user = get_user(conn, account_id, user_name)
    if not conn.execute(login_profiles.delete().where(login_profiles.c.user_id == user.user_id)).rowcount:
        raise NotFound("login profile", user.name)


def password_hash(conn: Connection, account_id: str, user_name: str) -> str:
    """The stored hash of the user's password (NotFound without a login profile), for a caller that
    verifies it off the event loop (ChangePassword)."""
    user = get_user(conn, account_id, user_name)
    encoded = conn.execute(
        select(login_profiles.c.password_hash).where(login_profiles.c.user_id == user.user_id)
    ).scalar()
    if encoded is None:
        raise NotFound("login profile", user.name)
    return str(encoded)


def check_password(conn: Connection, account_id: str, user_name: str, password: str) -> bool:
    """True when the user has a login profile and ``password`` matches it."""
    user = get_user(conn, account_id, user_name)
    encoded = conn.execute(
        select(login_profiles.c.password_hash).where(login_profiles.c.user_id == user.user_id)
    ).scalar()
    return encoded is not None and verify_password(encoded, password)


def set_root_password(conn: Connection, account_id: str, password_hash: str) -> None:
    """Store (or replace) the root user's console password hash; the account must exist."""
    require_account(conn, account_id)
    dialect.upsert(conn, root_login_profiles, {"account_id": account_id, "password_hash": password_hash,
                                               "created_at": now()}, keys=("account_id",))


def root_password_hash(conn: Connection, account_id: str) -> str:
    """The root user's password hash; NotFound when root has no console password (the default)."""
    encoded = conn.execute(select(root_login_profiles.c.password_hash)
                           .where(root_login_profiles.c.account_id == account_id)).scalar()
    if encoded is None:
        raise NotFound("root login profile", account_id)
    return str(encoded)


def record_password_use(conn: Connection, account_id: str, user_name: str | None) -> None:
    """Note a console sign-in with the user's (None: the root user's) password, now."""
    if user_name is None:
        conn.execute(root_login_profiles.update().where(root_login_profiles.c.account_id == account_id)
                     .values(password_last_used=now()))
        return
    user = get_user(conn, account_id, user_name)
    conn.execute(login_profiles.update().where(login_profiles.c.user_id == user.user_id)
                 .values(password_last_used=now()))


def password_last_used(conn: Connection, user_id: str | None, account_id: str | None = None) -> datetime | None:
    """When the user (by id; None and ``account_id``: the root user) last signed in with a password."""
    if user_id is None:
        query = select(root_login_profiles.c.password_last_used).where(root_login_profiles.c.account_id == account_id)
    else:
        query = select(login_profiles.c.password_last_used).where(login_profiles.c.user_id == user_id)
    found = conn.execute(query).scalar()
    return found if isinstance(found, datetime) else None


def put_password_policy(conn: Connection, account_id: str, policy: PasswordPolicy) -> None:
    """Replace the account's password policy (UpdateAccountPasswordPolicy replaces every field)."""
    require_account(conn, account_id)
    dialect.upsert(conn, account_password_policy, {"account_id": account_id, **asdict(policy)}, keys=("account_id",))


def get_password_policy(conn: Connection, account_id: str) -> PasswordPolicy:
    row = conn.execute(
        select(account_password_policy).where(account_password_policy.c.account_id == account_id)
    ).first()
    if row is None:
        raise NotFound("password policy", account_id)
    values = row._asdict()
    values.pop("account_id")
    return PasswordPolicy(**values)


def delete_password_policy(conn: Connection, account_id: str) -> None:
    result = conn.execute(account_password_policy.delete().where(account_password_policy.c.account_id == account_id))
    if not result.rowcount:
        raise NotFound("password policy", account_id)
