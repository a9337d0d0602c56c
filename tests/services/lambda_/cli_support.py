"""Running the AWS CLI (v1, installed by `make test` into .cli-venv) against a Lamina server, and
reading its answers as a user does: JSON on stdout, or the error line on stderr with exit code 255.

The CLI prints a service error as ``An error occurred (CODE) when calling the OPERATION operation:
MESSAGE`` and exits with 255 (version 1, which `make test` installs; version 2 uses 254 for service
errors); ``fails`` parses that line, so a test compares the code and the sentence the user reads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_permissions_support import matches

from lamina.pytest_plugin import LaminaServer

REPO = Path(__file__).resolve().parents[3]
AWS = os.environ.get("LAMINA_AWS_CLI") or str(REPO / ".cli-venv" / "bin" / "aws")
if not Path(AWS).exists():
    AWS = shutil.which("aws") or AWS

needs_cli = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is installed by `make test` (.cli-venv)")
SERVICE_ERROR_EXIT = 255
_ERROR_LINE = re.compile(r"An error occurred \((?P<code>[^)]+)\) when calling the (?P<operation>\w+) operation: "
                         r"(?P<message>.*)")


@dataclass(frozen=True)
class CliError:
    """A service error as the CLI printed it."""

    code: str
    operation: str
    message: str
    exit_code: int


def aws(server: LaminaServer, *args: str, key: str | None = None, secret: str | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """One ``aws`` process against ``server``, signing with the root keys unless ``key``/``secret``."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key or server.access_key_id,
           "AWS_SECRET_ACCESS_KEY": secret or server.secret_access_key, "AWS_DEFAULT_REGION": server.region,
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run([AWS, "--endpoint-url", server.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, check=False, cwd=cwd)


def ok(server: LaminaServer, *args: str, **options: Any) -> Any:
    """The JSON the command printed (``{}`` for a command that prints nothing); it must succeed."""
    done = aws(server, *args, **options)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def fails(server: LaminaServer, *args: str, **options: Any) -> CliError:
    """The service error the command printed on stderr; it must exit as the CLI does for one (255)."""
    done = aws(server, *args, **options)
    found = _ERROR_LINE.search(done.stderr)
    assert found is not None, f"aws {' '.join(args)} printed no service error: {done.returncode} {done.stderr!r}"
    assert done.returncode == SERVICE_ERROR_EXIT, (done.returncode, done.stderr)
    return CliError(found["code"], found["operation"], found["message"].strip(), done.returncode)


def access_key(server: LaminaServer, user: str, policy: dict[str, Any] | None = None) -> tuple[str, str]:
    """A new IAM user ``user`` (with ``policy`` inline, if given) and its access key, made with the CLI."""
    ok(server, "iam", "create-user", "--user-name", user)
    if policy is not None:
        ok(server, "iam", "put-user-policy", "--user-name", user, "--policy-name", "granted",
           "--policy-document", json.dumps(policy))
    created = ok(server, "iam", "create-access-key", "--user-name", user)["AccessKey"]
    return str(created["AccessKeyId"]), str(created["SecretAccessKey"])


def _record(data_file: str, key: str) -> dict[str, Any]:
    data = json.loads((REPO / "tests" / "data" / f"{data_file}.json").read_text())
    found: dict[str, Any] = data["records"][key] if "records" in data else data["errors"][key]
    return found


def recorded_response(data_file: str, key: str) -> Any:
    """The answer AWS recorded under ``key`` in ``tests/data/<data_file>.json``."""
    return _record(data_file, key)["Response"]


def recorded_error(data_file: str, key: str) -> tuple[str, str]:
    """(code, message) of an error AWS answered, from ``tests/data/<data_file>.json``: the message
    keeps the snapshot's placeholders (``<function-name:1>``, account ``111111111111``)."""
    entry = _record(data_file, key)
    error = entry.get("Error") or {"Code": entry["code"], "Message": entry["message"]}
    return str(error["Code"]), str(error["Message"])


def as_recorded(error: CliError, data_file: str, key: str) -> bool:
    """The CLI printed AWS's recorded code and message (a placeholder matches any value there)."""
    code, message = recorded_error(data_file, key)
    return error.code == code and matches(message, error.message)
