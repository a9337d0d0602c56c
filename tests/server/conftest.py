"""Server fixtures: ``lamina`` is one real ``lamina serve`` shared by a test module (fast suite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lamina_server import Lamina, start_lamina


@pytest.fixture(scope="module")
def lamina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lamina]:
    server = start_lamina(tmp_path_factory.mktemp("lamina") / "data")
    yield server
    server.stop()
