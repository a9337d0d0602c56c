"""Virtual MFA devices as objects of the account: CreateVirtualMFADevice, DeleteVirtualMFADevice,
ListVirtualMFADevices, and their tags (TagMFADevice, UntagMFADevice, ListMFADeviceTags).

The device's TOTP seed and its QR code are in CreateVirtualMFADevice's answer only; the seed is
kept encrypted (``store.secret_box``) for checking codes, and never shown again. Enabling a device
for a user is ``mfa_devices``'s business.
"""

from __future__ import annotations

from typing import Any

from lamina.context import RequestContext
from lamina.services import totp
from lamina.services.registry import operation
from lamina.store import Store
from lamina.store.repositories import mfa_devices, tags
from lamina.store.repositories.mfa_devices import MfaDeviceRow

from ._common import account_of, page_args, page_out, request_tags, tags_out, transaction
from .declarations import derived_authorization
from .users import user_out

TAG_KIND = mfa_devices.TAG_KIND


def device_out(device: MfaDeviceRow) -> dict[str, Any]:
    """A ``VirtualMFADevice`` as lists show it: the serial number, and the user and date once enabled."""
    out: dict[str, Any] = {"SerialNumber": device.serial_number}
    if device.user is not None:
        out["User"] = user_out(device.user)
    if device.enabled_at is not None:
        out["EnableDate"] = device.enabled_at
    return out


@operation("iam", "CreateVirtualMFADevice", authorization=derived_authorization("iam", "CreateVirtualMFADevice"))
def create_virtual_mfa_device(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """A new unassigned device: its seed (Base32) and a QR code of its ``otpauth://`` URI, this once."""
    account, name = account_of(ctx), str(ctx.params["VirtualMFADeviceName"])
    new_tags, seed = request_tags(ctx), totp.new_seed()
    with transaction(store) as conn:
        device = mfa_devices.create_device(conn, store.secret_box, account, name, ctx.params.get("Path") or "/", seed)
        if new_tags:
            tags.tag_resource(conn, account, TAG_KIND, device.serial_number, new_tags)
    png = totp.qr_code_png(totp.provisioning_uri(seed, name, account))
    out: dict[str, Any] = {"SerialNumber": device.serial_number, "Base32StringSeed": seed.encode(), "QRCodePNG": png}
    if new_tags:
        out["Tags"] = tags_out(new_tags)
    return {"VirtualMFADevice": out}


@operation("iam", "DeleteVirtualMFADevice", authorization=derived_authorization("iam", "DeleteVirtualMFADevice"))
def delete_virtual_mfa_device(ctx: RequestContext, store: Store) -> None:
    """Deletes an unassigned device and its tags; an enabled one must be deactivated first."""
    with transaction(store) as conn:
        mfa_devices.delete_device(conn, account_of(ctx), str(ctx.params["SerialNumber"]))


@operation("iam", "ListVirtualMFADevices", authorization=derived_authorization("iam", "ListVirtualMFADevices"))
def list_virtual_mfa_devices(ctx: RequestContext, store: Store) -> dict[str, Any]:
    """The account's devices; ``AssignmentStatus`` Assigned, Unassigned or Any (the default)."""
    status: mfa_devices.Assignment = ctx.params.get("AssignmentStatus") or "Any"
    with transaction(store, read_only=True) as conn:
        page = mfa_devices.list_devices(conn, account_of(ctx), status, **page_args(ctx))
    return page_out(page, "VirtualMFADevices", [device_out(device) for device in page.items])


def _device(ctx: RequestContext, store: Store) -> MfaDeviceRow:
    with transaction(store, read_only=True) as conn:
        return mfa_devices.get_device(conn, account_of(ctx), str(ctx.params["SerialNumber"]))


@operation("iam", "TagMFADevice", authorization=derived_authorization("iam", "TagMFADevice"))
def tag_mfa_device(ctx: RequestContext, store: Store) -> None:
    """Adds tags or replaces the value of a key already there (keys compared case-insensitively)."""
    account, new = account_of(ctx), request_tags(ctx)
    with transaction(store) as conn:
        device = mfa_devices.get_device(conn, account, str(ctx.params["SerialNumber"]))
        tags.tag_resource(conn, account, TAG_KIND, device.serial_number, new)


@operation("iam", "UntagMFADevice", authorization=derived_authorization("iam", "UntagMFADevice"))
def untag_mfa_device(ctx: RequestContext, store: Store) -> None:
    """Keys the device does not have are ignored, as AWS does."""
    with transaction(store) as conn:
        device = mfa_devices.get_device(conn, account_of(ctx), str(ctx.params["SerialNumber"]))
        tags.untag_resource(conn, TAG_KIND, device.serial_number, ctx.params.get("TagKeys") or [])


@operation("iam", "ListMFADeviceTags", authorization=derived_authorization("iam", "ListMFADeviceTags"))
def list_mfa_device_tags(ctx: RequestContext, store: Store) -> dict[str, Any]:
    device = _device(ctx, store)
    with transaction(store, read_only=True) as conn:
        page = tags.list_tags(conn, TAG_KIND, device.serial_number, **page_args(ctx))
    return page_out(page, "Tags", [{"Key": tag.key, "Value": tag.value} for tag in page.items])
