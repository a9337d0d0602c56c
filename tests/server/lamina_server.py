"""A real ``lamina serve`` for tests: a subprocess on a free port with its own data dir, plus signing helpers.

``start_lamina(data_dir)`` starts one and waits for ``/_lamina/health``; ``signed_headers`` signs
a form POST with botocore's own SigV4 signer.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCOUNT = "123456789012"
ROOT_KEY = "AKIAIOSFODNN7EXAMPLE"
ROOT_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
LAMINA = Path(sys.executable).with_name("lamina")


@dataclass
class Lamina:
    """A running server: its endpoint, data dir and the file its stdout goes to."""

    endpoint: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    output: Path

    def stdout(self) -> str:
        return self.output.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def root_env() -> dict[str, str]:
    return {**os.environ, "LAMINA_ROOT_ACCESS_KEY_ID": ROOT_KEY, "LAMINA_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET}


def start_lamina(data_dir: Path, env: Mapping[str, str] | None = None, name: str = "serve") -> Lamina:
    """Start ``lamina serve`` and return once its health check answers (or fail with its output)."""
    port = free_port()
    output = data_dir.parent / f"{data_dir.name}-{name}.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [str(LAMINA), "serve", "--port", str(port), "--data-dir", str(data_dir), "--account-id", ACCOUNT],
            stdout=sink, stderr=subprocess.STDOUT, env=dict(env or root_env()),
        )
    server = Lamina(f"http://127.0.0.1:{port}", data_dir, process, output)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"lamina serve exited with {process.returncode}:\n{server.stdout()}")
        try:
            with urllib.request.urlopen(f"{server.endpoint}/_lamina/health", timeout=1) as response:
                if json.load(response)["status"] == "ok":
                    return server
        except OSError:  # URLError, a refused connection, a read that timed out on a busy machine
            time.sleep(0.05)
    server.stop()
    pytest.fail(f"lamina serve did not become healthy:\n{server.stdout()}")


def signed_headers(
    url: str, body: str, *, key: str = ROOT_KEY, secret: str = ROOT_SECRET, service: str = "sts",
    token: str | None = None, method: str = "POST",
) -> dict[str, str]:
    """botocore's own SigV4 headers for a form POST (or ``method``) to ``url`` (host included, as the wire has it)."""
    request = AWSRequest(method, url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(key, secret, token), service, "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = url.split("/")[2]
    return headers


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: str


def post(url: str, body: str, headers: Mapping[str, str]) -> Answer:
    """POST with urllib, returning error answers instead of raising; header names in lower case."""
    request = urllib.request.Request(url, data=body.encode(), headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return Answer(response.status, headers, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())
