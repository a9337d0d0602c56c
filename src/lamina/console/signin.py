"""Sign-in: account (id or alias), IAM user name, password, and an MFA code when the user has a device.

Every wrong answer (unknown account, unknown user, no login profile, wrong password, wrong or
missing MFA code) gets AWS's one generic sentence, and counts against both the user and the
source address; the argon2 check runs in the worker pool, never on the event loop.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lamina.auth.credentials import Caller, root_caller, user_arn
from lamina.services import totp
from lamina.store import NotFound
from lamina.store.passwords import hash_password, verify_password
from lamina.store.repositories import account_aliases, login_profiles, mfa_devices, users
from lamina.workers import PoolBusy, WorkerTimeout

from .sessions import Throttle

if TYPE_CHECKING:
    from .app import Host

__all__ = ["BUSY", "CONSOLE_KEY", "GENERIC_FAILURE", "LOCKED", "Attempt", "SignIn"]

GENERIC_FAILURE = "Your authentication information is incorrect. Please try again."
"""AWS's console sentence for any wrong credential: nothing says which part was wrong."""
LOCKED = "You have exceeded the maximum number of sign-in attempts. Please wait a few minutes and try again."
BUSY = "The sign-in service is busy. Please try again in a moment."
CONSOLE_KEY = "CONSOLE"
"""The ``access_key_id`` of a console session's caller: it signs nothing, and names no stored key."""
USER_FAILURES, ADDRESS_FAILURES, WINDOW_SECONDS = 5, 20, 15 * 60
_ACCOUNT = re.compile(r"^\d{12}$")
_VERIFY_TIMEOUT = 30.0


@functools.cache
def _dummy_hash() -> str:
    """Checked when there is no real hash, so an unknown user costs the same time as a wrong password
    (made on first use: hashing is slow by design, and importing the console must not pay for it)."""
    return hash_password("lamina-console-timing-equaliser")


@dataclass(frozen=True)
class Attempt:
    """A sign-in's outcome: the caller on success, else the message to show."""

    caller: Caller | None
    alias: str | None = None
    message: str = ""
    password_change_required: bool = False
    mfa: bool = False


class SignIn:
    """Checks credentials and keeps the per-user and per-address failure counts."""

    def __init__(self, app: Host) -> None:
        self.app = app
        self.by_user = Throttle(USER_FAILURES, WINDOW_SECONDS)
        self.by_address = Throttle(ADDRESS_FAILURES, WINDOW_SECONDS)

    async def attempt(self, account: str, user_name: str, password: str, mfa_code: str,
                      source_ip: str | None, *, root: bool = False) -> Attempt:
        """Check one sign-in: an IAM user's, or with ``root`` the account's root user's."""
        account_id, alias = self._account(account.strip())
        user_name = "" if root else user_name.strip()
        who = "#root" if root else f":{user_name.lower()}"  # no IAM user name holds a "#"
        user_key, address_key = f"{account_id or account}{who}", source_ip or "unknown"
        principal = (f"arn:aws:iam::{account_id}:root" if root else user_arn(account_id, "/", user_name)) \
            if account_id else f"console:{account}/{user_name or 'root'}"
        if self.by_user.locked(user_key) or self.by_address.locked(address_key):
            self._audit(account_id, principal, source_ip, "Locked")
            return Attempt(None, message=LOCKED)
        if account_id is None:
            found = None
        else:
            found = self._root_profile(account_id) if root else self._profile(account_id, user_name)
        encoded = found[1] if found else _dummy_hash()
        try:
            matches = await self.app.workers.run(verify_password, encoded, password, timeout=_VERIFY_TIMEOUT)
        except (PoolBusy, WorkerTimeout):  # no answer about the password: no failure counted either
            return Attempt(None, message=BUSY)
        caller = found[0] if found and matches else None
        if caller is not None and not self._mfa_ok(caller, mfa_code):
            caller = None
        if caller is None:
            self.by_user.failed(user_key)
            self.by_address.failed(address_key)
            self._audit(account_id, principal, source_ip, "Failure")
            return Attempt(None, message=GENERIC_FAILURE)
        self.by_user.succeeded(user_key)
        self._audit(caller.account_id, caller.arn, source_ip, "Success")
        with self.app.store.transaction() as conn:  # GetUser's PasswordLastUsed, the credential report's
            login_profiles.record_password_use(conn, caller.account_id, caller.user_name)
        reset = found[2] if found else False
        return Attempt(caller, alias, password_change_required=reset, mfa=bool(mfa_code))

    def _account(self, given: str) -> tuple[str | None, str | None]:
        """The account id and its alias, from either; (None, None) when neither names an account."""
        with self.app.store.transaction(read_only=True) as conn:
            try:
                if _ACCOUNT.match(given):
                    return given, account_aliases.alias_of(conn, given)
                return account_aliases.resolve_alias(conn, given.lower()), given.lower()
            except NotFound:
                return None, None

    def _profile(self, account_id: str, user_name: str) -> tuple[Caller, str, bool] | None:
        """The user as a caller, its password hash and reset flag; None without user or login profile."""
        with self.app.store.transaction(read_only=True) as conn:
            try:
                user = users.get_user(conn, account_id, user_name)
                encoded = login_profiles.password_hash(conn, account_id, user.name)
                reset = login_profiles.get_login_profile(conn, account_id, user.name).password_reset_required
            except NotFound:
                return None
        caller = Caller(account_id, user_arn(account_id, user.path, user.name), "IAMUser", user.user_id, CONSOLE_KEY,
                        user_name=user.name)
        return caller, encoded, reset

    def _root_profile(self, account_id: str) -> tuple[Caller, str, bool] | None:
        """The root user as a caller and its password hash; None when root has no console password."""
        with self.app.store.transaction(read_only=True) as conn:
            try:
                encoded = login_profiles.root_password_hash(conn, account_id)
            except NotFound:
                return None
        return root_caller(account_id, CONSOLE_KEY), encoded, False

    def _mfa_ok(self, caller: Caller, code: str) -> bool:
        """True without an enabled device; with one, the code must match a step not used before.
        (The root user's virtual MFA device is not asked for: Lamina assigns devices to IAM users.)"""
        if caller.principal_type != "IAMUser":
            return True
        with self.app.store.transaction() as conn:
            devices = mfa_devices.list_user_devices(conn, caller.user_id).items
            if not devices:
                return True
            code = code.strip()
            if not re.fullmatch(r"\d{6}", code):
                return False
            for device in devices:
                seed = mfa_devices.device_seed(conn, self.app.store.secret_box, device)
                step = totp.matching_step(seed, code, totp.current_step() + device.drift)
                if step is not None and mfa_devices.accept_step(conn, device.serial_number, step):
                    return True
        return False

    def _audit(self, account_id: str | None, principal: str, source_ip: str | None, outcome: str) -> None:
        self.app.audit.sign_in(account_id or self.app.settings.account_id, principal, source_ip, outcome)
