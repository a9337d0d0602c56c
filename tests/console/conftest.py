"""One real ``lamina serve`` per test module (module scope: each module's users and throttles are its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lamina.pytest_plugin import LaminaServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaServer]:
    running = start_server(tmp_path_factory.mktemp("console") / "data")
    yield running
    running.stop()
