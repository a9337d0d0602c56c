"""Console passwords (Create/Get/Update/DeleteLoginProfile) and the account password policy
(Update/Get/DeleteAccountPasswordPolicy).

A new password must pass the account's policy or, when the account has none, AWS's default one
(8 characters and three of: upper case, lower case, digits, symbols). The store keeps only its hash.
"""

from __future__ import annotations

import string
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import Authorization, Offload, operation
from lamina.store import AlreadyExists, Connection, NotFound, Store
from lamina.store.passwords import hash_password
from lamina.store.repositories import login_profiles
from lamina.store.repositories.login_profiles import LoginProfileRow, PasswordPolicy

from ._common import account_of, transaction
from .errors import password_policy_violation
from .users import own_or_named, user_authorization

SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
"""The symbols IAM's password policy counts."""


def _classes(password: str) -> dict[str, bool]:
    return {
        "uppercase letter": any(char in string.ascii_uppercase for char in password),
        "lowercase letter": any(char in string.ascii_lowercase for char in password),
        "number": any(char in string.digits for char in password),
        "symbol": any(char in SYMBOLS for char in password),
    }


def check_password(password: str, policy: PasswordPolicy | None) -> None:
    """Raise PasswordPolicyViolation naming the first rule ``password`` breaks."""
    present = _classes(password)
    if policy is None:
        if len(password) < 8 or sum(present.values()) < 3:
            raise password_policy_violation("Password does not conform to the account password policy.")
        return
    if len(password) < policy.minimum_password_length:
        raise password_policy_violation(f"Password should have a minimum length of {policy.minimum_password_length}")
    required = {
        "uppercase letter": policy.require_uppercase,
        "lowercase letter": policy.require_lowercase,
        "number": policy.require_numbers,
        "symbol": policy.require_symbols,
    }
    for name, needed in required.items():
        if needed and not present[name]:
            raise password_policy_violation(f"Password should have at least one {name}")


def _policy(conn: Connection, account_id: str) -> PasswordPolicy | None:
    try:
        return login_profiles.get_password_policy(conn, account_id)
    except NotFound:
        return None


def _profile_out(profile: LoginProfileRow) -> dict[str, Any]:
    return {
        "LoginProfile": {
            "UserName": profile.user_name,
            "CreateDate": profile.created_at,
            "PasswordResetRequired": profile.password_reset_required,
        }
    }


def _user(ctx: RequestContext) -> str:
    """The named user or the calling user; a root's own console password is not managed here."""
    name = own_or_named(ctx)
    if name is None:
        raise ServiceError("ValidationError", "Must specify userName when calling with non-User credentials", 400)
    return name


@operation("iam", "CreateLoginProfile", authorization=user_authorization("CreateLoginProfile"))
def create_login_profile(ctx: RequestContext, store: Store) -> Offload:
    """Checks first (cheap), then the hash in a worker (slow by design), then the write."""
    name, password = _user(ctx), ctx.params.get("Password")
    if password is None:
        raise ServiceError("ValidationError", "Password is required for a login profile.", 400)
    account, reset = account_of(ctx), bool(ctx.params.get("PasswordResetRequired"))
    with transaction(store, read_only=True) as conn:
        _require_no_profile(conn, account, name)
        check_password(password, _policy(conn, account))

    def finish(password_hash: str) -> dict[str, Any]:
        with transaction(store) as conn:
            profile = login_profiles.create_login_profile(conn, account, name, password_hash,
                                                          password_reset_required=reset)
        return _profile_out(profile)

    return Offload(hash_password, (password,), finish)


def _require_no_profile(conn: Connection, account: str, name: str) -> None:
    """EntityAlreadyExists (or NoSuchEntity for the user) before any hashing is spent."""
    try:
        login_profiles.get_login_profile(conn, account, name)
    except NotFound as error:
        if error.kind != "login profile":
            raise
        return
    raise AlreadyExists("login profile", name)


@operation("iam", "GetLoginProfile", authorization=user_authorization("GetLoginProfile"))
def get_login_profile(ctx: RequestContext, store: Store) -> dict[str, Any]:
    with transaction(store, read_only=True) as conn:
        return _profile_out(login_profiles.get_login_profile(conn, account_of(ctx), _user(ctx)))


@operation("iam", "UpdateLoginProfile", authorization=user_authorization("UpdateLoginProfile"))
def update_login_profile(ctx: RequestContext, store: Store) -> Offload | None:
    """A new password (checked like a first one, hashed in a worker) and/or the reset-required flag."""
    account, password, name = account_of(ctx), ctx.params.get("Password"), ctx.params["UserName"]

    def finish(password_hash: str | None) -> None:
        with transaction(store) as conn:
            login_profiles.update_login_profile(conn, account, name, password_hash=password_hash,
                                                password_reset_required=ctx.params.get("PasswordResetRequired"))

    if password is None:
        finish(None)
        return None
    with transaction(store, read_only=True) as conn:
        login_profiles.get_login_profile(conn, account, name)
        check_password(password, _policy(conn, account))
    return Offload(hash_password, (password,), finish)


@operation("iam", "DeleteLoginProfile", authorization=user_authorization("DeleteLoginProfile"))
def delete_login_profile(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        login_profiles.delete_login_profile(conn, account_of(ctx), _user(ctx))


# --- the account password policy --------------------------------------------------------------

_FIELDS = {  # request member -> PasswordPolicy field
    "MinimumPasswordLength": "minimum_password_length",
    "RequireSymbols": "require_symbols",
    "RequireNumbers": "require_numbers",
    "RequireUppercaseCharacters": "require_uppercase",
    "RequireLowercaseCharacters": "require_lowercase",
    "AllowUsersToChangePassword": "allow_users_to_change_password",
    "MaxPasswordAge": "max_password_age",
    "PasswordReusePrevention": "password_reuse_prevention",
    "HardExpiry": "hard_expiry",
}


@operation(
    "iam", "UpdateAccountPasswordPolicy", authorization=Authorization(actions=("iam:UpdateAccountPasswordPolicy",))
)
def update_account_password_policy(ctx: RequestContext, store: Store) -> None:
    """Replaces the whole policy: an omitted field takes AWS's default, not its previous value."""
    given = {field: ctx.params[member] for member, field in _FIELDS.items() if ctx.params.get(member) is not None}
    with transaction(store) as conn:
        login_profiles.put_password_policy(conn, account_of(ctx), PasswordPolicy(**given))


@operation("iam", "GetAccountPasswordPolicy", authorization=Authorization(actions=("iam:GetAccountPasswordPolicy",)))
def get_account_password_policy(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The policy; NoSuchEntity naming the account ("domain name") when it has none."""
    with transaction(store, read_only=True) as conn:
        policy = login_profiles.get_password_policy(conn, account_of(ctx))
    out: dict[str, Any] = {member: getattr(policy, field) for member, field in _FIELDS.items()}
    out["ExpirePasswords"] = policy.max_password_age is not None
    if not policy.hard_expiry:
        del out["HardExpiry"]
    return {"PasswordPolicy": out}


@operation(
    "iam", "DeleteAccountPasswordPolicy", authorization=Authorization(actions=("iam:DeleteAccountPasswordPolicy",))
)
def delete_account_password_policy(ctx: RequestContext, store: Store) -> None:
    with transaction(store) as conn:
        login_profiles.delete_password_policy(conn, account_of(ctx))
