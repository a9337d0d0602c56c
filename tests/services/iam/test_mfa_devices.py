"""Virtual MFA devices in-process: create (seed, QR code), enable with two consecutive TOTP codes,
deactivate, resync, list, get, tags, delete, and what they block (DeleteUser)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from identity_support import ACCT, call, declared, fails, new_store, user_caller

from lamina.services import totp
from lamina.store import Store
from lamina.store.repositories import mfa_devices

SERIAL = f"arn:aws:iam::{ACCT}:mfa/alice-phone"


def codes(seed: str, offset: int = 0) -> tuple[str, str]:
    """Two consecutive codes ending at the current step (+ ``offset`` steps), as an app shows them."""
    otp, step = pyotp.TOTP(seed), totp.current_step() + offset
    return otp.generate_otp(step - 1), otp.generate_otp(step)


def create(store: Store, name: str = "alice-phone", **params: Any) -> dict[str, Any]:
    device: dict[str, Any] = call(store, "CreateVirtualMFADevice", VirtualMFADeviceName=name, **params)
    return device["VirtualMFADevice"]


def enable(store: Store, device: dict[str, Any], user: str = "alice") -> None:
    first, second = codes(device["Base32StringSeed"].decode())
    call(store, "EnableMFADevice", UserName=user, SerialNumber=device["SerialNumber"], AuthenticationCode1=first,
         AuthenticationCode2=second)


@pytest.fixture
def store() -> Iterator[Store]:
    st = new_store()
    call(st, "CreateUser", UserName="alice")
    yield st


def test_create_answers_the_seed_and_a_qr_code_png_once(store: Store) -> None:
    device = create(store)
    assert device["SerialNumber"] == SERIAL
    seed = device["Base32StringSeed"]
    assert isinstance(seed, bytes) and len(seed) == 64 and set(seed.decode()) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")
    listed = call(store, "ListVirtualMFADevices")["VirtualMFADevices"]
    assert listed == [{"SerialNumber": SERIAL}]  # no seed, no QR code after creation


def test_the_seed_is_stored_encrypted(store: Store) -> None:
    seed = create(store)["Base32StringSeed"]
    with store.transaction(read_only=True) as conn:
        device = mfa_devices.get_device(conn, ACCT, SERIAL)
        assert mfa_devices.device_seed(conn, store.secret_box, device) == seed.decode()
        stored = conn.exec_driver_sql("SELECT seed FROM mfa_devices").scalar()
    assert seed not in stored


def test_path_is_part_of_the_serial_number_and_duplicates_are_refused(store: Store) -> None:
    device = create(store, "phone", Path="/staff/")
    assert device["SerialNumber"] == f"arn:aws:iam::{ACCT}:mfa/staff/phone"
    fails(store, "CreateVirtualMFADevice", "EntityAlreadyExists",
          "MFADevice entity at the same path and name already exists.", VirtualMFADeviceName="phone", Path="/staff/")


def test_enable_needs_two_consecutive_codes(store: Store) -> None:
    device = create(store)
    first, second = codes(device["Base32StringSeed"].decode())
    for pair in ((second, first), (first, first), ("000000", second)):
        fails(store, "EnableMFADevice", "InvalidAuthenticationCode", "Authentication code for device is not valid.",
              UserName="alice", SerialNumber=SERIAL, AuthenticationCode1=pair[0], AuthenticationCode2=pair[1])
    call(store, "EnableMFADevice", UserName="alice", SerialNumber=SERIAL, AuthenticationCode1=first,
         AuthenticationCode2=second)
    listed = call(store, "ListMFADevices", UserName="alice")
    assert [(d["UserName"], d["SerialNumber"]) for d in listed["MFADevices"]] == [("alice", SERIAL)]
    assert listed["IsTruncated"] is False


def test_enabled_device_shows_its_user_in_the_account_list(store: Store) -> None:
    enable(store, create(store))
    create(store, "spare")
    assigned = call(store, "ListVirtualMFADevices", AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in assigned] == [SERIAL]
    user = call(store, "GetUser", UserName="alice")["User"]
    assert assigned[0]["User"] == {k: user[k] for k in ("Path", "UserName", "UserId", "Arn", "CreateDate")}
    assert "EnableDate" in assigned[0]
    unassigned = call(store, "ListVirtualMFADevices", AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert unassigned == [{"SerialNumber": f"arn:aws:iam::{ACCT}:mfa/spare"}]
    every = call(store, "ListVirtualMFADevices", AssignmentStatus="Any")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in every] == [SERIAL, f"arn:aws:iam::{ACCT}:mfa/spare"]


def test_a_device_in_use_cannot_be_enabled_again_or_deleted(store: Store) -> None:
    device = create(store)
    enable(store, device)
    call(store, "CreateUser", UserName="bob")
    first, second = codes(device["Base32StringSeed"].decode(), offset=1)
    fails(store, "EnableMFADevice", "EntityAlreadyExists", "MFA Device is already in use.", UserName="bob",
          SerialNumber=SERIAL, AuthenticationCode1=first, AuthenticationCode2=second)
    fails(store, "DeleteVirtualMFADevice", "DeleteConflict", "MFA VirtualDevice in use. Must deactivate first.",
          SerialNumber=SERIAL)
    fails(store, "DeleteUser", "DeleteConflict", "Cannot delete entity, must delete MFA device first.",
          UserName="alice")


def test_deactivate_then_delete_device_and_user(store: Store) -> None:
    enable(store, create(store))
    call(store, "CreateUser", UserName="bob")
    fails(store, "DeactivateMFADevice", "NoSuchEntity", UserName="bob", SerialNumber=SERIAL)
    call(store, "DeactivateMFADevice", UserName="alice", SerialNumber=SERIAL)
    assert call(store, "ListMFADevices", UserName="alice")["MFADevices"] == []
    assert call(store, "ListVirtualMFADevices")["VirtualMFADevices"] == [{"SerialNumber": SERIAL}]
    call(store, "DeleteUser", UserName="alice")
    call(store, "DeleteVirtualMFADevice", SerialNumber=SERIAL)
    fails(store, "DeleteVirtualMFADevice", "NoSuchEntity",
          f"VirtualMFADevice with serial number {SERIAL} doesn't exist.", SerialNumber=SERIAL)


def test_codes_used_to_enable_cannot_enable_again(store: Store) -> None:
    device = create(store)
    first, second = codes(device["Base32StringSeed"].decode())
    params = {"UserName": "alice", "SerialNumber": SERIAL, "AuthenticationCode1": first, "AuthenticationCode2": second}
    call(store, "EnableMFADevice", **params)
    call(store, "DeactivateMFADevice", UserName="alice", SerialNumber=SERIAL)
    fails(store, "EnableMFADevice", "InvalidAuthenticationCode", **params)


def test_get_mfa_device_and_own_devices_without_user_name(store: Store) -> None:
    enable(store, create(store))
    alice = user_caller("alice")
    found = call(store, "GetMFADevice", alice, SerialNumber=SERIAL)
    assert found["UserName"] == "alice" and found["SerialNumber"] == SERIAL and "EnableDate" in found
    assert [d["SerialNumber"] for d in call(store, "ListMFADevices", alice)["MFADevices"]] == [SERIAL]
    fails(store, "GetMFADevice", "NoSuchEntity", SerialNumber=f"arn:aws:iam::{ACCT}:mfa/other", UserName="alice")
    fails(store, "ListMFADevices", "NoSuchEntity", UserName="nobody")


def test_resync_records_the_device_clock_drift(store: Store) -> None:
    device = create(store)
    enable(store, device)
    seed = device["Base32StringSeed"].decode()
    first, second = codes(seed, offset=5)  # the device runs 2.5 minutes fast
    call(store, "ResyncMFADevice", UserName="alice", SerialNumber=SERIAL, AuthenticationCode1=first,
         AuthenticationCode2=second)
    with store.transaction(read_only=True) as conn:  # 4 if a 30-second step began since the codes were made
        assert mfa_devices.get_device(conn, ACCT, SERIAL).drift in (5, 4)
    fails(store, "ResyncMFADevice", "InvalidAuthenticationCode", UserName="alice", SerialNumber=SERIAL,
          AuthenticationCode1=first, AuthenticationCode2=second)  # the same codes twice


def test_resync_far_outside_the_window_is_refused(store: Store) -> None:
    device = create(store)
    enable(store, device)
    first, second = codes(device["Base32StringSeed"].decode(), offset=totp.RESYNC_WINDOW + 3)
    fails(store, "ResyncMFADevice", "InvalidAuthenticationCode", "Authentication code for device is not valid.",
          UserName="alice", SerialNumber=SERIAL, AuthenticationCode1=first, AuthenticationCode2=second)


def test_tags(store: Store) -> None:
    create(store, Tags=[{"Key": "team", "Value": "blue"}])
    call(store, "TagMFADevice", SerialNumber=SERIAL, Tags=[{"Key": "Team", "Value": "red"}, {"Key": "b", "Value": ""}])
    assert call(store, "ListMFADeviceTags", SerialNumber=SERIAL)["Tags"] == [  # by key, case folded
        {"Key": "b", "Value": ""}, {"Key": "Team", "Value": "red"}]
    call(store, "UntagMFADevice", SerialNumber=SERIAL, TagKeys=["TEAM", "absent"])
    assert call(store, "ListMFADeviceTags", SerialNumber=SERIAL)["Tags"] == [{"Key": "b", "Value": ""}]
    fails(store, "TagMFADevice", "InvalidInput", SerialNumber=SERIAL,
          Tags=[{"Key": "x", "Value": "1"}, {"Key": "X", "Value": "2"}])
    missing = f"arn:aws:iam::{ACCT}:mfa/none"
    fails(store, "ListMFADeviceTags", "NoSuchEntity", SerialNumber=missing)
    fails(store, "TagMFADevice", "NoSuchEntity", SerialNumber=missing, Tags=[{"Key": "x", "Value": "1"}])


def test_created_tags_are_in_the_answer(store: Store) -> None:
    device = create(store, Tags=[{"Key": "team", "Value": "blue"}])
    assert device["Tags"] == [{"Key": "team", "Value": "blue"}]


def test_declarations_name_the_device_or_the_user() -> None:
    resources, _, keys = declared("CreateVirtualMFADevice", VirtualMFADeviceName="phone", Path="/staff/",
                                  Tags=[{"Key": "team", "Value": "blue"}])
    assert resources == [f"arn:aws:iam::{ACCT}:mfa/staff/phone"]
    assert keys == {"aws:RequestTag/team": "blue", "aws:TagKeys": ["team"]}
    assert declared("DeleteVirtualMFADevice", SerialNumber=SERIAL)[0] == [SERIAL]
    assert declared("UntagMFADevice", SerialNumber=SERIAL, TagKeys=["a"])[2] == {"aws:TagKeys": ["a"]}
    resources, label, _ = declared("EnableMFADevice", UserName="alice", SerialNumber=SERIAL,
                                   AuthenticationCode1="1", AuthenticationCode2="2")
    assert resources == [f"arn:aws:iam::{ACCT}:user/alice"] and label == "user alice"
    assert declared("ListMFADevices", user_caller("alice"))[0] == [f"arn:aws:iam::{ACCT}:user/alice"]
    assert declared("ListVirtualMFADevices")[0] == ["*"]


def test_set_security_token_service_preferences_is_kept_per_account(store: Store) -> None:
    from lamina.store.repositories import sts_preferences

    with store.transaction(read_only=True) as conn:
        assert sts_preferences.global_endpoint_token_version(conn, ACCT) == "v1Token"
    call(store, "SetSecurityTokenServicePreferences", GlobalEndpointTokenVersion="v2Token")
    with store.transaction(read_only=True) as conn:
        assert sts_preferences.global_endpoint_token_version(conn, ACCT) == "v2Token"
    assert declared("SetSecurityTokenServicePreferences", GlobalEndpointTokenVersion="v1Token")[0] == ["*"]


def test_totp_window_and_qr_code() -> None:
    seed = totp.new_seed()
    otp, now = pyotp.TOTP(seed), totp.current_step()
    for offset in (-1, 0, 1):
        assert totp.matching_step(seed, otp.generate_otp(now + offset), now) == now + offset
    assert totp.matching_step(seed, otp.generate_otp(now + 2), now) is None
    assert totp.current_step(time.time()) in (now, now + 1)
    uri = totp.provisioning_uri(seed, "alice-phone", ACCT)
    assert uri.startswith("otpauth://totp/Amazon%20Web%20Services:alice-phone%40123456789012?secret=")
    assert totp.qr_code_png(uri).startswith(b"\x89PNG")


def test_a_step_is_accepted_once_and_never_an_earlier_one(store: Store) -> None:
    create(store)
    with store.transaction() as conn:
        assert mfa_devices.accept_step(conn, SERIAL, 100) is True
        assert mfa_devices.accept_step(conn, SERIAL, 100) is False  # the same code again
        assert mfa_devices.accept_step(conn, SERIAL, 99) is False  # an older one
        assert mfa_devices.accept_step(conn, SERIAL, 101) is True


def test_account_counts_for_the_summary(store: Store) -> None:
    enable(store, create(store))
    create(store, "spare")
    alice = call(store, "GetUser", UserName="alice")["User"]["UserId"]
    with store.transaction(read_only=True) as conn:
        assert mfa_devices.device_counts(conn, ACCT) == (2, 1)
        assert mfa_devices.user_has_mfa(conn, alice) is True
