"""The same story from the AWS CLI (v1, installed by `make test` into .cli-venv, beside boto3's botocore)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from lamina_server import ACCOUNT, ROOT_KEY, ROOT_SECRET, Lamina, start_lamina

REPO = Path(__file__).resolve().parents[2]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS

pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")


@pytest.fixture(scope="module")
def lamina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lamina]:
    server = start_lamina(tmp_path_factory.mktemp("cli") / "data", name="cli")
    yield server
    server.stop()


def aws(lamina: Lamina, *args: str, key: str = ROOT_KEY, secret: str = ROOT_SECRET) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    return subprocess.run([AWS, "--endpoint-url", lamina.endpoint, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False)


def test_cli_story(lamina: Lamina) -> None:
    assert json.loads(aws(lamina, "sts", "get-caller-identity").stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert aws(lamina, "iam", "create-user", "--user-name", "mateojackson").returncode == 0
    created = aws(lamina, "iam", "create-access-key", "--user-name", "mateojackson")
    key = json.loads(created.stdout)["AccessKey"]
    denied = aws(lamina, "iam", "get-user", "--user-name", "mateojackson", key=key["AccessKeyId"],
                 secret=key["SecretAccessKey"])
    assert denied.returncode != 0
    assert "(AccessDenied)" in denied.stderr
    assert (f"User: arn:aws:iam::{ACCOUNT}:user/mateojackson is not authorized to perform: iam:GetUser"
            in denied.stderr)
    assert "because no identity-based policy allows the iam:GetUser action" in denied.stderr
    attached = aws(lamina, "iam", "attach-user-policy", "--user-name", "mateojackson", "--policy-arn",
                   "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert attached.returncode == 0, attached.stderr
    allowed = aws(lamina, "iam", "get-user", "--user-name", "mateojackson", key=key["AccessKeyId"],
                  secret=key["SecretAccessKey"])
    assert json.loads(allowed.stdout)["User"]["UserName"] == "mateojackson"
    assert aws(lamina, "iam", "create-access-key", "--user-name", "mateojackson").returncode == 0
    third = aws(lamina, "iam", "create-access-key", "--user-name", "mateojackson")
    assert "(LimitExceeded)" in third.stderr and "Cannot exceed quota for AccessKeysPerUser: 2" in third.stderr
    listed = json.loads(aws(lamina, "iam", "list-access-keys", "--user-name", "mateojackson").stdout)
    assert all("SecretAccessKey" not in k for k in listed["AccessKeyMetadata"])
