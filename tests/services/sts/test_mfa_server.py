"""MFA end to end through a real ``lamina serve`` with boto3: a user whose policy requires MFA (AWS's
documented ``BoolIfExists aws:MultiFactorAuthPresent false`` deny) is denied, creates and enables a
virtual MFA device with codes computed from its seed, gets a session token with a TOTP code, and is
allowed; wrong and reused codes are refused as AWS refuses them; role sessions carry the MFA."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from sts_support import client, error_of

from lamina.pytest_plugin import LaminaServer, start_server
from lamina.services import totp

INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
UNVALIDATED = "MultiFactorAuthentication failed, unable to validate MFA code."
SELF_SERVICE = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"]


def require_mfa(account: str) -> dict[str, Any]:
    """AWS's example "allow MFA-authenticated IAM users to manage their own MFA device", trimmed: the
    self-service actions, some work (ListRoles, AssumeRole, ListGroups if MFA is fresh), and the deny."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
         "Resource": f"arn:aws:iam::{account}:mfa/*"},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": f"arn:aws:iam::{account}:user/${{aws:username}}"},
        {"Sid": "Work", "Effect": "Allow", "Action": ["iam:ListVirtualMFADevices", "iam:ListRoles", "sts:AssumeRole",
                                                      "sts:GetSessionToken"], "Resource": "*"},
        {"Sid": "FreshMfa", "Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*",
         "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny", "NotAction": SELF_SERVICE, "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    ]}


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    server = start_server(tmp_path_factory.mktemp("mfa") / "data")
    yield server
    server.stop()


def new_user(server: LaminaServer) -> tuple[str, dict[str, Any]]:
    """A user under the MFA-requiring policy, and its long-term access key."""
    iam, name = server.client("iam"), f"mfa-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="require-mfa", PolicyDocument=json.dumps(require_mfa(
        server.account_id)))
    return name, iam.create_access_key(UserName=name)["AccessKey"]


class Device:
    """A virtual device as an authenticator app holds it: its serial number and TOTP seed."""

    def __init__(self, serial: str, seed: bytes) -> None:
        self.serial, self.otp = serial, pyotp.TOTP(seed.decode())
        self.next_step = totp.current_step() + 1  # enabling spends the current step

    def code(self) -> str:
        """A code not used yet: the next step's, which the ±1-step window already accepts. A second
        one would belong to a step beyond the window, so each test spends one (a fresh device each)."""
        step, self.next_step = self.next_step, self.next_step + 1
        assert step <= totp.current_step() + totp.WINDOW, "this test asked its device for too many codes"
        return self.otp.generate_otp(step)

    def wrong(self) -> str:
        """A code of no step in the window."""
        near = {self.otp.generate_otp(totp.current_step() + offset) for offset in range(-3, 4)}
        return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in near)


def enabled_device(server: LaminaServer, name: str, key: dict[str, Any]) -> Device:
    """The user creates a virtual device and enables it with two consecutive codes of its seed."""
    iam = client(server, "iam", key)
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    otp, step = pyotp.TOTP(created["Base32StringSeed"].decode()), totp.current_step()
    iam.enable_mfa_device(UserName=name, SerialNumber=created["SerialNumber"],
                          AuthenticationCode1=otp.generate_otp(step - 1), AuthenticationCode2=otp.generate_otp(step))
    return Device(created["SerialNumber"], created["Base32StringSeed"])


@pytest.fixture
def story(lamina_server: LaminaServer) -> tuple[str, dict[str, Any], Device]:
    name, key = new_user(lamina_server)
    return name, key, enabled_device(lamina_server, name, key)


def test_without_mfa_the_user_is_denied_by_the_explicit_deny(lamina_server: LaminaServer) -> None:
    name, key = new_user(lamina_server)
    code, message, status = error_of(lambda: client(lamina_server, "iam", key).list_roles())
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(f"User: arn:aws:iam::{lamina_server.account_id}:user/{name} is not authorized to "
                              "perform: iam:ListRoles on resource: ")
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_a_session_token_with_a_totp_code_is_allowed(lamina_server: LaminaServer,
                                                     story: tuple[str, dict[str, Any], Device]) -> None:
    name, key, device = story
    sts = client(lamina_server, "sts", key)
    creds = sts.get_session_token(SerialNumber=device.serial, TokenCode=device.code())["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    session = client(lamina_server, "iam", creds)
    assert "Roles" in session.list_roles()
    assert "Groups" in session.list_groups()  # aws:MultiFactorAuthAge is present, and small
    listed = session.list_mfa_devices()["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [(name, device.serial)]


def test_a_session_token_without_mfa_cannot_call_iam(lamina_server: LaminaServer,
                                                     story: tuple[str, dict[str, Any], Device]) -> None:
    """AWS: GetSessionToken credentials "cannot call any IAM API operations unless MFA authentication
    information is included"; IAM answers as for a token it does not know."""
    name, key, _ = story
    creds = client(lamina_server, "sts", key).get_session_token()["Credentials"]
    assert error_of(lambda: client(lamina_server, "iam", creds).list_mfa_devices()) == (
        "InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    assert client(lamina_server, "sts", creds).get_caller_identity()["Arn"].endswith(f":user/{name}")


def test_wrong_reused_and_foreign_codes_are_refused(lamina_server: LaminaServer,
                                                    story: tuple[str, dict[str, Any], Device]) -> None:
    _, key, device = story
    sts = client(lamina_server, "sts", key)
    good = device.code()
    assert error_of(lambda: sts.get_session_token(SerialNumber=device.serial, TokenCode=device.wrong())) == (
        "AccessDenied", INVALID_CODE, 403)
    sts.get_session_token(SerialNumber=device.serial, TokenCode=good)
    assert error_of(lambda: sts.get_session_token(SerialNumber=device.serial, TokenCode=good)) == (
        "AccessDenied", INVALID_CODE, 403)
    other = f"arn:aws:iam::{lamina_server.account_id}:mfa/nobody"
    assert error_of(lambda: sts.get_session_token(SerialNumber=other, TokenCode=good)) == (
        "AccessDenied", UNVALIDATED, 403)


def test_another_users_device_is_not_the_callers(lamina_server: LaminaServer,
                                                story: tuple[str, dict[str, Any], Device]) -> None:
    _, _, device = story
    _, other_key = new_user(lamina_server)
    sts = client(lamina_server, "sts", other_key)
    assert error_of(lambda: sts.get_session_token(SerialNumber=device.serial, TokenCode=device.code())) == (
        "AccessDenied", UNVALIDATED, 403)


def mfa_role(server: LaminaServer) -> dict[str, Any]:
    """A role whose trust policy requires MFA, allowed to list roles."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{server.account_id}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    iam = server.client("iam")
    role: dict[str, Any] = iam.create_role(RoleName=f"admin-{uuid.uuid4().hex[:8]}",
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="work", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:ListRoles", "sts:AssumeRole"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
    return role


def test_assume_role_with_a_code_meets_a_trust_policy_requiring_mfa(lamina_server: LaminaServer) -> None:
    name, key = new_user(lamina_server)
    device = enabled_device(lamina_server, name, key)
    role, sts = mfa_role(lamina_server), client(lamina_server, "sts", key)
    code, message, _ = error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ops"))
    assert code == "AccessDenied" and "sts:AssumeRole" in message
    assert error_of(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ops", SerialNumber=device.serial,
                                            TokenCode=device.wrong())) == (
        "AccessDenied", INVALID_CODE, 403)
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ops", SerialNumber=device.serial,
                            TokenCode=device.code())["Credentials"]
    session = client(lamina_server, "iam", creds)
    assert "Groups" in session.list_groups()  # the role session is MFA-authenticated
    chained = client(lamina_server, "sts", creds).assume_role(RoleArn=role["Arn"], RoleSessionName="chained")
    assert "Groups" in client(lamina_server, "iam", chained["Credentials"]).list_groups()  # and so is its chain


def test_an_mfa_session_token_assumes_the_role_without_another_code(lamina_server: LaminaServer) -> None:
    name, key = new_user(lamina_server)
    device = enabled_device(lamina_server, name, key)
    role = mfa_role(lamina_server)
    plain = client(lamina_server, "sts", key).get_session_token()["Credentials"]
    code, _, _ = error_of(lambda: client(lamina_server, "sts", plain).assume_role(RoleArn=role["Arn"],
                                                                                   RoleSessionName="ops"))
    assert code == "AccessDenied"
    mfa = client(lamina_server, "sts", key).get_session_token(SerialNumber=device.serial,
                                                              TokenCode=device.code())["Credentials"]
    creds = client(lamina_server, "sts", mfa).assume_role(RoleArn=role["Arn"], RoleSessionName="ops")["Credentials"]
    assert "Groups" in client(lamina_server, "iam", creds).list_groups()


def test_deactivated_device_no_longer_gives_mfa(lamina_server: LaminaServer) -> None:
    name, key = new_user(lamina_server)
    device = enabled_device(lamina_server, name, key)
    lamina_server.client("iam").deactivate_mfa_device(UserName=name, SerialNumber=device.serial)
    sts = client(lamina_server, "sts", key)
    assert error_of(lambda: sts.get_session_token(SerialNumber=device.serial, TokenCode=device.code())) == (
        "AccessDenied", UNVALIDATED, 403)
