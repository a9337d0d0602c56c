"""The fixtures of Lamina's pytest plugin, registered by ``lamina.pytest_plugin`` unless opted out."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lamina.pytest_plugin import LaminaServer, start_server


@pytest.fixture(scope="session")
def lamina_server() -> Iterator[LaminaServer]:
    """A Lamina server for the whole session, with its endpoint and the root credentials."""
    with tempfile.TemporaryDirectory(prefix="lamina-pytest-") as tmp:
        server = start_server(Path(tmp) / "data")
        try:
            yield server
        finally:
            server.stop()
