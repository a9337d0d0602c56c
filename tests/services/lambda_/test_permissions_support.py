"""Shared by the function-policy tests: a store with two accounts and a function, callers, request
contexts, and a comparison with AWS's recorded answers (placeholders in them match any value)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lamina.auth.credentials import Caller, root_caller
from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.store import Store, open_store
from lamina.store.repositories import accounts, lambda_aliases, lambda_code, lambda_functions, lambda_versions

ACCT = "123456789012"
OTHER = "210987654321"
REGION = "us-east-1"
FN_ARN = f"arn:aws:lambda:{REGION}:{ACCT}:function:fn"
ROOT = root_caller(ACCT, "AKIAROOT")
ANSWERS = json.loads((Path(__file__).parents[2] / "data" / "lambda_permission_answers.json").read_text())["records"]
_PLACEHOLDER = re.compile(r"<[a-z0-9_-]+(?::\d+)?>")


def new_store() -> Store:
    """Two accounts; ``fn`` in the first, with version 1 and aliases ``live`` and ``permission-alias`` → 1."""
    store = open_store("sqlite://")
    with store.transaction() as conn:
        accounts.create_account(conn, ACCT)
        accounts.create_account(conn, OTHER)
        code = lambda_code.put_code(conn, b"PK\x05\x06" + bytes(18))
        latest = lambda_functions.create_function(conn, ACCT, REGION, "fn", {"Runtime": "python3.12"}, code.sha256)
        lambda_versions.publish_version(conn, ACCT, REGION, "fn", expected_revision_id=latest.revision_id)
        lambda_aliases.create_alias(conn, ACCT, REGION, "fn", "live", "1")
        lambda_aliases.create_alias(conn, ACCT, REGION, "fn", "permission-alias", "1")
    return store


def ctx(operation: str, caller: Caller | None = None, **params: Any) -> RequestContext:
    return RequestContext("r", "POST", "/", "", [], b"", caller=caller or ROOT, region=REGION, service="lambda",
                          operation=operation, params=params)


def error_of(call: Any) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call()
    return raised.value


def recorded(name: str) -> dict[str, Any]:
    found: dict[str, Any] = ANSWERS[name]
    return found


def matches(expected: Any, actual: Any) -> bool:
    """``actual`` has ``expected``'s shape, key order included; a recorded placeholder
    (``<region>``, ``<resource:1>``) matches any run of characters, and AWS's normalised account
    ``111111111111`` any account."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and list(expected) == list(actual) and all(
            matches(value, actual[key]) for key, value in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            matches(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, str):
        pieces = [re.escape(part) for part in _PLACEHOLDER.split(expected)]
        pattern = ".+".join(pieces).replace("111111111111", r"\d{12}")
        return isinstance(actual, str) and re.fullmatch(pattern, actual) is not None
    return bool(expected == actual)
