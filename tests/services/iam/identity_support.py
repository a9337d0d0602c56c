"""Helpers for the IAM identity tests: a store with one account and handlers called in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lamina.auth.credentials import Caller, root_caller
from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.pytest_plugin import LaminaServer, start_server
from lamina.services import Offload, find
from lamina.store import Store, open_store
from lamina.store.repositories import accounts

ACCT = "123456789012"
ROOT = root_caller(ACCT, "AKIAROOTROOTROOTROOT")


def new_store() -> Store:
    store = open_store("sqlite://")
    with store.transaction() as conn:
        accounts.create_account(conn, ACCT)
    return store


def user_caller(name: str, path: str = "/") -> Caller:
    return Caller(ACCT, f"arn:aws:iam::{ACCT}:user{path}{name}", "IAMUser", "AIDAEXAMPLE", "AKIAUSER", user_name=name)


def context(operation: str, params: dict[str, Any], caller: Caller | None = None) -> RequestContext:
    ctx = RequestContext("req", "POST", "/", "", (), b"", service="iam", region="us-east-1", operation=operation)
    ctx.caller = caller or ROOT
    ctx.params = params
    return ctx


def call(store: Store, operation: str, caller: Caller | None = None, **params: Any) -> dict[str, Any]:
    """Run the registered handler as the pipeline's dispatch step would; {} for empty answers."""
    found = find("iam", operation)
    assert found is not None, f"iam:{operation} is not registered"
    outcome = found.handler(context(operation, params, caller), store)
    if isinstance(outcome, Offload):  # the server runs the work in a worker process; here, inline
        outcome = outcome.run_inline()
    return dict(outcome or {})


def fails(
    store: Store, operation: str, code: str, message: str | None = None, *, caller: Caller | None = None, **params: Any
) -> ServiceError:
    """Call and expect AWS's error ``code`` (and exact ``message`` when given)."""
    with pytest.raises(ServiceError) as raised:
        call(store, operation, caller, **params)
    assert raised.value.code == code, raised.value
    if message is not None:
        assert raised.value.message == message
    return raised.value


def declared(
    operation: str, caller: Caller | None = None, store: Store | None = None, **params: Any
) -> tuple[list[str], str | None, dict[str, Any]]:
    """The gate's view of a request: resources, AccessDenied label, operation context keys."""
    found = find("iam", operation)
    assert found is not None
    auth = found.authorization
    assert auth.actions == (f"iam:{operation}",)
    ctx = context(operation, params, caller)
    store = store or new_store()
    label = auth.label(ctx) if auth.label else None
    keys = dict(auth.context(ctx, store)) if auth.context else {}
    return list(auth.resources(ctx, store)), label, keys


def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    """A real ``lamina serve`` for one test module (body of a module-scoped fixture)."""
    server = start_server(tmp_path_factory.mktemp("identities") / "data")
    try:
        yield server
    finally:
        server.stop()
