"""The Lambda quick start of docs/lambda.md through the AWS CLI (v1, installed by `make test` into .cli-venv)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from functions_support import LAMBDA_TRUST, zipped

from lamina.pytest_plugin import LaminaServer, start_server

REPO = Path(__file__).resolve().parents[3]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS

pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-cli") / "data")
    yield started
    started.stop()


def aws(server: LaminaServer, *args: str, key: str | None = None, secret: str | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key or server.access_key_id,
           "AWS_SECRET_ACCESS_KEY": secret or server.secret_access_key, "AWS_DEFAULT_REGION": server.region,
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    return subprocess.run([AWS, "--endpoint-url", server.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False, cwd=cwd)


def test_quick_start(server: LaminaServer, tmp_path: Path) -> None:
    (tmp_path / "trust-policy.json").write_text(json.dumps(LAMBDA_TRUST))
    (tmp_path / "function.zip").write_bytes(zipped())
    role = aws(server, "iam", "create-role", "--role-name", "lambda-ex", "--assume-role-policy-document",
               "file://trust-policy.json", cwd=tmp_path)
    assert role.returncode == 0, role.stderr
    role_arn = json.loads(role.stdout)["Role"]["Arn"]
    created = aws(server, "lambda", "create-function", "--function-name", "my-function", "--runtime", "python3.12",
                  "--handler", "index.handler", "--role", role_arn, "--zip-file", "fileb://function.zip", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["State"] == "Pending"
    waited = aws(server, "lambda", "wait", "function-active-v2", "--function-name", "my-function")
    assert waited.returncode == 0, waited.stderr
    found = json.loads(aws(server, "lambda", "get-function", "--function-name", "my-function").stdout)
    assert found["Configuration"]["State"] == "Active" and found["Code"]["RepositoryType"] == "S3"
    listed = json.loads(aws(server, "lambda", "list-functions").stdout)
    assert [f["FunctionName"] for f in listed["Functions"]] == ["my-function"]


def test_mateojackson_from_the_cli(server: LaminaServer) -> None:
    assert aws(server, "iam", "create-user", "--user-name", "mateojackson").returncode == 0
    key = json.loads(aws(server, "iam", "create-access-key", "--user-name", "mateojackson").stdout)["AccessKey"]
    denied = aws(server, "lambda", "get-function", "--function-name", "my-function", key=key["AccessKeyId"],
                 secret=key["SecretAccessKey"])
    assert denied.returncode != 0
    assert (f"User: arn:aws:iam::{server.account_id}:user/mateojackson is not authorized to perform: "
            f"lambda:GetFunction on resource: arn:aws:lambda:us-east-1:{server.account_id}:function:my-function "
            "because no identity-based policy allows the lambda:GetFunction action") in denied.stderr
    missing = aws(server, "lambda", "get-function", "--function-name", "nothing-here")
    assert "(ResourceNotFoundException)" in missing.stderr and "Function not found: " in missing.stderr
