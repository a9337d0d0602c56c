"""ChangePassword: an IAM user changes their own console password.

The old password is verified and the new one hashed in a worker process (both slow by design),
after the cheap checks: the caller is an IAM user (InvalidUserType for root and role sessions),
has a login profile (NoSuchEntity), and the new password passes the account's password policy, or
AWS's default one when the account has none (PasswordPolicyViolation). Success clears the
profile's PasswordResetRequired flag. When the account's password policy has
AllowUsersToChangePassword, users need no identity policy for their own password, as in AWS.
"""

from __future__ import annotations

import json
from dataclasses import replace

from lamina.context import RequestContext
from lamina.policy import Policy, PolicyKind, parse_policy
from lamina.protocols import ServiceError
from lamina.services.registry import Offload, operation
from lamina.store import NotFound, Store
from lamina.store.passwords import hash_password, verify_password
from lamina.store.repositories import login_profiles

from ._common import account_of, transaction
from .declarations import derived_authorization
from .login_profiles import check_password

WRONG_OLD_PASSWORD = "The old password is incorrect."


def invalid_user_type(message: str) -> ServiceError:
    return ServiceError("InvalidUserType", message, 400, True)


def verify_then_hash(encoded: str, old: str, new: str) -> str | None:
    """In a worker: the new password's hash, or None when ``old`` does not match ``encoded``."""
    if not verify_password(encoded, old):
        return None
    return hash_password(new)


def _users_may_change(ctx: RequestContext, store: Store) -> Policy | None:
    """AWS's ``AllowUsersToChangePassword``: the account's password policy lets every IAM user change
    their own password without an identity policy. Given to the gate as a policy on the user itself
    that allows the caller ``iam:ChangePassword``, so an explicit deny or an SCP still wins."""
    caller = ctx.require_caller()
    if caller.principal_type != "IAMUser":
        return None
    with transaction(store, read_only=True) as conn:
        try:
            allowed = login_profiles.get_password_policy(conn, caller.account_id).allow_users_to_change_password
        except NotFound:
            return None
    if not allowed:
        return None
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "AllowUsersToChangePassword", "Effect": "Allow",
                                                        "Principal": {"AWS": caller.arn},
                                                        "Action": "iam:ChangePassword", "Resource": caller.arn}]}
    return parse_policy(json.dumps(document), PolicyKind.RESOURCE, policy_id="AllowUsersToChangePassword")


@operation("iam", "ChangePassword", authorization=replace(derived_authorization("iam", "ChangePassword"),
                                                          resource_policy=_users_may_change))
def change_password(ctx: RequestContext, store: Store) -> Offload:
    caller = ctx.require_caller()
    if caller.principal_type != "IAMUser" or caller.user_name is None:
        raise invalid_user_type("Only IAM Users can change their own password.")
    account, name = account_of(ctx), caller.user_name
    old, new = ctx.params["OldPassword"], ctx.params["NewPassword"]
    with transaction(store, read_only=True) as conn:
        encoded = login_profiles.password_hash(conn, account, name)
        try:
            policy = login_profiles.get_password_policy(conn, account)
        except NotFound:  # no account policy: AWS's default applies
            policy = None
    check_password(new, policy)

    def finish(new_hash: str | None) -> None:
        if new_hash is None:
            raise ServiceError("AccessDenied", WRONG_OLD_PASSWORD, 403, True)
        with transaction(store) as conn:
            login_profiles.update_login_profile(conn, account, name, password_hash=new_hash,
                                                password_reset_required=False)

    return Offload(verify_then_hash, (encoded, old, new), finish)
