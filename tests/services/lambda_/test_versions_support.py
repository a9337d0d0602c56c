"""Shared by the in-process tests of versions, aliases, tags, concurrency and URL configs: a store
with functions made through the repositories (no CreateFunction needed), and request contexts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from lamina import pytest_plugin
from lamina.auth.credentials import Caller, root_caller
from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.pytest_plugin import LaminaServer, start_server
from lamina.services import Deps
from lamina.services.lambda_.function_config import new_configuration
from lamina.settings import Settings
from lamina.store import Store, open_store
from lamina.store.repositories import Status, accounts, lambda_code, lambda_functions, lambda_versions

ACCT = "123456789012"
REGION = "us-east-1"
ROOT = root_caller(ACCT, "AKIAROOT")
ARN = f"arn:aws:lambda:{REGION}:{ACCT}:function"
healthy = pytest_plugin._healthy
ROLE = f"arn:aws:iam::{ACCT}:role/r"
ZIP = b"PK\x05\x06" + b"\0" * 18


def make_store() -> Store:
    store = open_store("sqlite://")
    with store.transaction() as conn:
        accounts.create_account(conn, ACCT)
    return store


def create_function(store: Store, name: str, *, code: bytes = ZIP, tags: dict[str, str] | None = None) -> str:
    """A function stored as CreateFunction stores it (its defaults included); returns $LATEST's RevisionId."""
    with store.transaction() as conn:
        blob = lambda_code.put_code(conn, code)
        config = new_configuration({"Runtime": "python3.12", "Handler": "index.handler", "Role": ROLE}, name)
        row = lambda_functions.create_function(conn, ACCT, REGION, name, config, blob.sha256,
                                               status=Status(state="Active", last_update_status="Successful"),
                                               tags_to_add=tags)
    return row.revision_id


def update_code(store: Store, name: str, code: bytes) -> None:
    with store.transaction() as conn:
        blob = lambda_code.put_code(conn, code)
        lambda_functions.update_function(conn, ACCT, REGION, name, code_sha256=blob.sha256)


def publish(store: Store, name: str) -> str:
    with store.transaction() as conn:
        return lambda_versions.publish_version(conn, ACCT, REGION, name).version


@pytest.fixture
def store() -> Iterator[Store]:
    yield make_store()


def ctx(operation: str, caller: Caller | None = None, region: str = REGION, **params: Any) -> RequestContext:
    return RequestContext("r", "GET", "/", "", [], b"", caller=caller or ROOT, region=region, operation=operation,
                          params=params)


def deps(store: Store, port: int = 4599) -> Deps:
    return Deps(store, gate=None, settings=Settings(port=port))  # type: ignore[arg-type]  # no secondary checks


def error_of(call: Callable[[], Any]) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call()
    return raised.value


RECORDED = json.loads((Path(__file__).parents[2] / "data" / "lambda_versions_recorded_answers.json").read_text())[
    "records"]


def recorded(name: str) -> dict[str, Any]:
    """A recorded AWS answer (``test/record``) from tests/data/lambda_versions_recorded_answers.json."""
    found: dict[str, Any] = RECORDED[name]
    return found


def normalised(text: str, names: dict[str, str] | None = None) -> str:
    """Lamina's text in the recording's normal form: account, partition, region and names replaced."""
    text = text.replace(f"arn:aws:lambda:{REGION}:{ACCT}:", "arn:<partition>:lambda:<region>:111111111111:")
    for name, placeholder in sorted((names or {}).items(), key=lambda item: -len(item[0])):
        text = text.replace(f"function:{name}", f"function:{placeholder}")
    return text


def assert_recorded(error: ServiceError, name: str, names: dict[str, str] | None = None) -> None:
    """``error`` is the recorded one: code, message (normalised) and HTTP status."""
    expected = recorded(name)
    assert (error.code, normalised(error.message, names), error.status) == (
        expected["Error"]["Code"], expected["Error"]["Message"], expected["HTTPStatusCode"])


def _healthy_or_not_yet(endpoint: str) -> bool:
    """The plugin's health probe, where a probe that times out (a loaded machine, a first answer
    slower than its 1 s) means "not yet" instead of failing the start: the plugin lets that
    TimeoutError escape and leaves the server running."""
    try:
        return healthy(endpoint)
    except OSError:
        return False


@contextmanager
def served(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[LaminaServer]:
    """A real ``lamina serve`` of its own for one test module."""
    with mock.patch.object(pytest_plugin, "_healthy", _healthy_or_not_yet):
        server = start_server(tmp_path_factory.mktemp(name) / "data", account_id=ACCT, region=REGION)
    try:
        yield server
    finally:
        server.stop()


def create_served_function(server: LaminaServer, name: str, **kwargs: Any) -> str:
    """A function in the server's own store, written beside it (the server keeps no Lambda state in memory)."""
    served_store = open_store(server.data_dir)
    try:
        return create_function(served_store, name, **kwargs)
    finally:
        served_store.close()


def client_error(call: Callable[[], Any]) -> tuple[str, str, int]:
    """The ClientError ``call`` raises, as (code, message, HTTP status)."""
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def recorded_error(name: str) -> tuple[str, str, int]:
    expected = recorded(name)
    return expected["Error"]["Code"], expected["Error"]["Message"], expected["HTTPStatusCode"]


def client_normalised(found: tuple[str, str, int], names: dict[str, str] | None = None) -> tuple[str, str, int]:
    return found[0], normalised(found[1], names), found[2]


def user_client(server: LaminaServer, name: str, policy: dict[str, Any], service: str = "lambda") -> Any:
    """A client for a new IAM user whose only permissions are ``policy``."""
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client(service, aws_access_key_id=key["AccessKeyId"],
                         aws_secret_access_key=key["SecretAccessKey"])
