"""Fixtures for the store tests: an in-memory store, a transaction, an account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection

from lamina.store import Store, open_store
from lamina.store.repositories import accounts

ACCOUNT = "111122223333"


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store("sqlite://")
    yield opened
    opened.close()


@pytest.fixture
def conn(store: Store) -> Iterator[Connection]:
    with store.transaction() as connection:
        accounts.create_account(connection, ACCOUNT)
        yield connection
