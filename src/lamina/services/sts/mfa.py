"""MFA in STS: ``SerialNumber`` + ``TokenCode`` on GetSessionToken and AssumeRole.

The code must come from a virtual device enabled for the IAM user making the call (a user's
long-term keys, or that user's own GetSessionToken session). :func:`context_keys` checks it before
the gate decides, so the decision (a trust policy's ``"Bool": {"aws:MultiFactorAuthPresent":
"true"}``, an identity policy's ``BoolIfExists``) sees ``aws:MultiFactorAuthPresent`` true and
``aws:MultiFactorAuthAge`` 0; :func:`use_code` then spends the code in the handler's transaction,
so each code works once even when two requests race with it. The session records when MFA was
presented, and every later request signed with it carries both keys
(``lamina.authorization.context_keys``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lamina.authorization import access_denied
from lamina.context import Caller, RequestContext
from lamina.policy import ContextValue
from lamina.services import totp
from lamina.store import Connection, NotFound, Store, now
from lamina.store.repositories import mfa_devices

INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
"""AWS's AccessDenied for a wrong, stale or already used code of the caller's device."""
UNVALIDATED = "MultiFactorAuthentication failed, unable to validate MFA code."
"""AWS's AccessDenied when the serial number is no device enabled for the caller (or a part is missing)."""


@dataclass(frozen=True)
class Proof:
    """A code that matched the caller's device: the device and the TOTP step the code belongs to."""

    serial_number: str
    step: int


def presented(params: Mapping[str, object]) -> bool:
    """Whether the request passes MFA at all (either parameter)."""
    return params.get("SerialNumber") is not None or params.get("TokenCode") is not None


def check(conn: Connection, store: Store, caller: Caller, params: Mapping[str, object]) -> Proof:
    """The proof of the request's code, or AWS's AccessDenied; spends nothing."""
    serial, code = params.get("SerialNumber"), params.get("TokenCode")
    user_id = caller.unique_id if caller.principal_type == "IAMUser" else None
    if serial is None or code is None or user_id is None:
        raise access_denied(UNVALIDATED)
    try:
        device = mfa_devices.get_device(conn, caller.account_id, str(serial))
    except NotFound:
        raise access_denied(UNVALIDATED) from None
    if device.user is None or device.user.user_id != user_id:
        raise access_denied(UNVALIDATED)
    seed = mfa_devices.device_seed(conn, store.secret_box, device)
    step = totp.matching_step(seed, str(code), totp.current_step() + device.drift)
    if step is None or (device.last_step is not None and step <= device.last_step):
        raise access_denied(INVALID_CODE)
    return Proof(device.serial_number, step)


def context_keys(ctx: RequestContext, store: Store) -> dict[str, ContextValue]:
    """The MFA keys of a request that passes a valid code (none when it passes no MFA at all)."""
    if not presented(ctx.params):
        return {}
    with store.transaction(read_only=True) as conn:
        check(conn, store, ctx.require_caller(), ctx.params)
    return {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"}


def use_code(conn: Connection, store: Store, ctx: RequestContext) -> datetime | None:
    """Spend the request's code and return when MFA was presented; None when it passes none.
    A code spent meanwhile by another request is AWS's invalid-code AccessDenied."""
    if not presented(ctx.params):
        return None
    proof = check(conn, store, ctx.require_caller(), ctx.params)
    if not mfa_devices.accept_step(conn, proof.serial_number, proof.step):
        raise access_denied(INVALID_CODE)
    return now()
