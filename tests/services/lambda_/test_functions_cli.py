"""Functions through the AWS CLI (v1, installed by `make test` into .cli-venv): the quick start of
docs/lambda.md, a function's whole life (create from a zip with fileb://, read, update, publish,
list page by page, delete) and the errors a user reads on stderr, compared with AWS's recorded
answers where they exist."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import as_recorded, aws, fails, needs_cli, ok
from functions_support import LAMBDA_TRUST, zipped

from lamina.pytest_plugin import LaminaServer, start_server

pytestmark = needs_cli


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    started = start_server(tmp_path_factory.mktemp("lambda-cli") / "data")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def role_arn(server: LaminaServer) -> str:
    created = ok(server, "iam", "create-role", "--role-name", "lambda-ex", "--assume-role-policy-document",
                 json.dumps(LAMBDA_TRUST))
    return str(created["Role"]["Arn"])


def sha256_of(package: bytes) -> str:
    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def create_from_zip(server: LaminaServer, role_arn: str, name: str, folder: Path, *more: str) -> dict[str, str]:
    (folder / "function.zip").write_bytes(zipped())
    found: dict[str, str] = ok(server, "lambda", "create-function", "--function-name", name, "--runtime",
                               "python3.12", "--handler", "index.handler", "--role", role_arn, "--zip-file",
                               "fileb://function.zip", *more, cwd=folder)
    return found


def test_quick_start(server: LaminaServer, role_arn: str, tmp_path: Path) -> None:
    created = create_from_zip(server, role_arn, "my-function", tmp_path)
    assert created["State"] == "Pending" and created["StateReasonCode"] == "Creating"
    package = (tmp_path / "function.zip").read_bytes()
    assert created["CodeSha256"] == sha256_of(package) and created["CodeSize"] == len(package)
    waited = aws(server, "lambda", "wait", "function-active-v2", "--function-name", "my-function")
    assert waited.returncode == 0, waited.stderr
    found = ok(server, "lambda", "get-function", "--function-name", "my-function")
    assert found["Configuration"]["State"] == "Active" and found["Code"]["RepositoryType"] == "S3"
    assert found["Code"]["Location"].startswith(f"{server.endpoint_url}/_lamina/code/")
    listed = ok(server, "lambda", "list-functions")
    assert [f["FunctionName"] for f in listed["Functions"]] == ["my-function"]


def test_mateojackson_from_the_cli(server: LaminaServer) -> None:
    assert aws(server, "iam", "create-user", "--user-name", "mateojackson").returncode == 0
    key = json.loads(aws(server, "iam", "create-access-key", "--user-name", "mateojackson").stdout)["AccessKey"]
    denied = fails(server, "lambda", "get-function", "--function-name", "my-function", key=key["AccessKeyId"],
                   secret=key["SecretAccessKey"])
    assert (denied.code, denied.operation) == ("AccessDeniedException", "GetFunction")
    assert denied.message == (
        f"User: arn:aws:iam::{server.account_id}:user/mateojackson is not authorized to perform: "
        f"lambda:GetFunction on resource: arn:aws:lambda:us-east-1:{server.account_id}:function:my-function "
        "because no identity-based policy allows the lambda:GetFunction action")
    missing = fails(server, "lambda", "get-function", "--function-name", "nothing-here")
    assert missing.code == "ResourceNotFoundException"
    assert missing.message == f"Function not found: arn:aws:lambda:us-east-1:{server.account_id}:function:nothing-here"


def test_a_function_from_create_to_delete(server: LaminaServer, role_arn: str, tmp_path: Path) -> None:
    arn = f"arn:aws:lambda:us-east-1:{server.account_id}:function:life"
    create_from_zip(server, role_arn, "life", tmp_path, "--description", "first", "--environment",
                    "Variables={GREETING=hello}")
    again = fails(server, "lambda", "create-function", "--function-name", "life", "--runtime", "python3.12",
                  "--handler", "index.handler", "--role", role_arn, "--zip-file", "fileb://function.zip", cwd=tmp_path)
    assert (again.code, again.message) == ("ResourceConflictException", "Function already exist: life")
    config = ok(server, "lambda", "get-function-configuration", "--function-name", "life")
    assert (config["FunctionArn"], config["State"], config["Description"]) == (arn, "Active", "first")
    assert config["Environment"] == {"Variables": {"GREETING": "hello"}}

    stale = fails(server, "lambda", "update-function-configuration", "--function-name", "life", "--timeout", "10",
                  "--revision-id", "00000000-0000-0000-0000-000000000000")
    assert as_recorded(stale, "lambda_versions_recorded_answers",
                       "function_revisions_version_and_alias/update_alias_revision_exception")
    updated = ok(server, "lambda", "update-function-configuration", "--function-name", "life", "--timeout", "10",
                 "--memory-size", "256", "--revision-id", config["RevisionId"])
    assert (updated["Timeout"], updated["MemorySize"], updated["LastUpdateStatus"]) == (10, 256, "InProgress")
    assert updated["RevisionId"] != config["RevisionId"]

    (tmp_path / "v2.zip").write_bytes(zipped({"index.py": "def handler(event, context):\n    return 2\n"}))
    published = ok(server, "lambda", "update-function-code", "--function-name", "life", "--zip-file",
                   "fileb://v2.zip", "--publish", cwd=tmp_path)
    assert (published["Version"], published["FunctionArn"]) == ("1", f"{arn}:1")
    assert published["CodeSha256"] == sha256_of((tmp_path / "v2.zip").read_bytes())
    version = ok(server, "lambda", "get-function", "--function-name", "life", "--qualifier", "1")
    assert (version["Configuration"]["Version"], version["Configuration"]["Timeout"]) == ("1", 10)

    missing_version = fails(server, "lambda", "get-function-configuration", "--function-name", "life",
                            "--qualifier", "1221")
    assert as_recorded(missing_version, "lambda_function_answers", "missing_version")
    latest = fails(server, "lambda", "delete-function", "--function-name", "life", "--qualifier", "$LATEST")
    assert (latest.code, latest.message) == ("InvalidParameterValueException",
                                             "$LATEST version cannot be deleted without deleting the function.")
    assert ok(server, "lambda", "delete-function", "--function-name", "life") == {"StatusCode": 204}  # as recorded
    gone = fails(server, "lambda", "get-function", "--function-name", arn)
    assert as_recorded(gone, "lambda_function_answers", "deleted_function") and gone.message.endswith(":life")


def test_creation_errors(server: LaminaServer, role_arn: str, tmp_path: Path) -> None:
    (tmp_path / "function.zip").write_bytes(zipped())
    base = ("lambda", "create-function", "--function-name", "wrong", "--handler", "index.handler")
    runtime = fails(server, *base, "--role", role_arn, "--runtime", "non-existent-runtime", "--zip-file",
                    "fileb://function.zip", cwd=tmp_path)
    assert as_recorded(runtime, "lambda_function_answers", "invalid_runtime")
    large = fails(server, *base, "--role", role_arn, "--runtime", "python3.12", "--zip-file", "fileb://function.zip",
                  "--environment", json.dumps({"Variables": {"LARGE_VAR": "x" * 4081}}), cwd=tmp_path)
    assert as_recorded(large, "lambda_function_answers", "large_environment")
    listed = fails(server, "lambda", "list-functions", "--function-version", "invalid")
    assert as_recorded(listed, "lambda_function_answers", "list_invalid_function_version")


def test_list_functions_page_by_page(server: LaminaServer, role_arn: str, tmp_path: Path) -> None:
    """The CLI pages with Marker/MaxItems itself: ``--page-size`` asks one function per request,
    ``--max-items`` stops early and prints a NextToken that ``--starting-token`` resumes."""
    for name in ("page-a", "page-b"):
        create_from_zip(server, role_arn, name, tmp_path)
    every = ok(server, "lambda", "list-functions", "--page-size", "1")
    names = [f["FunctionName"] for f in every["Functions"]]
    assert names == sorted(names) and {"my-function", "page-a", "page-b"} <= set(names)
    first = ok(server, "lambda", "list-functions", "--max-items", "2")
    assert [f["FunctionName"] for f in first["Functions"]] == names[:2] and first["NextToken"]
    rest = ok(server, "lambda", "list-functions", "--starting-token", first["NextToken"])
    assert [f["FunctionName"] for f in rest["Functions"]] == names[2:]
    versions = ok(server, "lambda", "list-functions", "--function-version", "ALL")
    arns = {f["FunctionArn"] for f in versions["Functions"]}
    assert f"arn:aws:lambda:us-east-1:{server.account_id}:function:page-a:$LATEST" in arns
