"""Functions run through the AWS CLI (v1, in .cli-venv): invoke with a payload file and the log tail,
an Event invocation, a failing function, the not-found and denied answers as the CLI prints them,
and a function URL's config followed by a request to it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import access_key, fails, needs_cli, ok
from functions_support import LAMBDA_TRUST, unique, zipped

from lamina.pytest_plugin import LaminaServer, start_server

pytestmark = needs_cli

SOURCE = """\
def handler(event, context):
    print("got", event)
    if event.get("fail"):
        raise KeyError("missing")
    return {"echo": event, "id": context.aws_request_id}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("invoke-cli") / "data")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def function(server: LaminaServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    where = tmp_path_factory.mktemp("invoke-cli-files")
    (where / "trust.json").write_text(json.dumps(LAMBDA_TRUST))
    (where / "fn.zip").write_bytes(zipped({"app.py": SOURCE}))
    role = ok(server, "iam", "create-role", "--role-name", unique("cli-role"), "--assume-role-policy-document",
              "file://trust.json", cwd=where)["Role"]["Arn"]
    name = unique("cli-fn")
    ok(server, "lambda", "create-function", "--function-name", name, "--runtime", "python3.12", "--handler",
       "app.handler", "--role", role, "--zip-file", "fileb://fn.zip", cwd=where)
    return name


def test_invoke_writes_the_answer_to_the_outfile(server: LaminaServer, function: str, tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text('{"name": "cli"}')
    shown = ok(server, "lambda", "invoke", "--function-name", function, "--payload", "fileb://event.json",
               "--log-type", "Tail", "out.json", cwd=tmp_path)
    assert shown["StatusCode"] == 200 and shown["ExecutedVersion"] == "$LATEST" and "FunctionError" not in shown
    answer = json.loads((tmp_path / "out.json").read_text())
    assert answer["echo"] == {"name": "cli"}
    log = base64.b64decode(shown["LogResult"]).decode()
    assert "got {'name': 'cli'}" in log and f"REPORT RequestId: {answer['id']}" in log


def test_a_failure_an_event_and_a_dry_run(server: LaminaServer, function: str, tmp_path: Path) -> None:
    (tmp_path / "fail.json").write_text('{"fail": true}')
    shown = ok(server, "lambda", "invoke", "--function-name", function, "--payload", "fileb://fail.json", "out.json",
               cwd=tmp_path)
    assert shown["FunctionError"] == "Unhandled"
    error = json.loads((tmp_path / "out.json").read_text())
    assert (error["errorType"], error["errorMessage"]) == ("KeyError", "'missing'")
    event = ok(server, "lambda", "invoke", "--function-name", function, "--invocation-type", "Event", "out.json",
               cwd=tmp_path)
    assert event["StatusCode"] == 202
    dry = ok(server, "lambda", "invoke", "--function-name", function, "--invocation-type", "DryRun", "out.json",
             cwd=tmp_path)
    assert dry["StatusCode"] == 204


def test_not_found_and_denied_as_the_cli_prints_them(server: LaminaServer, function: str, tmp_path: Path) -> None:
    missing = fails(server, "lambda", "invoke", "--function-name", "nowhere", "out.json", cwd=tmp_path)
    assert (missing.code, missing.message) == (
        "ResourceNotFoundException",
        f"Function not found: arn:aws:lambda:{server.region}:{server.account_id}:function:nowhere:$LATEST")
    user = unique("cli-user")
    key, secret = access_key(server, user)
    denied = fails(server, "lambda", "invoke", "--function-name", function, "out.json", key=key, secret=secret,
                   cwd=tmp_path)
    assert denied.code == "AccessDeniedException"
    assert denied.message == (
        f"User: arn:aws:iam::{server.account_id}:user/{user} is not authorized to perform: lambda:InvokeFunction "
        f"on resource: arn:aws:lambda:{server.region}:{server.account_id}:function:{function} because no "
        "identity-based policy allows the lambda:InvokeFunction action")


def _cli_v2() -> str | None:
    """The AWS CLI v2 (``aws logs tail`` is a v2 command): LAMINA_AWS_CLI_V2, or an ``aws`` on this
    machine that says it is version 2 (Debian's ``awscli`` package, which `.ci/run` installs)."""
    for candidate in (os.environ.get("LAMINA_AWS_CLI_V2"), "/usr/bin/aws", shutil.which("aws")):
        if candidate and Path(candidate).exists():
            done = subprocess.run([candidate, "--version"], capture_output=True, text=True, check=False)
            if done.stdout.startswith("aws-cli/2."):
                return candidate
    return None


def test_aws_logs_tail_shows_what_the_function_printed(server: LaminaServer, function: str, tmp_path: Path) -> None:
    cli = _cli_v2()
    if cli is None:
        pytest.skip("`aws logs tail` needs the AWS CLI v2 (Debian's awscli package; .ci/run installs it)")
    marker = unique("tail-me")
    (tmp_path / "event.json").write_text(json.dumps({"marker": marker}))
    ok(server, "lambda", "invoke", "--function-name", function, "--payload", "fileb://event.json", "out.json",
       cwd=tmp_path)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": server.access_key_id, "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
           "AWS_DEFAULT_REGION": server.region, "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": ""}
    deadline, shown = time.monotonic() + 15, ""
    while marker not in shown and time.monotonic() < deadline:  # logs are written in batches
        done = subprocess.run([cli, "--endpoint-url", server.endpoint_url, "logs", "tail", f"/aws/lambda/{function}",
                               "--since", "1h"], capture_output=True, text=True, env=env, check=False, timeout=60)
        assert done.returncode == 0, done.stderr
        shown = done.stdout
        time.sleep(0.2)
    assert marker in shown and "REPORT RequestId:" in shown
