"""Hostile traffic against a real server (hypothesis): random operations with random and oversized
parameters, broken policy documents, broken signatures, duplicate headers and query parameters.

Throughout, a separate process polls the health endpoint. The suite asserts that no request gets a
5xx other than the documented 501 ``NotImplemented``, that every error is AWS-shaped, that health
answered every probe within 100 ms, and that the server's memory stayed bounded.

``make test`` runs a short version (:data:`EXAMPLES`, derandomized so CI is repeatable);
``make fuzz`` runs a long, random one (``LAMINA_FUZZ_EXAMPLES``, default 3000).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lamina_server import ROOT_KEY, ROOT_SECRET, Lamina, start_lamina

from .strategies import RawRequest, mutated, operation_requests, policy_requests

EXAMPLES = int(os.environ.get("LAMINA_FUZZ_EXAMPLES", "150"))
RANDOM = "LAMINA_FUZZ_EXAMPLES" in os.environ
HEALTH_BUDGET_MS = 100.0
MEMORY_GROWTH_BYTES = 150 * 1024 * 1024


@pytest.fixture(scope="module")
def lamina(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lamina]:
    server = start_lamina(tmp_path_factory.mktemp("fuzz") / "data")
    yield server
    server.stop()


def rss(pid: int) -> int:
    """Resident memory of a process in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def send(endpoint: str, request: RawRequest) -> tuple[int, dict[str, str], bytes] | None:
    """The server's answer; None when http.client itself refuses to send such a request."""
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    target = request.path + (f"?{request.query}" if request.query else "")
    try:
        connection.putrequest(request.method, target, skip_host=any(n.lower() == "host" for n, _ in request.headers),
                              skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(request.body)))
        # answered (and closed) before the whole body was sent: the answer is still there to read
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.endheaders(request.body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    except (ValueError, http.client.InvalidURL, UnicodeEncodeError):  # http.client refuses to send it
        return None
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
        return None
    finally:
        connection.close()


def assert_aws_shaped(status: int, headers: dict[str, str], body: bytes, label: str) -> None:
    assert status < 500 or status == 501, f"{label}: {status} {body[:300]!r}"
    assert b"Traceback" not in body, label
    if status < 300:
        return
    if headers.get("content-type", "").startswith("text/xml"):
        assert body.startswith(b"<ErrorResponse") and b"<Code>" in body, f"{label}: {body[:300]!r}"
    else:
        assert "x-amzn-errortype" in headers, f"{label}: {headers}"
        shape = json.loads(body)
        assert "Type" in shape and ("Message" in shape or "message" in shape), f"{label}: {shape}"
    if status == 501:
        assert b"NotImplemented" in body or headers.get("x-amzn-errortype") == "NotImplemented", label


def test_hostile_traffic_never_breaks_or_stalls_the_server(lamina: Lamina, tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    prober = subprocess.Popen([sys.executable, str(Path(__file__).with_name("prober.py")),
                               f"{lamina.endpoint}/_lamina/health", str(stop)], stdout=subprocess.PIPE, text=True)
    before = rss(lamina.process.pid)
    base = st.one_of(operation_requests(lamina.endpoint, ROOT_KEY, ROOT_SECRET),
                     policy_requests(lamina.endpoint, ROOT_KEY, ROOT_SECRET))
    answered: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(base, mutated(base)))
    def attack(request: RawRequest) -> None:
        outcome = send(lamina.endpoint, request)
        if outcome is not None:
            answered.append(outcome[0])
            assert_aws_shaped(*outcome, request.describe())

    try:
        attack()
    finally:
        stop.touch()
        probes = json.loads(prober.communicate(timeout=30)[0])
    grown = rss(lamina.process.pid) - before
    print(f"fuzz: {len(answered)} answered, statuses {sorted(set(answered))}, health {probes}, "
          f"memory +{grown / 2**20:.1f} MiB")
    assert len(answered) > EXAMPLES // 2, "most generated requests should reach the server"
    assert probes["probes"] > 0 and probes["failures"] == 0, probes
    assert probes["slowest_ms"] < HEALTH_BUDGET_MS, probes
    assert grown < MEMORY_GROWTH_BYTES, f"the server grew by {grown / 2**20:.0f} MiB"
