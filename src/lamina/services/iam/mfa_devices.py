"""A user's MFA devices: EnableMFADevice, DeactivateMFADevice, ResyncMFADevice, ListMFADevices,
GetMFADevice.

Enabling proves possession: two consecutive TOTP codes of the device (``lamina.services.totp``).
From then on GetSessionToken and AssumeRole accept the device's codes (``lamina.services.sts.mfa``).
Deactivating unassigns the device without deleting it, as AWS does.
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services import totp
from lamina.services.registry import operation
from lamina.store import Connection, Store
from lamina.store.repositories import mfa_devices, users
from lamina.store.repositories.mfa_devices import MfaDeviceRow
from lamina.store.repositories.users import UserRow

from ._common import account_of, page_args, page_out, transaction
from .declarations import derived_authorization
from .errors import entity_already_exists, invalid_authentication_code, no_such_entity, quota_exceeded
from .users import own_or_named

DEVICES_PER_USER = 8
"""AWS's quota of MFA devices per user."""


def _user_and_device(conn: Connection, ctx: RequestContext, name: str) -> tuple[UserRow, MfaDeviceRow]:
    account = account_of(ctx)
    user = users.get_user(conn, account, name)
    return user, mfa_devices.get_device(conn, account, str(ctx.params["SerialNumber"]))


def _not_enabled_for(serial: str, user: str) -> Exception:
    return no_such_entity(f"MFA Device with serial number {serial} is not enabled for user {user}.")


def _proven_step(store: Store, conn: Connection, device: MfaDeviceRow, ctx: RequestContext) -> tuple[int, int]:
    """The step of ``AuthenticationCode2`` and the drift to record, or InvalidAuthenticationCode."""
    center = totp.current_step()
    seed = mfa_devices.device_seed(conn, store.secret_box, device)
    step = totp.consecutive_step(seed, str(ctx.params["AuthenticationCode1"]), str(ctx.params["AuthenticationCode2"]),
                                 center)
    if step is None or (device.last_step is not None and step - 1 <= device.last_step):
        raise invalid_authentication_code()
    return step, totp.drift_of(step, center)


@operation("iam", "EnableMFADevice", authorization=derived_authorization("iam", "EnableMFADevice"))
def enable_mfa_device(ctx: RequestContext, store: Store) -> None:
    """Assigns an unassigned virtual device to the user once two consecutive codes prove it."""
    with transaction(store) as conn:
        user, device = _user_and_device(conn, ctx, str(ctx.params["UserName"]))
        if device.user is not None:
            raise entity_already_exists("MFA Device is already in use.")
        if len(mfa_devices.list_user_devices(conn, user.user_id, max_items=DEVICES_PER_USER).items) \
                >= DEVICES_PER_USER:
            raise quota_exceeded("MFADevicesPerUser", DEVICES_PER_USER)
        step, drift = _proven_step(store, conn, device, ctx)
        mfa_devices.enable_device(conn, device.serial_number, user.user_id, step, drift)


@operation("iam", "DeactivateMFADevice", authorization=derived_authorization("iam", "DeactivateMFADevice"))
def deactivate_mfa_device(ctx: RequestContext, store: Store) -> None:
    """Unassigns the device from the user (the caller when no UserName); the device remains."""
    name = own_or_named(ctx)
    serial = str(ctx.params["SerialNumber"])
    if name is None:  # the root user has no device Lamina manages
        raise no_such_entity(f"MFA Device with serial number {serial} does not exist.")
    with transaction(store) as conn:
        user, device = _user_and_device(conn, ctx, name)
        if device.user is None or device.user.user_id != user.user_id:
            raise _not_enabled_for(serial, user.name)
        mfa_devices.deactivate_device(conn, device.serial_number)


@operation("iam", "ResyncMFADevice", authorization=derived_authorization("iam", "ResyncMFADevice"))
def resync_mfa_device(ctx: RequestContext, store: Store) -> None:
    """Measures the device's clock again from two consecutive codes (up to 5 minutes off)."""
    with transaction(store) as conn:
        user, device = _user_and_device(conn, ctx, str(ctx.params["UserName"]))
        if device.user is None or device.user.user_id != user.user_id:
            raise _not_enabled_for(device.serial_number, user.name)
        step, drift = _proven_step(store, conn, device, ctx)
        mfa_devices.resync_device(conn, device.serial_number, step, drift)


def _enabled(device: MfaDeviceRow) -> dict[str, Any]:
    assert device.user is not None  # a user's device list holds only enabled devices
    return {"UserName": device.user.name, "SerialNumber": device.serial_number, "EnableDate": device.enabled_at}


@operation("iam", "ListMFADevices", authorization=derived_authorization("iam", "ListMFADevices"))
def list_mfa_devices(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The devices enabled for the user (the caller's own without UserName; none for root)."""
    name = own_or_named(ctx)
    if name is None:
        return {"MFADevices": [], "IsTruncated": False}
    with transaction(store, read_only=True) as conn:
        user = users.get_user(conn, account_of(ctx), name)
        page = mfa_devices.list_user_devices(conn, user.user_id, **page_args(ctx))
    return page_out(page, "MFADevices", [_enabled(device) for device in page.items])


@operation("iam", "GetMFADevice", authorization=derived_authorization("iam", "GetMFADevice"))
def get_mfa_device(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """One device enabled for the user (the caller's own without UserName)."""
    name = own_or_named(ctx)
    serial = str(ctx.params["SerialNumber"])
    missing = no_such_entity(f"MFA Device with serial number {serial} does not exist.")
    if name is None:
        raise missing
    with transaction(store, read_only=True) as conn:
        user = users.get_user(conn, account_of(ctx), name)
        devices = mfa_devices.list_user_devices(conn, user.user_id, max_items=DEVICES_PER_USER).items
    found = [device for device in devices if device.serial_number == serial]
    if not found:
        raise missing
    return _enabled(found[0])
