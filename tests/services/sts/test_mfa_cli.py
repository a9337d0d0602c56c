"""The MFA story through the AWS CLI (v1, .cli-venv): create a virtual device (the CLI writes its
seed or QR code to a file), enable it with codes from that seed, get a session token with a code,
and use it where the user's policy requires MFA; the device commands and the STS preference too."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from lamina.pytest_plugin import LaminaServer, start_server
from lamina.services import totp

REPO = Path(__file__).resolve().parents[3]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS
pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")
ERROR_LINE = re.compile(r"An error occurred \((?P<code>[^)]+)\) when calling the (?P<operation>\w+) operation: "
                        r"(?P<message>.*)")
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:*MFADevice*", "iam:ListRoles", "sts:GetSessionToken"], "Resource": "*"},
    {"Effect": "Deny", "NotAction": ["iam:*MFADevice*", "sts:GetSessionToken"], "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}


def aws(server: LaminaServer, creds: dict[str, str] | None, *args: str) -> subprocess.CompletedProcess[str]:
    """One ``aws`` process signing with ``creds`` (access key, maybe a session token), else root."""
    creds = creds or {"AccessKeyId": server.access_key_id, "SecretAccessKey": server.secret_access_key}
    env = {**os.environ, "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
           "AWS_DEFAULT_REGION": server.region, "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_SESSION_TOKEN", None)
    if "SessionToken" in creds:
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    return subprocess.run([AWS, "--endpoint-url", server.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False)


def ok(server: LaminaServer, creds: dict[str, str] | None, *args: str) -> Any:
    done = aws(server, creds, *args)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def fails(server: LaminaServer, creds: dict[str, str] | None, *args: str) -> tuple[str, str]:
    done = aws(server, creds, *args)
    found = ERROR_LINE.search(done.stderr)
    assert found is not None and done.returncode == 255, (done.returncode, done.stderr)
    return found["code"], found["message"].strip()


@pytest.fixture(scope="module")
def lamina_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    server = start_server(tmp_path_factory.mktemp("mfa-cli") / "data")
    yield server
    server.stop()


def test_the_mfa_story_through_the_cli(lamina_server: LaminaServer, tmp_path: Path) -> None:
    ok(lamina_server, None, "iam", "create-user", "--user-name", "carol")
    ok(lamina_server, None, "iam", "put-user-policy", "--user-name", "carol", "--policy-name", "mfa",
       "--policy-document", json.dumps(POLICY))
    key = ok(lamina_server, None, "iam", "create-access-key", "--user-name", "carol")["AccessKey"]
    code, message = fails(lamina_server, key, "iam", "list-roles")
    assert code == "AccessDenied" and message.endswith("with an explicit deny in an identity-based policy")

    seed_file = tmp_path / "seed.txt"
    created = ok(lamina_server, key, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "carol",
                 "--outfile", str(seed_file), "--bootstrap-method", "Base32StringSeed")["VirtualMFADevice"]
    serial = created["SerialNumber"]
    assert serial == f"arn:aws:iam::{lamina_server.account_id}:mfa/carol"
    otp, step = pyotp.TOTP(seed_file.read_text().strip()), totp.current_step()
    code, message = fails(lamina_server, key, "iam", "enable-mfa-device", "--user-name", "carol", "--serial-number",
                          serial, "--authentication-code1", otp.generate_otp(step),
                          "--authentication-code2", otp.generate_otp(step - 1))
    assert (code, message) == ("InvalidAuthenticationCode", "Authentication code for device is not valid.")
    ok(lamina_server, key, "iam", "enable-mfa-device", "--user-name", "carol", "--serial-number", serial,
       "--authentication-code1", otp.generate_otp(step - 1), "--authentication-code2", otp.generate_otp(step))

    code, message = fails(lamina_server, key, "sts", "get-session-token", "--serial-number", serial,
                          "--token-code", otp.generate_otp(step))  # spent by enable-mfa-device
    assert (code, message) == ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
    creds = ok(lamina_server, key, "sts", "get-session-token", "--serial-number", serial,
               "--token-code", otp.generate_otp(step + 1))["Credentials"]
    assert "Roles" in ok(lamina_server, creds, "iam", "list-roles")


def test_device_commands_and_sts_preferences(lamina_server: LaminaServer, tmp_path: Path) -> None:
    png = tmp_path / "qr.png"
    created = ok(lamina_server, None, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "spare",
                 "--path", "/ops/", "--tags", "Key=team,Value=blue", "--outfile", str(png),
                 "--bootstrap-method", "QRCodePNG")["VirtualMFADevice"]
    serial = created["SerialNumber"]
    assert png.read_bytes().startswith(b"\x89PNG")
    listed = ok(lamina_server, None, "iam", "list-virtual-mfa-devices", "--assignment-status", "Unassigned")
    assert {"SerialNumber": serial} in listed["VirtualMFADevices"]
    ok(lamina_server, None, "iam", "tag-mfa-device", "--serial-number", serial, "--tags", "Key=env,Value=prod")
    tags = ok(lamina_server, None, "iam", "list-mfa-device-tags", "--serial-number", serial)["Tags"]
    assert tags == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "blue"}]
    ok(lamina_server, None, "iam", "untag-mfa-device", "--serial-number", serial, "--tag-keys", "env")
    assert ok(lamina_server, None, "iam", "list-mfa-device-tags", "--serial-number", serial)["Tags"] == [
        {"Key": "team", "Value": "blue"}]
    ok(lamina_server, None, "iam", "create-user", "--user-name", "dave")
    assert ok(lamina_server, None, "iam", "list-mfa-devices", "--user-name", "dave")["MFADevices"] == []
    code, _ = fails(lamina_server, None, "iam", "get-mfa-device", "--serial-number", serial, "--user-name", "dave")
    assert code == "NoSuchEntity"
    code, _ = fails(lamina_server, None, "iam", "deactivate-mfa-device", "--user-name", "dave", "--serial-number",
                    serial)
    assert code == "NoSuchEntity"
    code, _ = fails(lamina_server, None, "iam", "resync-mfa-device", "--user-name", "dave", "--serial-number", serial,
                    "--authentication-code1", "123456", "--authentication-code2", "654321")
    assert code == "NoSuchEntity"
    ok(lamina_server, None, "iam", "delete-virtual-mfa-device", "--serial-number", serial)
    code, message = fails(lamina_server, None, "iam", "delete-virtual-mfa-device", "--serial-number", serial)
    assert (code, message) == ("NoSuchEntity", f"VirtualMFADevice with serial number {serial} doesn't exist.")
    ok(lamina_server, None, "iam", "set-security-token-service-preferences", "--global-endpoint-token-version",
       "v2Token")
