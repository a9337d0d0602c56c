"""Helpers for the role and policy tests: a one-account store and handlers called in-process."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from lamina.auth.credentials import root_caller
from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services import declaration, find
from lamina.store import Store, open_store
from lamina.store.repositories import accounts

ACCT = "123456789012"
ROOT = root_caller(ACCT, "AKIAROOTROOTROOTROOT")
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def new_store() -> Store:
    store = open_store("sqlite://")
    with store.transaction() as conn:
        accounts.create_account(conn, ACCT)
    return store


def context(operation: str, params: dict[str, Any]) -> RequestContext:
    ctx = RequestContext("req", "POST", "/", "", (), b"", service="iam", region="us-east-1", operation=operation)
    ctx.caller = ROOT
    ctx.params = params
    return ctx


def call(store: Store, operation: str, **params: Any) -> dict[str, Any]:
    found = find("iam", operation)
    assert found is not None, f"iam:{operation} is not registered"
    return dict(found.handler(context(operation, params), store) or {})


def fails(store: Store, operation: str, code: str, message: str | None = None, **params: Any) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call(store, operation, **params)
    assert raised.value.code == code, raised.value
    if message is not None:
        assert raised.value.message == message
    return raised.value


def declared(
    store: Store, operation: str, **params: Any
) -> tuple[tuple[str, ...], list[str], str | None, dict[str, Any]]:
    """The declaration's actions, resources, label and context for these params."""
    found = declaration("iam", operation)
    assert found is not None
    ctx = context(operation, params)
    label = found.label(ctx) if found.label else None
    keys = dict(found.context(ctx, store)) if found.context else {}
    return found.actions, list(found.resources(ctx, store)), label, keys


def decoded(text: str) -> Any:
    return json.loads(unquote(text))
