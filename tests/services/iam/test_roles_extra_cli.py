"""Service-linked roles, instance profiles, account aliases, the account summary and ChangePassword
through the AWS CLI (v1, installed by `make test` into .cli-venv), as a user types them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lamina.pytest_plugin import LaminaServer, start_server

REPO = Path(__file__).resolve().parents[3]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS

pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")
_ERROR = re.compile(r"An error occurred \((?P<code>[^)]+)\) when calling the \w+ operation: (?P<message>.*)")
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("iam-cli") / "data")
    yield started
    started.stop()


def aws(server: LaminaServer, *args: str, key: tuple[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    key_id, secret = key or (server.access_key_id, server.secret_access_key)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_DEFAULT_REGION": server.region, "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run([AWS, "--endpoint-url", server.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False)


def ok(server: LaminaServer, *args: str, key: tuple[str, str] | None = None) -> Any:
    done = aws(server, *args, key=key)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def fails(server: LaminaServer, *args: str, key: tuple[str, str] | None = None) -> tuple[str, str]:
    done = aws(server, *args, key=key)
    found = _ERROR.search(done.stderr)
    assert found is not None and done.returncode == 255, (done.returncode, done.stderr)
    return found["code"], found["message"].strip()


def test_service_linked_role_commands(server: LaminaServer) -> None:
    role = ok(server, "iam", "create-service-linked-role", "--aws-service-name", "autoscaling.amazonaws.com",
              "--custom-suffix", "cli")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling_cli"
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    assert fails(server, "iam", "create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com",
                 "--custom-suffix", "x") == ("InvalidInput", "Custom suffix is not allowed for ecs.amazonaws.com")
    assert fails(server, "iam", "delete-role", "--role-name", role["RoleName"])[0] == "UnmodifiableEntity"
    task = ok(server, "iam", "delete-service-linked-role", "--role-name", role["RoleName"])["DeletionTaskId"]
    assert ok(server, "iam", "get-service-linked-role-deletion-status",
              "--deletion-task-id", task)["Status"] == "SUCCEEDED"


def test_instance_profile_commands(server: LaminaServer) -> None:
    ok(server, "iam", "create-role", "--role-name", "cli-ec2", "--assume-role-policy-document", TRUST)
    created = ok(server, "iam", "create-instance-profile", "--instance-profile-name", "cli-profile",
                 "--path", "/cli/", "--tags", "Key=env,Value=dev")["InstanceProfile"]
    assert created["Arn"].endswith(":instance-profile/cli/cli-profile")
    ok(server, "iam", "add-role-to-instance-profile", "--instance-profile-name", "cli-profile",
       "--role-name", "cli-ec2")
    got = ok(server, "iam", "get-instance-profile", "--instance-profile-name", "cli-profile")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["cli-ec2"] and got["Tags"] == [{"Key": "env", "Value": "dev"}]
    listed = ok(server, "iam", "list-instance-profiles-for-role", "--role-name", "cli-ec2")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["cli-profile"]
    assert [p["InstanceProfileName"] for p in ok(server, "iam", "list-instance-profiles", "--path-prefix",
                                                    "/cli/")["InstanceProfiles"]] == ["cli-profile"]
    ok(server, "iam", "tag-instance-profile", "--instance-profile-name", "cli-profile", "--tags", "Key=a,Value=1")
    ok(server, "iam", "untag-instance-profile", "--instance-profile-name", "cli-profile", "--tag-keys", "env")
    assert ok(server, "iam", "list-instance-profile-tags", "--instance-profile-name", "cli-profile")["Tags"] == [
        {"Key": "a", "Value": "1"}]
    assert fails(server, "iam", "delete-role", "--role-name", "cli-ec2") == (
        "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
    ok(server, "iam", "remove-role-from-instance-profile", "--instance-profile-name", "cli-profile",
       "--role-name", "cli-ec2")
    ok(server, "iam", "delete-instance-profile", "--instance-profile-name", "cli-profile")
    assert fails(server, "iam", "get-instance-profile", "--instance-profile-name", "cli-profile") == (
        "NoSuchEntity", "Instance Profile cli-profile cannot be found.")


def test_account_commands(server: LaminaServer) -> None:
    ok(server, "iam", "create-account-alias", "--account-alias", "cli-alias")
    assert ok(server, "iam", "list-account-aliases")["AccountAliases"] == ["cli-alias"]
    ok(server, "iam", "delete-account-alias", "--account-alias", "cli-alias")
    assert ok(server, "iam", "list-account-aliases")["AccountAliases"] == []
    summary = ok(server, "iam", "get-account-summary")["SummaryMap"]
    assert summary["RolesQuota"] == 1000 and summary["Users"] >= 0

    ok(server, "iam", "create-user", "--user-name", "cli-changer")
    ok(server, "iam", "put-user-policy", "--user-name", "cli-changer", "--policy-name", "own", "--policy-document",
       json.dumps({"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "*"}]}))
    ok(server, "iam", "create-login-profile", "--user-name", "cli-changer", "--password", "Old-Passw0rd!")
    created = ok(server, "iam", "create-access-key", "--user-name", "cli-changer")["AccessKey"]
    key = (created["AccessKeyId"], created["SecretAccessKey"])
    assert fails(server, "iam", "change-password", "--old-password", "Old-Passw0rd!", "--new-password", "x",
                 key=key) == ("PasswordPolicyViolation", "Password does not conform to the account password policy.")
    ok(server, "iam", "change-password", "--old-password", "Old-Passw0rd!", "--new-password", "New-Passw0rd!",
       key=key)
    assert fails(server, "iam", "change-password", "--old-password", "a", "--new-password", "b")[0] == "InvalidUserType"
