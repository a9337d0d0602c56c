"""Fixtures the IAM server tests share: one real ``lamina serve`` per test module and its IAM client
(a module that needs another kind of server defines its own ``server``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from identity_support import served

from lamina.pytest_plugin import LaminaServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    yield from served(tmp_path_factory)


@pytest.fixture
def iam(server: LaminaServer) -> Any:
    return server.client("iam")
