"""Virtual MFA devices: their encrypted TOTP seeds, which user each is enabled for, and the codes used.

The serial number (the device ARN) is the device's key. The seed is SecretBox ciphertext bound to
the serial number, decrypted only to check a code. ``last_step`` makes each code single-use:
:func:`accept_step` moves it forward only past its current value, in one conditional UPDATE, so
two requests racing with the same code cannot both win, on any number of nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, func, or_, select

from ..crypto import SecretBox
from ..errors import AlreadyExists, DeleteConflict, NotFound
from ..schema import mfa_devices, users
from . import tags
from ._common import DEFAULT_MAX_ITEMS, Page, iam_arn, now, paginate
from .accounts import require_account
from .users import UserRow

Assignment = Literal["Assigned", "Unassigned", "Any"]
TAG_KIND = "mfa"
"""The ``tags.resource_kind`` of an MFA device (its ``resource_id`` is the serial number)."""


@dataclass(frozen=True)
class MfaDeviceRow:
    serial_number: str
    account_id: str
    name: str
    path: str
    created_at: datetime
    user: UserRow | None = None
    enabled_at: datetime | None = None
    last_step: int | None = None
    drift: int = 0


def serial_number(account_id: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``: AWS names a virtual device by its ARN."""
    return iam_arn(account_id, "mfa", path, name)


def _columns() -> list[Any]:
    return [mfa_devices, *(column.label(f"user_{column.name}") for column in users.c)]


def _device(row: Row[Any]) -> MfaDeviceRow:
    user = None
    if row.user_user_id is not None:
        user = UserRow(row.user_account_id, row.user_user_id, row.user_name, row.user_path, row.user_created_at,
                       row.user_permissions_boundary)
    return MfaDeviceRow(row.serial_number, row.account_id, row.name, row.path, row.created_at, user,
                        row.enabled_at, row.last_step, row.drift)


def _joined() -> Any:
    return select(*_columns()).select_from(mfa_devices.outerjoin(users, users.c.user_id == mfa_devices.c.user_id))


def create_device(conn: Connection, box: SecretBox, account_id: str, name: str, path: str, seed: str) -> MfaDeviceRow:
    """A new unassigned device; the same path and name twice is AlreadyExists."""
    require_account(conn, account_id)
    serial = serial_number(account_id, path, name)
    if conn.execute(select(mfa_devices.c.serial_number).where(mfa_devices.c.serial_number == serial)).first():
        raise AlreadyExists("mfa_device", serial)
    created = now()
    conn.execute(mfa_devices.insert().values(serial_number=serial, account_id=account_id, name=name, path=path,
                                             seed=box.encrypt(seed, context=serial), drift=0, created_at=created))
    return MfaDeviceRow(serial, account_id, name, path, created)


def get_device(conn: Connection, account_id: str, serial: str) -> MfaDeviceRow:
    row = conn.execute(_joined().where(mfa_devices.c.serial_number == serial,
                                       mfa_devices.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("mfa_device", serial)
    return _device(row)


def device_seed(conn: Connection, box: SecretBox, device: MfaDeviceRow) -> str:
    """The Base32 TOTP seed, decrypted to check a code (never returned after creation)."""
    blob = conn.execute(select(mfa_devices.c.seed).where(mfa_devices.c.serial_number == device.serial_number)).scalar()
    if blob is None:
        raise NotFound("mfa_device", device.serial_number)
    return box.decrypt(blob, context=device.serial_number)


def list_devices(conn: Connection, account_id: str, assignment: Assignment = "Any", *, marker: str | None = None,
                 max_items: int = DEFAULT_MAX_ITEMS) -> Page[MfaDeviceRow]:
    """The account's virtual devices by serial number, all or only the (un)assigned ones."""
    stmt = _joined().where(mfa_devices.c.account_id == account_id)
    if assignment == "Assigned":
        stmt = stmt.where(mfa_devices.c.user_id.is_not(None))
    elif assignment == "Unassigned":
        stmt = stmt.where(mfa_devices.c.user_id.is_(None))
    return paginate(conn, stmt, mfa_devices.c.serial_number, _device, marker=marker, max_items=max_items)


def list_user_devices(conn: Connection, user_id: str, *, marker: str | None = None,
                      max_items: int = DEFAULT_MAX_ITEMS) -> Page[MfaDeviceRow]:
    """The devices enabled for a user, by serial number."""
    stmt = _joined().where(mfa_devices.c.user_id == user_id)
    return paginate(conn, stmt, mfa_devices.c.serial_number, _device, marker=marker, max_items=max_items)


def delete_device(conn: Connection, account_id: str, serial: str) -> None:
    """Delete an unassigned device and its tags; an enabled one is a DeleteConflict."""
    device = get_device(conn, account_id, serial)
    if device.user is not None:
        raise DeleteConflict("mfa_device", serial, "user")
    tags.delete_all_tags(conn, TAG_KIND, serial)
    conn.execute(mfa_devices.delete().where(mfa_devices.c.serial_number == serial))


def enable_device(conn: Connection, serial: str, user_id: str, step: int, drift: int) -> None:
    """Assign the device to a user, remembering the last code's step (used) and the clock drift."""
    conn.execute(mfa_devices.update().where(mfa_devices.c.serial_number == serial)
                 .values(user_id=user_id, enabled_at=now(), last_step=step, drift=drift))


def deactivate_device(conn: Connection, serial: str) -> None:
    """Unassign the device; it stays, with its seed, until DeleteVirtualMFADevice."""
    conn.execute(mfa_devices.update().where(mfa_devices.c.serial_number == serial)
                 .values(user_id=None, enabled_at=None))


def resync_device(conn: Connection, serial: str, step: int, drift: int) -> None:
    """Record the drift ResyncMFADevice measured and the step its codes used."""
    conn.execute(mfa_devices.update().where(mfa_devices.c.serial_number == serial).values(drift=drift))
    accept_step(conn, serial, step)


def accept_step(conn: Connection, serial: str, step: int) -> bool:
    """Use the code of ``step`` once: True when no code at or after it was used before."""
    result = conn.execute(mfa_devices.update()
                          .where(mfa_devices.c.serial_number == serial,
                                 or_(mfa_devices.c.last_step.is_(None), mfa_devices.c.last_step < step))
                          .values(last_step=step))
    return int(result.rowcount) == 1


def device_counts(conn: Connection, account_id: str) -> tuple[int, int]:
    """(virtual devices, devices enabled for a user) in the account, for GetAccountSummary."""
    total = conn.execute(select(func.count()).where(mfa_devices.c.account_id == account_id)).scalar() or 0
    in_use = conn.execute(select(func.count()).where(mfa_devices.c.account_id == account_id,
                                                     mfa_devices.c.user_id.is_not(None))).scalar() or 0
    return int(total), int(in_use)


def user_has_mfa(conn: Connection, user_id: str) -> bool:
    """Whether any device is enabled for the user (the credential report's ``mfa_active``)."""
    return conn.execute(select(mfa_devices.c.serial_number).where(mfa_devices.c.user_id == user_id)).first() is not None
