"""Lamina for your own tests: the session fixture ``lamina_server`` (a pytest plugin, entry point ``lamina``).

The fixture starts a real ``lamina serve`` subprocess on a free loopback port with a temporary data
dir and freshly generated root credentials, waits for ``GET /_lamina/health`` and stops it at the
end of the session. A real process rather than an in-process app, so the tests see exactly what a
deployed Lamina answers. Opt out with ``LAMINA_PYTEST_PLUGIN=0`` or ``-p no:lamina``.

    def test_whoami(lamina_server):
        sts = lamina_server.client("sts")
        assert sts.get_caller_identity()["Account"] == lamina_server.account_id
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["OPT_OUT_ENV", "LaminaServer", "start_server"]

OPT_OUT_ENV = "LAMINA_PYTEST_PLUGIN"
"""Set to ``0``, ``off`` or ``false`` and the plugin registers no fixture."""
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_LISTENING = re.compile(r"^Lamina listening on (http://\S+) ", re.MULTILINE)


@dataclass
class LaminaServer:
    """A running ``lamina serve``: where it listens and the root credentials of its account."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    region: str
    account_id: str
    data_dir: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` pointed at this server with the root credentials."""
        import boto3  # imported only when asked for: the plugin itself needs no boto3

        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url, "region_name": self.region,
            "aws_access_key_id": self.access_key_id, "aws_secret_access_key": self.secret_access_key,
        }
        return boto3.client(service, **{**options, **kwargs})

    def log(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _generated_key() -> tuple[str, str]:
    """A root key pair in AWS's shapes (``AKIA`` + 16, 40-character secret), new for every server."""
    key_id = "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    return key_id, secrets.token_urlsafe(30)[:40]


def _healthy(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_lamina/health", timeout=1) as response:
            return bool(json.load(response).get("status") == "ok")
    except (OSError, ValueError):  # URLError, a refused connection, and a read that timed out (a busy machine)
        return False


def _announced(log_path: Path) -> str | None:
    """The endpoint from the banner's ``Lamina listening on URL`` line, once it is there."""
    found = _LISTENING.search(log_path.read_text(errors="replace"))
    return found.group(1) if found else None


def start_server(
    data_dir: Path, *, account_id: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION,
    env: Mapping[str, str] | None = None, timeout: float = 30.0, options: Sequence[str] = (),
) -> LaminaServer:
    """Start ``lamina serve`` over ``data_dir`` (with more ``options``: ``--sandbox none``) and
    return once it is healthy.

    The server takes a free port itself (``--port 0``) and names it in its banner: no window in
    which another process could take a port picked here.
    """
    key_id, secret = _generated_key()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-lamina.log"
    command = [sys.executable, "-m", "lamina.cli", "serve", "--host", "127.0.0.1", "--port", "0",
               "--data-dir", str(data_dir), "--account-id", account_id, "--region", region, *options]
    child_env = {**(env if env is not None else os.environ),
                 "LAMINA_ROOT_ACCESS_KEY_ID": key_id, "LAMINA_ROOT_SECRET_ACCESS_KEY": secret}
    with log_path.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=child_env)
    server = LaminaServer("", key_id, secret, region, account_id, data_dir, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lamina serve exited with {process.returncode}:\n{server.log()}")
        server.endpoint_url = server.endpoint_url or _announced(log_path) or ""
        if server.endpoint_url and _healthy(server.endpoint_url):
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"lamina serve did not become healthy in {timeout:.0f} s:\n{server.log()}")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(OPT_OUT_ENV, "").strip().lower() in {"0", "off", "false", "no"}:
        return
    config.pluginmanager.register(importlib.import_module("lamina._pytest_fixtures"), "lamina-fixtures")
